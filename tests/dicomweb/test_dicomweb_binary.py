"""DICOMweb against the real `dokuei serve` binary (tests/e2e/harness.py), with curl.

Run: DOKUEI_BIN=build/release/src/server/dokuei DOKUEI_TESTDATA=../shared/testdata \
     python3 -m unittest tests/dicomweb/test_dicomweb_binary.py -v
(/usr/bin/python3: the harness needs only the standard library.)
"""
import json
import os
import re
import socket
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import harness  # noqa: E402

DICOM_ACCEPT = 'Accept: multipart/related; type="application/dicom"; transfer-syntax=*'
OCTET_ACCEPT = 'Accept: multipart/related; type="application/octet-stream"; transfer-syntax=*'


def multipart(files, boundary="b-" + uuid.uuid4().hex):
    body = b""
    for f in files:
        body += b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n"
        body += open(f, "rb").read() + b"\r\n"
    body += b"--" + boundary.encode() + b"--\r\n"
    return body, 'Content-Type: multipart/related; type="application/dicom"; boundary=' + boundary


def split_multipart(headers_text, body):
    m = re.search(r"boundary=\"?([^\";\r\n]+)", headers_text)
    assert m, headers_text
    delim = b"--" + m.group(1).encode()
    parts = []
    for chunk in body.split(b"\r\n" + delim)[:-1]:
        if chunk.startswith(delim):
            chunk = chunk[len(delim):]
        head, _, payload = chunk.partition(b"\r\n\r\n")
        parts.append((head.decode("latin-1"), payload))
    return parts


def value(obj, tag):
    v = obj.get(tag, {}).get("Value", [])
    return v[0] if v else None


class DicomWebBinaryTest(harness.ServerTestCase):
    def stow(self, files, tenant="hospital-a", study=""):
        body, ctype = multipart(files)
        path = "/dicom-web/studies" + ("/" + study if study else "")
        return self.server.curl(path, tenant=tenant, method="POST", headers=[ctype], data=body)

    def test_stow_and_wado_byte_exact_with_qido_and_metadata(self):
        files = [harness.testdata("transfer_syntaxes", f)
                 for f in ("CT_small.dcm", "JPEG-LL.dcm", "SC_rgb_jpeg_dcmtk.dcm")]
        status, _, body = self.stow(files)
        self.assertIn(status, (200, 202), body[:500])
        refs = json.loads(body)["00081199"]["Value"]
        self.assertEqual(len(refs), 3)
        for f, ref in zip(files, refs):
            url = value(ref, "00081190")
            path = url[url.index("/dicom-web/"):]
            s, h, b = self.server.curl(path, headers=[DICOM_ACCEPT])
            self.assertEqual(s, 200)
            parts = split_multipart(h, b)
            self.assertEqual(len(parts), 1)
            self.assertEqual(parts[0][1], open(f, "rb").read(), f)
            s, _, b = self.server.curl(path + "/metadata")
            self.assertEqual(s, 200)
            meta = json.loads(b)[0]
            self.assertEqual(value(meta, "00080018"), value(ref, "00081155"))
            bulk = meta["7FE00010"]["BulkDataURI"]
            self.assertTrue(bulk.startswith(self.server.url + "/dicom-web/"), bulk)
            s, h, b = self.server.curl(bulk[len(self.server.url):], headers=[OCTET_ACCEPT])
            self.assertEqual(s, 200)
            s, h, b = self.server.curl(path + "/frames/1",
                                       headers=['Accept: multipart/related; type="application/octet-stream"'])
            self.assertEqual(s, 200)
            rows, cols = value(meta, "00280010"), value(meta, "00280011")
            spp, bits = value(meta, "00280002"), value(meta, "00280100")
            self.assertEqual(len(split_multipart(h, b)[0][1]), rows * cols * spp * bits // 8)
            s, h, b = self.server.curl(path + "/rendered")
            self.assertEqual(s, 200)
            self.assertTrue(b.startswith(b"\xff\xd8"))
        s, _, b = self.server.curl("/dicom-web/studies?PatientID=*&limit=10")
        self.assertEqual(s, 200)
        self.assertGreaterEqual(len(json.loads(b)), 1)

    def test_every_route_needs_a_token(self):
        for path in ("/dicom-web/studies", "/dicom-web/studies/1.2.3",
                     "/dicom-web/studies/1.2.3/series/1.2.4/metadata",
                     "/dicom-web/studies/1.2.3/series/1.2.4/instances/1.2.5/frames/1",
                     "/dicom-web/wado?requestType=WADO&studyUID=1.2&seriesUID=1.3&objectUID=1.4"):
            s, h, b = self.server.curl(path, auth=False)
            self.assertEqual(s, 401, path)
            self.assertIn("WWW-Authenticate: Bearer", h)
            self.assertEqual(json.loads(b)["type"], "https://dokuei.example/problems/unauthenticated")
        s, _, _ = self.server.curl("/dicom-web/studies", method="POST", auth=False,
                                   headers=["Content-Type: multipart/related; boundary=x"], data=b"x")
        self.assertEqual(s, 401)

    def test_tenant_isolation(self):
        f = harness.testdata("transfer_syntaxes", "MR_small.dcm")
        status, _, body = self.stow([f], tenant="hospital-a")
        self.assertIn(status, (200, 202))
        ref = json.loads(body)["00081199"]["Value"][0]
        url = value(ref, "00081190")
        theirs = url[url.index("/dicom-web/"):]
        missing = re.sub(r"2\.25\.\d+|[\d.]{10,}", "2.25.1234567", theirs)
        for suffix in ("", "/metadata", "/frames/1", "/rendered"):
            a = self.server.curl(theirs + suffix, tenant="hospital-b")
            b = self.server.curl(missing + suffix, tenant="hospital-b")
            self.assertEqual(a[0], 404, suffix)
            self.assertEqual(a[0], b[0])
            self.assertEqual(a[2], b[2])

    def test_hostile_uploads(self):
        ct = open(harness.testdata("transfer_syntaxes", "CT_small.dcm"), "rb").read()
        s, h, b = self.server.curl("/dicom-web/studies", method="POST",
                                   headers=['Content-Type: multipart/related; type="application/dicom"'],
                                   data=b"--x\r\n\r\n" + ct + b"\r\n--x--\r\n")
        self.assertEqual(s, 400)
        self.assertEqual(json.loads(b)["field"], "boundary")
        # 4 GB declared, only the header sent: refused at once.
        sock = socket.create_connection(("127.0.0.1", self.server.http_port))
        sock.sendall(("POST /dicom-web/studies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                      "Content-Type: multipart/related; type=\"application/dicom\"; boundary=x\r\n"
                      "Content-Length: 4294967296\r\n\r\n" % self.server.tokens["hospital-a"]).encode())
        sock.settimeout(5)
        t0 = time.time()
        reply = sock.recv(4096).decode("latin-1")
        self.assertLess(time.time() - t0, 2)
        self.assertTrue(reply.startswith("HTTP/1.1 413"), reply)
        sock.close()
        for name in sorted(os.listdir(harness.testdata("malformed"))):
            p = harness.testdata("malformed", name)
            if os.path.isfile(p) and name.startswith("gen_"):
                status, _, body = self.stow([p])
                self.assertEqual(status, 409, name)
        s, _, _ = self.server.curl("/dicom-web/studies?limit=1")
        self.assertEqual(s, 200)


if __name__ == "__main__":
    unittest.main()
