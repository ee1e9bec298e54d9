// identity's hospital contacts as the ContactDirectory of critical results: those flagged for
// critical results, with their e-mail addresses; webhooks (URL and secret) come from the server's
// configuration until identity holds them.
#include "dokuei/identity/identity.h"
#include "dokuei/report/report.h"

namespace dokuei::report {
namespace {

class IdentityContacts final : public ContactDirectory {
 public:
  IdentityContacts(identity::Identity& id, std::map<int64_t, std::vector<Webhook>> webhooks)
      : id_(id), webhooks_(std::move(webhooks)) {}

  base::Result<HospitalContacts> For(int64_t tenant_id) override {
    DOKUEI_ASSIGN_OR_RETURN(const auto contacts, id_.contacts().List(tenant_id));
    HospitalContacts out;
    for (const identity::Contact& c : contacts) {
      if (c.critical_results) out.contacts.push_back({c.name, c.email});
    }
    if (const auto it = webhooks_.find(tenant_id); it != webhooks_.end()) {
      out.webhooks = it->second;
    }
    return out;
  }

 private:
  identity::Identity& id_;
  const std::map<int64_t, std::vector<Webhook>> webhooks_;
};

}  // namespace

std::unique_ptr<ContactDirectory> IdentityContactDirectory(
    identity::Identity& identity, std::map<int64_t, std::vector<Webhook>> webhooks) {
  return std::make_unique<IdentityContacts>(identity, std::move(webhooks));
}

}  // namespace dokuei::report
