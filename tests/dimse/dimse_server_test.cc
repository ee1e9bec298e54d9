// The DIMSE network layer against fake handlers, driven by DCMTK's tools and dimse_peer.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "dokuei/dicom/dimse.h"
#include "fake_handlers.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace dokuei::dimse_test {
namespace {

using dicom::DimseOptions;
using dicom::DimseServer;

class DimseServerTest : public ::testing::Test {
 protected:
  void StartServer(DimseOptions o = {}) {
    o.ae_title = "DOKUEI";
    server_ = std::make_unique<DimseServer>(o, handlers_);
    ASSERT_TRUE(server_->Start().ok());
    port_ = std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  RunResult Echo(const std::string& calling, const std::string& called = "DOKUEI") {
    return RunCmd({"echoscu", "-aet", calling, "-aec", called, "127.0.0.1", port_}, 30);
  }
  RunResult Peer(std::vector<std::string> args, int timeout = 60) {
    args.insert(args.begin(), DIMSE_PEER);
    return RunCmd(args, timeout);
  }

  FakeHandlers handlers_;
  std::unique_ptr<DimseServer> server_;
  std::string port_;
};

TEST_F(DimseServerTest, EchoAndAssociationRefusals) {
  StartServer();
  RunResult ok = Echo("MODALITY");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;

  RunResult unknown = Echo("STRANGER");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("Calling AE Title Not Recognized"), std::string::npos)
      << unknown.output;

  RunResult wrong_called = Echo("MODALITY", "SOMEONEELSE");
  EXPECT_NE(wrong_called.exit_code, 0);
  EXPECT_NE(wrong_called.output.find("Called AE Title Not Recognized"), std::string::npos)
      << wrong_called.output;
  // The counter moves after the A-ASSOCIATE-RJ went out, so the client may be faster.
  for (int i = 0; i < 100 && server_->stats().associations_refused < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(server_->stats().associations_refused, 2u);
}

// Every valid test file: dcmsend (which proposes each file's own transfer syntax, but re-encodes
// what it sends: undefined-length sequences become explicit, group lengths change) must get every
// instance accepted in the file's transfer syntax; dimse_peer then sends each file's own data-set
// bytes in its own transfer syntax (HTJ2K included, which storescu 3.6.7 cannot propose) and the
// stored bytes must be identical.
TEST_F(DimseServerTest, StoresEveryTestFileByteExact) {
  StartServer();
  std::vector<std::string> files;
  std::vector<std::string> storescu_files;
  for (const auto& path : ListFiles(TestDataDir())) {
    if (path.find("/malformed/") != std::string::npos) continue;
    std::string file = ReadFile(path);
    MetaInfo meta = ReadMeta(file);
    if (meta.ts.empty() || meta.sop_instance.empty() || DatasetOf(file).empty()) continue;
    if (meta.sop_class.rfind("1.2.840.10008.5.1.4.1.1.", 0) != 0) continue;  // DICOMDIR etc.
    files.push_back(path);
    if (meta.ts.rfind("1.2.840.10008.1.2.4.20", 0) != 0) storescu_files.push_back(path);
  }
  ASSERT_GT(files.size(), 50u);
  std::vector<std::string> args = {"dcmsend", "--decompress-never", "-aet", "MODALITY", "-aec",
                                   "DOKUEI",  "127.0.0.1",          port_};
  args.insert(args.end(), storescu_files.begin(), storescu_files.end());
  RunResult r = RunCmd(args, 120);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, int> uid_count;  // several files share a SOP Instance UID (same image)
  for (const auto& path : storescu_files) ++uid_count[ReadMeta(ReadFile(path)).sop_instance];
  {
    std::lock_guard l(handlers_.mu);
    for (const auto& path : storescu_files) {
      MetaInfo meta = ReadMeta(ReadFile(path));
      if (uid_count[meta.sop_instance] > 1) continue;
      auto it = handlers_.stored.find(meta.sop_instance);
      ASSERT_NE(it, handlers_.stored.end()) << "dcmsend: " << path;
      // dcmsend proposes all uncompressed syntaxes in one context (we take its first) and
      // converts; compressed files must arrive in their own syntax.
      bool uncompressed = meta.ts == "1.2.840.10008.1.2" || meta.ts == "1.2.840.10008.1.2.1" ||
                          meta.ts == "1.2.840.10008.1.2.2";
      if (!uncompressed) {
        EXPECT_EQ(it->second.transfer_syntax, meta.ts) << "dcmsend: " << path;
      }
    }
    handlers_.stored.clear();
  }
  for (const auto& path : files) {
    std::string file = ReadFile(path);
    MetaInfo meta = ReadMeta(file);
    RunResult p = Peer({"store", "127.0.0.1", port_, "MODALITY", "DOKUEI", meta.sop_class,
                        meta.sop_instance, meta.ts, path});
    EXPECT_NE(p.output.find("status=0x0000"), std::string::npos) << path << p.output;
    std::lock_guard l(handlers_.mu);
    auto it = handlers_.stored.find(meta.sop_instance);
    ASSERT_NE(it, handlers_.stored.end()) << path;
    EXPECT_EQ(it->second.transfer_syntax, meta.ts) << path;
    EXPECT_TRUE(it->second.bytes == DatasetOf(file)) << "bytes differ: " << path;
  }
}

TEST_F(DimseServerTest, ThirtyTwoConcurrentAssociations) {
  DimseOptions o;
  o.max_associations = 40;
  StartServer(o);
  std::string file = TestDataDir() + "/transfer_syntaxes/CT_small.dcm";
  std::vector<pid_t> pids;
  std::string dir = MakeTempDir("dimse32");
  for (int i = 0; i < 32; ++i) {
    pids.push_back(Spawn(
        {"storescu", "-aet", "MODALITY", "-aec", "DOKUEI", "127.0.0.1", port_, file, file, file},
        dir + "/log" + std::to_string(i)));
  }
  int failures = 0;
  for (pid_t p : pids) {
    int status = 0;
    waitpid(p, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(server_->stats().stores_ok, 96u);
  EXPECT_EQ(server_->stats().stores_failed, 0u);
  std::filesystem::remove_all(dir);
}

// Server-side sockets of this process connected to the server's port.
std::vector<int> ServerSockets(int port) {
  std::vector<int> out;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d)) {
    int fd = atoi(e->d_name);
    if (fd <= 2) continue;
    sockaddr_in local{};
    socklen_t len = sizeof(local);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    sockaddr_in peer{};
    len = sizeof(peer);
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    if (local.sin_family == AF_INET && ntohs(local.sin_port) == port) out.push_back(fd);
  }
  closedir(d);
  return out;
}

TEST_F(DimseServerTest, TcpNoDelayOnAcceptedSockets) {
  StartServer();
  pid_t holder =
      Spawn({DIMSE_PEER, "hold", "127.0.0.1", port_, "MODALITY", "DOKUEI", "3"}, "/dev/null");
  std::vector<int> fds;
  for (int i = 0; i < 50 && fds.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fds = ServerSockets(server_->port());
  }
  ASSERT_FALSE(fds.empty());
  for (int fd : fds) {
    int v = 0;
    socklen_t len = sizeof(v);
    ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
    EXPECT_EQ(v, 1);
  }
  Kill(holder);
}

TEST_F(DimseServerTest, IdleAssociationIsAborted) {
  DimseOptions o;
  o.dimse_timeout = std::chrono::seconds(1);
  StartServer(o);
  RunResult r = Peer({"hold", "127.0.0.1", port_, "MODALITY", "DOKUEI", "3"});
  EXPECT_NE(r.output.find("echo1=OK"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("echo2=FAIL"), std::string::npos) << r.output;
}

int ConnectRaw(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  return fd;
}

TEST_F(DimseServerTest, GarbageAndSilentPeersDoNotDisturbOthers) {
  DimseOptions o;
  o.acse_timeout = std::chrono::seconds(5);
  StartServer(o);
  int silent = ConnectRaw(server_->port());
  int garbage = ConnectRaw(server_->port());
  std::string junk(4096, '\x5a');
  junk[0] = 0x01;  // looks like an A-ASSOCIATE-RQ with an absurd length
  ASSERT_GT(write(garbage, junk.data(), junk.size()), 0);
  // A lying PDU length: an A-ASSOCIATE-RQ header announcing 4 GB.
  int liar = ConnectRaw(server_->port());
  const unsigned char header[6] = {0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xF0};
  ASSERT_EQ(write(liar, header, 6), 6);
  auto t0 = std::chrono::steady_clock::now();
  RunResult ok = Echo("MODALITY");
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  close(silent);
  close(garbage);
  close(liar);
  EXPECT_EQ(Echo("MODALITY").exit_code, 0);
}

TEST_F(DimseServerTest, PerAeAndGlobalAssociationLimits) {
  DimseOptions o;
  o.max_associations = 2;
  StartServer(o);
  pid_t limited =
      Spawn({DIMSE_PEER, "hold", "127.0.0.1", port_, "LIMITED", "DOKUEI", "4"}, "/dev/null");
  for (int i = 0; i < 50 && server_->stats().associations_active < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  RunResult second = Echo("LIMITED");
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.output.find("Local Limit Exceeded"), std::string::npos) << second.output;
  pid_t other =
      Spawn({DIMSE_PEER, "hold", "127.0.0.1", port_, "MODALITY", "DOKUEI", "4"}, "/dev/null");
  for (int i = 0; i < 50 && server_->stats().associations_active < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  RunResult third = Echo("VIEWER");
  EXPECT_NE(third.exit_code, 0);
  EXPECT_NE(third.output.find("Local Limit Exceeded"), std::string::npos) << third.output;
  Kill(limited);
  Kill(other);
  for (int i = 0; i < 100 && server_->stats().associations_active > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Echo("LIMITED").exit_code, 0);
}

TEST_F(DimseServerTest, FailedStoreKeepsAssociationUsable) {
  StartServer();
  handlers_.max_object_bytes = 4096;
  std::string file = TestDataDir() + "/transfer_syntaxes/CT_small.dcm";
  RunResult big = Peer({"store", "127.0.0.1", port_, "MODALITY", "DOKUEI",
                        "1.2.840.10008.5.1.4.1.1.2", "1.2.3.4", "1.2.840.10008.1.2.1", file, "2"});
  EXPECT_NE(big.output.find("status=0xA700 comment=object exceeds 2 GiB limit"), std::string::npos)
      << big.output;
  EXPECT_NE(big.output.find("echo=OK"), std::string::npos) << big.output;
  handlers_.max_object_bytes = 64 << 20;
  RunResult bad = Peer({"store", "127.0.0.1", port_, "MODALITY", "DOKUEI",
                        "1.2.840.10008.5.1.4.1.1.2", "1.2.3.999.1", "1.2.840.10008.1.2.1", file});
  EXPECT_NE(bad.output.find("status=0xA900 comment=data set does not match SOP class"),
            std::string::npos)
      << bad.output;
  EXPECT_NE(bad.output.find("echo=OK"), std::string::npos) << bad.output;
  std::lock_guard l(handlers_.mu);
  EXPECT_TRUE(handlers_.stored.empty());
}

TEST_F(DimseServerTest, FindAnswersMatchesWithLevelAndRetrieveAe) {
  StartServer();
  handlers_.matches = {{{dicom::tags::kPatientName, "PN", {"DOE^JOHN"}, {}},
                        {dicom::tags::kStudyInstanceUID, "UI", {"1.2.3"}, {}}},
                       {{dicom::tags::kPatientName, "PN", {"DOE^JANE"}, {}},
                        {dicom::tags::kStudyInstanceUID, "UI", {"1.2.4"}, {}}}};
  RunResult r =
      RunCmd({"findscu", "-S", "-aet", "VIEWER", "-aec", "DOKUEI", "-k", "QueryRetrieveLevel=STUDY",
              "-k", "PatientName=DOE*", "-k", "StudyInstanceUID", "-k",
              "StudyDate=20200101-20201231", "127.0.0.1", port_},
             30);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("DOE^JANE"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(0008,0054) AE [DOKUEI]"), std::string::npos) << r.output;
  std::lock_guard l(handlers_.mu);
  ASSERT_EQ(handlers_.queries.size(), 1u);
  EXPECT_EQ(handlers_.queries[0].level, dicom::QueryLevel::kStudy);
  EXPECT_EQ(handlers_.queries[0].model, dicom::QueryModel::kStudyRoot);
  bool saw_range = false;
  for (const auto& k : handlers_.queries[0].keys) {
    if (k.tag == dicom::tags::kStudyDate)
      saw_range = !k.values.empty() && k.values[0] == "20200101-20201231";
  }
  EXPECT_TRUE(saw_range);
}

// Japanese names: the identifier arrives in ISO 2022 IR 87 and reaches the handler in UTF-8;
// answers go back in the query's character set when it can represent them, else in UTF-8.
TEST_F(DimseServerTest, FindConvertsCharacterSets) {
  StartServer();
  const std::string utf8_name =
      "Yamada^Tarou=\xe5\xb1\xb1\xe7\x94\xb0^\xe5\xa4\xaa\xe9\x83\x8e="
      "\xe3\x82\x84\xe3\x81\xbe\xe3\x81\xa0^\xe3\x81\x9f\xe3\x82\x8d\xe3\x81\x86";
  handlers_.matches = {{{dicom::tags::kPatientName, "PN", {utf8_name}, {}},
                        {dicom::tags::kStudyInstanceUID, "UI", {"1.2.3"}, {}}}};
  const std::string kanji = "\x1b$B", ascii = "\x1b(B";
  std::string jis_query = "Yamada^Tarou=" + kanji + ";3ED" + ascii + "^" + kanji + "B@O:" + ascii;
  std::string dir = MakeTempDir("dimsejis");
  RunResult r =
      RunCmd({"findscu", "-S", "-X", "-od", dir, "-aet", "VIEWER", "-aec", "DOKUEI", "-k",
              "QueryRetrieveLevel=STUDY", "-k", "SpecificCharacterSet=\\ISO 2022 IR 87", "-k",
              "PatientName=" + jis_query, "-k", "StudyInstanceUID", "127.0.0.1", port_},
             30);
  auto files = ListFiles(dir);
  ASSERT_EQ(files.size(), 1u) << r.output;
  std::string rsp = ReadFile(files[0]);
  EXPECT_NE(rsp.find(kanji + ";3ED" + ascii + "^" + kanji + "B@O:"), std::string::npos)
      << "answer not encoded in ISO 2022 IR 87";
  EXPECT_NE(rsp.find("\\ISO 2022 IR 87"), std::string::npos);
  {
    std::lock_guard l(handlers_.mu);
    ASSERT_EQ(handlers_.queries.size(), 1u);
    bool decoded = false;
    for (const auto& k : handlers_.queries[0].keys) {
      if (k.tag == dicom::tags::kPatientName && !k.values.empty()) {
        decoded = k.values[0] == "Yamada^Tarou=\xe5\xb1\xb1\xe7\x94\xb0^\xe5\xa4\xaa\xe9\x83\x8e";
      }
    }
    EXPECT_TRUE(decoded) << "identifier not decoded to UTF-8";
  }
  std::filesystem::remove_all(dir);
  dir = MakeTempDir("dimselatin");
  RunCmd({"findscu", "-S", "-X", "-od", dir, "-aet", "VIEWER", "-aec", "DOKUEI", "-k",
          "QueryRetrieveLevel=STUDY", "-k", "SpecificCharacterSet=ISO_IR 100", "-k", "PatientName",
          "127.0.0.1", port_},
         30);
  files = ListFiles(dir);
  ASSERT_EQ(files.size(), 1u);
  rsp = ReadFile(files[0]);
  EXPECT_NE(rsp.find("ISO_IR 192"), std::string::npos) << "Latin-1 cannot hold kanji: UTF-8";
  EXPECT_NE(rsp.find("\xe5\xb1\xb1\xe7\x94\xb0"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_F(DimseServerTest, FindHonoursCancel) {
  StartServer();
  // Enough answers to fill the socket buffers, so the cancel arrives while matches remain.
  std::string filler(2000, 'x');
  for (int i = 0; i < 20000; ++i) {
    handlers_.matches.push_back(
        {{dicom::tags::kStudyInstanceUID, "UI", {"1.2.3." + std::to_string(i)}, {}},
         {dicom::Tag(0x0032, 0x4000), "LT", {filler}, {}}});
  }
  RunResult r =
      RunCmd({"findscu", "-v", "-S", "--cancel", "2", "-aet", "VIEWER", "-aec", "DOKUEI", "-k",
              "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", "127.0.0.1", port_},
             30);
  EXPECT_NE(r.output.find("Final Find Response (Cancel"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("1.2.3.19999"), std::string::npos) << "all matches sent despite cancel";
  EXPECT_EQ(RunCmd({"echoscu", "-aet", "VIEWER", "-aec", "DOKUEI", "127.0.0.1", port_}).exit_code,
            0);
}

TEST_F(DimseServerTest, FindWithoutLevelFails) {
  StartServer();
  RunResult r = RunCmd({"findscu", "-v", "-S", "-aet", "VIEWER", "-aec", "DOKUEI", "-k",
                        "PatientName=X", "127.0.0.1", port_},
                       30);
  EXPECT_NE(r.output.find("Error: DataSetDoesNotMatchSOPClass"), std::string::npos) << r.output;
}

TEST_F(DimseServerTest, GetAndMoveSendStoredBytes) {
  StartServer();
  std::vector<std::string> files = {TestDataDir() + "/transfer_syntaxes/CT_small.dcm",
                                    TestDataDir() + "/transfer_syntaxes/MR_small.dcm"};
  handlers_.retrieve_files = files;
  std::string get_dir = MakeTempDir("dimseget");
  RunResult g =
      RunCmd({"getscu", "+B", "-S", "-aet", "VIEWER", "-aec", "DOKUEI", "-od", get_dir, "-k",
              "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3", "127.0.0.1", port_},
             60);
  EXPECT_EQ(g.exit_code, 0) << g.output;
  auto got = ListFiles(get_dir);
  ASSERT_EQ(got.size(), 2u) << g.output;

  int dest_port = FreePort();
  std::string move_dir = MakeTempDir("dimsemove");
  pid_t scp =
      Spawn({"storescp", "-aet", "DEST", "-od", move_dir, "+B", "+xa", std::to_string(dest_port)},
            move_dir + ".log");
  {
    std::lock_guard l(handlers_.mu);
    handlers_.destinations["DEST"] = {"DEST", "127.0.0.1", static_cast<uint16_t>(dest_port)};
  }
  for (int i = 0;
       i < 50 &&
       RunCmd({"echoscu", "-aec", "DEST", "127.0.0.1", std::to_string(dest_port)}, 5).exit_code !=
           0;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  RunResult m =
      RunCmd({"movescu", "-S", "-aet", "VIEWER", "-aec", "DOKUEI", "-aem", "DEST", "-k",
              "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3", "127.0.0.1", port_},
             60);
  EXPECT_EQ(m.exit_code, 0) << m.output;
  RunResult unknown =
      RunCmd({"movescu", "-S", "-aet", "VIEWER", "-aec", "DOKUEI", "-aem", "NOWHERE", "-k",
              "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3", "127.0.0.1", port_},
             60);
  EXPECT_NE(unknown.output.find("MoveDestinationUnknown"), std::string::npos) << unknown.output;
  Kill(scp);
  auto moved = ListFiles(move_dir);
  ASSERT_EQ(moved.size(), 2u);
  for (const auto& f : files) {
    std::string ds = DatasetOf(ReadFile(f));
    bool found_get = false, found_move = false;
    for (const auto& g2 : got) found_get |= DatasetOf(ReadFile(g2)) == ds;
    for (const auto& m2 : moved) found_move |= DatasetOf(ReadFile(m2)) == ds;
    EXPECT_TRUE(found_get) << f;
    EXPECT_TRUE(found_move) << f;
  }
  std::filesystem::remove_all(get_dir);
  std::filesystem::remove_all(move_dir);
}

TEST_F(DimseServerTest, GetDecompressesForAReceiverOfUncompressedOnly) {
  StartServer();
  handlers_.retrieve_files = {TestDataDir() + "/transfer_syntaxes/MR_small_jpeg_ls_lossless.dcm",
                              TestDataDir() + "/transfer_syntaxes/MR_small_RLE.dcm"};
  std::string dir = MakeTempDir("dimsegetx");
  RunResult g =
      RunCmd({"getscu", "-S", "-aet", "VIEWER", "-aec", "DOKUEI", "-od", dir, "-k",
              "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3", "127.0.0.1", port_},
             60);
  auto got = ListFiles(dir);
  ASSERT_EQ(got.size(), 1u) << g.output;  // both files hold the same SOP instance
  std::string ts = ReadMeta(ReadFile(got[0])).ts;
  EXPECT_TRUE(ts == "1.2.840.10008.1.2.1" || ts == "1.2.840.10008.1.2") << ts;
  std::filesystem::remove_all(dir);
}

TEST_F(DimseServerTest, StorageCommitmentSameAndNewAssociation) {
  DimseOptions o;
  o.report_retry_delay = std::chrono::seconds(1);
  StartServer(o);
  std::string file = TestDataDir() + "/transfer_syntaxes/CT_small.dcm";
  MetaInfo meta = ReadMeta(ReadFile(file));
  ASSERT_EQ(RunCmd({"storescu", "-aet", "MODALITY", "-aec", "DOKUEI", "127.0.0.1", port_, file})
                .exit_code,
            0);
  RunResult same = Peer({"commit", "127.0.0.1", port_, "MODALITY", "DOKUEI", "0", "10",
                         meta.sop_class, meta.sop_instance, meta.sop_class, "1.2.3.404"});
  EXPECT_NE(same.output.find("action=0x0000"), std::string::npos) << same.output;
  EXPECT_NE(same.output.find("report=same event=2 committed=1 failed=1 reasons=0x0112,"),
            std::string::npos)
      << same.output;

  int listen_port = FreePort();
  {
    std::lock_guard l(handlers_.mu);
    handlers_.report_destination =
        dicom::PeerAddress{"MODALITY", "127.0.0.1", static_cast<uint16_t>(listen_port)};
  }
  RunResult later = Peer({"commit", "127.0.0.1", port_, "MODALITY", "DOKUEI",
                          std::to_string(listen_port), "15", meta.sop_class, meta.sop_instance});
  EXPECT_NE(later.output.find("action=0x0000"), std::string::npos) << later.output;
  EXPECT_NE(later.output.find("report=new event=1 committed=1 failed=0"), std::string::npos)
      << later.output;
}

}  // namespace
}  // namespace dokuei::dimse_test

namespace dokuei::dimse_test {
namespace {
// Manual runs and benchmarks: DIMSE_TEST_PORT, DIMSE_TEST_SECONDS; fake handlers (stores in
// memory, no fsync). Run with --gtest_also_run_disabled_tests.
TEST_F(DimseServerTest, DISABLED_ServeForManualTesting) {
  DimseOptions o;
  const char* port = std::getenv("DIMSE_TEST_PORT");
  o.port = static_cast<uint16_t>(port ? std::atoi(port) : 11112);
  StartServer(o);
  const char* secs = std::getenv("DIMSE_TEST_SECONDS");
  std::this_thread::sleep_for(std::chrono::seconds(secs ? std::atoi(secs) : 60));
  std::lock_guard l(handlers_.mu);
  std::cout << "stored " << handlers_.stored.size() << std::endl;
}
}  // namespace
}  // namespace dokuei::dimse_test
