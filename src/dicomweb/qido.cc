// QIDO-RS: search for studies, series and instances (PS3.18 10.6).
#include "common.h"
#include "dicom_json.h"
#include "dicom_xml.h"
#include "multipart.h"
#include "dokuei/base/strings.h"
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

base::Result<http::Response> Search(Context& ctx, http::Request& req, Level level) {
  DOKUEI_ASSIGN_OR_RETURN(ResultFormat format, NegotiateResults(req.Header("Accept"), true));
  QidoScope scope;
  scope.level = level;
  scope.study_uid = std::string(req.Param("study"));
  scope.series_uid = std::string(req.Param("series"));
  DOKUEI_ASSIGN_OR_RETURN(QidoParams params,
                          ParseQidoParams(scope, req.query, ctx.options.qido_max_limit));
  DOKUEI_ASSIGN_OR_RETURN(archive::QueryResult result,
                          ctx.services.query.Find(TenantOf(req), params.request));
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
