"""Bad input against the real binary: every malformed file over STOW-RS and C-STORE, hostile HTTP
(4 GB Content-Length, multipart without boundary, unterminated body, no credentials), unknown
calling AE titles, and secure defaults. Each gets a clear refusal, nothing is stored, and the
server keeps serving."""
import json
import os
import re
import socket
import subprocess
import time
import unittest

from harness import BIN, NET_ENV, Server, ServerTestCase, testdata

# Valid DICOM that happens to live in malformed/ (a correct parser reads its fragments by length).
ACCEPTABLE = {"JPEG2000-embedded-sequence-delimiter.dcm"}
# Malformed only as files (no File Meta Information): storescu reads the data set and sends it
# well-formed over DIMSE, where it is valid. Both hold the same SOP instance.
VALID_AS_DATA_SET = {"ExplVR_BigEndNoMeta.dcm", "ExplVR_LitEndNoMeta.dcm"}


def malformed_files():
    out = []
    for root, _, files in os.walk(testdata("malformed")):
        out += [os.path.join(root, f) for f in sorted(files)]
    return sorted(out)


class BadInputTest(ServerTestCase):

    def stored_count(self, tenant="hospital-a"):
        status, _, body = self.server.curl("/dicom-web/instances?limit=1000", tenant=tenant,
                                           headers=["Accept: application/dicom+json"])
        self.assertEqual(status, 200)
        return len(json.loads(body)) if body else 0

    def stow(self, payload, content_type='multipart/related; type="application/dicom"; boundary=XYZ'):
        return self.server.curl("/dicom-web/studies", method="POST", data=payload,
                                headers=["Content-Type: " + content_type, "Accept: application/dicom+json"])

    def assert_problem(self, status, headers, body, lo=400, hi=499):
        self.assertGreaterEqual(status, lo, body[:300])
        self.assertLessEqual(status, hi, body[:300])
        self.assertRegex(headers, re.compile(r"content-type: application/(problem\+json|dicom\+json)", re.I))
        doc = json.loads(body)
        self.assertTrue(doc, "empty problem body")
        return doc

    def test_every_malformed_file_over_stow_is_refused_and_nothing_is_stored(self):
        before = self.stored_count()
        accepted = 0
        for path in malformed_files():
            name = os.path.basename(path)
            with self.subTest(file=name):
                data = open(path, "rb").read()
                status, headers, body = self.stow(b"--XYZ\r\nContent-Type: application/dicom\r\n\r\n" + data + b"\r\n--XYZ--\r\n")
                if name in ACCEPTABLE:
                    self.assertEqual(status, 200, body[:300])
                    accepted += 1
                    continue
                doc = self.assert_problem(status, headers, body)
                # Per-instance failure: the STOW response names the reason (FailedSOPSequence with
                # FailureReason), or a problem body explains it.
                text = json.dumps(doc)
                self.assertTrue("00081198" in text or "detail" in doc, text[:300])
        self.assertEqual(self.stored_count(), before + accepted)
        code, summary = self.server.fsck()
        self.assertEqual(code, 0, summary)
        self.assertEqual(summary["orphans"], 0)

    def test_malformed_data_sets_over_cstore_get_a_failure_status_with_a_comment(self):
        before = self.stored_count()
        sent = 0
        for path in malformed_files():
            name = os.path.basename(path)
            if name in ACCEPTABLE:
                continue
            with self.subTest(file=name):
                p = self.server.storescu([path], extra=["-R", "-xs", "-d"], check=False)
                if name in VALID_AS_DATA_SET:
                    self.assertRegex(p.stdout.decode() + p.stderr.decode(), r"DIMSE Status\s*: 0x0000")
                    continue
                log = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
                if "Received Store Response" not in log:
                    continue  # storescu itself could not read or send it
                sent += 1
                self.assertNotRegex(log, r"DIMSE Status\s*: 0x0000")
                self.assertRegex(log, r"DIMSE Status\s*: 0x[ac][0-9a-f]{3}")
                self.assertRegex(log, r"Error Comment\s*:|\(0000,0902\) LO \[")
        self.assertGreaterEqual(sent, 3)
        self.assertEqual(self.stored_count(), before + 1)  # the one valid RT Ion Plan data set
        self.server.dcmtk("echoscu", "127.0.0.1", str(self.server.dicom_port))

    def test_hostile_http_requests(self):
        # A 4 GB declared body is refused at once, before any of it is read.
        t0 = time.time()
        with socket.create_connection(("127.0.0.1", self.server.http_port), timeout=5) as s:
            s.sendall(("POST /dicom-web/studies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                       "Content-Type: multipart/related; type=\"application/dicom\"; boundary=XYZ\r\n"
                       "Content-Length: 4294967296\r\n\r\n" % self.server.tokens["hospital-a"]).encode())
            reply = s.recv(65536).decode(errors="replace")
        self.assertLess(time.time() - t0, 2.0)
        self.assertTrue(reply.startswith("HTTP/1.1 413"), reply[:200])
        self.assertIn("application/problem+json", reply)

        status, headers, body = self.stow(b"--XYZ\r\n\r\nabc\r\n--XYZ--\r\n", content_type='multipart/related; type="application/dicom"')
        doc = self.assert_problem(status, headers, body)
        self.assertIn("boundary", json.dumps(doc))

        status, headers, body = self.stow(b"--XYZ\r\nContent-Type: application/dicom\r\n\r\n" +
                                          open(testdata("transfer_syntaxes", "CT_small.dcm"), "rb").read())
        self.assert_problem(status, headers, body)  # never closed: nothing stored

        status, headers, body = self.stow(b"--XYZ\r\nContent-Type: application/dicom\r\n\r\nnot dicom\r\n--XYZ--\r\n")
        self.assert_problem(status, headers, body)

        status, headers, body = self.server.curl("/dicom-web/studies", method="POST", auth=False, data=b"x",
                                                 headers=['Content-Type: multipart/related; type="application/dicom"; boundary=XYZ'])
        self.assertEqual(status, 401)
        self.assertIn("www-authenticate: bearer", headers.lower())
        status, _, body = self.server.curl("/dicom-web/studies", headers=["Authorization: Bearer wrong"], auth=False)
        self.assertEqual(status, 401)
        status, _, body = self.server.curl("/dicom-web/nonexistent")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["status"], 404)
        self.assertEqual(self.stored_count(), self.stored_count())
        status, _, _ = self.server.curl("/health", auth=False)
        self.assertEqual(status, 200)

    def test_problem_titles_are_japanese_by_default_and_english_on_request(self):
        status, _, body = self.server.curl("/dicom-web/studies/1.2.3/metadata")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["title"], "見つかりません")
        status, _, body = self.server.curl("/dicom-web/studies/1.2.3/metadata", headers=["Accept-Language: en"])
        self.assertEqual(json.loads(body)["title"], "Not found")

    def test_unknown_calling_ae_is_refused_at_association(self):
        p = self.server.dcmtk("echoscu", "127.0.0.1", str(self.server.dicom_port), aet="STRANGER", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Association Rejected", p.stderr.decode(errors="replace") + p.stdout.decode(errors="replace"))
        self.server.dcmtk("echoscu", "127.0.0.1", str(self.server.dicom_port))


class SecureDefaultsTest(unittest.TestCase):

    def test_refuses_non_loopback_addresses(self):
        # (test_serve_tls.py covers the way to allow it: TLS and an administrator with 2FA.)
        for flag in ("--http", "--dicom"):
            for lang, expected in (("en", "non-loopback"), ("ja", "ループバック以外")):
                with self.subTest(flag=flag, lang=lang):
                    server = Server(extra_args=[flag, "0.0.0.0:0"], env={"DOKUEI_LANG": lang})
                    try:
                        with self.assertRaises(RuntimeError) as ctx:
                            server.start(timeout=10)
                        self.assertIn(expected, str(ctx.exception))
                    finally:
                        server.cleanup()

    def test_serve_help_documents_options(self):
        p = subprocess.run([BIN, "serve", "--help"], capture_output=True, env=dict(NET_ENV, DOKUEI_LANG="en"))
        self.assertEqual(p.returncode, 0)
        for opt in ("--data-dir", "--http", "--dicom", "--ae-title", "--max-pdu", "--dicom-idle-timeout", "--index"):
            self.assertIn(opt, p.stdout.decode())
        p = subprocess.run([BIN, "serve", "--help"], capture_output=True, env=dict(NET_ENV, DOKUEI_LANG="ja"))
        self.assertIn("使い方", p.stdout.decode())


if __name__ == "__main__":
    unittest.main()
