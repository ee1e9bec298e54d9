"""The reading loop through the real `dokuei serve --demo`: storescu sends a study, a reading
request appears by itself (ingest feeds the workflow), the hospital's technologist completes it
over the JSON API, after the quiet period the dispatcher assigns the demo reader (on the roster
`--demo` sets up), who signs in with TOTP enrolment and moves it to final; refused transitions
answer 409 / 403 with the allowed ones; the audit trail has a record per change. Also: an
instance the workflow never counted (its request lost, as after a crash between the index commit
and the queue) is recovered from the index at the next start."""
import json
import os
import sqlite3
import subprocess
import time
import unittest

from harness import Server, testdata
from demo_session import DemoSession, demo_logins
from test_api_sessions import Browser, totp

MR = testdata("transfer_syntaxes", "MR_small.dcm")
CT = testdata("transfer_syntaxes", "CT_small.dcm")


def study_uid_of(path):
    out = subprocess.run(["dcmdump", "+P", "StudyInstanceUID", path], capture_output=True,
                         check=True).stdout.decode()
    return out.split("[", 1)[1].split("]", 1)[0]



# A complete report in the common frame of spine-reporting.md.
REPORT = {
    "frame": 1, "clinical_question": "腰痛と左下肢しびれ",
    "technique": {"sequences": ["T1 sag", "T2 sag", "T2 ax"]},
    "comparison": {"prior": "none"}, "numbering": {"from": "sacrum"},
    "alignment": {"lordosis": "normal"}, "vertebrae": {"marrow": "normal"},
    "levels": [{"level": "L4-L5", "canal": "moderate"}, {"level": "L5-S1", "canal": "none"}],
    "cord": {"conus": "L1"}, "paraspinal": {}, "incidental": [],
    "impression": [{"text": "L4-L5 左優位の椎間板ヘルニア"}], "critical_communication": {},
}

class ServeWorkflowTest(DemoSession, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=["--demo", "--workflow-quiet-seconds", "2",
                                        "--workflow-tick-seconds", "1"],
                            env={"DOKUEI_LANG": "en"})
        cls.server.start(timeout=180)
        cls.creds = demo_logins(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_reading_loop_from_storescu_to_final(self):
        uid = study_uid_of(MR)
        self.server.storescu([MR], aet="DOKUEI_DEMO")
        tech = self.sign_in("demo-tech")
        req = self.wait_for("the auto-created request", lambda: self.request_of(tech, uid), 30)
        self.assertEqual(req["source"], "auto")
        self.assertFalse(req["details_complete"])
        self.assertEqual(req["modality"], "mr")
        self.assertEqual(req["instance_count"], 1)
        rid = req["id"]

        # The hospital completes it: clinical question (依頼コメント), side, region, priority.
        status, out, _ = tech.json("PATCH", "/api/requests/%d" % rid, {
            "clinical_question": "腰痛と左下肢しびれ。L4/5 椎間板ヘルニアの有無",
            "symptoms": "左下肢しびれ", "side": "left", "region": "lumbar", "priority": "stat"})
        self.assertEqual(status, 200, out)
        self.assertTrue(out["details_complete"])
        # Hospital staff may not start reading: 403 with what they may do.
        status, out, _ = tech.json("POST", "/api/requests/%d/transitions" % rid, {"to": "reading"})
        self.assertIn(status, (403, 409), out)
        self.assertIn("allowed", out)

        reader = self.sign_in("demo-reader")
        reader_id = reader.user["id"]
        assigned = self.wait_for(
            "the dispatcher to assign the demo reader",
            lambda: (lambda r: r if r and r["state"] == "assigned" else None)(
                self.request_of(tech, uid)), 60)
        self.assertEqual(assigned["reader_id"], reader_id)

        status, mine, _ = reader.json("GET", "/api/requests?mine=true")
        self.assertEqual(status, 200, mine)
        self.assertIn(rid, [r["id"] for r in mine["requests"]])
        status, got, _ = reader.json("GET", "/api/requests/%d" % rid)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["clinical_question"], "腰痛と左下肢しびれ。L4/5 椎間板ヘルニアの有無")
        self.assertEqual(sorted(got["allowed_transitions"]), ["reading", "ready"])

        status, out, headers = reader.json("POST", "/api/requests/%d/transitions" % rid,
                                           {"to": "final"})
        self.assertEqual(status, 409, out)
        self.assertTrue(headers["Content-Type"].startswith("application/problem+json"))
        self.assertEqual(sorted(out["allowed"]), ["reading", "ready"])
        status, out, _ = reader.json("POST", "/api/requests/%d/transitions" % rid,
                                     {"to": "final"}, headers={"Accept-Language": "ja"})
        self.assertIn("可能な変更", out["detail"])
        status, out, _ = reader.json("POST", "/api/requests/%d/transitions" % rid,
                                     {"to": "reading"})
        self.assertEqual(status, 200, out)
        self.assertEqual(out["state"], "reading")
        # The report: a draft, then the final signature moves the request to final.
        status, out, _ = reader.json("PUT", "/api/requests/%d/report/draft" % rid,
                                     {"content": REPORT})
        self.assertEqual(status, 200, out)
        status, out, _ = reader.json("POST", "/api/requests/%d/report/sign" % rid,
                                     {"kind": "final"})
        self.assertEqual(status, 200, out)
        self.assertEqual(out["request_state"], "final")
        self.assertEqual(out["release"], "released")
        status, out, _ = tech.json("GET", "/api/requests/%d/report" % rid)
        self.assertEqual(status, 200, out)
        self.assertEqual(len(out["versions"]), 1)
        self.assertEqual(out["current"]["impression"][0]["text"], "L4-L5 左優位の椎間板ヘルニア")
        status, out, _ = reader.json("PUT", "/api/requests/%d/report/draft" % rid,
                                     {"content": REPORT})
        self.assertEqual(status, 409, out)
        # Without the CSRF header a cookie session changes nothing.
        status, _, _ = reader.call("POST", "/api/requests/%d/transitions" % rid,
                                   {"to": "addendum"}, csrf=False)
        self.assertEqual(status, 403)

        # The release step hands the released report over and the request becomes delivered
        # (a report without a template is released in the app only: nothing to send).
        self.wait_for("the request to be delivered", lambda: (lambda r: r and r["state"] ==
                                                              "delivered")(
            self.request_of(tech, uid)), 30)
        status, out, _ = tech.json("GET", "/api/requests/%d/history" % rid)
        self.assertEqual([h["action"] for h in out["history"]],
                         ["create", "update", "ready", "assign", "start", "sign", "deliver"])
        for action in ("request.create", "request.update", "request.ready", "request.assign",
                       "request.start", "request.sign"):
            recs = [r for r in self.server.audit_records(action) if uid in r.get("study_uids", [])]
            self.assertEqual(len(recs), 1, action)
        sign = [r for r in self.server.audit_records("request.sign") if uid in r["study_uids"]][0]
        self.assertEqual(sign["actor"], "demo-reader")

    def test_arrivals_lost_before_a_restart_are_recovered_from_the_index(self):
        uid = study_uid_of(CT)
        self.server.storescu([CT], aet="DOKUEI_DEMO")
        tech = self.sign_in("demo-tech")
        self.wait_for("the request", lambda: self.request_of(tech, uid), 30)
        # As if the server had died between the index commit and recording the arrival: the
        # workflow knows nothing of the study.
        self.server.stop()
        sql = [
            "DELETE FROM workflow_escalations WHERE request_id IN"
            " (SELECT id FROM workflow_requests WHERE study_uid = '%s')" % uid,
            "DELETE FROM workflow_history WHERE request_id IN"
            " (SELECT id FROM workflow_requests WHERE study_uid = '%s')" % uid,
            "DELETE FROM workflow_request_series WHERE request_id IN"
            " (SELECT id FROM workflow_requests WHERE study_uid = '%s')" % uid,
            "DELETE FROM workflow_requests WHERE study_uid = '%s'" % uid,
        ]
        if self.server.pg:
            subprocess.run(["psql", self.server.pg, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                            ";".join(sql)], check=True, capture_output=True)
        else:
            db = sqlite3.connect(os.path.join(self.server.data_dir, "index.sqlite"))
            for s in sql:
                db.execute(s)
            db.commit()
            db.close()
        self.server.start(timeout=180)
        tech = self.sign_in("demo-tech")
        req = self.wait_for("the recovered request", lambda: self.request_of(tech, uid), 30)
        self.assertEqual(req["instance_count"], 1)
        self.assertEqual(req["modality"], "ct")
        self.assertIn("instances stored before the last stop recorded now", self.server.read_log())


if __name__ == "__main__":
    unittest.main()
