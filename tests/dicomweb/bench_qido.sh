#!/usr/bin/env bash
# QIDO-RS latency at scale: dicomweb_bench_server with an index of INSTANCES synthetic instances
# (100 per study, 2 series, 3 studies per patient, Japanese and Latin names), then N requests of
# each query shape over one keep-alive connection; prints p50/p99/max per shape.
#   tests/dicomweb/bench_qido.sh     (env: BUILD=build/h-web-rel INSTANCES=1000000 N=300)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build/h-web-rel}
INSTANCES=${INSTANCES:-1000000}
N=${N:-300}
WORK=$(mktemp -d /tmp/dokuei-qido.XXXXXX)
DOKUEI_SYNTHETIC_INSTANCES=$INSTANCES "$BUILD/tests/dicomweb/dicomweb_bench_server" "$WORK" "$WORK/port" \
  > "$WORK/log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 3000); do [[ -s "$WORK/port" ]] && break; sleep 0.1; done
PORT=$(cat "$WORK/port"); NS=$((INSTANCES / 100))
URL="http://127.0.0.1:$PORT/dicom-web"
echo "index: $INSTANCES instances, $NS studies"
run() {  # name, then url generator via python
  local name=$1; shift
  /usr/bin/python3 -c "$1" "$URL" "$NS" "$N" > "$WORK/q.cfg"
  curl -s -H "Authorization: Bearer bench" -w '%{time_total} %{http_code} %{size_download}\n' -K "$WORK/q.cfg" > "$WORK/q.times"
  awk '{print $1}' "$WORK/q.times" | sort -g | awk -v n="$name" '{a[NR]=$1} END {printf "%-45s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms (n=%d)\n", n, a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000, NR}'
  awk '{print $2}' "$WORK/q.times" | sort | uniq -c | tr '\n' ' '; awk '{s+=$3} END {print " avg bytes " s/NR}' "$WORK/q.times"
}
P='import sys,random; u,ns,n=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]); random.seed(1)'
run "studies?PatientID=<exact>" "$P
for i in range(n): print('url = \"%s/studies?PatientID=SYN%d\"\noutput = /dev/null' % (u, random.randrange(ns//3)))"
run "studies?PatientName=<family>*&limit=100" "$P
fam=['YAMADA','SUZUKI','TANAKA','SATO','ITO']
for i in range(n): print('url = \"%s/studies?PatientName=%s*&limit=100\"\noutput = /dev/null' % (u, random.choice(fam)))"
run "studies?PatientName=<kanji>*&limit=25" "$P
fam=['%E5%B1%B1%E7%94%B0','%E9%88%B4%E6%9C%A8']
for i in range(n): print('url = \"%s/studies?PatientName=%s*&limit=25\"\noutput = /dev/null' % (u, random.choice(fam)))"
run "studies?StudyDate=<month range>&limit=100" "$P
for i in range(n): y=2020+random.randrange(4); m=1+random.randrange(12); print('url = \"%s/studies?StudyDate=%04d%02d01-%04d%02d28&limit=100\"\noutput = /dev/null' % (u,y,m,y,m))"
run "studies?AccessionNumber=<exact>" "$P
for i in range(n): print('url = \"%s/studies?AccessionNumber=ACC%d\"\noutput = /dev/null' % (u, random.randrange(ns)))"
run "studies/<st>/series" "$P
for i in range(n): print('url = \"%s/studies/1.2.826.0.1.3680043.10.1.%d/series\"\noutput = /dev/null' % (u, random.randrange(ns)))"
run "studies/<st>/series/<se>/instances" "$P
for i in range(n): s=random.randrange(ns); print('url = \"%s/studies/1.2.826.0.1.3680043.10.1.%d/series/1.2.826.0.1.3680043.10.1.%d.2/instances\"\noutput = /dev/null' % (u, s, s))"
run "studies?limit=100 (no filter)" "$P
for i in range(n): print('url = \"%s/studies?limit=100&offset=%d\"\noutput = /dev/null' % (u, random.randrange(1000)))"
run "studies?ModalitiesInStudy=MR&limit=100" "$P
for i in range(n): print('url = \"%s/studies?ModalitiesInStudy=MR&limit=100\"\noutput = /dev/null' % (u))"
