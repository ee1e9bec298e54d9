// Per-hospital critical-result webhooks: one row per hospital (report_webhooks), the secret sealed
// with identity's key; and the ContactDirectory that serves them with identity's contacts.
#include "dokuei/report/webhooks.h"

#include "dokuei/identity/identity.h"
#include "dokuei/report/report.h"

namespace dokuei::report {
namespace {

using base::Result;
using base::Status;
using db::Conn;
using db::Row;

std::string Context(int64_t tenant_id) { return "webhook:" + std::to_string(tenant_id); }

audit::Event WebhookEvent(const workflow::Actor& actor, int64_t tenant_id, std::string action,
                          std::string message) {
  audit::Event e = workflow::ActorEvent(actor, std::move(action), tenant_id);
  e.object_detail = "critical-result webhook of tenant " + std::to_string(tenant_id);
  e.message = std::move(message);  // the URL; never the secret
  return e;
}

class SqlWebhooks final : public HospitalWebhooks {
 public:
  SqlWebhooks(std::shared_ptr<db::Database> db, base::Clock& clock, identity::Identity& id,
              workflow::AuditHook audit)
      : db_(std::move(db)), clock_(clock), id_(id), audit_(std::move(audit)) {}

  Result<std::optional<WebhookSetting>> Get(int64_t tenant_id) override {
    std::optional<WebhookSetting> out;
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
      out.reset();
      const db::Value p[] = {db::Value(tenant_id)};
      return c.Query(
          "SELECT tenant_id, url, updated_us, updated_by FROM report_webhooks WHERE tenant_id = ?",
          p, [&](const Row& r) {
            WebhookSetting w;
            w.tenant_id = r.Int(0);
            w.url = std::string(r.Str(1));
            w.updated_at = base::FromUnixMicros(r.Int(2));
            w.updated_by = std::string(r.Str(3));
            out = std::move(w);
            return Status::Ok();
          });
    }));
    return out;
  }

  Result<WebhookSetting> Put(const workflow::Actor& actor, int64_t tenant_id,
                             const std::string& url, const std::string& secret) override {
    DOKUEI_RETURN_IF_ERROR(ValidateWebhookUrl(url));
    if (secret.size() < 16 || secret.size() > 256) {
      return base::InvalidArgument("the secret must have 16 to 256 characters", "secret");
    }
    const std::string sealed = id_.key().Seal(secret, Context(tenant_id));
    const int64_t now = base::ToUnixMicros(clock_.Now());
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
      const db::Value p[] = {db::Value(tenant_id), db::Value(url), db::Value(sealed),
                             db::Value(now), db::Value(actor.subject)};
      DOKUEI_RETURN_IF_ERROR(
          c.Exec("INSERT INTO report_webhooks (tenant_id, url, secret_sealed, updated_us,"
                 " updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET"
                 " url = excluded.url, secret_sealed = excluded.secret_sealed,"
                 " updated_us = excluded.updated_us, updated_by = excluded.updated_by",
                 p));
      if (!audit_) return Status::Ok();
      return audit_(c, WebhookEvent(actor, tenant_id, "tenant.webhook_set", "url " + url));
    }));
    DOKUEI_ASSIGN_OR_RETURN(auto out, Get(tenant_id));
    if (!out) return base::Internal("the webhook just stored is missing");
    return *out;
  }

  Status Remove(const workflow::Actor& actor, int64_t tenant_id) override {
    return db_->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
      bool found = false;
      const db::Value p[] = {db::Value(tenant_id)};
      DOKUEI_RETURN_IF_ERROR(
          c.Query("SELECT url FROM report_webhooks WHERE tenant_id = ?", p, [&](const Row&) {
            found = true;
            return Status::Ok();
          }));
      if (!found) return base::NotFound("the hospital has no webhook");
      DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM report_webhooks WHERE tenant_id = ?", p));
      if (!audit_) return Status::Ok();
      return audit_(c, WebhookEvent(actor, tenant_id, "tenant.webhook_remove", "removed"));
    });
  }

  Result<std::vector<Webhook>> For(int64_t tenant_id) override {
    std::vector<Webhook> out;
    std::string sealed;
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
      out.clear();
      const db::Value p[] = {db::Value(tenant_id)};
      return c.Query("SELECT url, secret_sealed FROM report_webhooks WHERE tenant_id = ?", p,
                     [&](const Row& r) {
                       out.push_back({std::string(r.Str(0)), ""});
                       sealed = std::string(r.Str(1));
                       return Status::Ok();
                     });
    }));
    if (!out.empty()) {
      DOKUEI_ASSIGN_OR_RETURN(out[0].secret, id_.key().Open(sealed, Context(tenant_id)));
    }
    return out;
  }

 private:
  std::shared_ptr<db::Database> db_;
  base::Clock& clock_;
  identity::Identity& id_;
  workflow::AuditHook audit_;
};

class ContactsWithWebhooks final : public ContactDirectory {
 public:
  ContactsWithWebhooks(identity::Identity& id, HospitalWebhooks& hooks, std::optional<Webhook> fb)
      : id_(id), hooks_(hooks), fallback_(std::move(fb)) {}

  Result<report::HospitalContacts> For(int64_t tenant_id) override {
    DOKUEI_ASSIGN_OR_RETURN(const auto contacts, id_.contacts().List(tenant_id));
    report::HospitalContacts out;
    for (const identity::Contact& c : contacts)
      if (c.critical_results) out.contacts.push_back({c.name, c.email});
    DOKUEI_ASSIGN_OR_RETURN(out.webhooks, hooks_.For(tenant_id));
    if (out.webhooks.empty() && fallback_) out.webhooks.push_back(*fallback_);
    return out;
  }

 private:
  identity::Identity& id_;
  HospitalWebhooks& hooks_;
  std::optional<Webhook> fallback_;
};

}  // namespace

Result<std::unique_ptr<HospitalWebhooks>> OpenHospitalWebhooks(std::shared_ptr<db::Database> db,
                                                               base::Clock& clock,
                                                               identity::Identity& identity,
                                                               workflow::AuditHook audit) {
  DOKUEI_RETURN_IF_ERROR(MigrateReports(*db));
  return std::unique_ptr<HospitalWebhooks>(
      std::make_unique<SqlWebhooks>(std::move(db), clock, identity, std::move(audit)));
}

std::unique_ptr<ContactDirectory> HospitalContactDirectory(identity::Identity& identity,
                                                           HospitalWebhooks& webhooks,
                                                           std::optional<Webhook> fallback) {
  return std::make_unique<ContactsWithWebhooks>(identity, webhooks, std::move(fallback));
}

}  // namespace dokuei::report
