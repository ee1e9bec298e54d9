#!/usr/bin/python3
"""The ceiling for a whole-series WADO-RS download on this machine: curl (the timing client of
bench/run.sh) fetching BYTES from a trivial HTTP/1.1 server that sends a buffer already in memory
(one sendall per request, keep-alive), over loopback. No server can deliver a response faster
than this; run.sh prints it next to the WADO-RS figures.

  loopback_ceiling.py BYTES [REPS]   -> prints one JSON line {"k": "ceiling", ...}
"""
import json
import socket
import statistics
import subprocess
import sys
import threading


def serve(sock, body):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn:
            buf = b""
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                buf += data
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                 b"Content-Length: %d\r\n\r\n" % len(body))
                    conn.sendall(body)


def main():
    n = int(sys.argv[1])
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    body = memoryview(bytearray(b"\x5a" * n))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    port = sock.getsockname()[1]
    threading.Thread(target=serve, args=(sock, body), daemon=True).start()
    url = "http://127.0.0.1:%d/x" % port
    args = ["curl", "-s", "-w", "%{time_total}\\n"]
    for _ in range(reps + 1):
        args += ["-o", "/dev/null", url]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout.split()
    ts = [float(t) for t in out[1:]]
    sock.close()
    m = statistics.median(ts)
    print(json.dumps({"k": "ceiling", "bytes": n, "median_ms": m * 1000, "mbs": n / 1e6 / m,
                      "ms": [t * 1000 for t in ts]}))


if __name__ == "__main__":
    main()
