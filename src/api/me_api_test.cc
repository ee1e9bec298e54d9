// The signed-in person's own account through the JSON API on every backend: password change
// (policy errors named, other sessions end), TOTP enrolment from the account page, recovery
// codes regenerated; each change and each refusal recorded once.
#include "auth_test_fixture.h"

namespace dokuei::api::auth_testing {
namespace {

using std::chrono::seconds;

using MeApiTest = ApiTest;
DOKUEI_AUTH_API_BACKENDS(MeApiTest);

TEST_P(MeApiTest, ChangePasswordEndsOtherSessions) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  const Browser here = SignIn("staff");
  const Browser elsewhere = SignIn("staff");

  Reply r =
      Post("/api/me/password",
           {{"current_password", "not-my-password-9"}, {"new_password", kOtherPassword}}, As(here));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json()["field"], "current_password");
  r = Post("/api/me/password",
           {{"current_password", kGoodPassword}, {"new_password", "password1234567"}}, As(here));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json()["field"], "new_password");
  const std::string ja = r.json()["detail"];
  r = Post("/api/me/password",
           {{"current_password", kGoodPassword}, {"new_password", "password1234567"}}, [&] {
             auto h2 = As(here);
             h2.emplace_back("Accept-Language", "en");
             return h2;
           }());
  const std::string en = r.json()["detail"];
  EXPECT_NE(ja, en) << "the policy error is named in both languages";
  EXPECT_NE(en.find("common"), std::string::npos) << en;

  r = Post("/api/me/password",
           {{"current_password", kGoodPassword}, {"new_password", kOtherPassword}}, As(here));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("GET", "/api/me", "", As(here)).status, 200);
  EXPECT_EQ(Call("GET", "/api/me", "", As(elsewhere)).status, 401);
  EXPECT_EQ(Post("/api/auth/login", {{"login", "staff"}, {"password", kGoodPassword}}).status, 401);
  SignIn("staff", kOtherPassword);

  const auto changes = Audit("password.change");
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].event.outcome, audit::Outcome::kMinorFailure);
  EXPECT_EQ(changes[1].event.outcome, audit::Outcome::kMinorFailure);
  EXPECT_EQ(changes[3].event.outcome, audit::Outcome::kSuccess);
  EXPECT_EQ(changes[3].event.actor, "staff");
  for (const auto& c : changes) {
    EXPECT_EQ(c.event.message.find(kOtherPassword), std::string::npos);
    EXPECT_EQ(c.event.message.find("password1234567"), std::string::npos);
  }
}

TEST_P(MeApiTest, EnrolSecondFactorAndRegenerateRecoveryCodes) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  const Browser b = SignIn("staff");
  Reply r = Post("/api/me/two-factor", Json::object(), As(b));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string secret = r.json()["secret"];
  EXPECT_NE(r.json()["otpauth_uri"].get<std::string>().find(secret), std::string::npos);
  r = Post("/api/me/two-factor/confirm", {{"code", "99999"}}, As(b));
  EXPECT_EQ(r.status, 400) << r.body;
  r = Post("/api/me/two-factor/confirm", {{"code", Code(secret)}}, As(b));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json()["recovery_codes"].size(), 10u);
  const std::string old_recovery = r.json()["recovery_codes"][0];
  clock_.Advance(seconds(30));
  // Already active: re-enrolment needs an administrator's reset first.
  r = Post("/api/me/two-factor", Json::object(), As(b));
  EXPECT_EQ(r.status, 409) << r.body;
  Reply me = Call("GET", "/api/me", "", As(b));
  EXPECT_EQ(me.json()["user"]["two_factor_enrolled"], true) << me.body;
  EXPECT_EQ(me.json()["recovery_codes_left"], 10);

  r = Post("/api/me/recovery-codes", {{"code", Code(secret)}}, As(b));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json()["recovery_codes"].size(), 10u);
  clock_.Advance(seconds(30));

  // The next sign-in asks for the second factor; the old recovery codes are void.
  Reply l = Post("/api/auth/login", {{"login", "staff"}, {"password", kGoodPassword}});
  ASSERT_EQ(l.json()["status"], "second_factor_required") << l.body;
  r = Post("/api/auth/second-factor",
           {{"challenge", l.json()["challenge"]}, {"recovery_code", old_recovery}});
  EXPECT_EQ(r.status, 401);
  SignIn("staff", kGoodPassword, secret);

  EXPECT_EQ(Audit("totp.enrol.begin").size(), 2u);  // one issued, one refused (already active)
  const auto enrol = Audit("totp.enrol");
  int confirmed = 0, refused = 0;
  for (const auto& e : enrol) {
    if (e.event.action != "totp.enrol") continue;
    (e.event.outcome == audit::Outcome::kSuccess ? confirmed : refused)++;
  }
  EXPECT_EQ(confirmed, 1);
  EXPECT_EQ(refused, 1);
  const auto regen = Audit("totp.recovery_codes");
  ASSERT_EQ(regen.size(), 1u);
  EXPECT_EQ(regen[0].event.actor, "staff");
}

TEST_P(MeApiTest, MustChangePasswordHoldsOnlyAccountSelf) {
  const auto h = MakeTenant("sakura");
  const auto u = MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  ASSERT_TRUE(id_->accounts().ResetPassword(h.id, u.id, kOtherPassword, true).ok());
  const Browser b = SignIn("staff", kOtherPassword);
  Reply me = Call("GET", "/api/me", "", As(b));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["user"]["must_change_password"], true);
  ASSERT_EQ(me.json()["permissions"].size(), 1u);
  EXPECT_EQ(me.json()["permissions"][0]["permission"], "account.self");
  Reply r = Post("/api/me/password",
                 {{"current_password", kOtherPassword}, {"new_password", kGoodPassword}}, As(b));
  ASSERT_EQ(r.status, 200) << r.body;
  me = Call("GET", "/api/me", "", As(b));
  EXPECT_EQ(me.json()["user"]["must_change_password"], false);
  EXPECT_GT(me.json()["permissions"].size(), 1u);
}

TEST_P(MeApiTest, NoChangeWithoutItsAuditRecord) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  const Browser b = SignIn("staff");
  Reply begin = Post("/api/me/two-factor", Json::object(), As(b));
  ASSERT_EQ(begin.status, 200) << begin.body;
  const std::string secret = begin.json()["secret"];
  audit_->set_failing(true);
  Reply r = Post("/api/me/password",
                 {{"current_password", kGoodPassword}, {"new_password", kOtherPassword}}, As(b));
  EXPECT_EQ(r.status, 503) << r.body;
  r = Post("/api/me/two-factor/confirm", {{"code", Code(secret)}}, As(b));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.body.find("recovery_codes"), std::string::npos);
  audit_->set_failing(false);
  // Neither change happened: the old password signs in, without a second factor.
  SignIn("staff", kGoodPassword);
  EXPECT_TRUE(Audit("password.change").empty());
  EXPECT_EQ(Audit("totp.enrol").size(), 1u);  // the begin only
}

}  // namespace
}  // namespace dokuei::api::auth_testing
