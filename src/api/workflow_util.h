// Private to the api module: what the workflow route files (workflow_routes.cc,
// workflow_admin_routes.cc) share: the workflow Actor of a request, JSON forms of the workflow's
// records, and problem bodies whose detail is in the caller's language (the library's messages
// are English; the ones a user meets are translated here).
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "dokuei/workflow/workflow.h"
#include "route_util.h"

namespace dokuei::api::internal {

inline constexpr ApiMessage kRequestNotFound = {"reading request not found",
                                                "読影依頼が見つかりません"};
inline constexpr ApiMessage kShiftNotFound = {"no such shift", "シフトが見つかりません"};
inline constexpr ApiMessage kAbsenceNotFound = {"no such absence", "休暇が見つかりません"};

// The workflow's view of the caller: tenant, kind, user, roles, address. API tokens carry no
// roles; their permissions stand for the role that holds them (a hospital token with
// requests.create acts as hospital staff, a centre token with requests.manage as a
// coordinator, with contracts.manage or billing.read as an administrator).
workflow::Actor ActorOf(const http::Request& req);

// The workflow, or kUnavailable when the server runs without one.
base::Result<workflow::Workflow*> WorkflowOf(Services& s);

// ISO 8601 or null.
json TimeJson(const std::optional<base::Timestamp>& t);
// {"id", "tenant", "study_uid", details..., "state", "state_label", ...}; `tenant_code` may be
// empty.
json RequestJson(const workflow::ReadingRequest& r, std::string_view tenant_code,
                 std::string_view lang);
json ContractJson(const workflow::Contract& c, std::string_view tenant_code);
// "YYYY-MM-DD" of a JST calendar day (days since 1970-01-01).
std::string DayString(int64_t jst_day);
json ShiftJson(const workflow::Shift& s);
json AbsenceJson(const workflow::Absence& a);
json StatementJson(const workflow::Statement& st, std::string_view tenant_code);
// One line per charge, then subtotals, the initial fee (in the contract's start month), the
// monthly fee and the total (UTF-8, CRLF, RFC 4180).
std::string StatementCsv(const workflow::Statement& st, std::string_view tenant_code);

// A workflow error as a problem response in the request's language; `allowed` (when not null)
// is added as the member "allowed" (the transitions the caller may make now).
http::Response WorkflowProblem(const base::Status& status, std::string_view lang,
                               const json* allowed = nullptr);
// Wraps a handler so that every error becomes a localized workflow problem.
http::Handler WorkflowLocalized(http::Handler handler);

// Parses an ISO 8601 time member (400 naming the field otherwise).
base::Status GetTime(const json& body, const char* field, std::optional<base::Timestamp>* out);

// The request {id} (visible to the caller and reached by their grant) or 404, exactly as for an
// id that does not exist. The caller has checked that the workflow is configured.
base::Result<workflow::ReadingRequest> VisibleRequest(Services& s, const http::Request& req);

// The route groups (RegisterWorkflowRoutes registers both).
base::Status RegisterRequestRoutes(http::RouteTable& routes, Services& s);        // requests
base::Status RegisterWorkflowAdminRoutes(http::RouteTable& routes, Services& s);  // the rest
base::Status RegisterFhirRoutes(http::RouteTable& routes, Services& s);           // fhir_routes.cc

}  // namespace dokuei::api::internal
