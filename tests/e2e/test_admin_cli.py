"""`dokuei admin` against the real binary: a fresh installation set up from the command line
(reading centre and first administrator, hospital, AE titles, contacts, users, API tokens, TOTP
enrolment through stdin), with validation errors naming the field, secrets shown once and never
stored in clear, and the identity key file created with mode 0600. Every change is audited like
the API's (one record, the API's action name, protocol "cli", actor "cli:<OS login>", no secret),
and a change whose record cannot be written does not happen.

Runs on SQLite; with DOKUEI_TEST_PG_CONNINFO (scripts/with-postgres.sh) on a fresh PostgreSQL
database instead."""
import base64
import hashlib
import hmac
import json
import os
import pwd
import secrets
import shutil
import sqlite3
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

    def admin(self, *args, stdin=None, expect=0, json_out=True, db=None):
        cmd = [BIN, "admin"] + list(args) + (["--json"] if json_out else []) + (db or self.db_args)
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


    # -- the audit trail of admin changes ---------------------------------------------------------

    def fresh_db(self):
        """Storage options of a new, empty installation (PostgreSQL: a database of its own)."""
        d = tempfile.mkdtemp(prefix="dokuei-admin-audit-")
        self.addCleanup(shutil.rmtree, d, True)
        db = ["--data-dir", d]
        pg = None
        base = os.environ.get("DOKUEI_TEST_PG_CONNINFO")
        if base:
            name = "admin_" + secrets.token_hex(6)
            subprocess.run(["psql", base, "-q", "-c", "CREATE DATABASE " + name], check=True,
                           capture_output=True)
            pg = base + " dbname=" + name
            db += ["--index", "postgres", "--postgres", pg]
        return db, d, pg

    def records(self, db):
        """Every audit record but the searches themselves, oldest first."""
        p = subprocess.run([BIN, "audit", "search", "--json", "--limit", "10000"] + db,
                           capture_output=True, timeout=120, env=dict(os.environ, DOKUEI_LANG="en"))
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        out = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
        return sorted((r for r in out if r["action"] != "audit.search"), key=lambda r: r["seq"])

    def audited(self, db, actions, *args, stdin=None):
        """Runs an admin change; checks it wrote exactly one record per action, from the CLI."""
        before = self.records(db)
        last = before[-1]["seq"] if before else 0
        out = self.admin(*args, stdin=stdin, db=db)
        new = [r for r in self.records(db) if r["seq"] > last]
        self.assertEqual([r["action"] for r in new], actions, " ".join(args))
        for r in new:
            self.assertEqual(r["protocol"], "cli")
            self.assertEqual(r["actor"], "cli:" + pwd.getpwuid(os.geteuid()).pw_name)
            self.assertEqual(r["outcome"], 0)
        return out, new

    def not_audited(self, db, *args, expect=0, stdin=None):
        before = self.records(db)
        out = self.admin(*args, expect=expect, stdin=stdin, db=db)
        self.assertEqual(self.records(db), before, " ".join(args))
        return out

    def verify(self, db):
        p = subprocess.run([BIN, "audit", "verify"] + db, capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())
        self.assertTrue(p.stdout.decode().startswith("OK: "), p.stdout.decode())

    def test_4_every_change_is_audited(self):
        db, _, _ = self.fresh_db()
        secrets_shown = []
        r, recs = self.audited(db, ["tenant.create", "user.create"], "create-admin", "--login",
                               "boss", "--name", "Boss")
        secrets_shown.append(r["one_time_password"])
        centre = r["tenant"]["id"]
        self.assertEqual(recs[0]["tenant_id"], centre)
        self.assertEqual(recs[0]["object_detail"], "tenant %d (reading-centre)" % centre)
        self.assertEqual(recs[1]["object_detail"], "user %d (boss)" % r["user"]["id"])
        self.assertEqual(recs[1]["message"], "roles: administrator")

        t, recs = self.audited(db, ["tenant.create"], "tenant", "create", "--code", "audit-clinic",
                               "--name", "監査クリニック")
        self.assertEqual(recs[0]["tenant_id"], t["id"])
        self.assertEqual(recs[0]["message"], "kind hospital")
        _, recs = self.audited(db, ["tenant.update"], "tenant", "set", "--code", "audit-clinic",
                               "--name-en", "Audit Clinic", "--staff-2fa", "true")
        self.assertEqual(recs[0]["message"], "changed: name_en,staff_two_factor_required")
        ae, recs = self.audited(db, ["ae.create"], "ae", "add", "--tenant", "audit-clinic", "--ae",
                                "CT_AUDIT")
        self.assertEqual(recs[0]["object_detail"], "ae %d (%s)" % (ae["id"], ae["ae_title"]))
        self.assertEqual(recs[0]["tenant_id"], t["id"])
        self.audited(db, ["ae.delete"], "ae", "remove", "--ae", "CT_AUDIT")
        k, recs = self.audited(db, ["contact.create"], "contact", "add", "--tenant", "audit-clinic",
                               "--name", "受付")
        self.assertEqual(recs[0]["object_detail"], "contact %d" % k["id"])

        u, recs = self.audited(db, ["user.create"], "user", "create", "--tenant", "audit-clinic",
                               "--login", "Tech2", "--name", "技師", "--roles",
                               "hospital_staff,hospital_staff")
        secrets_shown.append(u["one_time_password"])
        self.assertEqual(recs[0]["object_detail"], "user %d (tech2)" % u["id"])
        self.assertEqual(recs[0]["message"], "roles: hospital_staff")
        self.assertEqual(recs[0]["tenant_id"], t["id"])
        _, recs = self.audited(db, ["role.change"], "user", "set-roles", "--login", "tech2",
                               "--roles", "hospital_staff,administrator")
        self.assertEqual(recs[0]["message"], "roles: hospital_staff -> hospital_staff,administrator")
        self.audited(db, ["user.disable"], "user", "disable", "--login", "tech2")
        self.audited(db, ["user.enable"], "user", "enable", "--login", "tech2")
        r, recs = self.audited(db, ["password.reset"], "user", "reset-password", "--login", "tech2")
        secrets_shown.append(r["one_time_password"])
        self.assertEqual(recs[0]["message"], "one-time password issued")
        _, recs = self.audited(db, ["password.reset"], "user", "reset-password", "--login", "tech2",
                               "--password-stdin", stdin=b"Kawasemi-no-mizube-2032\n")
        self.assertEqual(recs[0]["message"], "password set by an administrator")
        secrets_shown.append("Kawasemi-no-mizube-2032")
        self.audited(db, ["user.unlock"], "user", "unlock", "--login", "tech2")
        self.audited(db, ["totp.reset"], "user", "reset-2fa", "--login", "tech2")

        tok, recs = self.audited(db, ["token.create"], "token", "create", "--tenant",
                                 "audit-clinic", "--name", "gw", "--permissions", "dicomweb.read",
                                 "--expires-days", "7")
        secrets_shown.append(tok["token"])
        self.assertEqual(recs[0]["object_detail"], "token:gw")
        self.assertEqual(recs[0]["message"], "permissions: dicomweb.read; expires in 7 days")
        _, recs = self.audited(db, ["token.revoke"], "token", "revoke", "--tenant", "audit-clinic",
                               "--id", str(tok["id"]))
        self.assertEqual(recs[0]["object_detail"], "token id %d" % tok["id"])

        # Two-factor enrolment: the secret issued, then the confirmation; two changes.
        before = self.records(db)
        p = subprocess.Popen([BIN, "admin", "enroll-2fa", "--login", "boss", "--json"] + db,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=dict(os.environ, DOKUEI_LANG="en"))
        first = json.loads(p.stdout.readline())
        secrets_shown.append(first["secret"])
        p.stdin.write((totp(first["secret"]) + "\n").encode())
        p.stdin.close()
        done = json.loads(p.stdout.readline())
        self.assertEqual(p.wait(60), 0, p.stderr.read())
        secrets_shown += done["recovery_codes"]
        new = [r for r in self.records(db) if r["seq"] > before[-1]["seq"]]
        self.assertEqual([r["action"] for r in new], ["totp.enrol.begin", "totp.enrol"])
        self.assertTrue(all(r["protocol"] == "cli" for r in new))

        # Reading and refused changes write nothing.
        for args in [("tenant", "list"), ("user", "list"), ("ae", "list"),
                     ("token", "list", "--tenant", "audit-clinic"),
                     ("contact", "list", "--tenant", "audit-clinic")]:
            self.not_audited(db, *args)
        self.not_audited(db, "tenant", "create", "--code", "Bad Code", "--name", "x", expect=2)
        self.not_audited(db, "tenant", "create", "--code", "audit-clinic", "--name", "x", expect=1)
        self.not_audited(db, "user", "disable", "--login", "boss", expect=1)
        self.not_audited(db, "token", "revoke", "--tenant", "reading-centre", "--id",
                         str(tok["id"]), expect=1)

        everything = json.dumps(self.records(db), ensure_ascii=False)
        for secret in secrets_shown:
            self.assertNotIn(secret, everything)
        self.verify(db)

    def test_5_no_record_no_change(self):
        db, data_dir, pg = self.fresh_db()
        self.admin("create-admin", "--login", "boss", "--name", "Boss", db=db)
        # The database refuses new audit records from now on.
        if pg:
            subprocess.run(["psql", pg, "-q", "-c",
                            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$; "
                            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records "
                            "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"],
                           check=True, capture_output=True)
        else:
            with sqlite3.connect(os.path.join(data_dir, "index.sqlite")) as c:
                c.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records "
                          "BEGIN SELECT RAISE(ABORT, 'refused'); END")
        for args in [("tenant", "create", "--code", "never", "--name", "x"),
                     ("user", "create", "--tenant", "reading-centre", "--login", "never",
                      "--name", "x", "--roles", "administrator"),
                     ("user", "reset-password", "--login", "boss"),
                     ("token", "create", "--tenant", "reading-centre", "--name", "never",
                      "--permissions", "tenants.read")]:
            err = self.admin(*args, expect=1, db=db)
            self.assertTrue(err["message"].startswith(
                "the audit record could not be written, so nothing was changed"), err)
            self.assertNotIn("one_time_password", err)
            self.assertNotIn("token", err)
        # The text form says so on stderr.
        p = subprocess.run([BIN, "admin", "tenant", "create", "--code", "never", "--name", "x"] + db,
                           capture_output=True, timeout=120, env=dict(os.environ, DOKUEI_LANG="en"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("the audit record could not be written, so nothing was changed",
                      p.stderr.decode())
        self.assertEqual(p.stdout, b"")
        if pg:
            subprocess.run(["psql", pg, "-q", "-c", "DROP TRIGGER refuse_audit ON audit_records"],
                           check=True, capture_output=True)
        else:
            with sqlite3.connect(os.path.join(data_dir, "index.sqlite")) as c:
                c.execute("DROP TRIGGER refuse_audit")
        # Nothing changed.
        self.assertEqual([x["code"] for x in self.admin("tenant", "list", db=db)["tenants"]],
                         ["reading-centre"])
        self.assertEqual([x["login"] for x in self.admin("user", "list", db=db)["users"]], ["boss"])
        self.assertEqual(self.admin("token", "list", "--tenant", "reading-centre", db=db)["tokens"], [])
        self.assertEqual([r["action"] for r in self.records(db)], ["tenant.create", "user.create"])
        self.verify(db)

if __name__ == "__main__":
    unittest.main()
