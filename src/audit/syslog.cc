// Syslog transports for the audit shipper: RFC 5424 formatting, UDP datagrams (RFC 5426), TCP
// with octet counting (RFC 6587 3.4.1) and TLS (RFC 5425, TLS 1.2+ with ECDHE + AEAD, the
// collector's certificate verified against the CA and its name).
//
// Sockets are non-blocking and every wait is a poll() bounded by the configured timeout. TLS
// runs over a small BIO that sends with MSG_NOSIGNAL, so a collector that went away yields an
// error, never SIGPIPE.
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dokuei/audit/export.h"
#include "dokuei/base/strings.h"
#include "dokuei/base/tls_policy.h"

namespace dokuei::audit {
namespace {

using base::Status;

constexpr int kFacilityAuthpriv = 10;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

int Severity(Outcome o) {
  switch (o) {
    case Outcome::kSuccess:
      return 5;  // notice
    case Outcome::kMinorFailure:
      return 4;  // warning
    case Outcome::kSeriousFailure:
      return 3;  // error
    case Outcome::kMajorFailure:
      return 2;  // critical
  }
  return 4;
}

// A header field: PRINTUSASCII (33..126) only, at most max characters, "-" when empty.
std::string HeaderField(std::string_view s, size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() == max) break;
    out += (c >= 33 && c <= 126) ? c : '_';
  }
  return out.empty() ? "-" : out;
}

std::string LocalHostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "-";
  return buf;
}

std::string Errno(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

std::string TlsError(std::string_view what) {
  std::string msg(what);
  if (const unsigned long e = ERR_get_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  return msg;
}

int PollMs(std::chrono::milliseconds t) {
  return static_cast<int>(std::min<int64_t>(t.count(), 24 * 3600 * 1000));
}

// Waits until fd is ready for `events`; false on timeout or error.
bool WaitFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  while (true) {
    const int rc = ::poll(&p, 1, PollMs(timeout));
    if (rc < 0 && errno == EINTR) continue;
    return rc > 0;
  }
}

base::Result<int> ConnectSocket(const SyslogTarget& t, int socktype,
                                std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(t.port);
  if (const int rc = ::getaddrinfo(t.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return base::Unavailable("syslog: cannot resolve " + t.host + ": " + gai_strerror(rc));
  }
  std::string error = "no address";
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = Errno("socket");
      continue;
    }
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      int so_error = ETIMEDOUT;
      socklen_t len = sizeof(so_error);
      if (WaitFor(fd, POLLOUT, timeout)) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      errno = so_error;
      rc = so_error == 0 ? 0 : -1;
    }
    if (rc != 0) {
      error = Errno("connect");
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    return base::Unavailable("syslog: cannot connect to " + t.host + ":" + port + " (" + error +
                             ")");
  }
  return fd;
}

Status SendAll(int fd, std::string_view data, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(fd, POLLOUT, timeout)) return base::Unavailable("syslog: send timed out");
    } else {
      return base::Unavailable("syslog: " + Errno("send"));
    }
  }
  return Status::Ok();
}

// The collector never sends application data: a readable TCP socket means it closed (or reset)
// the connection.
bool PeerClosed(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  char c;
  const ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// UDP and TCP.
class PlainSender final : public SyslogSender {
 public:
  PlainSender(SyslogTarget t, SyslogOptions o) : t_(std::move(t)), o_(std::move(o)) {}
  ~PlainSender() override { Disconnect(); }

  Status Send(std::string_view message) override {
    const bool udp = t_.transport == SyslogTransport::kUdp;
    if (fd_ >= 0 && !udp && PeerClosed(fd_)) Disconnect();
    if (fd_ < 0) {
      DOKUEI_ASSIGN_OR_RETURN(fd_, ConnectSocket(t_, udp ? SOCK_DGRAM : SOCK_STREAM, o_.timeout));
    }
    Status st =
        udp ? SendAll(fd_, message, o_.timeout)
            : SendAll(fd_, std::to_string(message.size()) + " " + std::string(message), o_.timeout);
    if (!st.ok()) Disconnect();
    return st;
  }

 private:
  void Disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  const SyslogTarget t_;
  const SyslogOptions o_;
  int fd_ = -1;
};

// A socket BIO that sends with MSG_NOSIGNAL.
int BioWrite(BIO* b, const char* data, int len) {
  BIO_clear_retry_flags(b);
  const int fd = static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(b)));
  const ssize_t n = ::send(fd, data, static_cast<size_t>(len), MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    BIO_set_retry_write(b);
  }
  return static_cast<int>(n);
}

int BioRead(BIO* b, char* data, int len) {
  BIO_clear_retry_flags(b);
  const int fd = static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(b)));
  const ssize_t n = ::recv(fd, data, static_cast<size_t>(len), 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    BIO_set_retry_read(b);
  }
  return static_cast<int>(n);
}

long BioCtrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

int BioCreate(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

BIO_METHOD* NoSigpipeMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "dokuei-socket");
    BIO_meth_set_write(m, BioWrite);
    BIO_meth_set_read(m, BioRead);
    BIO_meth_set_ctrl(m, BioCtrl);
    BIO_meth_set_create(m, BioCreate);
    return m;
  }();
  return method;
}

class TlsSender final : public SyslogSender {
 public:
  static base::Result<std::unique_ptr<TlsSender>> Create(SyslogTarget t, SyslogOptions o) {
    auto s = std::unique_ptr<TlsSender>(new TlsSender(std::move(t), std::move(o)));
    s->ctx_ = SSL_CTX_new(TLS_client_method());
    if (s->ctx_ == nullptr) return base::Internal(TlsError("syslog: SSL_CTX_new"));
    if (auto st = base::ApplyTlsPolicy(s->ctx_, /*server=*/false); !st.ok()) {
      return base::Internal("syslog: " + st.message());
    }
    SSL_CTX_set_verify(s->ctx_, SSL_VERIFY_PEER, nullptr);
    const bool loaded = s->t_.ca_file.empty() ? SSL_CTX_set_default_verify_paths(s->ctx_) == 1
                                              : SSL_CTX_load_verify_locations(
                                                    s->ctx_, s->t_.ca_file.c_str(), nullptr) == 1;
    if (!loaded) {
      return base::InvalidArgument(TlsError("syslog: cannot load CA certificates"), "ca");
    }
    if (!s->t_.cert_file.empty()) {
      if (SSL_CTX_use_certificate_chain_file(s->ctx_, s->t_.cert_file.c_str()) != 1 ||
          SSL_CTX_use_PrivateKey_file(s->ctx_, s->t_.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
          SSL_CTX_check_private_key(s->ctx_) != 1) {
        return base::InvalidArgument(TlsError("syslog: cannot load client certificate/key"),
                                     "cert");
      }
    }
    return s;
  }

  ~TlsSender() override {
    Disconnect();
    if (ctx_) SSL_CTX_free(ctx_);
  }

  Status Send(std::string_view message) override {
    if (ssl_ != nullptr && Closed()) Disconnect();
    if (ssl_ == nullptr) {
      if (Status st = Connect(); !st.ok()) {
        Disconnect();
        return st;
      }
    }
    const std::string frame = std::to_string(message.size()) + " " + std::string(message);
    std::string_view rest = frame;
    while (!rest.empty()) {
      ERR_clear_error();
      const int n = SSL_write(ssl_, rest.data(), static_cast<int>(rest.size()));
      if (n > 0) {
        rest.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (!Wait(SSL_get_error(ssl_, n))) {
        Status st = base::Unavailable(TlsError("syslog: TLS write failed"));
        Disconnect();
        return st;
      }
    }
    return Status::Ok();
  }

 private:
  TlsSender(SyslogTarget t, SyslogOptions o) : t_(std::move(t)), o_(std::move(o)) {}

  // Waits for the socket as an SSL_ERROR_WANT_* result asks; false for any other error.
  bool Wait(int ssl_error) {
    if (ssl_error == SSL_ERROR_WANT_READ) return WaitFor(fd_, POLLIN, o_.timeout);
    if (ssl_error == SSL_ERROR_WANT_WRITE) return WaitFor(fd_, POLLOUT, o_.timeout);
    return false;
  }

  Status Connect() {
    DOKUEI_ASSIGN_OR_RETURN(fd_, ConnectSocket(t_, SOCK_STREAM, o_.timeout));
    ssl_ = SSL_new(ctx_);
    BIO* bio = BIO_new(NoSigpipeMethod());
    if (ssl_ == nullptr || bio == nullptr) {
      if (bio) BIO_free(bio);
      return base::Internal(TlsError("syslog: SSL_new"));
    }
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd_)));
    SSL_set_bio(ssl_, bio, bio);
    // Verify the certificate names the host we dialled (DNS name or IP address).
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, t_.host.c_str()) != 1) {
      X509_VERIFY_PARAM_set1_host(param, t_.host.c_str(), 0);
      SSL_set_tlsext_host_name(ssl_, t_.host.c_str());
    }
    while (true) {
      ERR_clear_error();
      const int rc = SSL_connect(ssl_);
      if (rc == 1) return Status::Ok();
      const int err = SSL_get_error(ssl_, rc);
      if (Wait(err)) continue;
      const long verify = SSL_get_verify_result(ssl_);
      std::string msg = TlsError("syslog: TLS handshake with " + t_.host + " failed");
      if (verify != X509_V_OK) {
        msg += " (certificate: ";
        msg += X509_verify_cert_error_string(verify);
        msg += ")";
      }
      return base::Unavailable(msg);
    }
  }

  // A readable socket carries either post-handshake messages (TLS 1.3 session tickets), which
  // SSL_read consumes, or the end of the connection.
  bool Closed() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char buf[256];
    ERR_clear_error();
    const int n = SSL_read(ssl_, buf, sizeof(buf));
    if (n > 0) return false;  // unexpected data from the collector: ignored
    const int err = SSL_get_error(ssl_, n);
    return err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE;
  }

  void Disconnect() {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);  // frees the BIO too
      ssl_ = nullptr;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ERR_clear_error();
  }

  const SyslogTarget t_;
  const SyslogOptions o_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
};

}  // namespace

base::Result<SyslogTarget> ParseSyslogUrl(std::string_view url) {
  SyslogTarget t;
  std::string_view rest;
  if (base::StartsWith(url, "udp://")) {
    t.transport = SyslogTransport::kUdp;
    t.port = 514;
    rest = url.substr(6);
  } else if (base::StartsWith(url, "tcp://")) {
    t.transport = SyslogTransport::kTcp;
    t.port = 514;
    rest = url.substr(6);
  } else if (base::StartsWith(url, "tls://")) {
    t.transport = SyslogTransport::kTls;
    t.port = 6514;
    rest = url.substr(6);
  } else {
    return base::InvalidArgument("syslog URL must start with udp://, tcp:// or tls://", "syslog");
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string_view port;
  if (base::StartsWith(rest, "[")) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return base::InvalidArgument("syslog URL: unterminated [IPv6 address]", "syslog");
    }
    t.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return base::InvalidArgument("syslog URL: bad port", "syslog");
      port = rest.substr(1);
    }
  } else {
    const size_t colon = rest.rfind(':');
    t.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (t.host.empty() || t.host.find_first_of("/?#@ ") != std::string::npos) {
    return base::InvalidArgument("syslog URL: bad host", "syslog");
  }
  if (!port.empty()) {
    const auto p = base::ParseUint(port);
    if (!p || *p == 0 || *p > 65535) return base::InvalidArgument("syslog URL: bad port", "syslog");
    t.port = static_cast<uint16_t>(*p);
  }
  return t;
}

std::string FormatSyslogMessage(const Record& record, const SyslogOptions& options) {
  const int pri = kFacilityAuthpriv * 8 + Severity(record.event.outcome);
  std::string m = "<" + std::to_string(pri) + ">1 " + base::FormatIso8601(record.time) + " ";
  m += HeaderField(options.hostname.empty() ? LocalHostName() : options.hostname, 255);
  m += ' ';
  m += HeaderField(options.app_name, 48);
  m += ' ';
  m += std::to_string(::getpid());
  m += " DICOM+RFC3881 - ";
  m += kBom;
  m += ToDicomAuditMessage(record, options.source_id);
  return m;
}

base::Result<std::unique_ptr<SyslogSender>> NewSyslogSender(const SyslogTarget& target,
                                                            const SyslogOptions& options) {
  if (target.host.empty() || target.port == 0) {
    return base::InvalidArgument("syslog target needs a host and a port", "syslog");
  }
  if (target.transport == SyslogTransport::kTls) {
    DOKUEI_ASSIGN_OR_RETURN(auto tls, TlsSender::Create(target, options));
    return std::unique_ptr<SyslogSender>(std::move(tls));
  }
  return std::unique_ptr<SyslogSender>(std::make_unique<PlainSender>(target, options));
}

}  // namespace dokuei::audit
