// Per-hospital webhooks for critical results (docs/design/reports.md, "Critical results"): one
// endpoint per hospital, set by the reading centre's administrators through the API. The URL must
// be https (plain http only to a loopback address, for tests and a local relay); the HMAC secret is
// sealed at rest with identity's key (identity::SecretKey, context "webhook:<tenant>") and never
// returned by the API. Every change is audited ("tenant.webhook_set", "tenant.webhook_remove") in
// its own write transaction. HospitalContactDirectory combines identity's contacts flagged for
// critical results (e-mail) with these webhooks (and an optional server-wide fallback).
// Thread safety: thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/report/notify.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::identity {
class Identity;
}

namespace dokuei::report {

struct WebhookSetting {
  int64_t tenant_id = 0;
  std::string url;
  base::Timestamp updated_at{};
  std::string updated_by;  // login of the administrator
};

// kInvalidArgument naming "url" unless `url` is https://host[:port]/path, or http:// to
// 127.0.0.0/8, ::1 or localhost.
base::Status ValidateWebhookUrl(std::string_view url);

class HospitalWebhooks {
 public:
  virtual ~HospitalWebhooks() = default;
  virtual base::Result<std::optional<WebhookSetting>> Get(int64_t tenant_id) = 0;
  // Sets (or replaces) the hospital's endpoint; `secret` 16..256 characters.
  virtual base::Result<WebhookSetting> Put(const workflow::Actor& actor, int64_t tenant_id,
                                           const std::string& url, const std::string& secret) = 0;
  // kNotFound when the hospital has none.
  virtual base::Status Remove(const workflow::Actor& actor, int64_t tenant_id) = 0;
  // The endpoint with its opened secret, for sending (kDataLoss if the secret cannot be opened).
  virtual base::Result<std::vector<Webhook>> For(int64_t tenant_id) = 0;
};

// Migrates the report tables (the index must have created `tenants`).
base::Result<std::unique_ptr<HospitalWebhooks>> OpenHospitalWebhooks(
    std::shared_ptr<db::Database> db, base::Clock& clock, identity::Identity& identity,
    workflow::AuditHook audit = {});

// identity's contacts flagged for critical results, and the hospital's webhook from `webhooks`;
// a hospital without its own gets `fallback` (the server-wide notify.webhook_url), if any.
std::unique_ptr<ContactDirectory> HospitalContactDirectory(
    identity::Identity& identity, HospitalWebhooks& webhooks,
    std::optional<Webhook> fallback = std::nullopt);

}  // namespace dokuei::report
