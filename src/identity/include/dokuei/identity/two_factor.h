// Second factor: TOTP enrolment (secret shown once as an otpauth URI, active after the first
// valid code), verification (±1 time step; a step once used is refused again, so a code cannot
// be replayed), 10 single-use recovery codes (stored as SHA-256; 80 random bits each), and the
// administrator's reset. Secrets are encrypted at rest with the SecretKey.
// The calls on user_id are for the user themself (the caller proved who they are with a session
// or a login challenge); Reset is the administrator's and names the tenant.
// Thread safety: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/identity/options.h"
#include "dokuei/identity/totp.h"

namespace dokuei::identity {

inline constexpr int kRecoveryCodeCount = 10;

struct TotpEnrolment {
  std::string secret_base32;  // for manual entry
  std::string otpauth_uri;    // for the QR code
};

struct SecondFactorUse {
  bool recovery_code = false;   // a recovery code was used (and is now void)
  int recovery_codes_left = 0;  // after this use
};

class TwoFactor {
 public:
  TwoFactor(db::Database& db, base::Clock& clock, const SecretKey& key,
            const IdentityOptions& options)
      : db_(db), clock_(clock), key_(key), options_(options) {}

  // A new secret, stored encrypted, not active until Confirm. kFailedPrecondition when the user
  // already has an active second factor (an administrator resets it first).
  base::Result<TotpEnrolment> Begin(int64_t user_id);
  // Activates the pending secret with a current code; returns 10 new recovery codes (shown
  // once). kInvalidArgument (field "code") for a wrong code.
  base::Result<std::vector<std::string>> Confirm(int64_t user_id, std::string_view code);
  // A TOTP code (6 digits) or a recovery code. kUnauthenticated (field "code") when wrong,
  // replayed or already used.
  base::Result<SecondFactorUse> Verify(int64_t user_id, std::string_view code);
  // New recovery codes (the old ones become void); needs a current TOTP code.
  base::Result<std::vector<std::string>> RegenerateRecoveryCodes(int64_t user_id,
                                                                 std::string_view code);
  base::Result<int> RecoveryCodesLeft(int64_t user_id);
  // Administrator: removes the second factor and recovery codes and ends the user's sessions;
  // the user enrols again at the next login.
  base::Status Reset(int64_t tenant_id, int64_t user_id);

  // Inside a caller's write transaction (the login flow).
  base::Result<SecondFactorUse> VerifyIn(db::Conn& conn, int64_t user_id, std::string_view code);
  base::Result<std::vector<std::string>> ConfirmIn(db::Conn& conn, int64_t user_id,
                                                   std::string_view code);
  base::Result<TotpEnrolment> BeginIn(db::Conn& conn, int64_t user_id);

 private:
  db::Database& db_;
  base::Clock& clock_;
  const SecretKey& key_;
  const IdentityOptions& options_;
};

}  // namespace dokuei::identity
