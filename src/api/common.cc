#include "common.h"

#include "dokuei/base/clock.h"
#include "dokuei/base/strings.h"
#include "dokuei/http/media_type.h"
#include "dokuei/identity/roles.h"

namespace dokuei::api::auth_internal {
namespace {

constexpr const identity::Message* kOwn[] = {
    &kBadJson,        &kJsonOnly,         &kMissingField,     &kWrongType,
    &kTenantNotFound, &kTokenNotFound,    &kAuditUnavailable, &kChallengeExpired,
    &kWrongCode,      &kAddressThrottled, &kExpiryDays,
};

}  // namespace

base::Status Error(base::Code code, const identity::Message& m, std::string_view lang,
                   std::string field) {
  return base::Status(code, std::string(lang == "en" ? m.en : m.ja), std::move(field));
}

base::Status Localized(const base::Status& status, std::string_view lang) {
  if (status.ok()) return status;
  for (const identity::Message* m : kOwn) {
    if (status.message() == m->en || status.message() == m->ja)
      return Error(status.code(), *m, lang, status.field());
  }
  return base::Status(status.code(), identity::LocalizedMessage(status, lang), status.field());
}

http::Handler Localizing(http::Handler handler) {
  return [handler = std::move(handler)](http::Request& request) -> base::Result<http::Response> {
    auto r = handler(request);
    if (!r.ok()) return Localized(r.status(), request.lang);
    return r;
  };
}

base::Result<Json> ParseBody(const http::Request& request) {
  auto type = http::ParseMediaType(request.Header("Content-Type"));
  if (!type.ok() || type->type != "application" || type->subtype != "json")
    return Error(base::Code::kUnsupported, kJsonOnly, request.lang, "Content-Type");
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object())
    return Error(base::Code::kInvalidArgument, kBadJson, request.lang);
  return body;
}

base::Result<std::string> StringField(const Json& body, const char* name, bool required,
                                      std::string_view lang) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Error(base::Code::kInvalidArgument, kMissingField, lang, name);
    return std::string();
  }
  if (!it->is_string()) return Error(base::Code::kInvalidArgument, kWrongType, lang, name);
  std::string value = it->get<std::string>();
  if (required && value.empty())
    return Error(base::Code::kInvalidArgument, kMissingField, lang, name);
  return value;
}

http::Response JsonResponse(int status, const Json& body) {
  http::Response r =
      http::Response::Bytes(status, "application/json; charset=utf-8",
                            body.dump(-1, ' ', false, Json::error_handler_t::replace));
  // Answers carry session data, secrets shown once and personal details: never cached.
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

std::string CookieValue(std::string_view header, std::string_view name) {
  for (std::string_view part : base::Split(header, ';')) {
    part = base::Trim(part);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    if (base::Trim(part.substr(0, eq)) != name) continue;
    std::string_view value = base::Trim(part.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return std::string(value);
  }
  return {};
}

http::Principal ToHttpPrincipal(const identity::Principal& p) {
  http::Principal out;
  out.tenant_id = p.tenant_id;
  out.subject = p.subject;
  out.user_id = p.user_id;
  out.tenant_kind = std::string(identity::TenantKindName(p.tenant_kind));
  for (identity::Role r : p.roles) out.roles.emplace_back(identity::RoleName(r));
  for (const identity::PermissionGrant& g : p.grants) {
    out.permissions.emplace_back(g.permission);
    if (g.scope == identity::Scope::kAnyTenant)
      out.any_tenant_permissions.emplace_back(g.permission);
  }
  return out;
}

identity::Principal ToIdentityPrincipal(const http::Principal& p) {
  identity::Principal out;
  out.tenant_id = p.tenant_id;
  out.tenant_kind =
      identity::TenantKindFromName(p.tenant_kind).value_or(identity::TenantKind::kHospital);
  out.user_id = p.user_id;
  out.subject = p.subject;
  for (const std::string& r : p.roles) {
    if (auto role = identity::RoleFromName(r)) out.roles.push_back(*role);
  }
  for (const std::string& name : p.permissions) {
    auto canonical = identity::CanonicalPermission(name);
    if (!canonical) continue;
    bool any = false;
    for (const std::string& a : p.any_tenant_permissions) any = any || a == name;
    out.grants.push_back(
        {*canonical, any ? identity::Scope::kAnyTenant : identity::Scope::kOwnTenant});
  }
  std::sort(out.grants.begin(), out.grants.end(),
            [](const auto& a, const auto& b) { return a.permission < b.permission; });
  return out;
}

std::string Iso(base::Timestamp t) { return base::FormatIso8601(t); }

Json OptionalIso(const std::optional<base::Timestamp>& t) {
  return t ? Json(Iso(*t)) : Json(nullptr);
}

}  // namespace dokuei::api::auth_internal
