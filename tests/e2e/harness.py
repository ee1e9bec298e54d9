"""End-to-end harness: runs the real `dokuei` binary on free ports in a temporary data directory
and drives it with real clients (DCMTK tools, curl).

Environment: DOKUEI_BIN (the binary), DOKUEI_TESTDATA (../shared/testdata),
DOKUEI_TEST_PG_CONNINFO (set by scripts/with-postgres.sh to run the same tests on PostgreSQL).
"""
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("DOKUEI_BIN", "build/release/src/server/dokuei")
TESTDATA = os.environ.get("DOKUEI_TESTDATA", os.path.join(os.path.dirname(__file__), "../../../shared/testdata"))
NET_ENV = dict(os.environ, TCP_NODELAY="1")

# Two hospitals, each with one modality AE and a destination AE for C-MOVE, and an API token.
TENANTS = {
    "hospital-a": {"ae": "MODALITY_A", "dest": "STORE_A", "name": "A病院"},
    "hospital-b": {"ae": "MODALITY_B", "dest": "STORE_B", "name": "B Clinic"},
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d" % port)


def dataset_bytes(path_or_bytes):
    """The data set of a Part-10 file: everything after the File Meta Information group."""
    data = path_or_bytes if isinstance(path_or_bytes, (bytes, bytearray)) else open(path_or_bytes, "rb").read()
    assert data[128:132] == b"DICM", "not a Part-10 file"
    pos = 132
    # group 0002 is explicit VR little endian
    while pos + 8 <= len(data):
        group, elem = struct.unpack_from("<HH", data, pos)
        if group != 0x0002:
            break
        vr = data[pos + 4:pos + 6]
        if vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN"):
            length = struct.unpack_from("<I", data, pos + 8)[0]
            pos += 12 + length
        else:
            length = struct.unpack_from("<H", data, pos + 6)[0]
            pos += 8 + length
    return bytes(data[pos:])


class Server:
    """A running `dokuei serve`."""

    def __init__(self, data_dir=None, extra_args=(), move_ports=None, env=None):
        self.owns_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="dokuei-e2e-")
        self.extra_args = list(extra_args)
        self.tokens = {}
        self.move_ports = move_ports or {t: free_port() for t in TENANTS}
        self.env = dict(NET_ENV, **(env or {}))
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.pg = self._fresh_pg_database()
        self._write_config()

    def _fresh_pg_database(self):
        """With DOKUEI_TEST_PG_CONNINFO set, each server data directory gets its own database."""
        base = os.environ.get("DOKUEI_TEST_PG_CONNINFO")
        if not base:
            return None
        marker = os.path.join(self.data_dir, "pg-dbname")
        if os.path.exists(marker):
            return base + " dbname=" + open(marker).read().strip()
        name = "e2e_" + secrets.token_hex(6)
        subprocess.run(["psql", base, "-q", "-c", "CREATE DATABASE " + name], check=True, capture_output=True)
        open(marker, "w").write(name)
        return base + " dbname=" + name

    def _write_config(self):
        lines = []
        token_file = os.path.join(self.data_dir, "tokens.json")
        if os.path.exists(token_file):
            self.tokens = json.load(open(token_file))
        for code, t in TENANTS.items():
            self.tokens.setdefault(code, secrets.token_urlsafe(24))
            lines += ["[[tenants]]", f'code = "{code}"', f'name = "{t["name"]}"', ""]
        for code, t in TENANTS.items():
            lines += ["[[dicom.peers]]", f'ae_title = "{t["ae"]}"', f'tenant = "{code}"', ""]
            lines += ["[[dicom.peers]]", f'ae_title = "{t["dest"]}"', f'tenant = "{code}"',
                      'host = "127.0.0.1"', f"port = {self.move_ports[code]}", ""]
        for code in TENANTS:
            digest = hashlib.sha256(self.tokens[code].encode()).hexdigest()
            lines += ["[[http.tokens]]", f'sha256 = "{digest}"', f'tenant = "{code}"', f'subject = "{code}-test"', ""]
        json.dump(self.tokens, open(token_file, "w"))
        self.config_path = os.path.join(self.data_dir, "dokuei.toml")
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines))

    def start(self, timeout=30):
        ports_file = os.path.join(self.data_dir, "ports.json")
        if os.path.exists(ports_file):
            os.unlink(ports_file)
        args = [BIN, "serve", "--config", self.config_path, "--data-dir", self.data_dir,
                "--http", "127.0.0.1:0", "--dicom", "127.0.0.1:0", "--ports-file", ports_file,
                "--dicom-idle-timeout", "20"]
        if self.pg:
            args += ["--index", "postgres", "--postgres", self.pg]
        args += self.extra_args
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dokuei exited with %s:\n%s" % (self.proc.returncode, self.read_log()[-3000:]))
            if os.path.exists(ports_file):
                try:
                    ports = json.load(open(ports_file))
                    self.http_port, self.dicom_port = ports["http"], ports["dicom"]
                    return self
                except (ValueError, KeyError):
                    pass
            time.sleep(0.05)
        raise RuntimeError("dokuei did not start:\n" + self.read_log()[-3000:])

    def read_log(self):
        try:
            return open(self.log_path, encoding="utf-8", errors="replace").read()
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def kill9(self):
        self.stop(signal.SIGKILL)

    def cleanup(self):
        self.stop()
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- clients --------------------------------------------------------------------------------
    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.http_port

    def curl(self, path, tenant="hospital-a", method="GET", headers=(), data_file=None, data=None,
             auth=True, output=None, timeout=120):
        """Runs curl; returns (status, headers_text, body_bytes)."""
        hdr_file = tempfile.NamedTemporaryFile(delete=False)
        body_file = output or tempfile.NamedTemporaryFile(delete=False).name
        cmd = ["curl", "-sS", "-X", method, "-D", hdr_file.name, "-o", body_file, "-w", "%{http_code}",
               "--max-time", str(timeout)]
        if auth:
            cmd += ["-H", "Authorization: Bearer " + self.tokens[tenant]]
        for h in headers:
            cmd += ["-H", h]
        if data_file:
            cmd += ["--data-binary", "@" + data_file]
        elif data is not None:
            cmd += ["--data-binary", "@-"]
        cmd.append(self.url + path)
        p = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout + 10)
        status = int(p.stdout.decode() or 0)
        headers_text = open(hdr_file.name, encoding="latin-1").read()
        os.unlink(hdr_file.name)
        body = open(body_file, "rb").read()
        if not output:
            os.unlink(body_file)
        return status, headers_text, body

    def dcmtk(self, tool, *args, aet="MODALITY_A", timeout=300, check=True):
        cmd = [tool, "-aet", aet, "-aec", "DOKUEI"] + list(args)
        p = subprocess.run(cmd[:1] + list(cmd[1:]), capture_output=True, timeout=timeout, env=NET_ENV)
        if check and p.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s\n%s" % (tool, p.returncode, p.stdout.decode(errors="replace"),
                                                          p.stderr.decode(errors="replace")))
        return p

    def storescu(self, files, aet="MODALITY_A", extra=(), check=True):
        return self.dcmtk("storescu", *extra, "127.0.0.1", str(self.dicom_port), *files, aet=aet, check=check)

    def cli(self, command, *args, stdin=None, check=True, env=None):
        """Runs `dokuei <command> ...` on this server's database (it may be running)."""
        cmd = [BIN, command] + list(args) + ["--config", self.config_path, "--data-dir", self.data_dir]
        if self.pg:
            cmd += ["--index", "postgres", "--postgres", self.pg]
        p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120,
                           env=dict(os.environ, DOKUEI_LANG="en", **(env or {})))
        if check and p.returncode != 0:
            raise AssertionError("dokuei %s %s: exit %d\n%s\n%s" % (
                command, " ".join(args), p.returncode, p.stdout.decode(errors="replace"),
                p.stderr.decode(errors="replace")))
        return p

    def audit_records(self, action):
        """Audit records with exactly this action, oldest first (through `dokuei audit search`)."""
        p = self.cli("audit", "search", "--json", "--action", action, "--limit", "10000")
        records = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
        return sorted((r for r in records if r["action"] == action), key=lambda r: r["seq"])

    def fsck(self, *extra):
        args = [BIN, "fsck", "--config", self.config_path, "--data-dir", self.data_dir]
        if self.pg:
            args += ["--index", "postgres", "--postgres", self.pg]
        p = subprocess.run(args + list(extra), capture_output=True, timeout=600)
        return p.returncode, json.loads(p.stdout.decode().strip().splitlines()[-1])


def testdata(*parts):
    return os.path.join(TESTDATA, *parts)


def valid_testdata_files():
    """Every file of ../shared/testdata that is valid DICOM (not under malformed/)."""
    out = []
    for root, _, files in os.walk(TESTDATA):
        if "/malformed" in root:
            continue
        for f in sorted(files):
            if f.endswith(".md") or f == "DICOMDIR":
                continue
            out.append(os.path.join(root, f))
    return sorted(out)


class ServerTestCase(unittest.TestCase):
    """Starts one server for the test class."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
