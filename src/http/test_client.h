// Test-only: a minimal blocking HTTP client on a POSIX socket (so tests control every byte, e.g.
// send a header with a 4 GB Content-Length and no body) with a receive timeout.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <string>
#include <string_view>

namespace dokuei::http::testing {

namespace bhttp = boost::beast::http;

class RawClient {
 public:
  explicit RawClient(uint16_t port, int timeout_ms = 5000) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // Reads one response; ok=false on timeout/EOF before a complete message.
  struct Result {
    bool ok = false;
    bhttp::response<bhttp::string_body> res;
  };
  Result ReadResponse(bool head_only = false) {
    Result out;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 32);
    parser.eager(true);
    if (head_only) parser.skip(true);
    while (true) {
      if (!pending_.empty()) {
        boost::beast::error_code ec;
        size_t used = parser.put(boost::asio::buffer(pending_), ec);
        pending_.erase(0, used);
        if (ec == bhttp::error::need_more) ec = {};
        if (ec) return out;
        if (parser.is_done()) {
          out.ok = true;
          out.res = parser.release();
          return out;
        }
        if (used > 0 && !pending_.empty()) continue;
      }
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (n == 0 && parser.is_header_done() && !parser.chunked() &&
            !parser.content_length()) {
          boost::beast::error_code ec;
          parser.put_eof(ec);
          if (!ec && parser.is_done()) {
            out.ok = true;
            out.res = parser.release();
          }
        }
        return out;
      }
      pending_.append(buf, static_cast<size_t>(n));
    }
  }

  // Everything until EOF or timeout.
  std::string ReadAll() {
    std::string out = std::move(pending_);
    pending_.clear();
    char buf[65536];
    while (true) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }

  // Reads exactly up to "\r\n\r\n" (for interim 100 Continue responses).
  std::string ReadHead() {
    while (pending_.find("\r\n\r\n") == std::string::npos) {
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return {};
      pending_.append(buf, static_cast<size_t>(n));
    }
    size_t end = pending_.find("\r\n\r\n") + 4;
    std::string head = pending_.substr(0, end);
    pending_.erase(0, end);
    return head;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

}  // namespace dokuei::http::testing
