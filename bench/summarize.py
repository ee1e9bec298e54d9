#!/usr/bin/python3
"""Prints the bench/run.sh table (Markdown) from its results-*.jsonl: our figure, the peers',
the ratio, the target and PASS/MISS. Medians over repetitions."""
import collections
import json
import statistics
import sys

med = statistics.median
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
env = next((r for r in rows if r["k"] == "env"), {})
env_end = next((r for r in rows if r["k"] == "env_end"), {})

ingest = collections.defaultdict(list)   # (proto, target, par) -> [seconds]
sizes = {}
cpu = collections.defaultdict(list)      # (proto, target, par) -> [(server ms, client ms)]
for r in rows:
    if r["k"] == "ingest":
        key = (r["proto"], r["target"], r["par"])
        ingest[key].append(r["seconds"])
        sizes[key] = (r["n"], r["bytes"])
        if "server_cpu_ms" in r:
            cpu[key].append((r["server_cpu_ms"], r.get("client_cpu_ms")))
    elif r["k"] == "cpu":
        cpu[(r["proto"], r["target"], r["par"])].append((r["server_cpu_ms"], None))
splits = {r.get("par", 1): r for r in rows if r["k"] == "split"}
split = splits.get(1)
ceil = [r for r in rows if r["k"] == "ceiling"]
reads = collections.defaultdict(list)    # (target, name) -> [rec]
for r in rows:
    if r["k"] == "read":
        reads[(r["target"], r["name"])].append(r)
rss = collections.defaultdict(list)
for r in rows:
    if r["k"] == "rss":
        rss[r["target"]].append(r)
hwm = collections.defaultdict(list)
for r in rows:
    if r["k"] == "hwm":
        hwm[(r["target"], r["phase"])].append(r["hwm_kb"])
qido = collections.defaultdict(list)
for r in rows:
    if r["k"] == "qido":
        qido[r["backend"]].append(r)
floors = [r for r in rows if r["k"] == "floor"]
floor = None
if floors:  # medians over the per-repetition measurements
    floor = {}
    for key in ("blob", "wal", "fdatasync", "dirfsync", "write", "rename"):
        vals = [f[key]["p50"] for f in floors if key in f]
        if vals:
            floor[key] = {"p50": med(vals)}
    for key in ("parallel", "parallel_nodir"):
        vals = [f[key] for f in floors if key in f]
        if vals:
            floor[key] = {"threads": vals[0]["threads"], "blobs_per_s": med([v["blobs_per_s"] for v in vals]),
                          "all": [v["blobs_per_s"] for v in vals]}

out = []
P = out.append


def verdict(ok):
    return "**PASS**" if ok else "**MISS**"


def ing(proto, target, par):
    v = ingest.get((proto, target, par))
    if not v:
        return None
    n, b = sizes[(proto, target, par)]
    s = med(v)
    return {"s": s, "ips": n / s, "mbs": b / 1e6 / s, "runs": v}


def fmt_ing(x):
    return "%.0f inst/s, %.0f MB/s" % (x["ips"], x["mbs"]) if x else "–"


P("| benchmark | Dokuei | Orthanc | storescp | ratio | target | result |")
P("|---|---|---|---|---|---|---|")
par = env.get("par", 4)
for mode in (1, par):
    d, o, s = ing("cstore", "dokuei", mode), ing("cstore", "orthanc", mode), ing("cstore", "storescp", mode)
    if not d:
        continue
    ro = d["ips"] / o["ips"] if o else float("nan")
    rs = d["ips"] / s["ips"] if s else float("nan")
    P("| C-STORE ingest, %d association%s (durable) | %s | %s | %s | %.2f× Orthanc, %.2f× storescp | ≥ 3× Orthanc, ≥ 0.9× storescp | %s |"
      % (mode, "s" if mode > 1 else "", fmt_ing(d), fmt_ing(o), fmt_ing(s), ro, rs, verdict(ro >= 3 and rs >= 0.9)))
for conns in (1, par):
    d, o = ing("stow", "dokuei", conns), ing("stow", "orthanc", conns)
    if not d:
        continue
    r = d["ips"] / o["ips"] if o else float("nan")
    P("| STOW-RS ingest, %d connection%s, %s-instance requests | %s | %s | | %.2f× | ≥ 3× Orthanc | %s |"
      % (conns, "s" if conns > 1 else "", env.get("stow_batch", 50), fmt_ing(d), fmt_ing(o), r, verdict(r >= 3)))


def rd(target, name):
    v = reads.get((target, name))
    if not v:
        return None
    m = med([x["median_ms"] for x in v])
    return {"ms": m, "bytes": v[0]["bytes"], "count": v[0]["count"], "mbs": v[0]["bytes"] / 1e6 / (m / 1000),
            "recs": v}


d, o = rd("dokuei", "metadata"), rd("orthanc", "metadata")
if d and o:
    r = o["ms"] / d["ms"]
    P("| WADO-RS /metadata, CT series (%d instances) | %.1f ms (%.1f MB) | %.1f ms (%.1f MB) | | %.1f× faster | ≥ 10× faster | %s |"
      % (d["count"], d["ms"], d["bytes"] / 1e6, o["ms"], o["bytes"] / 1e6, r, verdict(r >= 10)))
d, o = rd("dokuei", "series"), rd("orthanc", "series")
if d and o:
    r = d["mbs"] / o["mbs"]
    extra = ""
    if ceil:
        cm = med([c["median_ms"] for c in ceil])
        extra = " (loopback ceiling: %.0f ms, %.0f MB/s)" % (cm, ceil[0]["bytes"] / 1e6 / (cm / 1000))
    P("| WADO-RS whole CT series, multipart (%d instances, %.0f MB) | %.0f ms, %.0f MB/s%s | %.0f ms, %.0f MB/s | | %.2f× | ≥ 5× Orthanc | %s |"
      % (d["count"], d["bytes"] / 1e6, d["ms"], d["mbs"], extra, o["ms"], o["mbs"], r, verdict(r >= 5)))
d, o = rd("dokuei", "frames"), rd("orthanc", "frames")
if d and o:
    r = o["ms"] / d["ms"]
    dp = med([x["frame_p50_ms"] for x in d["recs"]])
    op = med([x["frame_p50_ms"] for x in o["recs"]])
    P("| WADO-RS frames: all %d frames of the CT series, one request each | %.0f ms (%.1f ms/frame, %.0f MB/s) | %.0f ms (%.1f ms/frame, %.0f MB/s) | | %.2f× | ≥ 5× Orthanc | %s |"
      % (d["count"], d["ms"], dp, d["mbs"], o["ms"], op, o["mbs"], r, verdict(r >= 5)))
WHOLE = "studies/{uid}/series/{uid}/instances ("
for backend in ("sqlite", "postgres"):
    q = qido.get(backend)
    if not q:
        continue
    label = "SQLite" if backend == "sqlite" else "PostgreSQL"
    typical = [x for x in q if not x["name"].startswith(WHOLE)]
    whole = [x for x in q if x["name"].startswith(WHOLE)]
    worst = max(typical, key=lambda x: x["p99"])
    P("| QIDO-RS on %s instances, %s: %d query types (studies, series, instances with limit) × %d | p50 %.2f–%.2f ms; worst p99 %.1f ms (%s) | | | | p99 ≤ 20 ms | %s |"
      % ("{:,}".format(env.get("qido_instances", 0)), label, len(typical), typical[0]["n"],
         min(x["p50"] for x in typical), max(x["p50"] for x in typical), worst["p99"],
         worst["name"].replace("|", "\\|"), verdict(worst["p99"] <= 20)))
    for w in whole:
        P("| QIDO-RS on %s instances, %s: every instance of a 300–600-slice series (no limit, %g results) | p50 %.1f ms, p99 %.1f ms | | | | p99 ≤ 20 ms | %s |"
          % ("{:,}".format(env.get("qido_instances", 0)), label, w["matches_median"], w["p50"], w["p99"], verdict(w["p99"] <= 20)))
if rss.get("dokuei"):
    d = rss["dokuei"]
    o = rss.get("orthanc", [])
    P("| Resident memory during the %d-association ingest (peak VmRSS / VmHWM) | %.0f / %.0f MiB | %s | | | bounded under load | info |"
      % (par, med([x["peak_rss_kb"] for x in d]) / 1024, med([x["hwm_kb"] for x in d]) / 1024,
         ("%.0f / %.0f MiB" % (med([x["peak_rss_kb"] for x in o]) / 1024, med([x["hwm_kb"] for x in o]) / 1024)) if o else "–"))

P("")
P("Ingest runs (seconds per repetition) and CPU time per instance (server: all its threads and "
  "storescp's forked children; client: the storescu processes), medians:")
P("")
P("| protocol | target | parallel | runs (s) | median | server CPU ms/instance | client CPU ms/instance |")
P("|---|---|---|---|---|---|---|")
for (proto, target, p), v in sorted(ingest.items()):
    n = sizes[(proto, target, p)][0]
    c = cpu.get((proto, target, p), [])
    sc = ("%.2f" % (med([x[0] for x in c]) / n)) if c else "–"
    cc = [x[1] for x in c if x[1] is not None]
    P("| %s | %s | %d | %s | %.2f s | %s | %s |" % (proto, target, p, ", ".join("%.2f" % x for x in v), med(v), sc,
                                                  ("%.2f" % (med(cc) / n)) if cc else "–"))
if split and "steps" in split:
    P("")
    P("Dokuei durable C-STORE, 1 association, per-instance wall time by step (strace-marked run, %.2f s for the set; "
      "mean µs; see bench/cstore_split.py):" % split.get("seconds", 0))
    P("")
    P("| " + " | ".join(split["steps"].keys()) + " | total |")
    P("|" + "---|" * (len(split["steps"]) + 1))
    P("| " + " | ".join("%.0f" % v for v in split["steps"].values()) + " | %.0f |" % split["total_us"])
for r in rows:
    if r["k"] == "profile" and "by_comm" in r:
        P("")
        P("CPU of the whole machine (%d cores) during a %d-association ingest into Dokuei (perf -a, %.2f s): %s."
          % (env.get("nproc", 2), r["par"], r["seconds"],
             ", ".join("%s %.0f %%" % kv for kv in sorted(r["by_comm"].items(), key=lambda kv: -kv[1]))))
for par_, sp in sorted(splits.items()):
    if "syncs" not in sp:
        continue
    P("")
    P("Flushes during the %d-association strace-marked ingest (%.2f s; %d instances; µs):" % (par_, sp.get("seconds", 0), sp["instances"]))
    P("")
    P("| flush | per instance | mean | p50 | p99 |")
    P("|---|---|---|---|---|")
    for k, v in sp["syncs"].items():
        P("| %s | %.2f | %.0f | %.0f | %.0f |" % (k, v["count"] / sp["instances"], v["mean"], v["p50"], v["p99"]))
if any(qido.values()):
    P("")
    P("QIDO-RS latency per query type (Dokuei, keep-alive client, ms):")
    P("")
    P("| query | SQLite p50 | SQLite p99 | PostgreSQL p50 | PostgreSQL p99 | results (median) |")
    P("|---|---|---|---|---|---|")
    names = [x["name"] for x in (qido.get("sqlite") or qido.get("postgres"))]
    by = {b: {x["name"]: x for x in qido.get(b, [])} for b in ("sqlite", "postgres")}
    for n in names:
        s, p = by["sqlite"].get(n), by["postgres"].get(n)
        P("| %s | %s | %s | %s | %s | %s |" % (
            n.replace("|", "\\|"),
            "%.2f" % s["p50"] if s else "–", "%.2f" % s["p99"] if s else "–",
            "%.2f" % p["p50"] if p else "–", "%.2f" % p["p99"] if p else "–",
            "%g" % (s or p)["matches_median"]))

if hwm:
    P("")
    P("Dokuei VmHWM after other phases: " + "; ".join(
        "%s %.0f MiB" % (ph, med(v) / 1024) for (t, ph), v in sorted(hwm.items()) if t == "dokuei"))
if floor:
    b, w, f, dfs = floor.get("blob", {}), floor.get("wal", {}), floor.get("fdatasync", {}), floor.get("dirfsync", {})
    P("")
    P("Disk floor (bench/fsync_floor, 525 KB files, median over repetitions of the p50): write+fdatasync+rename+dir fsync %.2f ms "
      "(fdatasync %.2f, dir fsync %.2f); 4 KiB append+fdatasync (a WAL commit) %.2f ms; the three flushes of one "
      "durable instance %.2f ms; one writer at most %.0f durable instances/s."
      % (b.get("p50", 0) / 1000, f.get("p50", 0) / 1000, dfs.get("p50", 0) / 1000, w.get("p50", 0) / 1000,
         (f.get("p50", 0) + dfs.get("p50", 0) + w.get("p50", 0)) / 1000,
         1e6 / max(1, b.get("p50", 0) + w.get("p50", 0))))
    if "parallel" in floor:
        P("With %d concurrent writers: %d durable blobs/s in all (runs: %s; %d without the directory fsync)."
          % (floor["parallel"]["threads"], floor["parallel"]["blobs_per_s"],
             ", ".join(str(x) for x in floor["parallel"]["all"]),
             floor.get("parallel_nodir", {}).get("blobs_per_s", 0)))
P("")
P("Data set: %s instances, %.0f MB; %s repetitions; load average at start %s, at end %s.%s"
  % (env.get("n"), env.get("bytes", 0) / 1e6, env.get("reps"), env.get("load_start"), env_end.get("load_end"),
     " SMOKE run (not a measurement)." if env.get("smoke") else ""))
print("\n".join(out))
