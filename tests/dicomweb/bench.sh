#!/usr/bin/env bash
# DICOMweb benchmark: Dokuei (dicomweb_bench_server) beside Orthanc 1.10 + its DICOMweb plugin, on
# loopback, same synthetic 500-slice 512x512x16-bit CT series (generator from
# ../shared/bench/anchor-ingest.sh). Prints a table of medians and ratios.
#
#   tests/dicomweb/bench.sh            (env: BUILD=build/h-web-rel CT_SLICES=500 REPS=5 ORTHANC=1)
#
# Every process started here is tracked by PID and stopped on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build/h-web-rel}
SERVER_BIN=${SERVER_BIN:-$BUILD/tests/dicomweb/dicomweb_bench_server}
ANCHOR=${ANCHOR:-$ROOT/../shared/bench/anchor-ingest.sh}
CT_SLICES=${CT_SLICES:-500}
REPS=${REPS:-5}
QIDO_N=${QIDO_N:-300}
ORTHANC=${ORTHANC:-1}
WORK=${WORK:-$(mktemp -d /tmp/dokuei-dwbench.XXXXXX)}
DATA=${DATA:-$WORK/data}
PY=/usr/bin/python3
mkdir -p "$WORK" "$DATA"
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

declare -a PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) printf "%.6f\n", a[(NR+1)/2]; else printf "%.6f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# ---- data ---------------------------------------------------------------------------------
if ! grep -qx "params=0,${CT_SLICES}" "$DATA/MANIFEST" 2>/dev/null; then
  log "generating ${CT_SLICES}-slice CT in $DATA"
  sed -n "/^cat > \"\$WORK\/gen.py\" <<'PYEOF'\$/,/^PYEOF\$/p" "$ANCHOR" | sed '1d;$d' > "$WORK/gen.py"
  rm -rf "$DATA"/CT "$DATA"/MR "$DATA/MANIFEST"
  "$PY" "$WORK/gen.py" "$DATA" 0 "$CT_SLICES"
fi
manifest() { sed -n "s/^$1=//p" "$DATA/MANIFEST"; }
STUDY=$(manifest ct_study); SERIES=$(manifest ct_series); BYTES=$(manifest bytes)
BOUNDARY=bench-boundary-7d1f
if [[ ! -f "$DATA/stow.body" ]]; then
  "$PY" - "$DATA/CT/S01" "$DATA/stow.body" "$BOUNDARY" <<'PYEOF'
import os, sys
d, out, b = sys.argv[1], sys.argv[2], sys.argv[3].encode()
with open(out, "wb") as o:
    for f in sorted(os.listdir(d)):
        o.write(b"--" + b + b"\r\nContent-Type: application/dicom\r\n\r\n")
        o.write(open(os.path.join(d, f), "rb").read()); o.write(b"\r\n")
    o.write(b"--" + b + b"--\r\n")
PYEOF
fi
FIRST_SOP=$("$PY" -c "import uuid;NS=uuid.UUID('6f1c2a9e-0d4b-4c1e-9a57-3b2d8e0c1f00');print('2.25.%d'%uuid.uuid5(NS,'CT/1/0').int)")
log "data: $CT_SLICES instances, $BYTES bytes; study $STUDY"

# ---- servers ------------------------------------------------------------------------------
start_dokuei() {  # -> sets DOKUEI_PID, DOKUEI_URL
  local dir="$WORK/dokuei-$1"; rm -rf "$dir"; mkdir -p "$dir"
  "$SERVER_BIN" "$dir" "$dir/port" > "$dir/log" 2>&1 & DOKUEI_PID=$!; PIDS+=("$DOKUEI_PID")
  for _ in $(seq 1 100); do [[ -s "$dir/port" ]] && break; sleep 0.05; done
  DOKUEI_URL="http://127.0.0.1:$(cat "$dir/port")/dicom-web"
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
start_orthanc() {  # -> ORTHANC_PID, ORTHANC_URL
  local dir="$WORK/orthanc-$1"; rm -rf "$dir"; mkdir -p "$dir"
  local http; http=$(free_port); local dicom; dicom=$(free_port)
  cat > "$dir/orthanc.json" <<JSON
{ "Name": "bench", "StorageDirectory": "$dir/storage", "IndexDirectory": "$dir/index",
  "HttpPort": $http, "DicomPort": $dicom, "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false, "SyncStorageArea": true, "StorageCompression": false,
  "Plugins": ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"],
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/" } }
JSON
  TCP_NODELAY=1 Orthanc "$dir/orthanc.json" > "$dir/log" 2>&1 & ORTHANC_PID=$!; PIDS+=("$ORTHANC_PID")
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$http/system" >/dev/null 2>&1 && break; sleep 0.1; done
  ORTHANC_URL="http://127.0.0.1:$http/dicom-web"
}

AUTH=(-H "Authorization: Bearer bench")
CT_MULTI="Content-Type: multipart/related; type=\"application/dicom\"; boundary=$BOUNDARY"
ACCEPT_DICOM="Accept: multipart/related; type=\"application/dicom\""
ACCEPT_FRAME="Accept: multipart/related; type=\"application/octet-stream\"; transfer-syntax=*"

stow() {  # url -> seconds
  curl -s -o "$WORK/stow.out" -w '%{time_total}\n' -X POST "${AUTH[@]}" -H "$CT_MULTI" \
    -H "Expect:" -T "$DATA/stow.body" "$1/studies"
}
timed_get() {  # url accept -> "seconds bytes"
  curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "${AUTH[@]}" -H "$2" "$1"
}

declare -A R
declare -A URLS
# STOW: fresh servers, interleaved Dokuei/Orthanc, 3 repetitions; the last ones stay up.
systems=(dokuei); [[ "$ORTHANC" == 1 ]] && systems+=(orthanc)
declare -A STOW_TIMES
for rep in 1 2 3; do
  for name in "${systems[@]}"; do
    "start_$name" "$rep"
    if [[ $name == dokuei ]]; then pid=$DOKUEI_PID; url=$DOKUEI_URL; else pid=$ORTHANC_PID; url=$ORTHANC_URL; fi
    sync; t=$(stow "$url"); STOW_TIMES[$name]+="$t "
    log "$name STOW rep $rep: ${t}s ($(head -c 60 "$WORK/stow.out" | tr -d '\n\t '))"
    if [[ $rep -lt 3 ]]; then stop_pid "$pid"; else URLS[$name]=$url; fi
  done
done
for name in "${systems[@]}"; do R[$name.stow]=$(echo "${STOW_TIMES[$name]}" | tr ' ' '\n' | grep . | median); done

# Reads: each measurement alternates between the systems, so load drift hits both alike.
measure() {  # key path accept -> R[name.key] = median seconds, R[name.key_bytes]
  local key=$1 path=$2 accept=$3 name t b
  declare -A times=()
  for name in "${systems[@]}"; do timed_get "${URLS[$name]}$path" "$accept" > /dev/null; done
  for _ in $(seq 1 "$REPS"); do
    for name in "${systems[@]}"; do
      read -r t b < <(timed_get "${URLS[$name]}$path" "$accept")
      times[$name]+="$t "; R[$name.${key}_bytes]=$b
    done
  done
  for name in "${systems[@]}"; do R[$name.$key]=$(echo "${times[$name]}" | tr ' ' '\n' | grep . | median); done
}
measure meta "/studies/$STUDY/series/$SERIES/metadata" "Accept: application/dicom+json"
measure series "/studies/$STUDY/series/$SERIES" "$ACCEPT_DICOM"

# Frames: every frame of the series, one request each over one keep-alive connection.
for name in "${systems[@]}"; do
  "$PY" - "${URLS[$name]}" "$STUDY" "$SERIES" "$CT_SLICES" > "$WORK/frames-$name.cfg" <<'PYEOF'
import sys, uuid
url, st, se, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
NS = uuid.UUID("6f1c2a9e-0d4b-4c1e-9a57-3b2d8e0c1f00")
for i in range(n):
    sop = "2.25.%d" % uuid.uuid5(NS, "CT/1/%d" % i).int
    print('url = "%s/studies/%s/series/%s/instances/%s/frames/1"\noutput = /dev/null' % (url, st, se, sop))
PYEOF
  : > "$WORK/qido-$name.cfg"
  for _ in $(seq 1 "$QIDO_N"); do
    printf 'url = "%s/studies?PatientID=ANCHOR-0002"\noutput = /dev/null\n' "${URLS[$name]}" >> "$WORK/qido-$name.cfg"
  done
done
declare -A FT
for _ in 1 2 3; do
  for name in "${systems[@]}"; do
    t0=$(date +%s.%N)
    curl -s "${AUTH[@]}" -H "$ACCEPT_FRAME" -w '%{size_download}\n' -K "$WORK/frames-$name.cfg" > "$WORK/frames.sizes"
    t1=$(date +%s.%N)
    FT[$name]+="$(echo "$t1 - $t0" | bc) "
    R[$name.frames_bytes]=$(awk '{s+=$1} END {print s}' "$WORK/frames.sizes")
  done
done
for name in "${systems[@]}"; do R[$name.frames]=$(echo "${FT[$name]}" | tr ' ' '\n' | grep . | median); done
# QIDO: per-request times over one keep-alive connection.
for name in "${systems[@]}"; do
  curl -s "${AUTH[@]}" -w '%{time_total}\n' -K "$WORK/qido-$name.cfg" > "$WORK/qido-$name.times"
  R[$name.qido50]=$(median < "$WORK/qido-$name.times")
  R[$name.qido99]=$(sort -g "$WORK/qido-$name.times" | awk '{a[NR]=$1} END {printf "%.6f\n", a[int(NR*0.99)]}')
done

mbs() { echo "scale=1; $1 / $2 / 1000000" | bc; }
ratio() { if [[ -n "${2:-}" && "$2" != 0 ]]; then echo "scale=1; $1 / $2" | bc; else echo "-"; fi; }
printf '\n%-40s %14s %14s %8s\n' "benchmark ($CT_SLICES x 512x512 CT)" "Dokuei" "Orthanc" "ratio"
o() { echo "${R[orthanc.$1]:-}"; }
printf '%-40s %12.3f s %12s s %7sx\n' "STOW-RS whole series (1 request)" "${R[dokuei.stow]}" "$(o stow)" "$(ratio "$(o stow)" "${R[dokuei.stow]}")"
printf '%-40s %10s MB/s %10s MB/s\n' "  STOW-RS throughput" "$(mbs "$BYTES" "${R[dokuei.stow]}")" "$( [[ -n $(o stow) ]] && mbs "$BYTES" "$(o stow)")"
printf '%-40s %11.1f ms %11s ms %7sx\n' "WADO-RS series metadata (median)" "$(echo "${R[dokuei.meta]} * 1000" | bc)" "$( [[ -n $(o meta) ]] && echo "$(o meta) * 1000" | bc)" "$(ratio "$(o meta)" "${R[dokuei.meta]}")"
printf '%-40s %10s MB/s %10s MB/s %7sx\n' "WADO-RS whole series (median)" "$(mbs "${R[dokuei.series_bytes]}" "${R[dokuei.series]}")" "$( [[ -n $(o series) ]] && mbs "$(o series_bytes)" "$(o series)")" "$(ratio "$(o series)" "${R[dokuei.series]}")"
printf '%-40s %10s MB/s %10s MB/s %7sx\n' "WADO-RS frames, 1 request per frame" "$(mbs "${R[dokuei.frames_bytes]}" "${R[dokuei.frames]}")" "$( [[ -n $(o frames) ]] && mbs "$(o frames_bytes)" "$(o frames)")" "$(ratio "$(o frames)" "${R[dokuei.frames]}")"
printf '%-40s %9.2f/%.2f ms %6s/%s ms\n' "QIDO-RS study search p50/p99 (tiny DB)" "$(echo "${R[dokuei.qido50]} * 1000" | bc)" "$(echo "${R[dokuei.qido99]} * 1000" | bc)" "$( [[ -n $(o qido50) ]] && echo "$(o qido50) * 1000" | bc)" "$( [[ -n $(o qido99) ]] && echo "$(o qido99) * 1000" | bc)"
log "work dir: $WORK"
