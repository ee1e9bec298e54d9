"""Assignment-based DICOMweb access through the real `dokuei serve --demo`
(docs/design/reader-access.md): the demo hospital sends two studies over DICOM, the dispatcher
assigns the reading request of one to the demo reader, whose session then retrieves that study
over WADO-RS and finds it with QIDO-RS, while the other study of the same hospital answers 404 like
a UID that does not exist; the read is audited under the hospital. A coordinator reassigns the
request to another reader: the first loses the study at once, the second reads it."""
import json
import os
import subprocess
import time
import unittest

from harness import Server, testdata
from demo_session import DemoSession, demo_logins
from test_api_sessions import Browser, totp

MR = testdata("transfer_syntaxes", "MR_small.dcm")
CT = testdata("transfer_syntaxes", "CT_small.dcm")
PASSWORD = "Kq7#vTz2-mWp9!rLx"


def study_uid_of(path):
    out = subprocess.run(["dcmdump", "+P", "StudyInstanceUID", path], capture_output=True,
                         check=True).stdout.decode()
    return out.split("[", 1)[1].split("]", 1)[0]


class ServeReaderAccessTest(DemoSession, unittest.TestCase):

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

    def metadata(self, browser, study_uid):
        status, _, raw = browser.call("GET", "/dicom-web/studies/%s/metadata" % study_uid)
        return status, raw

    def qido_studies(self, browser):
        status, _, raw = browser.call("GET", "/dicom-web/studies")
        self.assertEqual(status, 200, raw)
        return sorted(m["0020000D"]["Value"][0] for m in json.loads(raw or b"[]"))

    def centre_user(self, admin, centre, login, role):
        status, out, _ = admin.json("POST", "/api/tenants/%s/users" % centre, {
            "login": login, "display_name": login, "roles": [role], "password": PASSWORD})
        self.assertEqual(status, 201, out)
        return out["id"] if "id" in out else out["user"]["id"]

    def test_reader_reads_the_assigned_study_only_and_loses_it_on_reassignment(self):
        mr, ct = study_uid_of(MR), study_uid_of(CT)
        self.server.storescu([MR, CT], aet="DOKUEI_DEMO")
        tech = self.sign_in("demo-tech")
        admin = self.sign_in("demo-admin")
        centre = admin.user["tenant"]["code"]
        coord_id = self.centre_user(admin, centre, "e2e-coord", "coordinator")
        reader2_id = self.centre_user(admin, centre, "e2e-reader2", "reader")
        self.assertTrue(coord_id)
        status, out, _ = admin.json("PUT", "/api/readers/%d/profile" % reader2_id,
                                    {"years_of_experience": 18, "subspecialties": ["spine"]})
        self.assertEqual(status, 200, out)
        coord = self.sign_in("e2e-coord", PASSWORD)

        # The CT request is cancelled by the coordinator: its study stays the hospital's only.
        ct_req = self.wait_for("the CT request", lambda: self.request_of(tech, ct), 30)
        status, out, _ = coord.json("POST", "/api/requests/%d/transitions" % ct_req["id"],
                                    {"to": "cancelled", "reason": "e2e"})
        self.assertEqual(status, 200, out)
        reader = self.sign_in("demo-reader")
        req = self.wait_for(
            "the dispatcher to assign the MR request",
            lambda: (lambda r: r if r and r["state"] == "assigned" else None)(
                self.request_of(tech, mr)), 60)
        self.assertEqual(req["reader_id"], reader.user["id"])

        # The assigned study: metadata, the instances, QIDO; the other study: 404 like nothing.
        status, raw = self.metadata(reader, mr)
        self.assertEqual(status, 200, raw)
        self.assertIn(mr, raw.decode())
        status, _, raw = reader.call("GET", "/dicom-web/studies/%s" % mr,
                                     headers={"Accept": "multipart/related; type=\"application/dicom\""})
        self.assertEqual(status, 200)
        self.assertGreater(len(raw), 1000)
        # (the demo's own phantom studies are assigned to the demo reader too)
        found = self.qido_studies(reader)
        self.assertIn(mr, found)
        self.assertNotIn(ct, found)
        status, other = self.metadata(reader, ct)
        self.assertEqual(status, 404)
        status, missing = self.metadata(reader, "1.2.3.4.5.6.7.8.9")
        self.assertEqual(other, missing)
        # The hospital still reads both; the read is audited under the hospital by the reader.
        self.assertEqual(self.metadata(tech, ct)[0], 200)
        reads = [r for r in self.server.audit_records("study.retrieve")
                 if mr in r.get("study_uids", []) and r.get("actor") == "demo-reader"]
        self.assertTrue(reads)
        self.assertNotEqual(reads[0]["tenant_id"], reads[0].get("actor_tenant_id"))

        # Reassigned by the coordinator: the demo reader loses it, the new reader has it.
        status, out, _ = coord.json("POST", "/api/requests/%d/assign" % req["id"], {
            "reader_id": reader2_id, "slot": "reader", "reason": "交代"})
        self.assertEqual(status, 200, out)
        self.assertEqual(self.metadata(reader, mr)[0], 404)
        self.assertNotIn(mr, self.qido_studies(reader))
        reader2 = self.sign_in("e2e-reader2", PASSWORD)
        self.assertEqual(self.metadata(reader2, mr)[0], 200)
        self.assertEqual(self.metadata(reader2, ct)[0], 404)
        # The coordinator opens the study of a request, not the cancelled one's.
        self.assertEqual(self.metadata(coord, mr)[0], 200)
        self.assertEqual(self.metadata(coord, ct)[0], 404)


if __name__ == "__main__":
    unittest.main()
