// The signed-in person's own account (permission account.self, sessions only):
//   GET  /api/me                      user, tenant, roles, permissions with scopes, csrf_token
//   POST /api/me/password             {current_password, new_password}
//   POST /api/me/two-factor           begin TOTP enrolment (when none is active)
//   POST /api/me/two-factor/confirm   {code} → recovery codes (shown once)
//   POST /api/me/recovery-codes       {code} → new recovery codes (the old ones become void)
// Changes commit with their audit record in one transaction; a refused change is recorded too.
#include "auth_common.h"

namespace dokuei::api {
namespace {

using auth_internal::Json;

audit::Event MeEvent(const http::Request& req, std::string action) {
  audit::Event e = RequestEvent(req, std::move(action));
  e.tenant_id = req.principal.tenant_id;
  e.object_detail = req.method + " " + req.path;
  return e;
}

// Records a refused change (its failure status in English, never a secret), then returns the
// refusal; an audit failure wins (the request fails either way).
base::Status Refuse(Services& s, const http::Request& req, audit::Event e,
                    const base::Status& why) {
  e.outcome = audit::Outcome::kMinorFailure;
  e.message = "refused: " + why.message();
  DOKUEI_RETURN_IF_ERROR(auth_internal::Record(s, std::move(e), req.lang));
  return why;
}

base::Result<http::Response> Me(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(auth_internal::RequireUser(req));
  DOKUEI_ASSIGN_OR_RETURN(
      const identity::User user,
      s.identity.accounts().Get(req.principal.tenant_id, req.principal.user_id));
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant tenant,
                          s.identity.tenants().Get(req.principal.tenant_id));
  // Roles and grants as the authenticator found them for this request.
  identity::Principal p = auth_internal::ToIdentityPrincipal(req.principal);
  p.tenant_code = tenant.code;
  p.display_name = user.display_name;
  p.must_change_password = user.must_change_password;
  Json u = auth_internal::PrincipalUserJson(p);
  u["email"] = user.email;
  u["two_factor_enrolled"] = user.two_factor_enrolled;
  u["two_factor_required"] = user.two_factor_required;
  u["last_login_at"] = auth_internal::OptionalIso(user.last_login_at);
  Json roles = Json::array();
  for (identity::Role r : p.roles) {
    roles.push_back({{"role", std::string(identity::RoleName(r))},
                     {"label", std::string(identity::RoleLabel(r, req.lang))}});
  }
  Json out{{"user", u},
           {"tenant",
            {{"id", tenant.id},
             {"code", tenant.code},
             {"name", tenant.name},
             {"name_en", tenant.name_en},
             {"kind", std::string(identity::TenantKindName(tenant.kind))}}},
           {"roles", roles},
           {"permissions", auth_internal::GrantsJson(p)},
           {"csrf_token", req.principal.csrf_token}};
  if (!req.principal.session_id.empty()) {
    // The expiry times of the session (verified again: the authenticator keeps only the id).
    DOKUEI_ASSIGN_OR_RETURN(const identity::SessionInfo info,
                            s.identity.sessions().Verify(req.principal.session_id));
    out["session"] = {{"expires_at", auth_internal::Iso(info.absolute_expires_at)},
                      {"idle_expires_at", auth_internal::Iso(info.idle_expires_at)}};
  }
  if (user.two_factor_enrolled) {
    DOKUEI_ASSIGN_OR_RETURN(const int left, s.identity.two_factor().RecoveryCodesLeft(user.id));
    out["recovery_codes_left"] = left;
  }
  return auth_internal::JsonResponse(200, out);
}

base::Result<http::Response> ChangePassword(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(auth_internal::RequireUser(req));
  DOKUEI_ASSIGN_OR_RETURN(const Json body, auth_internal::ParseBody(req));
  DOKUEI_ASSIGN_OR_RETURN(const std::string current,
                          auth_internal::StringField(body, "current_password", true, req.lang));
  DOKUEI_ASSIGN_OR_RETURN(const std::string next,
                          auth_internal::StringField(body, "new_password", true, req.lang));
  audit::Event e = MeEvent(req, "password.change");
  e.message = "own password changed; other sessions ended";
  // Only the transaction that stores the new hash carries the success record (a wrong current
  // password writes a failure counter instead).
  audit::AuditedDatabase adb(s.identity.database(), s.audit, e,
                             auth_internal::AuditOptions("UPDATE users SET password_hash"));
  identity::Accounts accounts(adb, s.identity.clock(), s.identity.hasher(), s.identity.options());
  base::Status st =
      accounts.ChangePassword(req.principal.user_id, current, next, req.principal.session_id);
  if (!st.ok()) {
    // The policy names the rule that failed; the field is the API's name for the new password.
    if (st.field() == "password") st = base::Status(st.code(), st.message(), "new_password");
    return Refuse(s, req, std::move(e), st);
  }
  if (!adb.appended()) DOKUEI_RETURN_IF_ERROR(auth_internal::Record(s, std::move(e), req.lang));
  return auth_internal::JsonResponse(200, Json{{"status", "ok"}});
}

base::Result<http::Response> BeginTwoFactor(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(auth_internal::RequireUser(req));
  audit::Event e = MeEvent(req, "totp.enrol.begin");
  e.message = "new TOTP secret issued (not active until confirmed)";
  identity::TotpEnrolment enrolment;
  base::Status st = s.identity.database().Transact(db::TxKind::kWrite, [&](db::Conn& c) {
    DOKUEI_ASSIGN_OR_RETURN(enrolment, s.identity.two_factor().BeginIn(c, req.principal.user_id));
    return s.audit.AppendIn(c, e).status();
  });
  if (!st.ok()) return Refuse(s, req, std::move(e), st);
  return auth_internal::JsonResponse(
      200, Json{{"otpauth_uri", enrolment.otpauth_uri}, {"secret", enrolment.secret_base32}});
}

base::Result<http::Response> ConfirmTwoFactor(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(auth_internal::RequireUser(req));
  DOKUEI_ASSIGN_OR_RETURN(const Json body, auth_internal::ParseBody(req));
  DOKUEI_ASSIGN_OR_RETURN(const std::string code,
                          auth_internal::StringField(body, "code", true, req.lang));
  audit::Event e = MeEvent(req, "totp.enrol");
  e.message = "second factor enrolled; recovery codes issued";
  std::vector<std::string> codes;
  base::Status st = s.identity.database().Transact(db::TxKind::kWrite, [&](db::Conn& c) {
    DOKUEI_ASSIGN_OR_RETURN(codes,
                            s.identity.two_factor().ConfirmIn(c, req.principal.user_id, code));
    return s.audit.AppendIn(c, e).status();
  });
  if (!st.ok()) return Refuse(s, req, std::move(e), st);
  return auth_internal::JsonResponse(200, Json{{"status", "ok"}, {"recovery_codes", codes}});
}

base::Result<http::Response> RegenerateRecoveryCodes(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(auth_internal::RequireUser(req));
  DOKUEI_ASSIGN_OR_RETURN(const Json body, auth_internal::ParseBody(req));
  DOKUEI_ASSIGN_OR_RETURN(const std::string code,
                          auth_internal::StringField(body, "code", true, req.lang));
  audit::Event e = MeEvent(req, "totp.recovery_codes");
  e.message = "recovery codes regenerated; the old ones are void";
  audit::AuditedDatabase adb(s.identity.database(), s.audit, e, auth_internal::AuditOptions());
  identity::TwoFactor two_factor(adb, s.identity.clock(), s.identity.key(), s.identity.options());
  auto codes = two_factor.RegenerateRecoveryCodes(req.principal.user_id, code);
  if (!codes.ok()) return Refuse(s, req, std::move(e), codes.status());
  if (!adb.appended()) DOKUEI_RETURN_IF_ERROR(auth_internal::Record(s, std::move(e), req.lang));
  return auth_internal::JsonResponse(200, Json{{"status", "ok"}, {"recovery_codes", *codes}});
}

}  // namespace

namespace auth_internal {

base::Status RegisterMeRoutes(http::RouteTable& routes, Services& services) {
  Services* s = &services;
  auto bind = [s](base::Result<http::Response> (*fn)(Services&, http::Request&)) {
    return [s, fn](http::Request& req) { return fn(*s, req); };
  };
  DOKUEI_RETURN_IF_ERROR(AddAuthRoute(
      routes, "GET", "/api/me", "account.self", "自分のアカウント情報 (権限と CSRF トークンを含む)",
      "The signed-in user, tenant, roles, permissions and CSRF token", bind(&Me)));
  DOKUEI_RETURN_IF_ERROR(AddAuthRoute(routes, "POST", "/api/me/password", "account.self",
                                      "自分のパスワードを変更", "Change your own password",
                                      bind(&ChangePassword)));
  DOKUEI_RETURN_IF_ERROR(AddAuthRoute(routes, "POST", "/api/me/two-factor", "account.self",
                                      "二要素認証 (TOTP) の登録を開始", "Begin TOTP enrolment",
                                      bind(&BeginTwoFactor)));
  DOKUEI_RETURN_IF_ERROR(AddAuthRoute(routes, "POST", "/api/me/two-factor/confirm", "account.self",
                                      "二要素認証 (TOTP) の登録を確定",
                                      "Confirm TOTP enrolment with a code",
                                      bind(&ConfirmTwoFactor)));
  return AddAuthRoute(routes, "POST", "/api/me/recovery-codes", "account.self",
                      "リカバリーコードを再発行", "Regenerate recovery codes",
                      bind(&RegenerateRecoveryCodes));
}

}  // namespace auth_internal
}  // namespace dokuei::api
