// Administration routes, part 1: tenants and users (RegisterAdminRoutes registers the other
// groups from network_routes.cc and reader_routes.cc too).
//
//   GET   /api/tenants                         tenants.read    (any scope: all; own: its own)
//   POST  /api/tenants                         tenants.manage  (any scope only)
//   GET   /api/tenants/{tenant}                tenants.read
//   PATCH /api/tenants/{tenant}                tenants.manage
//   GET   /api/tenants/{tenant}/users          users.read
//   POST  /api/tenants/{tenant}/users          users.manage
//   GET   /api/users/{user}                    users.read
//   PATCH /api/users/{user}                    users.manage    (names, email, roles, enabled)
//   POST  /api/users/{user}/password-reset     users.manage    (one-time password, must change)
//   POST  /api/users/{user}/two-factor/reset   users.manage
//   POST  /api/users/{user}/unlock             users.manage
//
// {tenant} is the tenant's code; {user} the user's id. A tenant or user the principal's grant
// does not reach is answered 404 with the same body as one that does not exist. Every change is
// made through identity's services on an AuditedDatabase, so its audit record commits with it.
#include <algorithm>

#include "dokuei/identity/passwords.h"
#include "route_util.h"

namespace dokuei::api {

using internal::json;

namespace {

using namespace internal;  // NOLINT: the helpers of this module's route files

audit::Event ChangeEvent(const http::Request& req, std::string action, int64_t tenant_id,
                         std::string detail) {
  audit::Event e = RequestEvent(req, std::move(action));
  e.tenant_id = tenant_id;
  e.object_detail = std::move(detail);
  return e;
}

std::string UserDetail(const identity::User& u) {
  return "user " + std::to_string(u.id) + " (" + u.login + ")";
}

bool AnyScope(const http::Principal& p, std::string_view permission) {
  return p.HasPermission(permission) &&
         std::any_of(p.any_tenant_permissions.begin(), p.any_tenant_permissions.end(),
                     [&](const std::string& g) { return g == "*" || g == permission; });
}

base::Result<json> BodyOrEmpty(const http::Request& req,
                               std::initializer_list<std::string_view> allowed) {
  if (req.body.empty()) return json::object();
  return ParseObject(req, allowed);
}

// The user named by {user}, if the principal reaches its tenant with `permission`.
base::Result<identity::User> PathUser(Services& s, const http::Request& req,
                                      std::string_view permission) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, PathId(req, "user", kUserNotFound));
  DOKUEI_ASSIGN_OR_RETURN(const auto tenants, ReachableTenants(s, req, permission));
  for (int64_t t : tenants) {
    auto u = s.identity.accounts().Get(t, id);
    if (u.ok()) return u;
    if (u.status().code() != base::Code::kNotFound) return u.status();
  }
  return NotFound(kUserNotFound);
}

identity::Accounts AccountsOn(Services& s, db::Database& db) {
  return identity::Accounts(db, s.identity.clock(), s.identity.hasher(), s.identity.options());
}

// ---- tenants ---------------------------------------------------------------------------------

base::Result<http::Response> ListTenants(Services& s, http::Request& req) {
  std::vector<identity::Tenant> tenants;
  if (AnyScope(req.principal, "tenants.read")) {
    DOKUEI_ASSIGN_OR_RETURN(tenants, s.identity.tenants().List());
  } else {
    DOKUEI_ASSIGN_OR_RETURN(auto own, s.identity.tenants().Get(req.principal.tenant_id));
    tenants.push_back(std::move(own));
  }
  json arr = json::array();
  for (const auto& t : tenants) arr.push_back(TenantJson(t));
  return JsonResponse(200, {{"tenants", arr}});
}

base::Result<http::Response> CreateTenant(Services& s, http::Request& req) {
  if (!AnyScope(req.principal, "tenants.manage"))
    return base::PermissionDenied("creating tenants needs tenants.manage for every tenant");
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, {"code", "name", "name_en", "kind",
                                                             "staff_two_factor_required",
                                                             "dicom_client_certificate_required"}));
  std::optional<std::string> code, name, name_en, kind;
  std::optional<bool> staff_2fa, client_cert;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "code", &code));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "name", &name));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "name_en", &name_en));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "kind", &kind));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "staff_two_factor_required", &staff_2fa));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "dicom_client_certificate_required", &client_cert));
  if (!code) return Invalid(kRequired, "code");
  if (!name) return Invalid(kRequired, "name");
  identity::TenantSpec spec;
  spec.code = *code;
  spec.name = *name;
  spec.name_en = name_en.value_or("");
  if (kind) {
    auto k = identity::TenantKindFromName(*kind);
    if (!k) return Invalid(kBadType, "kind");
    spec.kind = *k;
  }
  spec.staff_two_factor_required = staff_2fa.value_or(false);
  spec.dicom_client_certificate_required = client_cert.value_or(false);
  DOKUEI_RETURN_IF_ERROR(identity::ValidateTenantCode(spec.code));
  audit::AuditedDatabase adb(
      s.identity.database(), s.audit, ChangeEvent(req, "tenant.create", 0, ""),
      ChangeOptions([&](db::Conn& c, audit::Event& e) -> base::Status {
        // The code is unique; the tenant may have existed in the index alone.
        const db::Value p[] = {spec.code};
        DOKUEI_RETURN_IF_ERROR(
            c.Query("SELECT id FROM tenants WHERE code = ?", p, [&](const db::Row& r) {
              e.tenant_id = r.Int(0);
              return base::Status::Ok();
            }));
        e.object_detail = "tenant " + std::to_string(e.tenant_id) + " (" + spec.code + ")";
        e.message = std::string("kind ") + std::string(identity::TenantKindName(spec.kind));
        return base::Status::Ok();
      }));
  identity::TenantDirectory tenants(adb, s.identity.clock());
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, tenants.Create(spec));
  http::Response r = JsonResponse(201, TenantJson(t));
  r.headers.Set("Location", "/api/tenants/" + t.code);
  return r;
}

base::Result<http::Response> GetTenant(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "tenants.read"));
  return JsonResponse(200, TenantJson(t));
}

base::Result<http::Response> PatchTenant(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "tenants.manage"));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, {"name", "name_en", "kind", "enabled",
                                                             "staff_two_factor_required",
                                                             "dicom_client_certificate_required"}));
  identity::TenantUpdate u;
  std::optional<std::string> kind;
  std::optional<bool> enabled;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "name", &u.name));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "name_en", &u.name_en));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "kind", &kind));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "enabled", &enabled));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "staff_two_factor_required", &u.staff_two_factor_required));
  DOKUEI_RETURN_IF_ERROR(
      GetBool(body, "dicom_client_certificate_required", &u.dicom_client_certificate_required));
  if (kind && identity::TenantKindFromName(*kind) != t.kind) return Invalid(kImmutable, "kind");
  if (enabled) u.disabled = !*enabled;
  std::string changed;
  for (const auto& [key, value] : body.items())
    if (key != "kind") changed += (changed.empty() ? "" : ",") + key;
  if (changed.empty()) return JsonResponse(200, TenantJson(t));  // nothing to change or audit
  audit::Event e = ChangeEvent(req, "tenant.update", t.id,
                               "tenant " + std::to_string(t.id) + " (" + t.code + ")");
  e.message = "changed: " + changed;
  audit::AuditedDatabase adb(s.identity.database(), s.audit, std::move(e), ChangeOptions());
  identity::TenantDirectory tenants(adb, s.identity.clock());
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant out, tenants.Update(t.id, u));
  return JsonResponse(200, TenantJson(out));
}

// ---- users -----------------------------------------------------------------------------------

base::Result<http::Response> ListUsers(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "users.read"));
  DOKUEI_ASSIGN_OR_RETURN(const auto users, s.identity.accounts().List(t.id));
  json arr = json::array();
  for (const auto& u : users) arr.push_back(UserJson(u));
  return JsonResponse(200, {{"users", arr}});
}

base::Result<http::Response> CreateUser(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "users.manage"));
  DOKUEI_ASSIGN_OR_RETURN(
      const json body, ParseObject(req, {"login", "display_name", "email", "roles", "password"}));
  std::optional<std::string> login, name, email, password;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "login", &login));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "display_name", &name));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "email", &email));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "password", &password));
  if (!login) return Invalid(kRequired, "login");
  if (!name) return Invalid(kRequired, "display_name");
  if (!body.contains("roles")) return Invalid(kRequired, "roles");
  identity::NewUser nu;
  nu.tenant_id = t.id;
  nu.login = *login;
  nu.display_name = *name;
  nu.email = email.value_or("");
  DOKUEI_ASSIGN_OR_RETURN(nu.roles, ParseRoles(body["roles"]));
  const bool one_time = !password.has_value();
  nu.password = one_time ? identity::GeneratePassword() : *password;
  nu.must_change_password = one_time;
  audit::Event e = ChangeEvent(req, "user.create", t.id, "");
  audit::AuditedDatabase adb(s.identity.database(), s.audit, std::move(e),
                             ChangeOptions([&](db::Conn& c, audit::Event& ev) -> base::Status {
                               // The users row is the only insert with a generated id in Create.
                               DOKUEI_ASSIGN_OR_RETURN(const int64_t id, db::LastInsertId(c));
                               auto norm = identity::NormalizeLogin(nu.login);
                               ev.object_detail = "user " + std::to_string(id) + " (" +
                                                  (norm.ok() ? *norm : nu.login) + ")";
                               std::vector<identity::Role> roles = nu.roles;
                               std::sort(roles.begin(), roles.end());
                               roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
                               ev.message = "roles: " + RoleList(roles);
                               return base::Status::Ok();
                             }));
  DOKUEI_ASSIGN_OR_RETURN(const identity::User u, AccountsOn(s, adb).Create(nu));
  json j = UserJson(u);
  if (one_time) j["one_time_password"] = nu.password;  // shown once, never stored in clear
  http::Response r = JsonResponse(201, j);
  r.headers.Set("Location", "/api/users/" + std::to_string(u.id));
  return r;
}

base::Result<http::Response> GetUser(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::User u, PathUser(s, req, "users.read"));
  return JsonResponse(200, UserJson(u));
}

base::Result<http::Response> PatchUser(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::User u, PathUser(s, req, "users.manage"));
  DOKUEI_ASSIGN_OR_RETURN(const json body,
                          ParseObject(req, {"display_name", "email", "roles", "enabled", "login"}));
  identity::UserUpdate update;
  std::optional<std::string> login;
  std::optional<bool> enabled;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "display_name", &update.display_name));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "email", &update.email));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "login", &login));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "enabled", &enabled));
  if (login && *login != u.login) return Invalid(kImmutable, "login");
  std::optional<std::vector<identity::Role>> roles;
  if (body.contains("roles")) {
    DOKUEI_ASSIGN_OR_RETURN(roles, ParseRoles(body["roles"]));
  }
  // Each kind of change is one identity call, one transaction and one audit record.
  if (update.display_name || update.email) {
    audit::Event e = ChangeEvent(req, "user.update", u.tenant_id, UserDetail(u));
    e.message = std::string("changed:") + (update.display_name ? " display_name" : "") +
                (update.email ? " email" : "");
    audit::AuditedDatabase adb(s.identity.database(), s.audit, std::move(e), ChangeOptions());
    DOKUEI_RETURN_IF_ERROR(AccountsOn(s, adb).Update(u.tenant_id, u.id, update).status());
  }
  if (roles) {
    audit::Event e = ChangeEvent(req, "role.change", u.tenant_id, UserDetail(u));
    std::vector<identity::Role> next = *roles;
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    e.message = "roles: " + RoleList(u.roles) + " -> " + RoleList(next);
    audit::AuditedDatabase adb(s.identity.database(), s.audit, std::move(e), ChangeOptions());
    DOKUEI_RETURN_IF_ERROR(AccountsOn(s, adb).SetRoles(u.tenant_id, u.id, *roles).status());
  }
  if (enabled) {
    audit::AuditedDatabase adb(
        s.identity.database(), s.audit,
        ChangeEvent(req, *enabled ? "user.enable" : "user.disable", u.tenant_id, UserDetail(u)),
        ChangeOptions());
    DOKUEI_RETURN_IF_ERROR(AccountsOn(s, adb).SetDisabled(u.tenant_id, u.id, !*enabled));
  }
  DOKUEI_ASSIGN_OR_RETURN(const identity::User out, s.identity.accounts().Get(u.tenant_id, u.id));
  return JsonResponse(200, UserJson(out));
}

base::Result<http::Response> ResetPassword(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::User u, PathUser(s, req, "users.manage"));
  DOKUEI_ASSIGN_OR_RETURN(const json body, BodyOrEmpty(req, {"password", "must_change"}));
  std::optional<std::string> password;
  std::optional<bool> must_change;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "password", &password));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "must_change", &must_change));
  const bool one_time = !password.has_value();
  const std::string pw = one_time ? identity::GeneratePassword() : *password;
  const bool must = one_time || must_change.value_or(true);
  audit::Event e = ChangeEvent(req, "password.reset", u.tenant_id, UserDetail(u));
  e.message = one_time ? "one-time password issued" : "password set by an administrator";
  audit::AuditedDatabase adb(s.identity.database(), s.audit, std::move(e), ChangeOptions());
  DOKUEI_RETURN_IF_ERROR(AccountsOn(s, adb).ResetPassword(u.tenant_id, u.id, pw, must));
  json j = {{"user_id", u.id}, {"must_change_password", must}};
  if (one_time) j["one_time_password"] = pw;
  return JsonResponse(200, j);
}

base::Result<http::Response> ResetTwoFactor(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::User u, PathUser(s, req, "users.manage"));
  audit::AuditedDatabase adb(s.identity.database(), s.audit,
                             ChangeEvent(req, "totp.reset", u.tenant_id, UserDetail(u)),
                             ChangeOptions());
  identity::TwoFactor two_factor(adb, s.identity.clock(), s.identity.key(), s.identity.options());
  DOKUEI_RETURN_IF_ERROR(two_factor.Reset(u.tenant_id, u.id));
  DOKUEI_ASSIGN_OR_RETURN(const identity::User out, s.identity.accounts().Get(u.tenant_id, u.id));
  return JsonResponse(200, UserJson(out));
}

base::Result<http::Response> Unlock(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::User u, PathUser(s, req, "users.manage"));
  audit::AuditedDatabase adb(s.identity.database(), s.audit,
                             ChangeEvent(req, "user.unlock", u.tenant_id, UserDetail(u)),
                             ChangeOptions());
  DOKUEI_RETURN_IF_ERROR(AccountsOn(s, adb).Unlock(u.tenant_id, u.id));
  DOKUEI_ASSIGN_OR_RETURN(const identity::User out, s.identity.accounts().Get(u.tenant_id, u.id));
  return JsonResponse(200, UserJson(out));
}

}  // namespace

namespace internal {

base::Status RegisterTenantUserRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return [&s, fn](http::Request& req) { return fn(s, req); };
  };
  DOKUEI_RETURN_IF_ERROR(AddRoutes(
      routes, "Tenants",
      {
          {"GET", "/api/tenants", "tenants.read", "施設の一覧", "List tenants", h(ListTenants)},
          {"POST", "/api/tenants", "tenants.manage", "施設を作成", "Create a tenant",
           h(CreateTenant)},
          {"GET", "/api/tenants/{tenant}", "tenants.read", "施設の詳細", "Get a tenant",
           h(GetTenant)},
          {"PATCH", "/api/tenants/{tenant}", "tenants.manage", "施設の名前・方針・有効状態を変更",
           "Change a tenant's names, policies or enabled state", h(PatchTenant)},
      }));
  return AddRoutes(
      routes, "Users",
      {
          {"GET", "/api/tenants/{tenant}/users", "users.read", "施設の利用者の一覧",
           "List a tenant's users", h(ListUsers)},
          {"POST", "/api/tenants/{tenant}/users", "users.manage",
           "利用者を作成 (パスワード省略時は一回限りのパスワードを発行)",
           "Create a user (a one-time password is issued when none is given)", h(CreateUser)},
          {"GET", "/api/users/{user}", "users.read", "利用者の詳細", "Get a user", h(GetUser)},
          {"PATCH", "/api/users/{user}", "users.manage",
           "利用者の名前・メール・役割・有効状態を変更",
           "Change a user's name, email, roles or enabled state", h(PatchUser)},
          {"POST", "/api/users/{user}/password-reset", "users.manage",
           "パスワードを再設定 (次回ログインで変更)",
           "Reset a user's password (to be changed at next login)", h(ResetPassword)},
          {"POST", "/api/users/{user}/two-factor/reset", "users.manage",
           "二要素認証を解除し再登録させる", "Reset two-factor authentication (re-enrolment)",
           h(ResetTwoFactor)},
          {"POST", "/api/users/{user}/unlock", "users.manage", "ロックアウトを解除",
           "Lift a lockout", h(Unlock)},
      });
}

}  // namespace internal

base::Status RegisterAdminRoutes(http::RouteTable& routes, Services& services) {
  DOKUEI_RETURN_IF_ERROR(internal::RegisterTenantUserRoutes(routes, services));
  DOKUEI_RETURN_IF_ERROR(internal::RegisterNetworkRoutes(routes, services));
  return internal::RegisterReaderRoutes(routes, services);
}

}  // namespace dokuei::api
