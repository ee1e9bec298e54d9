// Structured spine reports under /api, tag "Reports" (docs/design/spine-reporting.md):
//
//   POST /api/requests/{id}/report/checks     requests.transition  the pre-sign checks of the
//                                                                  current draft (the reader)
//   GET  /api/requests/{id}/report/rsna-grid  requests.read        the RSNA 2024 lumbar grid of
//                                                                  the latest version the caller
//                                                                  sees (a lumbar MRI report)
//
// The checks are what signing will run (the UI shows them before the reader signs); reading the
// grid is reading the report, so hospitals get it from released versions only.
#include "dokuei/http/problem.h"
#include "dokuei/spine/validate.h"
#include "report_util.h"

namespace dokuei::api {
namespace internal {

json ChecksJson(const spine::CheckResult& r) {
  auto list = [](const std::vector<spine::CheckItem>& items) {
    json out = json::array();
    for (const spine::CheckItem& i : items)
      out.push_back({{"id", i.id},
                     {"field", i.field},
                     {"message", {{"ja", i.message.ja}, {"en", i.message.en}}}});
    return out;
  };
  return {{"errors", list(r.errors)},
          {"warnings", list(r.warnings)},
          {"can_sign", !r.Blocked()},
          {"override_required", !r.Blocked() && !r.warnings.empty()}};
}

http::Response ChecksProblem(const spine::CheckResult& r, std::string_view lang) {
  const bool en = lang == "en";
  json body = ChecksJson(r);
  body["type"] = std::string(http::kProblemTypeBase) + "pre-sign-checks";
  body["status"] = 422;
  if (r.Blocked()) {
    body["title"] =
        en ? "The report fails its pre-sign checks" : "署名前チェックでエラーがあります";
    body["detail"] = en ? "Correct the listed fields before signing."
                        : "一覧の項目を修正してから署名してください。";
  } else {
    body["title"] = en ? "The report has pre-sign warnings" : "署名前チェックで警告があります";
    body["detail"] = en ? "Sign again with \"override\": {\"reason\": ...} to accept them."
                        : "警告を確認のうえ、理由 (override.reason) を添えて署名してください。";
  }
  body["field"] = (r.Blocked() ? r.errors : r.warnings).front().field;
  http::Response resp = JsonResponse(422, body);
  resp.headers.Set("Content-Type", std::string(http::kProblemContentType));
  return resp;
}

}  // namespace internal

namespace {

using namespace internal;  // NOLINT: the helpers of this module's route files

inline constexpr ApiMessage kNoDraft = {"there is no draft to check", "確認する下書きがありません"};
inline constexpr ApiMessage kNoReport = {"there is no report to derive the grid from",
                                         "グリッドを作成するレポートがありません"};
inline constexpr ApiMessage kNotLumbarMri = {
    "the RSNA lumbar grid is derived from a lumbar MRI report (template mr-lumbar)",
    "RSNA腰椎グリッドは腰椎MRIのレポート (テンプレート mr-lumbar) からのみ作成できます"};

// The report the caller sees; a visible request without one (or, for its hospital, without a
// released version) answers 409 like signing does, not 404: the request exists.
base::Result<report::Report> ReportOrConflict(Services& s, const http::Request& req,
                                              int64_t request_id, const ApiMessage& none) {
  auto r = ReportOf(s, req, request_id);
  if ((!r.ok() && r.status().code() == base::Code::kNotFound) || (r.ok() && r->versions.empty()))
    return base::Status(base::Code::kFailedPrecondition,
                        std::string(req.lang == "en" ? none.en : none.ja));
  return r;
}

base::Result<http::Response> PostChecks(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const report::Report rep, ReportOrConflict(s, req, rq.id, kNoDraft));
  if (rep.versions.back().signed_)
    return base::Status(base::Code::kFailedPrecondition,
                        std::string(req.lang == "en" ? kNoDraft.en : kNoDraft.ja));
  DOKUEI_ASSIGN_OR_RETURN(const spine::CheckResult r,
                          s.reports->reports().Checks(ActorOf(req), rep.id));
  json out = ChecksJson(r);
  out["version"] = rep.versions.back().number;
  json content = json::parse(rep.versions.back().content, nullptr, false);
  out["template"] =
      content.is_object() && content.contains("template") ? content["template"] : json(nullptr);
  return JsonResponse(200, out);
}

base::Result<http::Response> GetRsnaGrid(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const report::Report rep, ReportOrConflict(s, req, rq.id, kNoReport));
  const report::Version& v = rep.versions.back();
  const json content = json::parse(v.content, nullptr, false);
  const spine::Template* t = nullptr;
  if (content.is_object() && content.contains("template") && content["template"].is_object())
    t = spine::Catalog::Builtin().Find(content["template"].value("id", ""),
                                       content["template"].value("version", ""));
  if (t == nullptr || t->id != "mr-lumbar")
    return base::Status(base::Code::kFailedPrecondition,
                        std::string(req.lang == "en" ? kNotLumbarMri.en : kNotLumbarMri.ja));
  DOKUEI_ASSIGN_OR_RETURN(const auto grid, spine::RsnaLumbarGrid(v.content, *t));
  json rows = json::array();
  for (const spine::GridCell& c : grid) {
    json row = {{"row_id", c.row_id},
                {"condition", c.condition},
                {"level", c.level},
                {"severity", c.severity.empty() ? json(nullptr) : json(c.severity)},
                {"source", c.source.empty() ? json(nullptr) : json(c.source)}};
    // One-hot, as the challenge's submission columns; null when the report does not state it.
    for (const char* col : {"normal_mild", "moderate", "severe"})
      row[col] = c.severity.empty() ? json(nullptr) : json(c.severity == col ? 1 : 0);
    rows.push_back(std::move(row));
  }
  return JsonResponse(200, {{"request_id", rq.id},
                            {"study_uid", rq.study_uid},
                            {"version", v.number},
                            {"version_kind", report::VersionKindName(v.kind)},
                            {"template", content["template"]},
                            {"rows", rows}});
}

}  // namespace

namespace internal {

base::Status RegisterSpineRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return WorkflowLocalized([&s, fn](http::Request& req) { return fn(s, req); });
  };
  return AddRoutes(
      routes, "Reports",
      {
          {"POST", "/api/requests/{id}/report/checks", "requests.transition",
           "下書きの署名前チェック (エラーと警告の一覧)",
           "Pre-sign checks of the current draft (errors and warnings)", h(PostChecks)},
          {"GET", "/api/requests/{id}/report/rsna-grid", "requests.read",
           "RSNA 2024 腰椎グリッド (腰椎MRIレポートから)",
           "RSNA 2024 lumbar grid (from a lumbar MRI report)", h(GetRsnaGrid)},
      });
}

}  // namespace internal
}  // namespace dokuei::api
