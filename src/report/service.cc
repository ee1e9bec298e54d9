// OpenReports: migrations, then the services on one context; the workflow's requests as a
// RequestSource.
#include "critical.h"
#include "followups.h"
#include "quality.h"
#include "reports.h"

namespace dokuei::report {
namespace {

class ReportServiceImpl final : public ReportService {
 public:
  ReportServiceImpl(std::shared_ptr<db::Database> db, base::Clock& clock, RequestSource& requests,
                    ReportOptions options)
      : ctx_{std::move(db), clock, requests, std::move(options)},
        reports_(ctx_),
        quality_(ctx_, reports_),
        critical_(ctx_, reports_),
        followups_(ctx_, reports_) {}
  Reports& reports() override { return reports_; }
  Quality& quality() override { return quality_; }
  CriticalResults& critical() override { return critical_; }
  FollowUps& followups() override { return followups_; }

 private:
  internal::Context ctx_;
  internal::SqlReports reports_;
  internal::SqlQuality quality_;
  internal::SqlCritical critical_;
  internal::SqlFollowUps followups_;
};

class WorkflowRequests final : public RequestSource {
 public:
  explicit WorkflowRequests(workflow::Requests& requests) : requests_(requests) {}
  base::Result<RequestInfo> Get(int64_t request_id) override {
    DOKUEI_ASSIGN_OR_RETURN(const workflow::ReadingRequest r,
                            requests_.Get(workflow::Actor::System(), request_id));
    RequestInfo info;
    info.request_id = r.id;
    info.tenant_id = r.tenant_id;
    info.study_uid = r.study_uid;
    info.reader_id = r.reader_id;
    info.second_reader_id = r.second_reader_id;
    info.checker_id = r.checker_id;
    info.assigned_at = r.assigned_at;
    return info;
  }

 private:
  workflow::Requests& requests_;
};

}  // namespace

std::unique_ptr<RequestSource> WorkflowRequestSource(workflow::Requests& requests) {
  return std::make_unique<WorkflowRequests>(requests);
}

base::Result<std::unique_ptr<ReportService>> OpenReports(std::shared_ptr<db::Database> db,
                                                         base::Clock& clock,
                                                         RequestSource& requests,
                                                         ReportOptions options) {
  DOKUEI_RETURN_IF_ERROR(MigrateReports(*db));
  return std::unique_ptr<ReportService>(
      std::make_unique<ReportServiceImpl>(std::move(db), clock, requests, std::move(options)));
}

}  // namespace dokuei::report
