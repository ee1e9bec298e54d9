// Report delivery under /api, tag "Delivery": the hospitals' destinations and the visible status
// of each delivery (src/delivery).
//
//   GET    /api/tenants/{tenant}/delivery-destinations    destinations.read    (never the token)
//   POST   /api/tenants/{tenant}/delivery-destinations    destinations.manage
//   PATCH  /api/delivery-destinations/{id}                destinations.manage
//   DELETE /api/delivery-destinations/{id}                destinations.manage
//   GET    /api/requests/{id}/deliveries                  requests.read        per artefact x
//   destination POST   /api/requests/{id}/deliveries/{row}/retry      deliveries.manage    a row
//   that gave up
//
// Destinations are configuration of a hospital, changed by the reading centre's administrators
// (the hospital's administrators see them, without the FHIR bearer token); each change commits
// with its audit record ("delivery_destination.create|update|delete"), like identity's AE titles.
// The deliveries of a request are visible to whoever sees the request (its hospital's staff,
// the reading centre); a coordinator puts a row that gave up back in the queue
// ("report.delivery_retry", audited with the change). Objects of a tenant the caller's grant
// does not reach answer 404, like missing ones.
#include "dokuei/delivery/delivery.h"
#include "dokuei/report/report.h"
#include "workflow_util.h"

namespace dokuei::api {

namespace {

using namespace internal;  // NOLINT: the helpers of this module's route files

inline constexpr ApiMessage kDestinationNotFound = {"no such delivery destination",
                                                    "配信先が見つかりません"};
inline constexpr ApiMessage kDeliveryNotFound = {"no such delivery", "配信記録が見つかりません"};
inline constexpr ApiMessage kNotGaveUp = {"only a delivery that gave up can be retried",
                                          "再送できるのは配信を断念した記録だけです"};
inline constexpr ApiMessage kBadKind = {"kind must be dicom, hl7 or fhir",
                                        "kind は dicom、hl7、fhir のいずれかで指定してください"};

struct FieldMessage {
  std::string_view field;
  ApiMessage message;
};
// The destination checks of src/delivery, by the field they name.
constexpr FieldMessage kFieldMessages[] = {
    {"name", {"the name must have 1 to 200 characters", "名前は 1〜200 文字で指定してください"}},
    {"ae_title",
     {"the AE title must have 1 to 16 characters without backslash (DICOM destinations only)",
      "AE タイトルは 1〜16 文字 (バックスラッシュ不可) で指定してください (DICOM の送信先のみ)"}},
    {"host",
     {"a host name or IP address is required for DICOM and HL7 destinations (FHIR: none)",
      "DICOM と HL7 の送信先にはホスト名または IP アドレスが必要です (FHIR には指定できません)"}},
    {"port",
     {"the port must be from 1 to 65535 (DICOM and HL7 destinations)",
      "ポート番号は 1〜65535 で指定してください (DICOM と HL7 の送信先)"}},
    {"url",
     {"the FHIR base URL must start with https:// (http:// only to a loopback address); other "
      "kinds have no URL",
      "FHIR のベース URL は https:// で始めてください (http:// "
      "はループバックのみ)。他の種類には指定できません"}},
    {"bearer_token",
     {"the bearer token must be at most 4096 printable characters without spaces (FHIR only)",
      "ベアラートークンは空白を含まない 4096 文字以内の印字可能文字です (FHIR のみ)"}},
    {"tls",
     {"tls applies to DICOM destinations only (FHIR: use https://)",
      "tls は DICOM の送信先にのみ指定できます (FHIR は https:// を使用)"}},
};

base::Status Say(const http::Request& req, base::Code code, const ApiMessage& m,
                 std::string field = {}) {
  return base::Status(code, std::string(req.lang == "en" ? m.en : m.ja), std::move(field));
}

// A validation error of the library in the caller's language.
base::Status Translate(const http::Request& req, const base::Status& st) {
  if (st.code() != base::Code::kInvalidArgument) return st;
  for (const FieldMessage& f : kFieldMessages)
    if (f.field == st.field()) return Say(req, st.code(), f.message, st.field());
  return st;
}

base::Result<delivery::Delivery*> DeliveryOf(Services& s) {
  if (s.delivery == nullptr) return base::Unavailable("report delivery is not configured");
  return s.delivery;
}

json DestinationJson(Services& s, const delivery::Destination& d) {
  std::string code;
  if (auto t = s.identity.tenants().Get(d.tenant_id); t.ok()) code = t->code;
  json j = {{"id", d.id},
            {"tenant", code},
            {"kind", delivery::DestinationKindName(d.kind)},
            {"name", d.name},
            {"enabled", d.enabled},
            {"created_at", base::FormatIso8601(d.created_at)},
            {"updated_at", base::FormatIso8601(d.updated_at)}};
  switch (d.kind) {
    case delivery::DestinationKind::kDicom:
      j["ae_title"] = d.ae_title;
      j["host"] = d.host;
      j["port"] = d.port;
      j["tls"] = d.tls;
      break;
    case delivery::DestinationKind::kHl7:
      j["host"] = d.host;
      j["port"] = d.port;
      break;
    case delivery::DestinationKind::kFhir:
      j["url"] = d.url;
      j["bearer_token_set"] = !d.bearer_token.empty();  // the token itself is never shown
      break;
  }
  return j;
}

json RowJson(const delivery::DeliveryRow& r) {
  json remote = json::object();
  if (r.remote.dimse_status >= 0) remote["dimse_status"] = r.remote.dimse_status;
  if (!r.remote.ack_code.empty()) remote["ack_code"] = r.remote.ack_code;
  if (r.remote.http_status != 0) remote["http_status"] = r.remote.http_status;
  if (!r.remote.text.empty()) remote["text"] = r.remote.text;
  return {{"id", r.id},
          {"report_id", r.report_id},
          {"version_id", r.version_id},
          {"version_number", r.version_number},
          {"addendum", r.addendum},
          {"artifact", delivery::ArtifactKindName(r.artifact)},
          {"artifact_sha256", r.artifact_sha256},
          {"artifact_bytes", r.artifact_bytes},
          {"destination_id", r.destination_id},
          {"destination_kind", delivery::DestinationKindName(r.destination_kind)},
          {"destination_name", r.destination_name},
          {"state", delivery::DeliveryStateName(r.state)},
          {"attempts", r.attempts},
          {"created_at", base::FormatIso8601(r.created_at)},
          {"last_attempt_at", TimeJson(r.last_attempt_at)},
          {"next_attempt_at", TimeJson(r.next_attempt_at)},
          {"delivered_at", TimeJson(r.delivered_at)},
          {"last_error", r.last_error},
          {"remote", remote}};
}

constexpr std::string_view kFields[] = {"kind", "name", "enabled", "ae_title",    "host",
                                        "port", "tls",  "url",     "bearer_token"};

// Overlays the members present in `body` on `d` (kind is handled by the caller).
base::Status ReadDestination(const json& body, delivery::Destination& d) {
  std::optional<std::string> name, ae, host, url, token;
  std::optional<int64_t> port;
  std::optional<bool> enabled, tls;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "name", &name));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "ae_title", &ae));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "host", &host));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "url", &url));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "bearer_token", &token));
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "port", 1, 65535, &port));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "enabled", &enabled));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "tls", &tls));
  if (name) d.name = *name;
  if (ae) d.ae_title = *ae;
  if (host) d.host = *host;
  if (url) d.url = *url;
  if (token) d.bearer_token = *token;
  if (port) d.port = static_cast<uint16_t>(*port);
  if (enabled) d.enabled = *enabled;
  if (tls) d.tls = *tls;
  return base::Status::Ok();
}

std::string Detail(const delivery::Destination& d) {
  return "delivery destination " + std::to_string(d.id) + " (" +
         std::string(delivery::DestinationKindName(d.kind)) + " " + d.name + ")";
}

audit::Event ChangeEvent(const http::Request& req, std::string action, int64_t tenant_id,
                         std::string detail) {
  audit::Event e = RequestEvent(req, std::move(action));
  e.tenant_id = tenant_id;
  e.object_detail = std::move(detail);
  return e;
}

// The destination named by {id}, if the caller reaches its tenant with `permission`.
base::Result<delivery::Destination> PathDestination(Services& s, const http::Request& req,
                                                    std::string_view permission) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, PathId(req, "id", kDestinationNotFound));
  delivery::Destinations dests(s.delivery->database(), s.delivery->clock());
  auto d = dests.Get(id);
  if (!d.ok() && d.status().code() == base::Code::kNotFound) return NotFound(kDestinationNotFound);
  DOKUEI_RETURN_IF_ERROR(d.status());
  if (!req.principal.Reaches(permission, d->tenant_id)) return NotFound(kDestinationNotFound);
  return d;
}

// ---- destinations ---------------------------------------------------------------------------

base::Result<http::Response> ListDestinations(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(DeliveryOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "destinations.read"));
  delivery::Destinations dests(s.delivery->database(), s.delivery->clock());
  DOKUEI_ASSIGN_OR_RETURN(const auto list, dests.List(t.id));
  json arr = json::array();
  for (const auto& d : list) arr.push_back(DestinationJson(s, d));
  return JsonResponse(200, {{"destinations", arr}});
}

base::Result<http::Response> CreateDestination(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(DeliveryOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "destinations.manage"));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, kFields));
  std::optional<std::string> kind;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "kind", &kind));
  if (!kind) return Invalid(kRequired, "kind");
  const auto k = delivery::DestinationKindFromName(*kind);
  if (!k) return Say(req, base::Code::kInvalidArgument, kBadKind, "kind");
  if (!body.contains("name")) return Invalid(kRequired, "name");
  delivery::Destination d;
  d.kind = *k;
  DOKUEI_RETURN_IF_ERROR(ReadDestination(body, d));
  audit::AuditedDatabase adb(s.delivery->database(), s.audit,
                             ChangeEvent(req, "delivery_destination.create", t.id, ""),
                             ChangeOptions([&](db::Conn& c, audit::Event& e) -> base::Status {
                               DOKUEI_ASSIGN_OR_RETURN(const int64_t id, db::LastInsertId(c));
                               d.id = id;
                               e.object_detail = Detail(d);
                               return base::Status::Ok();
                             }));
  delivery::Destinations dests(adb, s.delivery->clock());
  auto out = dests.Add(t.id, d);
  if (!out.ok()) return Translate(req, out.status());
  http::Response r = JsonResponse(201, DestinationJson(s, *out));
  r.headers.Set("Location", "/api/delivery-destinations/" + std::to_string(out->id));
  return r;
}

base::Result<http::Response> PatchDestination(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(DeliveryOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(delivery::Destination d, PathDestination(s, req, "destinations.manage"));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, kFields));
  if (body.contains("kind")) {
    std::optional<std::string> kind;
    DOKUEI_RETURN_IF_ERROR(GetString(body, "kind", &kind));
    if (kind != std::string(delivery::DestinationKindName(d.kind)))
      return Invalid(kImmutable, "kind");
  }
  const bool new_token = body.contains("bearer_token");
  DOKUEI_RETURN_IF_ERROR(ReadDestination(body, d));
  std::string changed;
  for (const auto& [key, value] : body.items()) changed += (changed.empty() ? "" : ",") + key;
  if (changed.empty()) return JsonResponse(200, DestinationJson(s, d));
  audit::AuditedDatabase adb(
      s.delivery->database(), s.audit,
      ChangeEvent(req, "delivery_destination.update", d.tenant_id, Detail(d) + ": " + changed),
      ChangeOptions());
  delivery::Destinations dests(adb, s.delivery->clock());
  // A bearer_token member replaces the token (an empty one removes it); without it, it is kept.
  auto out = dests.Update(d, /*keep_token=*/!new_token);
  if (!out.ok()) return Translate(req, out.status());
  return JsonResponse(200, DestinationJson(s, *out));
}

base::Result<http::Response> DeleteDestination(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(DeliveryOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const delivery::Destination d,
                          PathDestination(s, req, "destinations.manage"));
  audit::AuditedDatabase adb(
      s.delivery->database(), s.audit,
      ChangeEvent(req, "delivery_destination.delete", d.tenant_id, Detail(d)), ChangeOptions());
  delivery::Destinations dests(adb, s.delivery->clock());
  DOKUEI_RETURN_IF_ERROR(dests.Remove(d.id));
  http::Response r;
  r.status = 204;
  return r;
}

// ---- deliveries of a request ----------------------------------------------------------------

// The request (visible to the caller and reached by their grant) or 404.
base::Result<workflow::ReadingRequest> RequestOf(Services& s, const http::Request& req) {
  if (s.workflow == nullptr) return base::Unavailable("the reading workflow is not configured");
  return internal::VisibleRequest(s, req);
}

base::Result<http::Response> ListDeliveries(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(DeliveryOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, RequestOf(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const auto rows, s.delivery->queue().ForRequest(rq.id));
  json arr = json::array();
  for (const auto& r : rows)
    if (r.tenant_id == rq.tenant_id) arr.push_back(RowJson(r));
  return JsonResponse(200, {{"request_id", rq.id}, {"deliveries", arr}});
}

base::Result<http::Response> RetryDelivery(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(DeliveryOf(s).status());
  DOKUEI_ASSIGN_OR_RETURN(const auto rq, RequestOf(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const int64_t row_id, PathId(req, "row", kDeliveryNotFound));
  auto row = s.delivery->queue().Get(row_id);
  if (!row.ok() && row.status().code() == base::Code::kNotFound) return NotFound(kDeliveryNotFound);
  DOKUEI_RETURN_IF_ERROR(row.status());
  if (row->request_id != rq.id || row->tenant_id != rq.tenant_id ||
      !req.principal.Reaches("deliveries.manage", row->tenant_id))
    return NotFound(kDeliveryNotFound);
  if (row->state != delivery::DeliveryState::kGaveUp)
    return Say(req, base::Code::kConflict, kNotGaveUp);
  audit::Event e =
      ChangeEvent(req, "report.delivery_retry", row->tenant_id,
                  "delivery " + std::to_string(row->id) + " of request " + std::to_string(rq.id) +
                      " (" + std::string(delivery::ArtifactKindName(row->artifact)) + " to " +
                      row->destination_name + ")");
  e.study_uids = {rq.study_uid};
  audit::AuditedDatabase adb(s.delivery->database(), s.audit, e, ChangeOptions());
  auto out = s.delivery->queue().Retry(row->id, &adb);
  if (!out.ok() && out.status().code() == base::Code::kFailedPrecondition)
    return Say(req, base::Code::kConflict, kNotGaveUp);  // it moved meanwhile
  DOKUEI_RETURN_IF_ERROR(out.status());
  return JsonResponse(200, RowJson(*out));
}

}  // namespace

base::Status RegisterDeliveryRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return [&s, fn](http::Request& req) { return fn(s, req); };
  };
  return AddRoutes(
      routes, "Delivery",
      {
          {"GET", "/api/tenants/{tenant}/delivery-destinations", "destinations.read",
           "レポートの配信先の一覧 (トークンは表示しません)",
           "A hospital's report delivery destinations (tokens are never shown)",
           h(ListDestinations)},
          {"POST", "/api/tenants/{tenant}/delivery-destinations", "destinations.manage",
           "レポートの配信先を登録 (DICOM・HL7・FHIR)",
           "Add a report delivery destination (DICOM, HL7 or FHIR)", h(CreateDestination)},
          {"PATCH", "/api/delivery-destinations/{id}", "destinations.manage",
           "レポートの配信先を変更", "Change a report delivery destination", h(PatchDestination)},
          {"DELETE", "/api/delivery-destinations/{id}", "destinations.manage",
           "レポートの配信先を削除", "Remove a report delivery destination", h(DeleteDestination)},
          {"GET", "/api/requests/{id}/deliveries", "requests.read",
           "レポートの配信状況 (成果物と配信先ごと)",
           "Delivery status of a request's reports (per artefact and destination)",
           h(ListDeliveries)},
          {"POST", "/api/requests/{id}/deliveries/{row}/retry", "deliveries.manage",
           "配信を断念した記録を再送キューに戻す", "Put a delivery that gave up back in the queue",
           h(RetryDelivery)},
      });
}

}  // namespace dokuei::api
