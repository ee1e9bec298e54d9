// Syslog shipping: RFC 5424 formatting, UDP datagrams, TCP octet counting (RFC 6587), TLS
// (RFC 5425) with a certificate generated for the test, and the shipper's remembered position.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "audit_test_util.h"
#include "dokuei/audit/export.h"

namespace dokuei::audit {
namespace {

using std::chrono::milliseconds;

// A syslog collector on 127.0.0.1: octet-counted frames over TCP, optionally TLS. One
// connection at a time; once close_after > 0 messages have arrived it closes each connection
// after its message, and stops listening unless keep_listening.
class StreamCollector {
 public:
  explicit StreamCollector(SSL_CTX* tls = nullptr, int close_after = 0, bool keep_listening = false)
      : tls_(tls), close_after_(close_after), keep_listening_(keep_listening) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(::listen(listen_fd_, 8), 0);
    socklen_t len = sizeof(a);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~StreamCollector() {
    stop_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    if (const int c = conn_fd_.load(); c >= 0) ::shutdown(c, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }

  std::vector<std::string> WaitFor(size_t n, milliseconds timeout = milliseconds(10000)) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
    return messages_;
  }
  int connections() {
    std::lock_guard lock(mu_);
    return connections_;
  }
  std::string tls_version() {
    std::lock_guard lock(mu_);
    return tls_version_;
  }
  std::string tls_cipher() {
    std::lock_guard lock(mu_);
    return tls_cipher_;
  }

 private:
  void Run() {
    // The collector's own TLS writes (tickets, close_notify) may meet a connection the sender
    // already closed; only this thread ignores SIGPIPE, so the sender under test (main thread)
    // still dies of one if it ever writes without MSG_NOSIGNAL.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    while (!stop_) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      conn_fd_ = fd;
      {
        std::lock_guard lock(mu_);
        ++connections_;
      }
      const bool closed_by_us = Serve(fd);
      conn_fd_ = -1;
      ::close(fd);
      if (closed_by_us && !keep_listening_) {
        ::shutdown(listen_fd_, SHUT_RDWR);
        return;
      }
    }
  }

  // Reads frames until EOF; true when it closed the connection itself (close_after reached).
  bool Serve(int fd) {
    SSL* ssl = nullptr;
    if (tls_) {
      ssl = SSL_new(tls_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        SSL_free(ssl);
        return false;
      }
      std::lock_guard lock(mu_);
      tls_version_ = SSL_get_version(ssl);
      tls_cipher_ = SSL_get_cipher_name(ssl);
    }
    std::string buf;
    char chunk[4096];
    bool closed_by_us = false;
    while (!closed_by_us) {
      const int n = ssl ? SSL_read(ssl, chunk, sizeof(chunk))
                        : static_cast<int>(::recv(fd, chunk, sizeof(chunk), 0));
      if (n <= 0) break;
      buf.append(chunk, static_cast<size_t>(n));
      // MSG-LEN SP SYSLOG-MSG
      while (true) {
        const size_t sp = buf.find(' ');
        if (sp == std::string::npos) break;
        const size_t len = std::stoul(buf.substr(0, sp));
        if (buf.size() < sp + 1 + len) break;
        std::lock_guard lock(mu_);
        messages_.push_back(buf.substr(sp + 1, len));
        buf.erase(0, sp + 1 + len);
        cv_.notify_all();
        if (close_after_ > 0 && static_cast<int>(messages_.size()) >= close_after_) {
          closed_by_us = true;
          break;
        }
      }
    }
    if (ssl) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    return closed_by_us;
  }

  SSL_CTX* tls_;
  const int close_after_;
  const bool keep_listening_;
  int listen_fd_ = -1;
  std::atomic<int> conn_fd_{-1};
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> messages_;  // guarded by mu_
  int connections_ = 0;                // guarded by mu_
  std::string tls_version_, tls_cipher_;
};

SyslogTarget Plain(SyslogTransport transport, uint16_t port) {
  SyslogTarget t;
  t.transport = transport;
  t.host = "127.0.0.1";
  t.port = port;
  return t;
}

Record SampleRecord(Outcome outcome = Outcome::kSuccess) {
  Record r;
  r.seq = 7;
  r.time = base::FromUnixMicros(1'790'000'000'123'456);
  r.event.action = "study.view";
  r.event.outcome = outcome;
  r.event.actor = "yamada";
  r.event.patient_id = "P001";
  r.event.study_uids = {"1.2.3"};
  r.hash = std::string(64, 'a');
  return r;
}

TEST(SyslogFormatTest, Rfc5424HeaderAndDicomMessage) {
  SyslogOptions o;
  o.hostname = "pacs-1.example.jp";
  const std::string m = FormatSyslogMessage(SampleRecord(), o);
  const std::string header = "<85>1 2026-09-21T14:13:20.123456Z pacs-1.example.jp dokuei " +
                             std::to_string(::getpid()) + " DICOM+RFC3881 - \xEF\xBB\xBF";
  EXPECT_EQ(m.substr(0, header.size()), header);
  EXPECT_EQ(m.substr(header.size(), 14), "<AuditMessage>");
  EXPECT_EQ(m.substr(m.size() - 15), "</AuditMessage>");
  // Severity follows the outcome; facility 10 (authpriv).
  EXPECT_EQ(FormatSyslogMessage(SampleRecord(Outcome::kMinorFailure), o).substr(0, 4), "<84>");
  EXPECT_EQ(FormatSyslogMessage(SampleRecord(Outcome::kSeriousFailure), o).substr(0, 4), "<83>");
  EXPECT_EQ(FormatSyslogMessage(SampleRecord(Outcome::kMajorFailure), o).substr(0, 4), "<82>");
  // Header fields are PRINTUSASCII.
  o.hostname = "bad host\n";
  o.app_name = "";
  const std::string bad = FormatSyslogMessage(SampleRecord(), o);
  EXPECT_NE(bad.find(" bad_host_ - "), std::string::npos) << bad.substr(0, 80);
}

TEST(SyslogUrlTest, Parses) {
  auto t = ParseSyslogUrl("tls://collector.example.jp");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->transport, SyslogTransport::kTls);
  EXPECT_EQ(t->host, "collector.example.jp");
  EXPECT_EQ(t->port, 6514);
  t = ParseSyslogUrl("udp://10.0.0.1:5514");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->transport, SyslogTransport::kUdp);
  EXPECT_EQ(t->port, 5514);
  t = ParseSyslogUrl("tcp://[::1]:601");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->port, 601);
  for (const char* bad : {"http://x:1", "tcp://", "tcp://host:0", "tcp://host:70000",
                          "tcp://host:x", "tls://[::1", "udp://a/b:1"}) {
    EXPECT_EQ(ParseSyslogUrl(bad).status().code(), base::Code::kInvalidArgument) << bad;
  }
}

TEST(SyslogSenderTest, UdpSendsOneDatagramPerMessage) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto sender = NewSyslogSender(Plain(SyslogTransport::kUdp, ntohs(a.sin_port)), {});
  ASSERT_TRUE(sender.ok()) << sender.status().ToString();
  const std::string m1 = FormatSyslogMessage(SampleRecord(), {});
  ASSERT_TRUE((*sender)->Send(m1).ok());
  ASSERT_TRUE((*sender)->Send("second").ok());
  std::string got[2];
  for (std::string& g : got) {
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1);
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    ASSERT_GT(n, 0);
    g.assign(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(got[0], m1);  // no framing on UDP
  EXPECT_EQ(got[1], "second");
  ::close(fd);
}

TEST(SyslogSenderTest, TcpUsesOctetCountingAndFailsCleanlyWhenTheCollectorLeaves) {
  auto collector = std::make_unique<StreamCollector>(nullptr, /*close_after=*/2);
  auto sender = NewSyslogSender(Plain(SyslogTransport::kTcp, collector->port()), {});
  ASSERT_TRUE(sender.ok());
  const std::string m = FormatSyslogMessage(SampleRecord(), {});
  ASSERT_TRUE((*sender)->Send(m).ok());
  ASSERT_TRUE((*sender)->Send("a b c").ok());  // spaces inside a message are fine
  auto got = collector->WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], m);
  EXPECT_EQ(got[1], "a b c");
  // The collector closed the connection and stopped listening: the next send notices and
  // fails cleanly (no SIGPIPE, no hang).
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ((*sender)->Send("third").code(), base::Code::kUnavailable);
  // A sender with nothing to talk to fails fast as well.
  auto nobody = NewSyslogSender(Plain(SyslogTransport::kTcp, collector->port()), {});
  EXPECT_EQ((*nobody)->Send("x").code(), base::Code::kUnavailable);
}

TEST(SyslogSenderTest, TcpKeepsOneConnectionAndReconnectsWhenItIsClosed) {
  {
    StreamCollector collector;
    auto sender = NewSyslogSender(Plain(SyslogTransport::kTcp, collector.port()), {});
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*sender)->Send("m" + std::to_string(i)).ok());
    EXPECT_EQ(collector.WaitFor(3).size(), 3u);
    EXPECT_EQ(collector.connections(), 1);
  }
  // This collector closes every connection after one message (a restart, an idle timeout).
  StreamCollector collector(nullptr, /*close_after=*/1, /*keep_listening=*/true);
  auto sender = NewSyslogSender(Plain(SyslogTransport::kTcp, collector.port()), {});
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*sender)->Send("m" + std::to_string(i)).ok());
    ASSERT_EQ(collector.WaitFor(i + 1).size(), static_cast<size_t>(i + 1));
    std::this_thread::sleep_for(milliseconds(50));  // the close reaches us
  }
  EXPECT_EQ(collector.WaitFor(3), (std::vector<std::string>{"m0", "m1", "m2"}));
  EXPECT_EQ(collector.connections(), 3);
}

// Certificates made with the openssl command line, as an operator would.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dokuei-tls-" + base::RandomHex(6));
    std::filesystem::create_directories(dir_);
    MakeCert("server", "localhost", "DNS:localhost,IP:127.0.0.1");
    MakeCert("other", "other.example", "DNS:other.example");
  }
  void TearDown() override {
    for (SSL_CTX* c : contexts_) SSL_CTX_free(c);
    std::filesystem::remove_all(dir_);
  }
  void MakeCert(const std::string& name, const std::string& cn, const std::string& san) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=" +
        cn + " -addext subjectAltName=" + san + " -keyout " + Path(name + ".key") + " -out " +
        Path(name + ".pem") + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  std::string Path(const std::string& file) const { return (dir_ / file).string(); }
  SSL_CTX* ServerContext(const std::string& name, int max_version = 0) {
    SSL_CTX* c = SSL_CTX_new(TLS_server_method());
    contexts_.push_back(c);
    EXPECT_EQ(SSL_CTX_use_certificate_file(c, Path(name + ".pem").c_str(), SSL_FILETYPE_PEM), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(c, Path(name + ".key").c_str(), SSL_FILETYPE_PEM), 1);
    if (max_version) {
      SSL_CTX_set_min_proto_version(c, 0);
      SSL_CTX_set_max_proto_version(c, max_version);
      SSL_CTX_set_security_level(c, 0);
    }
    return c;
  }
  SyslogTarget Target(uint16_t port, const std::string& ca, const std::string& host) {
    SyslogTarget t;
    t.transport = SyslogTransport::kTls;
    t.host = host;
    t.port = port;
    t.ca_file = Path(ca + ".pem");
    return t;
  }

  std::filesystem::path dir_;
  std::vector<SSL_CTX*> contexts_;
};

TEST_F(TlsTest, SendsOverVerifiedTls) {
  for (const char* host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    StreamCollector collector(ServerContext("server"));
    auto sender = NewSyslogSender(Target(collector.port(), "server", host), {});
    ASSERT_TRUE(sender.ok()) << sender.status().ToString();
    const std::string m = FormatSyslogMessage(SampleRecord(), {});
    ASSERT_TRUE((*sender)->Send(m).ok());
    ASSERT_TRUE((*sender)->Send("second").ok());
    auto got = collector.WaitFor(2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], m);
    EXPECT_EQ(got[1], "second");
    EXPECT_EQ(collector.tls_version(), "TLSv1.3");
  }
}

TEST_F(TlsTest, Tls12UsesEcdheAead) {
  StreamCollector collector(ServerContext("server", TLS1_2_VERSION));
  auto sender = NewSyslogSender(Target(collector.port(), "server", "127.0.0.1"), {});
  ASSERT_TRUE((*sender)->Send("x").ok());
  ASSERT_EQ(collector.WaitFor(1).size(), 1u);
  EXPECT_EQ(collector.tls_version(), "TLSv1.2");
  EXPECT_EQ(collector.tls_cipher().rfind("ECDHE-", 0), 0u) << collector.tls_cipher();
  EXPECT_TRUE(collector.tls_cipher().find("GCM") != std::string::npos ||
              collector.tls_cipher().find("CHACHA20") != std::string::npos);
}

TEST_F(TlsTest, ACollectorThatGoesAwayIsAnErrorNotASignal) {
  // Sending into a connection the collector dropped yields kUnavailable, never a hang or a
  // crash (SIGPIPE is not ignored in this thread). The sender notices a closed connection before
  // writing and stops at the first write error, so the MSG_NOSIGNAL BIO is defence in depth that
  // this test cannot isolate.
  auto collector = std::make_unique<StreamCollector>(ServerContext("server"), /*close_after=*/1);
  auto sender = NewSyslogSender(Target(collector->port(), "server", "127.0.0.1"), {});
  ASSERT_TRUE((*sender)->Send("first").ok());
  ASSERT_EQ(collector->WaitFor(1).size(), 1u);
  base::Status st;
  for (int i = 0; i < 1000 && st.ok(); ++i) {  // until the close reaches us (at most ~5 s)
    st = (*sender)->Send(std::string(16384, 'x'));
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(st.code(), base::Code::kUnavailable);
}

TEST_F(TlsTest, RefusesOldProtocolsUntrustedAndMisnamedCollectors) {
  {
    StreamCollector collector(ServerContext("server", TLS1_1_VERSION));
    auto sender = NewSyslogSender(Target(collector.port(), "server", "127.0.0.1"), {});
    EXPECT_EQ((*sender)->Send("x").code(), base::Code::kUnavailable);
  }
  {
    StreamCollector collector(ServerContext("server"));
    auto sender = NewSyslogSender(Target(collector.port(), "other", "127.0.0.1"), {});
    const base::Status st = (*sender)->Send("x");
    EXPECT_EQ(st.code(), base::Code::kUnavailable);
    EXPECT_NE(st.message().find("certificate"), std::string::npos) << st.ToString();
  }
  {
    // Trusted, but issued for another name.
    StreamCollector collector(ServerContext("other"));
    auto sender = NewSyslogSender(Target(collector.port(), "other", "127.0.0.1"), {});
    EXPECT_EQ((*sender)->Send("x").code(), base::Code::kUnavailable);
    EXPECT_TRUE(collector.WaitFor(1, milliseconds(200)).empty());
  }
  SyslogTarget bad = Target(1, "missing", "127.0.0.1");
  EXPECT_EQ(NewSyslogSender(bad, {}).status().code(), base::Code::kInvalidArgument);
}

class ShipperTest : public AuditTest {
 protected:
  std::unique_ptr<AuditShipper> Shipper(uint16_t port, const std::string& destination = "main") {
    auto sender = NewSyslogSender(Plain(SyslogTransport::kTcp, port), {});
    EXPECT_TRUE(sender.ok());
    ShipperOptions o;
    o.destination = destination;
    o.max_batch = 7;  // several batches per ShipOnce
    o.poll_interval = milliseconds(50);
    return std::make_unique<AuditShipper>(db_, *log_, std::move(sender).value(), clock_, o);
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, ShipperTest,
                         ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile,
                                           Backend::kPostgres),
                         BackendName);

TEST_P(ShipperTest, ShipsEachRecordOnceInOrderAndRemembersThePosition) {
  StreamCollector collector;
  AppendN(20);
  auto shipper = Shipper(collector.port());
  auto sent = shipper->ShipOnce();
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(*sent, 20);
  EXPECT_EQ(*shipper->ShippedSeq(), 20);
  auto got = collector.WaitFor(20);
  ASSERT_EQ(got.size(), 20u);
  for (const std::string& m : got) {
    EXPECT_EQ(m.rfind("<85>1 ", 0), 0u);
    EXPECT_NE(m.find("<AuditMessage>"), std::string::npos);
  }
  EXPECT_EQ(*shipper->ShipOnce(), 0);
  AppendN(5);
  EXPECT_EQ(*shipper->ShipOnce(), 5);
  EXPECT_EQ(collector.WaitFor(25).size(), 25u);
  // A restarted shipper resumes from the stored position; another destination starts at 0.
  EXPECT_EQ(*Shipper(collector.port())->ShipOnce(), 0);
  EXPECT_EQ(*Shipper(collector.port(), "second")->ShippedSeq(), 0);
}

TEST_P(ShipperTest, AnUnreachableCollectorNeverBlocksAppends) {
  auto collector = std::make_unique<StreamCollector>(nullptr, /*close_after=*/3);
  AppendN(3);
  auto shipper = Shipper(collector->port());
  EXPECT_EQ(*shipper->ShipOnce(), 3);
  ASSERT_EQ(collector->WaitFor(3).size(), 3u);
  std::this_thread::sleep_for(milliseconds(100));  // the collector has closed and left

  AppendN(4);  // appends are unaffected by shipping
  auto failed = shipper->ShipOnce();
  EXPECT_EQ(failed.status().code(), base::Code::kUnavailable);
  EXPECT_EQ(*shipper->ShippedSeq(), 3);

  // A collector comes back (at a new address, same destination): shipping resumes at seq 4.
  StreamCollector back;
  auto resumed = Shipper(back.port());
  EXPECT_EQ(*resumed->ShipOnce(), 4);
  EXPECT_EQ(back.WaitFor(4).size(), 4u);
  EXPECT_EQ(*resumed->ShippedSeq(), 7);
  EXPECT_TRUE(MustVerify().ok);
}

TEST_P(ShipperTest, BackgroundShipping) {
  StreamCollector collector;
  auto shipper = Shipper(collector.port());
  shipper->Start();
  AppendN(10);
  shipper->Notify();
  EXPECT_EQ(collector.WaitFor(10).size(), 10u);
  AppendN(2);
  EXPECT_EQ(collector.WaitFor(12).size(), 12u);  // picked up by polling
  shipper->Stop();
  EXPECT_EQ(*shipper->ShippedSeq(), 12);
}

}  // namespace
}  // namespace dokuei::audit
