"""HL7 v2 intake in the real `dokuei serve --demo`: with hl7.listen and hl7.senders_file set,
`dokuei hl7 send` of a sample ORM^O01 (src/intake/testdata) over MLLP is acknowledged AA and the
reading request it creates is visible to the hospital in GET /api/requests. A non-loopback
hl7.listen is refused at start (MLLP has no TLS)."""
import os
import subprocess
import unittest

from harness import BIN, Server, free_port
from test_api_sessions import Browser, totp

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "intake",
                      "testdata", "orm_o01_utf8_lumbar_mr_stat.hl7")


class ServeHl7Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.server = Server(extra_args=["--demo"], env={"DOKUEI_LANG": "en"})
        cls.senders = os.path.join(cls.server.data_dir, "senders.toml")
        with open(cls.senders, "w") as f:
            f.write('[[hl7.senders]]\nfacility = "SAKURA_HP"\ntenant = "demo-hospital"\n')
        cls.server.extra_args += ["--hl7-listen", "127.0.0.1:%d" % cls.port,
                                  "--hl7-senders-file", cls.senders]
        cls.server.start(timeout=180)
        path = os.path.join(cls.server.data_dir, "demo-logins.txt")
        with open(path) as f:
            cls.creds = dict(line.split("\t")[:2] for line in f.read().splitlines())

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def sign_in(self, login):
        b = Browser(self.server.url)
        status, out, _ = b.login(login, self.creds[login])
        self.assertEqual(status, 200, out)
        if out["status"] == "enrolment_required":
            b.secret = out["secret"]
            status, out, _ = b.json("POST", "/api/auth/enrol",
                                    {"challenge": out["challenge"], "code": totp(b.secret)})
            self.assertEqual(status, 200, out)
        b.csrf = out["csrf_token"]
        return b

    def test_orm_over_mllp_creates_a_visible_request(self):
        tech = self.sign_in("demo-tech")
        status, before, _ = tech.json("GET", "/api/requests")
        self.assertEqual(status, 200, before)
        p = subprocess.run([BIN, "hl7", "send", SAMPLE, "--to", "127.0.0.1:%d" % self.port],
                           capture_output=True, timeout=60)
        out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("AA", out)
        status, after, _ = tech.json("GET", "/api/requests")
        self.assertEqual(status, 200, after)
        new = [r for r in after["requests"]
               if r["id"] not in {x["id"] for x in before["requests"]}]
        self.assertEqual(len(new), 1, after)
        self.assertEqual(new[0]["source"], "hl7")
        self.assertEqual(new[0]["priority"], "stat")

    def test_non_loopback_listen_is_refused(self):
        p = subprocess.run([BIN, "serve", "--config", self.server.config_path, "--data-dir",
                            self.server.data_dir + "-refused", "--http", "127.0.0.1:0",
                            "--dicom", "127.0.0.1:0", "--hl7-listen", "0.0.0.0:%d" % free_port(),
                            "--hl7-senders-file", self.senders],
                           capture_output=True, timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("loopback", (p.stdout + p.stderr).decode(errors="replace"))


if __name__ == "__main__":
    unittest.main()
