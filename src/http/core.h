// Private: state shared by the listener and every session.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dokuei/base/executor.h"
#include "dokuei/http/server.h"

namespace dokuei::http {

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Posted to the session's strand: close now if idle between requests (force: close anyway).
  virtual void RequestStop(bool force) = 0;
};

struct Server::Core {
  Core(ServerOptions o, const RouteTable& r, Authenticator* a)
      : options(std::move(o)), routes(r), auth(a) {}

  ServerOptions options;
  const RouteTable& routes;
  Authenticator* auth;
  base::Executor* executor = nullptr;
  std::unique_ptr<base::ThreadPool> own_pool;
  base::Clock* clock = nullptr;

  boost::asio::io_context ioc;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool started = false;
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::condition_variable cv;
  std::set<std::weak_ptr<SessionBase>, std::owner_less<std::weak_ptr<SessionBase>>>
      sessions;  // guarded by mu
  size_t live_sessions = 0;  // guarded by mu

  void SessionStarted(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.insert(s);
    ++live_sessions;
  }
  void SessionEnded() {
    std::lock_guard<std::mutex> lock(mu);
    --live_sessions;
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    if (live_sessions == 0) cv.notify_all();
  }

  bool CorsAllowed(std::string_view origin) const {
    for (const auto& o : options.cors_allowed_origins) {
      if (o == "*" || o == origin) return true;
    }
    return false;
  }
  bool CorsWildcard() const {
    for (const auto& o : options.cors_allowed_origins) {
      if (o == "*") return true;
    }
    return false;
  }
};

}  // namespace dokuei::http
