#!/usr/bin/env python3
"""Writes the ORM^O01 samples of this folder (run from it). Segments are built from field
numbers so that the field positions are right; the ISO 2022 JP sample switches back to ASCII
before every delimiter, as JAHIS asks."""


def seg(sid, fields):
    n = max(fields)
    return sid + "".join("|" + fields.get(i, "") for i in range(1, n + 1))


def msh(app, fac, ts, ctl, version, charset=""):
    f = "MSH|^~\\&|%s|%s|DOKUEI|DOKUEI|%s||ORM^O01|%s|P|%s" % (app, fac, ts, ctl, version)
    return f + ("||||||" + charset if charset else "")


def write(name, segs, enc="ascii"):
    if enc == "iso2022_jp":
        out = b""
        for s in segs:
            out += b"|".join(b"^".join(c.encode("iso2022_jp") for c in f.split("^"))
                             for f in s.split("|")) + b"\r"
    else:
        out = ("\r".join(segs) + "\r").encode(enc)
    open(name, "wb").write(out)


write("orm_o01_utf8_lumbar_mr_stat.hl7", [
    msh("RIS", "SAKURA_HP", "20261125091500+0900", "MSG00001", "2.5", "UNICODE UTF-8"),
    seg("PID", {1: "1", 3: "P0012345^^^SAKURA_HP^MR", 5: "山田^太郎^^^^^L", 7: "19580412", 8: "M",
                11: "東京都千代田区1-1"}),
    seg("PV1", {1: "1", 2: "O", 3: "整形外科外来^^^SAKURA_HP", 8: "D001^佐藤^一郎"}),
    seg("ORC", {1: "NW", 2: "ORD-2026-0001^SAKURA_RIS", 3: "ACC-778001^SAKURA_RIS", 5: "SC",
                7: "^^^20261125093000+0900^^S", 9: "20261125091500+0900", 12: "D001^佐藤^一郎"}),
    seg("OBR", {1: "1", 2: "ORD-2026-0001^SAKURA_RIS", 3: "ACC-778001^SAKURA_RIS",
                4: "MRLS01^腰椎MRI 単純^L^^Lumbar spine MRI",
                13: "腰痛と右下肢のしびれ。L4/5 椎間板ヘルニアの有無", 18: "ACC-778001",
                19: "RP778001", 20: "SPS778001", 24: "MR", 27: "^^^20261125093000+0900^^S"}),
    seg("NTE", {1: "1", 3: "急性増悪、膀胱直腸障害の有無も確認してください"}),
    seg("ZDS", {1: "1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778001^SAKURA_RIS^Application^DICOM"}),
], "utf-8")

write("orm_o01_iso2022jp_cervical_ct_asap.hl7", [
    msh("HIS", "MOMIJI_CL", "20261125140203", "MOMIJI-20261125-0042", "2.5", "~ISO IR87"),
    seg("PID", {1: "1", 3: "00456789^^^MOMIJI_CL", 5: "鈴木^花子^^^^^L^I~スズキ^ハナコ^^^^^L^P",
                7: "19721103", 8: "F"}),
    seg("PV1", {1: "1", 2: "E", 3: "救急外来"}),
    seg("ORC", {1: "NW", 2: "MO-0042", 5: "SC", 7: "^^^^^A"}),
    seg("OBR", {1: "1", 2: "MO-0042", 4: "CT-CS^頸椎CT^JJ1017-16M",
                13: "交通事故後の頸部痛。頸椎骨折の有無", 24: "CT"}),
    seg("NTE", {1: "1", 3: "左上肢のしびれあり"}),
    seg("NTE", {1: "2", 3: "前医の単純写真で C5 に異常陰影の疑い"}),
    seg("ZDS", {1: "1.2.392.200036.9125.2.1.1.20261125.42^MOMIJI^Application^DICOM"}),
], "iso2022_jp")

write("orm_o01_ascii_wholespine_xray_escapes.hl7", [
    msh("RIS", "SAKURA_HP", "20261125100000", "MSG00002", "2.4"),
    seg("PID", {1: "1", 3: "P0099887", 5: "Tanaka^Ken", 7: "20100301", 8: "M"}),
    seg("ORC", {1: "NW", 2: "ORD-2026-0002"}),
    seg("OBR", {1: "1", 2: "ORD-2026-0002", 4: "XRWS^Whole spine X-ray standing AP\\T\\lateral",
                13: "Scoliosis follow-up\\F\\Cobb angle\\S\\progression?\\R\\compare 2025\\E\\06",
                18: "ACC-9002", 19: "1.2.392.200036.9116.2.5.1.37.99.2", 27: "^^^^^R"}),
])

write("orm_o01_error_missing_pid3.hl7", [
    msh("RIS", "SAKURA_HP", "20261125100500", "MSG00003", "2.5"),
    seg("PID", {1: "1", 5: "Sato^Jiro"}),
    seg("ORC", {1: "NW", 2: "ORD-2026-0003"}),
    seg("OBR", {1: "1", 2: "ORD-2026-0003", 4: "MRCS^Cervical spine MRI"}),
    seg("ZDS", {1: "1.2.392.200036.9116.2.5.1.37.99.3"}),
])
# The hospital cancels the order of the first sample (ORC-1 CA, found by its placer number).
write("orm_o01_cancel_lumbar_mr.hl7", [
    msh("RIS", "SAKURA_HP", "20261125100600", "MSG00004", "2.5"),
    seg("PID", {1: "1", 3: "P0012345"}),
    seg("ORC", {1: "CA", 2: "ORD-2026-0001"}),
    seg("OBR", {1: "1", 2: "ORD-2026-0001", 4: "MRLS01^Lumbar spine MRI"}),
    seg("ZDS", {1: "1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778001"}),
])
write("orm_o01_error_bad_priority.hl7", [
    msh("RIS", "SAKURA_HP", "20261125100700", "MSG00005", "2.5"),
    seg("PID", {1: "1", 3: "P0012346"}),
    seg("ORC", {1: "NW", 2: "ORD-2026-0005", 7: "^^^^^Z"}),
    seg("OBR", {1: "1", 2: "ORD-2026-0005", 4: "CTLS^Lumbar spine CT"}),
    seg("ZDS", {1: "1.2.392.200036.9116.2.5.1.37.99.5"}),
])
# An order without a Study Instance UID: the study is matched by its accession number.
write("orm_o01_accession_only_lumbar_ct.hl7", [
    msh("RIS", "SAKURA_HP", "20261125100800", "MSG00006", "2.5"),
    seg("PID", {1: "1", 3: "P0012347"}),
    seg("ORC", {1: "NW", 2: "ORD-2026-0006"}),
    seg("OBR", {1: "1", 2: "ORD-2026-0006", 4: "CTLS^Lumbar spine CT", 18: "ACC-9006"}),
])
# The hospital changes the first sample's order (ORC-1 XO): same day instead of STAT, a new
# question, a desired return time (ORC-7.5).
write("orm_o01_change_lumbar_mr.hl7", [
    msh("RIS", "SAKURA_HP", "20261125094000+0900", "MSG00007", "2.5", "UNICODE UTF-8"),
    seg("PID", {1: "1", 3: "P0012345^^^SAKURA_HP^MR", 5: "山田^太郎^^^^^L"}),
    seg("ORC", {1: "XO", 2: "ORD-2026-0001^SAKURA_RIS", 3: "ACC-778001^SAKURA_RIS",
                7: "^^^20261125093000+0900^20261125170000+0900^A"}),
    seg("OBR", {1: "1", 2: "ORD-2026-0001^SAKURA_RIS", 3: "ACC-778001^SAKURA_RIS",
                4: "MRLS01^腰椎MRI 単純^L^^Lumbar spine MRI",
                13: "腰痛と右下肢のしびれ。膀胱直腸障害なし (再確認)", 18: "ACC-778001", 24: "MR"}),
    seg("ZDS", {1: "1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778001^SAKURA_RIS^Application^DICOM"}),
], "utf-8")
write("orm_o01_error_no_study_uid.hl7", [
    msh("RIS", "SAKURA_HP", "20261125100900", "MSG00008", "2.5"),
    seg("PID", {1: "1", 3: "P0012348"}),
    seg("ORC", {1: "NW", 2: "ORD-2026-0008"}),
    seg("OBR", {1: "1", 2: "ORD-2026-0008", 4: "CTLS^Lumbar spine CT"}),
])
write("orm_o01_error_status_changed.hl7", [
    msh("RIS", "SAKURA_HP", "20261125101000", "MSG00009", "2.5"),
    seg("PID", {1: "1", 3: "P0012345"}),
    seg("ORC", {1: "SC", 2: "ORD-2026-0001", 5: "IP"}),
    seg("OBR", {1: "1", 2: "ORD-2026-0001", 4: "MRLS01^Lumbar spine MRI"}),
])
write("orm_o01_cancel_unknown_placer.hl7", [
    msh("RIS", "SAKURA_HP", "20261125101100", "MSG00010", "2.5"),
    seg("PID", {1: "1", 3: "P0099999"}),
    seg("ORC", {1: "CA", 2: "ORD-1999-9999"}),
    seg("OBR", {1: "1", 2: "ORD-1999-9999", 4: "MRLS01^Lumbar spine MRI"}),
])
