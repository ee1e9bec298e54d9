"""Critical results through the real `dokuei serve --demo`, with a local SMTP sink and a local
webhook receiver (both in this test: no extra package). The reading centre's administrator sets
the demo hospital's webhook (URL + secret) and a contact flagged for critical results; the demo
reader records a category 1 critical result and signs the report; the e-mail arrives at the sink
with the Japanese subject and body (and no finding), the webhook arrives with a valid HMAC-SHA256
signature and the finding; the hospital acknowledges through the API and the acknowledgement
(who, when) is in the report. A second critical result (category 2, whose window the server was
started with at 6 seconds: notify.ack_windows) is not acknowledged and escalates to the
coordinator's list."""
import base64
import email
import email.header
import hashlib
import hmac
import http.server
import json
import os
import socketserver
import subprocess
import threading
import time
import unittest

from harness import Server, free_port, testdata
from demo_session import DemoSession, demo_logins
from test_api_sessions import Browser, totp

MR = testdata("transfer_syntaxes", "MR_small.dcm")
PASSWORD = "Kq7#vTz2-mWp9!rLx"
SECRET = "e2e-webhook-secret-0123456789"
REPORT = {
    "frame": 1, "clinical_question": "急性の両下肢麻痺",
    "technique": {"sequences": ["T1 sag", "T2 sag", "T2 ax"]},
    "comparison": {"prior": "none"}, "numbering": {"from": "sacrum"},
    "alignment": {"lordosis": "normal"}, "vertebrae": {"marrow": "normal"},
    "levels": [{"level": "L4-L5", "canal": "severe"}], "cord": {"conus": "L1"},
    "paraspinal": {}, "incidental": [],
    "impression": [{"text": "L4-L5 巨大椎間板ヘルニアによる馬尾圧迫"}], "critical_communication": {},
}


def study_uid_of(path):
    out = subprocess.run(["dcmdump", "+P", "StudyInstanceUID", path], capture_output=True,
                         check=True).stdout.decode()
    return out.split("[", 1)[1].split("]", 1)[0]


class SmtpSink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server (RFC 5321 dialogue, no STARTTLS) keeping every message."""
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages = []
        super().__init__(("127.0.0.1", 0), SmtpHandler)


class SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        def send(line):
            self.wfile.write((line + "\r\n").encode())
        send("220 sink ESMTP")
        rcpt, mail_from = [], None
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("ascii", "replace").rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                send("250-sink")
                send("250 8BITMIME")
            elif verb == "MAIL":
                mail_from = cmd
                send("250 OK")
            elif verb == "RCPT":
                rcpt.append(cmd.split("<", 1)[1].split(">", 1)[0])
                send("250 OK")
            elif verb == "DATA":
                send("354 go ahead")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                self.server.messages.append({"from": mail_from, "to": list(rcpt),
                                             "data": data[:-5]})
                send("250 queued")
            elif verb == "QUIT":
                send("221 bye")
                return
            else:
                send("502 not implemented")


class WebhookSink(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.calls = []
        super().__init__(("127.0.0.1", 0), WebhookHandler)


class WebhookHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.calls.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class ServeCriticalNotifyTest(DemoSession, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.smtp = SmtpSink()
        cls.hook = WebhookSink()
        for srv in (cls.smtp, cls.hook):
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        cls.server = Server(extra_args=[
            "--demo", "--workflow-quiet-seconds", "2", "--workflow-tick-seconds", "1",
            "--notify-smtp-host", "127.0.0.1",
            "--notify-smtp-port", str(cls.smtp.server_address[1]),
            "--notify-smtp-starttls", "never", "--notify-smtp-from", "dokuei@centre.example",
            "--notify-ack-windows", "60m,6s,7d"])
        cls.server.start(timeout=180)
        cls.creds = demo_logins(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        for srv in (cls.smtp, cls.hook):
            srv.shutdown()
            srv.server_close()

    def ok(self, result, expected=(200, 201)):
        status, out, _ = result
        self.assertIn(status, expected, out)
        return out

    def test_critical_result_mail_webhook_acknowledgement_and_escalation(self):
        mr = study_uid_of(MR)
        admin = self.sign_in("demo-admin")
        tech = self.sign_in("demo-tech")
        hospital = tech.user["tenant"]["code"]
        centre = admin.user["tenant"]["code"]
        # The hospital's contact for critical results and its webhook, set by the centre.
        self.ok(admin.json("POST", "/api/tenants/%s/contacts" % hospital, {
            "name": "放射線科 当直", "email": "touchoku@hospital.example",
            "critical_results": True}))
        url = "http://127.0.0.1:%d/dokuei/critical" % self.hook.server_address[1]
        out = self.ok(admin.json("PUT", "/api/tenants/%s/webhook" % hospital,
                                 {"url": url, "secret": SECRET}))
        self.assertEqual(out["url"], url)
        self.assertNotIn(SECRET, json.dumps(out))
        status, out, _ = admin.json("PUT", "/api/tenants/%s/webhook" % hospital,
                                    {"url": "http://hospital.example/hook", "secret": SECRET})
        self.assertEqual(status, 400, out)
        self.assertEqual(out["field"], "url")
        self.ok(admin.json("POST", "/api/tenants/%s/users" % centre, {
            "login": "e2e-coord", "display_name": "e2e-coord", "roles": ["coordinator"],
            "password": PASSWORD}))
        coord = self.sign_in("e2e-coord", PASSWORD)

        # A study arrives; the dispatcher assigns the demo reader, who starts reading.
        self.server.storescu([MR], aet="DOKUEI_DEMO")
        reader = self.sign_in("demo-reader")
        req = self.wait_for(
            "the dispatcher to assign the request",
            lambda: (lambda r: r if r and r["state"] == "assigned" else None)(
                self.request_of(tech, mr)), 60)
        rid = req["id"]
        self.ok(reader.json("POST", "/api/requests/%d/transitions" % rid, {"to": "reading"}))
        self.ok(reader.json("PUT", "/api/requests/%d/report/draft" % rid, {"content": REPORT}))
        crit = self.ok(reader.json("POST", "/api/requests/%d/report/critical" % rid,
                                   {"category": 1, "finding": "馬尾圧迫 (L4-L5)"}))
        signed = self.ok(reader.json("POST", "/api/requests/%d/report/sign" % rid,
                                     {"kind": "final"}))
        self.assertEqual(signed["request_state"], "final")

        # The e-mail: to the contact, Japanese subject and body first, no finding.
        msg = self.wait_for("the e-mail", lambda: self.smtp.messages and self.smtp.messages[0],
                            30)
        self.assertEqual(msg["to"], ["touchoku@hospital.example"])
        parsed = email.message_from_bytes(msg["data"])
        subject = str(email.header.make_header(email.header.decode_header(parsed["Subject"])))
        self.assertTrue(subject.startswith("【重要所見 カテゴリー1】読影依頼 %d" % rid), subject)
        body = parsed.get_payload(decode=True).decode("utf-8")
        self.assertTrue(body.startswith("読影依頼 %d の読影で重要所見" % rid), body)
        self.assertIn("までに確認済みとしてください", body)
        self.assertIn("Please sign in to Dokuei", body)
        self.assertNotIn("馬尾圧迫", body)

        # The webhook: signed with the hospital's secret over timestamp + "." + body.
        call = self.wait_for("the webhook", lambda: self.hook.calls and self.hook.calls[0], 30)
        self.assertEqual(call["path"], "/dokuei/critical")
        ts = call["headers"]["X-Dokuei-Timestamp"]
        expected = hmac.new(SECRET.encode(), ts.encode() + b"." + call["body"],
                            hashlib.sha256).hexdigest()
        self.assertEqual(call["headers"]["X-Dokuei-Signature"], "sha256=" + expected)
        payload = json.loads(call["body"])
        self.assertEqual(payload["critical_id"], crit["id"])
        self.assertEqual(payload["category"], 1)
        self.assertEqual(payload["finding"], "馬尾圧迫 (L4-L5)")
        self.assertEqual(payload["study_uid"], mr)
        self.assertLess(abs(int(ts) - time.time()), 120)

        # The hospital acknowledges; who and when are in the report.
        ack = self.ok(tech.json("POST", "/api/requests/%d/report/critical/ack" % rid,
                                {"critical_id": crit["id"], "note": "主治医に電話で伝達"}))
        self.assertEqual(ack["ack_login"], "demo-tech")
        rep = self.ok(tech.json("GET", "/api/requests/%d/report" % rid))
        got = [c for c in rep["critical_results"] if c["id"] == crit["id"]][0]
        self.assertEqual(got["ack_login"], "demo-tech")
        self.assertIsNotNone(got["ack_at"])
        self.assertIsNone(got["escalated_at"])

        # A second one (category 2: 6 seconds here) is not acknowledged: it escalates.
        late = self.ok(reader.json("POST", "/api/requests/%d/report/critical" % rid,
                                   {"category": 2, "finding": "L1 椎体の病的骨折の疑い"}))
        open_ids = [c["id"] for c in self.ok(coord.json(
            "GET", "/api/critical-results?state=open"))["critical_results"]]
        self.assertIn(late["id"], open_ids)

        def escalated():
            out = self.ok(coord.json("GET", "/api/critical-results?state=overdue"))
            return [c for c in out["critical_results"]
                    if c["id"] == late["id"] and c["escalated_at"]]
        item = self.wait_for("the escalation", escalated, 30)[0]
        self.assertEqual(item["request_id"], rid)
        self.assertTrue(item["overdue"])
        self.assertTrue([r for r in self.server.audit_records("report.critical_escalate")
                         if mr in r.get("study_uids", [])])
        acked = self.ok(coord.json("GET", "/api/critical-results?state=acknowledged"))
        self.assertEqual([c["id"] for c in acked["critical_results"]], [crit["id"]])
        # Both were delivered to the hospital's webhook, each once.
        self.wait_for("the second webhook", lambda: len(self.hook.calls) >= 2, 30)
        ids = sorted(json.loads(c["body"])["critical_id"] for c in self.hook.calls)
        self.assertEqual(ids, sorted([crit["id"], late["id"]]))


if __name__ == "__main__":
    unittest.main()
