"""`dokuei serve` on the network: a non-loopback address is refused unless that listener has TLS
and the reading centre has an administrator with two-factor authentication (security.md; the
server never writes its configuration to "fix" this); with both, HTTPS serves /health to curl
--cacert and the DICOM TLS listener is up. Audit records are shipped to syslog collectors (a
small UDP and TCP listener here) while the server runs.

Runs on SQLite; with DOKUEI_TEST_PG_CONNINFO (scripts/with-postgres.sh) on PostgreSQL."""
import base64
import hashlib
import hmac
import json
import os
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from harness import BIN, Server


def totp(secret_b32):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time() // 30)), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def make_cert(directory):
    """A throwaway self-signed certificate for 127.0.0.1 / localhost (also its own CA)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


class SyslogSink:
    """Collects syslog messages over UDP (one per datagram), TCP or TLS (octet-counting framing)."""

    def __init__(self, transport, cert=None, key=None):
        self.transport = transport
        self.tls = None
        if transport == "tls":
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(cert, key)
        self.messages = []
        self.lock = threading.Lock()
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        if transport != "udp":
            self.sock.listen(4)
        self.sock.settimeout(0.5)
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % (self.transport, self.port)

    def _add(self, msg):
        with self.lock:
            self.messages.append(msg.decode("utf-8", errors="replace"))

    def _run(self):
        while not self.stopping:
            try:
                if self.transport == "udp":
                    self._add(self.sock.recv(65536))
                    continue
                conn, _ = self.sock.accept()
                if self.tls:
                    conn.settimeout(5)
                    conn = self.tls.wrap_socket(conn, server_side=True)
            except OSError:
                continue
            threading.Thread(target=self._read_stream, args=(conn,), daemon=True).start()

    def _read_stream(self, conn):
        buf = b""
        conn.settimeout(0.5)
        while not self.stopping:
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while b" " in buf:
                length, rest = buf.split(b" ", 1)
                if len(rest) < int(length):
                    break
                self._add(rest[:int(length)])
                buf = rest[int(length):]
        conn.close()

    def wait_for(self, predicate, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if any(predicate(m) for m in self.messages):
                    return True
            time.sleep(0.2)
        return False

    def close(self):
        self.stopping = True
        self.thread.join(5)
        self.sock.close()


class ServeTlsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="dokuei-tls-e2e-")
        cls.cert, cls.key = make_cert(cls.certs)
        cls.tls_args = ["--tls-cert", cls.cert, "--tls-key", cls.key]
        cls.dicom_tls_args = ["--dicom-tls", "0.0.0.0:0", "--dicom-tls-cert", cls.cert,
                              "--dicom-tls-key", cls.key, "--dicom-tls-ca", cls.cert]
        # One data directory (and database) throughout: the administrator is added midway.
        cls.data_dir = tempfile.mkdtemp(prefix="dokuei-tls-data-")

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.certs, ignore_errors=True)
        shutil.rmtree(cls.data_dir, ignore_errors=True)

    def refused(self, args, expected, lang="en"):
        server = Server(data_dir=self.data_dir, extra_args=args, env={"DOKUEI_LANG": lang})
        try:
            with self.assertRaises(RuntimeError) as ctx:
                server.start(timeout=20)
            self.assertIn(expected, str(ctx.exception))
        finally:
            server.stop()
        # The configuration was not touched.
        self.assertNotIn("0.0.0.0", open(server.config_path).read())

    def test_1_refused_without_tls_or_administrator(self):
        self.refused(["--http", "0.0.0.0:0"], "without TLS")
        self.refused(["--http", "0.0.0.0:0"], "TLS なし", lang="ja")
        self.refused(["--dicom", "0.0.0.0:0"], "the plain DICOM listener stays on loopback")
        # TLS, but nobody who could administer the server safely yet.
        self.refused(["--http", "0.0.0.0:0"] + self.tls_args, "administrator with two-factor")
        self.refused(self.dicom_tls_args, "administrator with two-factor")
        self.refused(["--http", "0.0.0.0:0"] + self.tls_args, "二要素認証を登録した管理者", lang="ja")
        # An administrator without a second factor is not enough.
        server = Server(data_dir=self.data_dir)
        server.cli("admin", "create-admin", "--login", "netadmin", "--name", "Net Admin", "--json")
        self.refused(["--http", "0.0.0.0:0"] + self.tls_args, "administrator with two-factor")

    def test_2_accepted_with_tls_and_an_administrator_with_2fa(self):
        server = Server(data_dir=self.data_dir)
        cmd = [BIN, "admin", "enroll-2fa", "--login", "netadmin", "--json", "--config", server.config_path,
               "--data-dir", self.data_dir]
        if server.pg:
            cmd += ["--index", "postgres", "--postgres", server.pg]
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=dict(os.environ, DOKUEI_LANG="en"))
        first = json.loads(p.stdout.readline())
        p.stdin.write((totp(first["secret"]) + "\n").encode())
        p.stdin.close()
        self.assertTrue(json.loads(p.stdout.readline())["enrolled"])
        self.assertEqual(p.wait(60), 0)

        server = Server(data_dir=self.data_dir,
                        extra_args=["--http", "0.0.0.0:0"] + self.tls_args + self.dicom_tls_args)
        try:
            server.start()
            ports = json.load(open(os.path.join(self.data_dir, "ports.json")))
            self.assertNotEqual(ports["dicom_tls"], 0)
            out = subprocess.run(["curl", "-sS", "--cacert", self.cert,
                                  "https://127.0.0.1:%d/health" % server.http_port],
                                 capture_output=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(json.loads(out.stdout), {"status": "ok"})
            # Plain HTTP is not spoken on the HTTPS port.
            plain = subprocess.run(["curl", "-sS", "http://127.0.0.1:%d/health" % server.http_port],
                                   capture_output=True, timeout=30)
            self.assertNotEqual(plain.stdout, b'{"status":"ok"}')
            # The DICOM TLS listener answers a TLS handshake with our certificate.
            s = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % ports["dicom_tls"],
                                "-CAfile", self.cert, "-verify_return_error", "-brief"],
                               input=b"", capture_output=True, timeout=30)
            self.assertIn(b"Verification: OK", s.stdout + s.stderr)
        finally:
            server.stop()

    def test_3_identity_ae_of_a_tenant_requiring_client_certificates(self):
        """The tenant's certificate policy (set with dokuei admin) applies to its AE titles."""
        server = Server(data_dir=self.data_dir,
                        extra_args=["--dicom-tls", "127.0.0.1:0", "--dicom-tls-cert", self.cert,
                                    "--dicom-tls-key", self.key, "--dicom-tls-ca", self.cert])
        server.cli("admin", "tenant", "create", "--code", "strict-clinic", "--name", "Strict",
                   "--client-cert", "true")
        server.cli("admin", "ae", "add", "--tenant", "strict-clinic", "--ae", "STRICT_AE")
        try:
            server.start()
            tls_port = str(json.load(open(os.path.join(self.data_dir, "ports.json")))["dicom_tls"])
            echo = lambda *args: server.dcmtk("echoscu", *args, aet="STRICT_AE", check=False).returncode
            self.assertNotEqual(echo("127.0.0.1", str(server.dicom_port)), 0)  # plain TCP
            self.assertNotEqual(echo("+tla", "+cf", self.cert, "127.0.0.1", tls_port), 0)  # no certificate
            self.assertEqual(echo("+tls", self.key, self.cert, "+cf", self.cert, "127.0.0.1", tls_port), 0)
            refused = [r["message"] for r in server.audit_records("ae.association.refused")
                       if r["actor"] == "ae:STRICT_AE"]
            self.assertEqual(len(refused), 2)
            self.assertIn("must associate over TLS", refused[0])
            self.assertIn("must present a TLS client certificate", refused[1])
        finally:
            server.stop()

    def test_4_audit_records_are_shipped_to_syslog(self):
        for transport in ("udp", "tcp", "tls"):
            with self.subTest(transport=transport):
                sink = SyslogSink(transport, self.cert, self.key)
                server = Server(data_dir=self.data_dir,
                                extra_args=["--audit-syslog", sink.url, "--audit-syslog-ca", self.cert])
                try:
                    server.start()
                    status, _, _ = server.curl("/dicom-web/studies")
                    self.assertEqual(status, 200)
                    # RFC 5424 with the DICOM audit message; the QIDO record among them.
                    self.assertTrue(sink.wait_for(lambda m: "DICOM+RFC3881" in m and "<AuditMessage" in m
                                                  and "110112" in m), "no Query record shipped")
                    self.assertTrue(sink.wait_for(lambda m: m.startswith("<")))
                finally:
                    server.stop()
                    sink.close()


if __name__ == "__main__":
    unittest.main()
