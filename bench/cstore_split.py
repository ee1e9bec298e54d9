#!/usr/bin/python3
"""Per-step wall-time split of Dokuei's durable C-STORE path, from an strace log.

bench/run.sh (PROFILE=1) runs `dokuei serve` under
  strace -f -ttt -T --seccomp-bpf -e trace=openat,fdatasync,fsync,rename -o LOG
during a 1-association storescu ingest, then runs this script on LOG. Only those four syscalls
stop the process (seccomp filter), so tracing adds about 6 x 30-50 us per instance; the durations
of the synchronous calls themselves (-T) are measured by the kernel entry/exit and not inflated.

Per instance, on the association thread (the one that renames blobs into place):
  receive    previous index commit done -> temporary blob created: response sent, next C-STORE
             command and first data PDU received
  receive+   blob created -> blob fdatasync starts: rest of the data set received and appended to
             the temporary file, then parsed/validated and the digest finished
  fdatasync  blob data on disk
  rename     close, rename into the key space, open the directory
  dir fsync  the directory entry on disk
  index      directory fsync done -> WAL fdatasync starts: the index transaction (SQL, WAL writes)
  wal sync   fdatasync of the SQLite WAL (the commit)
With several associations (bench/run.sh also traces the PAR-association ingest) the steps of one
thread are no longer a chain (another thread may commit its WAL as group-commit leader), so the
script then reports, over all threads, how long each kind of flush took and how many WAL commits
there were per instance (group commit at work).
Prints Markdown, and a JSON line (the last line of stdout) for the results file.
"""
import collections
import json
import re
import statistics
import sys

LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
CALL = re.compile(r"^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)(?:.*)<(\d+\.\d+)>$")
UNFINISHED = re.compile(r"^(\w+)\((.*)<unfinished \.\.\.>$")
RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(-?\d+)(?:.*)<(\d+\.\d+)>$")


def events(path):
    pending = {}
    for raw in open(path, errors="replace"):
        m = LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        tid, ts, rest = int(m.group(1)), float(m.group(2)), m.group(3)
        c = CALL.match(rest)
        if c:
            dur = float(c.group(4))
            yield tid, c.group(1), c.group(2), c.group(3), ts, ts + dur
            continue
        u = UNFINISHED.match(rest)
        if u:
            pending[(tid, u.group(1))] = (ts, u.group(2))
            continue
        r = RESUMED.match(rest)
        if r:
            start, args = pending.pop((tid, r.group(1)), (None, ""))
            dur = float(r.group(4))
            end = ts
            yield tid, r.group(1), args + r.group(2), r.group(3), (start if start else end - dur), end


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))] if v else 0.0


def sync_stats(evs):
    """Durations (us) of blob fdatasyncs, directory fsyncs and WAL fdatasyncs over all threads."""
    blob_fd, dir_fd = {}, {}
    out = {"blob fdatasync": [], "dir fsync": [], "wal fdatasync": []}
    for tid, name, args, ret, start, end in evs:
        if name == "openat" and "/blobs/tmp/" in args:
            blob_fd[tid] = ret
        elif name == "openat" and "O_DIRECTORY" in args:
            dir_fd[tid] = ret
        elif name == "fdatasync":
            kind = "blob fdatasync" if blob_fd.get(tid) == args.strip() else "wal fdatasync"
            out[kind].append((end - start) * 1e6)
        elif name == "fsync" and dir_fd.get(tid) == args.strip():
            out["dir fsync"].append((end - start) * 1e6)
    return out


def main():
    evs = list(events(sys.argv[1]))
    renamers = collections.Counter(e[0] for e in evs if e[1] == "rename" and "/blobs/tmp/" in e[2])
    if not renamers:
        raise SystemExit("no blob renames in the trace")
    instances = sum(renamers.values())
    stats = sync_stats(evs)
    rec = {"k": "split", "threads": len(renamers), "instances": instances,
           "syncs": {k: {"count": len(v), "mean": statistics.mean(v) if v else 0, "p50": pct(v, 0.5),
                         "p99": pct(v, 0.99)} for k, v in stats.items()}}
    print("Flushes during the ingest (%d association threads, %d instances; us):" % (len(renamers), instances))
    print()
    print("| flush | count | per instance | mean | p50 | p99 |")
    print("|---|---|---|---|---|---|")
    for k, v in rec["syncs"].items():
        print("| %s | %d | %.2f | %.0f | %.0f | %.0f |" % (k, v["count"], v["count"] / instances, v["mean"], v["p50"], v["p99"]))
    print()
    if len(renamers) > 1:
        print(json.dumps(rec))
        return
    tid = renamers.most_common(1)[0][0]
    evs = [e for e in evs if e[0] == tid]
    steps = ["receive", "receive+", "fdatasync", "rename", "dir fsync", "index", "wal sync"]
    per = {s: [] for s in steps}
    totals = []
    blob_fd = None
    last_commit_end = None
    cur = {}
    for _, name, args, ret, start, end in evs:
        if name == "openat" and "/blobs/tmp/" in args:
            blob_fd = ret
            cur = {"open": start}
        elif name == "fdatasync" and blob_fd is not None and args.strip() == blob_fd and "open" in cur:
            cur["fds_start"], cur["fds_end"] = start, end
        elif name == "openat" and "O_DIRECTORY" in args and "fds_end" in cur:
            cur["dir_open"] = start
        elif name == "fsync" and "fds_end" in cur:
            cur["dir_start"], cur["dir_end"] = start, end
        elif name == "fdatasync" and "dir_end" in cur:
            # The WAL commit of this instance's transaction.
            cur["wal_start"], cur["wal_end"] = start, end
            if last_commit_end is not None:
                d = {
                    "receive": cur["open"] - last_commit_end,
                    "receive+": cur["fds_start"] - cur["open"],
                    "fdatasync": cur["fds_end"] - cur["fds_start"],
                    "rename": cur["dir_start"] - cur["fds_end"],
                    "dir fsync": cur["dir_end"] - cur["dir_start"],
                    "index": cur["wal_start"] - cur["dir_end"],
                    "wal sync": cur["wal_end"] - cur["wal_start"],
                }
                for k, v in d.items():
                    per[k].append(v * 1e6)
                totals.append((cur["wal_end"] - last_commit_end) * 1e6)
            last_commit_end = cur["wal_end"]
            cur = {}
            blob_fd = None
    if not totals:
        raise SystemExit("no complete instance in the trace")
    tot = statistics.mean(totals)
    print("Per-instance wall time on the association thread (%d instances, strace-marked; us):" % len(totals))
    print()
    print("| step | mean | p50 | share |")
    print("|---|---|---|---|")
    for s in steps:
        print("| %s | %.0f | %.0f | %.0f %% |" % (s, statistics.mean(per[s]), statistics.median(per[s]),
                                               100 * statistics.mean(per[s]) / tot))
    print("| total | %.0f | %.0f | 100 %% (=> %.0f inst/s) |" % (tot, statistics.median(totals), 1e6 / tot))
    rec.update({"total_us": tot, "steps": {s: statistics.mean(per[s]) for s in steps},
                "steps_p50": {s: statistics.median(per[s]) for s in steps}})
    print(json.dumps(rec))


if __name__ == "__main__":
    main()
