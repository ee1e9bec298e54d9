#include "dokuei/identity/two_factor.h"

#include <algorithm>

#include "dokuei/base/digest.h"
#include "dokuei/base/random.h"
#include "msg.h"
#include "util.h"

namespace dokuei::identity {

using base::Status;
using db::Conn;
using db::Row;
using db::TxKind;
using db::Value;
using internal::I;
using internal::Us;

namespace {

struct TotpState {
  std::string login;
  std::string sealed_secret;
  bool enrolled = false;
  int64_t last_step = 0;
};

base::Result<TotpState> LoadState(Conn& c, int64_t user_id) {
  TotpState s;
  bool found = false;
  const Value p[] = {I(user_id)};
  DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
      c, "SELECT login, totp_secret, totp_enrolled, totp_last_step FROM users WHERE id = ?", p,
      [&](const Row& r) {
        s.login = std::string(r.Str(0));
        s.sealed_secret = std::string(r.Str(1));
        s.enrolled = r.Int(2) != 0;
        s.last_step = r.Int(3);
      },
      &found));
  if (!found) return msg::Status(base::Code::kNotFound, msg::kUserNotFound);
  return s;
}

std::string Context(int64_t user_id) { return "totp:" + std::to_string(user_id); }

bool IsTotpCode(std::string_view code) {
  return code.size() == static_cast<size_t>(kTotpDigits) &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string StripSpaces(std::string_view code) {
  std::string out;
  for (char c : code)
    if (c != ' ' && c != '-' && c != '\t') out.push_back(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

std::string RecoveryHash(std::string_view normalized) {
  return base::Sha256Hex("dokuei-recovery:" + std::string(normalized));
}

// The step (> last_step, within ±1 of now) whose code matches, or 0.
int64_t MatchStep(std::string_view secret, std::string_view code, base::Timestamp now,
                  int64_t last_step) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(secret.data());
  const std::span<const uint8_t> key(bytes, secret.size());
  const int64_t step = TotpStep(now);
  int64_t match = 0;
  for (int64_t s = step - 1; s <= step + 1; ++s) {
    if (s <= last_step || s <= 0) continue;
    // Every candidate is computed and compared (no early exit on the code's value).
    if (internal::ConstantTimeEquals(HotpCode(key, static_cast<uint64_t>(s)), code)) match = s;
  }
  return match;
}

// Consumes `step` for the user unless it (or a later one) was used already.
base::Result<bool> ConsumeStep(Conn& c, int64_t user_id, int64_t step) {
  bool updated = false;
  const Value p[] = {I(step), I(user_id), I(step)};
  DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
      c, "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ? RETURNING id", p,
      [](const Row&) {}, &updated));
  return updated;
}

base::Result<int> CountLeft(Conn& c, int64_t user_id) {
  int left = 0;
  const Value p[] = {I(user_id)};
  DOKUEI_RETURN_IF_ERROR(
      c.Query("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at_us = 0", p,
              [&](const Row& r) {
                left = static_cast<int>(r.Int(0));
                return Status::Ok();
              }));
  return left;
}

base::Result<std::vector<std::string>> NewRecoveryCodes(Conn& c, int64_t user_id) {
  const Value d[] = {I(user_id)};
  DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM recovery_codes WHERE user_id = ?", d));
  std::vector<std::string> codes;
  for (int i = 0; i < kRecoveryCodeCount; ++i) {
    uint8_t raw[10];  // 80 bits
    base::RandomBytes(raw, sizeof raw);
    const std::string b32 = Base32Encode(raw);  // 16 characters
    codes.push_back(b32.substr(0, 4) + "-" + b32.substr(4, 4) + "-" + b32.substr(8, 4) + "-" +
                    b32.substr(12, 4));
    const Value p[] = {I(user_id), RecoveryHash(b32)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO recovery_codes (user_id, code_hash, used_at_us) VALUES (?, ?, 0)", p));
  }
  return codes;
}

}  // namespace

base::Result<TotpEnrolment> TwoFactor::BeginIn(Conn& c, int64_t user_id) {
  DOKUEI_ASSIGN_OR_RETURN(const TotpState s, LoadState(c, user_id));
  if (s.enrolled) return msg::Status(base::Code::kFailedPrecondition, msg::kAlreadyEnrolled);
  uint8_t secret[kTotpSecretBytes];
  base::RandomBytes(secret, sizeof secret);
  const std::string_view raw(reinterpret_cast<const char*>(secret), sizeof secret);
  const Value p[] = {key_.Seal(raw, Context(user_id)), I(user_id)};
  DOKUEI_RETURN_IF_ERROR(
      c.Exec("UPDATE users SET totp_secret = ?, totp_last_step = 0 WHERE id = ?", p));
  TotpEnrolment e;
  e.secret_base32 = Base32Encode(secret);
  e.otpauth_uri = TotpUri(options_.totp_issuer, s.login, e.secret_base32);
  return e;
}

base::Result<std::vector<std::string>> TwoFactor::ConfirmIn(Conn& c, int64_t user_id,
                                                            std::string_view code) {
  DOKUEI_ASSIGN_OR_RETURN(const TotpState s, LoadState(c, user_id));
  if (s.enrolled) return msg::Status(base::Code::kFailedPrecondition, msg::kAlreadyEnrolled);
  if (s.sealed_secret.empty())
    return msg::Status(base::Code::kFailedPrecondition, msg::kNotEnrolling);
  DOKUEI_ASSIGN_OR_RETURN(const std::string secret, key_.Open(s.sealed_secret, Context(user_id)));
  const std::string normalized = StripSpaces(code);
  const int64_t step =
      IsTotpCode(normalized) ? MatchStep(secret, normalized, clock_.Now(), s.last_step) : 0;
  if (step == 0) return msg::Invalid(msg::kCode, "code");
  const Value p[] = {I(step), I(user_id)};
  DOKUEI_RETURN_IF_ERROR(
      c.Exec("UPDATE users SET totp_enrolled = 1, totp_last_step = ? WHERE id = ?", p));
  return NewRecoveryCodes(c, user_id);
}

base::Result<SecondFactorUse> TwoFactor::VerifyIn(Conn& c, int64_t user_id, std::string_view code) {
  DOKUEI_ASSIGN_OR_RETURN(const TotpState s, LoadState(c, user_id));
  const auto refused = msg::Status(base::Code::kUnauthenticated, msg::kCode, "code");
  if (!s.enrolled) return refused;
  const std::string normalized = StripSpaces(code);
  SecondFactorUse use;
  if (IsTotpCode(normalized)) {
    DOKUEI_ASSIGN_OR_RETURN(const std::string secret, key_.Open(s.sealed_secret, Context(user_id)));
    const int64_t step = MatchStep(secret, normalized, clock_.Now(), s.last_step);
    if (step == 0) return refused;
    DOKUEI_ASSIGN_OR_RETURN(const bool consumed, ConsumeStep(c, user_id, step));
    if (!consumed) return refused;  // replayed concurrently
  } else {
    if (normalized.size() != 16) return refused;
    bool found = false;
    const Value p[] = {I(Us(clock_.Now())), I(user_id), RecoveryHash(normalized)};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "UPDATE recovery_codes SET used_at_us = ? WHERE user_id = ? AND code_hash = ?"
        " AND used_at_us = 0 RETURNING user_id",
        p, [](const Row&) {}, &found));
    if (!found) return refused;
    use.recovery_code = true;
  }
  DOKUEI_ASSIGN_OR_RETURN(use.recovery_codes_left, CountLeft(c, user_id));
  return use;
}

base::Result<TotpEnrolment> TwoFactor::Begin(int64_t user_id) {
  TotpEnrolment out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(out, BeginIn(c, user_id));
    return Status::Ok();
  }));
  return out;
}

base::Result<std::vector<std::string>> TwoFactor::Confirm(int64_t user_id, std::string_view code) {
  std::vector<std::string> out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(out, ConfirmIn(c, user_id, code));
    return Status::Ok();
  }));
  return out;
}

base::Result<SecondFactorUse> TwoFactor::Verify(int64_t user_id, std::string_view code) {
  SecondFactorUse out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(out, VerifyIn(c, user_id, code));
    return Status::Ok();
  }));
  return out;
}

base::Result<std::vector<std::string>> TwoFactor::RegenerateRecoveryCodes(int64_t user_id,
                                                                          std::string_view code) {
  if (!IsTotpCode(StripSpaces(code)))
    return msg::Status(base::Code::kUnauthenticated, msg::kCode, "code");
  std::vector<std::string> out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_RETURN_IF_ERROR(VerifyIn(c, user_id, code).status());
    DOKUEI_ASSIGN_OR_RETURN(out, NewRecoveryCodes(c, user_id));
    return Status::Ok();
  }));
  return out;
}

base::Result<int> TwoFactor::RecoveryCodesLeft(int64_t user_id) {
  int out = 0;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(out, CountLeft(c, user_id));
    return Status::Ok();
  }));
  return out;
}

Status TwoFactor::Reset(int64_t tenant_id, int64_t user_id) {
  return db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    bool found = false;
    const Value p[] = {I(user_id), I(tenant_id)};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "UPDATE users SET totp_secret = '', totp_enrolled = 0, totp_last_step = 0"
        " WHERE id = ? AND tenant_id = ? RETURNING id",
        p, [](const Row&) {}, &found));
    if (!found) return msg::Status(base::Code::kNotFound, msg::kUserNotFound);
    const Value d[] = {I(user_id)};
    DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM recovery_codes WHERE user_id = ?", d));
    return internal::DeleteSessions(c, user_id);
  });
}

}  // namespace dokuei::identity
