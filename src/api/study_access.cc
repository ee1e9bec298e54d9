// Assignment-based DICOMweb access (docs/design/reader-access.md): the studies a reading request
// opens to the reading centre, answered from the workflow at the time of each read.
//
// A reader or checker who is the reader, second reader or checker of a request that is open
// (any state but cancelled; a delivered request for `delivered_grace` after its delivery) may
// read that request's study and the priors listed on it, in the hospital that holds them. A
// coordinator may read the study of any request that is open in the same sense. Nobody else gets
// a grant; hospital staff read their own tenant as before.
#include "dokuei/api/study_access.h"

#include <algorithm>

#include "dokuei/workflow/workflow.h"
#include "workflow_util.h"

namespace dokuei::api {

namespace {

using workflow::State;

class AssignedStudies final : public dicomweb::StudyAccess {
 public:
  AssignedStudies(workflow::Requests& requests, base::Clock& clock, StudyAccessOptions options)
      : requests_(requests), clock_(clock), options_(options) {}

  base::Result<std::vector<dicomweb::StudyGrant>> Grants(const http::Request& req,
                                                         std::string_view study_uid) override {
    std::vector<dicomweb::StudyGrant> out;
    const workflow::Actor actor = internal::ActorOf(req);
    if (!actor.InReadingCentre() || actor.system) return out;
    const bool coordinator = actor.Has(identity::Role::kCoordinator);
    const bool reader = actor.user_id != 0 &&
                        (actor.Has(identity::Role::kReader) || actor.Has(identity::Role::kChecker));
    if (!coordinator && !reader) return out;
    workflow::RequestFilter f;
    f.limit = 1000;
    if (coordinator) {
      // Any request's study (priors are opened by the request's readers only): by study when
      // one is asked, else the open requests (at most kMaxRequests, for a search).
      f.study_uid = std::string(study_uid);
      DOKUEI_RETURN_IF_ERROR(Collect(actor, f, study_uid, false, out));
      if (!reader) return out;
    }
    f.study_uid.clear();
    f.assigned_to = actor.user_id;
    DOKUEI_RETURN_IF_ERROR(Collect(actor, f, study_uid, true, out));
    return out;
  }

 private:
  static constexpr uint32_t kMaxRequests = 5000;

  bool Open(const workflow::ReadingRequest& r, base::Timestamp now) const {
    if (r.state == State::kCancelled) return false;
    if (r.state == State::kDelivered && r.delivered_at &&
        *r.delivered_at + options_.delivered_grace < now)
      return false;
    return true;
  }

  base::Status Collect(const workflow::Actor& actor, workflow::RequestFilter f,
                       std::string_view study_uid, bool with_priors,
                       std::vector<dicomweb::StudyGrant>& out) {
    const base::Timestamp now = clock_.Now();
    for (f.offset = 0; f.offset < kMaxRequests; f.offset += f.limit) {
      DOKUEI_ASSIGN_OR_RETURN(const auto page, requests_.List(actor, f));
      for (const workflow::ReadingRequest& r : page) {
        if (!Open(r, now)) continue;
        const index::TenantId tenant{r.tenant_id};
        auto add = [&](const std::string& uid) {
          if (!study_uid.empty() && uid != study_uid) return;
          const bool seen = std::any_of(out.begin(), out.end(), [&](const auto& g) {
            return g.tenant == tenant && g.study_uid == uid;
          });
          if (!seen) out.push_back({tenant, uid});
        };
        add(r.study_uid);
        if (with_priors)
          for (const std::string& prior : r.details.prior_study_uids) add(prior);
      }
      if (page.size() < f.limit) break;
    }
    return base::Status::Ok();
  }

  workflow::Requests& requests_;
  base::Clock& clock_;
  StudyAccessOptions options_;
};

}  // namespace

std::unique_ptr<dicomweb::StudyAccess> AssignedStudyAccess(workflow::Requests& requests,
                                                           base::Clock& clock,
                                                           StudyAccessOptions options) {
  return std::make_unique<AssignedStudies>(requests, clock, options);
}

}  // namespace dokuei::api
