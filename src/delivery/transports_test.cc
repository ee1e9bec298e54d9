// The real transports end to end through the queue (SQLite in memory; the queue's database
// behaviour is covered on every backend by queue_test.cc):
//   - DICOM to a real DCMTK storescp started on a free loopback port: the data set arrives byte
//     for byte; a storescp that refuses the SOP class, or none listening, is a retry with the
//     reason recorded, then delivered when a willing storescp comes up;
//   - HL7 over MLLP to the project's own listener answering AA / AE / AR;
//   - FHIR to a local HTTP receiver answering 201 / 503 / 422, with the bearer token sent.
#include "dokuei/delivery/transports.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>
#include <utility>  // before Boost.Asio (awaitable.hpp uses std::exchange)

#include "delivery_test_util.h"
#include "dokuei/base/random.h"
#include "dokuei/dicom/parse.h"
#include "dokuei/intake/mllp.h"

extern char** environ;

namespace dokuei::delivery {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

uint16_t FreePort() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  return a.local_endpoint().port();
}

bool Listening(uint16_t port) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
  return !ec;
}

// A DCMTK storescp child process writing what it receives (bit-preserving) into `dir`.
class StoreScp {
 public:
  StoreScp(uint16_t port, const std::filesystem::path& dir, const std::string& config = {}) {
    const char* bin = std::getenv("DOKUEI_STORESCP");
    std::vector<std::string> args = {bin ? bin : "storescp", "--aetitle",  "STORESCP",
                                     "--output-directory",   dir.string(), "--bit-preserving"};
    if (!config.empty()) {
      const std::filesystem::path cfg = dir.parent_path() / "ct-only.cfg";
      std::ofstream(cfg) << config;
      args.insert(args.end(), {"--config-file", cfg.string(), "CTOnly"});
    }
    args.push_back(std::to_string(port));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = 0;
    for (int i = 0; i < 100 && pid_ != 0 && !Listening(port); ++i)
      std::this_thread::sleep_for(50ms);
  }
  ~StoreScp() {
    if (pid_ != 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  bool running() const { return pid_ != 0; }

 private:
  pid_t pid_ = 0;
};

constexpr const char* kCtOnly =
    "[[TransferSyntaxes]]\n[Uncompressed]\nTransferSyntax1 = LocalEndianExplicit\n"
    "TransferSyntax2 = LittleEndianImplicit\n\n[[PresentationContexts]]\n[CTOnly]\n"
    "PresentationContext1 = CTImageStorage\\Uncompressed\n\n[[Profiles]]\n[CTOnly]\n"
    "PresentationContexts = CTOnly\n";

// Records POSTs and answers with queued statuses (201 when the queue is empty).
class HttpReceiver {
 public:
  HttpReceiver() : acceptor_(ioc_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        tcp::socket s(ioc_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec || stop_) break;
        boost::beast::flat_buffer buf;
        bhttp::request<bhttp::string_body> req;
        bhttp::read(s, buf, req, ec);
        if (ec) continue;
        unsigned code = 201;
        {
          std::lock_guard lock(mu_);
          got_.push_back({std::string(req.target()), std::string(req[bhttp::field::authorization]),
                          std::string(req[bhttp::field::content_type]), req.body()});
          if (!codes_.empty()) {
            code = codes_.front();
            codes_.pop_front();
          }
        }
        bhttp::response<bhttp::string_body> res(static_cast<bhttp::status>(code), 11);
        res.set(bhttp::field::content_type, "application/fhir+json");
        res.body() =
            code < 300
                ? R"({"resourceType":"Bundle","type":"transaction-response"})"
                : R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"Subject not found"}]})";
        res.prepare_payload();
        bhttp::write(s, res, ec);
      }
    });
  }
  ~HttpReceiver() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket wake(ioc_);
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void Answer(unsigned code) {
    std::lock_guard lock(mu_);
    codes_.push_back(code);
  }
  struct Got {
    std::string target, authorization, content_type, body;
  };
  std::vector<Got> got() {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::deque<unsigned> codes_;
  std::vector<Got> got_;
};

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dokuei-delivery-" + base::RandomHex(8));
    std::filesystem::create_directories(dir_ / "in");
    auto d = db::OpenSqlite({":memory:", 1});
    ASSERT_TRUE(d.ok());
    db_ = std::shared_ptr<db::Database>(std::move(d).value());
    dicom::DimseOptions o;
    o.ae_title = "DOKUEI";
    o.connect_timeout = 5s;
    o.acse_timeout = 5s;
    o.dimse_timeout = 10s;
    dicom_ = DicomTransport(o);
    hl7_ = MllpTransport(5s);
    FhirOptions fo;
    fo.timeout = 5s;
    fhir_ = FhirTransport(fo);
    DeliveryOptions opts;
    opts.max_attempts = 5;
    auto dl = OpenDelivery(db_, clock_, {dicom_.get(), hl7_.get(), fhir_.get()}, opts);
    ASSERT_TRUE(dl.ok()) << dl.status().ToString();
    delivery_ = std::move(dl).value();
  }
  void TearDown() override {
    delivery_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  Destination Add(Destination d) {
    auto r = Destinations(*db_, clock_).Add(7, d);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Destination{};
  }
  DeliveryRow Only() {
    auto rows = delivery_->queue().ForRequest(70);
    EXPECT_TRUE(rows.ok() && rows->size() == 1u);
    return rows.ok() && !rows->empty() ? rows->front() : DeliveryRow{};
  }
  std::vector<std::filesystem::path> Received() {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "in"))
      if (e.is_regular_file()) out.push_back(e.path());
    return out;
  }
  static ReleasedVersion Version(bool addendum = false) { return {7, 70, 700, 7001, 1, addendum}; }

  std::filesystem::path dir_;
  std::shared_ptr<db::Database> db_;
  dokuei::testing::FakeClock clock_;
  std::unique_ptr<Transport> dicom_, hl7_, fhir_;
  std::unique_ptr<Delivery> delivery_;
};

std::string Dataset(const std::string& part10) {
  auto off = dicom::DatasetOffset({reinterpret_cast<const uint8_t*>(part10.data()), part10.size()});
  return off.ok() ? part10.substr(*off) : std::string();
}

TEST_F(TransportTest, CStoreToARealStorescpDeliversTheDataSetByteForByte) {
  const uint16_t port = FreePort();
  StoreScp scp(port, dir_ / "in");
  ASSERT_TRUE(scp.running());
  Destination d;
  d.kind = DestinationKind::kDicom;
  d.name = "院内PACS";
  d.ae_title = "STORESCP";
  d.host = "127.0.0.1";
  d.port = port;
  Add(d);
  const Artifact sr = testing::DicomArtifact(ArtifactKind::kSr, "transfer_syntaxes/CT_small.dcm");
  ASSERT_FALSE(sr.bytes.empty());
  ASSERT_TRUE(delivery_->queue().Enqueue(Version(), {sr}).ok());
  auto t = delivery_->queue().Tick();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const DeliveryRow row = Only();
  EXPECT_EQ(row.state, DeliveryState::kDelivered) << row.last_error;
  EXPECT_EQ(row.remote.dimse_status, 0x0000);
  const auto files = Received();
  ASSERT_EQ(files.size(), 1u);
  const std::string got = testing::ReadFile(files[0].string());
  // storescp writes its own file meta group (source AE, its implementation); the data set, which
  // is what travels, is identical.
  EXPECT_EQ(Dataset(got), Dataset(sr.bytes));
  EXPECT_FALSE(Dataset(got).empty());
  EXPECT_NE(files[0].filename().string().find("1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322"),
            std::string::npos);
}

TEST_F(TransportTest, ARefusedSopClassOrADownPeerIsRetriedThenDelivered) {
  const uint16_t port = FreePort();
  Destination d;
  d.kind = DestinationKind::kDicom;
  d.name = "PACS";
  d.ae_title = "STORESCP";
  d.host = "127.0.0.1";
  d.port = port;
  Add(d);
  const Artifact pdf =
      testing::DicomArtifact(ArtifactKind::kEncapsulatedPdf, "transfer_syntaxes/MR_small.dcm");
  ASSERT_TRUE(delivery_->queue().Enqueue(Version(/*addendum=*/true), {pdf}).ok());

  // Nobody listening.
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  DeliveryRow row = Only();
  EXPECT_EQ(row.state, DeliveryState::kFailed);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_NE(row.last_error.find("cannot associate with STORESCP"), std::string::npos)
      << row.last_error;

  {  // A storescp that accepts CT only: no presentation context for the MR object.
    StoreScp picky(port, dir_ / "in", kCtOnly);
    ASSERT_TRUE(picky.running());
    clock_.Advance(1min);
    ASSERT_TRUE(delivery_->queue().Tick().ok());
    row = Only();
    EXPECT_EQ(row.state, DeliveryState::kFailed);
    EXPECT_EQ(row.attempts, 2);
    EXPECT_NE(row.last_error.find("1.2.840.10008.5.1.4.1.1.4"), std::string::npos)
        << row.last_error;
    EXPECT_TRUE(Received().empty());
  }
  // A willing storescp: delivered at the next due attempt, not before.
  StoreScp scp(port, dir_ / "in");
  ASSERT_TRUE(scp.running());
  clock_.Advance(1min);
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  EXPECT_EQ(Only().state, DeliveryState::kFailed);
  clock_.Advance(1min);
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  row = Only();
  EXPECT_EQ(row.state, DeliveryState::kDelivered) << row.last_error;
  EXPECT_TRUE(row.addendum);
  EXPECT_EQ(row.attempts, 3);
  ASSERT_EQ(Received().size(), 1u);
  EXPECT_EQ(Dataset(testing::ReadFile(Received()[0].string())), Dataset(pdf.bytes));
}

// The project's own DIMSE server with a store that answers the first C-STORE with a failure
// status and an Error Comment, then success.
class FailingOnceStore final : public dicom::DimseHandlers {
 public:
  struct Sink final : dicom::StoreSink {
    explicit Sink(FailingOnceStore& o) : owner(o) {}
    base::Status Write(std::span<const uint8_t> bytes) override {
      data.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      return base::Status::Ok();
    }
    dicom::DimseStatus Finish() override {
      std::lock_guard lock(owner.mu);
      if (owner.failures-- > 0) {
        if ((owner.code & 0xF000) == 0xB000) owner.stored.push_back(data);  // a warning stores
        return {owner.code, owner.comment};
      }
      owner.stored.push_back(data);
      return dicom::DimseStatus::Success();
    }
    FailingOnceStore& owner;
    std::string data;
  };
  struct Session final : dicom::DimseSession {
    explicit Session(FailingOnceStore& o) : owner(o) {}
    dicom::Permissions permissions() const override { return {}; }
    std::unique_ptr<dicom::StoreSink> BeginStore(const std::string&, const std::string&,
                                                 const std::string&) override {
      return std::make_unique<Sink>(owner);
    }
    dicom::DimseStatus Find(const dicom::QueryIdentifier&,
                            const std::function<bool(const dicom::AttributeList&)>&) override {
      return {0xC000, "not here"};
    }
    base::Result<std::vector<dicom::RetrieveItem>> Locate(const dicom::QueryIdentifier&) override {
      return std::vector<dicom::RetrieveItem>{};
    }
    std::optional<dicom::PeerAddress> MoveDestination(const std::string&) override { return {}; }
    std::optional<dicom::PeerAddress> ReportDestination() override { return {}; }
    base::Result<dicom::CommitmentOutcome> Commit(const std::vector<dicom::SopRef>&) override {
      return dicom::CommitmentOutcome{};
    }
    FailingOnceStore& owner;
  };
  base::Result<std::unique_ptr<dicom::DimseSession>> Accept(const dicom::AssociationRequest&,
                                                            dicom::RefuseReason*) override {
    return std::unique_ptr<dicom::DimseSession>(std::make_unique<Session>(*this));
  }
  std::mutex mu;
  int failures = 1;
  uint16_t code = 0xA700;
  std::string comment = "Out of resources: archive disk full";
  std::vector<std::string> stored;
};

TEST_F(TransportTest, AFailureStatusIsRetriedWithTheErrorCommentRecorded) {
  FailingOnceStore handlers;
  dicom::DimseOptions so;
  so.ae_title = "HOSPITAL_PACS";
  dicom::DimseServer server(so, handlers);
  ASSERT_TRUE(server.Start().ok());
  Destination d;
  d.kind = DestinationKind::kDicom;
  d.name = "PACS";
  d.ae_title = "HOSPITAL_PACS";
  d.host = "127.0.0.1";
  d.port = server.port();
  Add(d);
  const Artifact sr = testing::DicomArtifact(ArtifactKind::kSr, "transfer_syntaxes/CT_small.dcm");
  ASSERT_TRUE(delivery_->queue().Enqueue(Version(), {sr}).ok());
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  DeliveryRow row = Only();
  EXPECT_EQ(row.state, DeliveryState::kFailed);
  EXPECT_EQ(row.remote.dimse_status, 0xA700);
  EXPECT_EQ(row.remote.text, "Out of resources: archive disk full");
  EXPECT_EQ(row.last_error,
            "C-STORE failed with status 0xA700: Out of resources: archive disk full");
  clock_.Advance(1min);
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  row = Only();
  EXPECT_EQ(row.state, DeliveryState::kDelivered) << row.last_error;
  EXPECT_EQ(row.remote.dimse_status, 0);
  std::lock_guard lock(handlers.mu);
  ASSERT_EQ(handlers.stored.size(), 1u);
  EXPECT_EQ(handlers.stored[0], Dataset(sr.bytes));  // the data set as it travelled
  server.Stop();
}

TEST_F(TransportTest, AWarningStatusIsDelivered) {
  FailingOnceStore handlers;
  handlers.code = 0xB007;
  handlers.comment = "Data set does not match SOP class";
  dicom::DimseOptions so;
  so.ae_title = "HOSPITAL_PACS";
  dicom::DimseServer server(so, handlers);
  ASSERT_TRUE(server.Start().ok());
  Destination d;
  d.kind = DestinationKind::kDicom;
  d.name = "PACS";
  d.ae_title = "HOSPITAL_PACS";
  d.host = "127.0.0.1";
  d.port = server.port();
  Add(d);
  ASSERT_TRUE(delivery_->queue()
                  .Enqueue(Version(), {testing::DicomArtifact(ArtifactKind::kEncapsulatedPdf,
                                                              "transfer_syntaxes/MR_small.dcm")})
                  .ok());
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  const DeliveryRow row = Only();
  EXPECT_EQ(row.state, DeliveryState::kDelivered);
  EXPECT_EQ(row.remote.dimse_status, 0xB007);
  EXPECT_EQ(row.remote.text, "Data set does not match SOP class");
  server.Stop();
}

// DICOM TLS: a destination marked tls is called on the peer's TLS port with our certificate,
// and the peer's certificate is verified against the CA (certificates made by openssl now).
TEST_F(TransportTest, ATlsDestinationIsReachedOverDicomTls) {
  const std::string pki = (dir_ / "pki").string();
  std::filesystem::create_directories(pki);
  const std::string ext = pki + "/leaf.ext";
  std::ofstream(ext) << "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,"
                        "keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n"
                        "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  const std::string cmd =
      "cd " + pki +
      " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
      " -subj '/CN=Delivery Test CA' -addext basicConstraints=critical,CA:TRUE"
      " -addext keyUsage=critical,keyCertSign,cRLSign -keyout ca.key -out ca.pem"
      " && openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout leaf.key"
      " -out leaf.csr && openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key"
      " -CAcreateserial -days 1 -sha256 -extfile leaf.ext -out leaf.pem >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  dicom::DimseTlsOptions tls;
  tls.cert_file = pki + "/leaf.pem";
  tls.key_file = pki + "/leaf.key";
  tls.ca_file = pki + "/ca.pem";
  tls.require_client_certificate = true;

  FailingOnceStore handlers;
  handlers.failures = 0;
  dicom::DimseOptions so;
  so.ae_title = "HOSPITAL_PACS";
  so.tls = tls;
  dicom::DimseServer server(so, handlers);
  ASSERT_TRUE(server.Start().ok());
  Destination d;
  d.kind = DestinationKind::kDicom;
  d.name = "PACS (TLS)";
  d.ae_title = "HOSPITAL_PACS";
  d.host = "127.0.0.1";
  d.port = server.tls_port();
  d.tls = true;
  Add(d);
  const Artifact sr = testing::DicomArtifact(ArtifactKind::kSr, "transfer_syntaxes/CT_small.dcm");
  ASSERT_TRUE(delivery_->queue().Enqueue(Version(), {sr}).ok());

  // Without our TLS configuration the row cannot go (and says why), then it goes over TLS.
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  EXPECT_EQ(Only().state, DeliveryState::kFailed);
  EXPECT_NE(Only().last_error.find("TLS"), std::string::npos) << Only().last_error;
  dicom::DimseOptions co;
  co.ae_title = "DOKUEI";
  co.tls = tls;
  co.tls->require_client_certificate = false;
  auto with_tls = DicomTransport(co);
  auto dl = OpenDelivery(db_, clock_, {with_tls.get(), hl7_.get(), fhir_.get()}, {});
  ASSERT_TRUE(dl.ok());
  clock_.Advance(1min);
  ASSERT_TRUE((*dl)->queue().Tick().ok());
  const DeliveryRow row = Only();
  EXPECT_EQ(row.state, DeliveryState::kDelivered) << row.last_error;
  std::lock_guard lock(handlers.mu);
  ASSERT_EQ(handlers.stored.size(), 1u);
  EXPECT_EQ(handlers.stored[0], Dataset(sr.bytes));
  server.Stop();
}

// An MLLP listener (the project's own) answering with the ACK codes given in order.
struct AckServer {
  explicit AckServer(std::vector<std::string> answers) : codes(std::move(answers)) {
    intake::MllpOptions o;
    o.port = 0;
    auto l = intake::StartMllpListener(o, [this](std::string_view msg, std::string_view) {
      std::lock_guard lock(mu);
      received.emplace_back(msg);
      const std::string code = next < codes.size() ? codes[next++] : "AA";
      std::string ack = "MSH|^~\\&|RIS|SAKURA|DOKUEI|CENTRE|20261125120001||ACK^R01^ACK|A" +
                        std::to_string(next) + "|P|2.5.1||||||UNICODE UTF-8\rMSA|" + code +
                        "|MSG0001";
      if (code == "AR") ack += "|患者IDが登録されていません";
      if (code == "AE") ack += "\rERR|||207^Application internal error^HL70357|E||||DB busy";
      return ack + "\r";
    });
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    if (l.ok()) listener = std::move(l).value();
  }
  std::vector<std::string> codes;
  size_t next = 0;
  std::mutex mu;
  std::vector<std::string> received;
  std::unique_ptr<intake::MllpListener> listener;
};

TEST_F(TransportTest, Hl7AcksDecideDeliveredRetryAndGiveUp) {
  AckServer ris({"AE", "AA"});
  ASSERT_TRUE(ris.listener);
  Destination d;
  d.kind = DestinationKind::kHl7;
  d.name = "RIS";
  d.host = "127.0.0.1";
  d.port = ris.listener->port();
  Add(d);
  ASSERT_TRUE(
      delivery_->queue().Enqueue(Version(), {Artifact{ArtifactKind::kHl7Oru, testing::kOru}}).ok());
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  DeliveryRow row = Only();
  EXPECT_EQ(row.state, DeliveryState::kFailed);
  EXPECT_EQ(row.remote.ack_code, "AE");
  EXPECT_EQ(row.remote.text, "DB busy");
  clock_.Advance(1min);
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  row = Only();
  EXPECT_EQ(row.state, DeliveryState::kDelivered);
  EXPECT_EQ(row.remote.ack_code, "AA");
  std::lock_guard lock(ris.mu);
  ASSERT_EQ(ris.received.size(), 2u);
  EXPECT_EQ(ris.received[1], testing::kOru);
}

TEST_F(TransportTest, Hl7RejectGivesUpWithTheText) {
  AckServer ris({"AR"});
  ASSERT_TRUE(ris.listener);
  Destination d;
  d.kind = DestinationKind::kHl7;
  d.name = "RIS";
  d.host = "127.0.0.1";
  d.port = ris.listener->port();
  Add(d);
  ASSERT_TRUE(
      delivery_->queue().Enqueue(Version(), {Artifact{ArtifactKind::kHl7Oru, testing::kOru}}).ok());
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  const DeliveryRow row = Only();
  EXPECT_EQ(row.state, DeliveryState::kGaveUp);
  EXPECT_EQ(row.remote.ack_code, "AR");
  EXPECT_EQ(row.last_error, "HL7 AR: 患者IDが登録されていません");
}

TEST_F(TransportTest, FhirBundleIsPostedWithTheTokenAndStatusesDecide) {
  HttpReceiver fhir;
  fhir.Answer(503);
  fhir.Answer(429);
  Destination d;
  d.kind = DestinationKind::kFhir;
  d.name = "FHIR";
  d.url = "http://127.0.0.1:" + std::to_string(fhir.port()) + "/fhir/r4";
  d.bearer_token = "hospital-secret-token";
  Add(d);
  ASSERT_TRUE(delivery_->queue()
                  .Enqueue(Version(), {Artifact{ArtifactKind::kFhirBundle, testing::kBundle}})
                  .ok());
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  EXPECT_EQ(Only().state, DeliveryState::kFailed);
  EXPECT_EQ(Only().remote.http_status, 503);
  clock_.Advance(1min);
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  EXPECT_EQ(Only().state, DeliveryState::kFailed);
  EXPECT_EQ(Only().remote.http_status, 429);
  clock_.Advance(2min);
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  EXPECT_EQ(Only().state, DeliveryState::kDelivered);
  EXPECT_EQ(Only().remote.http_status, 201);
  const auto got = fhir.got();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].target, "/fhir/r4");
  EXPECT_EQ(got[2].authorization, "Bearer hospital-secret-token");
  EXPECT_NE(got[2].content_type.find("application/fhir+json"), std::string::npos);
  EXPECT_EQ(got[2].body, testing::kBundle);
}

TEST_F(TransportTest, FhirClientErrorGivesUpAndAnUnreachableServerIsRetried) {
  HttpReceiver fhir;
  fhir.Answer(422);
  Destination d;
  d.kind = DestinationKind::kFhir;
  d.name = "FHIR";
  d.url = "http://127.0.0.1:" + std::to_string(fhir.port()) + "/fhir";
  Add(d);
  Destination down = d;
  down.name = "FHIR (down)";
  down.url = "http://127.0.0.1:" + std::to_string(FreePort()) + "/fhir";
  Add(down);
  ASSERT_TRUE(delivery_->queue()
                  .Enqueue(Version(), {Artifact{ArtifactKind::kFhirBundle, testing::kBundle}})
                  .ok());
  ASSERT_TRUE(delivery_->queue().Tick().ok());
  const auto rows = *delivery_->queue().ForRequest(70);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].state, DeliveryState::kGaveUp);
  EXPECT_EQ(rows[0].remote.http_status, 422);
  EXPECT_NE(rows[0].remote.text.find("Subject not found"), std::string::npos);
  EXPECT_EQ(rows[1].state, DeliveryState::kFailed);
  EXPECT_EQ(rows[1].remote.http_status, 0);
  EXPECT_NE(rows[1].last_error.find("cannot connect"), std::string::npos) << rows[1].last_error;
}

TEST(ParseAck, ReadsCodeAndText) {
  auto a = ParseAck("MSH|^~\\&|A|B|C|D|20260101||ACK|1|P|2.5\rMSA|AE|X1|bad field\r");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->code, "AE");
  EXPECT_EQ(a->text, "bad field");
  EXPECT_FALSE(ParseAck("MSH|^~\\&|A|B|C|D|20260101||ACK|1|P|2.5\r").ok());
  EXPECT_FALSE(ParseAck("garbage").ok());
  // Non-ASCII text without MSH-18: the strict parser refuses it, the code is still read.
  a = ParseAck("MSH|^~\\&|A|B|C|D|20260101||ACK|1|P|2.5\rMSA|AR|X1|患者不明\r");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->code, "AR");
  EXPECT_EQ(a->text, "患者不明");
}

}  // namespace
}  // namespace dokuei::delivery
