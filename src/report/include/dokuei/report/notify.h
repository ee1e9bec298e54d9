// Notification channels for critical results: the hospital's contacts (ContactDirectory), e-mail
// through a configured SMTP server (SmtpMailSender: a minimal RFC 5321 client with optional or
// required STARTTLS under base::ApplyTlsPolicy) and webhooks (BeastWebhookSender: HTTP POST of a
// JSON body signed with HMAC-SHA256). Senders block; CriticalResults::Tick calls them outside any
// database transaction. Plain http is refused except to loopback addresses (tests).
// Thread safety: senders are thread-safe (no shared mutable state).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"

namespace dokuei::report {

struct ContactPoint {
  std::string name;
  std::string email;  // empty = no e-mail
};
struct Webhook {
  std::string url;     // https://host[:port]/path (http:// only to a loopback address)
  std::string secret;  // HMAC-SHA256 key, never stored by the report module
};
struct HospitalContacts {
  std::vector<ContactPoint> contacts;  // those who receive critical results
  std::vector<Webhook> webhooks;
};

class ContactDirectory {
 public:
  virtual ~ContactDirectory() = default;
  virtual base::Result<HospitalContacts> For(int64_t tenant_id) = 0;
};

struct Mail {
  std::string to;
  std::string subject;  // UTF-8 (encoded as RFC 2047 words)
  std::string body;     // UTF-8 text
};
class MailSender {
 public:
  virtual ~MailSender() = default;
  virtual base::Status Send(const Mail& mail) = 0;
};

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // POSTs `json` with X-Dokuei-Timestamp (Unix seconds of `at`) and
  // X-Dokuei-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + json)>. OK on 2xx.
  virtual base::Status Post(const Webhook& hook, const std::string& json, base::Timestamp at) = 0;
};

// hex HMAC-SHA256(key, data).
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// The signature header value for a body sent at `unix_seconds`.
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view json);

enum class StartTls : uint8_t { kNever, kIfOffered, kRequired };
struct SmtpOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 25;
  std::string from;  // envelope and header sender
  std::string helo = "dokuei.local";
  StartTls starttls = StartTls::kIfOffered;
  std::string ca_file;             // empty: the system's trust store
  std::string username, password;  // AUTH PLAIN, only over TLS
  std::chrono::seconds timeout{20};
};
std::unique_ptr<MailSender> SmtpMailSender(SmtpOptions options, base::Clock& clock);

struct WebhookOptions {
  std::string ca_file;  // empty: the system's trust store
  std::chrono::seconds timeout{10};
};
std::unique_ptr<WebhookSender> BeastWebhookSender(WebhookOptions options);

// One HTTP/1.1 POST on the same client as the webhooks (also used by report delivery for FHIR):
// https with base::ApplyTlsPolicy, peer and host-name verification and SNI; plain http only to a
// loopback address. Any HTTP answer is a result (the caller judges the status); kInvalidArgument
// for a bad URL, kUnavailable for DNS, connection, TLS or timeout failures.
struct HttpPost {
  std::string url;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Authorization
  std::string body;
};
struct HttpAnswer {
  unsigned status = 0;
  std::string body;  // at most the first 64 KiB are kept
};
base::Result<HttpAnswer> PostHttp(const HttpPost& post, const WebhookOptions& options);

}  // namespace dokuei::report
