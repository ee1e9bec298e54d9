// Private: what the report routes (report_routes.cc) share with the spine routes
// (spine_routes.cc).
#pragma once

#include "dokuei/report/report.h"
#include "dokuei/spine/checks.h"
#include "workflow_util.h"

namespace dokuei::api::internal {

inline constexpr ApiMessage kReportNotFound = {"report not found", "レポートが見つかりません"};
inline constexpr ApiMessage kNoReports = {"reports are not available on this server",
                                          "このサーバーではレポート機能を利用できません"};

base::Result<report::ReportService*> ReportsOf(Services& s);
// The request (visible to the caller and reached by their grant) or 404.
base::Result<workflow::ReadingRequest> VisibleRequest(Services& s, const http::Request& req);
// The request's report as the caller sees it (404 when none or not visible).
base::Result<report::Report> ReportOf(Services& s, const http::Request& req, int64_t request_id);

// {"errors": [{"id", "field", "message": {"ja", "en"}}], "warnings": [...]}
json ChecksJson(const spine::CheckResult& r);
// 422 application/problem+json listing every check (signing refused: errors, or warnings
// without an override).
http::Response ChecksProblem(const spine::CheckResult& r, std::string_view lang);

// GET .../report/rsna-grid and POST .../report/checks (spine_routes.cc).
base::Status RegisterSpineRoutes(http::RouteTable& routes, Services& s);
base::Status RegisterPublishRoutes(http::RouteTable& routes, Services& s);  // publish_routes.cc

}  // namespace dokuei::api::internal
