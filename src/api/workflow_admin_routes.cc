// The reading workflow's operations under /api, tag "Workflow" (requests are in
// workflow_routes.cc):
//
//   GET    /api/tenants/{tenant}/contract   contracts.read    SLA per priority, double reading,
//   PUT    /api/tenants/{tenant}/contract   contracts.manage  check step, prices per modality, fees
//   GET    /api/tenants/{tenant}/billing    billing.read      ?month=YYYY-MM (JST), &format=csv
//   GET    /api/rosters/shifts              rosters.read      ?from=&to= (default: now-1d..now+14d)
//   POST   /api/rosters/shifts              rosters.manage    {"reader_id","start","end",...}
//   DELETE /api/rosters/shifts/{id}         rosters.manage
//   GET    /api/rosters/absences            rosters.read
//   POST   /api/rosters/absences            rosters.manage    {"reader_id","start","end","reason"}
//   DELETE /api/rosters/absences/{id}       rosters.manage
//   GET    /api/workflow/escalations        requests.manage   ?tenant=&limit=
//   GET    /api/workflow/loads              requests.manage   readers on duty and their backlog
//
// Rosters belong to the reading centre. A tenant the caller's grant does not reach answers 404
// like a missing one. Contract and roster changes are audited by the workflow's hook in their own
// transaction (contract.update, roster.*).
#include "dokuei/base/strings.h"
#include "dokuei/workflow/assignment.h"
#include "dokuei/workflow/sla.h"
#include "workflow_util.h"

namespace dokuei::api {

namespace {

using namespace internal;  // NOLINT: the helpers of this module's route files

constexpr std::string_view kContractFields[] = {"stat_minutes",
                                                "same_day_cutoff_minute",
                                                "same_day_deadline_minute",
                                                "routine_days",
                                                "routine_deadline_minute",
                                                "double_reading",
                                                "check_required",
                                                "second_reader_min_years",
                                                "prices",
                                                "initial_fee",
                                                "monthly_fee",
                                                "start_date",
                                                "tenant",
                                                "currency",
                                                "updated_at"};

base::Status ReadContract(const json& body, workflow::Contract& c) {
  struct IntField {
    const char* name;
    int* value;
    int64_t min, max;
  };
  for (IntField f : {IntField{"stat_minutes", &c.stat_minutes, 1, 7 * 24 * 60},
                     IntField{"same_day_cutoff_minute", &c.same_day_cutoff_minute, 0, 1439},
                     IntField{"same_day_deadline_minute", &c.same_day_deadline_minute, 0, 1439},
                     IntField{"routine_days", &c.routine_days, 0, 30},
                     IntField{"routine_deadline_minute", &c.routine_deadline_minute, 0, 1439},
                     IntField{"second_reader_min_years", &c.second_reader_min_years, 0, 60}}) {
    std::optional<int64_t> v;
    DOKUEI_RETURN_IF_ERROR(GetInt(body, f.name, f.min, f.max, &v));
    if (v) *f.value = static_cast<int>(*v);
  }
  std::optional<bool> dbl, check;
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "double_reading", &dbl));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "check_required", &check));
  if (dbl) c.double_reading = *dbl;
  if (check) c.check_required = *check;
  constexpr int64_t kMaxYen = 100'000'000;
  std::optional<int64_t> initial, monthly;
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "initial_fee", 0, kMaxYen, &initial));
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "monthly_fee", 0, kMaxYen, &monthly));
  if (initial) c.initial_fee = *initial;
  if (monthly) c.monthly_fee = *monthly;
  // The first day of service, a JST date "YYYY-MM-DD" (null: none).
  if (auto it = body.find("start_date"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return Invalid(kBadType, "start_date");
    const std::string v = it->get<std::string>();
    auto num = [&](size_t at, size_t n) {
      return base::ParseInt(std::string_view(v).substr(at, n));
    };
    if (v.size() != 10 || v[4] != '-' || v[7] != '-') return Invalid(kBadType, "start_date");
    const auto y = num(0, 4), m = num(5, 2), d = num(8, 2);
    if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31 || *y < 2000)
      return Invalid(kBadType, "start_date");
    const int64_t day =
        workflow::DayOfDate(static_cast<int>(*y), static_cast<int>(*m), static_cast<int>(*d));
    if (DayString(day) != v) return Invalid(kBadType, "start_date");  // 2026-02-30
    c.start_day = day;
  }
  if (auto it = body.find("prices"); it != body.end()) {
    if (!it->is_object()) return Invalid(kBadType, "prices");
    for (const auto& [key, value] : it->items()) {
      int64_t* target = key == "xray"    ? &c.price_xray
                        : key == "ct"    ? &c.price_ct
                        : key == "mr"    ? &c.price_mr
                        : key == "other" ? &c.price_other
                                         : nullptr;
      if (target == nullptr) return Invalid(kUnknownField, "prices." + key);
      if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > kMaxYen)
        return Invalid(kBadType, "prices." + key);
      *target = value.get<int64_t>();
    }
  }
  return base::Status::Ok();
}

// ---- contracts and billing --------------------------------------------------------------------

base::Result<http::Response> GetContract(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "contracts.read"));
  DOKUEI_ASSIGN_OR_RETURN(const workflow::Contract c, wf->contracts().Get(t.id));
  return JsonResponse(200, ContractJson(c, t.code));
}

base::Result<http::Response> PutContract(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "contracts.manage"));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, kContractFields));
  // PUT replaces the contract: members left out take the product's defaults.
  workflow::Contract c;
  c.tenant_id = t.id;
  DOKUEI_RETURN_IF_ERROR(ReadContract(body, c));
  DOKUEI_ASSIGN_OR_RETURN(const workflow::Contract out, wf->contracts().Put(ActorOf(req), c));
  return JsonResponse(200, ContractJson(out, t.code));
}

base::Result<http::Response> GetBilling(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "billing.read"));
  // The JST month: this month unless ?month=YYYY-MM.
  const int64_t today = workflow::JstDay(s.clock.Now());
  std::string now_iso =
      base::FormatIso8601(workflow::JstMinuteOfDay(today, 0) + workflow::kJstOffset);
  int year = std::stoi(now_iso.substr(0, 4)), month = std::stoi(now_iso.substr(5, 2));
  if (auto m = req.Query("month")) {
    const std::string v(*m);
    if (v.size() != 7 || v[4] != '-') return Invalid(kBadQuery, "month");
    auto y = base::ParseInt(std::string_view(v).substr(0, 4));
    auto mo = base::ParseInt(std::string_view(v).substr(5, 2));
    if (!y || !mo || *mo < 1 || *mo > 12 || *y < 2000 || *y > 9999)
      return Invalid(kBadQuery, "month");
    year = static_cast<int>(*y);
    month = static_cast<int>(*mo);
  }
  const auto format = req.Query("format");
  const bool csv = (format && *format == "csv") ||
                   (!format && req.Header("Accept").find("text/csv") != std::string_view::npos);
  if (format && *format != "csv" && *format != "json") return Invalid(kBadQuery, "format");
  auto st = wf->billing().Monthly(ActorOf(req), t.id, year, month);
  if (!st.ok()) {
    if (st.status().code() == base::Code::kNotFound) return NotFound(kTenantNotFound);
    return st.status();
  }
  if (!csv) return JsonResponse(200, StatementJson(*st, t.code));
  http::Response r =
      http::Response::Bytes(200, "text/csv; charset=utf-8", StatementCsv(*st, t.code));
  char name[64];
  std::snprintf(name, sizeof(name), "statement-%s-%04d-%02d.csv", t.code.c_str(), year, month);
  r.headers.Set("Content-Disposition", std::string("attachment; filename=\"") + name + "\"");
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

// ---- rosters ----------------------------------------------------------------------------------

base::Status Range(const http::Request& req, base::Timestamp now, base::Timestamp* from,
                   base::Timestamp* to) {
  *from = now - std::chrono::hours(24);
  *to = now + std::chrono::hours(24 * 14);
  if (auto v = req.Query("from")) {
    auto t = base::ParseIso8601(*v);
    if (!t) return Invalid(kBadQuery, "from");
    *from = *t;
  }
  if (auto v = req.Query("to")) {
    auto t = base::ParseIso8601(*v, /*date_end=*/true);
    if (!t) return Invalid(kBadQuery, "to");
    *to = *t;
  }
  return base::Status::Ok();
}

base::Status ReadPeriod(const json& body, int64_t* reader, base::Timestamp* start,
                        base::Timestamp* end) {
  std::optional<int64_t> r;
  std::optional<base::Timestamp> a, b;
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "reader_id", 1, INT64_MAX, &r));
  DOKUEI_RETURN_IF_ERROR(GetTime(body, "start", &a));
  DOKUEI_RETURN_IF_ERROR(GetTime(body, "end", &b));
  if (!r) return Invalid(kRequired, "reader_id");
  if (!a) return Invalid(kRequired, "start");
  if (!b) return Invalid(kRequired, "end");
  *reader = *r;
  *start = *a;
  *end = *b;
  return base::Status::Ok();
}

base::Result<http::Response> ListShifts(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  base::Timestamp from, to;
  DOKUEI_RETURN_IF_ERROR(Range(req, s.clock.Now(), &from, &to));
  DOKUEI_ASSIGN_OR_RETURN(const auto shifts, wf->rosters().Shifts(from, to));
  json arr = json::array();
  for (const auto& x : shifts) arr.push_back(ShiftJson(x));
  return JsonResponse(200, {{"shifts", arr}});
}

base::Result<http::Response> AddShift(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const json body,
                          ParseObject(req, {"reader_id", "start", "end", "display_time_zone"}));
  workflow::Shift x;
  DOKUEI_RETURN_IF_ERROR(ReadPeriod(body, &x.reader_id, &x.start, &x.end));
  std::optional<std::string> tz;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "display_time_zone", &tz));
  if (tz) x.display_time_zone = *tz;
  DOKUEI_ASSIGN_OR_RETURN(const workflow::Shift out, wf->rosters().AddShift(ActorOf(req), x));
  return JsonResponse(201, ShiftJson(out));
}

base::Result<http::Response> RemoveShift(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, PathId(req, "id", kShiftNotFound));
  const base::Status st = wf->rosters().RemoveShift(ActorOf(req), id);
  if (st.code() == base::Code::kNotFound) return NotFound(kShiftNotFound);
  DOKUEI_RETURN_IF_ERROR(st);
  return JsonResponse(200, {{"id", id}, {"removed", true}});
}

base::Result<http::Response> ListAbsences(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  base::Timestamp from, to;
  DOKUEI_RETURN_IF_ERROR(Range(req, s.clock.Now(), &from, &to));
  DOKUEI_ASSIGN_OR_RETURN(const auto absences, wf->rosters().Absences(from, to));
  json arr = json::array();
  for (const auto& x : absences) arr.push_back(AbsenceJson(x));
  return JsonResponse(200, {{"absences", arr}});
}

base::Result<http::Response> AddAbsence(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const json body,
                          ParseObject(req, {"reader_id", "start", "end", "reason"}));
  workflow::Absence x;
  DOKUEI_RETURN_IF_ERROR(ReadPeriod(body, &x.reader_id, &x.start, &x.end));
  std::optional<std::string> reason;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "reason", &reason));
  if (reason) x.reason = *reason;
  DOKUEI_ASSIGN_OR_RETURN(const workflow::Absence out, wf->rosters().AddAbsence(ActorOf(req), x));
  return JsonResponse(201, AbsenceJson(out));
}

base::Result<http::Response> RemoveAbsence(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, PathId(req, "id", kAbsenceNotFound));
  const base::Status st = wf->rosters().RemoveAbsence(ActorOf(req), id);
  if (st.code() == base::Code::kNotFound) return NotFound(kAbsenceNotFound);
  DOKUEI_RETURN_IF_ERROR(st);
  return JsonResponse(200, {{"id", id}, {"removed", true}});
}

// ---- the coordinator's view -------------------------------------------------------------------

base::Result<http::Response> ListEscalations(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  int64_t tenant = 0;
  if (auto v = req.Query("tenant")) {
    auto t = s.identity.tenants().GetByCode(std::string(*v));
    if (!t.ok() || !req.principal.Reaches("requests.manage", t->id))
      return JsonResponse(200, {{"escalations", json::array()}});
    tenant = t->id;
  }
  uint32_t limit = 100;
  if (auto v = req.Query("limit")) {
    auto n = base::ParseInt(*v);
    if (!n || *n < 1 || *n > 1000) return Invalid(kBadQuery, "limit");
    limit = static_cast<uint32_t>(*n);
  }
  DOKUEI_ASSIGN_OR_RETURN(const auto list, wf->dispatcher().Escalations(tenant, limit));
  json arr = json::array();
  for (const workflow::Escalation& e : list) {
    if (!req.principal.Reaches("requests.manage", e.tenant_id)) continue;
    arr.push_back({{"id", e.id},
                   {"tenant_id", e.tenant_id},
                   {"request_id", e.request_id},
                   {"at", base::FormatIso8601(e.at)},
                   {"kind", workflow::EscalationKindName(e.kind)},
                   {"kind_label", workflow::EscalationKindLabel(e.kind, req.lang)},
                   {"from_reader_id", e.from_reader_id},
                   {"to_reader_id", e.to_reader_id},
                   {"detail", e.detail}});
  }
  return JsonResponse(200, {{"escalations", arr}});
}

base::Result<http::Response> ListLoads(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const auto loads, wf->dispatcher().Loads());
  const base::Timestamp now = s.clock.Now();
  json arr = json::array();
  for (const workflow::ReaderLoad& l : loads) {
    json duty = json::array();
    for (const workflow::Shift& d : l.duty)
      duty.push_back(
          {{"start", base::FormatIso8601(d.start)}, {"end", base::FormatIso8601(d.end)}});
    json queue = json::array();
    for (const workflow::QueuedWork& q : l.queue)
      queue.push_back(
          {{"request_id", q.request_id},
           {"priority", workflow::PriorityName(q.priority)},
           {"due_at", base::FormatIso8601(q.due_at)},
           {"started", q.started},
           {"expected_minutes", std::chrono::duration<double, std::ratio<60>>(q.work).count()}});
    arr.push_back(
        {{"reader_id", l.info.user_id},
         {"display_name", l.info.display_name},
         {"reads", l.info.reads},
         {"checks", l.info.checks},
         {"years_of_experience", l.info.years_of_experience},
         {"on_duty", workflow::OnDuty(l, now)},
         {"backlog_minutes", std::chrono::duration<double, std::ratio<60>>(l.backlog).count()},
         {"queue", queue},
         {"duty", duty}});
  }
  return JsonResponse(200, {{"readers", arr}});
}

}  // namespace

namespace internal {

base::Status RegisterWorkflowAdminRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return WorkflowLocalized([&s, fn](http::Request& req) { return fn(s, req); });
  };
  std::vector<RouteSpec> specs = {
      {"GET", "/api/tenants/{tenant}/contract", "contracts.read",
       "施設の契約 (優先度ごとの SLA・二次読影・校閲・モダリティ別料金・費用)",
       "A hospital's contract (SLA per priority, double reading, check, prices per modality, "
       "fees)",
       h(GetContract)},
      {"PUT", "/api/tenants/{tenant}/contract", "contracts.manage",
       "施設の契約を設定 (省略した項目は既定値)",
       "Set a hospital's contract (members left out take the defaults)", h(PutContract)},
      {"GET",
       "/api/tenants/{tenant}/billing",
       "billing.read",
       "月次請求明細 (month=YYYY-MM、format=csv で CSV)",
       "Monthly billing statement (month=YYYY-MM; format=csv for CSV)",
       h(GetBilling),
       kJsonBodyLimit,
       {"application/json", "text/csv"}},
      {"GET", "/api/rosters/shifts", "rosters.read", "勤務表: シフトの一覧 (from, to)",
       "Roster: list shifts (from, to)", h(ListShifts)},
      {"POST", "/api/rosters/shifts", "rosters.manage", "勤務表: シフトを登録",
       "Roster: add a shift", h(AddShift)},
      {"DELETE", "/api/rosters/shifts/{id}", "rosters.manage", "勤務表: シフトを削除",
       "Roster: remove a shift", h(RemoveShift)},
      {"GET", "/api/rosters/absences", "rosters.read", "勤務表: 休暇の一覧 (from, to)",
       "Roster: list absences (from, to)", h(ListAbsences)},
      {"POST", "/api/rosters/absences", "rosters.manage", "勤務表: 休暇を登録",
       "Roster: add an absence", h(AddAbsence)},
      {"DELETE", "/api/rosters/absences/{id}", "rosters.manage", "勤務表: 休暇を削除",
       "Roster: remove an absence", h(RemoveAbsence)},
      {"GET", "/api/workflow/escalations", "requests.manage",
       "エスカレーションの一覧 (SLA 超過の予測・超過・担当変更)",
       "Escalations (predicted and actual SLA breaches, re-routes)", h(ListEscalations)},
      {"GET", "/api/workflow/loads", "requests.manage", "読影医の勤務状況と負荷",
       "Readers on duty and their backlog", h(ListLoads)},
  };
  return AddRoutes(routes, "Workflow", std::move(specs));
}

}  // namespace internal

}  // namespace dokuei::api
