#!/usr/bin/env bash
# Runs every test: unit and scenario tests (CTest, SQLite and PostgreSQL backends: the PostgreSQL
# ones start a throwaway server through scripts/with-postgres.sh), end-to-end tests of the real
# binary with DCMTK tools and curl, and the libFuzzer smoke run (built with clang in build/fuzz).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/release}
cd "$here"
jobs=$(nproc)

echo "== unit, scenario and end-to-end tests ($build)"
ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 900

echo "== libFuzzer smoke (build/fuzz)"
cmake --preset fuzz >/dev/null
cmake --build build/fuzz --target dicom_parse_fuzz intake_parse_fuzz -j"$jobs"
ctest --test-dir build/fuzz --output-on-failure -R fuzz_smoke --timeout 600 -j"$jobs"
echo "== all tests passed"
