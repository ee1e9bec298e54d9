// A signed report as the hospital receives it, under /api, tag "Reports":
//
//   GET /api/requests/{id}/report/versions/{n}/pdf       requests.read  the PDF (?lang=ja|en)
//   GET /api/requests/{id}/report/versions/{n}/document  requests.read  the same as JSON: the
//                                                                       narrative, findings,
//                                                                       measurements (no images)
//
// The version must be one the caller sees (hospital staff: released versions only) and signed;
// the rendering itself is publish::Publisher's, the same that is delivered.
#include "dokuei/http/problem.h"
#include "dokuei/publish/publish.h"
#include "report_util.h"

namespace dokuei::api {
namespace {

using namespace internal;  // NOLINT: the helpers of this module's route files

inline constexpr ApiMessage kNoPublisher = {"report rendering is not configured",
                                            "レポートの出力は設定されていません"};
inline constexpr ApiMessage kNoVersion = {"the report has no such version",
                                          "レポートにその版はありません"};
inline constexpr ApiMessage kNoReport = {"the request has no signed report yet",
                                         "この依頼には署名済みのレポートがまだありません"};
inline constexpr ApiMessage kUnsigned = {"only a signed version can be rendered",
                                         "署名済みの版のみ出力できます"};

std::string_view Msg(const http::Request& req, const ApiMessage& m) {
  return req.lang == "en" ? m.en : m.ja;
}

// The visible, signed version {n} of the request's report, and the language asked for.
base::Result<std::pair<report::Report, report::Version>> VisibleVersion(Services& s,
                                                                       http::Request& req) {
  if (s.publisher == nullptr)
    return base::Status(base::Code::kUnavailable, std::string(Msg(req, kNoPublisher)));
  DOKUEI_RETURN_IF_ERROR(ReportsOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, VisibleRequest(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const int64_t n, PathId(req, "n", kNoVersion));
  // A visible request without a report (or, for its hospital, without a released version)
  // answers 409 like the other report routes: the request exists.
  auto found = ReportOf(s, req, rq.id);
  if (!found.ok() && found.status().code() == base::Code::kNotFound)
    return base::Status(base::Code::kFailedPrecondition, std::string(Msg(req, kNoReport)));
  DOKUEI_ASSIGN_OR_RETURN(report::Report rep, std::move(found));
  if (rep.versions.empty())
    return base::Status(base::Code::kFailedPrecondition, std::string(Msg(req, kNoReport)));
  for (const report::Version& v : rep.versions) {
    if (v.number != n) continue;
    if (!v.signed_)
      return base::Status(base::Code::kFailedPrecondition, std::string(Msg(req, kUnsigned)));
    return std::make_pair(rep, v);
  }
  return base::Status(base::Code::kNotFound, std::string(Msg(req, kNoVersion)));
}

base::Result<std::string> LangOf(const http::Request& req) {
  const auto q = req.Query("lang");
  const std::string lang = q ? std::string(*q) : req.lang;
  if (lang != "ja" && lang != "en")
    return base::InvalidArgument("lang must be ja or en", "lang");
  return lang;
}

base::Result<http::Response> GetPdf(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const auto found, VisibleVersion(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const std::string lang, LangOf(req));
  DOKUEI_ASSIGN_OR_RETURN(publish::Rendered r,
                          s.publisher->Render(found.first.id, found.second.id, lang));
  http::Response resp = http::Response::Bytes(200, "application/pdf", std::move(r.pdf));
  resp.headers.Set("Content-Disposition",
                   "inline; filename=\"report-" + std::to_string(found.first.request_id) + "-v" +
                       std::to_string(found.second.number) + "-" + lang + ".pdf\"");
  return resp;
}

json Labelled(const spine::Label& l) { return {{"ja", l.ja}, {"en", l.en}}; }

base::Result<http::Response> GetDocument(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const auto found, VisibleVersion(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const std::string lang, LangOf(req));
  DOKUEI_ASSIGN_OR_RETURN(publish::Rendered r,
                          s.publisher->Render(found.first.id, found.second.id, lang));
  const spine::Document& d = r.document;
  json sections = json::array();
  for (const auto& sec : d.sections)
    sections.push_back({{"heading", sec.heading}, {"paragraphs", sec.paragraphs}});
  json levels = json::array();
  for (const auto& l : d.levels) levels.push_back({{"level", l.level}, {"text", l.text}});
  json figures = json::array();
  for (const auto& f : d.figures)
    figures.push_back({{"number", f.number},
                       {"instance", f.sop_instance_uid},
                       {"series", f.series_uid},
                       {"frame", f.frame},
                       {"caption", f.caption}});
  json signers = json::array();
  for (const auto& g : d.signers)
    signers.push_back({{"role", g.role},
                       {"name", g.name},
                       {"credentials", g.credentials},
                       {"signed_at", g.signed_at}});
  json findings = json::array();
  for (const auto& f : r.findings) {
    json o = {{"site", f.site},        {"side", f.side},
              {"field", f.field},      {"field_label", Labelled(f.field_label)},
              {"value", f.value_code}, {"value_label", Labelled(f.value_label)},
              {"severity", f.severity}};
    if (f.number) o["number"] = *f.number, o["unit"] = f.unit;
    if (!f.text.empty()) o["text"] = f.text;
    findings.push_back(std::move(o));
  }
  json measurements = json::array();
  for (const auto& m : r.measurements)
    measurements.push_back({{"id", m.id},     {"kind", m.kind},   {"value", m.value},
                            {"unit", m.unit}, {"site", m.site},   {"grade", m.grade},
                            {"spacing", m.spacing}});
  return JsonResponse(200, {{"request_id", found.first.request_id},
                            {"version", found.second.number},
                            {"lang", d.lang},
                            {"title", d.title},
                            {"template_title", d.template_title},
                            {"status", d.status},
                            {"addendum_text", d.addendum_text},
                            {"released_at", d.released_at},
                            {"clinical_question", d.clinical_question},
                            {"sections", sections},
                            {"levels", levels},
                            {"impression", d.impression},
                            {"critical_statement", d.critical_statement},
                            {"figures", figures},
                            {"signers", signers},
                            {"findings", findings},
                            {"measurements", measurements}});
}

}  // namespace

namespace internal {

base::Status RegisterPublishRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return WorkflowLocalized([&s, fn](http::Request& req) { return fn(s, req); });
  };
  return AddRoutes(
      routes, "Reports",
      {
          {"GET", "/api/requests/{id}/report/versions/{n}/pdf", "requests.read",
           "署名済みの版の読影レポート PDF (?lang=ja|en)",
           "The PDF of a signed version (?lang=ja|en)", h(GetPdf)},
          {"GET", "/api/requests/{id}/report/versions/{n}/document", "requests.read",
           "署名済みの版の文章・所見・計測 (JSON)",
           "A signed version's narrative, coded findings and measurements (JSON)",
           h(GetDocument)},
      });
}

}  // namespace internal
}  // namespace dokuei::api
