// QIDO-RS with Japanese names, authentication on every route, tenant isolation, and hostile
// uploads (malformed files, broken multipart, huge declared lengths).
#include <chrono>
#include <filesystem>
#include <fstream>

#include "dokuei/base/random.h"
#include "dokuei/base/strings.h"
#include "dokuei/dicom/parse.h"
#include "fixture.h"

namespace dokuei::dicomweb::e2e {
namespace {

using nlohmann::json;

constexpr char kGenerator[] = R"PY(
import sys
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
out, tag = sys.argv[1], sys.argv[2]
def make(path, charset, name, pid, date, desc):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.7'
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = charset
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = name
    ds.PatientID = pid + tag
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.StudyDate = date
    ds.StudyTime = '120000'
    ds.Modality = 'OT'
    ds.StudyDescription = desc
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.Rows = 8; ds.Columns = 8; ds.BitsAllocated = 8; ds.BitsStored = 8; ds.HighBit = 7
    ds.PixelRepresentation = 0; ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.PixelData = bytes(range(64))
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(path, write_like_original=False)
make(out + '/utf8.dcm', 'ISO_IR 192', 'Yamada^Tarou=山田^太郎=やまだ^たろう', 'JP1-', '19990102', '腰椎 MRI')
make(out + '/jis.dcm', ['', 'ISO 2022 IR 87'], 'Suzuki^Hanako=鈴木^花子=すずき^はなこ', 'JP2-', '19990115', 'L-SPINE')
)PY";

struct JapaneseData {
  std::string tag;
  std::string utf8, jis;
};

const JapaneseData& Japanese() {
  static JapaneseData* data = [] {
    auto* d = new JapaneseData;
    Env& env = Env::Get();
    d->tag = base::RandomHex(4);
    std::string script = env.tmp() + "/gen.py";
    std::ofstream(script) << kGenerator;
    std::string out = RunCommand("/usr/bin/python3 " + script + " " + env.tmp() + " " + d->tag +
                                 " 2>&1");
    d->utf8 = ReadFile(env.tmp() + "/utf8.dcm");
    d->jis = ReadFile(env.tmp() + "/jis.dcm");
    if (d->utf8.empty() || d->jis.empty()) ADD_FAILURE() << "generator: " << out;
    return d;
  }();
  return *data;
}

constexpr int kQidoTenant = 5;

TEST(Qido, JapaneseNamesAndMatching) {
  Env& env = Env::Get();
  const auto& jp = Japanese();
  auto stow = env.Stow({jp.utf8, jp.jis}, Token(kQidoTenant));
  ASSERT_EQ(stow.status, 200) << stow.body;
  const std::string t = Token(kQidoTenant);

  auto r = env.Get("/dicom-web/studies?PatientName=" + UrlEncode("山田*"), t);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/dicom+json");
  json j = r.Json();
  ASSERT_EQ(j.size(), 1u) << r.body;
  const json& pn = j[0]["00100010"]["Value"][0];
  EXPECT_EQ(pn["Alphabetic"], "Yamada^Tarou");
  EXPECT_EQ(pn["Ideographic"], "山田^太郎");
  EXPECT_EQ(pn["Phonetic"], "やまだ^たろう");
  EXPECT_EQ(JsonString(j[0], "00081030"), "腰椎 MRI");
  std::string study = JsonString(j[0], "0020000D");
  EXPECT_EQ(JsonString(j[0], "00081190"), env.Url("/dicom-web/studies/" + study));
  EXPECT_EQ(JsonString(j[0], "00201208"), "1");

  // ISO 2022 IR 87 (JIS X 0208) was converted to UTF-8 at ingest.
  r = env.Get("/dicom-web/studies?PatientName=" + UrlEncode("鈴木^花子"), t);
  ASSERT_EQ(r.status, 200);
  j = r.Json();
  ASSERT_EQ(j.size(), 1u) << r.body;
  EXPECT_EQ(j[0]["00100010"]["Value"][0]["Ideographic"], "鈴木^花子");
  EXPECT_EQ(j[0]["00100010"]["Value"][0]["Phonetic"], "すずき^はなこ");

  r = env.Get("/dicom-web/studies?PatientName=hana&fuzzymatching=true", t);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Suzuki^Hanako"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("Yamada"), std::string::npos);

  // By tag, by date range, with paging.
  r = env.Get("/dicom-web/studies?00100020=JP*" + jp.tag + "&StudyDate=19990101-19990131"
              "&limit=1&offset=0",
              t);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.Json().size(), 1u);
  std::string first = JsonString(r.Json()[0], "0020000D");
  r = env.Get("/dicom-web/studies?00100020=JP*" + jp.tag + "&StudyDate=19990101-19990131"
              "&limit=1&offset=1",
              t);
  ASSERT_EQ(r.Json().size(), 1u);
  EXPECT_NE(JsonString(r.Json()[0], "0020000D"), first);
  r = env.Get("/dicom-web/studies?StudyDate=19990110-19990120&PatientID=JP*" + jp.tag, t);
  ASSERT_EQ(r.Json().size(), 1u);

  // Series and instances of the study; includefield.
  r = env.Get("/dicom-web/studies/" + study + "/series?includefield=00080021", t);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.Json().size(), 1u);
  EXPECT_EQ(JsonString(r.Json()[0], "00080060"), "OT");
  std::string series = JsonString(r.Json()[0], "0020000E");
  r = env.Get("/dicom-web/studies/" + study + "/series/" + series + "/instances", t);
  ASSERT_EQ(r.Json().size(), 1u);
  EXPECT_EQ(JsonString(r.Json()[0], "00081190"),
            env.Url("/dicom-web/studies/" + study + "/series/" + series + "/instances/" +
                    JsonString(r.Json()[0], "00080018")));
  r = env.Get("/dicom-web/instances?StudyInstanceUID=" + study + "&includefield=all", t,
              "application/json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_TRUE(r.Json()[0].contains("00280010"));  // Rows, from the stored metadata

  // PS3.19 XML, one part per match.
  r = env.Get("/dicom-web/studies?PatientName=" + UrlEncode("山田*"), t,
              "multipart/related; type=\"application/dicom+xml\"");
  ASSERT_EQ(r.status, 200);
  auto xml_parts = SplitMultipart(r.Header("Content-Type"), r.body);
  ASSERT_EQ(xml_parts.size(), 1u);
  EXPECT_EQ(xml_parts[0].content_type, "application/dicom+xml");
  EXPECT_NE(xml_parts[0].body.find("<Ideographic><FamilyName>山田</FamilyName>"),
            std::string::npos)
      << xml_parts[0].body;
  EXPECT_EQ(env.Get("/dicom-web/studies", t, "text/html").status, 406);

  // Errors name the parameter; unsupported matching is a warning.
  r = env.Get("/dicom-web/studies?PatientNmae=x", t);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.Json()["field"], "PatientNmae");
  EXPECT_EQ(r.Json()["title"], "入力が不正です");
  r = env.Curl("-H 'Authorization: Bearer " + t + "' -H 'Accept-Language: en' '" +
               env.Url("/dicom-web/studies?limit=zero") + "'");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["title"], "Invalid input");
  EXPECT_EQ(r.Json()["field"], "limit");
  r = env.Get("/dicom-web/studies?InstitutionName=X&PatientID=JP*" + jp.tag, t);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.Header("Warning").find("299 "), std::string::npos) << r.head;
  EXPECT_NE(r.Header("Warning").find("InstitutionName"), std::string::npos) << r.head;
}

std::string Fill(const std::string& pattern) {
  std::string out;
  for (std::string_view seg : base::Split(pattern, '/')) {
    if (seg.empty()) continue;
    out += '/';
    if (seg == "{frames}") out += "1";
    else if (seg == "{path*}") out += "7FE00010";
    else if (seg.front() == '{') out += "1.2.3.4";
    else out += seg;
  }
  return out;
}

TEST(Security, EveryRouteRefusesMissingOrBadTokens) {
  Env& env = Env::Get();
  ASSERT_GE(env.routes().routes().size(), 23u);
  for (const http::Route& route : env.routes().routes()) {
    std::string path = Fill(route.pattern);
    SCOPED_TRACE(route.method + " " + path);
    EXPECT_TRUE(route.authenticate);
    for (std::string auth : {std::string(), std::string("-H 'Authorization: Bearer nope' ")}) {
      auto r = env.Curl("-X " + route.method + " " + auth + "'" + env.Url(path) +
                        "?requestType=WADO'");
      EXPECT_EQ(r.status, 401);
      EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer realm=\"dokuei\"");
      EXPECT_EQ(r.Json()["type"], "https://dokuei.example/problems/unauthenticated");
      EXPECT_EQ(r.body.find("1.2.3.4"), std::string::npos);
    }
  }
  // Read-only principal cannot store.
  auto r = env.Stow({ReadFile(TestData("transfer_syntaxes/CT_small.dcm"))}, "token-ro");
  EXPECT_EQ(r.status, 403);
}

TEST(Security, AnotherTenantsUidsLookExactlyLikeMissingOnes) {
  Env& env = Env::Get();
  const int owner = 7, other = 8;  // tenant 8 never holds emri_small
  std::string bytes = ReadFile(TestData("mr/pydicom_emri_small_multiframe/emri_small.dcm"));
  auto p = dicom::ParsePart10({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, {});
  ASSERT_TRUE(p.ok());
  auto stow = env.Stow({bytes}, Token(owner));
  ASSERT_TRUE(stow.status == 200 || stow.status == 202) << stow.body;
  const std::string st = p->study_instance_uid, se = p->series_instance_uid,
                    sop = p->sop_instance_uid;
  const std::string rnd = "2.25." + std::to_string(std::hash<std::string>()(base::RandomHex(8)));
  auto paths = [](const std::string& a, const std::string& b, const std::string& c) {
    std::string s = "/dicom-web/studies/" + a, ss = s + "/series/" + b,
                i = ss + "/instances/" + c;
    return std::vector<std::string>{
        s, s + "/metadata", s + "/thumbnail", ss, ss + "/metadata", ss + "/thumbnail", i,
        i + "/metadata", i + "/frames/1", i + "/rendered", i + "/thumbnail",
        i + "/frames/1/rendered", i + "/bulk/7FE00010",
        "/dicom-web/wado?requestType=WADO&studyUID=" + a + "&seriesUID=" + b + "&objectUID=" + c};
  };
  auto theirs = paths(st, se, sop);
  auto missing = paths(rnd, rnd, rnd);
  for (size_t k = 0; k < theirs.size(); ++k) {
    SCOPED_TRACE(theirs[k]);
    auto own = env.Get(theirs[k], Token(owner));
    EXPECT_EQ(own.status, 200);
    auto a = env.Get(theirs[k], Token(other));
    auto b = env.Get(missing[k], Token(other));
    EXPECT_EQ(a.status, 404);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.body, b.body);
    EXPECT_EQ(a.Header("Content-Type"), b.Header("Content-Type"));
  }
  auto q = env.Get("/dicom-web/studies?StudyInstanceUID=" + st, Token(other));
  EXPECT_EQ(q.status, 200);
  EXPECT_EQ(q.body, "[]");
  q = env.Get("/dicom-web/studies/" + st + "/series", Token(other));
  EXPECT_EQ(q.body, "[]");
}

TEST(Hostile, MalformedUploadsAreRefusedAndNothingIsStored) {
  Env& env = Env::Get();
  const int tenant = 3;
  const std::string t = Token(tenant);
  auto stats = [&] { return env.index().Stats(env.tenant(tenant)).value().instances; };
  // Files that must be refused (the others in malformed/ are unusual but valid objects).
  for (const auto& e : std::filesystem::recursive_directory_iterator(TestData("malformed"))) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    bool must_refuse = base::StartsWith(name, "gen_") || name == "MR_truncated.dcm" ||
                       name == "no_meta.dcm" || base::StartsWith(name, "ExplVR_") ||
                       name == "meta_missing_tsyntax.dcm" ||
                       name == "emri_small_jpeg_2k_lossless_too_short.dcm" ||
                       e.path().string().find("empty_uids_ct") != std::string::npos;
    SCOPED_TRACE(name);
    int64_t before = stats();
    size_t blobs_before = env.BlobCount();
    auto r = env.Stow({ReadFile(e.path().string())}, t);
    if (must_refuse) {
      EXPECT_EQ(r.status, 409) << r.body;
      EXPECT_TRUE(r.Json().contains("00081198")) << r.body;
      EXPECT_EQ(stats(), before);
      EXPECT_EQ(env.BlobCount(), blobs_before);
    } else {
      EXPECT_TRUE(r.status == 200 || r.status == 202 || r.status == 409) << r.status;
      std::cout << "  malformed/" << name << " -> " << r.status << "\n";
    }
  }
  int64_t before = stats();
  size_t blobs_before = env.BlobCount();
  std::string ct = ReadFile(TestData("transfer_syntaxes/CT_small.dcm"));
  std::string part = "--B\r\nContent-Type: application/dicom\r\n\r\n" + ct + "\r\n--B--\r\n";
  // No boundary parameter.
  auto r = env.PostRaw("/dicom-web/studies", part, "multipart/related; type=\"application/dicom\"",
                       t);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.Json()["field"], "boundary");
  // Wrong media types.
  r = env.PostRaw("/dicom-web/studies", part,
                  "multipart/related; type=\"application/dicom+json\"; boundary=B", t);
  EXPECT_EQ(r.status, 415);
  r = env.PostRaw("/dicom-web/studies", ct, "application/dicom", t);
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.Json()["field"], "Content-Type");
  // The boundary never closes.
  r = env.PostRaw("/dicom-web/studies", "--B\r\nContent-Type: application/dicom\r\n\r\n" + ct,
                  "multipart/related; type=\"application/dicom\"; boundary=B", t);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "boundary");
  // A body that never mentions the boundary.
  r = env.PostRaw("/dicom-web/studies", ct,
                  "multipart/related; type=\"application/dicom\"; boundary=B", t);
  EXPECT_EQ(r.status, 400);
  // Part headers beyond the limit.
  r = env.PostRaw("/dicom-web/studies", "--B\r\nX-Pad: " + std::string(40000, 'a') + "\r\n\r\n" +
                                            ct + "\r\n--B--\r\n",
                  "multipart/related; type=\"application/dicom\"; boundary=B", t);
  EXPECT_EQ(r.status, 413);
  // A 4 GB declared Content-Length is refused before any body byte is read.
  auto start = std::chrono::steady_clock::now();
  r = env.PostRaw("/dicom-web/studies", "x",
                  "multipart/related; type=\"application/dicom\"; boundary=B", t,
                  "-H 'Content-Length: 4294967296000'");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(stats(), before);
  EXPECT_EQ(env.BlobCount(), blobs_before);
  // The server still serves everyone.
  EXPECT_EQ(env.Get("/dicom-web/studies?limit=1", t).status, 200);
}

}  // namespace
}  // namespace dokuei::dicomweb::e2e
