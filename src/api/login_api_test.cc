// Sign-in through the JSON API on every backend (security.md A5–A7, L1): identical refusals,
// lockout, second factor, enrolment at first sign-in, recovery codes, session rotation,
// timeouts, and one audit record per attempt.
#include "auth_test_fixture.h"
#include "dokuei/identity/messages.h"

namespace dokuei::api::auth_testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

using LoginApiTest = ApiTest;
DOKUEI_AUTH_API_BACKENDS(LoginApiTest);

std::vector<audit::Record> Exactly(const std::vector<audit::Record>& all, const std::string& a) {
  std::vector<audit::Record> out;
  for (const auto& r : all)
    if (r.event.action == a) out.push_back(r);
  return out;
}

TEST_P(LoginApiTest, PasswordLoginSetsAHardenedCookieAndOneAuditRecord) {
  const auto h = MakeTenant("sakura");
  const auto u = MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  Reply r = Post("/api/auth/login", {{"login", "Staff"}, {"password", kGoodPassword}},
                 {{"User-Agent", "test"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = r.json();
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["user"]["login"], "staff");
  EXPECT_EQ(j["user"]["id"], u.id);
  EXPECT_EQ(j["user"]["tenant"]["code"], "sakura");
  EXPECT_EQ(j["user"]["roles"][0], "hospital_staff");
  EXPECT_EQ(j["csrf_token"].get<std::string>().size(), 64u);
  const std::string cookie = r.Header("set-cookie");
  EXPECT_EQ(r.Cookie().size(), 43u);
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  EXPECT_EQ(r.body.find(kGoodPassword), std::string::npos);

  const auto logins = Audit("login");
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0].event.action, "login");
  EXPECT_EQ(logins[0].event.outcome, audit::Outcome::kSuccess);
  EXPECT_EQ(logins[0].event.actor, "staff");
  EXPECT_EQ(logins[0].event.actor_user_id, u.id);
  EXPECT_EQ(logins[0].event.actor_tenant_id, h.id);
  EXPECT_EQ(logins[0].event.actor_roles, "hospital_staff");
  EXPECT_EQ(logins[0].event.source_address, "127.0.0.1");

  // The cookie authenticates /api/me, which gives scopes and the same CSRF token.
  Browser b{r.Cookie(), j["csrf_token"]};
  Reply me = Call("GET", "/api/me", "", As(b, false));
  ASSERT_EQ(me.status, 200) << me.body;
  const Json m = me.json();
  EXPECT_EQ(m["user"]["login"], "staff");
  EXPECT_EQ(m["tenant"]["code"], "sakura");
  EXPECT_EQ(m["csrf_token"], b.csrf);
  EXPECT_EQ(m["roles"][0]["label"], "依頼医・技師") << me.body;
  bool saw_read = false;
  for (const auto& p : m["permissions"]) {
    if (p["permission"] == "dicomweb.read") saw_read = p["scope"] == "own";
  }
  EXPECT_TRUE(saw_read) << me.body;
  EXPECT_EQ(Audit("").size(), 1u) << "reading /api/me is not an audited change";
}

TEST_P(LoginApiTest, RefusalsAreIdenticalWhateverTheReason) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "victim", {identity::Role::kHospitalStaff});
  const auto locked = MakeUser(h, "locked", {identity::Role::kHospitalStaff});
  const auto disabled = MakeUser(h, "gone", {identity::Role::kHospitalStaff});
  ASSERT_TRUE(id_->accounts().SetDisabled(h.id, disabled.id, true).ok());
  for (int i = 0; i < 10; ++i) {
    Reply r = Post("/api/auth/login", {{"login", "locked"}, {"password", "wrong-password-x-1"}});
    EXPECT_EQ(r.status, 401);
  }
  const Reply unknown = Post("/api/auth/login", {{"login", "nobody"}, {"password", kGoodPassword}});
  const Reply wrong = Post("/api/auth/login", {{"login", "victim"}, {"password", "nope-nope-1"}});
  const Reply is_locked =
      Post("/api/auth/login", {{"login", "locked"}, {"password", kGoodPassword}});
  const Reply is_disabled =
      Post("/api/auth/login", {{"login", "gone"}, {"password", kGoodPassword}});
  const Reply malformed =
      Post("/api/auth/login", {{"login", std::string(300, 'x') + " \x01"}, {"password", "p"}});
  for (const Reply* r : {&unknown, &wrong, &is_locked, &is_disabled, &malformed}) {
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(r->body, unknown.body);
    EXPECT_EQ(r->Header("set-cookie"), "");
    EXPECT_EQ(r->Header("www-authenticate"), unknown.Header("www-authenticate"));
  }
  const Json j = unknown.json();
  EXPECT_EQ(j["detail"], std::string(identity::kLoginRefused.ja));
  const Reply en = Post("/api/auth/login", {{"login", "nobody"}, {"password", kGoodPassword}},
                        {{"Accept-Language", "en"}});
  EXPECT_EQ(en.json()["detail"], std::string(identity::kLoginRefused.en));

  // One failure record per attempt, with the reason for the auditor only.
  const auto failures = Exactly(Audit("login"), "login.failure");
  ASSERT_EQ(failures.size(), 16u);
  EXPECT_EQ(failures[10].event.actor, "nobody");
  EXPECT_EQ(failures[10].event.message, "refused: unknown-login");
  EXPECT_EQ(failures[11].event.message, "refused: wrong-password");
  EXPECT_EQ(failures[12].event.message, "refused: locked");
  EXPECT_EQ(failures[13].event.message, "refused: disabled");
  EXPECT_EQ(failures[12].event.outcome, audit::Outcome::kMinorFailure);
  EXPECT_EQ(failures[14].event.message, "refused: unknown-login");
  for (const auto& f : failures) EXPECT_EQ(f.event.message.find(kGoodPassword), std::string::npos);
  EXPECT_TRUE(Exactly(Audit("login"), "login").empty());
}

TEST_P(LoginApiTest, LockoutAfterTenFailuresThenOpensAgain) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  for (int i = 0; i < 9; ++i)
    EXPECT_EQ(Post("/api/auth/login", {{"login", "staff"}, {"password", "bad-guess-1"}}).status,
              401);
  // Nine failures: the right password still works.
  SignIn("staff");
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(Post("/api/auth/login", {{"login", "staff"}, {"password", "bad-guess-2"}}).status,
              401);
  EXPECT_EQ(Post("/api/auth/login", {{"login", "staff"}, {"password", kGoodPassword}}).status, 401);
  clock_.Advance(minutes(16));
  SignIn("staff");
}

TEST_P(LoginApiTest, MalformedBodiesAreRefusedWithTheFieldNamed) {
  Reply r = Call("POST", "/api/auth/login", "not json", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400);
  // What an HTML form can send cross-site without a preflight is refused before anything runs.
  const std::string form_json = R"({"login":"staff","password":"x"})";
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", ""}) {
    r = Call("POST", "/api/auth/login", form_json, {{"Content-Type", type}});
    EXPECT_EQ(r.status, 415) << type;
    EXPECT_EQ(r.json()["field"], "Content-Type");
  }
  EXPECT_TRUE(Audit("").empty());
  r = Call("POST", "/api/auth/login", form_json,
           {{"Content-Type", "Application/JSON; charset=utf-8"}});
  EXPECT_EQ(r.status, 401);
  r = Post("/api/auth/login", {{"login", "x"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["field"], "password");
  EXPECT_EQ(r.json()["detail"], "必須の項目がないか空です");
  r = Post("/api/auth/login", {{"login", 5}, {"password", "x"}}, {{"Accept-Language", "en"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["detail"], "a field has the wrong type");
}

TEST_P(LoginApiTest, SecondFactorWithTotpCode) {
  const auto c = MakeTenant("centre", identity::TenantKind::kReadingCentre);
  const auto u = MakeUser(c, "reader1", {identity::Role::kReader});
  const std::string secret = Enrol(u.id);
  Reply r = Post("/api/auth/login", {{"login", "reader1"}, {"password", kGoodPassword}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  EXPECT_EQ(j["status"], "second_factor_required");
  EXPECT_EQ(r.Header("set-cookie"), "") << "no session before the second factor";
  const std::string challenge = j["challenge"];

  // A wrong code: 401 naming the code (the password was right), counted as a failure.
  r = Post("/api/auth/second-factor", {{"challenge", challenge}, {"code", "000000"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json()["field"], "code");
  r = Post("/api/auth/second-factor", {{"challenge", challenge}, {"code", Code(secret)}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["status"], "ok");
  EXPECT_EQ(r.Cookie().size(), 43u);
  // The challenge is spent.
  clock_.Advance(seconds(30));
  r = Post("/api/auth/second-factor", {{"challenge", challenge}, {"code", Code(secret)}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json()["field"], "challenge");

  const auto all = Audit("login");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].event.action, "login");
  EXPECT_EQ(all[0].event.message, "password accepted; second factor required");
  EXPECT_EQ(all[1].event.action, "login.2fa.failure");
  EXPECT_EQ(all[1].event.message, "refused: wrong-second-factor");
  EXPECT_EQ(all[2].event.action, "login.2fa");
  EXPECT_EQ(all[2].event.actor, "reader1");
  EXPECT_EQ(all[3].event.action, "login.2fa.failure");
  EXPECT_EQ(all[3].event.message, "refused: challenge-invalid");
}

TEST_P(LoginApiTest, EnrolmentAtFirstSignInThenRecoveryCodesAreSingleUse) {
  const auto c = MakeTenant("centre", identity::TenantKind::kReadingCentre);
  MakeUser(c, "reader1", {identity::Role::kReader});
  Reply r = Post("/api/auth/login", {{"login", "reader1"}, {"password", kGoodPassword}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  ASSERT_EQ(j["status"], "enrolment_required");
  const std::string uri = j["otpauth_uri"];
  EXPECT_EQ(uri.rfind("otpauth://totp/Dokuei:reader1?secret=", 0), 0u) << uri;
  const std::string secret = j["secret"];
  EXPECT_NE(uri.find(secret), std::string::npos);
  // A wrong first code is refused; the right one enrols and signs in, recovery codes once.
  r = Post("/api/auth/enrol", {{"challenge", j["challenge"]}, {"code", "123456"}});
  EXPECT_EQ(r.status, 401);
  r = Post("/api/auth/enrol", {{"challenge", j["challenge"]}, {"code", Code(secret)}});
  ASSERT_EQ(r.status, 200) << r.body;
  j = r.json();
  EXPECT_EQ(j["status"], "ok");
  ASSERT_EQ(j["recovery_codes"].size(), 10u);
  EXPECT_EQ(r.Cookie().size(), 43u);
  const std::string recovery = j["recovery_codes"][3];
  clock_.Advance(seconds(30));

  auto second = [&](const std::string& field, const std::string& value) {
    Reply l = Post("/api/auth/login", {{"login", "reader1"}, {"password", kGoodPassword}});
    EXPECT_EQ(l.json()["status"], "second_factor_required") << l.body;
    return Post("/api/auth/second-factor", {{"challenge", l.json()["challenge"]}, {field, value}});
  };
  r = second("recovery_code", recovery);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["recovery_codes_left"], 9);
  r = second("recovery_code", recovery);
  EXPECT_EQ(r.status, 401) << "a recovery code works once";
  r = second("code", Code(secret));
  EXPECT_EQ(r.status, 200) << r.body;

  const auto enrol = Exactly(Audit("login"), "login.2fa");
  ASSERT_EQ(enrol.size(), 3u);
  EXPECT_EQ(enrol[0].event.message, "signed in; second factor enrolled");
  EXPECT_EQ(enrol[1].event.message, "signed in with a recovery code; 9 left");
  EXPECT_EQ(enrol[2].event.message, "signed in with a TOTP code");
  EXPECT_EQ(Exactly(Audit("login"), "login.2fa.failure").size(), 2u);
}

TEST_P(LoginApiTest, EachLoginRotatesTheSessionAndKillsTheOldCookie) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  const Browser first = SignIn("staff");
  // A login made with the old cookie (e.g. a fixated one) replaces it.
  Reply r = Post("/api/auth/login", {{"login", "staff"}, {"password", kGoodPassword}},
                 {{"Cookie", "dokuei_session=" + first.cookie}});
  ASSERT_EQ(r.status, 200);
  const Browser second{r.Cookie(), r.json()["csrf_token"]};
  EXPECT_NE(second.cookie, first.cookie);
  EXPECT_NE(second.csrf, first.csrf);
  EXPECT_EQ(Call("GET", "/api/me", "", As(first)).status, 401);
  EXPECT_EQ(Call("GET", "/api/me", "", As(second)).status, 200);
}

TEST_P(LoginApiTest, IdleAndAbsoluteTimeouts) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  const Browser idle = SignIn("staff");
  clock_.Advance(minutes(29));
  EXPECT_EQ(Call("GET", "/api/me", "", As(idle)).status, 200);
  clock_.Advance(minutes(31));
  Reply r = Call("GET", "/api/me", "", As(idle));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json()["type"], "https://dokuei.example/problems/unauthenticated");

  const Browser busy = SignIn("staff");
  for (int i = 0; i < 35; ++i) {  // active every 20 minutes for 11 h 40 min
    clock_.Advance(minutes(20));
    ASSERT_EQ(Call("GET", "/api/me", "", As(busy)).status, 200) << i;
  }
  clock_.Advance(minutes(21));  // 12 h 01 min after sign-in
  EXPECT_EQ(Call("GET", "/api/me", "", As(busy)).status, 401);
}

TEST_P(LoginApiTest, CsrfIsRequiredForCookieStateChanges) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  const Browser b = SignIn("staff");
  const int64_t before = AuditCount();
  Reply r = Post("/api/auth/logout", Json::object(), As(b, false));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["field"], "X-CSRF-Token");
  Browser wrong = b;
  wrong.csrf[0] = wrong.csrf[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Post("/api/auth/logout", Json::object(), As(wrong)).status, 403);
  EXPECT_EQ(Post("/api/auth/logout", Json::object(), As(Browser{b.cookie, b.cookie})).status, 403);
  EXPECT_EQ(AuditCount(), before) << "refused requests change nothing";
  EXPECT_EQ(Call("GET", "/api/me", "", As(b, false)).status, 200) << "still signed in";
  r = Post("/api/auth/logout", Json::object(), As(b));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_P(LoginApiTest, LogoutAndLogoutEverywhere) {
  const auto h = MakeTenant("sakura");
  const auto u = MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  const Browser a = SignIn("staff");
  const Browser b = SignIn("staff");
  const Browser c = SignIn("staff");
  Reply r = Post("/api/auth/logout", Json::object(), As(a));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.Header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/me", "", As(a)).status, 401);
  EXPECT_EQ(Call("GET", "/api/me", "", As(b)).status, 200);
  const auto logouts = Audit("logout");
  ASSERT_EQ(logouts.size(), 1u);
  EXPECT_EQ(logouts[0].event.action, "logout");
  EXPECT_EQ(logouts[0].event.actor, "staff");
  EXPECT_EQ(logouts[0].event.actor_user_id, u.id);

  r = Post("/api/auth/logout-everywhere", Json::object(), As(b));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["sessions_ended"], 2);
  EXPECT_EQ(Call("GET", "/api/me", "", As(b)).status, 401);
  EXPECT_EQ(Call("GET", "/api/me", "", As(c)).status, 401);
  const auto all = Audit("logout");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].event.action, "logout.all");
  EXPECT_EQ(all[1].event.tenant_id, h.id);
}

TEST_P(LoginApiTest, NoSessionWithoutItsAuditRecord) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  const Browser b = SignIn("staff");
  audit_->set_failing(true);
  Reply r = Post("/api/auth/login", {{"login", "staff"}, {"password", kGoodPassword}});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.Header("set-cookie"), "");
  // Logout cannot be recorded: it does not happen.
  EXPECT_EQ(Post("/api/auth/logout", Json::object(), As(b)).status, 503);
  audit_->set_failing(false);
  EXPECT_EQ(Call("GET", "/api/me", "", As(b)).status, 200);
  EXPECT_EQ(Audit("login").size(), 1u);
  EXPECT_TRUE(Audit("logout").empty());
}

TEST_P(LoginApiTest, AnAddressWithTooManyFailuresIsThrottled) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  for (int i = 0; i < 50; ++i) {
    Reply r = Post("/api/auth/login",
                   {{"login", "guess" + std::to_string(i)}, {"password", "guess-password-1"}});
    ASSERT_EQ(r.status, 401) << i;
  }
  // Blocked for the whole address, even with the right password of an existing account.
  Reply r = Post("/api/auth/login", {{"login", "staff"}, {"password", kGoodPassword}});
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.Header("set-cookie"), "");
  const auto failures = Audit("login.failure");
  ASSERT_EQ(failures.size(), 51u);
  EXPECT_EQ(failures.back().event.message, "refused: address-throttled");
  clock_.Advance(minutes(16));
  SignIn("staff");
}

}  // namespace
}  // namespace dokuei::api::auth_testing
