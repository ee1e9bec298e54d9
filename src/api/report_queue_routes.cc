// The caller's report queues across requests, tag "Reports":
//
//   GET /api/critical-results?state=open|overdue|acknowledged|all   requests.read
//       critical results, earliest acknowledgement deadline first (default: open and overdue).
//       Coordinators see every hospital's, hospital staff their own hospital's, readers those
//       they reported (the library's scope, one WHERE clause).
//   GET /api/questions?assigned=me&state=open                       requests.read
//       follow-up questions routed to the caller (original or covering reader) still waiting
//       for an answer, oldest first.
//
// Both lists are what the caller may see, never a refusal: a principal outside the scope gets an
// empty list.
#include <algorithm>

#include "report_util.h"

namespace dokuei::api::internal {

namespace {

base::Result<http::Response> CriticalList(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  std::vector<report::CriticalState> states = {report::CriticalState::kOverdue,
                                               report::CriticalState::kOpen};
  std::string state_name = "unacknowledged";
  if (auto v = req.Query("state")) {
    auto st = report::CriticalStateFromName(*v);
    if (!st) return Invalid(kBadQuery, "state");
    states = {*st};
    state_name = std::string(*v);
  }
  std::vector<report::CriticalListItem> items;
  for (report::CriticalState st : states) {
    DOKUEI_ASSIGN_OR_RETURN(auto part, s.reports->critical().List(ActorOf(req), st));
    for (auto& x : part) items.push_back(std::move(x));
  }
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.result.ack_deadline < b.result.ack_deadline;
  });
  const base::Timestamp now = s.clock.Now();
  json arr = json::array();
  for (const auto& x : items) {
    json j = CriticalJson(x.result);
    j["request_id"] = x.request_id;
    j["study_uid"] = x.study_uid;
    j["tenant_id"] = x.result.tenant_id;
    j["overdue"] = !x.result.ack_at && x.result.ack_deadline <= now;
    arr.push_back(std::move(j));
  }
  return JsonResponse(200, {{"state", state_name}, {"critical_results", arr}});
}

base::Result<http::Response> Inbox(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  if (auto v = req.Query("assigned"); v && *v != "me") return Invalid(kBadQuery, "assigned");
  if (auto v = req.Query("state"); v && *v != "open") return Invalid(kBadQuery, "state");
  DOKUEI_ASSIGN_OR_RETURN(const auto list, s.reports->followups().Inbox(ActorOf(req)));
  json arr = json::array();
  for (const auto& q : list) {
    json j = QuestionJson(q);
    // Where to answer: the question is routed to the caller, so they may know its request
    // (read as the system: a covering reader takes no other part in the request).
    if (auto r = s.reports->reports().Get(workflow::Actor::System(), q.report_id); r.ok()) {
      j["request_id"] = r->request_id;
      j["study_uid"] = r->study_uid;
    }
    arr.push_back(std::move(j));
  }
  return JsonResponse(200, {{"questions", arr}});
}

}  // namespace

base::Status RegisterReportQueueRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return WorkflowLocalized([&s, fn](http::Request& req) { return fn(s, req); });
  };
  return AddRoutes(
      routes, "Reports",
      {
          {"GET", "/api/critical-results", "requests.read",
           "緊急所見の一覧 (受領期限の早い順。state=open|overdue|acknowledged|all)",
           "Critical results, earliest deadline first (state=open|overdue|acknowledged|all)",
           h(CriticalList)},
          {"GET", "/api/questions", "requests.read", "自分に回送された未回答のアフターフォロー質問",
           "Open follow-up questions routed to the caller", h(Inbox)},
      });
}

}  // namespace dokuei::api::internal
