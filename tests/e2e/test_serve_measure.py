"""Measurements and key images through the real `dokuei serve --demo`: `dokuei demo generate`
writes a phantom with a known Cobb angle and slip, storescu sends its standing radiographs, the
request appears, the demo reader gets it and, with points on the true endplates of truth.json,
the server answers the built Cobb angle (within 0.5 degrees) and slip (within 1 %) with their
grades and the spacing it used; a key image with the Cobb overlay comes back as a PNG of the
instance's size, audited as study.view; the hospital can render it too."""
import json
import os
import struct
import subprocess
import tempfile
import time
import unittest

from harness import BIN, Server
from demo_session import DemoSession, demo_logins
from test_api_sessions import Browser, totp


def png_size(body):
    if body[:8] != b"\x89PNG\r\n\x1a\n" or body[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", body[16:24])


class ServeMeasureTest(DemoSession, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.phantom = tempfile.mkdtemp(prefix="dokuei-measure-")
        subprocess.run([BIN, "demo", "generate", "--out", cls.phantom, "--seed", "7",
                        "--cobb-deg", "31", "--apex-level", "T10", "--slip-percent", "27",
                        "--matrix", "64", "--mr-sagittal-slices", "3", "--mr-axial-slices", "2",
                        "--ct-slices", "2", "--xray-rows", "512", "--xray-cols", "256"],
                       check=True, capture_output=True, timeout=300)
        with open(os.path.join(cls.phantom, "truth.json")) as f:
            cls.truth = json.load(f)
        cls.server = Server(extra_args=["--demo", "--workflow-quiet-seconds", "2",
                                        "--workflow-tick-seconds", "1"],
                            env={"DOKUEI_LANG": "en"})
        cls.server.start(timeout=180)
        cls.creds = demo_logins(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        subprocess.run(["rm", "-rf", cls.phantom], check=False)

    def test_measure_on_the_phantom_and_render_a_key_image(self):
        dx = next(s for s in self.truth["studies"] if s["modality"] == "DX")
        series = {s["view"]: s for s in dx["series"]}
        ap, lateral = series["AP"], series["LL"]
        self.server.storescu([os.path.join(self.phantom, s["instances"][0]["file"])
                              for s in (ap, lateral)], aet="DOKUEI_DEMO")
        tech = self.sign_in("demo-tech")
        req = self.wait_for("the request", lambda: self.request_of(tech, dx["study_instance_uid"]))
        rid = req["id"]
        status, out, _ = tech.json("PATCH", "/api/requests/%d" % rid, {
            "clinical_question": "側弯の評価", "region": "whole_spine",
            "priority": "routine"})
        self.assertEqual(status, 200, out)
        reader = self.sign_in("demo-reader")
        self.wait_for("the assignment", lambda: (lambda r: r and r["state"] == "assigned")(
            self.request_of(tech, dx["study_instance_uid"])))
        status, out, _ = reader.json("POST", "/api/requests/%d/transitions" % rid,
                                     {"to": "reading"})
        self.assertEqual(status, 200, out)

        scoliosis = self.truth["findings"]["scoliosis"]
        upper, lower = scoliosis["upper_end_vertebra"], scoliosis["lower_end_vertebra"]
        marks = ap["landmarks_px"]
        sop = ap["instances"][0]["sop_instance_uid"]
        body = {"kind": "cobb", "instance": sop, "frame": 1, "id": "m1",
                "points": [marks[upper]["superior"]["right"], marks[upper]["superior"]["left"],
                           marks[lower]["inferior"]["right"], marks[lower]["inferior"]["left"]],
                "labels": {"upper": upper, "lower": lower}}
        status, out, _ = reader.json("POST", "/api/requests/%d/measurements" % rid, body)
        self.assertEqual(status, 200, out)
        cobb = out["measurement"]
        self.assertAlmostEqual(cobb["value"], scoliosis["cobb_deg"], delta=0.5)
        self.assertEqual(cobb["grade"], scoliosis["severity"])
        self.assertEqual(cobb["site"], upper + "-" + lower)
        self.assertEqual(cobb["spacing"], "PixelSpacing")

        listhesis = self.truth["findings"]["listhesis"]
        x = lateral["landmarks_px"]
        status, out, _ = reader.json("POST", "/api/requests/%d/measurements" % rid, {
            "kind": "slip", "instance": lateral["instances"][0]["sop_instance_uid"],
            "points": [x[listhesis["level"]]["inferior"]["posterior"],
                       x[listhesis["on"]]["superior"]["posterior"],
                       x[listhesis["on"]]["superior"]["anterior"]],
            "labels": {"upper": listhesis["level"], "lower": listhesis["on"]}})
        self.assertEqual(status, 200, out)
        self.assertAlmostEqual(out["measurement"]["value"], listhesis["slip_percent"], delta=1.0)
        self.assertEqual(out["measurement"]["grade"], listhesis["meyerding_grade"])

        # A measurement on an instance of another study is refused.
        status, out, _ = reader.json("POST", "/api/requests/%d/measurements" % rid,
                                     dict(body, instance="2.25.1"))
        self.assertEqual(status, 404, out)
        self.assertEqual(out["field"], "instance")

        key = {"instance": sop, "frame": 1, "measurements": [cobb],
               "annotations": [{"type": "measurement", "ref": "m1"},
                               {"type": "arrow", "points": [[30, 30], [120, 200]]}]}
        status, headers, png = reader.call("POST", "/api/requests/%d/key-images/render" % rid, key)
        self.assertEqual(status, 200, png[:300])
        self.assertEqual(headers["Content-Type"], "image/png")
        self.assertEqual(png_size(png), (256, 512))
        views = [r for r in self.server.audit_records("study.view")
                 if dx["study_instance_uid"] in r.get("study_uids", [])
                 and r.get("actor") == "demo-reader"]
        self.assertGreaterEqual(len(views), 1)

        # The hospital renders it too (it may read its request's report).
        status, headers, plain = tech.call(
            "GET", "/api/requests/%d/key-images/render?instance=%s&width=128" % (rid, sop))
        self.assertEqual(status, 200)
        self.assertEqual(png_size(plain), (128, 256))


if __name__ == "__main__":
    unittest.main()
