// Reading requests (読影依頼) under /api, tag "Workflow" (the rest of the workflow routes are in
// workflow_admin_routes.cc):
//
//   GET   /api/requests                    requests.read        ?state=&priority=&tenant=&mine=
//   POST  /api/requests                    requests.create      a request for a study (or an
//                                                               accession number), with the
//                                                               hospital's order numbers
//   GET   /api/requests/{id}               requests.read        + the caller's allowed transitions
//   PATCH /api/requests/{id}               requests.create      details (the hospital,
//   coordinators) POST  /api/requests/{id}/transitions   requests.transition  {"to"}: 200, 409 /
//   403 + "allowed" POST  /api/requests/{id}/claim         requests.claim       a reader takes it
//   from the pool POST  /api/requests/{id}/assign        requests.manage      {"reader_id","slot"}:
//   (re)assign GET   /api/requests/{id}/history       requests.read        every transition, timed
//
// Who sees which request is the workflow's Visible (hospital staff: their hospital's; readers:
// what is assigned to them and the pool they may claim; coordinators: all); anything else is 404
// exactly like a request that does not exist. Every change is one workflow transaction whose
// audit record (request.<action>) is appended in it by the workflow's audit hook.
#include <algorithm>
#include <map>

#include "dokuei/base/strings.h"
#include "workflow_util.h"

namespace dokuei::api {

namespace {

using namespace internal;  // NOLINT: the helpers of this module's route files
using workflow::ReadingRequest;
using workflow::RequestDetails;
using workflow::State;

constexpr std::string_view kDetailFields[] = {"clinical_question",
                                              "symptoms",
                                              "side",
                                              "region",
                                              "modality",
                                              "priority",
                                              "desired_return_at",
                                              "prior_study_uids",
                                              "attachments",
                                              "expected_series",
                                              "subspecialty"};

// Overlays the detail members present in `body` on `d`.
base::Status ReadDetails(const json& body, RequestDetails& d) {
  std::optional<std::string> question, symptoms, side, region, modality, priority, sub;
  std::optional<std::vector<std::string>> priors, attachments;
  std::optional<int64_t> expected;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "clinical_question", &question));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "symptoms", &symptoms));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "side", &side));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "region", &region));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "modality", &modality));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "priority", &priority));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "subspecialty", &sub));
  DOKUEI_RETURN_IF_ERROR(GetStringList(body, "prior_study_uids", &priors));
  DOKUEI_RETURN_IF_ERROR(GetStringList(body, "attachments", &attachments));
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "expected_series", 0, 1000, &expected));
  if (body.contains("desired_return_at") && body["desired_return_at"].is_null()) {
    d.desired_return_at.reset();
  } else {
    DOKUEI_RETURN_IF_ERROR(GetTime(body, "desired_return_at", &d.desired_return_at));
  }
  if (question) d.clinical_question = *question;
  if (symptoms) d.symptoms = *symptoms;
  if (side) {
    auto v = workflow::SideFromName(*side);
    if (!v) return Invalid(kBadType, "side");
    d.side = *v;
  }
  if (region) {
    auto v = workflow::RegionFromName(*region);
    if (!v) return Invalid(kBadType, "region");
    d.region = *v;
  }
  if (modality) {
    auto v = workflow::ModalityFromName(*modality);
    if (!v) return Invalid(kBadType, "modality");
    d.modality = *v;
  }
  if (priority) {
    auto v = workflow::PriorityFromName(*priority);
    if (!v) return Invalid(kBadType, "priority");
    d.priority = *v;
  }
  if (sub) d.subspecialty = *sub;
  if (priors) d.prior_study_uids = *priors;
  if (attachments) d.attachments = *attachments;
  if (expected) d.expected_series = static_cast<int>(*expected);
  return base::Status::Ok();
}

// A tenant's code, cached for one answer.
class TenantCodes {
 public:
  explicit TenantCodes(Services& s) : s_(s) {}
  std::string Of(int64_t id) {
    auto it = codes_.find(id);
    if (it != codes_.end()) return it->second;
    auto t = s_.identity.tenants().Get(id);
    return codes_[id] = t.ok() ? t->code : std::string();
  }

 private:
  Services& s_;
  std::map<int64_t, std::string> codes_;
};

// The library's NotFound (whatever its wording) reads like ours; a request the caller's grant
// does not reach (an API token of another tenant) is NotFound too.
base::Status SameNotFound(const base::Status& st) {
  return st.code() == base::Code::kNotFound ? NotFound(kRequestNotFound) : st;
}

base::Result<ReadingRequest> Visible(Services& s, const http::Request& req, int64_t id) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  auto r = wf->requests().Get(ActorOf(req), id);
  if (!r.ok()) return SameNotFound(r.status());
  if (!req.principal.Reaches("requests.read", r->tenant_id)) return NotFound(kRequestNotFound);
  return r;
}

base::Result<int64_t> RequestId(const http::Request& req) {
  return PathId(req, "id", kRequestNotFound);
}

// The request as the caller now sees it, with the transitions they may make.
base::Result<http::Response> Answer(Services& s, const http::Request& req, int status,
                                    const ReadingRequest& r) {
  TenantCodes codes(s);
  json j = RequestJson(r, codes.Of(r.tenant_id), req.lang);
  json allowed = json::array();
  if (auto a = s.workflow->requests().Allowed(ActorOf(req), r.id); a.ok()) {
    for (State st : *a) allowed.push_back(workflow::StateName(st));
  }
  j["allowed_transitions"] = allowed;
  http::Response out = JsonResponse(status, j);
  out.headers.Set("ETag", "\"" + std::to_string(r.version) + "\"");
  if (status == 201) out.headers.Set("Location", "/api/requests/" + std::to_string(r.id));
  return out;
}

// If-Match: "<version>" (or a "version" member) refuses lost updates with 409.
base::Status ExpectedVersion(const http::Request& req, const json& body,
                             workflow::TransitionOptions& o) {
  std::optional<int64_t> v;
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "version", 1, INT64_MAX, &v));
  std::string_view m = base::Trim(req.Header("If-Match"));
  if (!v && !m.empty() && m != "*") {
    if (m.size() >= 2 && m.front() == '"' && m.back() == '"') m = m.substr(1, m.size() - 2);
    auto parsed = base::ParseInt(m);
    if (!parsed) return Invalid(kBadType, "If-Match");
    v = *parsed;
  }
  o.expected_version = v;
  std::optional<std::string> reason;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "reason", &reason));
  if (reason) o.reason = *reason;
  return base::Status::Ok();
}

base::Result<json> BodyOrEmpty(const http::Request& req,
                               const std::vector<std::string_view>& allowed) {
  if (req.body.empty()) return json::object();
  return ParseObject(req, std::span<const std::string_view>(allowed));
}

// ---- routes ---------------------------------------------------------------------------------

base::Result<http::Response> ListRequests(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  workflow::RequestFilter f;
  if (auto v = req.Query("state")) {
    f.state = workflow::StateFromName(*v);
    if (!f.state) return Invalid(kBadQuery, "state");
  }
  if (auto v = req.Query("priority")) {
    f.priority = workflow::PriorityFromName(*v);
    if (!f.priority) return Invalid(kBadQuery, "priority");
  }
  if (auto v = req.Query("tenant")) {
    auto t = s.identity.tenants().GetByCode(std::string(*v));
    // A tenant the caller does not reach lists nothing, like one that does not exist.
    if (!t.ok() || !req.principal.Reaches("requests.read", t->id))
      return JsonResponse(200, {{"requests", json::array()}});
    f.tenant_id = t->id;
  }
  if (auto v = req.Query("mine"); v && (*v == "true" || *v == "1")) {
    if (req.principal.user_id == 0) return Invalid(kBadQuery, "mine");
    f.holder = req.principal.user_id;
  }
  if (auto v = req.Query("limit")) {
    auto n = base::ParseInt(*v);
    if (!n || *n < 1 || *n > 1000) return Invalid(kBadQuery, "limit");
    f.limit = static_cast<uint32_t>(*n);
  }
  if (auto v = req.Query("offset")) {
    auto n = base::ParseInt(*v);
    if (!n || *n < 0 || *n > 1000000) return Invalid(kBadQuery, "offset");
    f.offset = static_cast<uint32_t>(*n);
  }
  DOKUEI_ASSIGN_OR_RETURN(const auto list, wf->requests().List(ActorOf(req), f));
  TenantCodes codes(s);
  json arr = json::array();
  for (const ReadingRequest& r : list) {
    if (!req.principal.Reaches("requests.read", r.tenant_id)) continue;
    arr.push_back(RequestJson(r, codes.Of(r.tenant_id), req.lang));
  }
  return JsonResponse(200, {{"requests", arr}});
}

base::Result<http::Response> CreateRequest(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(workflow::Workflow * wf, WorkflowOf(s));
  std::vector<std::string_view> fields(std::begin(kDetailFields), std::end(kDetailFields));
  fields.insert(fields.end(), {"tenant", "study_uid", "source", "accession_number",
                               "placer_order_number", "filler_order_number", "patient_id"});
  DOKUEI_ASSIGN_OR_RETURN(const json body,
                          ParseObject(req, std::span<const std::string_view>(fields)));
  std::optional<std::string> tenant, study, source, accession, placer, filler, patient;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "tenant", &tenant));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "study_uid", &study));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "source", &source));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "accession_number", &accession));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "placer_order_number", &placer));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "filler_order_number", &filler));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "patient_id", &patient));
  // The study UID, or the accession number the arriving study will be matched by.
  if (!study && !accession) return Invalid(kRequired, "study_uid");
  workflow::NewRequest nr;
  nr.study_uid = study.value_or("");
  nr.order.accession_number = accession.value_or("");
  nr.order.placer_order_number = placer.value_or("");
  nr.order.filler_order_number = filler.value_or("");
  nr.order.patient_id = patient.value_or("");
  nr.tenant_id = req.principal.tenant_id;
  if (tenant) {
    auto t = s.identity.tenants().GetByCode(*tenant);
    if (!t.ok() || !req.principal.Reaches("requests.create", t->id))
      return NotFound(kTenantNotFound);
    nr.tenant_id = t->id;
  } else if (!req.principal.Reaches("requests.create", nr.tenant_id)) {
    return Invalid(kRequired, "tenant");
  }
  if (source) {
    if (*source != "api" && *source != "portal") return Invalid(kBadType, "source");
    nr.source = *source;
  }
  DOKUEI_RETURN_IF_ERROR(ReadDetails(body, nr.details));
  auto r = wf->requests().Create(ActorOf(req), nr);
  if (!r.ok()) {
    if (r.status().code() == base::Code::kNotFound) return NotFound(kTenantNotFound);
    return r.status();
  }
  return Answer(s, req, 201, *r);
}

base::Result<http::Response> GetRequest(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, RequestId(req));
  DOKUEI_ASSIGN_OR_RETURN(const ReadingRequest r, Visible(s, req, id));
  return Answer(s, req, 200, r);
}

base::Result<http::Response> PatchRequest(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, RequestId(req));
  DOKUEI_ASSIGN_OR_RETURN(const ReadingRequest current, Visible(s, req, id));
  if (!req.principal.Reaches("requests.create", current.tenant_id))
    return NotFound(kRequestNotFound);
  std::vector<std::string_view> fields(std::begin(kDetailFields), std::end(kDetailFields));
  fields.insert(fields.end(), {"version", "reason"});
  DOKUEI_ASSIGN_OR_RETURN(const json body, BodyOrEmpty(req, fields));
  workflow::TransitionOptions o;
  DOKUEI_RETURN_IF_ERROR(ExpectedVersion(req, body, o));
  RequestDetails d = current.details;
  DOKUEI_RETURN_IF_ERROR(ReadDetails(body, d));
  auto r = s.workflow->requests().UpdateDetails(ActorOf(req), id, d, o);
  if (!r.ok()) return SameNotFound(r.status());
  return Answer(s, req, 200, *r);
}

// Transitions and claims answer refusals with the transitions the caller may make now.
base::Result<http::Response> Refusal(Services& s, const http::Request& req, int64_t id,
                                     const base::Status& st) {
  if (st.code() != base::Code::kFailedPrecondition && st.code() != base::Code::kPermissionDenied &&
      st.code() != base::Code::kConflict)
    return SameNotFound(st);
  json allowed = json::array();
  auto a = s.workflow->requests().Allowed(ActorOf(req), id);
  if (!a.ok()) return SameNotFound(a.status());  // no longer visible (another reader's now)
  for (State x : *a) allowed.push_back(workflow::StateName(x));
  return WorkflowProblem(st, req.lang, &allowed);
}

base::Result<http::Response> PostTransition(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, RequestId(req));
  // Visibility first: another hospital's request is 404 whatever the body says.
  DOKUEI_RETURN_IF_ERROR(Visible(s, req, id).status());
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, {"to", "reason", "version"}));
  std::optional<std::string> to_name;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "to", &to_name));
  if (!to_name) return Invalid(kRequired, "to");
  const auto to = workflow::StateFromName(*to_name);
  if (!to) return Invalid(kBadType, "to");
  workflow::TransitionOptions o;
  DOKUEI_RETURN_IF_ERROR(ExpectedVersion(req, body, o));
  auto r = s.workflow->requests().Transition(ActorOf(req), id, *to, o);
  if (!r.ok()) return Refusal(s, req, id, r.status());
  return Answer(s, req, 200, *r);
}

base::Result<http::Response> Claim(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, RequestId(req));
  DOKUEI_RETURN_IF_ERROR(Visible(s, req, id).status());
  DOKUEI_ASSIGN_OR_RETURN(const json body, BodyOrEmpty(req, {"reason", "version"}));
  workflow::TransitionOptions o;
  DOKUEI_RETURN_IF_ERROR(ExpectedVersion(req, body, o));
  auto r = s.workflow->requests().Transition(ActorOf(req), id, State::kAssigned, o);
  if (!r.ok()) return Refusal(s, req, id, r.status());
  return Answer(s, req, 200, *r);
}

base::Result<http::Response> Assign(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, RequestId(req));
  DOKUEI_RETURN_IF_ERROR(Visible(s, req, id).status());
  DOKUEI_ASSIGN_OR_RETURN(const json body,
                          ParseObject(req, {"reader_id", "slot", "reason", "version"}));
  std::optional<int64_t> reader;
  std::optional<std::string> slot_name;
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "reader_id", 1, INT64_MAX, &reader));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "slot", &slot_name));
  if (!reader) return Invalid(kRequired, "reader_id");
  workflow::Slot slot = workflow::Slot::kReader;
  if (slot_name && *slot_name == "second_reader") {
    slot = workflow::Slot::kSecondReader;
  } else if (slot_name && *slot_name == "checker") {
    slot = workflow::Slot::kChecker;
  } else if (slot_name && *slot_name != "reader") {
    return Invalid(kBadType, "slot");
  }
  workflow::TransitionOptions o;
  DOKUEI_RETURN_IF_ERROR(ExpectedVersion(req, body, o));
  auto r = s.workflow->requests().Assign(ActorOf(req), id, slot, *reader, o);
  if (!r.ok()) return SameNotFound(r.status());
  return Answer(s, req, 200, *r);
}

base::Result<http::Response> History(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, RequestId(req));
  DOKUEI_RETURN_IF_ERROR(Visible(s, req, id).status());
  auto h = s.workflow->requests().History(ActorOf(req), id);
  if (!h.ok()) return SameNotFound(h.status());
  json arr = json::array();
  for (const workflow::HistoryEntry& e : *h)
    arr.push_back({{"at", base::FormatIso8601(e.at)},
                   {"action", e.action},
                   {"from", workflow::StateName(e.from)},
                   {"to", workflow::StateName(e.to)},
                   {"actor", e.actor},
                   {"actor_user_id", e.actor_user_id},
                   {"reason", e.reason}});
  return JsonResponse(200, {{"request_id", id}, {"history", arr}});
}

}  // namespace

namespace internal {

base::Status RegisterRequestRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return WorkflowLocalized([&s, fn](http::Request& req) { return fn(s, req); });
  };
  return AddRoutes(
      routes, "Workflow",
      {
          {"GET", "/api/requests", "requests.read",
           "読影依頼の一覧 (state, priority, tenant, mine=true で絞り込み)",
           "List reading requests (filters: state, priority, tenant, mine=true)", h(ListRequests)},
          {"POST", "/api/requests", "requests.create",
           "読影依頼を作成 "
           "(依頼コメント・症状と左右・部位・モダリティ・優先度・希望返却時刻・比較検査・添付)",
           "Create a reading request (clinical question, symptoms and side, region, modality, "
           "priority, desired return time, priors, attachments)",
           h(CreateRequest)},
          {"GET", "/api/requests/{id}", "requests.read", "読影依頼の詳細 (可能な状態変更つき)",
           "Get a reading request (with the transitions the caller may make)", h(GetRequest)},
          {"PATCH", "/api/requests/{id}", "requests.create", "読影依頼の内容を補足・訂正",
           "Complete or correct a reading request's details", h(PatchRequest)},
          {"POST", "/api/requests/{id}/transitions", "requests.transition",
           "読影依頼の状態を変更 (不可のとき 409 と可能な変更)",
           "Move a reading request to another state (409 with the allowed ones when invalid)",
           h(PostTransition)},
          {"POST", "/api/requests/{id}/claim", "requests.claim", "読影依頼をプールから引き受ける",
           "Claim a reading request from the pool", h(Claim)},
          {"POST", "/api/requests/{id}/assign", "requests.manage",
           "読影医・二次読影医・校閲者を割り当てる (変更も)",
           "Assign or reassign the reader, second reader or checker", h(Assign)},
          {"GET", "/api/requests/{id}/history", "requests.read", "読影依頼の履歴",
           "A reading request's history", h(History)},
      });
}

}  // namespace internal

base::Status RegisterWorkflowRoutes(http::RouteTable& routes, Services& services) {
  DOKUEI_RETURN_IF_ERROR(internal::RegisterRequestRoutes(routes, services));
  DOKUEI_RETURN_IF_ERROR(internal::RegisterFhirRoutes(routes, services));
  return internal::RegisterWorkflowAdminRoutes(routes, services);
}

}  // namespace dokuei::api
