// MLLP (HL7 v2 Minimal Lower Layer Protocol, HL7 v2.5 Appendix C): each message framed as
// 0x0B <message> 0x1C 0x0D over TCP, one reply (the ACK) per message on the same connection.
//
// MllpListener accepts connections (loopback by default; plain TCP: run it behind the hospital
// VPN or a TLS tunnel), reads frames of at most `max_message_bytes`, closes a connection idle
// for `idle_timeout` or sending bytes outside a frame, and hands each message to the handler on a
// worker pool (the handler may block on the database; the I/O thread never does). A message
// over the limit is answered by `oversize` (an AR) and the connection closed.
// MllpSend is the client side (the `dokuei hl7 send` command and tests).
// Thread safety: Start/Stop from one thread; the handler is called concurrently from workers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "dokuei/base/status.h"

namespace dokuei::intake {

struct MllpOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 2575;  // 0 = any free port (tests)
  size_t max_message_bytes = 1 << 20;
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  int max_connections = 64;
  int workers = 2;
};

// Returns the reply payload (without framing) for one message.
using MllpHandler = std::function<std::string(std::string_view message, std::string_view peer)>;
// The reply to a message over the size limit (given its first bytes), e.g. an AR.
using MllpOversize = std::function<std::string(std::string_view head)>;

class MllpListener {
 public:
  virtual ~MllpListener() = default;
  virtual uint16_t port() const = 0;
  // Stops accepting, closes connections, waits for running handlers. Idempotent.
  virtual void Stop() = 0;
};

base::Result<std::unique_ptr<MllpListener>> StartMllpListener(MllpOptions options,
                                                              MllpHandler handler,
                                                              MllpOversize oversize = {});

// Frames a message for MLLP.
std::string MllpFrame(std::string_view message);

// Sends one message and returns the reply (unframed). kUnavailable when the connection fails,
// kTimeout when no complete reply comes within `timeout`.
base::Result<std::string> MllpSend(const std::string& host, uint16_t port, std::string_view message,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace dokuei::intake
