#!/usr/bin/python3
"""DICOMweb benchmark client for bench/run.sh (Python standard library only, keep-alive).

The same client is used against every server (Dokuei, Orthanc's DICOMweb plugin), so client-side
costs cancel out in the ratios. Each subcommand appends JSON lines to --results and prints a short
log to stderr.

  stow   --files LIST --batch N --conns C       STOW-RS ingest (multipart/related batches)
  count                                          instances visible through QIDO-RS (prints it)
  read   --study S --series SE --reps N         WADO-RS series /metadata, whole series, frames
  qido   --samples FILE --n N --backend NAME    QIDO-RS latency suite (p50/p99 per query)
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse

BOUNDARY = "DOKUEI-BENCH-8c1f0e2a7d"


def log(msg):
    print(time.strftime("[%H:%M:%S] ") + msg, file=sys.stderr, flush=True)


class Client:
    def __init__(self, base, token=None, timeout=600):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.root = u.hostname, u.port, u.path.rstrip("/")
        self.token, self.timeout = token, timeout
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.connect()
        import socket
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def request(self, method, path, body=None, headers=None, ok=(200,), stream=False):
        """Returns (response, body). With stream=True the body is read into a reusable buffer
        (Python's read() of a large body costs more than the server's sending it) and `body` is
        (bytes received, number of multipart parts seen)."""
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, self.root + path, body=body, headers=h)
                r = self.conn.getresponse()
                data = self._drain(r) if stream and r.status in ok else r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A server may close an idle keep-alive connection; reconnect once.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        if r.status not in ok:
            raise SystemExit("%s %s -> %d %s" % (method, path, r.status, data[:300]))
        return r, data


    _arr = bytearray(1 << 20)
    _buf = memoryview(_arr)

    def _drain(self, r):
        ct = r.getheader("Content-Type", "")
        boundary = b""
        for p in ct.split(";"):
            k, _, v = p.strip().partition("=")
            if k.strip().lower() == "boundary":
                boundary = b"--" + v.strip().strip('"').encode()
        n, parts, tail = 0, 0, b""
        b = len(boundary)
        while True:
            k = r.readinto(self._buf)
            if not k:
                break
            n += k
            if b:
                parts += self._arr.count(boundary, 0, k)
                # A delimiter split across two reads.
                parts += (tail + bytes(self._buf[:min(k, b - 1)])).count(boundary)
                tail = bytes(self._buf[max(0, k - b + 1):k])
        # Every part is preceded by a delimiter; the closing "--boundary--" is one more.
        return n, max(0, parts - 1)


def append(results, rec):
    with open(results, "a") as f:
        f.write(json.dumps(rec) + "\n")


# ------------------------------------------------------------------------------------------------
def cmd_stow(a):
    files = [l.strip() for l in open(a.files) if l.strip()]
    batches = []
    total = 0
    for i in range(0, len(files), a.batch):
        parts = []
        for p in files[i:i + a.batch]:
            with open(p, "rb") as fh:
                data = fh.read()
            total += len(data)
            parts.append(b"--" + BOUNDARY.encode() + b"\r\nContent-Type: application/dicom\r\n"
                         b"Content-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data + b"\r\n")
        parts.append(b"--" + BOUNDARY.encode() + b"--\r\n")
        batches.append((len(files[i:i + a.batch]), b"".join(parts)))
    headers = {"Content-Type": 'multipart/related; type="application/dicom"; boundary=' + BOUNDARY,
               "Accept": "application/dicom+json"}
    errors = []
    lock = threading.Lock()
    queue = list(range(len(batches)))

    def worker():
        c = Client(a.url, a.token)
        c._connect()
        while True:
            with lock:
                if not queue:
                    return
                b = queue.pop(0)
            try:
                r, data = c.request("POST", "/studies", batches[b][1], headers, ok=(200, 202))
                body = json.loads(data) if data else {}
                failed = body.get("00081198", {}).get("Value", [])
                if failed:
                    errors.append("batch %d: %d failed: %s" % (b, len(failed), json.dumps(failed[0])[:300]))
            except SystemExit as e:
                errors.append(str(e))
                return

    threads = [threading.Thread(target=worker) for _ in range(a.conns)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.perf_counter() - t0
    if errors:
        raise SystemExit("STOW errors: " + "; ".join(errors[:3]))
    rec = {"k": "ingest", "proto": "stow", "target": a.target, "par": a.conns, "rep": a.rep,
           "seconds": secs, "n": len(files), "bytes": total}
    append(a.results, rec)
    log("%-8s STOW-RS x%d rep%s: %7.2f s  %7.1f inst/s  %6.1f MB/s" %
        (a.target, a.conns, a.rep, secs, len(files) / secs, total / 1e6 / secs))


# ------------------------------------------------------------------------------------------------
def cmd_count(a):
    c = Client(a.url, a.token)
    _, data = c.request("GET", "/studies?includefield=00201208&limit=1000",
                        headers={"Accept": "application/dicom+json"}, ok=(200, 204))
    n = 0
    for s in (json.loads(data) if data else []):
        n += int(s.get("00201208", {}).get("Value", [0])[0])
    print(n)


# ------------------------------------------------------------------------------------------------
def curl_times(base_url, token, paths, accept):
    """Fetches every path in one curl process (one keep-alive connection, body discarded); returns
    [(seconds, bytes)] per transfer. curl is the timing client for WADO-RS: a C client whose cost
    is negligible next to the server's, so the figure is the server's."""
    import subprocess
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".curl", delete=False) as f:
        f.write('silent\nheader = "Accept: %s"\n' % accept.replace('"', '\\"'))
        if token:
            f.write('header = "Authorization: Bearer %s"\n' % token)
        f.write('write-out = "%{time_total} %{size_download} %{http_code}\\n"\n')
        for p in paths:
            f.write('url = "%s%s"\noutput = "/dev/null"\n' % (base_url, p))
        cfg = f.name
    try:
        out = subprocess.run(["curl", "-K", cfg], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(cfg)
    res = []
    for line in out.splitlines():
        t, n, code = line.split()
        if code != "200":
            raise SystemExit("curl: HTTP %s" % code)
        res.append((float(t), int(n)))
    if len(res) != len(paths):
        raise SystemExit("curl: %d of %d transfers" % (len(res), len(paths)))
    return res


def cmd_read(a):
    c = Client(a.url, a.token)
    st, se = a.study, a.series
    base = "/studies/%s/series/%s" % (st, se)
    J = "application/dicom+json"
    D = 'multipart/related; type="application/dicom"'
    F = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'
    # Checks (untimed): metadata items, parts of the whole-series response, one frame.
    _, data = c.request("GET", base + "/metadata", headers={"Accept": J})
    items = json.loads(data)
    sops = [i["00080018"]["Value"][0] for i in items]
    _, (size, parts) = c.request("GET", base, headers={"Accept": D}, stream=True)
    if parts != len(sops):
        raise SystemExit("whole series: %d parts for %d instances" % (parts, len(sops)))
    _, (_, fparts) = c.request("GET", base + "/instances/%s/frames/1" % sops[0], headers={"Accept": F}, stream=True)
    if fparts != 1:
        raise SystemExit("frame: %d parts" % fparts)
    out = []
    # 1. Series metadata (what a viewer asks first); first transfer is a warm-up.
    r = curl_times(a.url, a.token, [base + "/metadata"] * (a.reps + 1), J)[1:]
    out.append(("metadata", [t for t, _ in r], r[0][1], len(items)))
    # 2. Whole series, multipart/related; application/dicom.
    r = curl_times(a.url, a.token, [base] * (a.reps + 1), D)[1:]
    out.append(("series", [t for t, _ in r], r[0][1], parts))
    # 3. Every instance's frame 1, one request each, in instance order (a viewer scrolling the stack).
    r = curl_times(a.url, a.token, [base + "/instances/%s/frames/1" % sops[0]] +
                   [base + "/instances/%s/frames/1" % s for s in sops], F)[1:]
    fts = sorted(t for t, _ in r)
    out.append(("frames", [sum(t for t, _ in r)], sum(n for _, n in r), len(r)))
    for name, ts, size, count in out:
        med = statistics.median(ts)
        rec = {"k": "read", "target": a.target, "name": name, "rep": a.rep, "ms": [t * 1000 for t in ts],
               "median_ms": med * 1000, "bytes": size, "count": count, "client": "curl"}
        if name == "frames":
            rec["frame_p50_ms"] = fts[len(fts) // 2] * 1000
            rec["frame_p99_ms"] = fts[min(len(fts) - 1, int(0.99 * len(fts)))] * 1000
        append(a.results, rec)
        log("%-8s %-9s rep%s: median %9.2f ms  %10d B  %7.1f MB/s  (%d items)" %
            (a.target, name, a.rep, med * 1000, size, size / 1e6 / med, count))


# ------------------------------------------------------------------------------------------------
def cmd_qido(a):
    s = json.load(open(a.samples))
    c = Client(a.url, a.token)
    J = {"Accept": "application/dicom+json"}
    q = urllib.parse.quote
    surnames_romaji = ["YAMA*", "SAT*", "TANAKA*", "KOBAYASHI*", "NAKA*", "ISHI*", "MATSU*", "FUJI*"]
    surnames_kanji = ["山田*", "佐藤*", "田中*", "鈴木*", "山*", "中村*", "小林*", "高橋*"]
    fuzzy = ["yamada", "sato", "tanaka hanako", "suzuki", "nakamura", "kobayashi", "やまだ", "山田"]
    months = ["2021%02d" % m for m in range(1, 13)] + ["2025%02d" % m for m in range(1, 13)]
    big = list(zip(s["big_study_uids"], s["big_series_uids"]))
    small = list(zip(s["study_uids"], s["series_uids"]))
    suite = [
        ("studies?limit=100 (worklist, newest first)", lambda i: "/studies?limit=100"),
        ("studies?PatientID=", lambda i: "/studies?PatientID=" + s["patient_ids"][i % len(s["patient_ids"])]),
        ("studies?AccessionNumber=", lambda i: "/studies?AccessionNumber=" + s["accession_numbers"][i % len(s["accession_numbers"])]),
        ("studies?StudyInstanceUID=", lambda i: "/studies?StudyInstanceUID=" + s["study_uids"][i % len(s["study_uids"])]),
        ("studies?PatientName=YAMA*&limit=100", lambda i: "/studies?limit=100&PatientName=" + q(surnames_romaji[i % 8])),
        ("studies?PatientName=山田*&limit=100", lambda i: "/studies?limit=100&PatientName=" + q(surnames_kanji[i % 8])),
        ("studies?PatientName=yamada&fuzzymatching=true&limit=100",
         lambda i: "/studies?limit=100&fuzzymatching=true&PatientName=" + q(fuzzy[i % 8])),
        ("studies?StudyDate=<1 month>&limit=100",
         lambda i: "/studies?limit=100&StudyDate=%s01-%s28" % (months[i % 24], months[i % 24])),
        ("studies?ModalitiesInStudy=CT&limit=100", lambda i: "/studies?limit=100&ModalitiesInStudy=" + ["CT", "MR", "DX", "CR"][i % 4]),
        ("studies?StudyDate=<1 month>&ModalitiesInStudy=MR&limit=100",
         lambda i: "/studies?limit=100&ModalitiesInStudy=%s&StudyDate=%s01-%s28" % (["MR", "CT"][i % 2], months[i % 24], months[i % 24])),
        ("studies/{uid}/series", lambda i: "/studies/%s/series" % small[i % len(small)][0]),
        ("studies/{uid}/series/{uid}/instances?limit=100",
         lambda i: "/studies/%s/series/%s/instances?limit=100" % big[i % len(big)]),
        ("studies/{uid}/series/{uid}/instances (300-600, all)",
         lambda i: "/studies/%s/series/%s/instances" % big[i % len(big)]),
        ("series?Modality=CT&StudyDate=<1 month>&limit=100",
         lambda i: "/series?limit=100&Modality=CT&StudyDate=%s01-%s28" % (months[i % 24], months[i % 24])),
        ("instances?SOPInstanceUID=", lambda i: "/instances?SOPInstanceUID=" + s["sop_uids"][i % len(s["sop_uids"])]),
    ]
    if a.only:
        suite = [(n, p) for n, p in suite if n.startswith(a.only)]
        if not suite:
            raise SystemExit("no query type starts with %r" % a.only)
    for name, path in suite:
        if a.seconds:  # load loop (for a profiler attached to the server), no record
            t0, i = time.perf_counter(), 0
            while time.perf_counter() - t0 < a.seconds:
                c.request("GET", path(i), headers=J, ok=(200, 204))
                i += 1
            log("qido %s: %d requests in %.1f s" % (name, i, a.seconds))
            continue
        for i in range(8):  # warm-up (statement caches, page cache)
            c.request("GET", path(i), headers=J, ok=(200, 204))
        ts, matches = [], []
        for i in range(a.n):
            p = path(i)
            t0 = time.perf_counter()
            r, data = c.request("GET", p, headers=J, ok=(200, 204))
            ts.append((time.perf_counter() - t0) * 1000)
            if i < 24:
                matches.append(len(json.loads(data)) if data else 0)
        srt = sorted(ts)
        rec = {"k": "qido", "backend": a.backend, "name": name, "n": a.n,
               "p50": srt[len(srt) // 2], "p99": srt[min(len(srt) - 1, int(round(0.99 * (len(srt) - 1))))],
               "max": srt[-1], "mean": statistics.mean(ts), "matches_median": statistics.median(matches)}
        append(a.results, rec)
        log("qido %-8s %-58s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (median %d results)" %
            (a.backend, name, rec["p50"], rec["p99"], rec["max"], rec["matches_median"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["stow", "count", "read", "qido"])
    ap.add_argument("--url", required=True, help="DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web")
    ap.add_argument("--token", default=os.environ.get("BENCH_TOKEN"))
    ap.add_argument("--target", default="?")
    ap.add_argument("--rep", default="1")
    ap.add_argument("--results", default="/dev/null")
    ap.add_argument("--files")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--conns", type=int, default=1)
    ap.add_argument("--study")
    ap.add_argument("--series")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--samples")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--only", help="qido: only the query types whose name starts with this")
    ap.add_argument("--seconds", type=float, default=0, help="qido: just load the server this long")
    a = ap.parse_args()
    {"stow": cmd_stow, "count": cmd_count, "read": cmd_read, "qido": cmd_qido}[a.cmd](a)


if __name__ == "__main__":
    main()
