"""End-to-end: `dokuei audit` on a real SQLite data directory (security.md L2).

Records are made by the CLI itself (every `dokuei audit search` is recorded as audit.search);
tampering is done the way an intruder with file access would, with Python's sqlite3 on the
database file (the append-only triggers dropped first), and `dokuei audit verify` must name the
exact record.
"""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import unittest
import xml.dom.minidom

from harness import BIN

ENV = dict(os.environ, DOKUEI_LANG="en")
RECORDS = 30


def run(data_dir, *args, env=ENV, check_rc=None):
    p = subprocess.run([BIN, "audit"] + list(args) + ["--data-dir", data_dir],
                       capture_output=True, text=True, env=env, timeout=120)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError("dokuei audit %s: exit %d\nstdout: %s\nstderr: %s"
                             % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


class AuditCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="dokuei-audit-e2e-")
        for _ in range(RECORDS):
            run(cls.dir, "search", "--limit", "1", check_rc=0)
        cls.db_path = os.path.join(cls.dir, "index.sqlite")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def sql(self, *statements):
        con = sqlite3.connect(self.db_path)
        try:
            con.execute("DROP TRIGGER IF EXISTS audit_records_no_update")
            con.execute("DROP TRIGGER IF EXISTS audit_records_no_delete")
            rows = None
            for s in statements:
                rows = con.execute(s).fetchall()
            con.commit()
            return rows
        finally:
            con.close()

    def verify(self):
        p = run(self.dir, "verify")
        return p.returncode, p.stdout.strip()

    def count(self):
        return self.sql("SELECT COUNT(*) FROM audit_records")[0][0]

    def test_1_verify_names_the_tampered_record(self):
        n = self.count()
        self.assertEqual(self.verify(), (0, "OK: %d records" % n))

        # Edit a field of record 17.
        actor = self.sql("SELECT actor FROM audit_records WHERE seq = 17")[0][0]
        self.sql("UPDATE audit_records SET actor = 'mallory' WHERE seq = 17")
        self.assertEqual(self.verify(), (1, "record 17: altered"))
        self.sql("UPDATE audit_records SET actor = '%s' WHERE seq = 17" % actor)
        self.assertEqual(self.verify(), (0, "OK: %d records" % n))

        # Delete record 12 (and put it back).
        row = self.sql("SELECT * FROM audit_records WHERE seq = 12")[0]
        self.sql("DELETE FROM audit_records WHERE seq = 12")
        self.assertEqual(self.verify(), (1, "record 12: missing"))
        con = sqlite3.connect(self.db_path)
        con.execute("INSERT INTO audit_records VALUES (%s)" % ",".join("?" * len(row)), row)
        con.commit()
        con.close()
        self.assertEqual(self.verify(), (0, "OK: %d records" % n))

        # Swap records 20 and 21.
        swap = ["UPDATE audit_records SET seq = -1 WHERE seq = 20",
                "UPDATE audit_records SET seq = 20 WHERE seq = 21",
                "UPDATE audit_records SET seq = 21 WHERE seq = -1"]
        self.sql(*swap)
        self.assertEqual(self.verify(), (1, "records 20..21: out of order"))
        self.sql(*swap)
        self.assertEqual(self.verify(), (0, "OK: %d records" % n))

        # Delete the newest record (only the chain head still knows it existed).
        row = self.sql("SELECT * FROM audit_records WHERE seq = %d" % n)[0]
        self.sql("DELETE FROM audit_records WHERE seq = %d" % n)
        self.assertEqual(self.verify(), (1, "record %d: missing" % n))
        con = sqlite3.connect(self.db_path)
        con.execute("INSERT INTO audit_records VALUES (%s)" % ",".join("?" * len(row)), row)
        con.commit()
        con.close()
        self.assertEqual(self.verify(), (0, "OK: %d records" % n))

    def test_2_search_json_and_filters(self):
        p = run(self.dir, "search", "--json", "--action", "audit.", "--limit", "5", check_rc=0)
        lines = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual(len(lines), 5)
        seqs = [l["seq"] for l in lines]
        self.assertEqual(seqs, sorted(seqs, reverse=True))  # newest first
        for l in lines:
            self.assertEqual(l["action"], "audit.search")
            self.assertEqual(l["protocol"], "cli")
            self.assertTrue(l["actor"].startswith("cli:"))
            self.assertEqual(len(l["hash"]), 64)
        p = run(self.dir, "search", "--json", "--from", "2999-01-01", check_rc=0)
        self.assertEqual(p.stdout, "")
        p = run(self.dir, "search", "--json", "--to", "2000-01-01T00:00:00+09:00", check_rc=0)
        self.assertEqual(p.stdout, "")
        p = run(self.dir, "search", "--from", "yesterday")
        self.assertEqual(p.returncode, 2)

    def test_3_export_dicom_and_fhir(self):
        out = os.path.join(self.dir, "export.xml")
        run(self.dir, "export", "--format", "dicom", "--out", out, check_rc=0)
        doc = xml.dom.minidom.parse(out)
        messages = doc.documentElement.getElementsByTagName("AuditMessage")
        self.assertGreaterEqual(len(messages), RECORDS)
        event = messages[0].getElementsByTagName("EventIdentification")[0]
        self.assertEqual(event.getElementsByTagName("EventID")[0].getAttribute("csd-code"),
                         "110101")  # Audit Log Used
        p = run(self.dir, "export", "--format", "fhir", check_rc=0)
        bundle = json.loads(p.stdout)
        self.assertEqual(bundle["resourceType"], "Bundle")
        self.assertGreaterEqual(len(bundle["entry"]), RECORDS)
        for e in bundle["entry"]:
            self.assertEqual(e["resource"]["resourceType"], "AuditEvent")
        self.assertEqual(run(self.dir, "export", "--format", "pdf").returncode, 2)

    def test_4_ship_over_tcp(self):
        frames = []
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]

        def collect():
            conn, _ = server.accept()
            buf = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
                while b" " in buf:
                    length, rest = buf.split(b" ", 1)
                    if len(rest) < int(length):
                        break
                    frames.append(rest[:int(length)])
                    buf = rest[int(length):]
            conn.close()

        t = threading.Thread(target=collect)
        t.start()
        url = "tcp://127.0.0.1:%d" % port
        p = run(self.dir, "ship", "--syslog", url, check_rc=0)
        t.join(30)
        server.close()
        shipped = int(p.stdout.split()[1])
        self.assertGreaterEqual(shipped, RECORDS)
        self.assertEqual(len(frames), shipped)
        for f in frames:
            self.assertTrue(f.startswith(b"<85>1 "), f[:40])
            self.assertIn(b" DICOM+RFC3881 - \xef\xbb\xbf<AuditMessage>", f)
        # The position is remembered: nothing new to send (shipping is not itself recorded).
        p = run(self.dir, "ship", "--syslog", url)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("shipped 0 records"), p.stdout)

    def test_5_purge_keeps_verify_ok(self):
        # Nothing here is past the retention period.
        p = run(self.dir, "purge", check_rc=0)
        self.assertEqual(p.stdout.strip(), "purged 0 records")
        code, out = self.verify()
        self.assertEqual(code, 0, out)
        # With a one-day retention and the clock unchanged, still nothing to delete.
        p = run(self.dir, "purge", "--retention-days", "1", check_rc=0)
        self.assertIn("warning", p.stderr)
        self.assertEqual(p.stdout.strip(), "purged 0 records")

    def test_6_help(self):
        p = subprocess.run([BIN, "audit", "--help"], capture_output=True, text=True,
                           env=dict(os.environ, DOKUEI_LANG="ja"))
        self.assertEqual(p.returncode, 0)
        self.assertIn("使い方: dokuei audit", p.stdout)
        p = subprocess.run([BIN, "audit", "--help"], capture_output=True, text=True, env=ENV)
        self.assertIn("Usage: dokuei audit", p.stdout)
        p = subprocess.run([BIN, "audit", "frobnicate"], capture_output=True, text=True, env=ENV)
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main()
