// End to end: DimseServer wired to the real archive (Ingest + SQLite index + FsBlobStore in a
// temp dir), driven by DCMTK's tools and dimse_peer. Two tenants: A (MODALITY_A, VIEWER_A,
// DEST_A) and B (VIEWER_B, DEST_B).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "dokuei/archive/dimse_handlers.h"
#include "dokuei/archive/ingest.h"
#include "dokuei/archive/peers.h"
#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/base/env.h"
#include "dokuei/base/random.h"
#include "dokuei/blob/blob_store.h"
#include "dokuei/dicom/dimse.h"
#include "dokuei/index/index.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace dokuei::dimse_test {
namespace {

constexpr const char* kCtClass = "1.2.840.10008.5.1.4.1.1.2";

class DimseE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("dimse-e2e");
    auto idx = index::OpenSqliteIndex({dir_ + "/index.db", 2});
    ASSERT_TRUE(idx.ok()) << idx.status().ToString();
    index_ = std::move(*idx);
    auto blobs = blob::NewFsBlobStore(base::PosixEnv(), base::SystemClock(), dir_ + "/blobs");
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    blobs_ = std::move(*blobs);
    tenant_a_ = *index_->EnsureTenant("hospital-a", "Hospital A");
    tenant_b_ = *index_->EnsureTenant("hospital-b", "Hospital B");
    report_port_ = FreePort();
    dest_a_port_ = FreePort();
    dest_b_port_ = FreePort();
    auto peer = [](std::string ae, std::string code, index::TenantId t, int port) {
      archive::DicomPeer p;
      p.ae_title = std::move(ae);
      p.host = "127.0.0.1";
      p.port = static_cast<uint16_t>(port);
      p.tenant_code = std::move(code);
      p.tenant = t;
      return p;
    };
    peers_ = std::make_unique<archive::PeerDirectory>(std::vector<archive::DicomPeer>{
        peer("MODALITY_A", "hospital-a", tenant_a_, report_port_),
        peer("MODALITY", "hospital-a", tenant_a_, 0), peer("VIEWER_A", "hospital-a", tenant_a_, 0),
        peer("DEST_A", "hospital-a", tenant_a_, dest_a_port_),
        peer("VIEWER_B", "hospital-b", tenant_b_, 0),
        peer("DEST_B", "hospital-b", tenant_b_, dest_b_port_)});
    ingest_ = std::make_unique<archive::Ingest>(*index_, *blobs_, base::SystemClock(),
                                                archive::IngestOptions{});
    query_ = std::make_unique<archive::QueryService>(*index_);
    retrieve_ = std::make_unique<archive::RetrieveService>(*index_, *blobs_, *query_);
    handlers_ =
        std::make_unique<archive::ArchiveDimseHandlers>(*peers_, *ingest_, *query_, *retrieve_);
    dicom::DimseOptions o;
    o.ae_title = "DOKUEI";
    if (const char* p = std::getenv("DIMSE_TEST_PORT"))
      o.port = static_cast<uint16_t>(std::atoi(p));
    o.report_retry_delay = std::chrono::seconds(1);
    server_ = std::make_unique<dicom::DimseServer>(o, *handlers_);
    ASSERT_TRUE(server_->Start().ok());
    port_ = std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  RunResult Peer(std::vector<std::string> args, int timeout = 60) {
    args.insert(args.begin(), DIMSE_PEER);
    return RunCmd(args, timeout);
  }
  RunResult StoreRaw(const std::string& path, const std::string& calling = "MODALITY_A") {
    MetaInfo m = ReadMeta(ReadFile(path));
    return Peer(
        {"store", "127.0.0.1", port_, calling, "DOKUEI", m.sop_class, m.sop_instance, m.ts, path});
  }
  // The stored Part-10 object of an instance in tenant t, or "".
  std::string StoredObject(index::TenantId t, const std::string& sop_instance) {
    archive::QueryRequest q;
    q.level = index::Level::kInstance;
    q.keys = {{dicom::tags::kSOPInstanceUID, "UI", {sop_instance}, {}}};
    auto loc = retrieve_->Locate(t, q);
    if (!loc.ok() || loc->empty()) return {};
    auto bytes = retrieve_->ReadAll((*loc)[0]);
    return bytes.ok() ? *bytes : std::string();
  }
  RunResult Find(const std::string& calling, std::vector<std::string> keys,
                 const std::string& model = "-S", const std::string& extract_dir = "") {
    std::vector<std::string> args = {"findscu", "-v", model, "-aet", calling, "-aec", "DOKUEI"};
    if (!extract_dir.empty()) {
      args.push_back("-X");
      args.push_back("-od");
      args.push_back(extract_dir);
    }
    for (auto& k : keys) {
      args.push_back("-k");
      args.push_back(k);
    }
    args.push_back("127.0.0.1");
    args.push_back(port_);
    return RunCmd(args, 60);
  }
  static int Count(const std::string& haystack, const std::string& needle) {
    int n = 0;
    for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1))
      ++n;
    return n;
  }
  std::string StoreCtSmall() {
    std::string path = TestDataDir() + "/transfer_syntaxes/CT_small.dcm";
    RunResult r = StoreRaw(path);
    EXPECT_NE(r.output.find("status=0x0000"), std::string::npos) << r.output;
    return path;
  }

  std::string dir_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<blob::BlobStore> blobs_;
  index::TenantId tenant_a_, tenant_b_;
  int report_port_ = 0, dest_a_port_ = 0, dest_b_port_ = 0;
  std::unique_ptr<archive::PeerDirectory> peers_;
  std::unique_ptr<archive::Ingest> ingest_;
  std::unique_ptr<archive::QueryService> query_;
  std::unique_ptr<archive::RetrieveService> retrieve_;
  std::unique_ptr<archive::ArchiveDimseHandlers> handlers_;
  std::unique_ptr<dicom::DimseServer> server_;
  std::string port_;
};

TEST_F(DimseE2eTest, EchoAndUnknownCallerRefused) {
  EXPECT_EQ(
      RunCmd({"echoscu", "-aet", "MODALITY_A", "-aec", "DOKUEI", "127.0.0.1", port_}).exit_code, 0);
  RunResult r = RunCmd({"echoscu", "-aet", "INTRUDER", "-aec", "DOKUEI", "127.0.0.1", port_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("Calling AE Title Not Recognized"), std::string::npos) << r.output;
}

// Each valid file's data set, sent in its own transfer syntax, is stored byte for byte behind
// our meta header; a second file under an already used SOP Instance UID is a recorded conflict.
TEST_F(DimseE2eTest, StoresEveryValidTestFileAsSent) {
  std::map<std::string, std::string> first_by_uid;
  int stored = 0;
  for (const auto& path : ListFiles(TestDataDir())) {
    if (path.find("/malformed/") != std::string::npos) continue;
    std::string file = ReadFile(path);
    MetaInfo m = ReadMeta(file);
    if (m.ts.empty() || m.sop_instance.empty() || DatasetOf(file).empty()) continue;
    if (m.sop_class.rfind("1.2.840.10008.5.1.4.1.1.", 0) != 0) continue;
    RunResult r = StoreRaw(path);
    EXPECT_NE(r.output.find("echo=OK"), std::string::npos) << path << r.output;
    if (r.output.find("is missing") != std::string::npos) {
      // Not storable (e.g. the HTJ2K and JPEG-LS samples have no StudyInstanceUID): refused
      // with a clear comment, association intact. Their byte-exact transport is covered by
      // dimse_test against fake handlers.
      EXPECT_NE(r.output.find("status=0xC000"), std::string::npos) << path << r.output;
      continue;
    }
    if (first_by_uid.count(m.sop_instance)) {
      EXPECT_NE(r.output.find("status=0xC409 comment=conflict"), std::string::npos)
          << path << r.output;
      continue;
    }
    EXPECT_NE(r.output.find("status=0x0000"), std::string::npos) << path << r.output;
    if (r.output.find("status=0x0000") == std::string::npos) continue;
    first_by_uid[m.sop_instance] = path;
    std::string blob = StoredObject(tenant_a_, m.sop_instance);
    EXPECT_EQ(ReadMeta(blob).ts, m.ts) << path;
    EXPECT_TRUE(DatasetOf(blob) == DatasetOf(file)) << "stored bytes differ: " << path;
    ++stored;
  }
  EXPECT_GT(stored, 50);
  // Nothing of it is visible to tenant B.
  EXPECT_EQ(index_->Stats(tenant_b_)->instances, 0);
}

TEST_F(DimseE2eTest, FindAtEveryLevelBothRootsWildcardsAndRanges) {
  for (const auto& path : ListFiles(TestDataDir() + "/dicomdir")) {
    if (path.find("DICOMDIR") == std::string::npos) StoreRaw(path);
  }
  StoreCtSmall();
  RunResult study = Find(
      "VIEWER_A", {"QueryRetrieveLevel=STUDY", "StudyInstanceUID", "PatientName", "StudyDate"});
  EXPECT_NE(study.output.find("Final Find Response (Success)"), std::string::npos) << study.output;
  int studies = Count(study.output, "Find Response:");
  EXPECT_GE(studies, 3) << study.output;
  RunResult series =
      Find("VIEWER_A", {"QueryRetrieveLevel=SERIES", "SeriesInstanceUID", "Modality=MR"});
  EXPECT_GE(Count(series.output, "(0008,0060) CS [MR]"), 3) << series.output;
  EXPECT_EQ(Count(series.output, "(0008,0060) CS [CT]"), 0) << series.output;
  RunResult image =
      Find("VIEWER_A",
           {"QueryRetrieveLevel=IMAGE", "SOPInstanceUID",
            "StudyInstanceUID=1.3.6.1.4.1.5962.1.2.1.20040119072730.12322", "SeriesInstanceUID"});
  EXPECT_NE(image.output.find("Final Find Response (Success)"), std::string::npos) << image.output;
  RunResult patient =
      Find("VIEWER_A", {"QueryRetrieveLevel=PATIENT", "PatientID", "PatientName=*"}, "-P");
  EXPECT_GE(Count(patient.output, "(0010,0020) LO"), 3) << patient.output;
  RunResult range = Find(
      "VIEWER_A", {"QueryRetrieveLevel=STUDY", "StudyInstanceUID", "StudyDate=19000101-19991231"});
  EXPECT_NE(range.output.find("Final Find Response (Success)"), std::string::npos) << range.output;
  // Tenant B sees nothing.
  RunResult b = Find("VIEWER_B", {"QueryRetrieveLevel=STUDY", "StudyInstanceUID"});
  EXPECT_EQ(Count(b.output, "(Pending)"), 0) << b.output;
  EXPECT_NE(b.output.find("Final Find Response (Success)"), std::string::npos) << b.output;
}

// A Japanese name stored in ISO 2022 IR 87, queried in ISO 2022 IR 87 and in ISO_IR 192.
TEST_F(DimseE2eTest, JapaneseNamesInIso2022AndUtf8) {
  std::string copy = dir_ + "/yamada.dcm";
  WriteFile(copy, ReadFile(TestDataDir() + "/transfer_syntaxes/CT_small.dcm"));
  const std::string esc_kanji = "\x1b$B", esc_ascii = "\x1b(B";
  // Yamada^Tarou=山田^太郎=やまだ^たろう (PS3.5 H.3.1), JIS X 0208 bytes.
  std::string name = "Yamada^Tarou=" + esc_kanji + ";3ED" + esc_ascii + "^" + esc_kanji +
                     "B@O:" + esc_ascii + "=" + esc_kanji + "$d$^$@" + esc_ascii + "^" + esc_kanji +
                     "$?$m$&" + esc_ascii;
  std::string uid = base::NewDicomUid();
  RunResult mod = RunCmd({"dcmodify", "-nb", "-i", "(0008,0005)=\\ISO 2022 IR 87", "-i",
                          "(0010,0010)=" + name, "-i", "(0008,0018)=" + uid, copy});
  ASSERT_EQ(mod.exit_code, 0) << mod.output;
  RunResult st = StoreRaw(copy);
  ASSERT_NE(st.output.find("status=0x0000"), std::string::npos) << st.output;

  std::string out_jis = dir_ + "/jis";
  std::filesystem::create_directories(out_jis);
  RunResult jis = Find("VIEWER_A",
                       {"QueryRetrieveLevel=STUDY", "SpecificCharacterSet=\\ISO 2022 IR 87",
                        "PatientName=Yamada*", "StudyInstanceUID"},
                       "-S", out_jis);
  auto files = ListFiles(out_jis);
  ASSERT_EQ(files.size(), 1u) << jis.output;
  std::string rsp = ReadFile(files[0]);
  EXPECT_NE(rsp.find(esc_kanji + ";3ED"), std::string::npos) << "answer not in ISO 2022 IR 87";
  EXPECT_NE(rsp.find("ISO 2022 IR 87"), std::string::npos);

  std::string out_utf8 = dir_ + "/utf8";
  std::filesystem::create_directories(out_utf8);
  RunResult utf8 = Find("VIEWER_A",
                        {"QueryRetrieveLevel=STUDY", "SpecificCharacterSet=ISO_IR 192",
                         "PatientName=Yamada*", "StudyInstanceUID"},
                        "-S", out_utf8);
  files = ListFiles(out_utf8);
  ASSERT_EQ(files.size(), 1u) << utf8.output;
  rsp = ReadFile(files[0]);
  EXPECT_NE(rsp.find("\xe5\xb1\xb1\xe7\x94\xb0"), std::string::npos) << "山田 not in UTF-8 answer";
  EXPECT_NE(rsp.find("ISO_IR 192"), std::string::npos);
}

TEST_F(DimseE2eTest, GetAndMoveAreByteExactAndTenantScoped) {
  std::string path = StoreCtSmall();
  std::string file = ReadFile(path);
  MetaInfo m = ReadMeta(file);
  std::string study = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322";
  std::string got = dir_ + "/get";
  std::filesystem::create_directories(got);
  RunResult g =
      RunCmd({"getscu", "+B", "-S", "-aet", "VIEWER_A", "-aec", "DOKUEI", "-od", got, "-k",
              "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + study, "127.0.0.1", port_});
  ASSERT_EQ(ListFiles(got).size(), 1u) << g.output;
  EXPECT_TRUE(DatasetOf(ReadFile(ListFiles(got)[0])) == DatasetOf(file));

  std::string moved = dir_ + "/move";
  std::filesystem::create_directories(moved);
  pid_t scp =
      Spawn({"storescp", "-aet", "DEST_A", "-od", moved, "+B", "+xa", std::to_string(dest_a_port_)},
            dir_ + "/storescp.log");
  for (int i = 0;
       i < 50 && RunCmd({"echoscu", "-aec", "DEST_A", "127.0.0.1", std::to_string(dest_a_port_)}, 5)
                         .exit_code != 0;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  RunResult mv =
      RunCmd({"movescu", "-S", "-aet", "VIEWER_A", "-aec", "DOKUEI", "-aem", "DEST_A", "-k",
              "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + study, "127.0.0.1", port_});
  EXPECT_EQ(mv.exit_code, 0) << mv.output;
  // Tenant B: nothing to get, and tenant A's destination is unknown to it.
  std::string got_b = dir_ + "/get_b";
  std::filesystem::create_directories(got_b);
  RunCmd({"getscu", "-S", "-aet", "VIEWER_B", "-aec", "DOKUEI", "-od", got_b, "-k",
          "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + study, "127.0.0.1", port_});
  EXPECT_TRUE(ListFiles(got_b).empty());
  RunResult mv_b =
      RunCmd({"movescu", "-S", "-aet", "VIEWER_B", "-aec", "DOKUEI", "-aem", "DEST_A", "-k",
              "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + study, "127.0.0.1", port_});
  EXPECT_NE(mv_b.output.find("MoveDestinationUnknown"), std::string::npos) << mv_b.output;
  Kill(scp);
  auto received = ListFiles(moved);
  ASSERT_EQ(received.size(), 1u) << mv.output;
  EXPECT_TRUE(DatasetOf(ReadFile(received[0])) == DatasetOf(file));
}

TEST_F(DimseE2eTest, StorageCommitmentReportsCommittedAndFailed) {
  std::string path = StoreCtSmall();
  MetaInfo m = ReadMeta(ReadFile(path));
  RunResult same = Peer({"commit", "127.0.0.1", port_, "MODALITY_A", "DOKUEI", "0", "10",
                         m.sop_class, m.sop_instance, kCtClass, "1.2.3.4.404"});
  EXPECT_NE(same.output.find("action=0x0000"), std::string::npos) << same.output;
  EXPECT_NE(same.output.find("report=same event=2 committed=1 failed=1 reasons=0x0112,"),
            std::string::npos)
      << same.output;
  // Released before the report: it comes on a new association to MODALITY_A's address.
  RunResult later = Peer({"commit", "127.0.0.1", port_, "MODALITY_A", "DOKUEI",
                          std::to_string(report_port_), "15", m.sop_class, m.sop_instance});
  EXPECT_NE(later.output.find("report=new event=1 committed=1 failed=0"), std::string::npos)
      << later.output;
}

// Malformed data sets over DIMSE: a failure status with an error comment, nothing stored, and
// the association still answers a C-ECHO afterwards.
TEST_F(DimseE2eTest, MalformedDataSetsAreRefusedCleanly) {
  struct Case {
    std::string file, sop_instance;
  };
  std::string mal = TestDataDir() + "/malformed/";
  std::vector<Case> cases = {
      {mal + "gen_oversized_element_length.dcm", ""},
      {mal + "gen_rows_exceed_pixeldata.dcm", ""},
      {mal + "gen_native_pixeldata_undefined_length.dcm", ""},
      {mal + "MR_truncated.dcm", "1.2.3.4.5.6"},
      {mal + "gen_dicm_magic_then_garbage.dcm", "1.2.3.4.5.7"},
      {TestDataDir() + "/transfer_syntaxes/CT_small.dcm", "../../etc/passwd"},
      {TestDataDir() + "/transfer_syntaxes/CT_small.dcm", "1.2.3.4.5.8"},  // UID mismatch
  };
  for (const auto& p : ListFiles(mal + "empty_uids_ct")) cases.push_back({p, ""});
  for (const auto& c : cases) {
    std::string file = ReadFile(c.file);
    MetaInfo m = ReadMeta(file);
    std::string instance = c.sop_instance.empty() ? m.sop_instance : c.sop_instance;
    if (instance.empty()) instance = "1.2.3.4.5.9";
    std::string cls = m.sop_class.empty() ? kCtClass : m.sop_class;
    std::string ts = m.ts.empty() ? "1.2.840.10008.1.2" : m.ts;
    RunResult r =
        Peer({"store", "127.0.0.1", port_, "MODALITY_A", "DOKUEI", cls, instance, ts, c.file});
    EXPECT_EQ(r.output.find("status=0x0000"), std::string::npos) << c.file << r.output;
    EXPECT_NE(r.output.find("status=0x"), std::string::npos) << c.file << r.output;
    EXPECT_EQ(r.output.find("comment=\n"), std::string::npos) << "no error comment: " << c.file;
    EXPECT_NE(r.output.find("echo=OK"), std::string::npos) << c.file << r.output;
  }
  EXPECT_EQ(index_->Stats(tenant_a_)->instances, 0);
}

// Manual benchmark: the real archive (SQLite, fsync) on DIMSE_TEST_PORT for DIMSE_TEST_SECONDS;
// calling AE "MODALITY". Run with --gtest_also_run_disabled_tests.
TEST_F(DimseE2eTest, DISABLED_ServeArchiveForBenchmark) {
  const char* secs = std::getenv("DIMSE_TEST_SECONDS");
  std::this_thread::sleep_for(std::chrono::seconds(secs ? std::atoi(secs) : 60));
  std::cout << "instances " << index_->Stats(tenant_a_)->instances << std::endl;
}

}  // namespace
}  // namespace dokuei::dimse_test
