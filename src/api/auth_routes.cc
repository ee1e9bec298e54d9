// Sign-in and sign-out (docs/design/identity-and-audit.md, security.md A5–A7):
//   POST /api/auth/login             {login, password}
//   POST /api/auth/second-factor     {challenge, code | recovery_code}
//   POST /api/auth/enrol             {challenge, code}       first TOTP enrolment at sign-in
//   POST /api/auth/logout
//   POST /api/auth/logout-everywhere
// A refused sign-in answers 401 with one body whatever the reason (unknown login, wrong password,
// locked or disabled account), so the answer never tells whether a login exists. Every attempt
// leaves exactly one audit record, written before the answer.
#include <spdlog/spdlog.h>

#include "auth_common.h"
#include "dokuei/base/strings.h"

namespace dokuei::api {
namespace auth_internal {

base::Status AddAuthRoute(http::RouteTable& routes, std::string method, std::string pattern,
                          std::string permission, std::string summary_ja, std::string summary_en,
                          http::Handler handler, bool authenticate) {
  http::Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.handler = Localizing(std::move(handler));
  r.permission = std::move(permission);
  r.authenticate = authenticate;
  r.body_limit = 64 * 1024;
  r.summary_ja = std::move(summary_ja);
  r.summary_en = std::move(summary_en);
  r.tag = "Authentication";
  r.produces = {"application/json"};
  return routes.Add(std::move(r));
}

std::string SessionCookie(const Options& options, std::string_view session_id) {
  std::string c =
      options.cookie_name + "=" + std::string(session_id) + "; Path=/; HttpOnly; SameSite=Strict";
  if (options.secure_cookies) c += "; Secure";
  return c;
}

std::string ClearedCookie(const Options& options) {
  std::string c = options.cookie_name + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  if (options.secure_cookies) c += "; Secure";
  return c;
}

Json PrincipalUserJson(const identity::Principal& p) {
  Json roles = Json::array();
  for (identity::Role r : p.roles) roles.push_back(std::string(identity::RoleName(r)));
  return Json{{"id", p.user_id},
              {"login", p.subject},
              {"display_name", p.display_name},
              {"tenant",
               {{"id", p.tenant_id},
                {"code", p.tenant_code},
                {"kind", std::string(identity::TenantKindName(p.tenant_kind))}}},
              {"roles", roles},
              {"must_change_password", p.must_change_password}};
}

Json GrantsJson(const identity::Principal& p) {
  Json out = Json::array();
  for (const auto& g : p.grants) {
    out.push_back({{"permission", std::string(g.permission)},
                   {"scope", std::string(identity::ScopeName(g.scope))}});
  }
  return out;
}

audit::AuditedDatabase::Options AuditOptions(std::string required_statement) {
  audit::AuditedDatabase::Options o;
  o.required_statement = std::move(required_statement);
  o.after_record = audit::AuditedDatabase::AfterRecord::kPassThrough;
  return o;
}

base::Status Record(Services& services, audit::Event event, std::string_view lang) {
  auto r = services.audit.Append(std::move(event));
  if (r.ok()) return base::Status::Ok();
  spdlog::error("api: audit record not written: {}", r.status().ToString());
  return Error(base::Code::kUnavailable, kAuditUnavailable, lang);
}

base::Status RequireUser(const http::Request& request) {
  // Only sessions carry a user id (API tokens and static tokens have none).
  if (request.principal.user_id != 0) return base::Status::Ok();
  return Error(base::Code::kPermissionDenied, kUserOnly, request.lang);
}

}  // namespace auth_internal

namespace {

using auth_internal::Error;
using auth_internal::Json;

enum class Step { kPassword, kSecondFactor, kEnrolment };

// The audit event of a sign-in step, before the caller is authenticated: the actor is the login
// that was tried (normalised; as far as known).
audit::Event LoginEvent(const http::Request& req, const identity::LoginResult& r,
                        std::string action) {
  audit::Event e = RequestEvent(req, std::move(action));
  e.actor = r.login;
  e.actor_user_id = r.user_id;
  e.actor_tenant_id = r.tenant_id;
  e.tenant_id = r.tenant_id;
  for (identity::Role role : r.roles) {
    if (!e.actor_roles.empty()) e.actor_roles += ',';
    e.actor_roles += identity::RoleName(role);
  }
  e.object_detail = req.method + " " + req.path;
  return e;
}

base::Result<http::Response> Refused(Services& s, http::Request& req,
                                     const identity::LoginResult& r, Step step) {
  audit::Event e =
      LoginEvent(req, r, step == Step::kPassword ? "login.failure" : "login.2fa.failure");
  e.outcome = audit::Outcome::kMinorFailure;
  e.message = "refused: " + std::string(identity::LoginRefusalName(r.reason));
  DOKUEI_RETURN_IF_ERROR(auth_internal::Record(s, std::move(e), req.lang));
  switch (r.reason) {
    case identity::LoginRefusal::kAddressThrottled:
      return Error(base::Code::kTooManyRequests, auth_internal::kAddressThrottled, req.lang);
    case identity::LoginRefusal::kWrongSecondFactor:
      // The password was right: saying that the code is wrong reveals nothing new.
      return Error(base::Code::kUnauthenticated, auth_internal::kWrongCode, req.lang, "code");
    case identity::LoginRefusal::kChallengeInvalid:
      return Error(base::Code::kUnauthenticated, auth_internal::kChallengeExpired, req.lang,
                   "challenge");
    default:
      // Unknown login, wrong password, locked, disabled: one answer.
      return Error(base::Code::kUnauthenticated, identity::kLoginRefused, req.lang);
  }
}

// Turns the result of any sign-in step into the answer, after its audit record is written.
base::Result<http::Response> Finish(Services& s, http::Request& req, identity::LoginResult r,
                                    Step step) {
  using identity::LoginOutcome;
  if (r.outcome == LoginOutcome::kRefused) return Refused(s, req, r, step);

  if (r.outcome == LoginOutcome::kNeedsSecondFactor || r.outcome == LoginOutcome::kNeedsEnrolment) {
    Json out{{"challenge", r.challenge},
             {"expires_at", auth_internal::Iso(r.challenge_expires_at)}};
    audit::Event e = LoginEvent(req, r, "login");
    if (r.outcome == LoginOutcome::kNeedsSecondFactor) {
      out["status"] = "second_factor_required";
      e.message = "password accepted; second factor required";
    } else {
      DOKUEI_ASSIGN_OR_RETURN(const identity::TotpEnrolment enrolment,
                              s.identity.sessions().BeginEnrolment(r.challenge));
      out["status"] = "enrolment_required";
      out["otpauth_uri"] = enrolment.otpauth_uri;
      out["secret"] = enrolment.secret_base32;
      e.message = "password accepted; second-factor enrolment required";
    }
    DOKUEI_RETURN_IF_ERROR(auth_internal::Record(s, std::move(e), req.lang));
    return auth_internal::JsonResponse(200, out);
  }

  // Signed in.
  const identity::SessionInfo& session = *r.session;
  audit::Event e = LoginEvent(req, r, step == Step::kPassword ? "login" : "login.2fa");
  e.message = step == Step::kPassword    ? "signed in"
              : step == Step::kEnrolment ? "signed in; second factor enrolled"
              : r.used_recovery_code     ? "signed in with a recovery code; " +
                                           std::to_string(r.recovery_codes_left) + " left"
                                     : "signed in with a TOTP code";
  e.object_detail += " session " + session.handle;
  if (base::Status st = auth_internal::Record(s, std::move(e), req.lang); !st.ok()) {
    // No session without its record.
    if (auto out = s.identity.sessions().Logout(r.session_id); !out.ok())
      spdlog::error("api: could not end an unrecorded session: {}", out.ToString());
    return st;
  }
  Json out{{"status", "ok"},
           {"csrf_token", session.csrf_token},
           {"user", auth_internal::PrincipalUserJson(session.principal)},
           {"session",
            {{"expires_at", auth_internal::Iso(session.absolute_expires_at)},
             {"idle_expires_at", auth_internal::Iso(session.idle_expires_at)}}}};
  if (!r.recovery_codes.empty()) out["recovery_codes"] = r.recovery_codes;
  if (r.used_recovery_code) out["recovery_codes_left"] = r.recovery_codes_left;
  http::Response res = auth_internal::JsonResponse(200, out);
  res.headers.Add("Set-Cookie", auth_internal::SessionCookie(s.options, r.session_id));
  return res;
}

base::Result<http::Response> Login(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const Json body, auth_internal::ParseBody(req));
  identity::LoginRequest lr;
  DOKUEI_ASSIGN_OR_RETURN(lr.login, auth_internal::StringField(body, "login", true, req.lang));
  DOKUEI_ASSIGN_OR_RETURN(lr.password,
                          auth_internal::StringField(body, "password", true, req.lang));
  lr.source_address = RequestEvent(req, "").source_address;
  lr.user_agent = std::string(req.Header("User-Agent").substr(0, 200));
  lr.previous_session_id = auth_internal::CookieValue(req.Header("Cookie"), s.options.cookie_name);
  DOKUEI_ASSIGN_OR_RETURN(identity::LoginResult r, s.identity.sessions().Login(lr));
  return Finish(s, req, std::move(r), Step::kPassword);
}

base::Result<http::Response> SecondFactor(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const Json body, auth_internal::ParseBody(req));
  DOKUEI_ASSIGN_OR_RETURN(const std::string challenge,
                          auth_internal::StringField(body, "challenge", true, req.lang));
  DOKUEI_ASSIGN_OR_RETURN(std::string code,
                          auth_internal::StringField(body, "code", false, req.lang));
  if (code.empty()) {
    DOKUEI_ASSIGN_OR_RETURN(code,
                            auth_internal::StringField(body, "recovery_code", true, req.lang));
  }
  DOKUEI_ASSIGN_OR_RETURN(identity::LoginResult r,
                          s.identity.sessions().CompleteSecondFactor(
                              challenge, code, RequestEvent(req, "").source_address));
  return Finish(s, req, std::move(r), Step::kSecondFactor);
}

base::Result<http::Response> Enrol(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const Json body, auth_internal::ParseBody(req));
  DOKUEI_ASSIGN_OR_RETURN(const std::string challenge,
                          auth_internal::StringField(body, "challenge", true, req.lang));
  DOKUEI_ASSIGN_OR_RETURN(const std::string code,
                          auth_internal::StringField(body, "code", true, req.lang));
  DOKUEI_ASSIGN_OR_RETURN(identity::LoginResult r,
                          s.identity.sessions().CompleteEnrolment(
                              challenge, code, RequestEvent(req, "").source_address));
  return Finish(s, req, std::move(r), Step::kEnrolment);
}

base::Result<http::Response> Logout(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(auth_internal::RequireUser(req));
  http::Response res = auth_internal::JsonResponse(200, Json{{"status", "signed_out"}});
  res.headers.Add("Set-Cookie", auth_internal::ClearedCookie(s.options));
  if (req.principal.session_id.empty()) return res;  // no session: nothing ends, nothing to record
  audit::Event e = RequestEvent(req, "logout");
  e.tenant_id = req.principal.tenant_id;
  e.object_detail = req.method + " " + req.path;
  audit::AuditedDatabase adb(s.identity.database(), s.audit, e, auth_internal::AuditOptions());
  identity::Sessions sessions(adb, s.identity.clock(), s.identity.hasher(), s.identity.two_factor(),
                              s.identity.options());
  DOKUEI_RETURN_IF_ERROR(sessions.Logout(req.principal.session_id));
  if (!adb.appended()) DOKUEI_RETURN_IF_ERROR(auth_internal::Record(s, std::move(e), req.lang));
  return res;
}

base::Result<http::Response> LogoutEverywhere(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(auth_internal::RequireUser(req));
  audit::Event e = RequestEvent(req, "logout.all");
  e.tenant_id = req.principal.tenant_id;
  e.object_detail = req.method + " " + req.path;
  e.message = "every session and pending sign-in of the user ended";
  audit::AuditedDatabase adb(s.identity.database(), s.audit, e, auth_internal::AuditOptions());
  identity::Sessions sessions(adb, s.identity.clock(), s.identity.hasher(), s.identity.two_factor(),
                              s.identity.options());
  DOKUEI_ASSIGN_OR_RETURN(const int64_t ended, sessions.LogoutEverywhere(req.principal.user_id));
  if (!adb.appended()) DOKUEI_RETURN_IF_ERROR(auth_internal::Record(s, std::move(e), req.lang));
  http::Response res =
      auth_internal::JsonResponse(200, Json{{"status", "signed_out"}, {"sessions_ended", ended}});
  res.headers.Add("Set-Cookie", auth_internal::ClearedCookie(s.options));
  return res;
}

}  // namespace

base::Status RegisterAuthRoutes(http::RouteTable& routes, Services& services) {
  Services* s = &services;
  auto bind = [s](base::Result<http::Response> (*fn)(Services&, http::Request&)) {
    return [s, fn](http::Request& req) { return fn(*s, req); };
  };
  DOKUEI_RETURN_IF_ERROR(auth_internal::AddAuthRoute(
      routes, "POST", "/api/auth/login", "", "ログイン (ID とパスワード)",
      "Sign in with login and password", bind(&Login), /*authenticate=*/false));
  DOKUEI_RETURN_IF_ERROR(auth_internal::AddAuthRoute(
      routes, "POST", "/api/auth/second-factor", "", "二要素認証コードでログインを完了",
      "Complete sign-in with a TOTP or recovery code", bind(&SecondFactor), false));
  DOKUEI_RETURN_IF_ERROR(auth_internal::AddAuthRoute(
      routes, "POST", "/api/auth/enrol", "", "初回ログイン時の二要素認証の登録を確定",
      "Confirm the TOTP enrolment required at first sign-in", bind(&Enrol), false));
  DOKUEI_RETURN_IF_ERROR(auth_internal::AddAuthRoute(
      routes, "POST", "/api/auth/logout", "account.self", "ログアウト", "Sign out", bind(&Logout)));
  DOKUEI_RETURN_IF_ERROR(auth_internal::AddAuthRoute(
      routes, "POST", "/api/auth/logout-everywhere", "account.self", "すべての端末からログアウト",
      "Sign out of every session", bind(&LogoutEverywhere)));
  DOKUEI_RETURN_IF_ERROR(auth_internal::RegisterMeRoutes(routes, services));
  return auth_internal::RegisterTokenRoutes(routes, services);
}

}  // namespace dokuei::api
