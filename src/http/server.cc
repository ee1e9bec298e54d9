#include "dokuei/http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>

#include "core.h"
#include "session.h"

namespace dokuei::http {
namespace {

using tcp = net::ip::tcp;

base::Result<tcp::endpoint> ParseListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return base::InvalidArgument("listen address must be host:port: " + listen, "listen");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto port = base::ParseUint(std::string_view(listen).substr(colon + 1));
  if (!port || *port > 65535) return base::InvalidArgument("bad port: " + listen, "listen");
  beast::error_code ec;
  auto addr = net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) return base::InvalidArgument("bad listen address: " + listen, "listen");
  return tcp::endpoint(addr, static_cast<uint16_t>(*port));
}

void Accept(Server::Core& core) {
  core.acceptor->async_accept(
      net::make_strand(core.ioc), [&core](beast::error_code ec, tcp::socket socket) {
        if (ec) {
          if (ec == net::error::operation_aborted || !core.acceptor->is_open()) return;
          spdlog::warn("http accept: {}", ec.message());
          return Accept(core);
        }
        if (core.stopping) return;
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::string remote;
        auto ep = socket.remote_endpoint(ignored);
        if (!ignored) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
        if (core.options.tls_context) {
          auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
              core, std::move(remote), std::move(socket), *core.options.tls_context);
          core.SessionStarted(s);
          s->Run();
        } else {
          auto s = std::make_shared<Session<beast::tcp_stream>>(core, std::move(remote),
                                                                std::move(socket));
          core.SessionStarted(s);
          s->Run();
        }
        Accept(core);
      });
}

}  // namespace

Server::Server(ServerOptions options, const RouteTable& routes, Authenticator* authenticator)
    : core_(std::make_unique<Core>(std::move(options), routes, authenticator)) {
  core_->clock = core_->options.clock ? core_->options.clock : &base::SystemClock();
  if (core_->options.executor) {
    core_->executor = core_->options.executor;
  } else {
    core_->own_pool = std::make_unique<base::ThreadPool>(
        static_cast<size_t>(std::max(1, core_->options.worker_threads)));
    core_->executor = core_->own_pool.get();
  }
}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return core_->port; }

base::Status Server::Start() {
  Core& c = *core_;
  if (c.started) return base::FailedPrecondition("server already started");
  DOKUEI_ASSIGN_OR_RETURN(tcp::endpoint ep, ParseListen(c.options.listen));
  auto acceptor = std::make_unique<tcp::acceptor>(net::make_strand(c.ioc));
  beast::error_code ec;
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return base::Unavailable("cannot listen on " + c.options.listen + ": " + ec.message());
  }
  c.port = acceptor->local_endpoint().port();
  c.acceptor = std::move(acceptor);
  c.work.emplace(net::make_work_guard(c.ioc));
  c.started = true;
  Accept(c);
  int n = std::max(1, c.options.io_threads);
  for (int i = 0; i < n; ++i) c.threads.emplace_back([&c] { c.ioc.run(); });
  spdlog::info("http listening on {}:{}{}", ep.address().to_string(), c.port,
               c.options.tls_context ? " (TLS)" : "");
  return base::Status::Ok();
}

void Server::Stop() {
  Core& c = *core_;
  if (!c.started) return;
  c.started = false;
  c.stopping = true;
  net::post(c.acceptor->get_executor(), [&c] {
    beast::error_code ec;
    c.acceptor->close(ec);
  });
  auto stop_sessions = [&c](bool force) {
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard<std::mutex> lock(c.mu);
      for (const auto& w : c.sessions) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    // Outside the lock: dropping the last reference runs ~Session, which takes it.
    for (auto& s : live) s->RequestStop(force);
  };
  stop_sessions(false);
  {
    std::unique_lock<std::mutex> lock(c.mu);
    c.cv.wait_for(lock, c.options.shutdown_grace, [&c] { return c.live_sessions == 0; });
  }
  stop_sessions(true);
  {
    // Sessions still referenced by queued executor work end when that work has run.
    std::unique_lock<std::mutex> lock(c.mu);
    c.cv.wait(lock, [&c] { return c.live_sessions == 0; });
  }
  c.work.reset();
  c.ioc.stop();
  for (auto& t : c.threads) t.join();
  c.threads.clear();
  c.acceptor.reset();
}

}  // namespace dokuei::http
