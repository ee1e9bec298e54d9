"""`dokuei admin` against the real binary: a fresh installation set up from the command line
(reading centre and first administrator, hospital, AE titles, contacts, users, API tokens, TOTP
enrolment through stdin), with validation errors naming the field, secrets shown once and never
stored in clear, and the identity key file created with mode 0600.

Runs on SQLite; with DOKUEI_TEST_PG_CONNINFO (scripts/with-postgres.sh) on a fresh PostgreSQL
database instead."""
import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import stat
import struct
import subprocess
import tempfile
import time
import unittest

from harness import BIN


def totp(secret_b32, at=None, step_offset=0):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((at if at is not None else time.time()) // 30) + step_offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1000000)


class AdminCliTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="dokuei-admin-")
        cls.db_args = ["--data-dir", cls.dir]
        base = os.environ.get("DOKUEI_TEST_PG_CONNINFO")
        cls.pg = None
        if base:
            name = "admin_" + secrets.token_hex(6)
            subprocess.run(["psql", base, "-q", "-c", "CREATE DATABASE " + name], check=True,
                           capture_output=True)
            cls.pg = base + " dbname=" + name
            cls.db_args += ["--index", "postgres", "--postgres", cls.pg]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def admin(self, *args, stdin=None, expect=0, json_out=True):
        cmd = [BIN, "admin"] + list(args) + (["--json"] if json_out else []) + self.db_args
        p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120,
                           env=dict(os.environ, DOKUEI_LANG="en"))
        self.assertEqual(p.returncode, expect, "%s\nstdout: %s\nstderr: %s" % (
            " ".join(args), p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")))
        out = p.stdout.decode()
        return json.loads(out.strip().splitlines()[-1]) if json_out and out.strip() else out

    def test_1_fresh_install(self):
        # The first administrator, with the reading centre created on the way.
        r = self.admin("create-admin", "--login", "admin", "--name", "Admin Istrator")
        self.assertTrue(r["created_tenant"])
        self.assertEqual(r["tenant"]["kind"], "reading_centre")
        self.assertEqual(r["user"]["roles"], "administrator")
        self.assertTrue(r["user"]["must_change_password"])
        self.assertTrue(r["user"]["two_factor_required"])
        self.assertEqual(len(r["one_time_password"]), 20)
        again = self.admin("create-admin", "--login", "ADMIN", "--name", "x", expect=1)
        self.assertEqual(again["error"], "already-exists")
        self.assertEqual(again["field"], "login")

        key = os.path.join(self.dir, "identity.key")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        self.assertEqual(len(open(key).read().strip()), 64)

        # A hospital, its AE titles and contacts.
        t = self.admin("tenant", "create", "--code", "sakura-clinic", "--name", "さくら診療所",
                       "--name-en", "Sakura Clinic", "--staff-2fa", "false")
        self.assertEqual(t["kind"], "hospital")
        bad = self.admin("tenant", "create", "--code", "Bad Code", "--name", "x", expect=2)
        self.assertEqual(bad["field"], "code")
        codes = [x["code"] for x in self.admin("tenant", "list")["tenants"]]
        self.assertEqual(codes, ["reading-centre", "sakura-clinic"])

        ae = self.admin("ae", "add", "--tenant", "sakura-clinic", "--ae", "CT_SAKURA", "--host",
                        "10.0.0.5", "--port", "104", "--allow", "store,find")
        self.assertEqual(ae["allow"], "store,find")
        for bad_ae in ["BACK\\SLASH", "X" * 17]:
            err = self.admin("ae", "add", "--tenant", "sakura-clinic", "--ae", bad_ae, expect=2)
            self.assertEqual(err["field"], "ae_title")
        self.assertEqual(self.admin("ae", "add", "--tenant", "reading-centre", "--ae", "ct_sakura",
                                    expect=1)["error"], "already-exists")
        self.admin("ae", "add", "--tenant", "sakura-clinic", "--ae", "MR_SAKURA")
        titles = [a["ae_title"] for a in self.admin("ae", "list", "--tenant", "sakura-clinic")["ae_titles"]]
        self.assertEqual(titles, ["CT_SAKURA", "MR_SAKURA"])
        self.admin("ae", "remove", "--ae", "MR_SAKURA")
        self.assertEqual(len(self.admin("ae", "list")["ae_titles"]), 1)

        self.admin("contact", "add", "--tenant", "sakura-clinic", "--name", "山田 花子", "--phone",
                   "+81 3-1234-5678", "--email", "yamada@sakura.example.jp")
        self.assertEqual(self.admin("contact", "add", "--tenant", "sakura-clinic", "--name", "x",
                                    "--phone", "call me", expect=2)["field"], "phone")
        self.assertEqual(len(self.admin("contact", "list", "--tenant", "sakura-clinic")["contacts"]), 1)

        # Users: policy errors name the field; the Japanese message is the default.
        weak = self.admin("user", "create", "--tenant", "sakura-clinic", "--login", "tech1",
                          "--name", "技師 一郎", "--roles", "hospital_staff", "--password-stdin",
                          stdin=b"password123456\n", expect=2)
        self.assertEqual(weak["field"], "password")
        p = subprocess.run([BIN, "admin", "user", "create", "--tenant", "sakura-clinic", "--login",
                            "tech1", "--name", "x", "--roles", "hospital_staff",
                            "--password-stdin"] + self.db_args,
                           input=b"short\n", capture_output=True, env=dict(os.environ, DOKUEI_LANG="ja"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("パスワード", p.stderr.decode())
        self.assertEqual(self.admin("user", "create", "--tenant", "sakura-clinic", "--login", "reader1",
                                    "--name", "x", "--roles", "reader", expect=2)["field"], "roles")
        u = self.admin("user", "create", "--tenant", "sakura-clinic", "--login", "tech1", "--name",
                       "技師 一郎", "--roles", "hospital_staff", "--password-stdin",
                       stdin=b"Kawasemi-no-mizube-2031\n")
        self.assertFalse(u["must_change_password"])
        self.assertNotIn("one_time_password", u)
        u = self.admin("user", "set-roles", "--login", "tech1", "--roles", "hospital_staff,administrator")
        self.assertEqual(u["roles"], "hospital_staff,administrator")
        self.admin("user", "disable", "--login", "tech1")
        users = {x["login"]: x for x in self.admin("user", "list", "--tenant", "sakura-clinic")["users"]}
        self.assertTrue(users["tech1"]["disabled"])
        self.admin("user", "enable", "--login", "tech1")
        reset = self.admin("user", "reset-password", "--login", "tech1")
        self.assertEqual(len(reset["one_time_password"]), 20)
        # The last administrator of the reading centre stays.
        self.assertEqual(self.admin("user", "disable", "--login", "admin", expect=1)["error"],
                         "failed-precondition")

        # API tokens: printed once, stored hashed.
        tok = self.admin("token", "create", "--tenant", "sakura-clinic", "--name", "gateway-1",
                         "--permissions", "dicomweb.write,dicomweb.read", "--expires-days", "30")
        secret = tok["token"]
        self.assertTrue(secret.startswith("dok_"))
        self.assertEqual(len(secret), 47)
        listed = self.admin("token", "list", "--tenant", "sakura-clinic")["tokens"]
        self.assertEqual(len(listed), 1)
        self.assertNotIn(secret, json.dumps(listed))
        self.assertEqual(listed[0]["prefix"], secret[:10])
        self.assertEqual(self.admin("token", "create", "--tenant", "sakura-clinic", "--name", "x",
                                    "--permissions", "tenants.manage", expect=1)["error"],
                         "permission-denied")
        self.assertEqual(self.admin("token", "create", "--tenant", "sakura-clinic", "--name", "x",
                                    "--permissions", "root", expect=2)["field"], "permissions")
        if not self.pg:
            raw = open(os.path.join(self.dir, "index.sqlite"), "rb").read()
            wal = os.path.join(self.dir, "index.sqlite-wal")
            if os.path.exists(wal):
                raw += open(wal, "rb").read()
            self.assertNotIn(secret.encode(), raw)
            self.assertNotIn(reset["one_time_password"].encode(), raw)
        self.assertEqual(self.admin("token", "revoke", "--tenant", "reading-centre", "--id",
                                    str(tok["id"]), expect=1)["error"], "not-found")
        self.admin("token", "revoke", "--tenant", "sakura-clinic", "--id", str(tok["id"]))
        self.assertTrue(self.admin("token", "list", "--tenant", "sakura-clinic")["tokens"][0]["revoked"])

    def test_2_enrol_second_factor_through_stdin(self):
        self.admin("create-admin", "--login", "admin2", "--name", "Second Admin")  # reuses the centre
        cmd = [BIN, "admin", "enroll-2fa", "--login", "admin2", "--json"] + self.db_args
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=dict(os.environ, DOKUEI_LANG="en"))
        first = json.loads(p.stdout.readline())
        self.assertTrue(first["otpauth_uri"].startswith("otpauth://totp/Dokuei:admin2?secret="))
        self.assertIn("issuer=Dokuei", first["otpauth_uri"])
        p.stdin.write((totp(first["secret"]) + "\n").encode())
        p.stdin.close()
        done = json.loads(p.stdout.readline())
        self.assertEqual(p.wait(60), 0, p.stderr.read())
        self.assertTrue(done["enrolled"])
        self.assertEqual(len(done["recovery_codes"]), 10)
        users = {x["login"]: x for x in self.admin("user", "list", "--tenant", "reading-centre")["users"]}
        self.assertTrue(users["admin2"]["two_factor_enrolled"])
        # Enrolled already: an administrator must reset first.
        again = self.admin("enroll-2fa", "--login", "admin2", expect=1, stdin=b"000000\n")
        self.assertEqual(again["error"], "failed-precondition")
        self.admin("user", "reset-2fa", "--login", "admin2")
        users = {x["login"]: x for x in self.admin("user", "list", "--tenant", "reading-centre")["users"]}
        self.assertFalse(users["admin2"]["two_factor_enrolled"])
        # A wrong code leaves the user unenrolled.
        wrong = self.admin("enroll-2fa", "--login", "admin2", stdin=b"000000\n", expect=2)
        self.assertEqual(wrong["field"], "code")

    def test_3_help_is_bilingual(self):
        ja = subprocess.run([BIN, "admin", "--help"], capture_output=True, env=dict(os.environ, DOKUEI_LANG="ja"))
        en = subprocess.run([BIN, "admin", "--help"], capture_output=True, env=dict(os.environ, DOKUEI_LANG="en"))
        self.assertEqual(ja.returncode, 0)
        self.assertIn("使い方: dokuei admin", ja.stdout.decode())
        self.assertIn("Usage: dokuei admin", en.stdout.decode())
        for cmd in ["create-admin", "enroll-2fa", "tenant create", "ae add", "user create", "token create",
                    "contact add"]:
            self.assertIn(cmd, en.stdout.decode())
        self.assertEqual(subprocess.run([BIN, "admin", "nonsense"] + self.db_args, capture_output=True).returncode, 2)


if __name__ == "__main__":
    unittest.main()
