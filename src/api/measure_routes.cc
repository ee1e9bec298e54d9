// Measurements and key images of a request's study under /api, tag "Reports" (src/measure):
//
//   POST /api/requests/{id}/measurements        requests.read   {"kind", "instance", "frame",
//        "points", "labels", "id"} -> {"measurement": <content.measurements entry>, "details",
//        "notes"}
//   GET  /api/requests/{id}/key-images/render   requests.read   ?instance=&frame=&annotations=
//        (JSON array)&window_center=&window_width=&width=&height= -> image/png
//   POST /api/requests/{id}/key-images/render   requests.read   a content.key_images entry
//        (+ optional "measurements") -> image/png
//
// Reading the request's report is what a measurement or key image needs (the reader measures
// while drafting; the hospital re-renders the figures of a released report), so the routes take
// the report GET's permission and the same visibility (a request the caller cannot see is 404).
// The instance must belong to the request's study in the hospital's archive; it is read through
// the archive's RetrieveService like WADO, and the render is audited as "study.view".
// Computing a measurement stores nothing (the client puts the result into the draft's
// content.measurements, docs/design/spine-reporting.md) and returns no image data, so it is not
// audited; a render is.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "dokuei/archive/audit_hook.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/base/strings.h"
#include "dokuei/measure/key_image.h"
#include "dokuei/measure/measure.h"
#include "dokuei/report/report.h"
#include "workflow_util.h"

namespace dokuei::api {
namespace {

using namespace internal;  // NOLINT: the helpers of this module's route files

inline constexpr ApiMessage kNoImages = {"images are not available on this server",
                                         "このサーバーでは画像を利用できません"};
inline constexpr ApiMessage kInstanceNotFound = {"the instance is not part of this request's study",
                                                 "指定された画像はこの依頼の検査にありません"};

// A measure error, or one of these routes' own, in the caller's language (the messages are
// English; measure::JapaneseOf and the table above have their Japanese).
base::Status InLanguage(const base::Status& st, std::string_view lang) {
  if (lang == "en") return st;
  std::string_view ja = measure::JapaneseOf(st.message());
  for (const ApiMessage* m : {&kNoImages, &kInstanceNotFound})
    if (st.message() == m->en) ja = m->ja;
  return ja.empty() ? st : base::Status(st.code(), std::string(ja), st.field());
}

base::Result<workflow::ReadingRequest> RequestOf(Services& s, const http::Request& req) {
  if (s.workflow == nullptr || s.retrieve == nullptr)
    return base::Status(base::Code::kUnavailable, std::string(kNoImages.en));
  return internal::VisibleRequest(s, req);
}

// The bytes of `sop` in the request's study (404 when it is not there).
base::Result<std::string> ReadInstance(Services& s, const workflow::ReadingRequest& rq,
                                       const std::string& sop, index::InstanceLocation* where) {
  if (sop.empty()) return Invalid(kRequired, "instance");
  auto locs = s.retrieve->Locate(index::TenantId{rq.tenant_id}, rq.study_uid, "", sop);
  if (!locs.ok() || locs->empty()) {
    if (!locs.ok() && locs.status().code() != base::Code::kNotFound) return locs.status();
    return base::Status(base::Code::kNotFound, std::string(kInstanceNotFound.en), "instance");
  }
  *where = locs->front();
  auto bytes = s.retrieve->ReadAll(*where);
  if (!bytes.ok()) return bytes.status();
  return bytes;
}

// The render's audit record (as WADO's rendered resource): written before the image is sent.
base::Status AuditView(Services& s, const http::Request& req, const workflow::ReadingRequest& rq,
                       const index::InstanceLocation& loc) {
  audit::Event e = RequestEvent(req, "study.view");
  e.tenant_id = rq.tenant_id;
  e.study_uids = {rq.study_uid};
  e.sop_class_uid = loc.sop_class_uid;
  e.object_count = 1;
  e.object_detail = "key image " + loc.sop_instance_uid;
  if (s.query != nullptr) {
    auto patients =
        archive::PatientsOfStudies(*s.query, index::TenantId{rq.tenant_id}, e.study_uids);
    if (!patients.ok()) return AuditFailed(patients.status());
    e.patient_id = std::move(*patients);
  }
  auto r = s.audit.Append(std::move(e));
  if (!r.ok()) return AuditFailed(r.status());
  return base::Status::Ok();
}

base::Result<std::vector<measure::Point>> PointsOf(const json& body) {
  auto it = body.find("points");
  if (it == body.end()) return Invalid(kRequired, "points");
  if (!it->is_array() || it->size() > 1000) return Invalid(kBadType, "points");
  std::vector<measure::Point> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& p = (*it)[i];
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number())
      return Invalid(kBadType, "points[" + std::to_string(i) + "]");
    out.push_back({p[0].get<double>(), p[1].get<double>()});
  }
  return out;
}

base::Result<measure::Labels> LabelsOf(const json& body) {
  measure::Labels l;
  auto it = body.find("labels");
  if (it == body.end() || it->is_null()) return l;
  if (!it->is_object()) return Invalid(kBadType, "labels");
  for (auto [key, out] :
       {std::pair{"upper", &l.upper}, std::pair{"lower", &l.lower}, std::pair{"site", &l.site}}) {
    auto v = it->find(key);
    if (v == it->end() || v->is_null()) continue;
    if (!v->is_string()) return Invalid(kBadType, std::string("labels.") + key);
    *out = v->get<std::string>();
  }
  for (auto k = it->begin(); k != it->end(); ++k)
    if (k.key() != "upper" && k.key() != "lower" && k.key() != "site")
      return Invalid(kUnknownField, "labels." + k.key());
  return l;
}

base::Result<http::Response> PostMeasurement(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, RequestOf(s, req));
  DOKUEI_ASSIGN_OR_RETURN(
      const json body, ParseObject(req, {"kind", "instance", "frame", "points", "labels", "id"}));
  std::optional<std::string> kind, instance, id;
  std::optional<int64_t> frame;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "kind", &kind));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "instance", &instance));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "id", &id));
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "frame", 1, 100000, &frame));
  if (!kind) return Invalid(kRequired, "kind");
  const auto& kinds = measure::Kinds();
  if (std::find(kinds.begin(), kinds.end(), *kind) == kinds.end())  // before reading the image
    return measure::Compute(*kind, {}, {}, {}).status();
  DOKUEI_ASSIGN_OR_RETURN(const auto points, PointsOf(body));
  DOKUEI_ASSIGN_OR_RETURN(const auto labels, LabelsOf(body));
  index::InstanceLocation loc;
  DOKUEI_ASSIGN_OR_RETURN(const std::string file, ReadInstance(s, rq, instance.value_or(""), &loc));
  const uint32_t f = static_cast<uint32_t>(frame.value_or(1));
  auto geometry =
      measure::ReadGeometry({reinterpret_cast<const uint8_t*>(file.data()), file.size()}, f);
  if (!geometry.ok()) return InLanguage(geometry.status(), req.lang);
  auto r = measure::Compute(*kind, points, *geometry, labels, static_cast<int>(f));
  if (!r.ok()) return InLanguage(r.status(), req.lang);
  r->measurement.id = id.value_or("");
  json details = json::object();
  for (const auto& [k, v] : r->details) details[k] = v;
  json notes = json::array();
  for (const auto& n : r->notes)
    notes.push_back({{"code", n.code}, {"text", req.lang == "en" ? n.en : n.ja}});
  return JsonResponse(200, {{"measurement", json::parse(measure::MeasurementJson(r->measurement))},
                            {"details", details},
                            {"notes", notes}});
}

// The current content's measurements of the request's report ("[]" when none is visible).
std::string ReportMeasurements(Services& s, const http::Request& req, int64_t request_id) {
  if (s.reports == nullptr) return "[]";
  auto rep = s.reports->reports().ForRequest(ActorOf(req), request_id);
  if (!rep.ok() || rep->versions.empty()) return "[]";
  const json content = json::parse(rep->versions.back().content, nullptr, false);
  if (!content.is_object() || !content.contains("measurements")) return "[]";
  return content["measurements"].dump();
}

base::Status SizeOf(const http::Request& req, measure::KeyImage* k) {
  for (auto [name, out] :
       {std::pair{"width", &k->max_width}, std::pair{"height", &k->max_height}}) {
    auto v = req.Query(name);
    if (!v) continue;
    auto n = base::ParseInt(*v);
    if (!n || *n < 1 || *n > 8192) return Invalid(kBadQuery, name);
    *out = static_cast<uint32_t>(*n);
  }
  return base::Status::Ok();
}

base::Result<http::Response> Render(Services& s, http::Request& req,
                                    const workflow::ReadingRequest& rq, const std::string& sop,
                                    const std::string& key_image_json,
                                    const std::string& measurements_json) {
  auto k = measure::ParseKeyImage(key_image_json, measurements_json);
  if (!k.ok()) return InLanguage(k.status(), req.lang);
  DOKUEI_RETURN_IF_ERROR(SizeOf(req, &*k));
  index::InstanceLocation loc;
  DOKUEI_ASSIGN_OR_RETURN(const std::string file, ReadInstance(s, rq, sop, &loc));
  auto png =
      measure::RenderKeyImage({reinterpret_cast<const uint8_t*>(file.data()), file.size()}, *k);
  if (!png.ok()) return InLanguage(png.status(), req.lang);
  DOKUEI_RETURN_IF_ERROR(AuditView(s, req, rq, loc));
  http::Response res = http::Response::Bytes(200, "image/png", std::move(*png));
  res.headers.Set("Cache-Control", "private, no-store");
  return res;
}

base::Result<http::Response> GetRender(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, RequestOf(s, req));
  const std::string sop(req.Query("instance").value_or(""));
  json k = {{"instance", sop}};
  if (auto f = req.Query("frame")) {
    auto n = base::ParseInt(*f);
    if (!n || *n < 1 || *n > 100000) return Invalid(kBadQuery, "frame");
    k["frame"] = *n;
  }
  auto c = req.Query("window_center"), w = req.Query("window_width");
  if (c || w) {
    char* end = nullptr;
    const std::string cs(c.value_or("")), ws(w.value_or(""));
    const double cv = std::strtod(cs.c_str(), &end);
    if (cs.empty() || *end != '\0') return Invalid(kBadQuery, "window_center");
    const double wv = std::strtod(ws.c_str(), &end);
    if (ws.empty() || *end != '\0') return Invalid(kBadQuery, "window_width");
    k["window"] = {{"center", cv}, {"width", wv}};
  }
  if (auto a = req.Query("annotations")) {
    json annotations = json::parse(*a, nullptr, false);
    if (!annotations.is_array()) return Invalid(kBadQuery, "annotations");
    k["annotations"] = std::move(annotations);
  }
  return Render(s, req, rq, sop, k.dump(), ReportMeasurements(s, req, rq.id));
}

base::Result<http::Response> PostRender(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, RequestOf(s, req));
  DOKUEI_ASSIGN_OR_RETURN(json body, ParseObject(req, {"instance", "frame", "window", "annotations",
                                                       "caption", "measurements"}));
  std::optional<std::string> sop;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "instance", &sop));
  std::string measurements;
  if (auto it = body.find("measurements"); it != body.end()) {
    if (!it->is_array()) return Invalid(kBadType, "measurements");
    measurements = it->dump();
    body.erase("measurements");
  } else {
    measurements = ReportMeasurements(s, req, rq.id);
  }
  return Render(s, req, rq, sop.value_or(""), body.dump(), measurements);
}

}  // namespace

base::Status RegisterMeasureRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return WorkflowLocalized([&s, fn](http::Request& req) -> base::Result<http::Response> {
      auto r = fn(s, req);
      if (!r.ok()) return InLanguage(r.status(), req.lang);
      return r;
    });
  };
  return AddRoutes(
      routes, "Reports",
      {
          {"POST", "/api/requests/{id}/measurements", "requests.read",
           "画像上の点から計測値を算出 "
           "(Cobb角・すべり率・脊柱管前後径・硬膜管面積・椎体高・椎間板高)",
           "Compute a measurement from points on an image (Cobb, slip, canal, dural sac, heights)",
           h(PostMeasurement)},
          {"GET",
           "/api/requests/{id}/key-images/render",
           "requests.read",
           "キー画像を注釈付きで PNG に描画",
           "Render a key image with its annotations as PNG",
           h(GetRender),
           kJsonBodyLimit,
           {"image/png"}},
          {"POST",
           "/api/requests/{id}/key-images/render",
           "requests.read",
           "キー画像 (レポートの key_images の要素) を注釈付きで PNG に描画",
           "Render a key image (a report's key_images entry) with its annotations as PNG",
           h(PostRender),
           kJsonBodyLimit,
           {"image/png"}},
      });
}

}  // namespace dokuei::api
