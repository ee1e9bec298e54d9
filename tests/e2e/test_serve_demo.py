"""`dokuei serve --demo` sets the demo up in identity: the demo hospital with its AE title
DOKUEI_DEMO (an identity AE title, accepted at association), the reading centre, and demo logins
with generated strong passwords in <data_dir>/demo-logins.txt (mode 0600) and in the banner
(Japanese by default, English with DOKUEI_LANG=en); a restart keeps them. The demo bearer token
keeps working for DICOMweb."""
import json
import os
import stat
import unittest

from harness import Server

LOGINS = {"demo-tech": "hospital_staff", "demo-reader": "reader", "demo-admin": "administrator",
          "demo-auditor": "auditor"}


class ServeDemoTest(unittest.TestCase):

    def test_demo_identity(self):
        server = Server(extra_args=["--demo"], env={"DOKUEI_LANG": "en"})
        try:
            server.start(timeout=180)
            path = os.path.join(server.data_dir, "demo-logins.txt")
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            creds = dict(line.split("\t")[:2] for line in open(path).read().splitlines())
            self.assertEqual(set(creds), set(LOGINS))
            for password in creds.values():
                self.assertGreaterEqual(len(password), 16)
            banner = server.read_log()
            self.assertIn("Demo logins", banner)
            for login, password in creds.items():
                self.assertIn(login, banner)
                self.assertIn(password, banner)

            listed = server.cli("admin", "user", "list", "--json").stdout.decode()
            users = {u["login"]: u for u in json.loads(listed.strip().splitlines()[-1])["users"]}
            for login, role in LOGINS.items():
                self.assertEqual(users[login]["roles"], role)
            # Roles with mandatory 2FA enrol at their first login.
            self.assertTrue(users["demo-reader"]["two_factor_required"])
            self.assertFalse(users["demo-reader"]["two_factor_enrolled"])

            # DOKUEI_DEMO is an identity AE title of the demo hospital, accepted at association.
            server.dcmtk("echoscu", "127.0.0.1", str(server.dicom_port), aet="DOKUEI_DEMO")
            token = open(os.path.join(server.data_dir, "demo-token")).read().strip()
            server.tokens["demo"] = token
            status, _, body = server.curl("/dicom-web/studies", tenant="demo")
            self.assertEqual(status, 200)
            self.assertIn(b"DEMO-", body)

            # A restart keeps the logins (and prints the same passwords), in Japanese by default.
            server.stop()
            server.env["DOKUEI_LANG"] = "ja"
            server.start(timeout=180)
            self.assertEqual(dict(line.split("\t")[:2] for line in open(path).read().splitlines()), creds)
            banner = server.read_log()
            self.assertIn("デモ用ログイン", banner)
            self.assertIn("読影医", banner)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
