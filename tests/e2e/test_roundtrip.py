"""Every valid file of ../shared/testdata round-trips byte-exact through the real binary:
C-STORE (storescu) then WADO-RS, and STOW-RS (curl) then C-GET (getscu) or C-MOVE (movescu to a
storescp), comparing data set bytes (everything after the File Meta Information, which each side
writes for itself)."""
import os
import subprocess
import tempfile
import unittest

import pydicom

from harness import NET_ENV, Server, dataset_bytes, free_port, testdata, valid_testdata_files, wait_for_port

# getscu option that puts a transfer syntax first in its proposal (so the archive can send the
# object as stored). Syntaxes without one go through C-MOVE to a storescp that accepts all.
# (getscu 3.6.7 never proposes implicit VR.) DCMTK cannot receive deflate bit-preserving: such
# objects are received normally and compared element by element.
DEFLATE = "1.2.840.10008.1.2.1.99"
GETSCU_PREFER = {
    DEFLATE: "+xd", "1.2.840.10008.1.2.1": "+xe", "1.2.840.10008.1.2.2": "+xb", "1.2.840.10008.1.2.5": "+xr",
    "1.2.840.10008.1.2.4.50": "+xy", "1.2.840.10008.1.2.4.51": "+xx", "1.2.840.10008.1.2.4.70": "+xs",
    "1.2.840.10008.1.2.4.80": "+xt", "1.2.840.10008.1.2.4.81": "+xu", "1.2.840.10008.1.2.4.90": "+xv",
    "1.2.840.10008.1.2.4.91": "+xw",
}


# DCMTK 3.6.7's storescu can neither propose these syntaxes nor convert from them: it cannot send
# such a file as it is. The STOW-RS direction covers them (and tests/dimse sends them raw).
STORESCU_CANNOT_SEND = {"1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.57"}


def storescu_args(ts):
    """storescu proposes only uncompressed syntaxes unless told; ask it to propose the file's."""
    if ts == "1.2.840.10008.1.2.1.99":
        return ["-R", "-xd"]
    opt = GETSCU_PREFER.get(ts)
    args = ["-R"]
    if opt and ts not in ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"):
        args.append("-" + opt[1:])
    return args


def storescp_config(path, files):
    """A storescp association profile that accepts every SOP class of `files` in every transfer
    syntax they use, so C-MOVE can deliver each object exactly as stored."""
    syntaxes = sorted({transfer_syntax(read_meta(f)) for f in files} - {""})
    classes = sorted({str(read_meta(f).SOPClassUID) for f in files if getattr(read_meta(f), "SOPClassUID", "")})
    lines = ["[[TransferSyntaxes]]", "[All]"]
    lines += ["TransferSyntax%d = %s" % (i + 1, t) for i, t in enumerate(syntaxes)]
    lines += ["", "[[PresentationContexts]]", "[AllClasses]"]
    lines += ["PresentationContext%d = %s\\All" % (i + 1, c) for i, c in enumerate(classes)]
    lines += ["", "[[Profiles]]", "[Everything]", "PresentationContexts = AllClasses", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def has_odd_length(path):
    return len(dataset_bytes(path)) % 2 == 1


def same_elements(a, b):
    """Every element equal; a value may differ only by the one pad byte DIMSE forces onto an
    odd-length value."""
    if set(a.keys()) != set(b.keys()):
        return False
    for tag in a.keys():
        x, y = a[tag], b[tag]
        if x.VR == "SQ":
            if len(x.value) != len(y.value) or not all(same_elements(i, j) for i, j in zip(x.value, y.value)):
                return False
            continue
        vx, vy = x.value, y.value
        if isinstance(vx, bytes) and isinstance(vy, bytes) and abs(len(vx) - len(vy)) == 1:
            short, long_ = sorted((vx, vy), key=len)
            if long_[:-1] == short and long_[-1:] in (b"\0", b" "):
                continue
        if vx != vy:
            return False
    return True


def same_object(got, original, bit_preserving=True):
    """Byte-exact data set; except that an odd-length data set (a defect of the original) must be
    padded to travel over DIMSE, and deflate cannot be received bit-preserving by DCMTK: then
    every element must still be equal."""
    if bit_preserving and not has_odd_length(original):
        return dataset_bytes(got) == dataset_bytes(original)
    return same_elements(pydicom.dcmread(got), pydicom.dcmread(original))


def read_meta(path):
    return pydicom.dcmread(path, stop_before_pixels=True, force=True)


def transfer_syntax(ds):
    meta = getattr(ds, "file_meta", None)
    return str(getattr(meta, "TransferSyntaxUID", "")) if meta is not None else ""


def rounds():
    """Test files in rounds within which SOP Instance UIDs are unique (testdata holds the same
    image in several encodings under one UID; a second one would rightly be a conflict)."""
    seen = {}
    out = []
    for path in valid_testdata_files():
        uid = str(getattr(read_meta(path), "SOPInstanceUID", "") or path)
        k = seen.get(uid, 0)
        seen[uid] = k + 1
        while len(out) <= k:
            out.append([])
        out[k].append(path)
    return out


def multipart_parts(headers_text, body):
    ctype = [l for l in headers_text.splitlines() if l.lower().startswith("content-type:")][-1]
    boundary = [p.split("=", 1)[1].strip().strip('"') for p in ctype.split(";") if p.strip().startswith("boundary=")][0]
    delim = b"--" + boundary.encode()
    parts = []
    for chunk in body.split(delim)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.partition(b"\r\n\r\n")
        parts.append(content[:-2] if content.endswith(b"\r\n") else content)
    return parts


def required_uids_present(path):
    ds = read_meta(path)
    return transfer_syntax(ds) != "" and all(
        getattr(ds, k, "") for k in ("SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"))


class RoundTripTest(unittest.TestCase):

    def test_every_valid_file_round_trips_both_ways(self):
        totals = {"wado": 0, "get": 0, "refused": 0, "skipped": 0}
        for files in rounds():
            server = Server().start()
            try:
                self._cstore_then_wado(server, files, totals)
                self._stow_then_retrieve(server, files, totals)
            finally:
                server.cleanup()
        # Every valid file was checked both ways, or refused for lacking required UIDs.
        self.assertEqual(totals["wado"] + totals["skipped"] + totals["refused"] // 2, len(valid_testdata_files()))
        self.assertLessEqual(totals["skipped"], 2)
        self.assertEqual(totals["get"] + totals["refused"] // 2, len(valid_testdata_files()))

    def _cstore_then_wado(self, server, files, totals):
        # storescu re-encodes some data sets while sending (sequence lengths, implicit -> explicit
        # VR when that is what it negotiates), so "as sent" is what DCMTK's own bit-preserving
        # storescp receives from the identical storescu command: that is the reference.
        ref_dir = tempfile.mkdtemp(prefix="dokuei-ref-")
        ref_port = free_port()
        ref = subprocess.Popen(["storescp", "-aet", "DOKUEI", "+xa", "+B", "-od", ref_dir, "-fe", ".dcm", str(ref_port)],
                               env=NET_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(ref_port)
            self._cstore_then_wado_with_reference(server, files, totals, ref_dir, ref_port)
        finally:
            ref.terminate()
            ref.wait()

    def _cstore_then_wado_with_reference(self, server, files, totals, ref_dir, ref_port):
        for path in files:
            ds = read_meta(path)
            with self.subTest(way="C-STORE then WADO-RS", file=os.path.relpath(path, testdata())):
                if transfer_syntax(ds) in STORESCU_CANNOT_SEND and required_uids_present(path):
                    totals["skipped"] += 1
                    continue
                p = server.storescu([path], extra=storescu_args(transfer_syntax(ds)), check=False)
                if not required_uids_present(path):
                    self.assertNotEqual(p.returncode, 0, "an object without its UIDs must be refused")
                    totals["refused"] += 1
                    continue
                self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace")[-2000:])
                before = set(os.listdir(ref_dir))
                subprocess.run(["storescu"] + storescu_args(transfer_syntax(ds)) + ["-aet", "MODALITY_A", "-aec", "DOKUEI", "127.0.0.1", str(ref_port), path],
                               check=True, capture_output=True, env=NET_ENV)
                sent = [os.path.join(ref_dir, f) for f in set(os.listdir(ref_dir)) - before]
                self.assertEqual(len(sent), 1)
                status, headers, body = server.curl(
                    "/dicom-web/studies/%s/series/%s/instances/%s" % (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID),
                    headers=['Accept: multipart/related; type="application/dicom"; transfer-syntax=*'])
                self.assertEqual(status, 200, body[:300])
                parts = multipart_parts(headers, body)
                self.assertEqual(len(parts), 1)
                self.assertEqual(dataset_bytes(parts[0]), dataset_bytes(sent[0]))
                totals["wado"] += 1

    def _stow_then_retrieve(self, server, files, totals):
        out = tempfile.mkdtemp(prefix="dokuei-get-")
        move_dir = tempfile.mkdtemp(prefix="dokuei-move-")
        config = os.path.join(move_dir, "..", os.path.basename(move_dir) + ".cfg")
        storescp_config(config, [f for f in files if required_uids_present(f)])
        storescp = subprocess.Popen(["storescp", "-aet", "STORE_B", "-xf", config, "Everything", "+B", "-od", move_dir,
                                     "-fe", ".dcm", str(server.move_ports["hospital-b"])], env=NET_ENV,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(server.move_ports["hospital-b"])
        try:
            for n, path in enumerate(files):
                ds = read_meta(path)
                ts = transfer_syntax(ds)
                with self.subTest(way="STOW-RS then C-GET/C-MOVE", file=os.path.relpath(path, testdata())):
                    body = (b"--XYZ\r\nContent-Type: application/dicom\r\n\r\n" + open(path, "rb").read() +
                            b"\r\n--XYZ--\r\n")
                    status, _, resp = server.curl(
                        "/dicom-web/studies", tenant="hospital-b", method="POST", data=body,
                        headers=['Content-Type: multipart/related; type="application/dicom"; boundary=XYZ',
                                 "Accept: application/dicom+json"])
                    if not required_uids_present(path):
                        self.assertGreaterEqual(status, 400, resp[:300])
                        self.assertLess(status, 500, resp[:300])
                        totals["refused"] += 1
                        continue
                    self.assertEqual(status, 200, resp[:500])
                    keys = ["-k", "QueryRetrieveLevel=IMAGE", "-k", "StudyInstanceUID=" + ds.StudyInstanceUID,
                            "-k", "SeriesInstanceUID=" + ds.SeriesInstanceUID, "-k", "SOPInstanceUID=" + ds.SOPInstanceUID]
                    if ts in GETSCU_PREFER:
                        target = os.path.join(out, str(n))
                        os.makedirs(target)
                        server.dcmtk("getscu", "-S", "-B" if ts == DEFLATE else "+B", GETSCU_PREFER[ts], *keys, "-od", target,
                                     "127.0.0.1", str(server.dicom_port), aet="MODALITY_B")
                        got = [os.path.join(target, f) for f in os.listdir(target)]
                    else:
                        before = set(os.listdir(move_dir))
                        server.dcmtk("movescu", "-S", "-aem", "STORE_B", *keys,
                                     "127.0.0.1", str(server.dicom_port), aet="MODALITY_B")
                        got = [os.path.join(move_dir, f) for f in set(os.listdir(move_dir)) - before]
                    self.assertEqual(len(got), 1, "received %r" % got)
                    self.assertTrue(same_object(got[0], path, bit_preserving=ts != DEFLATE), "differs from the original")
                    totals["get"] += 1
        finally:
            storescp.terminate()
            storescp.wait()


if __name__ == "__main__":
    unittest.main()
