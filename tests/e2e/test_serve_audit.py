"""`dokuei serve` writes an audit record for every access to patient data (security.md L1), read
back with `dokuei audit search --json`: exactly one per C-STORE instance, C-FIND, C-GET, C-MOVE,
QIDO-RS and WADO-RS request, with the actor, tenant, source address, protocol, patient and study;
refused associations are recorded too. AE titles added with `dokuei admin` while the server runs
are accepted without a restart.

Runs on SQLite; with DOKUEI_TEST_PG_CONNINFO (scripts/with-postgres.sh) on PostgreSQL."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import NET_ENV, Server, testdata, wait_for_port

CT = testdata("transfer_syntaxes", "CT_small.dcm")
MR = testdata("transfer_syntaxes", "MR_small.dcm")


class ServeAuditTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.server.storescu([CT, MR])
        stored = cls.server.audit_records("instance.store")
        cls.studies = sorted({r["study_uids"][0] for r in stored})

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def new_records(self, action, before):
        return self.server.audit_records(action)[len(before):]

    def test_cstore_one_record_per_instance(self):
        records = self.server.audit_records("instance.store")
        self.assertEqual(len(records), 2)
        for r in records:
            self.assertEqual(r["actor"], "ae:MODALITY_A")
            self.assertEqual(r["protocol"], "dimse")
            self.assertEqual(r["source_address"], "127.0.0.1")
            self.assertEqual(r["object_count"], 1)
            self.assertTrue(r["patient_id"])
            self.assertTrue(r["sop_class_uid"])
            self.assertEqual(len(r["study_uids"]), 1)
        self.assertEqual(len(self.studies), 2)
        # The same instance again: one more record (a duplicate was received), nothing else.
        before = self.server.audit_records("instance.store")
        self.server.storescu([CT])
        self.assertEqual(len(self.new_records("instance.store", before)), 1)

    def test_cfind_one_record_with_the_matched_count(self):
        before = self.server.audit_records("study.query")
        self.server.dcmtk("findscu", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID",
                          "-k", "PatientID", "127.0.0.1", str(self.server.dicom_port))
        new = self.new_records("study.query", before)
        self.assertEqual(len(new), 1)
        self.assertEqual(new[0]["object_count"], 2)
        self.assertEqual(sorted(new[0]["study_uids"]), self.studies)
        self.assertEqual(new[0]["actor"], "ae:MODALITY_A")
        self.assertEqual(new[0]["object_detail"], "C-FIND STUDY")

    def test_cget_and_cmove_one_record_each(self):
        study = self.studies[0]
        keys = ["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + study]
        before = self.server.audit_records("study.retrieve")
        out = tempfile.mkdtemp(prefix="dokuei-get-")
        try:
            self.server.dcmtk("getscu", "-S", *keys, "-od", out, "127.0.0.1", str(self.server.dicom_port))
            self.assertEqual(len(os.listdir(out)), 1)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        move_dir = tempfile.mkdtemp(prefix="dokuei-move-")
        port = self.server.move_ports["hospital-a"]
        scp = subprocess.Popen(["storescp", "-aet", "STORE_A", "-od", move_dir, str(port)], env=NET_ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port)
            self.server.dcmtk("movescu", "-S", "-aem", "STORE_A", *keys, "127.0.0.1", str(self.server.dicom_port))
            self.assertEqual(len(os.listdir(move_dir)), 1)
        finally:
            scp.terminate()
            scp.wait()
            shutil.rmtree(move_dir, ignore_errors=True)
        new = self.new_records("study.retrieve", before)
        self.assertEqual([r["object_detail"] for r in new], ["C-GET", "C-MOVE to STORE_A"])
        for r in new:
            self.assertEqual(r["study_uids"], [study])
            self.assertEqual(r["object_count"], 1)
            self.assertTrue(r["patient_id"])
            self.assertEqual(r["protocol"], "dimse")

    def test_qido_and_wado_one_record_per_request(self):
        study = self.studies[0]
        before_q = self.server.audit_records("study.query")
        before_r = self.server.audit_records("study.retrieve")
        before_v = self.server.audit_records("study.view")
        status, _, _ = self.server.curl("/dicom-web/studies")
        self.assertEqual(status, 200)
        for path in ("/dicom-web/studies/%s" % study, "/dicom-web/studies/%s/metadata" % study):
            status, _, _ = self.server.curl(path, headers=["Accept: multipart/related; type=\"application/dicom\""]
                                            if not path.endswith("metadata") else [])
            self.assertEqual(status, 200, path)
        status, _, _ = self.server.curl("/dicom-web/studies/%s/thumbnail" % study, headers=["Accept: image/jpeg"])
        self.assertEqual(status, 200)
        q = self.new_records("study.query", before_q)
        self.assertEqual(len(q), 1)
        self.assertEqual(q[0]["object_count"], 2)
        self.assertEqual(q[0]["actor"], "hospital-a-test")
        self.assertEqual(q[0]["protocol"], "http")
        self.assertEqual(q[0]["object_detail"], "GET /dicom-web/studies")
        r = self.new_records("study.retrieve", before_r)
        self.assertEqual(len(r), 2)
        for rec in r:
            self.assertEqual(rec["study_uids"], [study])
            self.assertTrue(rec["patient_id"])
            self.assertEqual(rec["source_address"], "127.0.0.1")
        self.assertEqual(len(self.new_records("study.view", before_v)), 1)
        # STOW-RS: one instance.store record per instance, in the name of the token's subject.
        before_s = self.server.audit_records("instance.store")
        body = b"--XYZ\r\nContent-Type: application/dicom\r\n\r\n" + open(MR, "rb").read() + b"\r\n--XYZ--\r\n"
        status, _, _ = self.server.curl("/dicom-web/studies", tenant="hospital-b", method="POST", data=body,
                                        headers=['Content-Type: multipart/related; type="application/dicom"; boundary=XYZ'])
        self.assertEqual(status, 200)
        s = self.new_records("instance.store", before_s)
        self.assertEqual([(r["actor"], r["protocol"], r["object_count"]) for r in s], [("hospital-b-test", "http", 1)])
        # Another tenant's study: 404 and no record (nothing was read).
        status, _, _ = self.server.curl("/dicom-web/studies/%s" % study, tenant="hospital-b")
        self.assertEqual(status, 404)
        self.assertEqual(len(self.new_records("study.retrieve", before_r)), 2)

    def test_refused_association_is_recorded_and_new_ae_titles_are_accepted_live(self):
        before = self.server.audit_records("ae.association.refused")
        p = self.server.dcmtk("echoscu", "127.0.0.1", str(self.server.dicom_port), aet="LIVE_AE", check=False)
        self.assertNotEqual(p.returncode, 0)
        new = self.new_records("ae.association.refused", before)
        self.assertEqual(len(new), 1)
        self.assertEqual(new[0]["actor"], "ae:LIVE_AE")
        # Added while the server runs: accepted after at most the peer cache's few seconds.
        self.server.cli("admin", "tenant", "create", "--code", "hospital-a", "--name", "A病院")
        self.server.cli("admin", "ae", "add", "--tenant", "hospital-a", "--ae", "LIVE_AE")
        deadline = time.time() + 10
        while True:
            p = self.server.dcmtk("echoscu", "127.0.0.1", str(self.server.dicom_port), aet="LIVE_AE", check=False)
            if p.returncode == 0 or time.time() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        # It sends into its tenant, with its own audit actor.
        before = self.server.audit_records("instance.store")
        self.server.storescu([CT], aet="LIVE_AE")
        new = self.new_records("instance.store", before)
        self.assertEqual([r["actor"] for r in new], ["ae:LIVE_AE"])
        # Removed: refused again once the cache entry expires.
        self.server.cli("admin", "ae", "remove", "--ae", "LIVE_AE")
        deadline = time.time() + 10
        while True:
            p = self.server.dcmtk("echoscu", "127.0.0.1", str(self.server.dicom_port), aet="LIVE_AE", check=False)
            if p.returncode != 0 or time.time() > deadline:
                break
            time.sleep(0.5)
        self.assertNotEqual(p.returncode, 0)


if __name__ == "__main__":
    unittest.main()
