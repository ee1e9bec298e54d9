#!/usr/bin/env bash
# bench/run.sh BUILD_DIR -- Dokuei beside Orthanc and DCMTK storescp, in one run, on loopback.
#
# Measures (results: docs/benchmarks.md; targets: ../shared/spec/performance.md):
#   * C-STORE ingest with storescu, 1 and PAR associations, into storescp (no index, no fsync),
#     Orthanc (Debian package, SyncStorageArea true, SQLite index, TCP_NODELAY=1) and Dokuei
#     (`dokuei serve`, fresh --data-dir on the same disk, durable before the response);
#     counts verified after every run (Orthanc /statistics, Dokuei QIDO-RS).
#   * resident memory (VmRSS sampled every 50 ms, and VmHWM) of Orthanc and Dokuei during the
#     PAR-association ingest;
#   * STOW-RS ingest of the same files (multipart/related batches, 1 and PAR connections) into
#     Orthanc's DICOMweb plugin and Dokuei;
#   * WADO-RS /metadata of the CT series (500 slices), the whole series (multipart), and every frame
#     of it one request at a time, against Orthanc and Dokuei;
#   * QIDO-RS p50/p99 on an index of 1 million instances (bench/populate_index), SQLite and
#     PostgreSQL (a throwaway server like scripts/with-postgres.sh starts, kept in WORK);
#   * the disk's durable-write floor (bench/fsync_floor), the loopback ceiling of a whole-series
#     download (bench/loopback_ceiling.py), and, with PROFILE=1, profiles of Dokuei (perf on the
#     1-association C-STORE path, its per-step wall-time split and the flush latencies from strace
#     marks with 1 and PAR associations, a system-wide perf of the PAR-association ingest, perf on
#     instance-level QIDO-RS), written to WORK/profiles/<run>.
# and prints one table (our figure, the peers', the ratio, the target, PASS/MISS).
#
# Everything runs on loopback; as root (with unshare) inside a private network namespace that only
# has "lo" (as ../shared/bench/anchor-ingest.sh does). Every process started is tracked by PID and
# stopped on exit. Requirements: scripts/install-deps.sh --bench, and a build with DOKUEI_BENCH=ON
# (the release preset has it): BUILD_DIR/src/server/dokuei, BUILD_DIR/bench/{populate_index,fsync_floor}.
#
# Environment knobs [defaults]:
#   REPS [3]              repetitions of every ingest/read measurement (medians reported)
#   PAR [4]               parallel associations / STOW connections
#   WORK [REPO/build/bench-work]  work dir: data set, 1M-instance indexes (cached between runs),
#                         server data, logs, results.jsonl (must be on the disk you measure)
#   STOW_BATCH [50]       instances per STOW-RS request
#   QIDO_INSTANCES [1000000]  size of the QIDO index;  QIDO_N [300] requests per query type
#   SKIP_QIDO_1M [0]      1: skip the QIDO benchmark;  SKIP_PG [0]: skip its PostgreSQL half
#   PROFILE [1]           1: the profiles above (perf and strace must be installed)
#   SMOKE [0]             1: tiny quick run (small images, REPS=1, 20k-instance index, no profile)
#   SETTLE [6]            seconds to wait after deleting the previous repetition's files (see settle())
#   NO_NETNS [0]          1: do not use a private network namespace
#   KEEP_WORK [0]         1: keep the last servers' data dirs at exit (data set, indexes, logs,
#                         results and profiles are always kept)
#   PG_BIN [/usr/lib/postgresql/15/bin]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR   (e.g. build/release; see the header for knobs)" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)

# ---------------------------------------------------------------------------------------------
# 0. Private network namespace (loopback only)
# ---------------------------------------------------------------------------------------------
if [[ "${NO_NETNS:-0}" != "1" && "${BENCH_IN_NETNS:-0}" != "1" && "$(id -u)" == "0" ]] &&
  command -v unshare >/dev/null; then
  export BENCH_IN_NETNS=1
  exec unshare --net -- "$BASH" "$0" "$BUILD"
fi
if [[ "${BENCH_IN_NETNS:-0}" == "1" ]]; then ip link set lo up; fi

SMOKE=${SMOKE:-0}
if [[ "$SMOKE" == "1" ]]; then
  REPS=${REPS:-1}; QIDO_INSTANCES=${QIDO_INSTANCES:-20000}; QIDO_N=${QIDO_N:-20}
  PROFILE=${PROFILE:-0}; READ_REPS=${READ_REPS:-2}
  GEN_ARGS=(--bench --bench-mr-slices 10 --bench-ct-slices 20 --bench-matrix 64)
else
  GEN_ARGS=(--bench)
fi
REPS=${REPS:-3}
PAR=${PAR:-4}
WORK=${WORK:-$REPO/build/bench-work}
STOW_BATCH=${STOW_BATCH:-50}
QIDO_INSTANCES=${QIDO_INSTANCES:-1000000}
QIDO_N=${QIDO_N:-300}
READ_REPS=${READ_REPS:-5}
SKIP_QIDO_1M=${SKIP_QIDO_1M:-0}
SKIP_PG=${SKIP_PG:-0}
PROFILE=${PROFILE:-1}
KEEP_WORK=${KEEP_WORK:-0}
SETTLE=${SETTLE:-6}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
NET_ENV="TCP_NODELAY=1"       # every DCMTK-based process (storescu, storescp, Orthanc, dokuei)
PY=/usr/bin/python3           # Debian's python (stdlib only)

DOKUEI="$BUILD/src/server/dokuei"
POPULATE="$BUILD/bench/populate_index"
FSYNC_FLOOR="$BUILD/bench/fsync_floor"
CLIENT="$HERE/dicomweb_client.py"

ORTHANC_AET=ORTHANC;  ORTHANC_DICOM_PORT=14242; ORTHANC_HTTP_PORT=18042
STORESCP_AET=STORESCP; STORESCP_PORT=11112
DOKUEI_AET=DOKUEI;    DOKUEI_DICOM_PORT=24242;  DOKUEI_HTTP_PORT=28042
PG_PORT=${PG_PORT:-25432}
SCU_AET=BENCHSCU
ORTHANC_URL="http://127.0.0.1:${ORTHANC_HTTP_PORT}"
DOKUEI_URL="http://127.0.0.1:${DOKUEI_HTTP_PORT}"
DICOMWEB_SO=/usr/share/orthanc/plugins/libOrthancDicomWeb.so

RUN_ID=$(date +%Y%m%d-%H%M%S)
mkdir -p "$WORK/logs" "$WORK/profiles/$RUN_ID"
RESULTS="$WORK/results-$RUN_ID.jsonl"
: > "$RESULTS"
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
now() { date +%s.%N; }
jrec() { printf '%s\n' "$1" >> "$RESULTS"; }

# Servers' data directories are not deleted between runs but moved aside, and deleted in settle()
# at the start of each repetition, followed by a sync and a pause. Reason: on an ext4 file system
# without a journal (this machine's), creating a file skips every inode freed in the last 5 s
# (35 s while its inode-table block is dirty) and pays a buffer lookup for each (ext4
# recently_deleted()); right after `rm -rf` of the previous run's 800 files, that inode scan cost
# up to 40 % of the server's CPU per stored instance, for every target alike. An archive does not
# delete 800 files before each ingest, so the benchmark should not either.
# Every measured run also starts with no dirty data of the previous one still being written back
# (storescp never fsyncs: its 420 MB would otherwise be flushed during the next target's run).
retire() {
  local d; for d in "$@"; do [[ -e "$d" ]] && { mkdir -p "$WORK/trash"; mv "$d" "$WORK/trash/$(date +%s%N)"; }; done
  sync -f "$WORK" 2>/dev/null || sync
}
settle() {
  rm -rf "$WORK/trash"
  sync -f "$WORK" 2>/dev/null || sync
  sleep "$SETTLE"
}

# ---------------------------------------------------------------------------------------------
# Process tracking / cleanup (by PID only)
# ---------------------------------------------------------------------------------------------
declare -a STARTED_PIDS=()
PG_DATA_RUNNING=""
kill_tree() {   # a PID we started, plus its direct children (storescp --fork children)
  local pid=$1 child
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill "$child" 2>/dev/null || true; done
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
forget_pid() { local p=$1 i; for i in "${!STARTED_PIDS[@]}"; do [[ "${STARTED_PIDS[$i]}" == "$p" ]] && unset 'STARTED_PIDS[i]'; done; return 0; }
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pg() {
  if [[ -n "$PG_DATA_RUNNING" ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA_RUNNING" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA_RUNNING" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    PG_DATA_RUNNING=""
  fi
}
cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]:-}"; do [[ -n "$pid" ]] && kill_tree "$pid"; done
  STARTED_PIDS=()
  stop_pg
  if [[ "$KEEP_WORK" != "1" ]]; then
    rm -rf "$WORK/orthanc-storage" "$WORK/orthanc-index" "$WORK/storescp-out" "$WORK/dokuei-data"
  fi
  rm -rf "$WORK/trash"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in Orthanc storescu storescp echoscu curl bc "$PY"; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool (scripts/install-deps.sh --bench)" >&2; exit 1; }
done
[[ -f "$DICOMWEB_SO" ]] || { echo "missing $DICOMWEB_SO (orthanc-dicomweb)" >&2; exit 1; }
for b in "$DOKUEI" "$POPULATE" "$FSYNC_FLOOR"; do
  [[ -x "$b" ]] || { echo "missing $b: build with DOKUEI_BENCH=ON, e.g. cmake --preset release && cmake --build build/release" >&2; exit 1; }
done

# ---------------------------------------------------------------------------------------------
# 1. Data set: dokuei demo generate --bench (cached in WORK)
# ---------------------------------------------------------------------------------------------
if [[ "$SMOKE" == "1" ]]; then DATA="$WORK/data-smoke"; else DATA="$WORK/data"; fi
STAMP="${GEN_ARGS[*]}"
if [[ "$(cat "$DATA/.params" 2>/dev/null)" != "$STAMP" || ! -f "$DATA/truth.json" ]]; then
  log "generating the data set in $DATA: dokuei demo generate ${GEN_ARGS[*]}"
  rm -rf "$DATA"
  "$DOKUEI" demo generate "${GEN_ARGS[@]}" --out "$DATA" >&2
  echo "$STAMP" > "$DATA/.params"
fi
find "$DATA" -name '*.dcm' | sort > "$WORK/files.txt"
mapfile -t FILES < "$WORK/files.txt"
N_INST=${#FILES[@]}
N_BYTES=$(cat "${FILES[@]}" | wc -c)   # also warms the page cache: the sender is never disk-bound
read -r CT_STUDY CT_SERIES < <("$PY" -c '
import json, sys
t = json.load(open(sys.argv[1]))
ct = [s for s in t["studies"] if s["modality"] == "CT"][0]
print(ct["study_instance_uid"], ct["series"][0]["series_instance_uid"])' "$DATA/truth.json")
CT_BYTES=$(cat "$DATA"/CT/*/*.dcm | wc -c)
log "data set: $N_INST instances, $N_BYTES bytes; CT study $CT_STUDY series $CT_SERIES ($CT_BYTES bytes)"

# ---------------------------------------------------------------------------------------------
# 2. Servers
# ---------------------------------------------------------------------------------------------
ORTHANC_PID=""; STORESCP_PID=""; DOKUEI_PID=""
wait_ready() {   # pid name url aet port
  local pid=$1 name=$2 url=$3 aet=$4 port=$5
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "$url" 2>/dev/null &&
       env $NET_ENV echoscu -aet "$SCU_AET" -aec "$aet" 127.0.0.1 "$port" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "$name exited; see $WORK/logs" >&2; exit 1; }
    sleep 0.1
  done
  echo "$name did not start" >&2; exit 1
}
start_orthanc() {
  retire "$WORK/orthanc-storage" "$WORK/orthanc-index"; mkdir -p "$WORK/orthanc-storage" "$WORK/orthanc-index"
  cat > "$WORK/orthanc.json" <<EOF
{
  "Name" : "dokuei-bench",
  "StorageDirectory" : "$WORK/orthanc-storage",
  "IndexDirectory" : "$WORK/orthanc-index",
  "StorageCompression" : false,
  "SyncStorageArea" : true,
  "Plugins" : [ "$DICOMWEB_SO" ],
  "HttpServerEnabled" : true,
  "HttpPort" : $ORTHANC_HTTP_PORT,
  "RemoteAccessAllowed" : false,
  "AuthenticationEnabled" : false,
  "KeepAlive" : true,
  "TcpNoDelay" : true,
  "DicomServerEnabled" : true,
  "DicomAet" : "$ORTHANC_AET",
  "DicomPort" : $ORTHANC_DICOM_PORT,
  "DicomThreadsCount" : 4,
  "DicomCheckModalityHost" : true,
  "DicomAlwaysAllowEcho" : true,
  "DicomAlwaysAllowStore" : false,
  "DicomModalities" : {
    "bench" : { "AET" : "$SCU_AET", "Host" : "127.0.0.1", "Port" : 11199,
                "AllowEcho" : true, "AllowStore" : true, "AllowFind" : true, "AllowMove" : true, "AllowGet" : true }
  },
  "SaveJobs" : false,
  "StableAge" : 3600,
  "DicomWeb" : { "Enable" : true, "Root" : "/dicom-web/", "EnableWado" : true, "WadoRoot" : "/wado",
                 "Host" : "127.0.0.1:$ORTHANC_HTTP_PORT", "Ssl" : false }
}
EOF
  env $NET_ENV Orthanc "$WORK/orthanc.json" --logfile="$WORK/logs/orthanc.log" &
  ORTHANC_PID=$!; STARTED_PIDS+=("$ORTHANC_PID")
  wait_ready "$ORTHANC_PID" Orthanc "$ORTHANC_URL/system" "$ORTHANC_AET" "$ORTHANC_DICOM_PORT"
}
stop_orthanc() { [[ -n "$ORTHANC_PID" ]] && { kill_tree "$ORTHANC_PID"; forget_pid "$ORTHANC_PID"; ORTHANC_PID=""; }; return 0; }
start_storescp() {
  retire "$WORK/storescp-out"; mkdir -p "$WORK/storescp-out"
  env $NET_ENV storescp --fork -aet "$STORESCP_AET" -od "$WORK/storescp-out" +B -fe .dcm "$STORESCP_PORT" 2>"$WORK/logs/storescp.log" &
  STORESCP_PID=$!; STARTED_PIDS+=("$STORESCP_PID")
  for _ in $(seq 1 100); do
    env $NET_ENV echoscu -aet "$SCU_AET" -aec "$STORESCP_AET" 127.0.0.1 "$STORESCP_PORT" 2>/dev/null && return 0; sleep 0.1
  done
  echo "storescp did not start" >&2; exit 1
}
stop_storescp() { [[ -n "$STORESCP_PID" ]] && { kill_tree "$STORESCP_PID"; forget_pid "$STORESCP_PID"; STORESCP_PID=""; }; return 0; }

# Dokuei: a TOML config declaring the tenant, the calling AE title and a bearer token.
BENCH_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export BENCH_TOKEN
TOKEN_SHA=$(printf '%s' "$BENCH_TOKEN" | sha256sum | cut -d' ' -f1)
write_dokuei_config() {   # $1 data dir, $2 extra TOML ([index] section) -> $WORK/dokuei.toml
  cat > "$WORK/dokuei.toml" <<EOF
# written by bench/run.sh
data_dir = "$1"
lang = "en"
[http]
listen = "127.0.0.1:$DOKUEI_HTTP_PORT"
[dicom]
listen = "127.0.0.1:$DOKUEI_DICOM_PORT"
ae_title = "$DOKUEI_AET"

[[tenants]]
code = "bench"
name = "ベンチマーク病院"

[[dicom.peers]]
ae_title = "$SCU_AET"
tenant = "bench"
max_associations = 16

[[http.tokens]]
sha256 = "$TOKEN_SHA"
tenant = "bench"
subject = "bench"
$2
EOF
}
start_dokuei() {   # $1 data dir [$2 extra toml] [$3 wrapper command...]
  local dir=$1 extra=${2:-}; shift 2 || shift $#
  write_dokuei_config "$dir" "$extra"
  env $NET_ENV "$@" "$DOKUEI" serve --config "$WORK/dokuei.toml" >"$WORK/logs/dokuei.log" 2>&1 &
  DOKUEI_PID=$!; STARTED_PIDS+=("$DOKUEI_PID")
  wait_ready "$DOKUEI_PID" dokuei "$DOKUEI_URL/health" "$DOKUEI_AET" "$DOKUEI_DICOM_PORT"
  if [[ $# -gt 0 ]]; then   # started under a wrapper (strace): find the server process itself
    local p; p=$(pgrep -P "$DOKUEI_PID" -x dokuei | head -1 || true); [[ -n "$p" ]] && DOKUEI_SERVER_PID=$p
  else
    DOKUEI_SERVER_PID=$DOKUEI_PID
  fi
}
stop_dokuei() { [[ -n "$DOKUEI_PID" ]] && { kill_tree "$DOKUEI_PID"; forget_pid "$DOKUEI_PID"; DOKUEI_PID=""; }; return 0; }
fresh_dokuei() { retire "$WORK/dokuei-data"; mkdir -p "$WORK/dokuei-data"; start_dokuei "$WORK/dokuei-data" "" "$@"; }

# ---------------------------------------------------------------------------------------------
# 3. Measurements
# ---------------------------------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {  # pid -> utime+stime+cutime+cstime of pid, plus utime+stime of its children (storescp --fork)
  local pid=$1 total child
  total=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12+$13+$14+$15}')
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    total=$((total + $(sed 's/.*) //' "/proc/$child/stat" 2>/dev/null | awk '{print $12+$13}' || echo 0)))
  done
  echo "${total:-0}"
}
send() {  # aec port nassoc -> "elapsed-seconds client-cpu-ms" (same storescu invocation for every target)
  local aec=$1 port=$2 n=$3 i t0 t1 rc=0
  local -a pids=()
  t0=$(now)
  for ((i = 0; i < n; i++)); do
    local -a part=()
    local j; for ((j = i; j < N_INST; j += n)); do part+=("${FILES[$j]}"); done
    env $NET_ENV storescu -R -aet "$SCU_AET" -aec "$aec" 127.0.0.1 "$port" "${part[@]}" 2>>"$WORK/logs/storescu.log" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || rc=$?; done
  t1=$(now)
  [[ $rc -eq 0 ]] || { echo "storescu failed (rc=$rc), see $WORK/logs/storescu.log" >&2; exit 1; }
  # This runs in a command substitution: its reaped children are exactly the storescu processes.
  # ($BASHPID is read here, not inside the pipeline, whose elements are subshells of their own.)
  local me=$BASHPID
  printf '%.6f %d\n' "$(echo "$t1 - $t0" | bc -l)" \
    "$(($(sed 's/.*) //' "/proc/$me/stat" | awk '{print $14+$15}') * 1000 / CLK_TCK))"
}
measure() {  # server-pid aec port nassoc -> sets S (seconds), CLI_MS, SRV_MS (CPU ms during the ingest)
  local pid=$1 c0 c1 out
  c0=$(cpu_ticks "$pid")
  out=$(send "$2" "$3" "$4")
  c1=$(cpu_ticks "$pid")
  S=${out% *}; CLI_MS=${out#* }; SRV_MS=$(((c1 - c0) * 1000 / CLK_TCK))
}
record_ingest() {  # proto target par rep  (uses S, SRV_MS, CLI_MS from measure)
  jrec "{\"k\":\"ingest\",\"proto\":\"$1\",\"target\":\"$2\",\"par\":$3,\"rep\":$4,\"seconds\":$S,\"n\":$N_INST,\"bytes\":$N_BYTES,\"server_cpu_ms\":$SRV_MS,\"client_cpu_ms\":$CLI_MS,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}"
  log "$(printf '%-8s C-STORE x%s rep%s: %7.2f s  %7.1f inst/s  %6.1f MB/s  CPU/instance: server %.2f ms, storescu %.2f ms' "$2" "$3" "$4" "$S" \
    "$(echo "$N_INST / $S" | bc -l)" "$(echo "$N_BYTES / 1000000 / $S" | bc -l)" \
    "$(echo "$SRV_MS / $N_INST" | bc -l)" "$(echo "$CLI_MS / $N_INST" | bc -l)")"
}
orthanc_count() { curl -sf "$ORTHANC_URL/statistics" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["CountInstances"])'; }
dokuei_count() { "$PY" "$CLIENT" count --url "$DOKUEI_URL/dicom-web"; }
check_count() {  # name got
  [[ "$2" == "$N_INST" ]] || { echo "$1 stored $2/$N_INST instances" >&2; exit 1; }
}

# Resident memory sampler: VmRSS every 50 ms until stopped; VmHWM at the end.
MEM_PID=""
mem_start() {  # pid outfile
  ( while kill -0 "$1" 2>/dev/null; do awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null; sleep 0.05; done ) > "$2" &
  MEM_PID=$!; STARTED_PIDS+=("$MEM_PID")
}
mem_stop() {  # target pid outfile rep
  kill "$MEM_PID" 2>/dev/null || true; wait "$MEM_PID" 2>/dev/null || true; forget_pid "$MEM_PID"
  local peak hwm
  peak=$(sort -n "$3" | tail -1); hwm=$(awk '/^VmHWM/{print $2}' "/proc/$2/status")
  jrec "{\"k\":\"rss\",\"target\":\"$1\",\"rep\":$4,\"peak_rss_kb\":${peak:-0},\"hwm_kb\":${hwm:-0}}"
  log "$(printf '%-8s resident memory during the x%s ingest: peak VmRSS %d MiB, VmHWM %d MiB' "$1" "$PAR" $((${peak:-0} / 1024)) $((${hwm:-0} / 1024)))"
}
hwm_note() {  # target pid label rep : VmHWM after a phase
  local hwm; hwm=$(awk '/^VmHWM/{print $2}' "/proc/$2/status")
  jrec "{\"k\":\"hwm\",\"target\":\"$1\",\"phase\":\"$3\",\"rep\":$4,\"hwm_kb\":${hwm:-0}}"
}

reads() {  # target url rep
  "$PY" "$CLIENT" read --url "$2" --target "$1" --rep "$3" --study "$CT_STUDY" --series "$CT_SERIES" \
    --reps "$READ_REPS" --results "$RESULTS"
}
stow() {  # target url par rep server-pid
  local c0 c1
  c0=$(cpu_ticks "$5")
  "$PY" "$CLIENT" stow --url "$2" --target "$1" --conns "$3" --rep "$4" --files "$WORK/files.txt" \
    --batch "$STOW_BATCH" --results "$RESULTS"
  c1=$(cpu_ticks "$5")
  jrec "{\"k\":\"cpu\",\"proto\":\"stow\",\"target\":\"$1\",\"par\":$3,\"rep\":$4,\"server_cpu_ms\":$(((c1 - c0) * 1000 / CLK_TCK))}"
}

log "host: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
log "work dir: $WORK on $(df -T "$WORK" | awk 'NR==2{print $1" ("$2")"}'); netns: ${BENCH_IN_NETNS:-0}"
log "versions: $("$DOKUEI" version 2>/dev/null | head -1); $(Orthanc --version | head -1); DICOMweb plugin $(dpkg-query -W -f='${Version}' orthanc-dicomweb); DCMTK $(dpkg-query -W -f='${Version}' dcmtk)"
jrec "{\"k\":\"env\",\"nproc\":$(nproc),\"load_start\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"n\":$N_INST,\"bytes\":$N_BYTES,\"reps\":$REPS,\"par\":$PAR,\"stow_batch\":$STOW_BATCH,\"qido_instances\":$QIDO_INSTANCES,\"smoke\":$SMOKE}"

# The disk's durable-write floor, measured before every repetition (it moves with the others' I/O).
floor() {  # rep
  "$FSYNC_FLOOR" "$WORK" --count 100 --threads "$PAR" > "$WORK/logs/fsync_floor-$1.txt"
  grep -E '^(blob|fdatasync|dirfsync|wal|floor|parallel)' "$WORK/logs/fsync_floor-$1.txt" | sed 's/^/    /' >&2
  "$PY" - "$WORK/logs/fsync_floor-$1.txt" "$1" >> "$RESULTS" <<'PYEOF'
import json, re, sys
rec = {"k": "floor", "rep": int(sys.argv[2])}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+)\s+p50\s+(\d+) us\s+p90\s+(\d+) us\s+p99\s+(\d+) us\s+mean\s+(\d+) us", line)
    if m: rec[m.group(1)] = {"p50": int(m.group(2)), "p99": int(m.group(4)), "mean": int(m.group(5))}
    m = re.match(r"parallel\s+(\d+) threads(, no directory fsync)?: (\d+) blobs/s", line)
    if m: rec["parallel_nodir" if m.group(2) else "parallel"] = {"threads": int(m.group(1)), "blobs_per_s": int(m.group(3))}
print(json.dumps(rec))
PYEOF
}

T_START=$(now)
for rep in $(seq 1 "$REPS"); do
  settle
  for mode in 1 "$PAR"; do
    # storescp: the raw sink.
    start_storescp
    measure "$STORESCP_PID" "$STORESCP_AET" "$STORESCP_PORT" "$mode"
    got=$(find "$WORK/storescp-out" -name '*.dcm' | wc -l)
    stop_storescp
    check_count storescp "$got"
    record_ingest cstore storescp "$mode" "$rep"

    # Orthanc, fsync on.
    start_orthanc
    [[ "$mode" == "$PAR" ]] && mem_start "$ORTHANC_PID" "$WORK/logs/rss-orthanc.txt"
    measure "$ORTHANC_PID" "$ORTHANC_AET" "$ORTHANC_DICOM_PORT" "$mode"
    [[ "$mode" == "$PAR" ]] && mem_stop orthanc "$ORTHANC_PID" "$WORK/logs/rss-orthanc.txt" "$rep"
    check_count Orthanc "$(orthanc_count)"
    record_ingest cstore orthanc "$mode" "$rep"
    if [[ "$mode" == "$PAR" ]]; then reads orthanc "$ORTHANC_URL/dicom-web" "$rep"; fi
    stop_orthanc

    # Dokuei, durable by design.
    fresh_dokuei
    [[ "$mode" == "$PAR" ]] && mem_start "$DOKUEI_PID" "$WORK/logs/rss-dokuei.txt"
    measure "$DOKUEI_PID" "$DOKUEI_AET" "$DOKUEI_DICOM_PORT" "$mode"
    [[ "$mode" == "$PAR" ]] && mem_stop dokuei "$DOKUEI_PID" "$WORK/logs/rss-dokuei.txt" "$rep"
    check_count Dokuei "$(dokuei_count)"
    record_ingest cstore dokuei "$mode" "$rep"
    if [[ "$mode" == "$PAR" ]]; then
      reads dokuei "$DOKUEI_URL/dicom-web" "$rep"
      hwm_note dokuei "$DOKUEI_PID" "after-reads" "$rep"
    fi
    stop_dokuei
  done
  for conns in 1 "$PAR"; do
    start_orthanc
    stow orthanc "$ORTHANC_URL/dicom-web" "$conns" "$rep" "$ORTHANC_PID"
    check_count "Orthanc (STOW)" "$(orthanc_count)"
    stop_orthanc
    fresh_dokuei
    stow dokuei "$DOKUEI_URL/dicom-web" "$conns" "$rep" "$DOKUEI_PID"
    check_count "Dokuei (STOW)" "$(dokuei_count)"
    hwm_note dokuei "$DOKUEI_PID" "stow-x$conns" "$rep"
    stop_dokuei
  done
  # After the ingests (it creates and deletes files itself; settle() follows before the next rep).
  log "rep $rep: durable-write floor on $WORK (fsync_floor, 525 KB files, 1 and $PAR writers):"
  floor "$rep"
  # The loopback ceiling for a whole-series download (curl from a trivial in-memory sender).
  "$PY" "$HERE/loopback_ceiling.py" "$CT_BYTES" "$READ_REPS" | sed "s/^{/{\"rep\": $rep, /" | tee -a "$RESULTS" |
    "$PY" -c 'import json,sys; r=json.load(sys.stdin); print("    loopback ceiling: %.0f bytes in %.1f ms (%.0f MB/s)" % (r["bytes"], r["median_ms"], r["mbs"]))' >&2
done
T_END=$(now)
log "ingest/read part: $(echo "$T_END - $T_START" | bc) s"

# ---------------------------------------------------------------------------------------------
# 4. Profiles of Dokuei's durable C-STORE path (written to WORK/profiles, summarised in the table)
# ---------------------------------------------------------------------------------------------
P="$WORK/profiles/$RUN_ID"
perf_report() {  # data-file out-prefix [perf report args...]
  local d=$1 o=$2; shift 2
  perf report -i "$d" --no-children --sort dso --stdio -g none "$@" 2>/dev/null | grep -v '^#' | grep -v '^$' | head -20 > "$o.by-dso.txt" || true
  perf report -i "$d" --no-children --sort sym --stdio -g none "$@" 2>/dev/null | grep -v '^#' | grep -v '^$' | cut -c1-180 | head -60 > "$o.by-symbol.txt" || true
  perf report -i "$d" --children --sort sym --stdio -g none "$@" 2>/dev/null | grep -v '^#' | grep -v '^$' | cut -c1-180 | head -120 > "$o.inclusive.txt" || true
}
if [[ "$PROFILE" == "1" ]] && command -v perf >/dev/null; then
  # (a) On-CPU profile of the server, 1 association (DWARF call graphs: the build has no frame pointers).
  settle
  log "profile: perf record on dokuei during a 1-association ingest"
  fresh_dokuei
  perf record -F 1999 -e cpu-clock --call-graph dwarf,16384 -p "$DOKUEI_PID" -o "$P/cstore-x1.perf.data" 2>"$P/perf-record.log" &
  PERF_PID=$!; STARTED_PIDS+=("$PERF_PID"); sleep 0.5
  measure "$DOKUEI_PID" "$DOKUEI_AET" "$DOKUEI_DICOM_PORT" 1
  kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null || true; forget_pid "$PERF_PID"
  stop_dokuei
  perf_report "$P/cstore-x1.perf.data" "$P/cstore-x1"
  jrec "{\"k\":\"profile\",\"what\":\"perf cstore x1\",\"seconds\":$S,\"server_cpu_ms\":$SRV_MS}"

  # (b) Wall-time split per step (strace marks the steps; only 4 syscalls are stopped), 1 and PAR
  #     associations (with PAR: the flush latencies and WAL commits per instance, all threads).
  if command -v strace >/dev/null; then
    for mode in 1 "$PAR"; do
      settle
      log "profile: per-step wall-time split (strace marks) during a $mode-association ingest"
      fresh_dokuei strace -f -ttt -T --seccomp-bpf -e trace=openat,fdatasync,fsync,rename -o "$P/cstore-x$mode.strace.txt"
      measure "$DOKUEI_SERVER_PID" "$DOKUEI_AET" "$DOKUEI_DICOM_PORT" "$mode"
      stop_dokuei
      "$PY" "$HERE/cstore_split.py" "$P/cstore-x$mode.strace.txt" > "$P/cstore-x$mode.split.md"
      tail -1 "$P/cstore-x$mode.split.md" | sed "s/^{/{\"par\": $mode, \"seconds\": $S, /" >> "$RESULTS"
      sed '$d' "$P/cstore-x$mode.split.md" >&2
    done
  fi

  # (c) The whole machine during the PAR-association ingest: who uses the 2 cores.
  settle
  log "profile: system-wide perf during a $PAR-association ingest"
  fresh_dokuei
  perf record -a -F 999 -e cpu-clock -o "$P/cstore-x$PAR.system.perf.data" 2>>"$P/perf-record.log" &
  PERF_PID=$!; STARTED_PIDS+=("$PERF_PID"); sleep 0.5
  measure "$DOKUEI_PID" "$DOKUEI_AET" "$DOKUEI_DICOM_PORT" "$PAR"
  kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null || true; forget_pid "$PERF_PID"
  stop_dokuei
  perf report -i "$P/cstore-x$PAR.system.perf.data" --no-children --sort comm --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15 > "$P/cstore-x$PAR.system.by-comm.txt" || true
  jrec "{\"k\":\"profile\",\"what\":\"perf system cstore x$PAR\",\"par\":$PAR,\"seconds\":$S,\"server_cpu_ms\":$SRV_MS,\"client_cpu_ms\":$CLI_MS,\"by_comm\":$("$PY" -c '
import json, sys
shares = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) >= 2 and p[0].endswith("%"):
        k = "idle" if p[1] == "swapper" else p[1] if p[1] in ("dokuei", "storescu") else "other"
        shares[k] = round(shares.get(k, 0) + float(p[0][:-1]), 1)
print(json.dumps(shares))' "$P/cstore-x$PAR.system.by-comm.txt")}"
  log "profiles written to $P"
fi

# ---------------------------------------------------------------------------------------------
# 5. QIDO-RS on a 1-million-instance index (SQLite, PostgreSQL); indexes cached in WORK/qido
# ---------------------------------------------------------------------------------------------
qido_suite() {  # backend data_dir extra_toml
  start_dokuei "$2" "$3"
  "$PY" "$CLIENT" qido --url "$DOKUEI_URL/dicom-web" --backend "$1" --samples "$QDIR/samples-$1.json" \
    --n "$QIDO_N" --results "$RESULTS"
  hwm_note dokuei "$DOKUEI_PID" "qido-$1" 1
  if [[ "$PROFILE" == "1" && "$1" == "sqlite" ]] && command -v perf >/dev/null; then
    log "profile: perf record on dokuei during instance-level QIDO-RS (a 300-600-instance series, no limit)"
    perf record -F 999 -e cpu-clock --call-graph dwarf,32768 -p "$DOKUEI_PID" -o "$P/qido-instances.perf.data" 2>>"$P/perf-record.log" &
    PERF_PID=$!; STARTED_PIDS+=("$PERF_PID"); sleep 0.5
    "$PY" "$CLIENT" qido --url "$DOKUEI_URL/dicom-web" --backend "$1" --samples "$QDIR/samples-$1.json" \
      --only "studies/{uid}/series/{uid}/instances (" --seconds 5
    kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null || true; forget_pid "$PERF_PID"
    perf_report "$P/qido-instances.perf.data" "$P/qido-instances"
  fi
  stop_dokuei
}
GEN_VERSION=$("$POPULATE" --version)
cached() {  # samples file -> true when it was written by this generator version
  [[ -s "$1" ]] && "$PY" -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])).get("generator") != int(sys.argv[2]))' "$1" "$GEN_VERSION"
}
if [[ "$SKIP_QIDO_1M" != "1" ]]; then
  QDIR="$WORK/qido-$QIDO_INSTANCES"
  mkdir -p "$QDIR"
  # SQLite
  if ! cached "$QDIR/samples-sqlite.json"; then
    log "populating a $QIDO_INSTANCES-instance SQLite index (cached in $QDIR)"
    rm -rf "$QDIR/sqlite"; mkdir -p "$QDIR/sqlite"
    "$POPULATE" --sqlite "$QDIR/sqlite/index.sqlite" --instances "$QIDO_INSTANCES" \
      --samples "$QDIR/samples-sqlite.json.tmp" 2>&1 | tee "$QDIR/populate-sqlite.log" >&2
    mv "$QDIR/samples-sqlite.json.tmp" "$QDIR/samples-sqlite.json"
  fi
  log "QIDO-RS on SQLite ($(du -sh "$QDIR/sqlite" | cut -f1) index)"
  qido_suite sqlite "$QDIR/sqlite" ""

  # PostgreSQL
  if [[ "$SKIP_PG" != "1" ]]; then
    [[ -x "$PG_BIN/pg_ctl" ]] || { echo "missing $PG_BIN/pg_ctl (postgresql-15)" >&2; exit 1; }
    PGD="$QDIR/pg/data"
    if ! cached "$QDIR/samples-postgres.json"; then
      rm -f "$QDIR/samples-postgres.json"
      log "initialising a PostgreSQL server in $QDIR/pg"
      rm -rf "$QDIR/pg"; mkdir -p "$QDIR/pg"
      [[ $(id -u) -eq 0 ]] && chown postgres: "$QDIR/pg"
      as_pg "$PG_BIN/initdb" -D "$PGD" -U dokuei --auth=trust -E UTF8 --no-locale --no-instructions >"$QDIR/pg-initdb.log" 2>&1
    fi
    as_pg "$PG_BIN/pg_ctl" -D "$PGD" -l "$QDIR/pg/server.log" -w -t 120 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$QDIR/pg -c fsync=on -c synchronous_commit=on -c max_connections=200" \
      start >/dev/null
    PG_DATA_RUNNING=$PGD
    CONNINFO="host=127.0.0.1 port=$PG_PORT user=dokuei dbname=dokuei_bench"
    if [[ ! -s "$QDIR/samples-postgres.json" ]]; then
      "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U dokuei dokuei_bench
      log "populating a $QIDO_INSTANCES-instance PostgreSQL index"
      "$POPULATE" --postgres "$CONNINFO" --instances "$QIDO_INSTANCES" \
        --samples "$QDIR/samples-postgres.json.tmp" 2>&1 | tee "$QDIR/populate-postgres.log" >&2
      # What autovacuum would have done by the time anyone queries a real archive.
      psql -q -h 127.0.0.1 -p "$PG_PORT" -U dokuei dokuei_bench -c 'VACUUM ANALYZE' >&2
      mv "$QDIR/samples-postgres.json.tmp" "$QDIR/samples-postgres.json"
    fi
    log "QIDO-RS on PostgreSQL ($(psql -tA -h 127.0.0.1 -p "$PG_PORT" -U dokuei dokuei_bench -c "select pg_size_pretty(pg_database_size('dokuei_bench'))") database)"
    mkdir -p "$QDIR/pg-serve"
    qido_suite postgres "$QDIR/pg-serve" "$(printf '[index]\nbackend = "postgres"\npostgres = "%s"\n' "$CONNINFO")"
    stop_pg
  fi
fi

jrec "{\"k\":\"env_end\",\"load_end\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"seconds\":$(printf '%.1f' "$(echo "$(now) - $T_START" | bc)")}"

# ---------------------------------------------------------------------------------------------
# 6. The table
# ---------------------------------------------------------------------------------------------
"$PY" "$HERE/summarize.py" "$RESULTS" | tee "$WORK/summary-$RUN_ID.md"
log "raw results: $RESULTS; table: $WORK/summary-$RUN_ID.md; logs: $WORK/logs"
