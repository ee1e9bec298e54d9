// E-mail (a minimal SMTP client: EHLO, optional STARTTLS, AUTH PLAIN over TLS only, MAIL, RCPT,
// DATA with a base64 UTF-8 body) and webhooks (Beast HTTP/1.1 POST, HMAC-SHA256 signature), both
// on Boost.Asio with every step bounded by a timeout, and TLS under base::ApplyTlsPolicy with
// peer and host-name verification. Errors become kUnavailable (retried by the outbox).
#include "dokuei/report/notify.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <ctime>

#include "dokuei/base/random.h"
#include "dokuei/base/strings.h"
#include "dokuei/base/tls_policy.h"
#include "dokuei/report/webhooks.h"

namespace dokuei::report {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using base::Status;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return base::HexEncode(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view json) {
  return "sha256=" + HmacSha256Hex(secret, std::to_string(unix_seconds) + "." + std::string(json));
}

namespace {

// Runs one asynchronous step to completion on the private io_context.
template <typename Start>
beast::error_code Run(asio::io_context& ioc, Start start) {
  beast::error_code out = asio::error::would_block;
  start([&](beast::error_code ec, auto&&...) { out = ec; });
  ioc.restart();
  ioc.run();
  return out;
}

bool IsLoopback(std::string_view host) {
  return host == "localhost" || host == "::1" || base::StartsWith(host, "127.");
}

Status Fail(std::string what, const beast::error_code& ec) {
  return base::Unavailable(what + ": " + ec.message());
}

base::Result<std::unique_ptr<asio::ssl::context>> TlsContext(const std::string& ca_file) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  DOKUEI_RETURN_IF_ERROR(base::ApplyTlsPolicy(ctx->native_handle(), /*server=*/false));
  beast::error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
  }
  if (ec) return base::Unavailable("TLS trust store: " + ec.message());
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

Status Connect(asio::io_context& ioc, Stream& s, const std::string& host, uint16_t port,
               std::chrono::seconds timeout) {
  tcp::resolver resolver(ioc);
  tcp::resolver::results_type endpoints;
  beast::error_code ec = Run(ioc, [&](auto done) {
    resolver.async_resolve(host, std::to_string(port),
                           [&, done](beast::error_code e, tcp::resolver::results_type r) mutable {
                             endpoints = std::move(r);
                             done(e);
                           });
  });
  if (ec) return Fail("cannot resolve " + host, ec);
  s.next_layer().expires_after(timeout);
  ec = Run(ioc, [&](auto done) {
    s.next_layer().async_connect(endpoints, [done](beast::error_code e, auto) mutable { done(e); });
  });
  if (ec) return Fail("cannot connect to " + host, ec);
  return Status::Ok();
}

Status Handshake(asio::io_context& ioc, Stream& s, const std::string& host,
                 std::chrono::seconds timeout) {
  if (!SSL_set_tlsext_host_name(s.native_handle(), host.c_str())) {
    return base::Unavailable("TLS: cannot set the server name");
  }
  s.set_verify_callback(asio::ssl::host_name_verification(host));
  s.next_layer().expires_after(timeout);
  const beast::error_code ec = Run(ioc, [&](auto done) {
    s.async_handshake(asio::ssl::stream_base::client,
                      [done](beast::error_code e) mutable { done(e); });
  });
  if (ec) return Fail("TLS handshake with " + host, ec);
  return Status::Ok();
}

// RFC 5322 date-time in UTC, e.g. "Wed, 25 Nov 2026 09:40:00 +0000".
std::string RfcDate(base::Timestamp t) {
  const time_t secs = static_cast<time_t>(base::ToUnixMicros(t) / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);  // C locale names
  return buf;
}

std::string Base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// ---- SMTP ----------------------------------------------------------------------------------

class Smtp final : public MailSender {
 public:
  Smtp(SmtpOptions o, base::Clock& clock) : o_(std::move(o)), clock_(clock) {}

  Status Send(const Mail& mail) override {
    if (mail.to.find_first_of("\r\n<>") != std::string::npos ||
        mail.to.find('@') == std::string::npos) {
      return base::InvalidArgument("not an e-mail address", "to");
    }
    asio::io_context ioc;
    std::unique_ptr<asio::ssl::context> ctx;
    if (o_.starttls != StartTls::kNever) {
      DOKUEI_ASSIGN_OR_RETURN(ctx, TlsContext(o_.ca_file));
    } else {
      ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    }
    Stream s(ioc, *ctx);
    DOKUEI_RETURN_IF_ERROR(Connect(ioc, s, o_.host, o_.port, o_.timeout));
    bool tls = false;
    std::string buf;
    auto reply = [&](int expect) -> base::Result<std::string> {
      std::string all;
      while (true) {
        s.next_layer().expires_after(o_.timeout);
        size_t n = 0;
        const beast::error_code ec = Run(ioc, [&](auto done) {
          auto h = [&n, done](beast::error_code e, size_t len) mutable {
            n = len;
            done(e);
          };
          if (tls) {
            asio::async_read_until(s, asio::dynamic_buffer(buf), "\r\n", h);
          } else {
            asio::async_read_until(s.next_layer(), asio::dynamic_buffer(buf), "\r\n", h);
          }
        });
        if (ec) return Fail("SMTP read", ec);
        const std::string line = buf.substr(0, n);
        buf.erase(0, n);
        all += line;
        if (line.size() < 4) return base::Unavailable("SMTP: malformed reply");
        if (line[3] != '-') {
          if (std::atoi(line.substr(0, 3).c_str()) != expect) {
            return base::Unavailable("SMTP: unexpected reply " + std::string(base::Trim(line)));
          }
          return all;
        }
      }
    };
    auto send = [&](const std::string& data) -> Status {
      s.next_layer().expires_after(o_.timeout);
      const beast::error_code ec = Run(ioc, [&](auto done) {
        auto h = [done](beast::error_code e, size_t) mutable { done(e); };
        if (tls) {
          asio::async_write(s, asio::buffer(data), h);
        } else {
          asio::async_write(s.next_layer(), asio::buffer(data), h);
        }
      });
      if (ec) return Fail("SMTP write", ec);
      return Status::Ok();
    };
    auto command = [&](const std::string& line, int expect) -> base::Result<std::string> {
      DOKUEI_RETURN_IF_ERROR(send(line + "\r\n"));
      return reply(expect);
    };
    DOKUEI_RETURN_IF_ERROR(reply(220).status());
    DOKUEI_ASSIGN_OR_RETURN(std::string ehlo, command("EHLO " + o_.helo, 250));
    const bool offered = ehlo.find("STARTTLS") != std::string::npos;
    if (o_.starttls == StartTls::kRequired && !offered) {
      return base::Unavailable("SMTP: the server does not offer STARTTLS");
    }
    if (o_.starttls != StartTls::kNever && offered) {
      DOKUEI_RETURN_IF_ERROR(command("STARTTLS", 220).status());
      buf.clear();
      DOKUEI_RETURN_IF_ERROR(Handshake(ioc, s, o_.host, o_.timeout));
      tls = true;
      DOKUEI_ASSIGN_OR_RETURN(ehlo, command("EHLO " + o_.helo, 250));
    }
    if (!o_.username.empty()) {
      if (!tls) return base::Unavailable("SMTP: refusing to send a password without TLS");
      // AUTH PLAIN when offered (or nothing is listed), else AUTH LOGIN (RFC 4954; the LOGIN
      // draft). The credentials go only into these commands, never into a status or a log.
      bool plain = true;
      for (std::string_view line : base::Split(ehlo, '\n')) {
        if (line.size() < 9 || !base::EqualsIgnoreCase(line.substr(4, 5), "AUTH ")) continue;
        const std::string mechs(line.substr(9));
        plain =
            mechs.find("PLAIN") != std::string::npos || mechs.find("LOGIN") == std::string::npos;
      }
      if (plain) {
        if (!command("AUTH PLAIN " + Base64(std::string(1, '\0') + o_.username +
                                            std::string(1, '\0') + o_.password),
                     235)
                 .ok())
          return base::Unavailable("SMTP: authentication (PLAIN) refused");
      } else {
        if (!command("AUTH LOGIN", 334).ok() || !command(Base64(o_.username), 334).ok() ||
            !command(Base64(o_.password), 235).ok())
          return base::Unavailable("SMTP: authentication (LOGIN) refused");
      }
    }
    DOKUEI_RETURN_IF_ERROR(command("MAIL FROM:<" + o_.from + ">", 250).status());
    DOKUEI_RETURN_IF_ERROR(command("RCPT TO:<" + mail.to + ">", 250).status());
    DOKUEI_RETURN_IF_ERROR(command("DATA", 354).status());
    DOKUEI_RETURN_IF_ERROR(send(Message(mail)));
    DOKUEI_RETURN_IF_ERROR(reply(250).status());
    (void)command("QUIT", 221);
    return Status::Ok();
  }

 private:
  std::string Message(const Mail& mail) {
    const base::Timestamp now = clock_.Now();
    std::string body64 = Base64(mail.body), wrapped;
    for (size_t i = 0; i < body64.size(); i += 76) wrapped += body64.substr(i, 76) + "\r\n";
    std::string m;
    m += "From: <" + o_.from + ">\r\n";
    m += "To: <" + mail.to + ">\r\n";
    m += "Subject: =?UTF-8?B?" + Base64(mail.subject) + "?=\r\n";
    m += "Date: " + RfcDate(now) + "\r\n";
    m += "Message-ID: <" + base::RandomHex(16) + "@" + o_.helo + ">\r\n";
    m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n";
    m += "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n";
    m += wrapped;  // base64 never starts a line with '.': no dot-stuffing needed
    m += ".\r\n";
    return m;
  }

  SmtpOptions o_;
  base::Clock& clock_;
};

// ---- Webhooks ------------------------------------------------------------------------------

struct Url {
  bool https = false;
  std::string host;
  uint16_t port = 0;
  std::string target;
};

base::Result<Url> ParseUrl(std::string_view url) {
  Url u;
  if (base::StartsWith(url, "https://")) {
    u.https = true;
    url.remove_prefix(8);
  } else if (base::StartsWith(url, "http://")) {
    url.remove_prefix(7);
  } else {
    return base::InvalidArgument("a URL starts with https://", "url");
  }
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  u.port = u.https ? 443 : 80;
  std::string_view host = authority;
  if (base::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return base::InvalidArgument("bad URL", "url");
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (base::StartsWith(authority, ":")) {
      const auto p = base::ParseUint(authority.substr(1));
      if (!p || *p == 0 || *p > 65535) return base::InvalidArgument("bad port in the URL", "url");
      u.port = static_cast<uint16_t>(*p);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    const auto p = base::ParseUint(authority.substr(colon + 1));
    if (!p || *p == 0 || *p > 65535) return base::InvalidArgument("bad port in the URL", "url");
    u.port = static_cast<uint16_t>(*p);
  }
  if (host.empty()) return base::InvalidArgument("bad URL", "url");
  u.host = std::string(host);
  if (!u.https && !IsLoopback(u.host)) {
    return base::InvalidArgument("plain http is allowed to loopback addresses only", "url");
  }
  return u;
}

base::Result<HttpAnswer> Post(const HttpPost& post, const WebhookOptions& o) {
  DOKUEI_ASSIGN_OR_RETURN(const Url u, ParseUrl(post.url));
  asio::io_context ioc;
  std::unique_ptr<asio::ssl::context> ctx;
  if (u.https) {
    DOKUEI_ASSIGN_OR_RETURN(ctx, TlsContext(o.ca_file));
  } else {
    ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  }
  Stream s(ioc, *ctx);
  DOKUEI_RETURN_IF_ERROR(Connect(ioc, s, u.host, u.port, o.timeout));
  if (u.https) DOKUEI_RETURN_IF_ERROR(Handshake(ioc, s, u.host, o.timeout));
  http::request<http::string_body> req(http::verb::post, u.target, 11);
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "dokuei");
  req.set(http::field::content_type, post.content_type);
  for (const auto& [name, value] : post.headers) req.set(name, value);
  req.body() = post.body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  s.next_layer().expires_after(o.timeout);
  beast::error_code ec = Run(ioc, [&](auto done) {
    auto h = [done](beast::error_code e, size_t) mutable { done(e); };
    if (u.https) {
      http::async_write(s, req, h);
    } else {
      http::async_write(s.next_layer(), req, h);
    }
  });
  if (ec) return Fail("HTTP write to " + u.host, ec);
  ec = Run(ioc, [&](auto done) {
    auto h = [done](beast::error_code e, size_t) mutable { done(e); };
    if (u.https) {
      http::async_read(s, buffer, parser, h);
    } else {
      http::async_read(s.next_layer(), buffer, parser, h);
    }
  });
  if (ec) return Fail("HTTP read from " + u.host, ec);
  HttpAnswer a;
  a.status = parser.get().result_int();
  a.body = std::move(parser.get().body());
  if (a.body.size() > 64 * 1024) a.body.resize(64 * 1024);
  return a;
}

class BeastWebhooks final : public WebhookSender {
 public:
  explicit BeastWebhooks(WebhookOptions o) : o_(std::move(o)) {}

  Status Post(const Webhook& hook, const std::string& json, base::Timestamp at) override {
    const int64_t secs = base::ToUnixMicros(at) / 1'000'000;
    HttpPost post;
    post.url = hook.url;
    post.headers = {{"X-Dokuei-Timestamp", std::to_string(secs)},
                    {"X-Dokuei-Signature", WebhookSignature(hook.secret, secs, json)}};
    post.body = json;
    auto answer = report::Post(post, o_);
    if (!answer.ok()) {
      const base::Status& st = answer.status();
      if (st.code() == base::Code::kUnavailable) {
        // Keep the historical wording of the webhook errors ("webhook write: ...").
        std::string m = st.message();
        if (base::StartsWith(m, "HTTP ")) m = "webhook " + m.substr(5);
        return base::Unavailable(std::move(m));
      }
      return st;
    }
    if (answer->status < 200 || answer->status > 299) {
      return base::Unavailable("webhook answered HTTP " + std::to_string(answer->status));
    }
    return Status::Ok();
  }

 private:
  WebhookOptions o_;
};

}  // namespace

std::unique_ptr<MailSender> SmtpMailSender(SmtpOptions options, base::Clock& clock) {
  return std::make_unique<Smtp>(std::move(options), clock);
}

std::unique_ptr<WebhookSender> BeastWebhookSender(WebhookOptions options) {
  return std::make_unique<BeastWebhooks>(std::move(options));
}

base::Result<HttpAnswer> PostHttp(const HttpPost& post, const WebhookOptions& options) {
  return Post(post, options);
}

base::Status ValidateWebhookUrl(std::string_view url) {
  if (url.size() > 2000) return base::InvalidArgument("the URL is too long", "url");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return base::InvalidArgument("the URL may not contain spaces or control characters", "url");
  return ParseUrl(url).status();
}

}  // namespace dokuei::report
