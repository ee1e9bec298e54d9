#include "dokuei/identity/sessions.h"

#include <algorithm>

#include "dokuei/base/digest.h"
#include "dokuei/identity/accounts.h"
#include "msg.h"
#include "throttle.h"
#include "util.h"

namespace dokuei::identity {

using base::Status;
using db::Conn;
using db::Row;
using db::TxKind;
using db::Value;
using internal::I;
using internal::S;
using internal::Us;

namespace {

constexpr size_t kSecretBytes = 32;  // 256 bits
constexpr size_t kSecretChars = 43;  // base64url without padding
constexpr int64_t kPurposeSecondFactor = 1;
constexpr int64_t kPurposeEnrolment = 2;

bool LooksLikeSecret(std::string_view s) {
  return s.size() == kSecretChars && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
         });
}

std::string CsrfToken(std::string_view session_id) {
  return base::Sha256Hex("dokuei-csrf:" + std::string(session_id));
}

// Everything the login flow needs about one account, read in one transaction.
struct Account {
  User user;
  Tenant tenant;
  std::string password_hash;
  bool password_needs_2fa = false;
};

base::Result<Account> LoadAccount(Conn& c, int64_t user_id, base::Timestamp now) {
  Account a;
  DOKUEI_ASSIGN_OR_RETURN(a.user, internal::LoadUser(c, internal::kAnyTenant, user_id, now));
  DOKUEI_ASSIGN_OR_RETURN(a.tenant, internal::LoadTenant(c, a.user.tenant_id));
  const Value p[] = {I(user_id)};
  bool found = false;
  DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
      c, "SELECT password_hash, password_needs_2fa FROM users WHERE id = ?", p,
      [&](const Row& r) {
        a.password_hash = std::string(r.Str(0));
        a.password_needs_2fa = r.Int(1) != 0;
      },
      &found));
  return a;
}

void FillWho(LoginResult& r, const User& u) {
  r.login = u.login;
  r.user_id = u.id;
  r.tenant_id = u.tenant_id;
  r.roles = u.roles;
}

LoginResult Refused(LoginRefusal reason) {
  LoginResult r;
  r.outcome = LoginOutcome::kRefused;
  r.reason = reason;
  return r;
}

}  // namespace

std::string_view LoginRefusalName(LoginRefusal r) {
  switch (r) {
    case LoginRefusal::kNone:
      return "none";
    case LoginRefusal::kUnknownLogin:
      return "unknown-login";
    case LoginRefusal::kWrongPassword:
      return "wrong-password";
    case LoginRefusal::kLocked:
      return "locked";
    case LoginRefusal::kDisabled:
      return "disabled";
    case LoginRefusal::kAddressThrottled:
      return "address-throttled";
    case LoginRefusal::kWrongSecondFactor:
      return "wrong-second-factor";
    case LoginRefusal::kChallengeInvalid:
      return "challenge-invalid";
  }
  return "unknown";
}

bool Sessions::CsrfMatches(const SessionInfo& session, std::string_view header_value) {
  return !session.csrf_token.empty() &&
         internal::ConstantTimeEquals(session.csrf_token, header_value);
}

namespace {

// Creates a session for an authenticated user inside the caller's write transaction; resets
// the user's failure counters and ends the session the request came with.
base::Result<std::string> CreateSession(Conn& c, const Account& a, base::Timestamp now,
                                        const IdentityOptions& o, std::string_view address,
                                        std::string_view user_agent,
                                        std::string_view previous_session_id) {
  const std::string id = internal::RandomToken(kSecretBytes);
  const Value p[] = {base::Sha256Hex(id),
                     I(a.user.id),
                     I(a.user.tenant_id),
                     I(Us(now)),
                     I(Us(now)),
                     I(Us(now + base::Duration(o.session_absolute))),
                     S(address.substr(0, 100)),
                     S(user_agent.substr(0, 300))};
  DOKUEI_RETURN_IF_ERROR(
      c.Exec("INSERT INTO sessions (id_hash, user_id, tenant_id, created_at_us, last_seen_us,"
             " absolute_expiry_us, source_address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             p));
  if (!previous_session_id.empty()) {
    const Value prev[] = {base::Sha256Hex(previous_session_id)};
    DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM sessions WHERE id_hash = ?", prev));
  }
  const Value u[] = {I(Us(now)), I(a.user.id)};
  DOKUEI_RETURN_IF_ERROR(c.Exec(
      "UPDATE users SET failed_count = 0, locked_until_us = 0, last_login_at_us = ? WHERE id = ?",
      u));
  const Value uid[] = {I(a.user.id)};
  DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM login_failures WHERE user_id = ?", uid));
  return id;
}

SessionInfo MakeInfo(const Account& a, std::string_view id, base::Timestamp created,
                     base::Timestamp last_seen, base::Timestamp absolute,
                     const IdentityOptions& o) {
  SessionInfo s;
  s.principal = internal::UserPrincipal(a.user, a.tenant);
  s.csrf_token = CsrfToken(id);
  s.handle = base::Sha256Hex(id).substr(0, 16);
  s.created_at = created;
  s.idle_expires_at = std::min(absolute, last_seen + base::Duration(o.session_idle));
  s.absolute_expires_at = absolute;
  return s;
}

base::Result<std::string> CreateChallenge(Conn& c, int64_t user_id, int64_t purpose,
                                          base::Timestamp expires, std::string_view address) {
  const std::string id = internal::RandomToken(kSecretBytes);
  const Value p[] = {base::Sha256Hex(id), I(user_id), I(purpose), I(Us(expires)),
                     S(address.substr(0, 100))};
  DOKUEI_RETURN_IF_ERROR(
      c.Exec("INSERT INTO login_challenges (id_hash, user_id, purpose, expires_at_us, attempts,"
             " source_address) VALUES (?, ?, ?, ?, 0, ?)",
             p));
  return id;
}

struct Challenge {
  int64_t user_id = 0;
  int64_t purpose = 0;
  int64_t expires_at = 0;
  int64_t attempts = 0;
};

}  // namespace

base::Result<LoginResult> Sessions::Login(const LoginRequest& req) {
  const base::Timestamp now = clock_.Now();
  const std::string address = internal::ThrottleKey(req.source_address);
  auto login = NormalizeLogin(req.login);

  bool blocked = false;
  std::optional<Account> account;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    account.reset();
    DOKUEI_ASSIGN_OR_RETURN(blocked, internal::AddressBlocked(c, address, now));
    if (blocked || !login.ok()) return Status::Ok();
    int64_t id = 0;
    bool found = false;
    const Value p[] = {*login};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c, "SELECT id FROM users WHERE login = ?", p, [&](const Row& r) { id = r.Int(0); },
        &found));
    if (!found) return Status::Ok();
    DOKUEI_ASSIGN_OR_RETURN(account, LoadAccount(c, id, now));
    return Status::Ok();
  }));
  if (blocked) {
    LoginResult r = Refused(LoginRefusal::kAddressThrottled);
    r.login = login.ok() ? *login : std::string();
    return r;
  }

  // Exactly one argon2id verification on every path below, and one write transaction.
  bool password_ok = false;
  if (account) {
    password_ok = hasher_.Verify(account->password_hash, req.password);
  } else {
    hasher_.VerifyDummy(req.password);
  }
  LoginRefusal refusal = LoginRefusal::kNone;
  if (!account) {
    refusal = LoginRefusal::kUnknownLogin;
  } else if (account->user.locked_until) {
    refusal = LoginRefusal::kLocked;
  } else if (account->user.disabled || account->tenant.disabled) {
    refusal = LoginRefusal::kDisabled;
  } else if (!password_ok) {
    refusal = LoginRefusal::kWrongPassword;
  }
  if (refusal != LoginRefusal::kNone) {
    DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
      if (refusal == LoginRefusal::kWrongPassword)
        DOKUEI_RETURN_IF_ERROR(internal::RecordAccountFailure(c, account->user.id, now, options_));
      // Every refusal counts for the address, whether or not the password was right: a locked
      // or disabled account must not reveal (by timing) that a guess was correct.
      return internal::RecordAddressFailure(c, address, now, options_);
    }));
    LoginResult r = Refused(refusal);
    if (account) {
      FillWho(r, account->user);
    } else {
      r.login = login.ok() ? *login : std::string();
    }
    return r;
  }

  // The password is right. Upgrade its hash when the parameters changed.
  std::string rehash;
  if (hasher_.NeedsRehash(account->password_hash)) {
    auto h = hasher_.Hash(req.password);
    if (h.ok()) rehash = std::move(h).value();
  }
  const bool needs_second_factor = account->user.two_factor_required || account->password_needs_2fa;
  LoginResult r;
  FillWho(r, account->user);
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    if (!rehash.empty()) {
      const Value p[] = {rehash, I(account->user.id)};
      DOKUEI_RETURN_IF_ERROR(c.Exec("UPDATE users SET password_hash = ? WHERE id = ?", p));
    }
    if (account->user.two_factor_enrolled || needs_second_factor) {
      // The session the request came with ends now (a new one comes after the second factor).
      if (!req.previous_session_id.empty()) {
        const Value prev[] = {base::Sha256Hex(req.previous_session_id)};
        DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM sessions WHERE id_hash = ?", prev));
      }
      const bool enrolled = account->user.two_factor_enrolled;
      r.outcome = enrolled ? LoginOutcome::kNeedsSecondFactor : LoginOutcome::kNeedsEnrolment;
      r.challenge_expires_at = now + base::Duration(enrolled ? options_.second_factor_window
                                                             : options_.enrolment_window);
      DOKUEI_ASSIGN_OR_RETURN(
          r.challenge,
          CreateChallenge(c, account->user.id, enrolled ? kPurposeSecondFactor : kPurposeEnrolment,
                          r.challenge_expires_at, req.source_address));
      return Status::Ok();
    }
    r.outcome = LoginOutcome::kOk;
    DOKUEI_ASSIGN_OR_RETURN(
        r.session_id, CreateSession(c, *account, now, options_, req.source_address, req.user_agent,
                                    req.previous_session_id));
    return Status::Ok();
  }));
  if (r.outcome == LoginOutcome::kOk) {
    r.session = MakeInfo(*account, r.session_id, now, now,
                         now + base::Duration(options_.session_absolute), options_);
  }
  return r;
}

namespace {

// Reads a live challenge of the given purpose; nullopt when unknown, expired or exhausted.
base::Result<std::optional<Challenge>> LoadChallenge(Conn& c, std::string_view token,
                                                     int64_t purpose, base::Timestamp now,
                                                     int max_attempts) {
  if (!LooksLikeSecret(token)) return std::optional<Challenge>();
  Challenge ch;
  bool found = false;
  const Value p[] = {base::Sha256Hex(token)};
  DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
      c, "SELECT user_id, purpose, expires_at_us, attempts FROM login_challenges WHERE id_hash = ?",
      p,
      [&](const Row& r) {
        ch.user_id = r.Int(0);
        ch.purpose = r.Int(1);
        ch.expires_at = r.Int(2);
        ch.attempts = r.Int(3);
      },
      &found));
  if (!found || ch.purpose != purpose || ch.expires_at <= Us(now) || ch.attempts >= max_attempts)
    return std::optional<Challenge>();
  return std::optional<Challenge>(ch);
}

}  // namespace

// The second step of a login: a TOTP or recovery code (purpose second factor), or the first code
// of a new enrolment (purpose enrolment).
static base::Result<LoginResult> CompleteChallenge(db::Database& db, base::Clock& clock,
                                                   TwoFactor& two_factor,
                                                   const IdentityOptions& options,
                                                   std::string_view token, std::string_view code,
                                                   std::string_view source_address,
                                                   int64_t purpose) {
  const base::Timestamp now = clock.Now();
  const std::string address = internal::ThrottleKey(source_address);
  std::optional<Challenge> ch;
  std::optional<Account> account;
  bool blocked = false;
  DOKUEI_RETURN_IF_ERROR(db.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    account.reset();
    DOKUEI_ASSIGN_OR_RETURN(blocked, internal::AddressBlocked(c, address, now));
    DOKUEI_ASSIGN_OR_RETURN(
        ch, LoadChallenge(c, token, purpose, now, options.max_second_factor_attempts));
    if (ch) {
      DOKUEI_ASSIGN_OR_RETURN(account, LoadAccount(c, ch->user_id, now));
    }
    return Status::Ok();
  }));
  if (blocked) return Refused(LoginRefusal::kAddressThrottled);
  if (!ch || !account) return Refused(LoginRefusal::kChallengeInvalid);
  LoginResult r;
  FillWho(r, account->user);
  if (account->user.locked_until || account->user.disabled || account->tenant.disabled) {
    r.outcome = LoginOutcome::kRefused;
    r.reason = account->user.locked_until ? LoginRefusal::kLocked : LoginRefusal::kDisabled;
    return r;
  }
  const std::string challenge_hash = base::Sha256Hex(token);
  Status st = db.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    if (purpose == kPurposeSecondFactor) {
      DOKUEI_ASSIGN_OR_RETURN(const SecondFactorUse use,
                              two_factor.VerifyIn(c, account->user.id, code));
      r.used_recovery_code = use.recovery_code;
      r.recovery_codes_left = use.recovery_codes_left;
    } else {
      DOKUEI_ASSIGN_OR_RETURN(r.recovery_codes, two_factor.ConfirmIn(c, account->user.id, code));
      r.recovery_codes_left = static_cast<int>(r.recovery_codes.size());
    }
    bool deleted = false;
    const Value p[] = {challenge_hash};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c, "DELETE FROM login_challenges WHERE id_hash = ? RETURNING user_id", p, [](const Row&) {},
        &deleted));
    if (!deleted)
      return Status(base::Code::kConflict, "identity: login challenge used concurrently");
    DOKUEI_ASSIGN_OR_RETURN(r.session_id,
                            CreateSession(c, *account, now, options, source_address, "", ""));
    return Status::Ok();
  });
  if (st.code() == base::Code::kConflict) return Refused(LoginRefusal::kChallengeInvalid);
  const bool wrong_code = st.code() == base::Code::kUnauthenticated ||
                          (st.code() == base::Code::kInvalidArgument && st.field() == "code");
  if (wrong_code) {
    DOKUEI_RETURN_IF_ERROR(db.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
      const Value p[] = {challenge_hash};
      DOKUEI_RETURN_IF_ERROR(
          c.Exec("UPDATE login_challenges SET attempts = attempts + 1 WHERE id_hash = ?", p));
      if (purpose == kPurposeSecondFactor)
        DOKUEI_RETURN_IF_ERROR(internal::RecordAccountFailure(c, account->user.id, now, options));
      return internal::RecordAddressFailure(c, address, now, options);
    }));
    r.outcome = LoginOutcome::kRefused;
    r.reason = LoginRefusal::kWrongSecondFactor;
    r.recovery_codes.clear();
    return r;
  }
  DOKUEI_RETURN_IF_ERROR(st);
  r.outcome = LoginOutcome::kOk;
  if (purpose == kPurposeEnrolment) account->user.two_factor_enrolled = true;
  r.session = MakeInfo(*account, r.session_id, now, now,
                       now + base::Duration(options.session_absolute), options);
  return r;
}

base::Result<LoginResult> Sessions::CompleteSecondFactor(std::string_view challenge,
                                                         std::string_view code,
                                                         std::string_view source_address) {
  return CompleteChallenge(db_, clock_, two_factor_, options_, challenge, code, source_address,
                           kPurposeSecondFactor);
}

base::Result<LoginResult> Sessions::CompleteEnrolment(std::string_view challenge,
                                                      std::string_view code,
                                                      std::string_view source_address) {
  return CompleteChallenge(db_, clock_, two_factor_, options_, challenge, code, source_address,
                           kPurposeEnrolment);
}

base::Result<TotpEnrolment> Sessions::BeginEnrolment(std::string_view challenge) {
  const base::Timestamp now = clock_.Now();
  TotpEnrolment out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(const auto ch, LoadChallenge(c, challenge, kPurposeEnrolment, now,
                                                         options_.max_second_factor_attempts));
    if (!ch) return msg::Status(base::Code::kUnauthenticated, msg::kChallengeInvalid);
    DOKUEI_ASSIGN_OR_RETURN(out, two_factor_.BeginIn(c, ch->user_id));
    return Status::Ok();
  }));
  return out;
}

base::Result<SessionInfo> Sessions::Verify(std::string_view session_id) {
  const auto invalid = msg::Status(base::Code::kUnauthenticated, msg::kSessionInvalid);
  if (!LooksLikeSecret(session_id)) return invalid;
  const base::Timestamp now = clock_.Now();
  const std::string hash = base::Sha256Hex(session_id);
  bool found = false, expired = false;
  int64_t created = 0, last_seen = 0, absolute = 0, user_id = 0;
  std::optional<Account> account;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    account.reset();
    const Value p[] = {hash};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "SELECT user_id, created_at_us, last_seen_us, absolute_expiry_us FROM sessions"
        " WHERE id_hash = ?",
        p,
        [&](const Row& r) {
          user_id = r.Int(0);
          created = r.Int(1);
          last_seen = r.Int(2);
          absolute = r.Int(3);
        },
        &found));
    if (!found) return Status::Ok();
    const int64_t n = Us(now);
    expired = n >= absolute || n >= last_seen + base::Duration(options_.session_idle).count();
    if (!expired) {
      DOKUEI_ASSIGN_OR_RETURN(account, LoadAccount(c, user_id, now));
    }
    return Status::Ok();
  }));
  if (!found) return invalid;
  // A session ends with its user or tenant, and when a second factor became necessary since.
  const bool refused = expired || account->user.disabled || account->tenant.disabled ||
                       (account->user.two_factor_required && !account->user.two_factor_enrolled);
  if (refused) {
    DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) {
      const Value p[] = {hash};
      return c.Exec("DELETE FROM sessions WHERE id_hash = ?", p);
    }));
    return invalid;
  }
  if (Us(now) - last_seen >= base::Duration(options_.session_touch_interval).count()) {
    DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) {
      const Value p[] = {I(Us(now)), hash};
      return c.Exec("UPDATE sessions SET last_seen_us = ? WHERE id_hash = ?", p);
    }));
    last_seen = Us(now);
  }
  return MakeInfo(*account, session_id, internal::FromUs(created), internal::FromUs(last_seen),
                  internal::FromUs(absolute), options_);
}

Status Sessions::Logout(std::string_view session_id) {
  if (!LooksLikeSecret(session_id)) return Status::Ok();
  return db_.Transact(TxKind::kWrite, [&](Conn& c) {
    const Value p[] = {base::Sha256Hex(session_id)};
    return c.Exec("DELETE FROM sessions WHERE id_hash = ?", p);
  });
}

base::Result<int64_t> Sessions::LogoutEverywhere(int64_t user_id) {
  int64_t n = 0;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    const Value p[] = {I(user_id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT COUNT(*) FROM sessions WHERE user_id = ?", p, [&](const Row& r) {
          n = r.Int(0);
          return Status::Ok();
        }));
    return internal::DeleteSessions(c, user_id);
  }));
  return n;
}

base::Result<int64_t> Sessions::PurgeExpired() {
  const int64_t n = Us(clock_.Now());
  int64_t deleted = 0;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    deleted = 0;
    const Value s[] = {I(n), I(n - base::Duration(options_.session_idle).count())};
    DOKUEI_RETURN_IF_ERROR(c.Query(
        "DELETE FROM sessions WHERE absolute_expiry_us <= ? OR last_seen_us <= ? RETURNING user_id",
        s, [&](const Row&) {
          ++deleted;
          return Status::Ok();
        }));
    const Value ch[] = {I(n)};
    DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM login_challenges WHERE expires_at_us <= ?", ch));
    const Value f[] = {I(n - base::Duration(options_.lockout_window).count())};
    DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM login_failures WHERE at_us <= ?", f));
    const Value t[] = {I(n - base::Duration(options_.address_window).count()), I(n)};
    return c.Exec("DELETE FROM login_throttle WHERE window_start_us <= ? AND blocked_until_us <= ?",
                  t);
  }));
  return deleted;
}

}  // namespace dokuei::identity
