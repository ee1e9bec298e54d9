"""Crash loop (security.md D1): kill -9 the server at random points while four storescu
associations ingest, restart it, and prove that every acknowledged instance is present and intact,
that no index row lacks its blob, and that restart takes at most 10 s. Deterministic: the random
kill points come from a fixed seed."""
import os
import random
import re
import subprocess
import tempfile
import time
import unittest

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset

from harness import NET_ENV, Server, dataset_bytes
from test_roundtrip import multipart_parts

N_SERIES, PER_SERIES, SIZE = 4, 75, 512
ITERATIONS = 8


def uid(*parts):
    import hashlib
    return "2.25.%d" % int(hashlib.sha256("/".join(map(str, ("crash",) + parts)).encode()).hexdigest()[:30], 16)


def generate(directory):
    files = []
    rng = np.random.default_rng(7)
    for s in range(N_SERIES):
        for i in range(PER_SERIES):
            ds = Dataset()
            ds.SpecificCharacterSet = "ISO_IR 192"
            ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
            ds.SOPInstanceUID = uid(s, i)
            ds.StudyInstanceUID = uid("study")
            ds.SeriesInstanceUID = uid("series", s)
            ds.PatientName, ds.PatientID = "Crash^Test=衝突^試験", "CRASH-1"
            ds.StudyDate, ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "20250101", "MR", s + 1, i + 1
            ds.Rows = ds.Columns = SIZE
            ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
            ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
            ds.PixelData = rng.integers(0, 4095, (SIZE, SIZE), dtype=np.uint16).tobytes()
            meta = FileMetaDataset()
            meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
            meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
            ds.file_meta = meta
            ds.is_little_endian, ds.is_implicit_VR = True, False
            path = os.path.join(directory, "s%d_%03d.dcm" % (s, i))
            ds.save_as(path, write_like_original=False)
            files.append(path)
    return files


def acknowledged(log_text):
    """Files whose C-STORE-RSP said Success, from `storescu -v` output."""
    done, current = set(), None
    for line in log_text.splitlines():
        m = re.search(r"Sending file: (.*)$", line)
        if m:
            current = m.group(1).strip()
        elif "Received Store Response (Success)" in line and current:
            done.add(current)
            current = None
    return done


class CrashLoopTest(unittest.TestCase):

    def test_no_acknowledged_instance_is_lost(self):
        rnd = random.Random(20261125)
        work = tempfile.mkdtemp(prefix="dokuei-crash-")
        os.makedirs(os.path.join(work, "in"))
        os.makedirs(os.path.join(work, "data"))
        files = generate(os.path.join(work, "in"))
        original = {f: dataset_bytes(f) for f in files}
        sop_of = {f: pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID for f in files}
        server = Server(data_dir=os.path.join(work, "data"))
        server.start()
        acked, restarts, interrupted = set(), [], 0
        try:
            for it in range(ITERATIONS + 1):
                # Every round re-sends everything: re-sending acknowledged instances must be idempotent
                # (security.md D6) while the kill interrupts the rest.
                pending = list(files)
                parts = [pending[k::4] for k in range(4)]
                procs = [subprocess.Popen(["storescu", "-v", "-aet", "MODALITY_A", "-aec", "DOKUEI", "127.0.0.1",
                                           str(server.dicom_port)] + p, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          env=NET_ENV) for p in parts if p]
                last = it == ITERATIONS
                if not last:
                    time.sleep(rnd.uniform(0.05, 0.3) if it else 0.4)
                    server.kill9()
                logs = [p.communicate(timeout=300)[0].decode(errors="replace") for p in procs]
                this_round = set()
                for log in logs:
                    this_round |= acknowledged(log)
                acked |= this_round
                if not last and len(this_round) < len(pending):
                    interrupted += 1
                print("round %d: %d acknowledged in this round, %d so far" % (it, len(this_round), len(acked)), flush=True)
                t0 = time.time()
                if server.proc is None:
                    server.start()
                    restarts.append(time.time() - t0)
                self.check(server, acked, original, sop_of)
            self.assertEqual(acked, set(files), "the last round without a kill stores everything")
            self.assertGreaterEqual(interrupted, 3, "the kills must land in the middle of ingests")
            self.assertTrue(restarts and max(restarts) <= 10.0, restarts)
        finally:
            server.cleanup()

    def check(self, server, acked, original, sop_of):
        code, summary = server.fsck("--verify")
        self.assertEqual(summary["missing"], [], summary)   # no index row without its blob
        self.assertEqual(summary["corrupt"], [], summary)
        self.assertEqual(code, 0, summary)
        status, headers, body = server.curl("/dicom-web/studies/%s" % uid("study"),
                                            headers=['Accept: multipart/related; type="application/dicom"; transfer-syntax=*'])
        if not acked:
            return
        self.assertEqual(status, 200, body[:200])
        stored = {}
        parts = multipart_parts(headers, body)
        for part in parts:
            ds = pydicom.dcmread(__import__("io").BytesIO(part), stop_before_pixels=True)
            stored[ds.SOPInstanceUID] = dataset_bytes(part)
        self.assertEqual(len(parts), len(stored), "an instance is indexed twice")
        for f in acked:
            self.assertIn(sop_of[f], stored, "acknowledged instance lost: " + f)
            self.assertEqual(stored[sop_of[f]], original[f], "acknowledged instance damaged: " + f)


if __name__ == "__main__":
    unittest.main()
