// Reports (読影レポート) under /api, tag "Reports": the report library (src/report) over HTTP.
//
//   GET  /api/requests/{id}/report                          requests.read
//        content, versions, critical results, reviews (reading centre)
//   PUT  /api/requests/{id}/report/draft                    requests.transition
//        {"content", "expected_number"}
//   POST /api/requests/{id}/report/sign                     requests.transition
//        {"kind": "final"|"preliminary"}
//   POST /api/requests/{id}/report/addendum                 requests.transition
//        {"content", "reason"}
//   POST /api/requests/{id}/report/review                   requests.transition
//        RADPEER {"score", "mode", "comment", "content", "return"}
//   POST /api/requests/{id}/report/reviews/{review}/resolution   requests.transition
//        {"resolution": "first_upheld"|"amended"|"second_overruled", "note", "version_id"}
//   POST /api/requests/{id}/report/check                    requests.transition
//        {"approve", "comments"}
//   POST /api/requests/{id}/report/critical                 requests.transition
//        {"category", "finding"}
//   POST /api/requests/{id}/report/critical/ack             requests.transition
//        {"critical_id", "person", "note"}
//   GET  /api/requests/{id}/report/questions                requests.read   follow-up threads
//   POST /api/requests/{id}/report/questions                requests.transition
//        ask, or answer / reply
//   GET  /api/readers/{user}/stats                          requests.read   per-reader statistics
//   (the caller's queues across requests are in report_queue_routes.cc)
//   (spine_routes.cc: POST .../report/checks, GET .../report/rsna-grid;
//    publish_routes.cc: GET .../report/versions/{n}/pdf and /document)
//
// Signing a draft that names a spine template runs the pre-sign checks first: errors, or
// warnings without "override": {"reason"}, answer 422 with every check listed (ja and en);
// sign and addendum bodies take "override": {"reason"}.
//
// A visible request without a report (or, for its hospital, without a released version) answers
// GET .../report with empty versions and GET .../questions with an empty list; a reader asking
// for another reader's statistics gets an empty list (the library shows readers their own only).
//
// The existing requests.* permissions fit (reading a report is reading the request; every
// change is an act on the request that the library and the state machine authorise by the
// request's roles), so identity's table is unchanged.
//
// Workflow coupling. The report library does not move the workflow's state machine and the two
// modules commit in separate transactions, so one handler calls both, in this order:
//   1. the workflow's Allowed() must contain the target state (refused before anything is
//      written: 409 with the allowed transitions);
//   2. the report change (a signature is immutable: it cannot be rolled back afterwards);
//   3. the workflow transition.
// If step 3 fails after step 2 (a concurrent change between 1 and 3), the report is signed and the
// request still waits in its previous state: the answer is a 409 saying so, and repeating the same
// POST completes the transition without signing again (the handler sees the signed version and
// only moves the request). Nothing is ever half-written inside one module, and the pair converges
// by an idempotent retry instead of a compensation that the state machine would forbid. Every
// route that moves the request converges this way: sign (the last final signed and not returned),
// addendum (the request already in `addendum`: an addendum with the same content and reason is
// the one signed before; the request in `addendum` without it: it is signed now), review (this
// reader's review of the last signed version exists) and check (a decision on it exists) only
// move the request, to the state the recorded decision names.
#include <algorithm>

#include "dokuei/report/content.h"
#include "dokuei/report/report.h"
#include "report_util.h"
#include "workflow_util.h"

namespace dokuei::api {


namespace {

using namespace internal;  // NOLINT: the helpers of this module's route files
using workflow::State;

inline constexpr ApiMessage kSignedNotMoved = {
    "the report was signed but the request could not move on; repeat the request",
    "レポートは署名されましたが依頼の状態を進められませんでした。もう一度実行してください"};

// Refusal with the transitions the caller may make now.
http::Response Refused(Services& s, const http::Request& req, int64_t id, const base::Status& st) {
  json allowed = json::array();
  if (auto a = s.workflow->requests().Allowed(ActorOf(req), id); a.ok())
    for (State x : *a) allowed.push_back(workflow::StateName(x));
  return WorkflowProblem(st, req.lang, &allowed);
}

// Step 3 of the coupling: moves the request, or 409 "signed but not moved" (retry completes it).
base::Result<http::Response> MoveAfter(Services& s, const http::Request& req, int64_t id, State to,
                                       const json& answer) {
  auto moved = s.workflow->requests().Transition(ActorOf(req), id, to, {});
  if (!moved.ok())
    return base::Status(base::Code::kConflict,
                        std::string(req.lang == "en" ? kSignedNotMoved.en : kSignedNotMoved.ja));
  json out = answer;
  out["request_state"] = workflow::StateName(moved->state);
  return JsonResponse(200, out);
}

// ---- routes ---------------------------------------------------------------------------------

base::Result<http::Response> GetReport(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  // No report yet (or none released to a hospital): the request exists, its report is empty.
  auto found = s.reports->reports().ForRequest(ActorOf(req), rq.id);
  if (!found.ok() && found.status().code() == base::Code::kNotFound)
    return JsonResponse(200, {{"id", nullptr},
                              {"request_id", rq.id},
                              {"study_uid", rq.study_uid},
                              {"current", nullptr},
                              {"versions", json::array()}});
  DOKUEI_RETURN_IF_ERROR(found.status());
  const report::Report& rep = *found;
  json j = ReportJson(rep);
  if (auto c = s.reports->critical().ForReport(ActorOf(req), rep.id); c.ok()) {
    json arr = json::array();
    for (const auto& x : *c) arr.push_back(CriticalJson(x));
    j["critical_results"] = arr;
  }
  // Peer reviews: the reading centre only (the library refuses hospital staff).
  if (auto rv = s.reports->quality().Reviews(ActorOf(req), rep.id); rv.ok()) {
    json arr = json::array();
    for (const auto& x : *rv) arr.push_back(ReviewJson(x));
    j["reviews"] = arr;
  }
  return JsonResponse(200, j);
}

base::Result<http::Response> PutDraft(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  // A signed final is never overwritten: outside reading (and the addendum state) a draft is
  // refused with 409 and the allowed transitions (an addendum goes through .../addendum).
  if (rq.state != State::kAssigned && rq.state != State::kReading && rq.state != State::kAddendum)
    return Refused(s, req, rq.id,
                   base::Status(base::Code::kFailedPrecondition,
                                "the report cannot be changed in this state"));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, {"content", "expected_number"}));
  if (!body.contains("content") || !body["content"].is_object())
    return Invalid(kRequired, "content");
  std::optional<int64_t> expected;
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "expected_number", 1, 1000000, &expected));
  report::DraftInput in(body["content"].dump());
  if (expected) in.expected_number = static_cast<int>(*expected);
  DOKUEI_ASSIGN_OR_RETURN(const auto v, s.reports->reports().SaveDraft(ActorOf(req), rq.id, in));
  return JsonResponse(200, VersionJson(v));
}

// "override": {"reason": "..."} of a sign or addendum body ("" when absent).
base::Result<std::string> OverrideReason(const json& body) {
  const auto it = body.find("override");
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_object() || it->size() != 1 || !it->contains("reason") ||
      !(*it)["reason"].is_string() || (*it)["reason"].get<std::string>().empty())
    return Invalid(kRequired, "override.reason");
  return (*it)["reason"].get<std::string>();
}

// The pre-sign checks of the current draft: a 422 listing them when signing would be refused
// (errors, or warnings without an override). The library runs them again inside its signing
// transaction, so a draft changed in between cannot slip through.
std::optional<http::Response> Gate(Services& s, const http::Request& req, int64_t report_id,
                                   const std::string& override_reason) {
  auto checks = s.reports->reports().Checks(ActorOf(req), report_id);
  if (!checks.ok()) return std::nullopt;  // Sign itself answers (not the reader, no draft)
  if (checks->Blocked() || (!checks->warnings.empty() && override_reason.empty()))
    return ChecksProblem(*checks, req.lang);
  return std::nullopt;
}

base::Result<http::Response> Sign(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const json body, BodyOrEmptyObject(req, {"kind", "override"}));
  std::optional<std::string> kind;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "kind", &kind));
  DOKUEI_ASSIGN_OR_RETURN(const std::string override_reason, OverrideReason(body));
  const bool final = !kind || *kind == "final";
  if (kind && *kind != "final" && *kind != "preliminary") return Invalid(kBadType, "kind");
  auto found = ReportOf(s, req, rq.id);
  if (!found.ok() && found.status().code() == base::Code::kNotFound)
    return Refused(s, req, rq.id,
                   base::Status(base::Code::kFailedPrecondition, "there is no draft to sign"));
  DOKUEI_RETURN_IF_ERROR(found.status());
  const report::Report& rep = *found;
  DOKUEI_ASSIGN_OR_RETURN(const auto allowed, s.workflow->requests().Allowed(ActorOf(req), rq.id));
  if (!final) {  // a preliminary report is released at once; the request keeps reading
    if (auto refused = Gate(s, req, rep.id, override_reason)) return std::move(*refused);
    report::SignInput in;
    in.final = false;
    in.override_reason = override_reason;
    DOKUEI_ASSIGN_OR_RETURN(const auto v, s.reports->reports().Sign(ActorOf(req), rep.id, in));
    return JsonResponse(200, VersionJson(v));
  }
  // The contract's gates, as the state machine sees them for this reader now.
  State to = State::kFinal;
  if (Contains(allowed, State::kSecondRead)) {
    to = State::kSecondRead;
  } else if (Contains(allowed, State::kCheck)) {
    to = State::kCheck;
  } else if (!Contains(allowed, State::kFinal)) {
    return Refused(
        s, req, rq.id,
        base::Status(base::Code::kFailedPrecondition, "the request cannot be signed now"));
  }
  const bool has_draft = !rep.versions.empty() && !rep.versions.back().signed_;
  const report::Version* last = LastSigned(rep);
  if (!has_draft && last != nullptr && last->kind == report::VersionKind::kFinal &&
      last->release != report::Release::kReturned) {
    // A retry after step 3 failed: the signature exists, only move the request.
    return MoveAfter(s, req, rq.id, to, VersionJson(*last));
  }
  if (auto refused = Gate(s, req, rep.id, override_reason)) return std::move(*refused);
  auto contract = s.workflow->contracts().Get(rq.tenant_id);
  report::SignInput in;
  in.final = true;
  in.double_reading = to == State::kSecondRead;
  in.check_required = to == State::kCheck || (contract.ok() && contract->check_required);
  in.override_reason = override_reason;
  DOKUEI_ASSIGN_OR_RETURN(const auto v, s.reports->reports().Sign(ActorOf(req), rep.id, in));
  return MoveAfter(s, req, rq.id, to, VersionJson(v));
}

base::Result<http::Response> Addendum(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, {"content", "reason", "override"}));
  std::optional<std::string> reason;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "reason", &reason));
  DOKUEI_ASSIGN_OR_RETURN(const std::string override_reason, OverrideReason(body));
  if (!reason || reason->empty()) return Invalid(kRequired, "reason");
  if (!body.contains("content") || !body["content"].is_object())
    return Invalid(kRequired, "content");
  const auto actor = ActorOf(req);
  if (rq.state != State::kAddendum) {  // final/delivered -> addendum (the state machine decides)
    auto a = s.workflow->requests().Transition(actor, rq.id, State::kAddendum, {});
    if (!a.ok()) return Refused(s, req, rq.id, a.status());
  } else if (auto rep = ReportOf(s, req, rq.id); rep.ok()) {
    // A retry after the addendum was signed but the request stayed in `addendum`: the same
    // content and reason are that signature; only the request moves.
    const report::Version* last = LastSigned(*rep);
    auto canonical = report::ValidateContent(body["content"].dump(), report::FrameCheck::kDraft);
    if (last != nullptr && last->kind == report::VersionKind::kAddendum && canonical.ok() &&
        last->content == *canonical && last->reason == *reason) {
      return MoveAfter(s, req, rq.id, State::kFinal, VersionJson(*last));
    }
  }
  DOKUEI_ASSIGN_OR_RETURN(
      const auto d,
      s.reports->reports().SaveDraft(actor, rq.id, report::DraftInput(body["content"].dump())));
  if (auto refused = Gate(s, req, d.report_id, override_reason)) return std::move(*refused);
  report::SignInput in;
  in.reason = *reason;
  in.override_reason = override_reason;
  DOKUEI_ASSIGN_OR_RETURN(const auto v, s.reports->reports().Sign(actor, d.report_id, in));
  return MoveAfter(s, req, rq.id, State::kFinal, VersionJson(v));
}

base::Result<http::Response> Review(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const json body,
                          ParseObject(req, {"score", "mode", "comment", "content", "return"}));
  std::optional<std::string> score, mode, comment;
  std::optional<bool> ret;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "score", &score));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "mode", &mode));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "comment", &comment));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "return", &ret));
  if (!score) return Invalid(kRequired, "score");
  report::ReviewInput in;
  auto sc = report::RadpeerFromName(*score);
  if (!sc) return Invalid(kBadType, "score");
  in.score = *sc;
  if (mode) {
    auto m = report::ReviewModeFromName(*mode);
    if (!m) return Invalid(kBadType, "mode");
    in.mode = *m;
  }
  if (comment) in.comment = *comment;
  if (body.contains("content")) {
    if (!body["content"].is_object()) return Invalid(kBadType, "content");
    in.content = body["content"].dump();
  }
  in.return_to_reader = ret.value_or(false);
  DOKUEI_ASSIGN_OR_RETURN(const auto rep, ReportOf(s, req, rq.id));
  const report::Version* last = LastSigned(rep);
  if (last == nullptr) return NotFound(kReportNotFound);
  State to = State::kReading;
  if (rq.state == State::kSecondRead && !in.return_to_reader) {
    DOKUEI_ASSIGN_OR_RETURN(const auto allowed,
                            s.workflow->requests().Allowed(ActorOf(req), rq.id));
    to = Contains(allowed, State::kCheck) ? State::kCheck : State::kFinal;
  }
  if (rq.state == State::kSecondRead) {
    // A retry after the review was recorded but the request did not move: only move it, to
    // where the recorded review sends it.
    DOKUEI_ASSIGN_OR_RETURN(const auto done, s.reports->quality().Reviews(ActorOf(req), rep.id));
    for (const auto& p : done) {
      if (p.version_id != last->id || p.reviewer_id != ActorOf(req).user_id) continue;
      return MoveAfter(s, req, rq.id, p.returned ? State::kReading : to, ReviewJson(p));
    }
  }
  DOKUEI_ASSIGN_OR_RETURN(const auto p, s.reports->quality().Review(ActorOf(req), last->id, in));
  if (rq.state != State::kSecondRead) return JsonResponse(200, ReviewJson(p));  // retrospective
  return MoveAfter(s, req, rq.id, to, ReviewJson(p));
}

// Records once how a discrepancy ended: the first report upheld, amended (naming the later signed
// version, usually an addendum) or the second reader overruled. The review must be of this
// request's report; the library decides who may (the two readers or a coordinator).
base::Result<http::Response> Resolve(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const int64_t review_id, PathId(req, "review", kReviewNotFound));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, {"resolution", "note", "version_id"}));
  std::optional<std::string> resolution, note;
  std::optional<int64_t> version;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "resolution", &resolution));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "note", &note));
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "version_id", 1, INT64_MAX, &version));
  if (!resolution) return Invalid(kRequired, "resolution");
  auto r = report::ResolutionFromName(*resolution);
  if (!r || *r == report::Resolution::kNone) return Invalid(kBadType, "resolution");
  if (*r == report::Resolution::kAmended && !version) return Invalid(kRequired, "version_id");
  DOKUEI_ASSIGN_OR_RETURN(const auto rep, ReportOf(s, req, rq.id));
  auto reviews = s.reports->quality().Reviews(ActorOf(req), rep.id);
  if (!reviews.ok() && reviews.status().code() == base::Code::kPermissionDenied)
    return NotFound(kReviewNotFound);
  DOKUEI_RETURN_IF_ERROR(reviews.status());
  if (std::none_of(reviews->begin(), reviews->end(),
                   [&](const auto& p) { return p.id == review_id; }))
    return NotFound(kReviewNotFound);
  report::ResolveInput in;
  in.resolution = *r;
  in.note = note.value_or("");
  in.version_id = version.value_or(0);
  DOKUEI_ASSIGN_OR_RETURN(const auto p, s.reports->quality().Resolve(ActorOf(req), review_id, in));
  return JsonResponse(200, ReviewJson(p));
}

base::Result<http::Response> Check(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, {"approve", "comments"}));
  std::optional<bool> approve;
  std::optional<std::string> comments;
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "approve", &approve));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "comments", &comments));
  if (!approve) return Invalid(kRequired, "approve");
  if (rq.state != State::kCheck)
    return Refused(s, req, rq.id,
                   base::Status(base::Code::kFailedPrecondition, "the request is not in check"));
  DOKUEI_ASSIGN_OR_RETURN(const auto rep, ReportOf(s, req, rq.id));
  const report::Version* last = LastSigned(rep);
  if (last == nullptr) return NotFound(kReportNotFound);
  auto check_json = [](const report::CheckRecord& c) {
    return json{{"id", c.id},
                {"version_id", c.version_id},
                {"approved", c.approved},
                {"comments", c.comments},
                {"at", base::FormatIso8601(c.at)}};
  };
  // A retry after the decision was recorded but the request did not move: only move it, as the
  // recorded decision says (one decision per version).
  DOKUEI_ASSIGN_OR_RETURN(const auto done, s.reports->quality().Checks(ActorOf(req), rep.id));
  for (const auto& c : done) {
    if (c.version_id != last->id) continue;
    return MoveAfter(s, req, rq.id, c.approved ? State::kFinal : State::kReading, check_json(c));
  }
  report::CheckInput ci;
  ci.approve = *approve;
  ci.comments = comments.value_or("");
  DOKUEI_ASSIGN_OR_RETURN(const auto c, s.reports->quality().Check(ActorOf(req), last->id, ci));
  return MoveAfter(s, req, rq.id, *approve ? State::kFinal : State::kReading, check_json(c));
}

base::Result<http::Response> RecordCritical(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, {"category", "finding"}));
  std::optional<int64_t> cat;
  std::optional<std::string> finding;
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "category", 1, 3, &cat));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "finding", &finding));
  if (!cat) return Invalid(kRequired, "category");
  if (!finding) return Invalid(kRequired, "finding");
  DOKUEI_ASSIGN_OR_RETURN(const auto rep, ReportOf(s, req, rq.id));
  DOKUEI_ASSIGN_OR_RETURN(
      const auto c, s.reports->critical().Record(
                        ActorOf(req), rep.id,
                        {static_cast<report::CriticalCategory>(static_cast<int>(*cat)), *finding}));
  return JsonResponse(201, CriticalJson(c));
}

base::Result<http::Response> AckCritical(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, {"critical_id", "person", "note"}));
  std::optional<int64_t> id;
  std::optional<std::string> person, note;
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "critical_id", 1, INT64_MAX, &id));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "person", &person));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "note", &note));
  if (!id) return Invalid(kRequired, "critical_id");
  // The critical result must belong to this request's report. The hospital acknowledges before
  // any version is released to it, so the match is made as the system (the caller already sees
  // the request; the library checks who may acknowledge).
  const auto sys = workflow::Actor::System();
  auto rep = s.reports->reports().ForRequest(sys, rq.id);
  if (!rep.ok()) return NotFound(kReportNotFound);
  DOKUEI_ASSIGN_OR_RETURN(const auto list, s.reports->critical().ForReport(sys, rep->id));
  if (std::none_of(list.begin(), list.end(), [&](const auto& c) { return c.id == *id; }))
    return NotFound(kReportNotFound);
  DOKUEI_ASSIGN_OR_RETURN(
      const auto c, s.reports->critical().Acknowledge(ActorOf(req), *id,
                                                      {person.value_or(""), note.value_or("")}));
  return JsonResponse(200, CriticalJson(c));
}

base::Result<http::Response> Questions(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  auto rep = s.reports->reports().ForRequest(ActorOf(req), rq.id);
  if (!rep.ok() && rep.status().code() == base::Code::kNotFound)
    return JsonResponse(200, {{"questions", json::array()}});
  DOKUEI_RETURN_IF_ERROR(rep.status());
  DOKUEI_ASSIGN_OR_RETURN(const auto list, s.reports->followups().Thread(ActorOf(req), rep->id));
  json arr = json::array();
  for (const auto& q : list) arr.push_back(QuestionJson(q));
  return JsonResponse(200, {{"questions", arr}});
}

// {"text"}: a new question (hospital staff); {"question_id", "text", "addendum_version_id"}: an
// answer or a reply in that thread.
base::Result<http::Response> PostQuestion(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const json body,
                          ParseObject(req, {"text", "question_id", "addendum_version_id"}));
  std::optional<std::string> text;
  std::optional<int64_t> qid, addendum;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "text", &text));
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "question_id", 1, INT64_MAX, &qid));
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "addendum_version_id", 1, INT64_MAX, &addendum));
  if (!text) return Invalid(kRequired, "text");
  DOKUEI_ASSIGN_OR_RETURN(const auto rep, ReportOf(s, req, rq.id));
  if (!qid) {
    DOKUEI_ASSIGN_OR_RETURN(const auto q, s.reports->followups().Ask(ActorOf(req), rep.id, *text));
    return JsonResponse(201, QuestionJson(q));
  }
  DOKUEI_ASSIGN_OR_RETURN(const auto thread, s.reports->followups().Thread(ActorOf(req), rep.id));
  if (std::none_of(thread.begin(), thread.end(), [&](const auto& q) { return q.id == *qid; }))
    return NotFound(kReportNotFound);
  DOKUEI_ASSIGN_OR_RETURN(
      const auto m, s.reports->followups().Post(ActorOf(req), *qid, *text, addendum.value_or(0)));
  return JsonResponse(201, {{"id", m.id},
                            {"question_id", m.question_id},
                            {"text", m.text},
                            {"author_login", m.author_login},
                            {"at", base::FormatIso8601(m.at)}});
}

base::Result<http::Response> Stats(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const int64_t user, PathId(req, "user", kUserNotFound));
  report::StatsQuery q;
  q.reader_id = user;
  q.to = s.clock.Now() + std::chrono::hours(24);
  q.from = q.to - std::chrono::hours(24 * 365);
  for (auto [name, out] : {std::pair{"from", &q.from}, std::pair{"to", &q.to}}) {
    if (auto v = req.Query(name)) {
      auto t = base::ParseIso8601(*v);
      if (!t) return Invalid(kBadQuery, name);
      *out = *t;
    }
  }
  auto st = s.reports->quality().Stats(ActorOf(req), q);
  if (!st.ok()) {
    // A reader sees their own statistics only: another reader's list is empty, as a list
    // filtered to what the caller may see.
    if (st.status().code() == base::Code::kPermissionDenied)
      return JsonResponse(200, {{"from", base::FormatIso8601(q.from)},
                                {"to", base::FormatIso8601(q.to)},
                                {"stats", json::array()}});
    return st.status();
  }
  json arr = json::array();
  for (const auto& r : *st) {
    arr.push_back({{"reader_id", r.reader_id},
                   {"reports", r.reports},
                   {"addenda", r.addenda},
                   {"turnaround_count", r.turnaround_count},
                   {"turnaround_mean_s", r.turnaround_mean_s},
                   {"turnaround_median_s", r.turnaround_median_s},
                   {"turnaround_p90_s", r.turnaround_p90_s},
                   {"reviewed", r.reviewed},
                   {"radpeer",
                    {{"1", r.score_counts[0]},
                     {"2a", r.score_counts[1]},
                     {"2b", r.score_counts[2]},
                     {"3a", r.score_counts[3]},
                     {"3b", r.score_counts[4]}}},
                   {"discrepancy_rate", r.discrepancy_rate},
                   {"significant_rate", r.significant_rate},
                   {"reviews_given", r.reviews_given},
                   {"checks_returned", r.checks_returned}});
  }
  return JsonResponse(
      200,
      {{"from", base::FormatIso8601(q.from)}, {"to", base::FormatIso8601(q.to)}, {"stats", arr}});
}

}  // namespace

base::Status RegisterReportRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return WorkflowLocalized([&s, fn](http::Request& req) { return fn(s, req); });
  };
  const base::Status added = AddRoutes(
      routes, "Reports",
      {
          {"GET", "/api/requests/{id}/report", "requests.read",
           "読影レポート (現在の内容と版の一覧。病院側は公開済みの版のみ)",
           "A request's report (current content and versions; hospitals see released ones)",
           h(GetReport)},
          {"PUT", "/api/requests/{id}/report/draft", "requests.transition",
           "レポートの下書きを保存 (担当読影医)", "Save the report draft (the assigned reader)",
           h(PutDraft)},
          {"POST", "/api/requests/{id}/report/sign", "requests.transition",
           "レポートに署名 (速報または確定。署名前チェックの警告は理由付きで上書き)",
           "Sign the report (preliminary or final; pre-sign warnings need an override with a "
           "reason)",
           h(Sign)},
          {"POST", "/api/requests/{id}/report/addendum", "requests.transition",
           "確定レポートへの追記に署名 (理由必須)",
           "Sign an addendum to the final report (reason required)", h(Addendum)},
          {"POST", "/api/requests/{id}/report/review", "requests.transition",
           "二次読影の評価 (RADPEER)", "Second reader's review (RADPEER score)", h(Review)},
          {"POST", "/api/requests/{id}/report/reviews/{review}/resolution", "requests.transition",
           "二次読影で生じた不一致の結論を記録 (一次読影を支持・追記で修正・二次読影を不採用)",
           "Resolve a double-reading discrepancy (first upheld, amended, second overruled)",
           h(Resolve)},
          {"POST", "/api/requests/{id}/report/check", "requests.transition",
           "レポートの校閲 (承認または差し戻し)", "Check the report (approve or return)", h(Check)},
          {"POST", "/api/requests/{id}/report/critical", "requests.transition",
           "緊急所見を記録して病院へ通知", "Record a critical result and notify the hospital",
           h(RecordCritical)},
          {"POST", "/api/requests/{id}/report/critical/ack", "requests.transition",
           "緊急所見の受領を記録", "Acknowledge a critical result", h(AckCritical)},
          {"GET", "/api/requests/{id}/report/questions", "requests.read",
           "アフターフォローの質問と回答", "Follow-up questions and answers", h(Questions)},
          {"POST", "/api/requests/{id}/report/questions", "requests.transition",
           "アフターフォローの質問・回答・返信を投稿",
           "Ask a follow-up question, or answer or reply in a thread", h(PostQuestion)},
          {"GET", "/api/readers/{user}/stats", "requests.read",
           "読影医ごとの統計 (件数・所要時間・RADPEER 不一致率)",
           "Per-reader statistics (volume, turnaround, RADPEER discrepancy rates)", h(Stats)},
      });
  if (!added.ok()) return added;
  DOKUEI_RETURN_IF_ERROR(RegisterReportQueueRoutes(routes, s));
  DOKUEI_RETURN_IF_ERROR(RegisterWebhookRoutes(routes, s));
  DOKUEI_RETURN_IF_ERROR(RegisterSpineRoutes(routes, s));
  return RegisterPublishRoutes(routes, s);
}

}  // namespace dokuei::api
