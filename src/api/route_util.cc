#include "route_util.h"

#include <algorithm>

#include "dokuei/base/clock.h"
#include "dokuei/base/strings.h"
#include "dokuei/http/problem.h"
#include "dokuei/identity/messages.h"

namespace dokuei::api::internal {

namespace {

const ApiMessage* const kMessages[] = {
    &kBadJson,        &kBadType,        &kUnknownField, &kRequired,   &kImmutable,
    &kBadQuery,       &kTenantNotFound, &kUserNotFound, &kAeNotFound, &kContactNotFound,
    &kReaderNotFound, &kPhotoNotFound,  &kAuditFailed};

base::Status WrongType(const char* field) { return Invalid(kBadType, field); }

}  // namespace

base::Status Invalid(const ApiMessage& m, std::string field) {
  return base::InvalidArgument(std::string(m.en), std::move(field));
}

base::Status NotFound(const ApiMessage& m) { return base::NotFound(std::string(m.en)); }

base::Status AuditFailed(const base::Status& cause) {
  return base::Status(
      cause.code() == base::Code::kUnavailable ? base::Code::kUnavailable : base::Code::kInternal,
      std::string(kAuditFailed.en));
}

std::string Localize(const base::Status& status, std::string_view lang) {
  for (const ApiMessage* m : kMessages) {
    if (status.message() == m->en) return std::string(lang == "en" ? m->en : m->ja);
  }
  return identity::LocalizedMessage(status, lang);
}

http::Response JsonResponse(int status, const json& body) {
  http::Response r = http::Response::Bytes(status, "application/json", body.dump());
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

http::Response Problem(const base::Status& status, std::string_view lang) {
  const base::Status localized(status.code(), Localize(status, lang), status.field());
  return http::ProblemResponse(localized, lang);
}

http::Handler Localized(http::Handler handler) {
  return [handler = std::move(handler)](http::Request& request) -> base::Result<http::Response> {
    auto r = handler(request);
    if (r.ok()) return r;
    return Problem(r.status(), request.lang);
  };
}

base::Status AddRoutes(http::RouteTable& routes, const char* tag, std::vector<RouteSpec> specs) {
  for (RouteSpec& s : specs) {
    http::Route r;
    r.method = s.method;
    r.pattern = s.pattern;
    r.permission = s.permission;
    r.summary_ja = s.summary_ja;
    r.summary_en = s.summary_en;
    r.tag = tag;
    r.body_limit = s.body_limit;
    r.produces = std::move(s.produces);
    r.handler = Localized(std::move(s.handler));
    DOKUEI_RETURN_IF_ERROR(routes.Add(std::move(r)));
  }
  return base::Status::Ok();
}

base::Result<json> ParseObject(const http::Request& request,
                               std::span<const std::string_view> allowed) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return Invalid(kBadJson, "body");
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      return Invalid(kUnknownField, key);
  }
  return body;
}

base::Status GetString(const json& body, const char* field, std::optional<std::string>* out) {
  auto it = body.find(field);
  if (it == body.end()) return base::Status::Ok();
  if (!it->is_string()) return WrongType(field);
  *out = it->get<std::string>();
  return base::Status::Ok();
}

base::Status GetBool(const json& body, const char* field, std::optional<bool>* out) {
  auto it = body.find(field);
  if (it == body.end()) return base::Status::Ok();
  if (!it->is_boolean()) return WrongType(field);
  *out = it->get<bool>();
  return base::Status::Ok();
}

base::Status GetInt(const json& body, const char* field, int64_t min, int64_t max,
                    std::optional<int64_t>* out) {
  auto it = body.find(field);
  if (it == body.end()) return base::Status::Ok();
  if (!it->is_number_integer()) return WrongType(field);
  const int64_t v = it->get<int64_t>();
  if (v < min || v > max) return WrongType(field);
  *out = v;
  return base::Status::Ok();
}

base::Status GetStringList(const json& body, const char* field,
                           std::optional<std::vector<std::string>>* out) {
  auto it = body.find(field);
  if (it == body.end()) return base::Status::Ok();
  if (!it->is_array()) return WrongType(field);
  std::vector<std::string> v;
  for (const auto& e : *it) {
    if (!e.is_string()) return WrongType(field);
    v.push_back(e.get<std::string>());
  }
  *out = std::move(v);
  return base::Status::Ok();
}

base::Result<std::vector<identity::Role>> ParseRoles(const json& roles) {
  if (!roles.is_array()) return WrongType("roles");
  std::vector<identity::Role> out;
  for (const auto& r : roles) {
    if (!r.is_string()) return WrongType("roles");
    auto role = identity::RoleFromName(r.get<std::string>());
    if (!role) return WrongType("roles");
    out.push_back(*role);
  }
  return out;
}

base::Result<int64_t> PathId(const http::Request& request, std::string_view name,
                             const ApiMessage& not_found) {
  auto id = base::ParseInt(request.Param(name));
  if (!id || *id <= 0) return NotFound(not_found);
  return *id;
}

base::Result<identity::Tenant> PathTenant(Services& s, const http::Request& request,
                                          std::string_view permission) {
  auto t = s.identity.tenants().GetByCode(std::string(request.Param("tenant")));
  if (!t.ok()) {
    if (t.status().code() == base::Code::kNotFound) return NotFound(kTenantNotFound);
    return t.status();
  }
  if (!request.principal.Reaches(permission, t->id)) return NotFound(kTenantNotFound);
  return t;
}

base::Result<std::vector<int64_t>> ReachableTenants(Services& s, const http::Request& request,
                                                    std::string_view permission) {
  const http::Principal& p = request.principal;
  std::vector<int64_t> out;
  if (p.Reaches(permission, p.tenant_id)) out.push_back(p.tenant_id);
  const bool any = std::any_of(p.any_tenant_permissions.begin(), p.any_tenant_permissions.end(),
                               [&](const std::string& g) { return g == "*" || g == permission; });
  if (any && p.HasPermission(permission)) {
    DOKUEI_ASSIGN_OR_RETURN(const auto tenants, s.identity.tenants().List());
    for (const auto& t : tenants)
      if (t.id != p.tenant_id) out.push_back(t.id);
  }
  return out;
}

json TenantJson(const identity::Tenant& t) {
  return {{"id", t.id},
          {"code", t.code},
          {"name", t.name},
          {"name_en", t.name_en},
          {"kind", identity::TenantKindName(t.kind)},
          {"staff_two_factor_required", t.staff_two_factor_required},
          {"dicom_client_certificate_required", t.dicom_client_certificate_required},
          {"enabled", !t.disabled},
          {"created_at", base::FormatIso8601(t.created_at)}};
}

std::string RoleList(const std::vector<identity::Role>& roles) {
  std::string out;
  for (auto r : roles) out += (out.empty() ? "" : ",") + std::string(identity::RoleName(r));
  return out;
}

json UserJson(const identity::User& u) {
  json roles = json::array();
  for (auto r : u.roles) roles.push_back(identity::RoleName(r));
  json j = {{"id", u.id},
            {"tenant_id", u.tenant_id},
            {"login", u.login},
            {"display_name", u.display_name},
            {"email", u.email},
            {"roles", roles},
            {"two_factor_enrolled", u.two_factor_enrolled},
            {"two_factor_required", u.two_factor_required},
            {"must_change_password", u.must_change_password},
            {"enabled", !u.disabled},
            {"locked", u.locked_until.has_value()},
            {"created_at", base::FormatIso8601(u.created_at)}};
  if (u.last_login_at) j["last_login_at"] = base::FormatIso8601(*u.last_login_at);
  if (u.locked_until) j["locked_until"] = base::FormatIso8601(*u.locked_until);
  return j;
}

json AeJson(const identity::AeTitle& a) {
  return {{"id", a.id},
          {"tenant_id", a.tenant_id},
          {"ae_title", a.ae_title},
          {"host", a.host},
          {"port", a.port},
          {"check_host", a.check_host},
          {"max_associations", a.max_associations},
          {"allow_store", a.allow_store},
          {"allow_find", a.allow_find},
          {"allow_get", a.allow_get},
          {"allow_move", a.allow_move},
          {"allow_commitment", a.allow_commitment},
          {"certificate_sha256", a.certificate_sha256}};
}

json ContactJson(const identity::Contact& c) {
  return {{"id", c.id},
          {"tenant_id", c.tenant_id},
          {"name", c.name},
          {"role", c.role},
          {"phone", c.phone},
          {"email", c.email},
          {"critical_results", c.critical_results}};
}

json ProfileJson(const identity::ReaderProfile& p) {
  return {{"user_id", p.user_id},
          {"display_name", p.display_name},
          {"years_of_experience", p.years_of_experience},
          {"certifications", p.certifications},
          {"subspecialties", p.subspecialties},
          {"modalities", p.modalities},
          {"languages", p.languages},
          {"biography", p.biography},
          {"has_photo", p.has_photo},
          {"updated_at", base::FormatIso8601(p.updated_at)}};
}

audit::AuditedDatabase::Options ChangeOptions(audit::AuditedDatabase::Finish finish) {
  audit::AuditedDatabase::Options o;
  o.finish = std::move(finish);
  o.after_record = audit::AuditedDatabase::AfterRecord::kRefuse;  // one change, one record
  o.on_append_failure = AuditFailed;
  return o;
}

}  // namespace dokuei::api::internal
