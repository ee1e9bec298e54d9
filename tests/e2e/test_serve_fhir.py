"""FHIR R4 ServiceRequest through the real `dokuei serve`: curl posts the FHIR samples of
src/intake/testdata with a hospital's gateway token. The order is created (201, Location, the
identifiers echoed), a resend with the same placer identifier answers 200 with the same request,
GET returns it as a ServiceRequest (another hospital: 404), a draft is refused with an
OperationOutcome, and an order without its study (accession number only) gets the study that
storescu later sends with that AccessionNumber: serve's ingest feed attaches it instead of
creating a second request. The routes are in the OpenAPI document."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import Server, testdata

SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "intake",
                       "testdata")
LUMBAR = os.path.join(SAMPLES, "fhir_servicerequest_lumbar_mr_stat.json")
ACCESSION_ONLY = os.path.join(SAMPLES, "fhir_servicerequest_accession_only_cervical_xray.json")
DRAFT = os.path.join(SAMPLES, "fhir_servicerequest_error_draft.json")
FHIR = "Content-Type: application/fhir+json"


def identifiers(sr):
    out = {}
    for i in sr.get("identifier", []):
        if i.get("system") == "urn:dicom:uid":
            out["uid"] = i["value"]
        else:
            out[i["type"]["coding"][0]["code"]] = i["value"]
    return out


def header(headers_text, name):
    for line in headers_text.splitlines():
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return None


class ServeFhirTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=["--workflow-quiet-seconds", "2",
                                        "--workflow-tick-seconds", "1"],
                            env={"DOKUEI_LANG": "en"})
        cls.server.start(timeout=180)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def post(self, path, tenant="hospital-a"):
        status, headers, body = self.server.curl("/api/fhir/ServiceRequest", tenant=tenant,
                                                 method="POST", headers=[FHIR], data_file=path)
        return status, headers, json.loads(body) if body else None

    def get(self, path, tenant="hospital-a"):
        status, headers, body = self.server.curl(path, tenant=tenant)
        return status, headers, json.loads(body) if body else None

    def test_post_get_and_resend(self):
        status, headers, sr = self.post(LUMBAR)
        self.assertEqual(status, 201, sr)
        self.assertTrue(header(headers, "Content-Type").startswith("application/fhir+json"))
        self.assertEqual(sr["resourceType"], "ServiceRequest")
        location = header(headers, "Location")
        self.assertEqual(location, "/api/fhir/ServiceRequest/" + sr["id"])
        ids = identifiers(sr)
        self.assertEqual(ids["PLAC"], "ORD-2026-0101")
        self.assertEqual(ids["ACSN"], "ACC-778002")
        self.assertEqual(ids["uid"],
                         "urn:oid:1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778002")
        self.assertEqual(sr["priority"], "stat")

        status, _, again = self.post(LUMBAR)
        self.assertEqual(status, 200, again)
        self.assertEqual(again["id"], sr["id"])

        status, _, got = self.get(location)
        self.assertEqual(status, 200, got)
        self.assertEqual(identifiers(got)["PLAC"], "ORD-2026-0101")
        status, _, req = self.get("/api/requests/" + sr["id"])
        self.assertEqual(status, 200, req)
        self.assertEqual(req["source"], "fhir")
        self.assertEqual(req["placer_order_number"], "ORD-2026-0101")
        # Another hospital cannot see it.
        status, _, other = self.get(location, tenant="hospital-b")
        self.assertEqual(status, 404, other)
        self.assertEqual(other["resourceType"], "OperationOutcome")
        # One request.create record, by the gateway token, for the first POST only.
        creates = [r for r in self.server.audit_records("request.create")
                   if '"reading request %s"' % sr["id"] in json.dumps(r, ensure_ascii=False)]
        self.assertEqual(len(creates), 1, creates)

    def test_a_draft_is_refused_with_an_operation_outcome(self):
        status, _, oo = self.post(DRAFT)
        self.assertEqual(status, 422, oo)
        self.assertEqual(oo["resourceType"], "OperationOutcome")
        self.assertEqual(oo["issue"][0]["expression"], ["ServiceRequest.status"])

    def test_the_order_gets_its_study_by_accession_number(self):
        status, _, sr = self.post(ACCESSION_ONLY)
        self.assertEqual(status, 201, sr)
        self.assertNotIn("uid", identifiers(sr))
        rid = sr["id"]
        # The modality sends the study with the order's AccessionNumber.
        work = tempfile.mkdtemp(prefix="dokuei-fhir-")
        try:
            ct = os.path.join(work, "ct.dcm")
            shutil.copy(testdata("transfer_syntaxes", "CT_small.dcm"), ct)
            subprocess.run(["dcmodify", "-nb", "-i", "(0008,0050)=ACC-778003", ct], check=True,
                           capture_output=True)
            out = subprocess.run(["dcmdump", "+P", "StudyInstanceUID", ct], capture_output=True,
                                 check=True).stdout.decode()
            uid = out.split("[", 1)[1].split("]", 1)[0]
            self.server.storescu([ct], aet="MODALITY_A")
        finally:
            shutil.rmtree(work)
        deadline = time.time() + 30
        got = None
        while time.time() < deadline:
            status, _, got = self.get("/api/fhir/ServiceRequest/" + rid)
            self.assertEqual(status, 200, got)
            if "uid" in identifiers(got):
                break
            time.sleep(0.25)
        self.assertEqual(identifiers(got).get("uid"), "urn:oid:" + uid,
                         self.server.read_log()[-3000:])
        status, _, listed = self.get("/api/requests?limit=1000")
        self.assertEqual(status, 200, listed)
        mine = [r for r in listed["requests"] if r["study_uid"] == uid]
        self.assertEqual(len(mine), 1, listed)  # attached, not a second (auto) request
        self.assertEqual(str(mine[0]["id"]), rid)
        self.assertEqual(mine[0]["instance_count"], 1)
        self.assertEqual(len(self.server.audit_records("request.attach")), 1)

    def test_the_routes_are_in_the_openapi_document(self):
        status, _, doc = self.server.curl("/api/openapi.json", auth=False)
        self.assertEqual(status, 200)
        paths = json.loads(doc)["paths"]
        self.assertIn("post", paths["/api/fhir/ServiceRequest"])
        self.assertIn("get", paths["/api/fhir/ServiceRequest/{id}"])


if __name__ == "__main__":
    unittest.main()
