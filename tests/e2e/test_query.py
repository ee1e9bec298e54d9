"""QIDO-RS and C-FIND on the real binary: Japanese names in ISO 2022 IR 87, IR 13 + IR 87 and
ISO_IR 192, wildcards, fuzzy matching, date ranges, paging, includefield, and tenant scope."""
import glob
import json
import os
import subprocess
import tempfile
import unittest

import pydicom
from pydicom.uid import generate_uid

from harness import ServerTestCase, testdata

PATIENTS = [
    # (SpecificCharacterSet, PatientName, PatientID, StudyDate)
    (["", "ISO 2022 IR 87"], "Yamada^Tarou=山田^太郎=やまだ^たろう", "JP-001", "20240110"),
    (["ISO 2022 IR 13", "ISO 2022 IR 87"], "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", "JP-002", "20240215"),
    ("ISO_IR 192", "Sato^Hanako=佐藤^花子=さとう^はなこ", "JP-003", "20240320"),
    ("ISO_IR 100", "Müller^Jürgen", "DE-004", "20231201"),
]


def make_files(directory):
    files = []
    for i, (charset, name, pid, date) in enumerate(PATIENTS):
        ds = pydicom.dcmread(testdata("transfer_syntaxes", "CT_small.dcm"))
        ds.SpecificCharacterSet = charset
        ds.PatientName = name
        ds.PatientID = pid
        ds.StudyDate = date
        ds.StudyInstanceUID = generate_uid()
        ds.SeriesInstanceUID = generate_uid()
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.AccessionNumber = "ACC%03d" % i
        ds.StudyDescription = "腰椎 CT" if i < 3 else "LWS CT"
        path = os.path.join(directory, "p%d.dcm" % i)
        ds.save_as(path)
        files.append(path)
    return files


class QueryTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix="dokuei-q-")
        cls.files = make_files(cls.dir)
        cls.server.storescu(cls.files)

    def qido(self, query, tenant="hospital-a", level="studies"):
        status, _, body = self.server.curl("/dicom-web/%s?%s" % (level, query), tenant=tenant,
                                           headers=["Accept: application/dicom+json"])
        self.assertEqual(status, 200, body[:300])
        return json.loads(body) if body else []

    def ids(self, matches):
        return sorted(m["00100020"]["Value"][0] for m in matches)

    def test_japanese_names_match_every_component_group(self):
        from urllib.parse import quote
        self.assertEqual(self.ids(self.qido("PatientName=" + quote("山田*"))), ["JP-001", "JP-002"])
        self.assertEqual(self.ids(self.qido("PatientName=yamada*")), ["JP-001"])
        self.assertEqual(self.ids(self.qido("PatientName=" + quote("さとう*"))), ["JP-003"])
        self.assertEqual(self.ids(self.qido("PatientName=" + quote("ﾔﾏﾀﾞ*"))), ["JP-002"])
        m = self.qido("PatientID=JP-001")[0]["00100010"]["Value"][0]
        self.assertEqual(m, {"Alphabetic": "Yamada^Tarou", "Ideographic": "山田^太郎", "Phonetic": "やまだ^たろう"})
        latin = self.qido("PatientID=DE-004")[0]["00100010"]["Value"][0]
        self.assertEqual(latin["Alphabetic"], "Müller^Jürgen")

    def test_fuzzy_matching_folds_kana_and_case(self):
        from urllib.parse import quote
        # katakana query finds hiragana phonetic names, lowercase finds uppercase
        got = self.ids(self.qido("fuzzymatching=true&PatientName=" + quote("ヤマダ")))
        self.assertEqual(got, ["JP-001", "JP-002"])
        self.assertEqual(self.ids(self.qido("fuzzymatching=true&PatientName=hanako")), ["JP-003"])

    def test_dates_paging_and_includefield(self):
        self.assertEqual(self.ids(self.qido("StudyDate=20240101-20240229")), ["JP-001", "JP-002"])
        self.assertEqual(self.ids(self.qido("StudyDate=-20231231")), ["DE-004"])
        first = self.qido("limit=2&offset=0")
        second = self.qido("limit=2&offset=2")
        self.assertEqual(len(first), 2)
        self.assertEqual(len(second), 2)
        self.assertEqual(sorted(self.ids(first) + self.ids(second)), ["DE-004", "JP-001", "JP-002", "JP-003"])
        m = self.qido("PatientID=JP-003&includefield=00180050")[0]  # SliceThickness from metadata
        self.assertIn("00180050", m)
        status, _, body = self.server.curl("/dicom-web/studies?StudyDate=2024-01-01",
                                           headers=["Accept: application/dicom+json"])
        self.assertEqual(status, 400)
        self.assertIn("StudyDate", json.loads(body).get("detail", "") + json.loads(body).get("field", ""))

    def findscu(self, keys, level="STUDY", root="-S", aet="MODALITY_A", query_file=None):
        out = tempfile.mkdtemp(prefix="dokuei-find-")
        args = [root, "-X", "-od", out, "-k", "QueryRetrieveLevel=" + level]
        for k in keys:
            args += ["-k", k]
        args += ["127.0.0.1", str(self.server.dicom_port)]
        if query_file:
            args.append(query_file)
        self.server.dcmtk("findscu", *args, aet=aet)
        return [pydicom.dcmread(f) for f in sorted(glob.glob(os.path.join(out, "*")))]

    def test_cfind_utf8_and_iso2022_answers(self):
        answers = self.findscu(["SpecificCharacterSet=ISO_IR 192", "PatientName=山田*", "PatientID", "StudyInstanceUID"])
        self.assertEqual(sorted(str(a.PatientID) for a in answers), ["JP-001", "JP-002"])
        for a in answers:
            self.assertEqual(a.PatientName.ideographic, "山田^太郎")

        # A query written in ISO 2022 IR 87 is answered in ISO 2022 IR 87 (PS3.5 Annex H).
        q = pydicom.Dataset()
        q.SpecificCharacterSet = ["", "ISO 2022 IR 87"]
        q.QueryRetrieveLevel = "STUDY"
        q.PatientName = "=山田*"
        q.PatientID = ""
        qf = os.path.join(self.dir, "q87.dcm")
        q.is_little_endian, q.is_implicit_VR = True, False
        pydicom.dcmwrite(qf, q, write_like_original=True)
        answers = self.findscu([], query_file=qf)
        self.assertEqual(sorted(str(a.PatientID) for a in answers), ["JP-001", "JP-002"])
        for a in answers:
            self.assertEqual(a.PatientName.ideographic, "山田^太郎")
            charsets = [a.SpecificCharacterSet] if isinstance(a.SpecificCharacterSet, str) else list(a.SpecificCharacterSet)
            if a.PatientID == "JP-001":
                self.assertIn("ISO 2022 IR 87", charsets)  # representable: answered as asked
            else:  # half-width katakana needs IR 13, which the query did not name: UTF-8
                self.assertEqual(charsets, ["ISO_IR 192"])

    def test_cfind_levels_and_roots(self):
        patients = self.findscu(["PatientID=JP-*", "PatientName", "NumberOfPatientRelatedStudies"], level="PATIENT", root="-P")
        self.assertEqual(sorted(str(p.PatientID) for p in patients), ["JP-001", "JP-002", "JP-003"])
        study = self.findscu(["PatientID=JP-003", "StudyInstanceUID"])[0].StudyInstanceUID
        series = self.findscu(["StudyInstanceUID=" + study, "SeriesInstanceUID", "Modality"], level="SERIES")
        self.assertEqual([s.Modality for s in series], ["CT"])
        images = self.findscu(["StudyInstanceUID=" + study, "SeriesInstanceUID=" + series[0].SeriesInstanceUID,
                               "SOPInstanceUID", "InstanceNumber"], level="IMAGE")
        self.assertEqual(len(images), 1)
        ranged = self.findscu(["StudyDate=20240201-20241231", "PatientID"])
        self.assertEqual(sorted(str(a.PatientID) for a in ranged), ["JP-002", "JP-003"])

    def test_another_tenant_sees_nothing(self):
        self.assertEqual(self.qido("", tenant="hospital-b"), [])
        self.assertEqual(self.findscu(["PatientID", "StudyInstanceUID"], aet="MODALITY_B"), [])
        study = self.qido("PatientID=JP-001")[0]["0020000D"]["Value"][0]
        hidden = self.server.curl("/dicom-web/studies/%s/metadata" % study, tenant="hospital-b")
        absent = self.server.curl("/dicom-web/studies/1.2.3.4.5.6.7/metadata", tenant="hospital-b")
        self.assertEqual(hidden[0], 404)
        self.assertEqual(hidden[0], absent[0])
        self.assertEqual(json.loads(hidden[2])["title"], json.loads(absent[2])["title"])
        unauth = self.server.curl("/dicom-web/studies", auth=False)
        self.assertEqual(unauth[0], 401)
        self.assertNotIn(b"JP-00", unauth[2])


if __name__ == "__main__":
    unittest.main()
