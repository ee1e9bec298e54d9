// Private: the SQL implementation of Reports (reports.cc).
#pragma once

#include "store.h"

namespace dokuei::report::internal {

// spine::PreSignCheck on `content` when it names a template (the critical-result step is looked
// up in `c`); an empty result otherwise.
base::Result<spine::CheckResult> PreSign(db::Conn& c, int64_t report_id, std::string_view content);

class SqlReports final : public Reports {
 public:
  explicit SqlReports(Context& ctx) : ctx_(ctx) {}
  base::Result<Version> SaveDraft(const Actor& actor, int64_t request_id,
                                  const DraftInput& in) override;
  base::Result<Version> Sign(const Actor& actor, int64_t report_id, const SignInput& in) override;
  base::Result<spine::CheckResult> Checks(const Actor& actor, int64_t report_id) override;
  base::Result<Report> Get(const Actor& actor, int64_t report_id) override;
  base::Result<Report> ForRequest(const Actor& actor, int64_t request_id) override;
  base::Status Verify(int64_t report_id) override;

  // Shared with the other services.
  base::Result<Report> ReadReport(int64_t report_id);  // with every version, no access check
  base::Result<Report> Visible(const Actor& actor, Report r);
  base::Result<Version> Fetch(int64_t version_id);

 private:
  Context& ctx_;
};

}  // namespace dokuei::report::internal
