// Login, second factor, lockout, throttling and sessions on every backend (security.md A5–A7).
#include "dokuei/identity/messages.h"
#include "identity_test_util.h"

namespace dokuei::identity {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

using LoginTest = IdentityTest;
DOKUEI_IDENTITY_BACKENDS(LoginTest);

// What the caller of the API could observe about a refused login.
struct Visible {
  LoginOutcome outcome;
  bool has_session, has_challenge;
  bool operator==(const Visible&) const = default;
};
Visible Seen(const LoginResult& r) {
  return {r.outcome, !r.session_id.empty() || r.session.has_value(), !r.challenge.empty()};
}

TEST_P(LoginTest, PasswordOnlyLoginForHospitalStaffWithoutPolicy) {
  const Tenant h = MakeTenant("h");
  const User u = MakeUser(h, "staff", {Role::kHospitalStaff});
  const LoginResult r = Login("STAFF", kGoodPassword);
  ASSERT_EQ(r.outcome, LoginOutcome::kOk) << LoginRefusalName(r.reason);
  EXPECT_EQ(r.user_id, u.id);
  EXPECT_EQ(r.tenant_id, h.id);
  EXPECT_EQ(r.session_id.size(), 43u);
  ASSERT_TRUE(r.session.has_value());
  const Principal& p = r.session->principal;
  EXPECT_EQ(p.subject, "staff");
  EXPECT_EQ(p.tenant_kind, TenantKind::kHospital);
  EXPECT_TRUE(p.Allows("dicomweb.read", h.id));
  EXPECT_FALSE(p.Allows("dicomweb.read", h.id + 1));
  EXPECT_FALSE(p.Allows("users.manage", h.id));
  auto v = Id().sessions().Verify(r.session_id);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->principal.user_id, u.id);
  EXPECT_EQ(v->csrf_token, r.session->csrf_token);
  EXPECT_TRUE(Sessions::CsrfMatches(*v, r.session->csrf_token));
  EXPECT_FALSE(Sessions::CsrfMatches(*v, ""));
  EXPECT_FALSE(Sessions::CsrfMatches(*v, r.session_id));
  // Only the hash of the session id is stored.
  int64_t n = -1;
  ASSERT_TRUE(db_->Transact(db::TxKind::kRead,
                            [&](db::Conn& c) {
                              const db::Value p[] = {r.session_id};
                              return c.Query("SELECT COUNT(*) FROM sessions WHERE id_hash = ?", p,
                                             [&](const db::Row& row) {
                                               n = row.Int(0);
                                               return base::Status::Ok();
                                             });
                            })
                  .ok());
  EXPECT_EQ(n, 0);
  EXPECT_EQ(Id().accounts().Get(h.id, u.id)->last_login_at, clock_.Now());
}

TEST_P(LoginTest, UnknownLoginWrongPasswordAndLockedAccountLookTheSame) {
  const Tenant h = MakeTenant("h");
  MakeUser(h, "victim", {Role::kHospitalStaff});
  MakeUser(h, "locked", {Role::kHospitalStaff});
  for (int i = 0; i < 10; ++i)
    Login("locked", "wrong-password-xyz-1", "198.51.100." + std::to_string(i));
  const LoginResult unknown = Login("nobody", kGoodPassword);
  const LoginResult wrong = Login("victim", "wrong-password-xyz-1");
  const LoginResult locked = Login("locked", kGoodPassword);  // right password, locked account
  const LoginResult malformed = Login("a b", kGoodPassword);
  EXPECT_EQ(unknown.reason, LoginRefusal::kUnknownLogin);
  EXPECT_EQ(wrong.reason, LoginRefusal::kWrongPassword);
  EXPECT_EQ(locked.reason, LoginRefusal::kLocked);
  EXPECT_EQ(malformed.reason, LoginRefusal::kUnknownLogin);
  const Visible refused{LoginOutcome::kRefused, false, false};
  EXPECT_EQ(Seen(unknown), refused);
  EXPECT_EQ(Seen(wrong), refused);
  EXPECT_EQ(Seen(locked), refused);
  EXPECT_EQ(Seen(malformed), refused);
  // The one message the API shows for all of them.
  EXPECT_FALSE(std::string(kLoginRefused.ja).empty());
}

TEST_P(LoginTest, TenFailuresLockTheAccountForFifteenMinutes) {
  const Tenant h = MakeTenant("h");
  const User u = MakeUser(h, "staff", {Role::kHospitalStaff});
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(Login("staff", "Wrong-password-" + std::to_string(i)).reason,
              LoginRefusal::kWrongPassword);
  }
  EXPECT_EQ(Login("staff", kGoodPassword).outcome, LoginOutcome::kOk);  // resets the count
  for (int i = 0; i < 10; ++i) Login("staff", "Wrong-password-" + std::to_string(i));
  EXPECT_TRUE(Id().accounts().Get(h.id, u.id)->locked_until.has_value());
  EXPECT_EQ(Login("staff", kGoodPassword).reason, LoginRefusal::kLocked);
  clock_.Advance(minutes(14));
  EXPECT_EQ(Login("staff", kGoodPassword).reason, LoginRefusal::kLocked);
  clock_.Advance(minutes(1) + seconds(1));
  EXPECT_EQ(Login("staff", kGoodPassword).outcome, LoginOutcome::kOk);
  // The window slides: 9 failures, 16 minutes, 9 more do not lock.
  for (int i = 0; i < 9; ++i) Login("staff", "Wrong-password-a" + std::to_string(i));
  clock_.Advance(minutes(16));
  for (int i = 0; i < 9; ++i) Login("staff", "Wrong-password-b" + std::to_string(i));
  EXPECT_EQ(Login("staff", kGoodPassword).outcome, LoginOutcome::kOk);
  // An administrator can lift a lock.
  for (int i = 0; i < 10; ++i) Login("staff", "Wrong-password-c" + std::to_string(i));
  EXPECT_EQ(Login("staff", kGoodPassword).reason, LoginRefusal::kLocked);
  ASSERT_TRUE(Id().accounts().Unlock(h.id, u.id).ok());
  EXPECT_EQ(Login("staff", kGoodPassword).outcome, LoginOutcome::kOk);
}

TEST_P(LoginTest, SourceAddressesAreThrottled) {
  options_.address_failures = 5;
  Reopen();
  const Tenant h = MakeTenant("h");
  MakeUser(h, "staff", {Role::kHospitalStaff});
  for (int i = 0; i < 5; ++i)
    Login("nobody" + std::to_string(i), "Whatever-password-1", "203.0.113.9");
  EXPECT_EQ(Login("staff", kGoodPassword, "203.0.113.9").reason, LoginRefusal::kAddressThrottled);
  EXPECT_EQ(Login("staff", kGoodPassword, "203.0.113.10").outcome, LoginOutcome::kOk);
  // IPv6: per /64.
  for (int i = 0; i < 5; ++i)
    Login("nobody", "Whatever-password-1", "2001:db8:1:2::" + std::to_string(i + 1));
  EXPECT_EQ(Login("staff", kGoodPassword, "2001:db8:1:2:ffff::1").reason,
            LoginRefusal::kAddressThrottled);
  EXPECT_EQ(Login("staff", kGoodPassword, "2001:db8:1:3::1").outcome, LoginOutcome::kOk);
  clock_.Advance(minutes(16));
  EXPECT_EQ(Login("staff", kGoodPassword, "203.0.113.9").outcome, LoginOutcome::kOk);
  auto purged = Id().sessions().PurgeExpired();
  EXPECT_TRUE(purged.ok());
}

TEST_P(LoginTest, DisabledUsersAndTenantsCannotLogIn) {
  const Tenant h = MakeTenant("h");
  const User u = MakeUser(h, "staff", {Role::kHospitalStaff});
  const LoginResult ok = Login("staff", kGoodPassword);
  ASSERT_EQ(ok.outcome, LoginOutcome::kOk);
  ASSERT_TRUE(Id().accounts().SetDisabled(h.id, u.id, true).ok());
  EXPECT_FALSE(Id().sessions().Verify(ok.session_id).ok());
  EXPECT_EQ(Login("staff", kGoodPassword).reason, LoginRefusal::kDisabled);
  ASSERT_TRUE(Id().accounts().SetDisabled(h.id, u.id, false).ok());
  const LoginResult again = Login("staff", kGoodPassword);
  ASSERT_EQ(again.outcome, LoginOutcome::kOk);
  TenantUpdate off;
  off.disabled = true;
  ASSERT_TRUE(Id().tenants().Update(h.id, off).ok());
  EXPECT_EQ(Id().sessions().Verify(again.session_id).status().code(), base::Code::kUnauthenticated);
  EXPECT_EQ(Login("staff", kGoodPassword).reason, LoginRefusal::kDisabled);
}

TEST_P(LoginTest, MandatoryTwoFactorMeansEnrolmentFirst) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const User reader = MakeUser(rc, "reader", {Role::kReader});
  const LoginResult first = Login("reader", kGoodPassword);
  ASSERT_EQ(first.outcome, LoginOutcome::kNeedsEnrolment);
  EXPECT_TRUE(first.session_id.empty());
  EXPECT_FALSE(first.challenge.empty());
  EXPECT_EQ(first.challenge_expires_at, clock_.Now() + minutes(15));
  // The challenge is no session.
  EXPECT_FALSE(Id().sessions().Verify(first.challenge).ok());
  // A second-factor challenge cannot be used for enrolment and vice versa.
  EXPECT_EQ(Id().sessions().CompleteSecondFactor(first.challenge, "000000", "")->reason,
            LoginRefusal::kChallengeInvalid);
  auto enrol = Id().sessions().BeginEnrolment(first.challenge);
  ASSERT_TRUE(enrol.ok()) << enrol.status().ToString();
  EXPECT_EQ(enrol->otpauth_uri.rfind("otpauth://totp/Dokuei:reader?secret=", 0), 0u);
  EXPECT_EQ(enrol->secret_base32.size(), 32u);
  // A wrong code is refused; the challenge stays usable.
  const std::string right = Code(enrol->secret_base32);
  const std::string wrong = right == "123456" ? "654321" : "123456";
  auto bad = Id().sessions().CompleteEnrolment(first.challenge, wrong, "");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->reason, LoginRefusal::kWrongSecondFactor);
  auto done = Id().sessions().CompleteEnrolment(first.challenge, right, "");
  ASSERT_TRUE(done.ok());
  ASSERT_EQ(done->outcome, LoginOutcome::kOk) << LoginRefusalName(done->reason);
  EXPECT_EQ(done->recovery_codes.size(), 10u);
  ASSERT_TRUE(done->session.has_value());
  EXPECT_TRUE(done->session->principal.Allows("dicomweb.read", rc.id));
  EXPECT_TRUE(Id().accounts().Get(rc.id, reader.id)->two_factor_enrolled);
  // The challenge is used up.
  EXPECT_EQ(Id().sessions().CompleteEnrolment(first.challenge, right, "")->reason,
            LoginRefusal::kChallengeInvalid);
  // From now on: password, then code.
  clock_.Advance(seconds(30));
  const LoginResult next = Login("reader", kGoodPassword);
  ASSERT_EQ(next.outcome, LoginOutcome::kNeedsSecondFactor);
  EXPECT_EQ(next.challenge_expires_at, clock_.Now() + minutes(5));
  EXPECT_FALSE(Id().sessions().BeginEnrolment(next.challenge).ok());
  auto ok = Id().sessions().CompleteSecondFactor(next.challenge, Code(enrol->secret_base32), "");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->outcome, LoginOutcome::kOk);
  EXPECT_FALSE(ok->used_recovery_code);
}

TEST_P(LoginTest, TotpCodesAreSingleUseWithinOneStepEitherSide) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const User u = MakeUser(rc, "checker", {Role::kChecker});
  const std::string secret = Enrol(u.id);
  auto second_step = [&](const std::string& code) {
    const LoginResult r = Login("checker", kGoodPassword);
    EXPECT_EQ(r.outcome, LoginOutcome::kNeedsSecondFactor);
    auto done = Id().sessions().CompleteSecondFactor(r.challenge, code, "192.0.2.10");
    EXPECT_TRUE(done.ok());
    return done.ok() ? done->outcome : LoginOutcome::kRefused;
  };
  const std::string now_code = Code(secret);
  EXPECT_EQ(second_step(now_code), LoginOutcome::kOk);
  EXPECT_EQ(second_step(now_code), LoginOutcome::kRefused);  // replay of the same step
  clock_.Advance(seconds(30));
  EXPECT_EQ(second_step(Code(secret, -2)), LoginOutcome::kRefused);  // too old
  EXPECT_EQ(second_step(Code(secret, +2)), LoginOutcome::kRefused);  // too far ahead
  EXPECT_EQ(second_step(Code(secret, -1)), LoginOutcome::kRefused);  // that step was used
  EXPECT_EQ(second_step(Code(secret, +1)), LoginOutcome::kOk);       // clock skew ahead
  EXPECT_EQ(second_step(Code(secret)), LoginOutcome::kRefused);      // older than the last used
  clock_.Advance(seconds(90));
  EXPECT_EQ(second_step(Code(secret, -1)), LoginOutcome::kOk);  // clock skew behind
  // The refusals counted as failures; a success resets them.
  EXPECT_FALSE(Id().accounts().Get(rc.id, u.id)->locked_until.has_value());
}

TEST_P(LoginTest, RecoveryCodesWorkOnce) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const User u = MakeUser(rc, "coord", {Role::kCoordinator});
  auto e = Id().two_factor().Begin(u.id);
  ASSERT_TRUE(e.ok());
  auto codes = Id().two_factor().Confirm(u.id, Code(e->secret_base32));
  ASSERT_TRUE(codes.ok());
  ASSERT_EQ(codes->size(), 10u);
  EXPECT_EQ((*codes)[0].size(), 19u);  // XXXX-XXXX-XXXX-XXXX
  // Only hashes are stored.
  int64_t clear = -1;
  ASSERT_TRUE(db_->Transact(db::TxKind::kRead,
                            [&](db::Conn& c) {
                              const db::Value p[] = {(*codes)[0]};
                              return c.Query(
                                  "SELECT COUNT(*) FROM recovery_codes WHERE code_hash = ?", p,
                                  [&](const db::Row& r) {
                                    clear = r.Int(0);
                                    return base::Status::Ok();
                                  });
                            })
                  .ok());
  EXPECT_EQ(clear, 0);
  const LoginResult r1 = Login("coord", kGoodPassword);
  std::string lower = (*codes)[3];
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  auto used = Id().sessions().CompleteSecondFactor(r1.challenge, lower, "");
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(used->outcome, LoginOutcome::kOk);
  EXPECT_TRUE(used->used_recovery_code);
  EXPECT_EQ(used->recovery_codes_left, 9);
  const LoginResult r2 = Login("coord", kGoodPassword);
  EXPECT_EQ(Id().sessions().CompleteSecondFactor(r2.challenge, (*codes)[3], "")->reason,
            LoginRefusal::kWrongSecondFactor);
  EXPECT_EQ(Id().sessions().CompleteSecondFactor(r2.challenge, (*codes)[4], "")->outcome,
            LoginOutcome::kOk);
  EXPECT_EQ(*Id().two_factor().RecoveryCodesLeft(u.id), 8);
  // Regenerating needs a TOTP code and voids the old codes.
  clock_.Advance(seconds(30));
  auto fresh = Id().two_factor().RegenerateRecoveryCodes(u.id, Code(e->secret_base32));
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(*Id().two_factor().RecoveryCodesLeft(u.id), 10);
  EXPECT_EQ(Id().two_factor().Verify(u.id, (*codes)[5]).status().code(),
            base::Code::kUnauthenticated);
  EXPECT_TRUE(Id().two_factor().Verify(u.id, (*fresh)[0]).ok());
}

TEST_P(LoginTest, SecondFactorChallengesExpireAndWrongCodesCount) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const User u = MakeUser(rc, "admin", {Role::kAdministrator});
  const std::string secret = Enrol(u.id);
  const LoginResult r = Login("admin", kGoodPassword);
  clock_.Advance(minutes(5) + seconds(1));
  EXPECT_EQ(Id().sessions().CompleteSecondFactor(r.challenge, Code(secret), "")->reason,
            LoginRefusal::kChallengeInvalid);
  // Five wrong codes exhaust a challenge.
  const LoginResult r2 = Login("admin", kGoodPassword);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Id().sessions().CompleteSecondFactor(r2.challenge, "000000", "")->reason,
              LoginRefusal::kWrongSecondFactor);
  }
  EXPECT_EQ(Id().sessions().CompleteSecondFactor(r2.challenge, Code(secret), "")->reason,
            LoginRefusal::kChallengeInvalid);
  // Those five plus five more lock the account: the password alone does not help.
  const LoginResult r3 = Login("admin", kGoodPassword);
  for (int i = 0; i < 5; ++i) Id().sessions().CompleteSecondFactor(r3.challenge, "000000", "").ok();
  EXPECT_TRUE(Id().accounts().Get(rc.id, u.id)->locked_until.has_value());
  EXPECT_EQ(Login("admin", kGoodPassword).reason, LoginRefusal::kLocked);
  EXPECT_EQ(Id().sessions().CompleteSecondFactor("not-a-challenge", "000000", "")->reason,
            LoginRefusal::kChallengeInvalid);
}

TEST_P(LoginTest, HospitalPolicyAndAdministratorResetOfTheSecondFactor) {
  const Tenant h = MakeTenant("h");
  const User u = MakeUser(h, "staff", {Role::kHospitalStaff});
  const LoginResult before = Login("staff", kGoodPassword);
  ASSERT_EQ(before.outcome, LoginOutcome::kOk);
  TenantUpdate policy;
  policy.staff_two_factor_required = true;
  ASSERT_TRUE(Id().tenants().Update(h.id, policy).ok());
  // The session made without a second factor ends; the next login asks for enrolment.
  EXPECT_FALSE(Id().sessions().Verify(before.session_id).ok());
  EXPECT_EQ(Login("staff", kGoodPassword).outcome, LoginOutcome::kNeedsEnrolment);
  const std::string secret = Enrol(u.id);
  const LoginResult r = Login("staff", kGoodPassword);
  ASSERT_EQ(r.outcome, LoginOutcome::kNeedsSecondFactor);
  auto s = Id().sessions().CompleteSecondFactor(r.challenge, Code(secret), "");
  ASSERT_EQ(s->outcome, LoginOutcome::kOk);
  // With a second factor, 8 characters are enough.
  ASSERT_TRUE(Id().accounts().ChangePassword(u.id, kGoodPassword, "Hn4#kq9-", s->session_id).ok());
  EXPECT_TRUE(Id().sessions().Verify(s->session_id).ok());
  // Administrator reset: sessions end, the user enrols again.
  ASSERT_TRUE(Id().two_factor().Reset(h.id, u.id).ok());
  EXPECT_FALSE(Id().sessions().Verify(s->session_id).ok());
  EXPECT_FALSE(Id().accounts().Get(h.id, u.id)->two_factor_enrolled);
  // Even with the hospital policy off, an 8-character password never works alone.
  policy.staff_two_factor_required = false;
  ASSERT_TRUE(Id().tenants().Update(h.id, policy).ok());
  EXPECT_EQ(Login("staff", "Hn4#kq9-").outcome, LoginOutcome::kNeedsEnrolment);
}

TEST_P(LoginTest, EachLoginMakesANewSessionAndEndsThePreviousOne) {
  const Tenant h = MakeTenant("h");
  MakeUser(h, "staff", {Role::kHospitalStaff});
  const LoginResult a = Login("staff", kGoodPassword);
  LoginRequest req;
  req.login = "staff";
  req.password = kGoodPassword;
  req.previous_session_id = a.session_id;
  auto b = Id().sessions().Login(req);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->outcome, LoginOutcome::kOk);
  EXPECT_NE(b->session_id, a.session_id);
  EXPECT_NE(b->session->csrf_token, a.session->csrf_token);
  EXPECT_FALSE(Id().sessions().Verify(a.session_id).ok());
  EXPECT_TRUE(Id().sessions().Verify(b->session_id).ok());
  // A session id the server never issued is not accepted (no fixation).
  EXPECT_FALSE(Id().sessions().Verify(std::string(43, 'A')).ok());
  EXPECT_FALSE(Id().sessions().Verify("short").ok());
}

TEST_P(LoginTest, IdleAndAbsoluteTimeouts) {
  const Tenant h = MakeTenant("h");
  MakeUser(h, "staff", {Role::kHospitalStaff});
  const LoginResult a = Login("staff", kGoodPassword);
  EXPECT_EQ(a.session->idle_expires_at, clock_.Now() + minutes(30));
  EXPECT_EQ(a.session->absolute_expires_at, clock_.Now() + hours(12));
  clock_.Advance(minutes(29));
  ASSERT_TRUE(Id().sessions().Verify(a.session_id).ok());  // activity moves the idle deadline
  clock_.Advance(minutes(29));
  ASSERT_TRUE(Id().sessions().Verify(a.session_id).ok());
  clock_.Advance(minutes(30));
  EXPECT_EQ(Id().sessions().Verify(a.session_id).status().code(), base::Code::kUnauthenticated);
  // Absolute: active every 20 minutes, still ends after 12 hours.
  const LoginResult b = Login("staff", kGoodPassword);
  const base::Timestamp start = clock_.Now();
  while (clock_.Now() + minutes(20) < start + hours(12)) {
    clock_.Advance(minutes(20));
    ASSERT_TRUE(Id().sessions().Verify(b.session_id).ok());
  }
  clock_.Advance(minutes(20));
  EXPECT_FALSE(Id().sessions().Verify(b.session_id).ok());
  // Configurable.
  options_.session_idle = minutes(5);
  Reopen();
  const LoginResult c = Login("staff", kGoodPassword);
  clock_.Advance(minutes(6));
  EXPECT_FALSE(Id().sessions().Verify(c.session_id).ok());
}

TEST_P(LoginTest, LogoutAndLogoutEverywhere) {
  const Tenant h = MakeTenant("h");
  const User u = MakeUser(h, "staff", {Role::kHospitalStaff});
  const User other = MakeUser(h, "other", {Role::kHospitalStaff});
  const LoginResult a = Login("staff", kGoodPassword);
  const LoginResult b = Login("staff", kGoodPassword);
  const LoginResult c = Login("staff", kGoodPassword);
  const LoginResult o = Login("other", kGoodPassword);
  ASSERT_TRUE(Id().sessions().Logout(a.session_id).ok());
  EXPECT_FALSE(Id().sessions().Verify(a.session_id).ok());
  EXPECT_TRUE(Id().sessions().Verify(b.session_id).ok());
  auto n = Id().sessions().LogoutEverywhere(u.id);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_FALSE(Id().sessions().Verify(b.session_id).ok());
  EXPECT_FALSE(Id().sessions().Verify(c.session_id).ok());
  EXPECT_TRUE(Id().sessions().Verify(o.session_id).ok());
  EXPECT_EQ(other.tenant_id, h.id);
}

TEST_P(LoginTest, PasswordChangesAndAdministratorResets) {
  const Tenant h = MakeTenant("h");
  const User u = MakeUser(h, "staff", {Role::kHospitalStaff});
  const LoginResult a = Login("staff", kGoodPassword);
  const LoginResult b = Login("staff", kGoodPassword);
  ASSERT_EQ(a.outcome, LoginOutcome::kOk);
  // Wrong current password: refused, counted.
  auto wrong = Id().accounts().ChangePassword(u.id, "not-the-password-1", kOtherPassword, "");
  EXPECT_EQ(wrong.field(), "current_password");
  EXPECT_EQ(Id().accounts().ChangePassword(u.id, kGoodPassword, "short", a.session_id).field(),
            "password");
  ASSERT_TRUE(
      Id().accounts().ChangePassword(u.id, kGoodPassword, kOtherPassword, a.session_id).ok());
  EXPECT_TRUE(Id().sessions().Verify(a.session_id).ok());   // the caller's session stays
  EXPECT_FALSE(Id().sessions().Verify(b.session_id).ok());  // the others end
  EXPECT_EQ(Login("staff", kGoodPassword).reason, LoginRefusal::kWrongPassword);
  // Administrator reset with a one-time password: every session ends; the new session may only
  // change the password.
  const std::string once = GeneratePassword();
  ASSERT_TRUE(Id().accounts().ResetPassword(h.id, u.id, once, /*must_change=*/true).ok());
  EXPECT_FALSE(Id().sessions().Verify(a.session_id).ok());
  const LoginResult c = Login("staff", once);
  ASSERT_EQ(c.outcome, LoginOutcome::kOk);
  EXPECT_TRUE(c.session->principal.must_change_password);
  EXPECT_TRUE(c.session->principal.Allows("account.self", h.id));
  EXPECT_FALSE(c.session->principal.Allows("dicomweb.read", h.id));
  ASSERT_TRUE(Id().accounts().ChangePassword(u.id, once, kGoodPassword, c.session_id).ok());
  auto v = Id().sessions().Verify(c.session_id);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->principal.must_change_password);
  EXPECT_TRUE(v->principal.Allows("dicomweb.read", h.id));
}

TEST_P(LoginTest, HashesAreUpgradedWhenTheParametersChange) {
  const Tenant h = MakeTenant("h");
  const User u = MakeUser(h, "staff", {Role::kHospitalStaff});
  options_.password_hash.opslimit = 2;
  options_.password_hash.memlimit = size_t{1} << 20;
  Reopen();
  ASSERT_EQ(Login("staff", kGoodPassword).outcome, LoginOutcome::kOk);
  std::string hash;
  ASSERT_TRUE(db_->Transact(db::TxKind::kRead,
                            [&](db::Conn& c) {
                              const db::Value p[] = {u.id};
                              return c.Query("SELECT password_hash FROM users WHERE id = ?", p,
                                             [&](const db::Row& r) {
                                               hash = std::string(r.Str(0));
                                               return base::Status::Ok();
                                             });
                            })
                  .ok());
  EXPECT_NE(hash.find("m=1024,t=2"), std::string::npos) << hash;
  EXPECT_EQ(Login("staff", kGoodPassword).outcome, LoginOutcome::kOk);
}

TEST_P(LoginTest, TotpSecretsAreEncryptedWithTheConfiguredKey) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const User u = MakeUser(rc, "reader", {Role::kReader});
  const std::string secret = Enrol(u.id);
  std::string stored;
  ASSERT_TRUE(db_->Transact(db::TxKind::kRead,
                            [&](db::Conn& c) {
                              const db::Value p[] = {u.id};
                              return c.Query("SELECT totp_secret FROM users WHERE id = ?", p,
                                             [&](const db::Row& r) {
                                               stored = std::string(r.Str(0));
                                               return base::Status::Ok();
                                             });
                            })
                  .ok());
  EXPECT_EQ(stored.rfind("v1:" + key_.Id() + ":", 0), 0u);
  EXPECT_EQ(stored.find(secret), std::string::npos);
  // With another key the secret cannot be used: an error, never a success.
  key_ = SecretKey::Generate();
  Reopen();
  const LoginResult r = Login("reader", kGoodPassword);
  auto done = Id().sessions().CompleteSecondFactor(r.challenge, Code(secret), "");
  EXPECT_EQ(done.status().code(), base::Code::kDataLoss);
}

}  // namespace
}  // namespace dokuei::identity
