"""A structured spine report from points to the hospital's PACS, through the real
`dokuei serve --demo`: a phantom with a known Cobb angle and slip arrives by storescu, the
demo reader measures on it, writes a whole-spine X-ray report in the xr-whole template with the
measurements and a key image, and signs it; the release step builds the PDF, the DICOM SR and
the Encapsulated PDF and delivers them by C-STORE to a real DCMTK storescp (the hospital's
PACS, configured as a delivery destination through the API), and the request becomes
delivered. The SR passes dsrdump, the PDF inside the Encapsulated PDF states the findings in
Japanese (pdftotext), the English PDF is there on request, and an addendum is delivered the
same way, naming the version it amends."""
import glob
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import tempfile
import threading
import unittest

from harness import BIN, Server, free_port, wait_for_port
from demo_session import DemoSession, demo_logins
from test_api_sessions import Browser, totp

LEVELS = ["C2-C3", "C3-C4", "C4-C5", "C5-C6", "C6-C7", "C7-T1", "T1-T2", "T2-T3", "T3-T4",
          "T4-T5", "T5-T6", "T6-T7", "T7-T8", "T8-T9", "T9-T10", "T10-T11", "T11-T12", "T12-L1",
          "L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"]


class MllpSink(socketserver.ThreadingTCPServer):
    """The hospital's RIS: an HL7 v2 receiver over MLLP that answers every message with AA."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.messages = []
        super().__init__(("127.0.0.1", 0), MllpHandler)


class MllpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        buf = b""
        while True:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            buf += chunk
            while b"\x1c\r" in buf:
                frame, buf = buf.split(b"\x1c\r", 1)
                message = frame.lstrip(b"\x0b").decode("utf-8")
                self.server.messages.append(message)
                control = message.split("\r", 1)[0].split("|")[9]
                ack = ("MSH|^~\\&|RIS|HOSP|DOKUEI|CENTRE|20261125120000||ACK^R01|A%s|P|2.5\r"
                       "MSA|AA|%s\r" % (control, control))
                self.request.sendall(b"\x0b" + ack.encode() + b"\x1c\r")


class FhirSink(http.server.ThreadingHTTPServer):
    """The hospital's FHIR server: keeps what is POSTed and answers 200."""
    daemon_threads = True

    def __init__(self):
        self.posts = []
        super().__init__(("127.0.0.1", 0), FhirHandler)


class FhirHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.posts.append({"path": self.path, "headers": dict(self.headers), "body": body})
        out = json.dumps({"resourceType": "Bundle", "type": "transaction-response"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def pdf_text(pdf_bytes):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf_bytes)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True,
                              check=True).stdout.decode()


class ServePublishTest(DemoSession, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.phantom = tempfile.mkdtemp(prefix="dokuei-publish-")
        subprocess.run([BIN, "demo", "generate", "--out", cls.phantom, "--seed", "11",
                        "--cobb-deg", "31", "--apex-level", "T10", "--slip-percent", "27",
                        "--matrix", "64", "--mr-sagittal-slices", "3", "--mr-axial-slices", "2",
                        "--ct-slices", "2", "--xray-rows", "512", "--xray-cols", "256"],
                       check=True, capture_output=True, timeout=300)
        with open(os.path.join(cls.phantom, "truth.json")) as f:
            cls.truth = json.load(f)
        # The hospital's PACS: DCMTK's storescp, keeping what it receives.
        cls.pacs_dir = tempfile.mkdtemp(prefix="dokuei-pacs-")
        cls.pacs_port = free_port()
        cls.pacs = subprocess.Popen(["storescp", "--aetitle", "HOSP_PACS", "--output-directory",
                                     cls.pacs_dir, str(cls.pacs_port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(cls.pacs_port)
        # The hospital's RIS (HL7 over MLLP) and FHIR server.
        cls.ris, cls.fhir = MllpSink(), FhirSink()
        for srv in (cls.ris, cls.fhir):
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        cls.server = Server(extra_args=["--demo", "--workflow-quiet-seconds", "2",
                                        "--workflow-tick-seconds", "1"])
        cls.server.start(timeout=180)
        cls.creds = demo_logins(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        for srv in (cls.ris, cls.fhir):
            srv.shutdown()
            srv.server_close()
        cls.pacs.terminate()
        cls.pacs.wait(timeout=10)
        shutil.rmtree(cls.pacs_dir, ignore_errors=True)
        shutil.rmtree(cls.phantom, ignore_errors=True)

    def request(self, browser, rid):
        status, out, _ = browser.json("GET", "/api/requests/%d" % rid)
        self.assertEqual(status, 200, out)
        return out

    def pacs_files(self):
        return sorted(glob.glob(os.path.join(self.pacs_dir, "*")))

    def report_content(self, cobb, slip, sop, scoliosis, listhesis):
        upper, lower = scoliosis["upper_end_vertebra"], scoliosis["lower_end_vertebra"]
        levels = []
        for name in LEVELS:
            if name == listhesis["level"] + "-" + listhesis["on"]:
                levels.append({"level": name, "listhesis.grade": slip["grade"],
                               "listhesis.direction": "antero", "listhesis.type": "degenerative",
                               "listhesis.percent": round(slip["value"], 1),
                               "pars": {"left": "intact", "right": "intact"},
                               "disc.narrowing": "mild", "osteophytes": "mild",
                               "most_severe": True})
            else:
                levels.append({"level": name, "normal": True})
        return {
            "frame": 1, "template": {"id": "xr-whole", "version": "1"},
            "clinical_question": "側弯の評価と腰椎すべりの有無",
            "technique": {"views": ["ap", "lateral"], "standing": True},
            "comparison": {"prior": "none"},
            "numbering": {"transitional": "none", "counted_from": "c2"},
            "alignment": {"scoliosis": cobb["grade"], "lordosis": "normal",
                          "curves": [{"cobb": round(cobb["value"], 1), "upper": upper,
                                      "lower": lower, "apex": scoliosis["apex"],
                                      "convexity": scoliosis["convexity"],
                                      "severity": cobb["grade"]}]},
            "vertebrae": {"fracture": "none"},
            "levels": levels,
            "cord": {}, "paraspinal": {}, "incidental": [],
            "impression": [
                {"text": "胸腰椎の側弯 (Cobb角 %.0f°) を認めます。" % cobb["value"],
                 "answers_question": True, "figures": [1]},
                {"text": "%s/%s の変性すべりを認めます。" % (listhesis["level"],
                                                            listhesis["on"][0:1] +
                                                            listhesis["on"][1:]),
                 "levels": [listhesis["level"] + "-" + listhesis["on"]]}],
            "critical_communication": {"category": "none"},
            "measurements": [cobb, slip],
            "key_images": [{"instance": sop, "frame": 1,
                            "annotations": [{"type": "measurement", "ref": cobb["id"]}],
                            "caption": {"ja": "立位全脊椎正面像 Cobb角",
                                        "en": "Standing AP, Cobb angle"}}],
        }

    def test_signed_report_reaches_the_pacs_as_sr_and_pdf(self):
        admin = self.sign_in("demo-admin")
        status, out, _ = admin.json("POST", "/api/tenants/demo-hospital/delivery-destinations", {
            "kind": "dicom", "name": "院内PACS", "ae_title": "HOSP_PACS", "host": "127.0.0.1",
            "port": self.pacs_port})
        self.assertEqual(status, 201, out)
        status, out, _ = admin.json("POST", "/api/tenants/demo-hospital/delivery-destinations", {
            "kind": "hl7", "name": "RIS", "host": "127.0.0.1",
            "port": self.ris.server_address[1]})
        self.assertEqual(status, 201, out)
        status, out, _ = admin.json("POST", "/api/tenants/demo-hospital/delivery-destinations", {
            "kind": "fhir", "name": "FHIR", "bearer_token": "hospital-secret",
            "url": "http://127.0.0.1:%d/fhir" % self.fhir.server_address[1]})
        self.assertEqual(status, 201, out)

        dx = next(s for s in self.truth["studies"] if s["modality"] == "DX")
        series = {s["view"]: s for s in dx["series"]}
        ap, lateral = series["AP"], series["LL"]
        self.server.storescu([os.path.join(self.phantom, s["instances"][0]["file"])
                              for s in (ap, lateral)], aet="DOKUEI_DEMO")
        tech = self.sign_in("demo-tech")

        def find():
            status, out, _ = tech.json("GET", "/api/requests?limit=1000")
            return next((r for r in out["requests"]
                         if r["study_uid"] == dx["study_instance_uid"]), None)
        rid = self.wait_for("the request", find)["id"]
        status, out, _ = tech.json("PATCH", "/api/requests/%d" % rid, {
            "clinical_question": "側弯の評価と腰椎すべりの有無", "region": "whole_spine",
            "priority": "routine"})
        self.assertEqual(status, 200, out)
        reader = self.sign_in("demo-reader")
        self.wait_for("the assignment",
                      lambda: self.request(tech, rid)["state"] == "assigned")
        status, out, _ = reader.json("POST", "/api/requests/%d/transitions" % rid,
                                     {"to": "reading"})
        self.assertEqual(status, 200, out)

        # Measurements from points on the phantom's true endplates.
        scoliosis = self.truth["findings"]["scoliosis"]
        listhesis = self.truth["findings"]["listhesis"]
        upper, lower = scoliosis["upper_end_vertebra"], scoliosis["lower_end_vertebra"]
        marks = ap["landmarks_px"]
        sop = ap["instances"][0]["sop_instance_uid"]
        status, out, _ = reader.json("POST", "/api/requests/%d/measurements" % rid, {
            "kind": "cobb", "instance": sop, "frame": 1, "id": "m1",
            "points": [marks[upper]["superior"]["right"], marks[upper]["superior"]["left"],
                       marks[lower]["inferior"]["right"], marks[lower]["inferior"]["left"]],
            "labels": {"upper": upper, "lower": lower}})
        self.assertEqual(status, 200, out)
        cobb = out["measurement"]
        x = lateral["landmarks_px"]
        status, out, _ = reader.json("POST", "/api/requests/%d/measurements" % rid, {
            "kind": "slip", "id": "m2", "instance": lateral["instances"][0]["sop_instance_uid"],
            "points": [x[listhesis["level"]]["inferior"]["posterior"],
                       x[listhesis["on"]]["superior"]["posterior"],
                       x[listhesis["on"]]["superior"]["anterior"]],
            "labels": {"upper": listhesis["level"], "lower": listhesis["on"]}})
        self.assertEqual(status, 200, out)
        slip = out["measurement"]

        content = self.report_content(cobb, slip, sop, scoliosis, listhesis)
        status, out, _ = reader.json("PUT", "/api/requests/%d/report/draft" % rid,
                                     {"content": content})
        self.assertEqual(status, 200, out)
        status, out, _ = reader.json("POST", "/api/requests/%d/report/checks" % rid, {})
        self.assertEqual(status, 200, out)
        self.assertEqual(out["errors"], [], out)
        body = {"kind": "final"}
        if out["warnings"]:
            body["override"] = {"reason": "確認済み"}
        status, out, _ = reader.json("POST", "/api/requests/%d/report/sign" % rid, body)
        self.assertEqual(status, 200, out)

        # Released -> delivered, and the SR and the Encapsulated PDF at the PACS.
        self.wait_for("the request to be delivered",
                      lambda: self.request(tech, rid)["state"] == "delivered")
        files = self.wait_for("two objects at the PACS",
                              lambda: (lambda f: f if len(f) >= 2 else None)(self.pacs_files()))
        self.assertEqual(len(files), 2, files)
        sr = [f for f in files if os.path.basename(f).startswith("SR")]
        pdf_objects = [f for f in files if os.path.basename(f).startswith("PDF")]
        self.assertEqual(len(sr), 1, files)
        self.assertEqual(len(pdf_objects), 1, files)
        dump = subprocess.run(["dsrdump", sr[0]], capture_output=True, check=True)
        text = dump.stdout.decode("utf-8", "replace")
        self.assertIn("Imaging Measurement Report", text)
        self.assertIn(dx["study_instance_uid"], subprocess.run(
            ["dcmdump", "+P", "StudyInstanceUID", sr[0]], capture_output=True,
            check=True).stdout.decode())
        extracted = os.path.join(self.pacs_dir, "report.pdf.out")
        subprocess.run(["dcm2pdf", pdf_objects[0], extracted], check=True, capture_output=True)
        with open(extracted, "rb") as f:
            ja_pdf = f.read()
            ja = pdf_text(ja_pdf)
        keep = os.environ.get("DOKUEI_PUBLISH_OUT")  # keep the PDFs for a look by eye
        if keep:
            with open(os.path.join(keep, "report-ja.pdf"), "wb") as f:
                f.write(ja_pdf)
        self.assertIn("読影レポート", ja)
        self.assertIn("側弯", ja)
        self.assertIn("図1", ja)
        self.assertIn("Cobb", ja)
        os.remove(extracted)

        def all_delivered():
            status, out, _ = tech.json("GET", "/api/requests/%d/deliveries" % rid)
            self.assertEqual(status, 200, out)
            rows = out["deliveries"]
            return rows if rows and all(r["state"] == "delivered" for r in rows) else None
        rows = self.wait_for("every artefact delivered", all_delivered)
        self.assertEqual(sorted(r["artifact"] for r in rows), ["fhir", "hl7", "pdf", "sr"], rows)

        # The RIS got the ORU^R01 with the report text and the PDF (OBX ED, base64 of "%PDF-").
        self.assertEqual(len(self.ris.messages), 1)
        oru = self.ris.messages[0]
        self.assertIn("ORU^R01", oru.split("\r", 1)[0])
        self.assertIn("側弯", oru)
        self.assertIn("^application^pdf^Base64^JVBERi0", oru)
        self.assertIn("\rOBR|", oru)
        # The FHIR server got the transaction Bundle with the bearer token.
        self.assertEqual(len(self.fhir.posts), 1)
        post = self.fhir.posts[0]
        self.assertEqual(post["headers"].get("Authorization"), "Bearer hospital-secret")
        bundle = json.loads(post["body"])
        self.assertEqual(bundle["resourceType"], "Bundle")
        self.assertEqual(bundle["type"], "transaction")
        report = bundle["entry"][0]["resource"]
        self.assertEqual(report["resourceType"], "DiagnosticReport")
        self.assertEqual(report["status"], "final")
        self.assertEqual(report["presentedForm"][0]["contentType"], "application/pdf")
        self.assertTrue(any(e["resource"]["resourceType"] == "Observation"
                            for e in bundle["entry"]))

        # The hospital reads the same report in English on request, and as JSON.
        status, headers, pdf = tech.call("GET", "/api/requests/%d/report/versions/1/pdf?lang=en"
                                         % rid)
        self.assertEqual(status, 200, pdf[:300])
        self.assertEqual(headers["Content-Type"], "application/pdf")
        en = pdf_text(pdf)
        if keep:
            with open(os.path.join(keep, "report-en.pdf"), "wb") as f:
                f.write(pdf)
        self.assertIn("Radiology report", en)
        self.assertIn("scoliosis", en.lower())
        status, doc, _ = tech.json("GET", "/api/requests/%d/report/versions/1/document" % rid)
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["figures"][0]["number"], 1)
        self.assertTrue(doc["impression"])
        self.assertEqual(doc["signers"][0]["role"], "reader")
        # Another hospital's request, or a version that does not exist: 404.
        status, out, _ = tech.json("GET", "/api/requests/%d/report/versions/9/pdf" % rid)
        self.assertEqual(status, 404, out)

        # An addendum is delivered the same way, naming the version it amends.
        status, out, _ = reader.json("POST", "/api/requests/%d/transitions" % rid,
                                     {"to": "addendum"})
        self.assertEqual(status, 200, out)
        content["impression"].append({"text": "追記: 屈曲・伸展位での不安定性の評価を推奨します。"})
        body = {"content": content, "reason": "推奨事項の追記"}
        status, out, _ = reader.json("POST", "/api/requests/%d/report/addendum" % rid, body)
        if status == 422 and not out.get("errors"):
            body["override"] = {"reason": "確認済み"}
            status, out, _ = reader.json("POST", "/api/requests/%d/report/addendum" % rid, body)
        self.assertEqual(status, 200, out)
        files = self.wait_for("the addendum at the PACS",
                              lambda: (lambda f: f if len(f) >= 4 else None)(self.pacs_files()))
        new_sr = [f for f in files if os.path.basename(f).startswith("SR") and f not in sr]
        self.assertEqual(len(new_sr), 1, files)
        dump = subprocess.run(["dcmdump", new_sr[0]], capture_output=True, check=True)
        self.assertIn("PredecessorDocumentsSequence", dump.stdout.decode("utf-8", "replace"))
        self.wait_for("the request to be delivered again",
                      lambda: self.request(tech, rid)["state"] == "delivered")


if __name__ == "__main__":
    unittest.main()
