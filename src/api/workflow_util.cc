#include "workflow_util.h"

#include <algorithm>

#include "dokuei/base/clock.h"
#include "dokuei/base/strings.h"
#include "dokuei/http/problem.h"
#include "dokuei/workflow/sla.h"

namespace dokuei::api::internal {

namespace {

using workflow::State;

// Also true for a configured static token ("*"): a hospital's gateway token then acts as its
// staff (and administrator for statements).
bool Granted(const http::Principal& p, std::string_view permission) {
  return p.HasPermission(permission);
}

// "(allowed: final, on_hold)" at the end of a library message -> the states.
std::vector<State> AllowedIn(std::string_view message) {
  std::vector<State> out;
  const size_t at = message.rfind("(allowed: ");
  if (at == std::string_view::npos) return out;
  std::string_view list = message.substr(at + 10);
  if (!list.empty() && list.back() == ')') list.remove_suffix(1);
  for (std::string_view part : base::Split(list, ',')) {
    if (auto s = workflow::StateFromName(base::Trim(part))) out.push_back(*s);
  }
  return out;
}

std::string Labels(const std::vector<State>& states, std::string_view lang) {
  std::string out;
  for (State s : states) {
    if (!out.empty()) out += lang == "en" ? ", " : "、";
    out += workflow::StateLabel(s, lang);
  }
  if (out.empty()) out = lang == "en" ? "none" : "なし";
  return out;
}

// Japanese for the library messages a user meets (English stays the library's own).
std::string JapaneseOf(const base::Status& st) {
  const std::string& m = st.message();
  auto has = [&](std::string_view needle) { return m.find(needle) != std::string::npos; };
  if (has("is not a valid transition"))
    return "この状態変更はできません (可能な変更: " + Labels(AllowedIn(m), "ja") + ")";
  if (has("is not allowed for this user"))
    return "この状態変更を行う権限がありません (可能な変更: " + Labels(AllowedIn(m), "ja") + ")";
  if (st.code() == base::Code::kConflict)
    return "読影依頼は他の利用者によって更新されました。最新の状態を読み込んでください";
  struct Pair {
    std::string_view en, ja;
  };
  static constexpr Pair kTable[] = {
      {"reading request not found", "読影依頼が見つかりません"},
      {"hospital not found", "施設が見つかりません"},
      {"an open request exists for this study", "この検査には未完了の読影依頼がすでにあります"},
      {"you may not read this study",
       "この検査を読影する資格がありません (モダリティ・部位・役割)"},
      {"only hospital staff and coordinators create requests",
       "読影依頼を作成できるのは依頼施設の職員とオペレーターのみです"},
      {"only the hospital and coordinators change a request",
       "読影依頼を変更できるのは依頼施設とオペレーターのみです"},
      {"the request is final or cancelled",
       "確定または取消済みの読影依頼は変更できません。レポートへの質問をご利用ください"},
      {"only coordinators", "この操作はオペレーターのみ行えます"},
      {"name the reader", "読影医を指定してください (割り当て)"},
      {"no such reader", "読影医が見つかりません"},
      {"may not", "この読影医には割り当てられません (資格)"},
      {"must differ", "一次読影医とは別の読影医を指定してください"},
      {"years of experience", "二次読影医の経験年数が契約の条件を満たしません"},
      {"already", "すでにその読影医が割り当てられています"},
      {"has no double reading", "この施設の契約には二次読影がありません"},
      {"has no report check", "この施設の契約には校閲がありません"},
      {"is over for this request", "この読影依頼ではその工程は終了しています"},
      {"a reader can be assigned only", "この状態の読影依頼には読影医を割り当てられません"},
      {"not a valid DICOM UID", "DICOM UID の形式が正しくありません"},
      {"only administrators see statements", "請求明細を閲覧できるのは管理者のみです"},
      {"only reading-centre administrators", "この操作は読影センターの管理者のみ行えます"},
      {"month", "月の指定が正しくありません (YYYY-MM)"},
  };
  for (const Pair& p : kTable)
    if (has(p.en)) return std::string(p.ja);
  return {};
}

}  // namespace

workflow::Actor ActorOf(const http::Request& req) {
  const http::Principal& p = req.principal;
  workflow::Actor a;
  a.tenant_id = p.tenant_id;
  a.tenant_kind =
      identity::TenantKindFromName(p.tenant_kind).value_or(identity::TenantKind::kHospital);
  a.user_id = p.user_id;
  a.subject = p.subject;
  for (const std::string& r : p.roles)
    if (auto role = identity::RoleFromName(r)) a.roles.push_back(*role);
  if (a.roles.empty() && p.user_id == 0) {
    using identity::Role;
    if (!a.InReadingCentre()) {
      if (Granted(p, "requests.create") || Granted(p, "requests.read"))
        a.roles.push_back(Role::kHospitalStaff);
      if (Granted(p, "billing.read")) a.roles.push_back(Role::kAdministrator);
    } else {
      if (Granted(p, "requests.manage")) a.roles.push_back(Role::kCoordinator);
      if (Granted(p, "contracts.manage") || Granted(p, "billing.read") ||
          Granted(p, "rosters.manage"))
        a.roles.push_back(Role::kAdministrator);
    }
  }
  a.source_address = RequestEvent(req, "").source_address;
  a.protocol = "http";
  return a;
}

base::Result<workflow::Workflow*> WorkflowOf(Services& s) {
  if (s.workflow == nullptr) return base::Unavailable("the reading workflow is not running");
  return s.workflow;
}

json TimeJson(const std::optional<base::Timestamp>& t) {
  return t ? json(base::FormatIso8601(*t)) : json(nullptr);
}

json RequestJson(const workflow::ReadingRequest& r, std::string_view tenant_code,
                 std::string_view lang) {
  using namespace workflow;  // NOLINT: the names of the workflow's enums
  const RequestDetails& d = r.details;
  json j = {{"id", r.id},
            {"tenant_id", r.tenant_id},
            {"tenant", tenant_code},
            {"study_uid", r.study_uid.empty() ? json(nullptr) : json(r.study_uid)},
            {"accession_number", r.order.accession_number},
            {"placer_order_number", r.order.placer_order_number},
            {"filler_order_number", r.order.filler_order_number},
            {"patient_id", r.order.patient_id},
            {"clinical_question", d.clinical_question},
            {"symptoms", d.symptoms},
            {"side", SideName(d.side)},
            {"region", RegionName(d.region)},
            {"modality", ModalityName(d.modality)},
            {"priority", PriorityName(d.priority)},
            {"priority_label", PriorityLabel(d.priority, lang)},
            {"desired_return_at", TimeJson(d.desired_return_at)},
            {"prior_study_uids", d.prior_study_uids},
            {"attachments", d.attachments},
            {"expected_series", d.expected_series},
            {"subspecialty", d.subspecialty},
            {"source", r.source},
            {"details_complete", r.details_complete},
            {"state", StateName(r.state)},
            {"state_label", StateLabel(r.state, lang)},
            {"held_from", r.held_from ? json(StateName(*r.held_from)) : json(nullptr)},
            {"version", r.version},
            {"reader_id", r.reader_id},
            {"second_reader_id", r.second_reader_id},
            {"checker_id", r.checker_id},
            {"holder_id", r.Holder()},
            {"instance_count", r.instance_count},
            {"series_count", r.series_count},
            {"late_instances", r.late_instances},
            {"first_instance_at", TimeJson(r.first_instance_at)},
            {"last_instance_at", TimeJson(r.last_instance_at)},
            {"received_at", base::FormatIso8601(r.received_at)},
            {"due_at", base::FormatIso8601(r.due_at)},
            {"ready_at", TimeJson(r.ready_at)},
            {"assigned_at", TimeJson(r.assigned_at)},
            {"started_at", TimeJson(r.started_at)},
            {"final_at", TimeJson(r.final_at)},
            {"delivered_at", TimeJson(r.delivered_at)},
            {"updated_at", base::FormatIso8601(r.updated_at)},
            {"escalation_level", r.escalation_level}};
  return j;
}

std::string DayString(int64_t jst_day) {
  // The UTC date of the JST midnight plus nine hours is that JST date.
  return base::FormatIso8601(workflow::JstMinuteOfDay(jst_day, 0) + workflow::kJstOffset)
      .substr(0, 10);
}

json ContractJson(const workflow::Contract& c, std::string_view tenant_code) {
  return {
      {"tenant", tenant_code},
      {"stat_minutes", c.stat_minutes},
      {"same_day_cutoff_minute", c.same_day_cutoff_minute},
      {"same_day_deadline_minute", c.same_day_deadline_minute},
      {"routine_days", c.routine_days},
      {"routine_deadline_minute", c.routine_deadline_minute},
      {"double_reading", c.double_reading},
      {"check_required", c.check_required},
      {"second_reader_min_years", c.second_reader_min_years},
      {"prices",
       {{"xray", c.price_xray}, {"ct", c.price_ct}, {"mr", c.price_mr}, {"other", c.price_other}}},
      {"initial_fee", c.initial_fee},
      {"monthly_fee", c.monthly_fee},
      {"start_date", c.start_day ? json(DayString(*c.start_day)) : json(nullptr)},
      {"currency", "JPY"},
      {"updated_at", c.updated_at == base::Timestamp{} ? json(nullptr)
                                                       : json(base::FormatIso8601(c.updated_at))}};
}

json ShiftJson(const workflow::Shift& s) {
  return {{"id", s.id},
          {"reader_id", s.reader_id},
          {"start", base::FormatIso8601(s.start)},
          {"end", base::FormatIso8601(s.end)},
          {"display_time_zone", s.display_time_zone}};
}

json AbsenceJson(const workflow::Absence& a) {
  return {{"id", a.id},
          {"reader_id", a.reader_id},
          {"start", base::FormatIso8601(a.start)},
          {"end", base::FormatIso8601(a.end)},
          {"reason", a.reason}};
}

json StatementJson(const workflow::Statement& st, std::string_view tenant_code) {
  json charges = json::array();
  for (const auto& c : st.charges)
    charges.push_back({{"request_id", c.request_id},
                       {"study_uid", c.study_uid},
                       {"modality", workflow::ModalityName(c.modality)},
                       {"price", c.price},
                       {"delivered_at", base::FormatIso8601(c.delivered_at)}});
  json subtotals = json::array();
  for (const auto& s : st.subtotals)
    subtotals.push_back({{"modality", workflow::ModalityName(s.modality)},
                         {"count", s.count},
                         {"amount", s.amount}});
  char month[8];
  std::snprintf(month, sizeof(month), "%04d-%02d", st.year, st.month);
  return {{"tenant", tenant_code},
          {"month", month},
          {"currency", "JPY"},
          {"contract_start_date",
           st.contract_start_day ? json(DayString(*st.contract_start_day)) : json(nullptr)},
          {"charges", charges},
          {"subtotals", subtotals},
          {"initial_fee", st.initial_fee},
          {"monthly_fee", st.monthly_fee},
          {"total", st.total}};
}

std::string StatementCsv(const workflow::Statement& st, std::string_view tenant_code) {
  // Values are ours (codes, UIDs, numbers, ISO times): none needs quoting but the tenant code,
  // which cannot hold a comma or a quote either (identity::ValidateTenantCode).
  char month[8];
  std::snprintf(month, sizeof(month), "%04d-%02d", st.year, st.month);
  std::string out = "tenant,month,line,request_id,study_uid,modality,delivered_at,amount\r\n";
  const std::string head = std::string(tenant_code) + "," + month + ",";
  for (const auto& c : st.charges)
    out += head + "charge," + std::to_string(c.request_id) + "," + c.study_uid + "," +
           std::string(workflow::ModalityName(c.modality)) + "," +
           base::FormatIso8601(c.delivered_at) + "," + std::to_string(c.price) + "\r\n";
  for (const auto& s : st.subtotals)
    out += head + "subtotal,,," + std::string(workflow::ModalityName(s.modality)) + ",," +
           std::to_string(s.amount) + "\r\n";
  out += head + "initial_fee,,,,," + std::to_string(st.initial_fee) + "\r\n";
  out += head + "monthly_fee,,,,," + std::to_string(st.monthly_fee) + "\r\n";
  out += head + "total,,,,," + std::to_string(st.total) + "\r\n";
  return out;
}

http::Response WorkflowProblem(const base::Status& status, std::string_view lang,
                               const json* allowed) {
  std::string message = Localize(status, lang);
  if (lang != "en" && message == status.message()) {
    if (std::string ja = JapaneseOf(status); !ja.empty()) message = std::move(ja);
  }
  const base::Status localized(status.code(), message, status.field());
  http::Response r = http::ProblemResponse(localized, lang);
  if (allowed != nullptr) {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_object()) {
      body["allowed"] = *allowed;
      r.body = body.dump();
    }
  }
  return r;
}

http::Handler WorkflowLocalized(http::Handler handler) {
  return [handler = std::move(handler)](http::Request& request) -> base::Result<http::Response> {
    auto r = handler(request);
    if (r.ok()) return r;
    return WorkflowProblem(r.status(), request.lang);
  };
}

base::Status GetTime(const json& body, const char* field, std::optional<base::Timestamp>* out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return base::Status::Ok();
  if (!it->is_string()) return Invalid(kBadType, field);
  auto t = base::ParseIso8601(it->get<std::string>());
  if (!t) return Invalid(kBadType, field);
  *out = *t;
  return base::Status::Ok();
}

base::Result<workflow::ReadingRequest> VisibleRequest(Services& s, const http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, PathId(req, "id", kRequestNotFound));
  auto r = s.workflow->requests().Get(ActorOf(req), id);
  if (!r.ok()) {
    if (r.status().code() == base::Code::kNotFound) return NotFound(kRequestNotFound);
    return r.status();
  }
  if (!req.principal.Reaches("requests.read", r->tenant_id)) return NotFound(kRequestNotFound);
  return r;
}

}  // namespace dokuei::api::internal
