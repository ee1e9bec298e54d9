#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/debian-packages.txt (and, with --bench, those in
# scripts/debian-packages-bench.txt) that are not installed yet. Safe to run repeatedly: when
# everything is present it does nothing and needs no network.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lists=("$here/debian-packages.txt")
[[ "${1:-}" == "--bench" ]] && lists+=("$here/debian-packages-bench.txt")
mapfile -t wanted < <(cat "${lists[@]}" | sed 's/#.*//' | awk 'NF {print $1}')
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[[ "$(id -u)" != "0" ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
