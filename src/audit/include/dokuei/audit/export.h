// Shipping the audit log to a syslog collector (IHE ATNA): each record becomes an RFC 5424
// message whose MSG is the record's DICOM PS3.15 A.5 audit message, sent over UDP (RFC 5426),
// TCP with octet-counting framing (RFC 6587) or TLS 1.2+ (RFC 5425).
//
// The database log stays the system of record: the shipper reads records after the last seq it
// shipped to a destination (kept in the database, so a restart resumes where it stopped) and
// never touches the append path, so a slow or unreachable collector never blocks or fails an
// audited operation. Delivery is at least once: a record whose send failed midway is sent again.
// Thread safety: FormatSyslogMessage and ParseSyslogUrl are pure; a SyslogSender is used by one
// thread at a time; AuditShipper is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "dokuei/audit/audit.h"
#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"

namespace dokuei::audit {

enum class SyslogTransport : uint8_t { kUdp, kTcp, kTls };

struct SyslogTarget {
  SyslogTransport transport = SyslogTransport::kTls;
  std::string host;
  uint16_t port = 0;
  // TLS: the CA certificates (PEM) that verify the collector (empty: the system trust store),
  // and optionally our client certificate and key for mutual authentication (IHE ATNA).
  std::string ca_file, cert_file, key_file;
};

// "udp://host:port", "tcp://host:port", "tls://host:port" (IPv6 as [addr]); the port defaults
// to 514 (UDP, TCP) or 6514 (TLS).
base::Result<SyslogTarget> ParseSyslogUrl(std::string_view url);

struct SyslogOptions {
  std::string source_id = "DOKUEI";         // AuditSourceID of the DICOM message
  std::string hostname;                     // HOSTNAME field; empty: this machine's name
  std::string app_name = "dokuei";          // APP-NAME field
  std::chrono::milliseconds timeout{5000};  // connect, handshake and each send
};

// <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID DICOM+RFC3881 - BOM <AuditMessage>...
// PRI: facility 10 (authpriv); severity notice (success), warning (minor failure), error
// (serious), critical (major). TIMESTAMP is the record's UTC time.
std::string FormatSyslogMessage(const Record& record, const SyslogOptions& options);

class SyslogSender {
 public:
  virtual ~SyslogSender() = default;
  // Sends one message (framed for the transport); connects on first use and again after a
  // failure or when the collector closed the connection. kUnavailable on network/TLS errors.
  virtual base::Status Send(std::string_view message) = 0;
};

// No network I/O happens here (TLS files are loaded, so a bad CA file fails now).
base::Result<std::unique_ptr<SyslogSender>> NewSyslogSender(const SyslogTarget& target,
                                                            const SyslogOptions& options);

struct ShipperOptions {
  std::string destination;   // key of the remembered position, e.g. the collector's URL
  uint32_t max_batch = 500;  // records held in memory at once (the bounded queue)
  std::chrono::milliseconds poll_interval{2000};
  std::chrono::milliseconds max_backoff{60000};  // retry delay doubles from 1 s up to this
  SyslogOptions syslog;
};

class AuditShipper {
 public:
  AuditShipper(std::shared_ptr<db::Database> database, AuditLog& log,
               std::unique_ptr<SyslogSender> sender, base::Clock& clock, ShipperOptions options);
  ~AuditShipper();  // Stop()

  // Sends every record after the remembered position, in seq order, advancing the position as
  // records are sent; returns how many were sent. Stops at the first failure (the position then
  // names the last record sent).
  base::Result<int64_t> ShipOnce();
  // The last seq shipped to this destination (0: none).
  base::Result<int64_t> ShippedSeq();

  // A background thread calling ShipOnce every poll interval (or at once after Notify), retrying
  // failures with exponential backoff.
  void Start();
  void Stop();
  void Notify();

 private:
  base::Status SavePosition(int64_t seq);
  void Run();

  const std::shared_ptr<db::Database> db_;
  AuditLog& log_;
  const std::unique_ptr<SyslogSender> sender_;
  base::Clock& clock_;
  const ShipperOptions options_;

  std::mutex ship_mu_;  // one ShipOnce at a time (the sender is single-threaded)
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool notified_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace dokuei::audit
