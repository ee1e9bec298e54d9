// Login and sessions (security.md A5–A7).
//
// Login(login, password) answers one of: kOk with a new session; kNeedsSecondFactor or
// kNeedsEnrolment with a short-lived challenge (the password was right; the second factor, or
// its enrolment, comes next); kRefused. A refusal never says why to the caller: unknown logins,
// wrong passwords, locked and disabled accounts all give the same result with the same cost (an
// argon2id verification is always computed; for unknown logins against a dummy hash). `reason`
// is for the audit record only. Failures lock the account (10 in 15 minutes → 15 minutes, wrong
// second-factor codes included) and throttle the source address.
//
// Session ids are 256 random bits (base64url), stored only as SHA-256; each login makes a new one
// (and deletes the session the request came with). The CSRF token is derived from the session id
// (SHA-256 with a label), so it can be given again for a live session and is never stored.
// Verify() applies the idle and absolute timeouts and reads roles afresh each time.
// Thread safety: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/identity/options.h"
#include "dokuei/identity/passwords.h"
#include "dokuei/identity/records.h"
#include "dokuei/identity/two_factor.h"

namespace dokuei::identity {

struct LoginRequest {
  std::string login;
  std::string password;
  std::string source_address;  // for throttling and the audit record
  std::string user_agent;
  std::string previous_session_id;  // the cookie the request carried, if any: deleted on success
};

enum class LoginOutcome : uint8_t { kOk, kNeedsSecondFactor, kNeedsEnrolment, kRefused };

// Why a login was refused: for the audit record and logs, never for the caller.
enum class LoginRefusal : uint8_t {
  kNone,
  kUnknownLogin,
  kWrongPassword,
  kLocked,
  kDisabled,          // the user or their tenant
  kAddressThrottled,  // too many failures from the source address
  kWrongSecondFactor,
  kChallengeInvalid,  // unknown, expired or exhausted challenge
};
std::string_view LoginRefusalName(LoginRefusal r);  // "unknown-login", "wrong-password", ...

struct SessionInfo {
  Principal principal;
  std::string csrf_token;  // the X-CSRF-Token value for state-changing cookie requests
  std::string handle;      // non-secret session reference for logs/audit (16 hex)
  base::Timestamp created_at{};
  base::Timestamp idle_expires_at{};
  base::Timestamp absolute_expires_at{};
};

struct LoginResult {
  LoginOutcome outcome = LoginOutcome::kRefused;
  LoginRefusal reason = LoginRefusal::kNone;
  // Who (as far as known) for the audit record; no secrets.
  std::string login;
  int64_t user_id = 0;
  int64_t tenant_id = 0;
  std::vector<Role> roles;
  // kOk: the session id (cookie value; shown once) and its data.
  std::string session_id;
  std::optional<SessionInfo> session;
  // kNeedsSecondFactor / kNeedsEnrolment: the challenge to send back with the code.
  std::string challenge;
  base::Timestamp challenge_expires_at{};
  // kOk after enrolment: the recovery codes, shown once.
  std::vector<std::string> recovery_codes;
  bool used_recovery_code = false;
  int recovery_codes_left = -1;
};

class Sessions {
 public:
  Sessions(db::Database& db, base::Clock& clock, PasswordHasher& hasher, TwoFactor& two_factor,
           const IdentityOptions& options)
      : db_(db), clock_(clock), hasher_(hasher), two_factor_(two_factor), options_(options) {}

  // Errors only for infrastructure failures; bad credentials are kRefused results.
  base::Result<LoginResult> Login(const LoginRequest& request);
  base::Result<LoginResult> CompleteSecondFactor(std::string_view challenge, std::string_view code,
                                                 std::string_view source_address);
  // For kNeedsEnrolment: the secret to show (may be called again: a new secret each time).
  // kUnauthenticated for an unknown or expired challenge.
  base::Result<TotpEnrolment> BeginEnrolment(std::string_view challenge);
  // Confirms the enrolment with a code from the app; kOk with a session and recovery codes.
  base::Result<LoginResult> CompleteEnrolment(std::string_view challenge, std::string_view code,
                                              std::string_view source_address);

  // kUnauthenticated for unknown, expired or ended sessions and disabled users or tenants.
  base::Result<SessionInfo> Verify(std::string_view session_id);
  base::Status Logout(std::string_view session_id);
  // Ends every session (and pending challenge) of the user; returns how many sessions ended.
  base::Result<int64_t> LogoutEverywhere(int64_t user_id);
  // Deletes expired sessions, challenges and throttle rows; returns the sessions deleted.
  base::Result<int64_t> PurgeExpired();

  // Constant-time comparison of the X-CSRF-Token header with the session's token.
  static bool CsrfMatches(const SessionInfo& session, std::string_view header_value);

 private:
  db::Database& db_;
  base::Clock& clock_;
  PasswordHasher& hasher_;
  TwoFactor& two_factor_;
  const IdentityOptions& options_;
};

}  // namespace dokuei::identity
