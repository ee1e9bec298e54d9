// The DICOM TLS listener of DimseServer (DCMTK dcmtls) against security.md T1/T3/P1, driven by
// DCMTK's echoscu/storescu/movescu/storescp with +tls and by sslscan: good, wrong-CA, missing and
// pinned client certificates; the server certificate verified by the client; retired profiles
// refused; 16 concurrent TLS associations; C-MOVE to a TLS destination (our SCU side).
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "dokuei/dicom/dimse.h"
#include "fake_handlers.h"
#include "gtest/gtest.h"
#include "pki.h"
#include "sslscan.h"
#include "test_util.h"

namespace dokuei::tls_test {
namespace {

using dimse_test::FakeHandlers;
using dimse_test::RunCmd;
using dimse_test::RunResult;

// FakeHandlers plus a TLS policy per calling AE, decided from AssociationRequest the way the
// archive's handlers do (a tenant requiring client certificates; an AE pinned to one).
class PolicyHandlers : public dicom::DimseHandlers {
 public:
  base::Result<std::unique_ptr<dicom::DimseSession>> Accept(const dicom::AssociationRequest& r,
                                                            dicom::RefuseReason* reason) override {
    {
      std::lock_guard l(mu);
      requests.push_back(r);
      if (cert_required.count(r.calling_ae) && r.certificate_sha256.empty()) {
        *reason = dicom::RefuseReason::kCallingAeNotRecognized;
        return base::PermissionDenied("client certificate required");
      }
      auto pin = pins.find(r.calling_ae);
      if (pin != pins.end() && pin->second != r.certificate_sha256) {
        *reason = dicom::RefuseReason::kCallingAeNotRecognized;
        return base::PermissionDenied("another certificate than the pinned one");
      }
    }
    return fake.Accept(r, reason);
  }
  std::vector<dicom::AssociationRequest> Requests() {
    std::lock_guard l(mu);
    return requests;
  }

  FakeHandlers fake;
  std::mutex mu;
  std::set<std::string> cert_required;
  std::map<std::string, std::string> pins;
  std::vector<dicom::AssociationRequest> requests;
};

class DicomTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    pki_ = new Pki(MakePki(&error));
    ASSERT_FALSE(pki_->dir.empty()) << error;
  }
  static void TearDownTestSuite() { delete pki_; }

  void SetUp() override { ASSERT_FALSE(pki_->dir.empty()); }
  void StartServer(bool require_client_certificate = false, dicom::DimseOptions o = {}) {
    handlers_.fake.known_aes.insert({"SECURE", "PINNED"});
    handlers_.cert_required.insert("SECURE");
    handlers_.pins["PINNED"] = OpensslFingerprint(pki_->client_cert);
    ASSERT_EQ(handlers_.pins["PINNED"].size(), 64u);
    o.ae_title = "DOKUEI";
    dicom::DimseTlsOptions t;
    t.cert_file = pki_->server_cert;
    t.key_file = pki_->server_key;
    t.ca_file = pki_->ca;
    t.require_client_certificate = require_client_certificate;
    o.tls = t;
    server_ = std::make_unique<dicom::DimseServer>(o, handlers_);
    auto st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    port_ = std::to_string(server_->port());
    tls_port_ = std::to_string(server_->tls_port());
    ASSERT_NE(server_->tls_port(), 0);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  // echoscu over TLS with a client certificate (empty cert: anonymous TLS), trusting `ca`.
  RunResult TlsEcho(const std::string& calling, const std::string& cert, const std::string& key,
                    const std::string& ca, const std::string& port = {}) {
    std::vector<std::string> args = {"echoscu", "-aet", calling, "-aec", "DOKUEI"};
    if (cert.empty()) {
      args.push_back("+tla");
    } else {
      args.insert(args.end(), {"+tls", key, cert});
    }
    args.insert(args.end(), {"+cf", ca, "127.0.0.1", port.empty() ? tls_port_ : port});
    return RunCmd(args, 30);
  }
  uint64_t WaitRefused(uint64_t at_least) {
    for (int i = 0; i < 200 && server_->stats().associations_refused < at_least; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return server_->stats().associations_refused;
  }

  static Pki* pki_;
  PolicyHandlers handlers_;
  std::unique_ptr<dicom::DimseServer> server_;
  std::string port_, tls_port_;
};
Pki* DicomTlsTest::pki_ = nullptr;

TEST_F(DicomTlsTest, GoodClientCertificateIsAcceptedWithItsFingerprint) {
  StartServer();
  RunResult r = TlsEcho("MODALITY", pki_->client_cert, pki_->client_key, pki_->ca);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto requests = handlers_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].tls);
  EXPECT_EQ(requests[0].certificate_sha256, OpensslFingerprint(pki_->client_cert));
  EXPECT_EQ(requests[0].peer_address, "127.0.0.1");
  // The plain port still speaks plain DICOM, and reports no certificate.
  RunResult plain = RunCmd({"echoscu", "-aet", "MODALITY", "-aec", "DOKUEI", "127.0.0.1", port_});
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  requests = handlers_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[1].tls);
  EXPECT_TRUE(requests[1].certificate_sha256.empty());
}

TEST_F(DicomTlsTest, ClientCertificateFromAnotherCaFailsTheHandshake) {
  StartServer();
  RunResult r = TlsEcho("MODALITY", pki_->rogue_cert, pki_->rogue_key, pki_->ca);
  EXPECT_NE(r.exit_code, 0) << r.output;
  // The handshake fails (the server counts a refusal); no A-ASSOCIATE-RJ is ever sent.
  EXPECT_EQ(r.output.find("Association Rejected"), std::string::npos) << r.output;
  EXPECT_GE(WaitRefused(1), 1u);
  EXPECT_TRUE(handlers_.Requests().empty());  // refused before any A-ASSOCIATE-RQ was read
}

TEST_F(DicomTlsTest, ClientVerifiesTheServerCertificate) {
  StartServer();
  // Trusting only another CA, the client refuses our server certificate.
  RunResult r = TlsEcho("MODALITY", pki_->client_cert, pki_->client_key, pki_->other_ca);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(handlers_.Requests().empty());
}

TEST_F(DicomTlsTest, MissingCertificateIsRefusedAtAssociationWhenThePolicyAsks) {
  StartServer();
  // Anonymous TLS for an AE without policy: accepted, no fingerprint.
  RunResult anon = TlsEcho("MODALITY", "", "", pki_->ca);
  EXPECT_EQ(anon.exit_code, 0) << anon.output;
  // The AE whose tenant requires client certificates: A-ASSOCIATE-RJ.
  RunResult secure = TlsEcho("SECURE", "", "", pki_->ca);
  EXPECT_NE(secure.exit_code, 0);
  EXPECT_NE(secure.output.find("Association Rejected"), std::string::npos) << secure.output;
  EXPECT_NE(secure.output.find("Calling AE Title Not Recognized"), std::string::npos)
      << secure.output;
  RunResult with_cert = TlsEcho("SECURE", pki_->client_cert, pki_->client_key, pki_->ca);
  EXPECT_EQ(with_cert.exit_code, 0) << with_cert.output;
  auto requests = handlers_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_TRUE(requests[0].certificate_sha256.empty());
  EXPECT_TRUE(requests[1].certificate_sha256.empty());
  EXPECT_FALSE(requests[2].certificate_sha256.empty());
}

TEST_F(DicomTlsTest, PinnedAeAcceptsOnlyItsCertificate) {
  StartServer();
  RunResult good = TlsEcho("PINNED", pki_->client_cert, pki_->client_key, pki_->ca);
  EXPECT_EQ(good.exit_code, 0) << good.output;
  // Same CA, another certificate.
  RunResult other = TlsEcho("PINNED", pki_->client2_cert, pki_->client2_key, pki_->ca);
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.output.find("Association Rejected"), std::string::npos) << other.output;
}

TEST_F(DicomTlsTest, RequiredClientCertificateFailsTheHandshakeWithoutOne) {
  StartServer(/*require_client_certificate=*/true);
  RunResult anon = TlsEcho("MODALITY", "", "", pki_->ca);
  EXPECT_NE(anon.exit_code, 0) << anon.output;
  EXPECT_EQ(anon.output.find("Association Rejected"), std::string::npos) << anon.output;
  EXPECT_GE(WaitRefused(1), 1u);
  EXPECT_TRUE(handlers_.Requests().empty());
  RunResult good = TlsEcho("MODALITY", pki_->client_cert, pki_->client_key, pki_->ca);
  EXPECT_EQ(good.exit_code, 0) << good.output;
}

TEST_F(DicomTlsTest, RetiredProfilesAndPlainDicomAreRefusedOnTheTlsPort) {
  StartServer();
  for (const char* profile : {"+pa", "+pn"}) {  // AES (TLS_RSA_WITH_AES_128_CBC_SHA), NULL
    RunResult r =
        RunCmd({"echoscu", "-aet", "MODALITY", "-aec", "DOKUEI", profile, "+tls", pki_->client_key,
                pki_->client_cert, "+cf", pki_->ca, "127.0.0.1", tls_port_},
               30);
    EXPECT_NE(r.exit_code, 0) << profile << "\n" << r.output;
  }
  RunResult plain = RunCmd({"echoscu", "-to", "5", "-ta", "5", "-aet", "MODALITY", "-aec", "DOKUEI",
                            "127.0.0.1", tls_port_},
                           30);
  EXPECT_NE(plain.exit_code, 0) << plain.output;
  RunResult tls_on_plain =
      TlsEcho("MODALITY", pki_->client_cert, pki_->client_key, pki_->ca, port_);
  EXPECT_NE(tls_on_plain.exit_code, 0) << tls_on_plain.output;
  EXPECT_TRUE(handlers_.Requests().empty());
  // Openssl with the old protocols and a non-AEAD suite, client security level lowered.
  const std::pair<const char*, const char*> probes[] = {
      {"-tls1_1 -cipher DEFAULT@SECLEVEL=0", "alert protocol version"},
      {"-tls1_2 -cipher AES128-SHA", "handshake failure"},
      {"-tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256", "handshake failure"},
      {"-tls1_2 -cipher ECDHE-RSA-AES128-SHA256", "handshake failure"}};
  for (const auto& [opts, alert] : probes) {
    Cmd c = Shell("openssl s_client -connect 127.0.0.1:" + tls_port_ + " -cert " +
                      pki_->client_cert + " -key " + pki_->client_key + " " + opts + " 2>&1",
                  30);
    EXPECT_NE(c.exit_code, 0) << opts << "\n" << c.output;
    EXPECT_NE(c.output.find(alert), std::string::npos) << opts << "\n" << c.output;
  }
}

TEST_F(DicomTlsTest, SslscanOnTheDicomTlsPort) {
  ASSERT_TRUE(HaveTool("sslscan")) << "install sslscan (scripts/debian-packages.txt)";
  StartServer();
  ScanResult scan = Sslscan("127.0.0.1", server_->tls_port());
  std::cout << "sslscan DICOM TLS 127.0.0.1:" << tls_port_ << "\n" << Summary(scan) << "\n";
  auto violations = PolicyViolations(
      scan, {"secp256r1 (NIST P-256)", "secp384r1 (NIST P-384)", "secp521r1 (NIST P-521)"});
  EXPECT_TRUE(violations.empty()) << ::testing::PrintToString(violations) << "\n" << scan.xml;
  for (const auto& c : scan.ciphers) {
    if (c.protocol == "TLSv1.2" && c.preferred) {
      EXPECT_EQ(c.name, "ECDHE-RSA-AES128-GCM-SHA256");
    }
  }
}

// Server-side sockets of this process whose local port is `port`.
std::vector<int> ServerSockets(int port) {
  std::vector<int> out;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d)) {
    int fd = atoi(e->d_name);
    if (fd <= 2) continue;
    sockaddr_in local{}, peer{};
    socklen_t len = sizeof(local);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    len = sizeof(peer);
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    if (local.sin_family == AF_INET && ntohs(local.sin_port) == port) out.push_back(fd);
  }
  closedir(d);
  return out;
}

int ConnectRaw(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A peer that connects and never says ClientHello: TCP_NODELAY is set on the accepted socket,
// other TLS associations proceed meanwhile (the external-socket gate is not held during the
// handshake), and the stalled connection is closed after the ACSE timeout.
TEST_F(DicomTlsTest, StalledHandshakeNeitherBlocksOthersNorLivesForever) {
  dicom::DimseOptions o;
  o.acse_timeout = std::chrono::seconds(2);
  StartServer(false, o);
  int raw = ConnectRaw(server_->tls_port());
  ASSERT_GE(raw, 0);
  std::vector<int> fds;
  for (int i = 0; i < 50 && fds.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fds = ServerSockets(server_->tls_port());
  }
  ASSERT_FALSE(fds.empty());
  for (int fd : fds) {
    int v = 0;
    socklen_t len = sizeof(v);
    ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
    EXPECT_EQ(v, 1);
  }
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = TlsEcho("MODALITY", pki_->client_cert, pki_->client_key, pki_->ca);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  char b;
  timeval tv{10, 0};
  setsockopt(raw, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  EXPECT_EQ(read(raw, &b, 1), 0);  // closed by the server
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(waited, std::chrono::seconds(8));
  close(raw);
}

TEST_F(DicomTlsTest, StorescuOverTlsStoresByteExactAndSixteenAtOnce) {
  StartServer();
  std::vector<std::string> files = {dimse_test::TestDataDir() + "/transfer_syntaxes/CT_small.dcm",
                                    dimse_test::TestDataDir() + "/transfer_syntaxes/MR_small.dcm"};
  auto storescu = [&](const std::string& ae) {
    std::vector<std::string> args = {
        "storescu",        "-aet", ae,       "-aec",      "DOKUEI", "+tls", pki_->client_key,
        pki_->client_cert, "+cf",  pki_->ca, "127.0.0.1", tls_port_};
    args.insert(args.end(), files.begin(), files.end());
    return RunCmd(args, 120);
  };
  // storescu re-encodes what it sends, so the reference is what it sends over plain TCP: TLS
  // must deliver exactly the same bytes.
  std::vector<std::string> plain_args = {"storescu", "-aet",      "MODALITY", "-aec",
                                         "DOKUEI",   "127.0.0.1", port_};
  plain_args.insert(plain_args.end(), files.begin(), files.end());
  RunResult plain = RunCmd(plain_args, 120);
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  std::map<std::string, dimse_test::StoredObject> over_plain;
  {
    std::lock_guard l(handlers_.fake.mu);
    over_plain.swap(handlers_.fake.stored);
  }
  ASSERT_EQ(over_plain.size(), files.size());
  RunResult one = storescu("SECURE");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  {
    std::lock_guard l(handlers_.fake.mu);
    ASSERT_EQ(handlers_.fake.stored.size(), files.size());
    for (const auto& [uid, obj] : over_plain) {
      auto it = handlers_.fake.stored.find(uid);
      ASSERT_NE(it, handlers_.fake.stored.end()) << uid;
      EXPECT_EQ(it->second.transfer_syntax, obj.transfer_syntax);
      EXPECT_TRUE(it->second.bytes == obj.bytes) << uid;
      EXPECT_GT(obj.bytes.size(), 1000u);
    }
  }
  // P1 in small: 16 concurrent TLS associations, every one succeeds.
  std::vector<std::future<RunResult>> runs;
  for (int i = 0; i < 16; ++i) {
    runs.push_back(std::async(std::launch::async, [&] { return storescu("MODALITY"); }));
  }
  int failures = 0;
  for (auto& f : runs) {
    RunResult r = f.get();
    if (r.exit_code != 0) {
      ++failures;
      ADD_FAILURE() << r.output;
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(server_->stats().stores_failed, 0u);
  EXPECT_GE(server_->stats().stores_ok, 2u * files.size() + 16u * files.size());
}

// Our SCU side: C-MOVE to a destination marked `tls` (storescp +tls, which requires our client
// certificate and is verified against our CA).
TEST_F(DicomTlsTest, MoveToTlsDestination) {
  StartServer();
  std::vector<std::string> files = {dimse_test::TestDataDir() + "/transfer_syntaxes/CT_small.dcm"};
  handlers_.fake.retrieve_files = files;
  int dest_port = dimse_test::FreePort();
  std::string dir = dimse_test::MakeTempDir("dokuei-tls-move");
  pid_t scp =
      dimse_test::Spawn({"storescp", "-aet", "DEST", "-od", dir, "+B", "+tls", pki_->server_key,
                         pki_->server_cert, "+cf", pki_->ca, std::to_string(dest_port)},
                        dir + ".log");
  {
    std::lock_guard l(handlers_.fake.mu);
    handlers_.fake.destinations["DEST"] = {"DEST", "127.0.0.1", static_cast<uint16_t>(dest_port),
                                           true};
    handlers_.fake.destinations["PLAIN_AT_TLS"] = {"DEST", "127.0.0.1",
                                                   static_cast<uint16_t>(dest_port), false};
  }
  for (int i = 0; i < 50; ++i) {
    RunResult e = RunCmd({"echoscu", "-aec", "DEST", "+tls", pki_->client_key, pki_->client_cert,
                          "+cf", pki_->ca, "127.0.0.1", std::to_string(dest_port)},
                         5);
    if (e.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto move = [&](const std::string& dest) {
    return RunCmd({"movescu", "-S", "-aet", "VIEWER", "-aec", "DOKUEI", "-aem", dest, "-k",
                   "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3", "127.0.0.1", port_},
                  60);
  };
  RunResult m = move("DEST");
  EXPECT_EQ(m.exit_code, 0) << m.output;
  EXPECT_EQ(m.output.find("Failed"), std::string::npos) << m.output;
  // The same destination without TLS: the sub-association fails (storescp speaks only TLS).
  RunResult plain = move("PLAIN_AT_TLS");
  EXPECT_NE(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("MoveDestinationUnknown"), std::string::npos) << plain.output;
  dimse_test::Kill(scp);
  auto moved = dimse_test::ListFiles(dir);
  ASSERT_EQ(moved.size(), 1u) << dimse_test::ReadFile(dir + ".log");
  EXPECT_TRUE(dimse_test::DatasetOf(dimse_test::ReadFile(moved[0])) ==
              dimse_test::DatasetOf(dimse_test::ReadFile(files[0])));
}

TEST(DicomTlsConfig, UnusableFilesAreNamedAtStart) {
  std::string error;
  Pki pki = MakePki(&error);
  ASSERT_FALSE(pki.dir.empty()) << error;
  dimse_test::FakeHandlers handlers;
  auto start = [&](dicom::DimseTlsOptions t) {
    dicom::DimseOptions o;
    o.tls = t;
    dicom::DimseServer server(o, handlers);
    base::Status st = server.Start();
    server.Stop();
    return st;
  };
  dicom::DimseTlsOptions good{"127.0.0.1", 0, pki.server_cert, pki.server_key, pki.ca, false};
  EXPECT_TRUE(start(good).ok());
  auto t = good;
  t.cert_file = pki.dir + "/missing.pem";
  base::Status st = start(t);
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  EXPECT_NE(st.message().find(t.cert_file), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("No such file"), std::string::npos) << st.ToString();
  t = good;
  t.key_file = pki.client_key;  // another certificate's key
  st = start(t);
  EXPECT_NE(st.message().find("does not belong to the certificate"), std::string::npos)
      << st.ToString();
  t = good;
  t.ca_file = pki.dir + "/server.ext";  // not PEM
  st = start(t);
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("server.ext"), std::string::npos) << st.ToString();
  t = good;
  t.ca_file.clear();
  t.require_client_certificate = true;
  st = start(t);
  EXPECT_NE(st.message().find("needs a CA"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace dokuei::tls_test
