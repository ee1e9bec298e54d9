// QIDO-RS: search for studies, series and instances (PS3.18 10.6).
#include <algorithm>
#include <map>

#include "common.h"
#include "dicom_json.h"
#include "dicom_xml.h"
#include "dokuei/base/strings.h"
#include "multipart.h"
#include "negotiation.h"
#include "qido_params.h"

namespace dokuei::dicomweb {
namespace {

namespace t = dicom::tags;
using index::Level;

std::string_view ValueOf(const dicom::AttributeList& list, uint32_t tag) {
  const dicom::Attribute* a = dicom::Find(list, tag);
  return a && !a->values.empty() ? std::string_view(a->values[0]) : std::string_view();
}

// RetrieveURL (0008,1190) of each match, per PS3.18 Table 10.6.3-3..5.
void AddRetrieveUrl(Level level, const std::string& base, dicom::AttributeList& match) {
  std::string_view st = ValueOf(match, t::kStudyInstanceUID);
  if (st.empty()) return;
  std::string url = base + "/studies/" + std::string(st);
  if (level >= Level::kSeries) {
    std::string_view se = ValueOf(match, t::kSeriesInstanceUID);
    if (se.empty()) return;
    url += "/series/" + std::string(se);
  }
  if (level == Level::kInstance) {
    std::string_view sop = ValueOf(match, t::kSOPInstanceUID);
    if (sop.empty()) return;
    url += "/instances/" + std::string(sop);
  }
  match.push_back(dicom::Attribute{t::kRetrieveURL, "UR", {std::move(url)}, {}});
}

// The StudyInstanceUID values a request matches on (empty: any study).
std::vector<std::string> StudyKeyValues(const archive::QueryRequest& q) {
  std::vector<std::string> out;
  const dicom::Attribute* a = dicom::Find(q.keys, t::kStudyInstanceUID);
  if (a == nullptr) return out;
  for (const auto& v : a->values)
    for (auto part : base::Split(v, '\\'))
      if (!base::Trim(part).empty()) out.emplace_back(base::Trim(part));
  return out;
}

// The search in the caller's tenant, then in each tenant where a StudyAccess grants the caller
// studies, restricted to those studies (a UID list match, intersected with the caller's own
// StudyInstanceUID key). The pages of the parts are merged: each part is asked for the first
// offset + limit matches, the caller's tenant first, and the requested page is cut from them.
base::Result<archive::QueryResult> FindInScope(Context& ctx, const http::Request& req,
                                               const archive::QueryRequest& request) {
  const index::TenantId own = TenantOf(req);
  if (ctx.services.access == nullptr) return ctx.services.query.Find(own, request);
  const std::vector<std::string> asked = StudyKeyValues(request);
  DOKUEI_ASSIGN_OR_RETURN(
      const std::vector<StudyGrant> grants,
      ctx.services.access->Grants(req, asked.size() == 1 ? asked[0] : std::string_view()));
  std::map<int64_t, std::vector<std::string>> by_tenant;
  for (const StudyGrant& g : grants) {
    if (g.tenant == own) continue;
    if (!asked.empty() && std::find(asked.begin(), asked.end(), g.study_uid) == asked.end())
      continue;
    auto& list = by_tenant[g.tenant.value];
    if (std::find(list.begin(), list.end(), g.study_uid) == list.end()) list.push_back(g.study_uid);
  }
  if (by_tenant.empty()) return ctx.services.query.Find(own, request);
  archive::QueryRequest part = request;
  const uint32_t want = request.limit == 0 ? 0 : request.offset + request.limit;
  part.offset = 0;
  part.limit = want;
  DOKUEI_ASSIGN_OR_RETURN(archive::QueryResult out, ctx.services.query.Find(own, part));
  for (const auto& [tenant, uids] : by_tenant) {
    archive::QueryRequest scoped = part;
    std::erase_if(scoped.keys,
                  [](const dicom::Attribute& a) { return a.tag == t::kStudyInstanceUID; });
    std::string joined;
    for (const auto& u : uids) joined += (joined.empty() ? "" : "\\") + u;
    scoped.keys.push_back(dicom::Attribute{t::kStudyInstanceUID, "UI", {std::move(joined)}, {}});
    DOKUEI_ASSIGN_OR_RETURN(archive::QueryResult more,
                            ctx.services.query.Find(index::TenantId{tenant}, scoped));
    for (auto& m : more.matches) out.matches.push_back(std::move(m));
    for (auto& w : more.warnings)
      if (std::find(out.warnings.begin(), out.warnings.end(), w) == out.warnings.end())
        out.warnings.push_back(std::move(w));
  }
  const size_t from = std::min<size_t>(request.offset, out.matches.size());
  out.matches.erase(out.matches.begin(), out.matches.begin() + static_cast<std::ptrdiff_t>(from));
  if (request.limit != 0 && out.matches.size() > request.limit) out.matches.resize(request.limit);
  return out;
}

base::Result<http::Response> Search(Context& ctx, http::Request& req, Level level) {
  DOKUEI_ASSIGN_OR_RETURN(ResultFormat format, NegotiateResults(req.Header("Accept"), true));
  QidoScope scope;
  scope.level = level;
  scope.study_uid = std::string(req.Param("study"));
  scope.series_uid = std::string(req.Param("series"));
  DOKUEI_ASSIGN_OR_RETURN(QidoParams params,
                          ParseQidoParams(scope, req.query, ctx.options.qido_max_limit));
  DOKUEI_ASSIGN_OR_RETURN(archive::QueryResult result, FindInScope(ctx, req, params.request));
  DOKUEI_RETURN_IF_ERROR(AuditQuery(ctx, req, result.matches));
  const std::string base = BaseUrl(req, ctx.options);
  for (auto& match : result.matches) AddRetrieveUrl(level, base, match);
  http::Response res;
  if (format == ResultFormat::kXml) {
    // PS3.18 10.6.3: one part per match.
    std::string boundary = NewBoundary();
    std::string body;
    for (size_t i = 0; i < result.matches.size(); ++i) {
      std::string xml = DicomXml(result.matches[i]);
      body += PartPrologue(boundary, i, "application/dicom+xml", static_cast<int64_t>(xml.size()));
      body += xml;
    }
    body += MultipartEpilogue(boundary, result.matches.size());
    res = JsonResponse(std::move(body), "multipart/related; type=\"application/dicom+xml\"; "
                                        "boundary=" + boundary);
  } else {
    res = JsonResponse(DicomJsonArray(result.matches), format == ResultFormat::kJson
                                                           ? "application/json"
                                                           : "application/dicom+json");
  }
  for (const auto& w : result.warnings) AddWarning(req, w, res);
  if (params.limit_capped && result.matches.size() >= params.request.limit) {
    AddWarning(req,
               "The number of results exceeded the maximum supported by the server (" +
                   std::to_string(params.request.limit) +
                   "). Additional results can be requested with limit and offset.",
               res);
  }
  return res;
}

}  // namespace

base::Status RegisterQido(http::RouteTable& routes, const std::shared_ptr<Context>& ctx) {
  struct Def {
    const char* suffix;
    Level level;
    const char* ja;
    const char* en;
  };
  static constexpr Def kDefs[] = {
      {"/studies", Level::kStudy, "検査を検索 (QIDO-RS)", "Search for studies (QIDO-RS)"},
      {"/series", Level::kSeries, "シリーズを検索 (QIDO-RS)", "Search for series (QIDO-RS)"},
      {"/instances", Level::kInstance, "インスタンスを検索 (QIDO-RS)",
       "Search for instances (QIDO-RS)"},
      {"/studies/{study}/series", Level::kSeries, "検査内のシリーズを検索 (QIDO-RS)",
       "Search for the series of a study (QIDO-RS)"},
      {"/studies/{study}/instances", Level::kInstance, "検査内のインスタンスを検索 (QIDO-RS)",
       "Search for the instances of a study (QIDO-RS)"},
      {"/studies/{study}/series/{series}/instances", Level::kInstance,
       "シリーズ内のインスタンスを検索 (QIDO-RS)", "Search for the instances of a series (QIDO-RS)"},
  };
  for (const Def& d : kDefs) {
    Level level = d.level;
    DOKUEI_RETURN_IF_ERROR(routes.Add(ReadRoute(
        *ctx, d.suffix,
        [ctx, level](http::Request& req) { return Search(*ctx, req, level); }, d.ja, d.en,
        {"application/dicom+json", "application/json",
         "multipart/related; type=\"application/dicom+xml\""})));
  }
  return base::Status::Ok();
}

}  // namespace dokuei::dicomweb
