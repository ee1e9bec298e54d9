// Private: one HTTP/1.1 connection. A template over the stream type so that TLS
// (beast::ssl_stream<beast::tcp_stream>) uses the same request logic as plain TCP.
//
// Per request: read the header (I/O thread) -> route, check the declared length -> authenticate
// (executor) -> [streaming handler creates its consumer (executor)] -> read the body in chunks
// (I/O), each chunk consumed on the executor before the next is read (bounded memory) -> handler
// (executor) -> write the response; streamed bodies alternate "produce piece" (executor, or the I/O
// thread for NonBlocking sources, whose byte pieces are gathered into one write with the header)
// and "write piece" (I/O, sendfile for file pieces on plain TCP). The response half of the class
// is defined in session_response.h.
#pragma once

#include <sys/sendfile.h>

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "core.h"
#include "dokuei/base/strings.h"
#include "dokuei/http/problem.h"

namespace dokuei::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// Helpers implemented in session.cc (non-template).
// Path plus query parameter names (values may hold patient data and are never logged).
std::string LogPath(std::string_view target);
void LogAccess(const Request* req, std::string_view remote, int status, uint64_t bytes, double ms,
               std::string_view abort_reason);
void AddCorsHeaders(const Server::Core& core, const Request& req, Headers& out);
// Headers every response carries unless its handler set them: no MIME sniffing (a DICOM text
// field can never be taken for HTML), no framing, no referrer, no caching of patient data, no
// active content (Content-Security-Policy "default-src 'none'"), and HSTS over TLS.
void AddSecurityHeaders(Headers& out, bool tls);
base::Result<Response> RunHandlerSafely(const std::function<base::Result<Response>()>& fn);

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kPlain = std::is_same_v<Stream, beast::tcp_stream>;
  static constexpr size_t kChunk = 256 * 1024;        // buffered request bodies
  static constexpr size_t kStreamChunk = 2 * 1024 * 1024;  // streamed request bodies (x2)

  template <class... Args>
  Session(Server::Core& core, std::string remote, Args&&... args)
      : core_(core),
        stream_(std::forward<Args>(args)...),
        timer_(stream_.get_executor()),
        remote_(std::move(remote)) {}
  ~Session() override { core_.SessionEnded(); }

  void Run() {
    auto self = this->shared_from_this();
    net::dispatch(stream_.get_executor(), [self] {
      if constexpr (kPlain) {
        self->ReadRequest();
      } else {
        beast::get_lowest_layer(self->stream_).expires_after(self->core_.options.header_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server,
                                      [self](beast::error_code ec) {
                                        if (ec) return self->Close();
                                        self->ReadRequest();
                                      });
      }
    });
  }

  void RequestStop(bool force) override {
    auto self = this->shared_from_this();
    net::post(stream_.get_executor(), [self, force] {
      if (force || self->idle_) self->CloseSocket();
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // ---- reading the request ------------------------------------------------------------------
  void ReadRequest() {
    has_body_ = false;
    if (core_.stopping) return Close();
    idle_ = true;
    req_.reset();
    route_ = nullptr;
    consumer_.reset();
    body_received_ = 0;
    ready_.reset();
    deferred_ = base::Status::Ok();
    read_in_flight_ = consume_in_flight_ = false;
    raw_ = false;
    body_complete_ = false;
    remaining_ = 0;
    fill_ = 0;
    close_ = !core_.options.keep_alive;
    parser_.emplace();
    parser_->header_limit(core_.options.header_limit);
    // Beast 1.74 treats an unset body limit as 0 for Content-Length bodies (issue #2070); we
    // enforce limits ourselves.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    lowest().expires_after(core_.options.header_timeout);
    auto self = this->shared_from_this();
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    start_ = core_.clock->Monotonic();
    if (ec) {
      if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
          ec == beast::error::timeout || ec == net::error::operation_aborted ||
          ec == net::error::connection_reset || ec == net::ssl::error::stream_truncated) {
        return Close();
      }
      close_ = true;
      if (ec == bhttp::error::header_limit) {
        return SendProblem(base::PayloadTooLarge("request header too large"));
      }
      return SendProblem(base::InvalidArgument("malformed HTTP request: " + ec.message()));
    }
    auto& h = parser_->get();
    req_ = std::make_unique<Request>();
    req_->method = std::string(h.method_string());
    req_->target = std::string(h.target());
    req_->remote_address = remote_;
    for (const auto& f : h) req_->headers.Add(std::string(f.name_string()), std::string(f.value()));
    req_->lang = PreferredLanguage(req_->headers.Get("Accept-Language"));
    if (!h.keep_alive()) close_ = true;
    version_ = h.version();
    has_body_ = !parser_->is_done();
    if (has_body_) {
      // Whatever happens before the body is read completely, the connection cannot be reused.
      close_after_error_ = true;
    } else {
      close_after_error_ = false;
    }

    std::string_view target = req_->target;
    size_t q = target.find('?');
    std::string_view raw_path = target.substr(0, q);
    std::string_view raw_query = q == std::string_view::npos ? "" : target.substr(q + 1);
    auto path = PercentDecode(raw_path, false);
    if (raw_path.empty() || raw_path.front() != '/' || !path) {
      return SendError(base::InvalidArgument("malformed request target"));
    }
    req_->path = std::move(*path);
    auto query = ParseQuery(raw_query);
    if (!query.ok()) return SendError(query.status());
    req_->query = std::move(query).value();

    // CORS preflight (answered before routing; browsers send no credentials on it).
    std::string_view origin = req_->headers.Get("Origin");
    if (req_->method == "OPTIONS" && !origin.empty() &&
        req_->headers.Has("Access-Control-Request-Method") &&
        !core_.options.cors_allowed_origins.empty()) {
      RouteMatch m = core_.routes.Match("", raw_path);
      if (m.allowed_methods.empty()) return SendError(base::NotFound("no such resource"));
      Response res;
      res.status = 204;
      if (core_.CorsAllowed(origin)) {
        std::string methods;
        for (const auto& mth : m.allowed_methods) methods += (methods.empty() ? "" : ", ") + mth;
        res.headers.Set("Access-Control-Allow-Methods", methods);
        std::string_view req_headers = req_->headers.Get("Access-Control-Request-Headers");
        res.headers.Set("Access-Control-Allow-Headers",
                        req_headers.empty() ? "Authorization, Content-Type, Accept"
                                            : std::string(req_headers));
        res.headers.Set("Access-Control-Max-Age", "600");
      }
      if (has_body_) close_ = true;
      return SendResponse(std::move(res));
    }

    RouteMatch m = core_.routes.Match(req_->method, raw_path);
    if (!m.route) {
      if (m.allowed_methods.empty()) return SendError(base::NotFound("no such resource"));
      std::string allow;
      for (const auto& mth : m.allowed_methods) allow += (allow.empty() ? "" : ", ") + mth;
      Response res = ProblemResponse(
          base::Status(base::Code::kFailedPrecondition, "method not allowed; allowed: " + allow),
          req_->lang);
      res.status = 405;
      res.headers.Set("Allow", allow);
      if (has_body_) close_ = true;
      return SendResponse(std::move(res));
    }
    route_ = m.route;
    req_->params = std::move(m.params);
    body_limit_ = route_->body_limit ? route_->body_limit : core_.options.default_body_limit;
    if (auto cl = parser_->content_length(); cl && *cl > body_limit_) {
      return SendError(base::PayloadTooLarge("declared Content-Length " + std::to_string(*cl) +
                                                 " exceeds the limit of " +
                                                 std::to_string(body_limit_) + " bytes",
                                             "Content-Length"));
    }
    if (!route_->authenticate) return AfterAuth();
    auto self = this->shared_from_this();
    OnExecutor([self] {
      base::Status st;
      Principal principal;
      if (!self->core_.auth) {
        st = base::Unauthenticated("authentication is not configured");
      } else {
        RequestView view{self->req_->method, self->req_->path, &self->req_->headers,
                         self->req_->remote_address};
        auto r = self->core_.auth->Authenticate(view);
        if (!r.ok()) {
          // Bad credentials are 401; an authenticator that could not decide (database or audit
          // log unavailable) fails the request with 503 rather than letting it through or
          // blaming the caller's credentials.
          const base::Code code = r.status().code();
          if (code == base::Code::kUnauthenticated) {
            st = r.status();
          } else if (code == base::Code::kUnavailable || code == base::Code::kInternal ||
                     code == base::Code::kDataLoss || code == base::Code::kTimeout) {
            st = base::Unavailable("authentication is unavailable; try again later");
          } else {
            st = base::Unauthenticated("authentication failed");
          }
        } else {
          principal = std::move(r).value();
          st = CheckCsrf(self->req_->method, self->req_->headers, principal, self->req_->lang);
          if (st.ok() && !self->route_->permission.empty() &&
              !principal.HasPermission(self->route_->permission)) {
            st = base::PermissionDenied("missing permission " + self->route_->permission);
          }
        }
      }
      if (st.ok() && !self->has_body_ && self->route_->handler) {
        // No body to read: run the handler right away, saving a round trip to the I/O thread.
        self->req_->principal = std::move(principal);
        self->close_after_error_ = false;
        auto r = RunHandlerSafely([&] { return self->route_->handler(*self->req_); });
        self->OnStrand([self, r = std::move(r)]() mutable { self->Deliver(std::move(r)); });
        return;
      }
      self->OnStrand([self, st = std::move(st), principal = std::move(principal)]() mutable {
        if (!st.ok()) return self->SendError(st);
        self->req_->principal = std::move(principal);
        self->AfterAuth();
      });
    });
  }

  void AfterAuth() {
    if (!route_->stream_handler) return StartBody();
    auto self = this->shared_from_this();
    OnExecutor([self] {
      base::Result<std::unique_ptr<BodyConsumer>> r = base::Internal("handler threw");
      try {
        r = self->route_->stream_handler(*self->req_);
      } catch (const std::exception& e) {
        r = base::Internal(std::string("handler threw: ") + e.what());
      }
      self->OnStrand([self, r = std::move(r)]() mutable {
        if (!r.ok()) return self->SendError(r.status());
        self->consumer_ = std::move(r).value();
        self->StartBody();
      });
    });
  }

  void StartBody() {
    if (!has_body_) return consumer_ ? FinishConsumer() : Dispatch();
    const size_t size = consumer_ ? kStreamChunk : kChunk;
    chunks_[0].resize(size);
    if (consumer_) chunks_[1].resize(size);
    read_buf_ = 0;
    // A streamed body of known length is read straight from the socket into large buffers
    // (fewer system calls and timer updates than the parser's 64 KiB reads).
    raw_ = consumer_ && parser_->content_length().has_value() && !parser_->chunked();
    if (raw_) {
      remaining_ = *parser_->content_length();
      fill_ = 0;
      auto data = buffer_.data();
      size_t have = static_cast<size_t>(std::min<uint64_t>(data.size(), remaining_));
      have = std::min(have, chunks_[0].size());
      std::memcpy(chunks_[0].data(), data.data(), have);
      buffer_.consume(have);
      fill_ = have;
      remaining_ -= have;
    }
    if (base::EqualsIgnoreCase(base::Trim(req_->headers.Get("Expect")), "100-continue") &&
        version_ >= 11) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      lowest().expires_after(core_.options.write_timeout);
      auto self = this->shared_from_this();
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self](beast::error_code ec, size_t) {
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (raw_) return ReadRaw();
    auto& buf = chunks_[read_buf_];
    auto& body = parser_->get().body();
    body.data = buf.data();
    body.size = buf.size();
    body.more = true;
    read_in_flight_ = true;
    lowest().expires_after(core_.options.read_timeout);
    auto self = this->shared_from_this();
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  // A streamed body is double-buffered: while the executor consumes one chunk, the next is read
  // into the other buffer. Anything that ends the request while a chunk is being consumed waits
  // for the consumer to return (it uses the chunk and the consumer object).
  void OnBody(beast::error_code ec) {
    if (ec == bhttp::error::need_buffer) ec = {};
    const size_t got = chunks_[read_buf_].size() - parser_->get().body().size;
    HandleChunk(ec, got, parser_->is_done());
  }

  // Raw reads: fill the current buffer (never past the body's end), then hand it over.
  void ReadRaw() {
    if (fill_ == chunks_[read_buf_].size() || remaining_ == 0) {
      size_t got = fill_;
      fill_ = 0;
      return HandleChunk({}, got, remaining_ == 0);
    }
    read_in_flight_ = true;
    if (!idle_timer_armed_) ArmIdleTimer();
    auto& buf = chunks_[read_buf_];
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size() - fill_, remaining_));
    auto self = this->shared_from_this();
    auto done = [self](beast::error_code ec, size_t n) {
      self->progress_ = true;
      self->fill_ += n;
      self->remaining_ -= n;
      if (ec) {
        self->read_in_flight_ = false;
        size_t got = self->fill_;
        self->fill_ = 0;
        return self->HandleChunk(ec, got, false);
      }
      self->ReadRaw();
    };
    // The idle timer below replaces the stream's per-operation timeout.
    lowest().expires_never();
    if constexpr (kPlain) {
      lowest().socket().async_read_some(net::buffer(buf.data() + fill_, want), std::move(done));
    } else {
      stream_.async_read_some(net::buffer(buf.data() + fill_, want), std::move(done));
    }
  }

  // One timer per body instead of one per read: it fires every read_timeout and closes the
  // connection only if no byte arrived since the last check while a read was waiting.
  void ArmIdleTimer() {
    idle_timer_armed_ = true;
    progress_ = false;
    timer_.expires_after(core_.options.read_timeout);
    auto self = this->shared_from_this();
    timer_.async_wait([self](beast::error_code ec) {
      self->idle_timer_armed_ = false;
      if (ec || !self->raw_ || self->body_complete_) return;
      if (self->read_in_flight_ && !self->progress_) {
        beast::error_code ignored;
        self->lowest().socket().cancel(ignored);
        return;
      }
      self->ArmIdleTimer();
    });
  }

  void HandleChunk(beast::error_code ec, size_t got, bool done) {
    read_in_flight_ = false;
    if (done) {
      body_complete_ = true;
      if (raw_) timer_.cancel();
    }
    base::Status failure;
    bool gone = false;
    if (ec) {
      gone = ec == beast::error::timeout || ec == net::error::eof ||
             ec == bhttp::error::partial_message || ec == net::error::connection_reset ||
             ec == net::error::operation_aborted;
      if (!gone) failure = base::InvalidArgument("malformed request body: " + ec.message());
    } else {
      body_received_ += got;
      if (body_received_ > body_limit_) {
        failure = base::PayloadTooLarge("request body exceeds the limit of " +
                                        std::to_string(body_limit_) + " bytes");
      }
    }
    if (!deferred_.ok()) failure = deferred_;  // the consumer failed while we were reading
    if (gone || !failure.ok()) {
      if (consume_in_flight_) {
        deferred_ = gone ? base::Status(base::Code::kCancelled, "client gone") : failure;
        return;
      }
      return gone ? CloseSocket() : SendError(failure);  // nobody to answer when gone
    }

    if (!consumer_) {
      req_->body.append(chunks_[0].data(), got);
      return done ? Dispatch() : ReadBody();
    }
    Chunk c{read_buf_, got, done};
    if (consume_in_flight_) {
      ready_ = c;  // taken when the consumer returns; no further read until then
      return;
    }
    StartConsume(c);
  }

  struct Chunk {
    int buf = 0;
    size_t size = 0;
    bool last = false;
  };

  void StartConsume(Chunk c) {
    if (c.size == 0) {
      if (c.last) return FinishConsumer();
      return ReadBody();  // same buffer
    }
    consume_in_flight_ = true;
    if (!c.last) {
      read_buf_ = c.buf ^ 1;
      ReadBody();  // read ahead into the other buffer
    }
    auto self = this->shared_from_this();
    OnExecutor([self, c] {
      base::Status st;
      try {
        st = self->consumer_->Consume(std::string_view(self->chunks_[c.buf].data(), c.size));
      } catch (const std::exception& e) {
        st = base::Internal(std::string("consumer threw: ") + e.what());
      }
      self->OnStrand([self, st = std::move(st), c] { self->OnConsumed(st, c); });
    });
  }

  void OnConsumed(const base::Status& st, Chunk c) {
    consume_in_flight_ = false;
    if (!st.ok()) {
      if (read_in_flight_) {
        deferred_ = st;  // answered when the pending read completes
        return;
      }
      return SendError(st);
    }
    if (!deferred_.ok()) {
      if (deferred_.code() == base::Code::kCancelled) return CloseSocket();
      return SendError(deferred_);
    }
    if (c.last) return FinishConsumer();
    if (ready_) {
      Chunk next = *ready_;
      ready_.reset();
      return StartConsume(next);
    }
    // Otherwise the read-ahead is still in flight; OnBody continues.
  }

  void FinishConsumer() {
    close_after_error_ = false;
    consume_in_flight_ = true;  // the executor owns consumer_ until Finish returns
    auto self = this->shared_from_this();
    OnExecutor([self] {
      auto r = RunHandlerSafely([&] { return self->consumer_->Finish(); });
      self->consumer_.reset();
      self->OnStrand([self, r = std::move(r)]() mutable {
        self->consume_in_flight_ = false;
        self->Deliver(std::move(r));
      });
    });
  }

  void Dispatch() {
    close_after_error_ = false;
    auto self = this->shared_from_this();
    OnExecutor([self] {
      auto r = RunHandlerSafely([&] { return self->route_->handler(*self->req_); });
      self->OnStrand([self, r = std::move(r)]() mutable { self->Deliver(std::move(r)); });
    });
  }

  void Deliver(base::Result<Response> r) {
    if (!r.ok()) return SendProblem(r.status());
    SendResponse(std::move(r).value());
  }

  // ---- writing the response -----------------------------------------------------------------
  // An error before the request body was read completely also closes the connection.
  void SendError(const base::Status& st) {
    if (close_after_error_) close_ = true;
    SendProblem(st);
  }

  void SendProblem(const base::Status& st) {
    SendResponse(ProblemResponse(st, req_ ? std::string_view(req_->lang) : "ja"));
  }

  // The request body will not be read any further: stop its idle timer and discard the consumer
  // (unless the executor is inside it; then it goes with the session).
  void EndBody() {
    if (raw_) {
      raw_ = false;
      timer_.cancel();
    }
    if (!consume_in_flight_) consumer_.reset();
  }

  // Defined in session_response.h.
  void SendResponse(Response res);
  base::Result<bool> CallNext();
  void NextPiece();
  // NonBlocking sources, on this thread: byte pieces (after the header, if not sent yet) are
  // gathered into one write, up to a file piece, the end, an error or ~2 MiB; then OnPiece.
  void Gather();
  static std::string ChunkSize(uint64_t n);
  void OnPiece(const base::Result<bool>& r);
  // Zero-copy: sendfile(2) on the non-blocking socket, waiting for writability when it is full.
  void SendFile();

  void Finished(beast::error_code ec) {
    double ms = std::chrono::duration<double, std::milli>(core_.clock->Monotonic() - start_).count();
    if (ec && abort_reason_.empty()) abort_reason_ = ec.message();
    LogAccess(req_.get(), remote_, status_, bytes_sent_, ms, abort_reason_);
    abort_reason_.clear();
    source_.reset();
    gather_.clear();
    serializer_.reset();
    header_.reset();
    if (ec) return CloseSocket();
    if (close_) return Close();
    ReadRequest();
  }

  // Graceful close: stop sending, then drain (bounded) what the client still sends so that it
  // sees our response instead of a reset.
  void Close() {
    EndBody();
    if constexpr (kPlain) {
      beast::error_code ec;
      lowest().socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
      bool unread_body = parser_ && has_body_ && !body_complete_ && !parser_->is_done();
      if (ec || drained_ > 0 || !unread_body) return CloseSocket();
      Drain();
    } else {
      auto self = this->shared_from_this();
      lowest().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self](beast::error_code) { self->CloseSocket(); });
    }
  }

  void Drain() {
    if constexpr (kPlain) {
      if (drained_ > (1u << 20)) return CloseSocket();
      auto& chunk = chunks_[0];
      chunk.resize(std::max<size_t>(chunk.size(), 64 * 1024));
      lowest().expires_after(std::chrono::seconds(2));
      auto self = this->shared_from_this();
      lowest().async_read_some(net::buffer(chunk), [self](beast::error_code ec, size_t n) {
        self->drained_ += n + 1;
        if (ec) return self->CloseSocket();
        self->Drain();
      });
    }
  }

  void CloseSocket() {
    EndBody();
    beast::error_code ec;
    lowest().socket().close(ec);
  }

  // ---- threads ------------------------------------------------------------------------------
  template <class F>
  void OnExecutor(F&& f) {
    core_.executor->Post(std::forward<F>(f));
  }
  template <class F>
  void OnStrand(F&& f) {
    net::post(stream_.get_executor(), std::forward<F>(f));
  }

  Server::Core& core_;
  Stream stream_;
  net::steady_timer timer_;
  std::string remote_;
  beast::flat_buffer buffer_{1u << 20};
  std::optional<bhttp::request_parser<bhttp::buffer_body>> parser_;
  std::unique_ptr<Request> req_;
  const Route* route_ = nullptr;
  std::unique_ptr<BodyConsumer> consumer_;
  std::vector<char> chunks_[2];
  int read_buf_ = 0;
  bool read_in_flight_ = false;
  bool consume_in_flight_ = false;
  std::optional<Chunk> ready_;
  base::Status deferred_;
  bool raw_ = false;  // body read straight from the socket (streamed, Content-Length)
  uint64_t remaining_ = 0;
  size_t fill_ = 0;
  bool progress_ = false;
  bool idle_timer_armed_ = false;
  bool body_complete_ = false;
  uint64_t body_limit_ = 0;
  uint64_t body_received_ = 0;
  unsigned version_ = 11;
  bool has_body_ = false;
  bool close_ = false;
  bool close_after_error_ = false;
  bool idle_ = false;
  std::chrono::steady_clock::time_point start_{};
  int status_ = 0;
  uint64_t bytes_sent_ = 0;
  size_t drained_ = 0;
  // Streaming response state.
  std::unique_ptr<BodySource> source_;
  std::unique_ptr<bhttp::response<bhttp::empty_body>> header_;
  std::unique_ptr<bhttp::response_serializer<bhttp::empty_body>> serializer_;
  std::optional<uint64_t> expected_length_;
  bool chunked_ = false;
  bool inline_source_ = false;    // source_ is NonBlocking: Next runs on this thread
  uint64_t inline_steps_ = 0;
  std::vector<std::string> gather_;  // header and byte pieces being written together
  Piece piece_;
  std::string chunk_header_;
  bool sendfile_then_crlf_ = false;
  std::string abort_reason_;
};

}  // namespace dokuei::http

#include "session_response.h"  // the definitions of the response half
