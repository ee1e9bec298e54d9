// API tokens (permission tokens.manage):
//   GET    /api/tokens[?tenant=<code|id>]
//   POST   /api/tokens {name, tenant?, permissions[], expires_in_days} → the secret, shown once
//   DELETE /api/tokens/{id}[?tenant=<code|id>]   (an any-tenant grant finds the token's tenant)
// Another tenant is reachable only with an any-tenant grant of tokens.manage; otherwise it, and
// its tokens, answer 404 exactly like missing ones. Creation and revocation commit with their
// audit record ("token.create", "token.revoke") in one transaction.
#include "auth_common.h"
#include "dokuei/base/strings.h"
#include "dokuei/identity/tokens.h"

namespace dokuei::api {
namespace {

using auth_internal::Error;
using auth_internal::Json;

constexpr int kDefaultExpiryDays = 90;

Json TokenJson(const identity::ApiToken& t, base::Timestamp now) {
  Json perms = Json::array();
  for (const auto& g : t.permissions) perms.push_back(identity::FormatPermissionGrant(g));
  return Json{{"id", t.id},
              {"tenant_id", t.tenant_id},
              {"name", t.name},
              {"prefix", t.prefix},
              {"permissions", perms},
              {"created_at", auth_internal::Iso(t.created_at)},
              {"created_by", t.created_by},
              {"expires_at", auth_internal::Iso(t.expires_at)},
              {"revoked_at", auth_internal::OptionalIso(t.revoked_at)},
              {"last_used_at", auth_internal::OptionalIso(t.last_used_at)},
              {"active", !t.revoked_at && t.expires_at > now}};
}

// The tenant a request names ("sakura-clinic" or 12), or the caller's own. A tenant the caller's
// tokens.manage grant does not reach is NotFound, like one that does not exist.
base::Result<int64_t> TargetTenant(Services& s, const http::Request& req, std::string_view named) {
  if (named.empty()) return req.principal.tenant_id;
  base::Result<identity::Tenant> t = base::NotFound("no such tenant");
  if (auto n = base::ParseInt(named); n && *n > 0) {
    t = s.identity.tenants().Get(*n);
  } else {
    t = s.identity.tenants().GetByCode(std::string(named));
  }
  if (!t.ok() && t.status().code() != base::Code::kNotFound) return t.status();
  if (!t.ok() || !req.principal.Reaches("tokens.manage", t->id))
    return Error(base::Code::kNotFound, auth_internal::kTenantNotFound, req.lang, "tenant");
  return t->id;
}

base::Result<http::Response> ListTokens(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t tenant,
                          TargetTenant(s, req, req.Query("tenant").value_or("")));
  DOKUEI_ASSIGN_OR_RETURN(const auto tokens, s.identity.tokens().List(tenant));
  const base::Timestamp now = s.clock.Now();
  Json list = Json::array();
  for (const auto& t : tokens) list.push_back(TokenJson(t, now));
  return auth_internal::JsonResponse(200, Json{{"tenant_id", tenant}, {"tokens", list}});
}

base::Result<http::Response> CreateToken(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const Json body, auth_internal::ParseBody(req));
  identity::TokenRequest tr;
  DOKUEI_ASSIGN_OR_RETURN(tr.name, auth_internal::StringField(body, "name", true, req.lang));
  std::string named;
  if (auto it = body.find("tenant"); it != body.end() && !it->is_null()) {
    if (it->is_number_integer()) {
      named = std::to_string(it->get<int64_t>());
    } else if (it->is_string()) {
      named = it->get<std::string>();
    } else {
      return Error(base::Code::kInvalidArgument, auth_internal::kWrongType, req.lang, "tenant");
    }
  }
  DOKUEI_ASSIGN_OR_RETURN(tr.tenant_id, TargetTenant(s, req, named));
  auto perms = body.find("permissions");
  if (perms == body.end() || !perms->is_array() || perms->empty())
    return Error(base::Code::kInvalidArgument, auth_internal::kMissingField, req.lang,
                 "permissions");
  for (const Json& p : *perms) {
    if (!p.is_string())
      return Error(base::Code::kInvalidArgument, auth_internal::kWrongType, req.lang,
                   "permissions");
    DOKUEI_ASSIGN_OR_RETURN(const identity::PermissionGrant g,
                            identity::ParsePermissionGrant(p.get<std::string>()));
    tr.permissions.push_back(g);
  }
  int64_t days = kDefaultExpiryDays;
  if (auto it = body.find("expires_in_days"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer())
      return Error(base::Code::kInvalidArgument, auth_internal::kExpiryDays, req.lang,
                   "expires_in_days");
    days = it->get<int64_t>();
  }
  if (days < 1 || days > 397)
    return Error(base::Code::kInvalidArgument, auth_internal::kExpiryDays, req.lang,
                 "expires_in_days");
  tr.expires_at = s.clock.Now() + std::chrono::hours(24 * days);

  audit::Event e = RequestEvent(req, "token.create");
  e.tenant_id = tr.tenant_id;
  e.object_detail = "token:" + tr.name;
  e.message = "permissions:";
  for (const auto& g : tr.permissions) e.message += " " + identity::FormatPermissionGrant(g);
  e.message += "; expires in " + std::to_string(days) + " days";
  audit::AuditedDatabase adb(s.identity.database(), s.audit, e, auth_internal::AuditOptions());
  identity::Tokens tokens(adb, s.identity.clock(), s.identity.options());
  const identity::Principal creator = auth_internal::ToIdentityPrincipal(req.principal);
  DOKUEI_ASSIGN_OR_RETURN(const identity::NewToken created, tokens.Create(tr, &creator));
  if (!adb.appended()) DOKUEI_RETURN_IF_ERROR(auth_internal::Record(s, std::move(e), req.lang));
  Json out = TokenJson(created.token, s.clock.Now());
  out["secret"] = created.secret;
  http::Response res = auth_internal::JsonResponse(201, out);
  res.headers.Set("Location", "/api/tokens/" + std::to_string(created.token.id));
  return res;
}

// The tenant of token `id` as far as the caller reaches: the named tenant, else the caller's
// own, else (with an any-tenant grant) whichever tenant holds it. NotFound otherwise, exactly
// like a token that does not exist.
base::Result<int64_t> TokenTenant(Services& s, const http::Request& req, int64_t id) {
  const auto not_found = Error(base::Code::kNotFound, auth_internal::kTokenNotFound, req.lang);
  const std::string_view named = req.Query("tenant").value_or("");
  if (!named.empty()) return TargetTenant(s, req, named);
  auto own = s.identity.tokens().Get(req.principal.tenant_id, id);
  if (own.ok()) return req.principal.tenant_id;
  if (own.status().code() != base::Code::kNotFound) return own.status();
  bool any = false;
  for (const auto& p : req.principal.any_tenant_permissions) any = any || p == "tokens.manage";
  if (!any) return not_found;
  DOKUEI_ASSIGN_OR_RETURN(const auto tenants, s.identity.tenants().List());
  for (const identity::Tenant& t : tenants) {
    if (t.id == req.principal.tenant_id) continue;
    auto found = s.identity.tokens().Get(t.id, id);
    if (found.ok()) return t.id;
    if (found.status().code() != base::Code::kNotFound) return found.status();
  }
  return not_found;
}

base::Result<http::Response> RevokeToken(Services& s, http::Request& req) {
  const auto id = base::ParseInt(req.Param("id"));
  if (!id || *id <= 0) return Error(base::Code::kNotFound, auth_internal::kTokenNotFound, req.lang);
  DOKUEI_ASSIGN_OR_RETURN(const int64_t tenant, TokenTenant(s, req, *id));
  audit::Event e = RequestEvent(req, "token.revoke");
  e.tenant_id = tenant;
  e.object_detail = "token id " + std::to_string(*id);
  audit::AuditedDatabase adb(s.identity.database(), s.audit, e, auth_internal::AuditOptions());
  identity::Tokens tokens(adb, s.identity.clock(), s.identity.options());
  base::Status st = tokens.Revoke(tenant, *id);
  if (st.code() == base::Code::kNotFound)
    return Error(base::Code::kNotFound, auth_internal::kTokenNotFound, req.lang);
  DOKUEI_RETURN_IF_ERROR(st);
  if (!adb.appended()) DOKUEI_RETURN_IF_ERROR(auth_internal::Record(s, std::move(e), req.lang));
  http::Response res;
  res.status = 204;
  return res;
}

}  // namespace

namespace auth_internal {

base::Status RegisterTokenRoutes(http::RouteTable& routes, Services& services) {
  Services* s = &services;
  auto bind = [s](base::Result<http::Response> (*fn)(Services&, http::Request&)) {
    return [s, fn](http::Request& req) { return fn(*s, req); };
  };
  DOKUEI_RETURN_IF_ERROR(AddAuthRoute(routes, "GET", "/api/tokens", "tokens.manage",
                                      "API トークンの一覧", "List API tokens", bind(&ListTokens)));
  DOKUEI_RETURN_IF_ERROR(AddAuthRoute(
      routes, "POST", "/api/tokens", "tokens.manage", "API トークンを発行 (秘密の値は一度だけ表示)",
      "Create an API token (the secret is shown once)", bind(&CreateToken)));
  return AddAuthRoute(routes, "DELETE", "/api/tokens/{id}", "tokens.manage", "API トークンを失効",
                      "Revoke an API token", bind(&RevokeToken));
}

}  // namespace auth_internal
}  // namespace dokuei::api
