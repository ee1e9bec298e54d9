// OpenWorkflow: migrations, then the services on one context; identity's reader profiles as a
// ReaderDirectory.
#include "dokuei/workflow/workflow.h"

#include "billing.h"
#include "contracts_rosters.h"
#include "dispatcher.h"
#include "dokuei/identity/identity.h"
#include "requests.h"

namespace dokuei::workflow {
namespace {

class WorkflowImpl final : public Workflow {
 public:
  WorkflowImpl(std::shared_ptr<db::Database> db, base::Clock& clock, ReaderDirectory& readers,
               WorkflowOptions options)
      : ctx_{std::move(db), clock, readers, std::move(options)},
        requests_(ctx_),
        contracts_(ctx_),
        rosters_(ctx_),
        dispatcher_(ctx_),
        billing_(ctx_) {}

  Requests& requests() override { return requests_; }
  Contracts& contracts() override { return contracts_; }
  Rosters& rosters() override { return rosters_; }
  Dispatcher& dispatcher() override { return dispatcher_; }
  Billing& billing() override { return billing_; }

 private:
  internal::Context ctx_;
  internal::SqlRequests requests_;
  internal::SqlContracts contracts_;
  internal::SqlRosters rosters_;
  internal::SqlDispatcher dispatcher_;
  internal::SqlBilling billing_;
};

class IdentityReaders final : public ReaderDirectory {
 public:
  explicit IdentityReaders(identity::Identity& id) : id_(id) {}

  base::Result<std::vector<ReaderInfo>> Readers() override {
    auto centre = id_.tenants().ReadingCentre();
    if (!centre.ok() && centre.status().code() == base::Code::kNotFound)
      return std::vector<ReaderInfo>();  // no reading centre yet: nobody reads
    DOKUEI_RETURN_IF_ERROR(centre.status());
    DOKUEI_ASSIGN_OR_RETURN(const auto profiles, id_.profiles().List());
    std::vector<ReaderInfo> out;
    for (const identity::ReaderProfile& p : profiles) {
      auto user = id_.accounts().Get(centre->id, p.user_id);
      if (!user.ok()) continue;
      ReaderInfo r;
      r.user_id = p.user_id;
      r.display_name = p.display_name;
      r.reads = false;
      for (identity::Role role : user->roles) {
        if (role == identity::Role::kReader) r.reads = true;
        if (role == identity::Role::kChecker) r.checks = true;
      }
      for (const std::string& m : p.modalities) {
        Modality mod = ModalityFromName(m).value_or(ModalityFromDicom(m));
        if (mod != Modality::kOther &&
            std::find(r.modalities.begin(), r.modalities.end(), mod) == r.modalities.end())
          r.modalities.push_back(mod);
      }
      r.subspecialties = p.subspecialties;
      r.years_of_experience = p.years_of_experience;
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  identity::Identity& id_;
};

}  // namespace

std::unique_ptr<ReaderDirectory> IdentityReaderDirectory(identity::Identity& identity) {
  return std::make_unique<IdentityReaders>(identity);
}

base::Result<std::unique_ptr<Workflow>> OpenWorkflow(std::shared_ptr<db::Database> db,
                                                     base::Clock& clock, ReaderDirectory& readers,
                                                     WorkflowOptions options) {
  if (!db) return base::InvalidArgument("workflow: no database");
  DOKUEI_RETURN_IF_ERROR(MigrateWorkflow(*db));
  return std::unique_ptr<Workflow>(
      std::make_unique<WorkflowImpl>(std::move(db), clock, readers, std::move(options)));
}

}  // namespace dokuei::workflow
