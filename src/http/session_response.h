// Private: the response half of Session (session.h), included at its end: the header and body
// of a response; streamed bodies piece by piece, produced on the executor, or on the I/O thread
// for NonBlocking sources (their byte pieces and the header gathered into one write, tried at
// once before going through the reactor); file pieces with sendfile(2) on plain TCP.
#pragma once

namespace dokuei::http {

template <class Stream>
void Session<Stream>::SendResponse(Response res) {
  if (core_.stopping) close_ = true;
  EndBody();
  status_ = res.status;
  bytes_sent_ = 0;
  if (req_) AddCorsHeaders(core_, *req_, res.headers);
  AddSecurityHeaders(res.headers, !kPlain);
  unsigned version = version_ == 10 ? 10 : 11;
  if (!res.stream) {
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>();
    msg->version(version);
    msg->result(static_cast<unsigned>(res.status));
    msg->set(bhttp::field::server, core_.options.server_name);
    for (const auto& [n, v] : res.headers.all()) msg->insert(n, v);
    msg->body() = std::move(res.body);
    msg->keep_alive(!close_);
    msg->prepare_payload();
    bytes_sent_ = msg->body().size();
    lowest().expires_after(core_.options.write_timeout);
    auto self = this->shared_from_this();
    bhttp::async_write(stream_, *msg, [self, msg](beast::error_code ec, size_t) {
      self->Finished(ec);
    });
    return;
  }
  source_ = std::move(res.stream);
  inline_source_ = source_->NonBlocking(kPlain);
  auto length = source_->ContentLength();
  chunked_ = !length && version >= 11;
  if (!length && !chunked_) close_ = true;  // HTTP/1.0: the body ends with the connection
  expected_length_ = length;
  header_ = std::make_unique<bhttp::response<bhttp::empty_body>>();
  header_->version(version);
  header_->result(static_cast<unsigned>(res.status));
  header_->set(bhttp::field::server, core_.options.server_name);
  for (const auto& [n, v] : res.headers.all()) header_->insert(n, v);
  if (length) header_->content_length(*length);
  if (chunked_) header_->chunked(true);
  header_->keep_alive(!close_);
  if (inline_source_) {  // the header goes out with the first body bytes
    std::ostringstream os;
    os << header_->base();
    gather_.push_back(std::move(os).str());
    return Gather();
  }
  serializer_ = std::make_unique<bhttp::response_serializer<bhttp::empty_body>>(*header_);
  lowest().expires_after(core_.options.write_timeout);
  auto self = this->shared_from_this();
  bhttp::async_write_header(stream_, *serializer_, [self](beast::error_code ec, size_t) {
    if (ec) return self->Finished(ec);
    self->NextPiece();
  });
}

template <class Stream>
base::Result<bool> Session<Stream>::CallNext() {
  piece_ = Piece{};
  try {
    return source_->Next(piece_, kPlain);
  } catch (const std::exception& e) {
    return base::Internal(std::string("body source threw: ") + e.what());
  }
}

template <class Stream>
void Session<Stream>::NextPiece() {
  if (inline_source_) {
    if (++inline_steps_ % 32 != 0) return Gather();
    auto self = this->shared_from_this();  // now and then, unwind the stack
    return OnStrand([self] { self->Gather(); });
  }
  auto self = this->shared_from_this();
  OnExecutor([self] {
    base::Result<bool> r = self->CallNext();
    self->OnStrand([self, r = std::move(r)] { self->OnPiece(r); });
  });
}

template <class Stream>
void Session<Stream>::Gather() {
  size_t gathered = 0;
  for (const auto& g : gather_) gathered += g.size();
  std::optional<base::Result<bool>> stop;  // the piece that ended the gathering
  while (gathered < kStreamChunk && gather_.size() < 64) {
    base::Result<bool> r = CallNext();
    if (!r.ok() || !*r || piece_.fd >= 0) {
      stop = std::move(r);
      break;
    }
    const size_t n = piece_.bytes.size();
    bytes_sent_ += n;
    if (expected_length_ && bytes_sent_ > *expected_length_) {
      abort_reason_ = "body longer than its Content-Length";
      return Finished(net::error::operation_aborted);
    }
    if (n == 0) continue;
    gathered += n;
    if (chunked_) gather_.push_back(ChunkSize(n));
    gather_.push_back(std::move(piece_.bytes));
    if (chunked_) gather_.push_back("\r\n");
  }
  if (gather_.empty()) return OnPiece(*stop);
  std::vector<net::const_buffer> buffers;
  for (const auto& g : gather_) buffers.push_back(net::buffer(g));
  if constexpr (kPlain) {
    // The socket usually takes it all at once: no trip through the reactor. (User-level
    // non-blocking mode: a full socket buffer must return would_block, not wait.)
    auto& sock = lowest().socket();
    beast::error_code ec;
    if (!sock.non_blocking()) sock.non_blocking(true, ec);
    size_t sent = ec ? 0 : sock.send(buffers, 0, ec);
    if (ec && ec != net::error::would_block && ec != net::error::try_again) return Finished(ec);
    if (ec) sent = 0;
    auto it = buffers.begin();
    for (; it != buffers.end() && sent >= it->size(); ++it) sent -= it->size();
    if (it == buffers.end()) {
      gather_.clear();
      return stop ? OnPiece(*stop) : NextPiece();
    }
    *it += sent;
    buffers.erase(buffers.begin(), it);
  }
  lowest().expires_after(core_.options.write_timeout);
  auto self = this->shared_from_this();
  net::async_write(stream_, buffers, [self, stop = std::move(stop)](beast::error_code ec, size_t) {
    self->gather_.clear();
    if (ec) return self->Finished(ec);
    if (stop) return self->OnPiece(*stop);
    self->Gather();
  });
}

template <class Stream>
std::string Session<Stream>::ChunkSize(uint64_t n) {
  char hex[32];
  int len = std::snprintf(hex, sizeof hex, "%llx\r\n", static_cast<unsigned long long>(n));
  return std::string(hex, static_cast<size_t>(len));
}

template <class Stream>
void Session<Stream>::OnPiece(const base::Result<bool>& r) {
  if (!r.ok()) {
    abort_reason_ = r.status().ToString();
    return Finished(net::error::operation_aborted);
  }
  auto self = this->shared_from_this();
  if (!*r) {
    if (expected_length_ && *expected_length_ != bytes_sent_) {
      abort_reason_ = "body shorter than its Content-Length";
      return Finished(net::error::operation_aborted);
    }
    if (!chunked_) return Finished({});
    lowest().expires_after(core_.options.write_timeout);
    net::async_write(stream_, bhttp::make_chunk_last(),
                     [self](beast::error_code ec, size_t) { self->Finished(ec); });
    return;
  }
  uint64_t n = piece_.fd >= 0 ? piece_.length : piece_.bytes.size();
  if (n == 0) return NextPiece();
  bytes_sent_ += n;
  if (expected_length_ && bytes_sent_ > *expected_length_) {
    abort_reason_ = "body longer than its Content-Length";
    return Finished(net::error::operation_aborted);
  }
  lowest().expires_after(core_.options.write_timeout);
  if (piece_.fd < 0) {
    auto done = [self](beast::error_code ec, size_t) {
      if (ec) return self->Finished(ec);
      self->NextPiece();
    };
    if (chunked_) {
      net::async_write(stream_, bhttp::make_chunk(net::buffer(piece_.bytes)), done);
    } else {
      net::async_write(stream_, net::buffer(piece_.bytes), done);
    }
    return;
  }
  if constexpr (kPlain) {
    if (!chunked_) return SendFile();
    chunk_header_ = ChunkSize(n);
    net::async_write(stream_, net::buffer(chunk_header_), [self](beast::error_code ec, size_t) {
      if (ec) return self->Finished(ec);
      self->sendfile_then_crlf_ = true;
      self->SendFile();
    });
  } else {
    abort_reason_ = "file piece on a TLS stream";
    Finished(net::error::operation_not_supported);
  }
}

template <class Stream>
void Session<Stream>::SendFile() {
  if constexpr (kPlain) {
    auto& sock = lowest().socket();
    beast::error_code ec;
    if (!sock.native_non_blocking()) sock.native_non_blocking(true, ec);
    while (piece_.length > 0) {
      off_t off = static_cast<off_t>(piece_.offset);
      size_t want = static_cast<size_t>(std::min<uint64_t>(piece_.length, 1u << 30));
      ssize_t n = ::sendfile(sock.native_handle(), piece_.fd, &off, want);
      if (n > 0) {
        piece_.offset += static_cast<uint64_t>(n);
        piece_.length -= static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        auto self = this->shared_from_this();
        timer_.expires_after(core_.options.write_timeout);
        timer_.async_wait([self](beast::error_code tec) {
          if (!tec) self->lowest().socket().cancel();
        });
        sock.async_wait(net::socket_base::wait_write, [self](beast::error_code wec) {
          self->timer_.cancel();
          if (wec) return self->Finished(wec);
          self->SendFile();
        });
        return;
      }
      if (n < 0 && errno == EINTR) continue;
      abort_reason_ = n == 0 ? "file shorter than expected" : "sendfile failed";
      return Finished(net::error::broken_pipe);
    }
    auto self = this->shared_from_this();
    if (sendfile_then_crlf_) {
      sendfile_then_crlf_ = false;
      static constexpr std::string_view kCrlf = "\r\n";
      net::async_write(stream_, net::buffer(kCrlf.data(), kCrlf.size()),
                       [self](beast::error_code ec, size_t) {
        if (ec) return self->Finished(ec);
        self->NextPiece();
      });
      return;
    }
    NextPiece();
  }
}

}  // namespace dokuei::http
