// Server: a small HTTP/1.1 server on Boost.Beast. Requests are matched against the RouteTable;
// authentication, handlers, request-body consumers and response-body sources run on the Executor,
// while I/O threads only parse, route and move bytes. Limits are enforced before allocation: a
// declared Content-Length above the route's limit is answered 413 without reading the body.
// Large responses stream piece by piece (file pieces with sendfile(2) on plain TCP).
// Every request is logged (method, path, query parameter names only, status, bytes, ms).
//
// Lifetime: the route table and authenticator must outlive the server. Stop() is graceful: it stops
// accepting, lets in-flight requests finish (up to `shutdown_grace`), then closes the rest.
// Thread safety: Start/Stop from one thread; everything else is internal.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/executor.h"
#include "dokuei/base/status.h"
#include "dokuei/http/auth.h"
#include "dokuei/http/router.h"

namespace boost::asio::ssl {
class context;
}

namespace dokuei::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8042";  // "host:port"; port 0 picks a free port
  int io_threads = 2;
  // Where blocking work runs (borrowed). Null: the server owns a pool of `worker_threads`.
  base::Executor* executor = nullptr;
  int worker_threads = 4;
  uint32_t header_limit = 16 * 1024;            // request line + header fields
  uint64_t default_body_limit = 16ull << 20;    // routes with body_limit == 0
  std::chrono::milliseconds header_timeout{30'000};  // whole header, also the keep-alive idle time
  std::chrono::milliseconds read_timeout{60'000};    // body: longest wait for the next bytes
  std::chrono::milliseconds write_timeout{60'000};   // longest wait for the client to take bytes
  std::chrono::milliseconds shutdown_grace{10'000};
  bool keep_alive = true;
  // Origins allowed to call cross-origin (exact match, e.g. "https://viewer.example"); "*" only
  // when listed explicitly. Empty: no CORS headers at all.
  std::vector<std::string> cors_allowed_origins;
  // TLS: when set, every connection is TLS with this context (issue 3 configures it).
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  base::Clock* clock = nullptr;  // for access-log durations; null: SystemClock()
  std::string server_name = "Dokuei";
};

class Server {
 public:
  // `authenticator` may be null only when no route requires authentication (otherwise such
  // routes answer 401 to everyone).
  Server(ServerOptions options, const RouteTable& routes, Authenticator* authenticator);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. kUnavailable when the address cannot be bound.
  base::Status Start();
  void Stop();
  // The bound port (after Start), e.g. when listening on port 0.
  uint16_t port() const;

  struct Core;

 private:
  std::unique_ptr<Core> core_;
};

}  // namespace dokuei::http
