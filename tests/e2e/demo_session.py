"""What the tests of `dokuei serve --demo` share: the demo logins the server writes, signing in
as one of them through the real sign-in (with TOTP enrolment on first use), waiting for the
server to do something, and finding the reading request of a study."""
import os
import time

from test_api_sessions import Browser, totp


def demo_logins(server):
    """login -> password, from the file `--demo` writes into the data directory."""
    with open(os.path.join(server.data_dir, "demo-logins.txt")) as f:
        return dict(line.split("\t")[:2] for line in f.read().splitlines())


class DemoSession:
    """Mixin for a unittest.TestCase with `self.server` (harness.Server) and `self.creds`."""

    def sign_in(self, login, password=None):
        b = Browser(self.server.url)
        status, out, _ = b.login(login, password or self.creds[login])
        self.assertEqual(status, 200, out)
        if out["status"] == "enrolment_required":
            b.secret = out["secret"]
            status, out, _ = b.json("POST", "/api/auth/enrol",
                                    {"challenge": out["challenge"], "code": totp(b.secret)})
            self.assertEqual(status, 200, out)
        self.assertEqual(out["status"], "ok", out)
        b.csrf = out["csrf_token"]
        b.user = out["user"]
        return b

    def wait_for(self, what, fn, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = fn()
            if value:
                return value
            time.sleep(0.25)
        self.fail("timed out waiting for " + what + "\n" + self.server.read_log()[-4000:])

    def request_of(self, browser, study_uid):
        status, out, _ = browser.json("GET", "/api/requests?limit=1000")
        self.assertEqual(status, 200, out)
        return next((r for r in out["requests"] if r["study_uid"] == study_uid), None)
