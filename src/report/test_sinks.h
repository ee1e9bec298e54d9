// Test-only receivers on 127.0.0.1 (port 0): an HTTP server that records webhook requests and
// answers with queued status codes (200 once the queue is empty), an HTTPS one, and an SMTP sink
// that speaks just enough RFC 5321 (with STARTTLS when given a TLS context) to accept messages.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace dokuei::report::testing {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Accepts connections one at a time on a thread until destroyed.
class Listener {
 public:
  Listener() : acceptor_(ioc_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {}
  virtual ~Listener() { Stop(); }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 protected:
  void Start() {
    thread_ = std::thread([this] {
      while (!stop_) {
        tcp::socket s(ioc_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec || stop_) break;
        Serve(s);
      }
    });
  }
  void Stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket wake(ioc_);
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  virtual void Serve(tcp::socket& s) = 0;

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class HttpSink final : public Listener {
 public:
  HttpSink() { Start(); }
  ~HttpSink() override { Stop(); }
  struct Request {
    std::string target, body, timestamp, signature;
  };
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  void QueueStatus(unsigned code) {
    std::lock_guard lock(mu_);
    statuses_.push_back(code);
  }

 private:
  void Serve(tcp::socket& s) override {
    boost::beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req;
    boost::system::error_code ec;
    bhttp::read(s, buf, req, ec);
    if (ec) return;
    unsigned code = 200;
    {
      std::lock_guard lock(mu_);
      requests_.push_back({std::string(req.target()), req.body(),
                           std::string(req["X-Dokuei-Timestamp"]),
                           std::string(req["X-Dokuei-Signature"])});
      if (!statuses_.empty()) {
        code = statuses_.front();
        statuses_.pop_front();
      }
    }
    bhttp::response<bhttp::string_body> res(static_cast<bhttp::status>(code), 11);
    res.body() = "{}";
    res.prepare_payload();
    bhttp::write(s, res, ec);
  }
  std::mutex mu_;
  std::vector<Request> requests_;
  std::deque<unsigned> statuses_;
};

// With a TLS context the sink offers STARTTLS and continues the dialogue over TLS; with
// `auth_mechs` ("PLAIN LOGIN", "LOGIN") it offers AUTH over TLS and records what the client sent
// ("PLAIN <base64>" or "LOGIN <base64 user> <base64 password>").
class SmtpSink final : public Listener {
 public:
  explicit SmtpSink(asio::ssl::context* tls = nullptr, std::string auth_mechs = {})
      : tls_(tls), auth_mechs_(std::move(auth_mechs)) {
    Start();
  }
  std::vector<std::string> auths() {
    std::lock_guard lock(mu_);
    return auths_;
  }
  ~SmtpSink() override { Stop(); }
  struct Received {
    std::string from, to, data;
    bool over_tls = false;
  };
  std::vector<Received> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }

 private:
  void Serve(tcp::socket& s) override {
    std::string buf;
    asio::write(s, asio::buffer(std::string("220 sink ESMTP\r\n")), ec_);
    if (Dialog(s, buf, false) && tls_) {
      asio::ssl::stream<tcp::socket&> tls(s, *tls_);
      tls.handshake(asio::ssl::stream_base::server, ec_);
      if (ec_) return;
      buf.clear();
      Dialog(tls, buf, true);
    }
  }

  // Returns true when the client asked for STARTTLS (and was told to go ahead).
  template <typename Stream>
  bool Dialog(Stream& s, std::string& buf, bool over_tls) {
    auto send = [&](const std::string& line) { asio::write(s, asio::buffer(line), ec_); };
    Received m;
    m.over_tls = over_tls;
    while (true) {
      const size_t n = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n", ec_);
      if (ec_) return false;
      const std::string l = buf.substr(0, n - 2);
      buf.erase(0, n);
      const std::string cmd = l.substr(0, 4);
      auto next_line = [&]() -> std::string {
        const size_t k = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n", ec_);
        if (ec_) return {};
        std::string v = buf.substr(0, k - 2);
        buf.erase(0, k);
        return v;
      };
      if (cmd == "EHLO" || cmd == "HELO") {
        if (tls_ && !over_tls) {
          send("250-sink\r\n250 STARTTLS\r\n");
        } else if (over_tls && !auth_mechs_.empty()) {
          send("250-sink\r\n250-AUTH " + auth_mechs_ + "\r\n250 8BITMIME\r\n");
        } else {
          send("250-sink\r\n250 8BITMIME\r\n");
        }
      } else if (l.rfind("AUTH PLAIN ", 0) == 0 && over_tls && !auth_mechs_.empty()) {
        {
          std::lock_guard lock(mu_);
          auths_.push_back("PLAIN " + l.substr(11));
        }
        send("235 ok\r\n");
      } else if (l == "AUTH LOGIN" && over_tls && !auth_mechs_.empty()) {
        send("334 VXNlcm5hbWU6\r\n");
        const std::string user = next_line();
        send("334 UGFzc3dvcmQ6\r\n");
        const std::string pass = next_line();
        {
          std::lock_guard lock(mu_);
          auths_.push_back("LOGIN " + user + " " + pass);
        }
        send("235 ok\r\n");
      } else if (l == "STARTTLS" && tls_ && !over_tls) {
        send("220 ready\r\n");
        return true;
      } else if (cmd == "MAIL") {
        m.from = l;
        send("250 OK\r\n");
      } else if (cmd == "RCPT") {
        m.to = l;
        send("250 OK\r\n");
      } else if (cmd == "DATA") {
        send("354 go ahead\r\n");
        const size_t d = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n.\r\n", ec_);
        if (ec_) return false;
        m.data = buf.substr(0, d);
        buf.erase(0, d);
        {
          std::lock_guard lock(mu_);
          messages_.push_back(m);
        }
        send("250 queued\r\n");
      } else if (cmd == "QUIT") {
        send("221 bye\r\n");
        return false;
      } else {
        send("502 not implemented\r\n");
      }
    }
  }

  asio::ssl::context* tls_;
  std::string auth_mechs_;
  boost::system::error_code ec_;
  std::mutex mu_;
  std::vector<Received> messages_;
  std::vector<std::string> auths_;
};

// An HTTPS server answering 200 to one request at a time, recording the bodies.
class HttpsSink final : public Listener {
 public:
  explicit HttpsSink(asio::ssl::context& tls) : tls_(tls) { Start(); }
  ~HttpsSink() override { Stop(); }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  void Serve(tcp::socket& s) override {
    boost::system::error_code ec;
    asio::ssl::stream<tcp::socket&> tls(s, tls_);
    tls.handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;
    boost::beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req;
    bhttp::read(tls, buf, req, ec);
    if (ec) return;
    {
      std::lock_guard lock(mu_);
      bodies_.push_back(req.body());
    }
    bhttp::response<bhttp::string_body> res(bhttp::status::ok, 11);
    res.prepare_payload();
    bhttp::write(tls, res, ec);
    tls.shutdown(ec);
  }
  asio::ssl::context& tls_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

}  // namespace dokuei::report::testing
