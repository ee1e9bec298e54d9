// Private: critical results, their notifications (outbox) and escalations (critical.cc).
#pragma once

#include "reports.h"

namespace dokuei::report::internal {

class SqlCritical final : public CriticalResults {
 public:
  SqlCritical(Context& ctx, SqlReports& reports) : ctx_(ctx), reports_(reports) {}
  base::Result<CriticalResult> Record(const Actor& actor, int64_t report_id,
                                      const CriticalInput& in) override;
  base::Result<CriticalResult> Acknowledge(const Actor& actor, int64_t critical_id,
                                           const AckInput& in) override;
  base::Result<TickResult> Tick() override;
  base::Result<std::vector<CriticalResult>> ForReport(const Actor& actor,
                                                      int64_t report_id) override;
  base::Result<std::vector<Notification>> Notifications(const Actor& actor,
                                                        int64_t critical_id) override;
  base::Result<std::vector<CriticalEscalation>> Escalations(const Actor& actor) override;
  base::Result<std::vector<CriticalListItem>> List(const Actor& actor,
                                                   CriticalState state) override;

 private:
  base::Result<std::vector<CriticalResult>> Load(const std::string& where, int64_t id);
  base::Result<bool> Claim(const Notification& n);
  base::Status Deliver(const Notification& n, TickResult& out);
  base::Status Escalate(const CriticalResult& cr, TickResult& out);
  Context& ctx_;
  SqlReports& reports_;
};

// The texts of a critical-result notification (Japanese first by default, then English).
struct CriticalTexts {
  std::string subject, app_body, mail_body, webhook_json;
};
CriticalTexts MakeCriticalTexts(const CriticalResult& cr, const Report& r, std::string_view lang);

}  // namespace dokuei::report::internal
