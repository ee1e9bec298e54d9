// MLLP listener and client on Boost.Asio (see mllp.h).
#include "dokuei/intake/mllp.h"

#include <atomic>
#include <boost/asio.hpp>
#include <mutex>
#include <set>
#include <thread>

namespace dokuei::intake {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr char kStart = 0x0B, kEnd = 0x1C, kCr = 0x0D;

class Session;

class Listener final : public MllpListener {
 public:
  Listener(MllpOptions o, MllpHandler h, MllpOversize os)
      : options_(std::move(o)),
        handler_(std::move(h)),
        oversize_(std::move(os)),
        acceptor_(io_),
        pool_(static_cast<size_t>(std::max(1, options_.workers))) {}
  ~Listener() override { Stop(); }

  base::Status Start();
  uint16_t port() const override { return port_; }
  void Stop() override;

  asio::io_context& io() { return io_; }
  asio::thread_pool& pool() { return pool_; }
  const MllpOptions& options() const { return options_; }
  const MllpHandler& handler() const { return handler_; }
  const MllpOversize& oversize() const { return oversize_; }
  void Forget(Session* s) {
    std::lock_guard lock(mu_);
    sessions_.erase(s);
  }

 private:
  void Accept();

  MllpOptions options_;
  MllpHandler handler_;
  MllpOversize oversize_;
  // Before io_: sessions destroyed with io_'s pending handlers still unregister themselves.
  std::mutex mu_;
  std::set<Session*> sessions_;  // guarded by mu_ (for the connection limit)
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::thread_pool pool_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  friend class Session;
};

// One connection: read a frame, run the handler on the pool, write the reply, repeat.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Listener& l, tcp::socket s) : l_(l), socket_(std::move(s)), timer_(l.io()) {
    boost::system::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string();
  }
  ~Session() { l_.Forget(this); }

  void Start() { Read(); }

 private:
  void ArmTimer() {
    timer_.expires_after(l_.options().idle_timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->Close();
    });
  }

  void Close() {
    boost::system::error_code ec;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  void Read() {
    ArmTimer();
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->OnBytes(std::string_view(self->chunk_.data(), n));
                            });
  }

  // Scans the bytes for a complete frame; reads more otherwise.
  void OnBytes(std::string_view bytes) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      const char c = bytes[i];
      if (!in_frame_) {
        if (c == kStart) {
          in_frame_ = true;
          message_.clear();
        } else if (c != '\r' && c != '\n') {
          return Close();  // bytes outside a frame: not MLLP
        }
        continue;
      }
      if (c == kCr && !message_.empty() && message_.back() == kEnd) {
        message_.pop_back();
        in_frame_ = false;
        if (i + 1 < bytes.size()) pending_.assign(bytes.substr(i + 1));
        return Dispatch();
      }
      message_.push_back(c);
      if (message_.size() > l_.options().max_message_bytes + 1) {
        const std::string reply =
            l_.oversize() ? l_.oversize()(std::string_view(message_).substr(0, 4096)) : "";
        closing_ = true;
        return Write(reply);
      }
    }
    Read();
  }

  void Dispatch() {
    timer_.cancel();
    auto self = shared_from_this();
    asio::post(l_.pool(), [self, msg = std::move(message_)] {
      std::string reply = self->l_.handler()(msg, self->peer_);
      asio::post(self->l_.io(), [self, reply = std::move(reply)] { self->Write(reply); });
    });
    message_.clear();
  }

  void Write(const std::string& reply) {
    out_ = MllpFrame(reply);
    ArmTimer();
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        if (ec || self->closing_) return self->Close();
                        if (!self->pending_.empty()) {
                          std::string rest = std::move(self->pending_);
                          self->pending_.clear();
                          return self->OnBytes(rest);
                        }
                        self->Read();
                      });
  }

  Listener& l_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::string peer_;
  std::array<char, 16384> chunk_{};
  std::string message_, pending_, out_;
  bool in_frame_ = false, closing_ = false;
};

base::Status Listener::Start() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_.address, ec);
  if (ec) return base::InvalidArgument("MLLP listen address '" + options_.address + "' is invalid");
  const tcp::endpoint ep(address, options_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return base::Unavailable("MLLP: cannot listen on " + options_.address + ":" +
                             std::to_string(options_.port) + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();
  Accept();
  thread_ = std::thread([this] { io_.run(); });
  return base::Status::Ok();
}

void Listener::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || stopped_) return;
      return Accept();
    }
    {
      std::lock_guard lock(mu_);
      if (static_cast<int>(sessions_.size()) >= options_.max_connections) {
        boost::system::error_code ignored;
        socket.close(ignored);
        return Accept();
      }
    }
    auto s = std::make_shared<Session>(*this, std::move(socket));
    {
      std::lock_guard lock(mu_);
      sessions_.insert(s.get());
    }
    s->Start();
    Accept();
  });
}

void Listener::Stop() {
  if (stopped_.exchange(true)) return;
  asio::post(io_, [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
  });
  pool_.join();  // running handlers finish (their replies are posted to io_)
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace

std::string MllpFrame(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 3);
  out.push_back(kStart);
  out.append(message);
  out.push_back(kEnd);
  out.push_back(kCr);
  return out;
}

base::Result<std::unique_ptr<MllpListener>> StartMllpListener(MllpOptions options,
                                                              MllpHandler handler,
                                                              MllpOversize oversize) {
  if (!handler) return base::InvalidArgument("MLLP: a handler is required");
  auto l = std::make_unique<Listener>(std::move(options), std::move(handler), std::move(oversize));
  DOKUEI_RETURN_IF_ERROR(l->Start());
  return std::unique_ptr<MllpListener>(std::move(l));
}

base::Result<std::string> MllpSend(const std::string& host, uint16_t port, std::string_view message,
                                   std::chrono::milliseconds timeout) {
  asio::io_context io;
  tcp::socket socket(io);
  tcp::resolver resolver(io);
  boost::system::error_code result = asio::error::would_block;
  std::string reply;
  bool done = false;
  const std::string frame = MllpFrame(message);
  std::array<char, 4096> buf{};
  std::string got;

  std::function<void()> read_more = [&] {
    socket.async_read_some(asio::buffer(buf), [&](boost::system::error_code ec, size_t n) {
      if (ec) {
        result = ec;
        return;
      }
      got.append(buf.data(), n);
      const size_t start = got.find(kStart);
      const size_t end = got.find(std::string{kEnd, kCr});
      if (start != std::string::npos && end != std::string::npos && end > start) {
        reply = got.substr(start + 1, end - start - 1);
        done = true;
        result = {};
        return;
      }
      read_more();
    });
  };
  resolver.async_resolve(
      host, std::to_string(port),
      [&](boost::system::error_code ec, tcp::resolver::results_type eps) {
        if (ec) {
          result = ec;
          return;
        }
        asio::async_connect(socket, eps, [&](boost::system::error_code ec2, const tcp::endpoint&) {
          if (ec2) {
            result = ec2;
            return;
          }
          asio::async_write(socket, asio::buffer(frame),
                            [&](boost::system::error_code ec3, size_t) {
                              if (ec3) {
                                result = ec3;
                                return;
                              }
                              read_more();
                            });
        });
      });
  io.run_for(timeout);
  if (done) return reply;
  if (result == asio::error::would_block)
    return base::Status(base::Code::kTimeout, "no complete MLLP reply from " + host + ":" +
                                                  std::to_string(port) + " in time");
  return base::Unavailable("MLLP " + host + ":" + std::to_string(port) + ": " + result.message());
}

}  // namespace dokuei::intake
