"""End-to-end: HL7 v2 ORM^O01 orders over MLLP into the real binary (`dokuei hl7 listen`), sent
by an independent client (Python sockets: Debian has no command-line HL7 sender) and by
`dokuei hl7 send`.

Checks: AA for the UTF-8 and ISO 2022 JP samples, AE naming the field for bad orders, AR for an
unknown sender and for what is not HL7, two messages pipelined on one connection, a message over
the size limit answered and the connection closed, a resend answered AA with its request,
another order for the same study refused (AE 205), a cancel (ORC-1 CA) found by its placer
order number and an unknown placer number refused (AE 204); afterwards exactly one
audited request.create per accepted order and none for the refused ones. On PostgreSQL too when
DOKUEI_TEST_PG_CONNINFO is set (scripts/with-postgres.sh).
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest

from harness import BIN

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLES = os.path.join(REPO, "src", "intake", "testdata")
ENV = dict(os.environ, DOKUEI_LANG="en")
SB, EB = b"\x0b", b"\x1c\x0d"


def sample(name):
    return open(os.path.join(SAMPLES, name), "rb").read()


def read_frame(sock, buf):
    while EB not in buf[0]:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf[0] += chunk
    frame, _, rest = buf[0].partition(EB)
    buf[0] = rest
    assert frame.startswith(SB), frame[:20]
    return frame[1:]


def segments(ack):
    return {s[:3].decode(): s for s in ack.split(b"\r") if s}


class Hl7IntakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="dokuei-hl7-e2e-")
        cls.storage = ["--data-dir", cls.dir]
        pg = os.environ.get("DOKUEI_TEST_PG_CONNINFO")
        if pg:
            name = "e2e_" + secrets.token_hex(6)
            subprocess.run(["psql", pg, "-q", "-c", "CREATE DATABASE " + name], check=True,
                           capture_output=True)
            cls.storage += ["--index", "postgres", "--postgres", pg + " dbname=" + name]
        for code, name in (("sakura", "さくら病院"), ("momiji", "もみじクリニック")):
            p = subprocess.run([BIN, "admin", "tenant", "create", "--code", code, "--name", name]
                               + cls.storage, capture_output=True, text=True, env=ENV, timeout=60)
            assert p.returncode == 0, p.stderr
        cls.senders = os.path.join(cls.dir, "hl7-senders.toml")
        with open(cls.senders, "w") as f:
            f.write('[[hl7.senders]]\nfacility = "SAKURA_HP"\ntenant = "sakura"\n\n'
                    '[[hl7.senders]]\nfacility = "MOMIJI_CL"\napplication = "HIS"\n'
                    'tenant = "momiji"\n')
        cls.proc = subprocess.Popen(
            [BIN, "hl7", "listen", "--senders", cls.senders, "--listen", "127.0.0.1:0",
             "--max-message-bytes", "65536", "--idle-timeout", "5"] + cls.storage,
            stdout=subprocess.PIPE, stderr=open(os.path.join(cls.dir, "hl7.log"), "w"), env=ENV)
        line = cls.proc.stdout.readline().decode()
        assert "listening on 127.0.0.1:" in line, line
        cls.port = int(line.split("127.0.0.1:")[1].split()[0])

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            cls.proc.wait(timeout=30)
        cls.proc.stdout.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)

    def send(self, message):
        with self.connect() as s:
            s.sendall(SB + message + EB)
            return read_frame(s, [b""])

    def audit_creates(self):
        p = subprocess.run([BIN, "audit", "search", "--action", "request.create", "--json",
                            "--limit", "1000"] + self.storage,
                           capture_output=True, text=True, env=ENV, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [json.loads(l) for l in p.stdout.splitlines() if l.strip()]

    def test_1_orders_are_acknowledged(self):
        ack = self.send(sample("orm_o01_utf8_lumbar_mr_stat.hl7"))
        seg = segments(ack)
        self.assertTrue(seg["MSA"].startswith(b"MSA|AA|MSG00001|"), ack)
        self.assertIn(b"ACK^O01^ACK", seg["MSH"])
        self.assertIn(b"|RIS|SAKURA_HP|", seg["MSH"])

        ack = self.send(sample("orm_o01_iso2022jp_cervical_ct_asap.hl7"))
        self.assertTrue(segments(ack)["MSA"].startswith(b"MSA|AA|MOMIJI-20261125-0042|"), ack)
        self.assertTrue(segments(ack)["MSH"].endswith(b"~ISO IR87"), ack)

        for name, loc in (("orm_o01_error_missing_pid3.hl7", b"PID^1^3"),
                          ("orm_o01_error_status_changed.hl7", b"ORC^1^1"),
                          ("orm_o01_cancel_unknown_placer.hl7", b"ORC^1^2"),
                          ("orm_o01_error_bad_priority.hl7", b"ORC^1^7"),
                          ("orm_o01_error_no_study_uid.hl7", b"ZDS^1^1")):
            seg = segments(self.send(sample(name)))
            self.assertTrue(seg["MSA"].startswith(b"MSA|AE|"), (name, seg))
            self.assertIn(b"ERR||" + loc, seg["ERR"])
        # The first order again (a resend after a lost ACK): AA with its request, nothing new.
        seg = segments(self.send(sample("orm_o01_utf8_lumbar_mr_stat.hl7")))
        self.assertTrue(seg["MSA"].startswith(b"MSA|AA|MSG00001|"), seg)
        self.assertIn(b"already received", seg["MSA"])
        # Another order (placer number) for the same study: AE 205, nothing new.
        other = sample("orm_o01_utf8_lumbar_mr_stat.hl7").replace(b"ORD-2026-0001", b"ORD-2026-0099")
        seg = segments(self.send(other))
        self.assertTrue(seg["MSA"].startswith(b"MSA|AE|MSG00001|"), seg)
        self.assertIn(b"|205^Duplicate key identifier^HL70357|", seg["ERR"])
        # The hospital cancels the first order.
        seg = segments(self.send(sample("orm_o01_cancel_lumbar_mr.hl7")))
        self.assertTrue(seg["MSA"].startswith(b"MSA|AA|MSG00004|"), seg)
        self.assertIn(b"cancelled", seg["MSA"])

    def test_2_rejections(self):
        unknown = sample("orm_o01_ascii_wholespine_xray_escapes.hl7").replace(
            b"|SAKURA_HP|", b"|STRANGER|", 1)
        seg = segments(self.send(unknown))
        self.assertTrue(seg["MSA"].startswith(b"MSA|AR|MSG00002|"), seg)
        self.assertIn(b"STRANGER", seg["ERR"])
        seg = segments(self.send(b"GARBAGE\rNOT HL7"))
        self.assertTrue(seg["MSA"].startswith(b"MSA|AR|"), seg)

    def test_3_pipelined_and_oversize(self):
        with self.connect() as s:
            buf = [b""]
            a = sample("orm_o01_error_missing_pid3.hl7")
            b = sample("orm_o01_error_status_changed.hl7")
            s.sendall(SB + a + EB + SB + b + EB)
            self.assertIn(b"MSA|AE|MSG00003|", read_frame(s, buf))
            self.assertIn(b"MSA|AE|MSG00009|", read_frame(s, buf))
        with self.connect() as s:
            big = sample("orm_o01_error_status_changed.hl7") + b"NTE|1||" + b"x" * 70000 + b"\r"
            s.sendall(SB + big + EB)
            ack = read_frame(s, [b""])
            self.assertIn(b"MSA|AR|MSG00009|", ack)
            self.assertIn(b"too large", ack)
            self.assertEqual(s.recv(10), b"")  # closed

    def test_4_dokuei_hl7_send(self):
        p = subprocess.run([BIN, "hl7", "send",
                            os.path.join(SAMPLES, "orm_o01_ascii_wholespine_xray_escapes.hl7"),
                            "--to", "127.0.0.1:%d" % self.port],
                           capture_output=True, text=True, env=ENV, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("MSA|AA|MSG00002|", p.stdout)
        p = subprocess.run([BIN, "hl7", "send",
                            os.path.join(SAMPLES, "orm_o01_error_no_study_uid.hl7"),
                            "--to", "127.0.0.1:%d" % self.port],
                           capture_output=True, text=True, env=ENV, timeout=60)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("MSA|AE|", p.stdout)
        p = subprocess.run([BIN, "hl7", "send", "/nonexistent.hl7", "--to", "127.0.0.1:1"],
                           capture_output=True, text=True, env=ENV, timeout=60)
        self.assertEqual(p.returncode, 2)

    def test_5_exactly_one_audited_request_per_accepted_order(self):
        creates = self.audit_creates()
        studies = sorted(u for r in creates for u in r["study_uids"])
        self.assertEqual(studies, sorted([
            "1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778001",
            "1.2.392.200036.9125.2.1.1.20261125.42",
            "1.2.392.200036.9116.2.5.1.37.99.2"]), creates)
        for r in creates:
            self.assertTrue(r["actor"].startswith("hl7:"), r)
        self.assertIsNone(self.proc.poll(), "the listener must still run")


if __name__ == "__main__":
    unittest.main()
