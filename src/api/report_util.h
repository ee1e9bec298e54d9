// Private to the api module: what the report route files (report_routes.cc,
// report_queue_routes.cc, spine_routes.cc, publish_routes.cc) share: JSON forms of the report
// library's records, the request and report as the caller sees them, the pre-sign checks as JSON
// and the route groups.
// Thread safety: pure functions.
#pragma once

#include <initializer_list>
#include <string_view>
#include <vector>

#include "dokuei/report/report.h"
#include "dokuei/spine/checks.h"
#include "workflow_util.h"

namespace dokuei::api::internal {

inline constexpr ApiMessage kReportNotFound = {"report not found", "レポートが見つかりません"};
inline constexpr ApiMessage kReviewNotFound = {"no such review of this report",
                                               "このレポートの二次読影評価が見つかりません"};
inline constexpr ApiMessage kNoReports = {"reports are not available on this server",
                                          "このサーバーではレポート機能を利用できません"};

json VersionJson(const report::Version& v);
json ReportJson(const report::Report& r);
json ReviewJson(const report::PeerReview& p);  // with its resolution (null while unresolved)
json CriticalJson(const report::CriticalResult& c);
json QuestionJson(const report::Question& q);

// The body as a JSON object; an empty body is {}.
base::Result<json> BodyOrEmptyObject(const http::Request& req,
                                     std::initializer_list<std::string_view> allowed);
// The report service, or kUnavailable when the server runs without one.
base::Result<report::ReportService*> ReportsOf(Services& s);
// The request's report as the caller sees it (404 when none or not visible).
base::Result<report::Report> ReportOf(Services& s, const http::Request& req, int64_t request_id);
const report::Version* LastSigned(const report::Report& r);
bool Contains(const std::vector<workflow::State>& v, workflow::State s);

// {"errors": [{"id", "field", "message": {"ja", "en"}}], "warnings": [...]}
json ChecksJson(const spine::CheckResult& r);
// 422 application/problem+json listing every check (signing refused: errors, or warnings
// without an override).
http::Response ChecksProblem(const spine::CheckResult& r, std::string_view lang);

// The caller's queues across requests (report_queue_routes.cc): the critical-result list and
// the follow-up inbox.
base::Status RegisterReportQueueRoutes(http::RouteTable& routes, Services& s);
// A hospital's critical-result webhook (webhook_routes.cc).
base::Status RegisterWebhookRoutes(http::RouteTable& routes, Services& s);
// GET .../report/rsna-grid and POST .../report/checks (spine_routes.cc).
base::Status RegisterSpineRoutes(http::RouteTable& routes, Services& s);
// GET .../report/versions/{n}/pdf and .../document (publish_routes.cc).
base::Status RegisterPublishRoutes(http::RouteTable& routes, Services& s);

}  // namespace dokuei::api::internal
