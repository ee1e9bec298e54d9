"""The JSON API through the real `dokuei serve --demo`, as a browser-like client would use it:
sign-in with a cookie jar, first-login TOTP enrolment (codes computed here from the otpauth
secret, RFC 6238), DICOMweb and /api by session cookie, CSRF on state changes, sign-out, an
administrator creating a user over the API, refusals that do not reveal whether a login exists,
and the audit records all of that leaves. Also the XSS rule (security.md): DICOM text fields
with markup come back escaped (XML) or as JSON that browsers will not sniff into HTML, with a
Content-Security-Policy that forbids active content."""
import base64
import hashlib
import hmac
import http.cookiejar
import json
import os
import struct
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from harness import Server, testdata

try:
    import pydicom
except ImportError:  # installed by scripts/install-deps.sh (python3-pydicom)
    pydicom = None


def totp(secret_b32, at=None, step=30, digits=6):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((at if at is not None else time.time()) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


class Browser:
    """A cookie-keeping JSON client."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = None

    def call(self, method, path, body=None, headers=None, csrf=True):
        data = None
        h = {"Accept-Language": "en"}
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, method, path, body=None, **kw):
        status, headers, raw = self.call(method, path, body, **kw)
        return status, (json.loads(raw) if raw else None), headers

    def login(self, login, password):
        status, out, headers = self.json("POST", "/api/auth/login",
                                         {"login": login, "password": password})
        return status, out, headers


class ApiSessionsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=["--demo"], env={"DOKUEI_LANG": "en"})
        cls.server.start(timeout=180)
        path = os.path.join(cls.server.data_dir, "demo-logins.txt")
        cls.creds = dict(line.split("\t")[:2] for line in open(path).read().splitlines())

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def sign_in(self, login):
        """Signs in, enrolling TOTP at the first login when the role requires it."""
        b = Browser(self.server.url)
        status, out, headers = b.login(login, self.creds[login])
        self.assertEqual(status, 200, out)
        if out["status"] == "enrolment_required":
            self.assertTrue(out["otpauth_uri"].startswith("otpauth://totp/"))
            b.secret = out["secret"]
            status, out, headers = b.json("POST", "/api/auth/enrol",
                                          {"challenge": out["challenge"], "code": totp(b.secret)})
            self.assertEqual(status, 200, out)
            self.assertEqual(len(out["recovery_codes"]), 10)
        elif out["status"] == "second_factor_required":
            status, out, headers = b.json("POST", "/api/auth/second-factor",
                                          {"challenge": out["challenge"], "code": totp(b.secret)})
        self.assertEqual(out["status"], "ok", out)
        cookie = headers.get("Set-Cookie", "")
        self.assertIn("dokuei_session=", cookie)
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        b.csrf = out["csrf_token"]
        return b

    def test_hospital_staff_session_reads_dicomweb_and_signs_out(self):
        b = self.sign_in("demo-tech")
        status, me, headers = b.json("GET", "/api/me")
        self.assertEqual(status, 200)
        self.assertEqual(me["user"]["login"], "demo-tech")
        self.assertIn("hospital_staff", [r["role"] for r in me["roles"]])
        self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff")
        self.assertEqual(headers.get("Cache-Control"), "no-store")

        # DICOMweb by cookie: the demo hospital's studies.
        status, headers, raw = b.call("GET", "/dicom-web/studies",
                                      headers={"Accept": "application/dicom+json"})
        self.assertEqual(status, 200)
        self.assertIn(b"DEMO-", raw)
        queries = [r for r in self.server.audit_records("study.query") if r["actor"] == "demo-tech"]
        self.assertEqual(len(queries), 1, queries)
        self.assertEqual(queries[0]["protocol"], "http")

        # A state change by cookie without the CSRF token is refused; with it, it works.
        status, out, _ = b.json("POST", "/api/auth/logout", {}, csrf=False)
        self.assertEqual(status, 403, out)
        status, out, _ = b.json("POST", "/api/auth/logout", {})
        self.assertEqual(status, 200, out)
        status, out, _ = b.json("GET", "/api/me")
        self.assertEqual(status, 401)
        self.assertTrue(self.server.audit_records("logout"))

    def test_refusals_do_not_reveal_whether_a_login_exists(self):
        b = Browser(self.server.url)
        s1, unknown, _ = b.login("no-such-user", "Correct-Horse-Battery-9")
        s2, wrong, _ = b.login("demo-auditor", "Correct-Horse-Battery-9")
        self.assertEqual((s1, s2), (401, 401))
        self.assertEqual(unknown, wrong)
        failures = self.server.audit_records("login.failure")
        self.assertGreaterEqual(len(failures), 2)

    def test_administrator_enrols_then_creates_a_user_over_the_api(self):
        admin = self.sign_in("demo-admin")
        status, tenants, _ = admin.json("GET", "/api/tenants")
        self.assertEqual(status, 200, tenants)
        codes = [t["code"] for t in tenants["tenants"]]
        hospital = [c for c in codes if c != "reading-centre" and "centre" not in c][0]
        status, out, _ = admin.json("POST", "/api/tenants/%s/users" % hospital,
                                    {"login": "e2e-tech", "display_name": "技師 太郎",
                                     "roles": ["hospital_staff"]})
        self.assertIn(status, (200, 201), out)
        listed = self.server.cli("admin", "user", "list", "--json").stdout.decode()
        users = {u["login"] for u in json.loads(listed.strip().splitlines()[-1])["users"]}
        self.assertIn("e2e-tech", users)
        created = [r for r in self.server.audit_records("user.create") if r["actor"] == "demo-admin"]
        self.assertEqual(len(created), 1)
        # The administrator holds no patient data permission.
        status, _, _ = admin.call("GET", "/dicom-web/studies")
        self.assertEqual(status, 403)

    @unittest.skipIf(pydicom is None, "python3-pydicom is missing")
    def test_markup_in_dicom_text_is_never_served_as_html(self):
        markup = "<script>alert(1)</script>"
        ds = pydicom.dcmread(testdata("transfer_syntaxes", "CT_small.dcm"))
        ds.PatientName = "XSS^" + markup
        ds.StudyDescription = '"><img src=x onerror=alert(2)>'
        ds.SOPInstanceUID = "2.25.%d" % (int(time.time() * 1000))
        ds.StudyInstanceUID = ds.SOPInstanceUID + ".1"
        ds.SeriesInstanceUID = ds.SOPInstanceUID + ".2"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        f = tempfile.NamedTemporaryFile(suffix=".dcm", delete=False)
        f.close()
        ds.save_as(f.name, write_like_original=False)
        try:
            self.server.storescu([f.name], aet="DOKUEI_DEMO")
        finally:
            os.unlink(f.name)
        token = open(os.path.join(self.server.data_dir, "demo-token")).read().strip()
        auth = {"Authorization": "Bearer " + token}
        b = Browser(self.server.url)
        for accept in ("application/dicom+json", 'multipart/related; type="application/dicom+xml"'):
            path = "/dicom-web/studies?StudyInstanceUID=%s&includefield=StudyDescription" % (
                ds.StudyInstanceUID)
            status, headers, raw = b.call("GET", path, headers=dict(auth, Accept=accept))
            self.assertEqual(status, 200, raw)
            ctype = headers.get("Content-Type", "")
            self.assertNotIn("html", ctype)
            self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff")
            self.assertIn("default-src 'none'", headers.get("Content-Security-Policy", ""))
            text = raw.decode()
            if "xml" in accept:  # markup in XML text nodes is escaped
                self.assertNotIn("<script>", text)
                self.assertNotIn("<img", text)
                self.assertIn("&lt;script&gt;", text)
            else:  # JSON carries the value as data; nosniff + CSP keep it out of any HTML context
                names = [a["00100010"]["Value"][0]["Alphabetic"] for a in json.loads(text)]
                self.assertEqual(names, ["XSS^" + markup])  # the value itself, as data
        # Problem bodies never echo markup from the request as HTML either.
        status, headers, raw = b.call("GET", "/dicom-web/studies?PatientName=%3Cscript%3E&limit=x",
                                      headers=auth)
        self.assertEqual(status, 400)
        self.assertIn("json", headers.get("Content-Type", ""))
        self.assertNotIn(b"<script>", raw)


if __name__ == "__main__":
    unittest.main()
