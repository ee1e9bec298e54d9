// Private: double reading (RADPEER), report checks and per-reader statistics (quality.cc).
#pragma once

#include "reports.h"

namespace dokuei::report::internal {

class SqlQuality final : public Quality {
 public:
  SqlQuality(Context& ctx, SqlReports& reports) : ctx_(ctx), reports_(reports) {}
  base::Result<PeerReview> Review(const Actor& actor, int64_t version_id,
                                  const ReviewInput& in) override;
  base::Result<PeerReview> Resolve(const Actor& actor, int64_t review_id,
                                   const ResolveInput& in) override;
  base::Result<CheckRecord> Check(const Actor& actor, int64_t version_id,
                                  const CheckInput& in) override;
  base::Result<std::vector<PeerReview>> Reviews(const Actor& actor, int64_t report_id) override;
  base::Result<std::vector<CheckRecord>> Checks(const Actor& actor, int64_t report_id) override;
  base::Result<std::vector<ReaderStats>> Stats(const Actor& actor, const StatsQuery& q) override;

 private:
  base::Result<std::vector<PeerReview>> LoadReviews(const std::string& where, int64_t id);
  Context& ctx_;
  SqlReports& reports_;
};

}  // namespace dokuei::report::internal
