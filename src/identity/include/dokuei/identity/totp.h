// TOTP (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1, 30-second steps, 6 digits), base32 (RFC 4648)
// secrets and the otpauth:// enrolment URI that authenticator apps read from a QR code; and the
// SecretKey that encrypts TOTP secrets at rest (libsodium XChaCha20-Poly1305, the ciphertext bound
// to its owner so that it cannot be moved to another account).
// Thread safety: pure functions; SecretKey is immutable after construction.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"

namespace dokuei::identity {

inline constexpr int kTotpDigits = 6;
inline constexpr int64_t kTotpPeriodSeconds = 30;
inline constexpr size_t kTotpSecretBytes = 20;  // 160 bits (RFC 4226 section 4)

// RFC 4648 base32, upper case, without padding; decoding ignores case, spaces and padding.
std::string Base32Encode(std::span<const uint8_t> bytes);
base::Result<std::string> Base32Decode(std::string_view text);

// HOTP value of `counter` with `digits` decimal digits, zero-padded.
std::string HotpCode(std::span<const uint8_t> secret, uint64_t counter, int digits = kTotpDigits);
// The RFC 6238 time step of t (floor(unix seconds / 30)).
int64_t TotpStep(base::Timestamp t);

// otpauth://totp/<issuer>:<login>?secret=<base32>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30
std::string TotpUri(std::string_view issuer, std::string_view login, std::string_view secret_b32);

// 32-byte key for secrets at rest. Text form: 64 hex characters.
class SecretKey {
 public:
  static SecretKey Generate();
  static base::Result<SecretKey> FromHex(std::string_view hex);
  std::string ToHex() const;
  // A short non-secret identifier of the key (first 8 hex of SHA-256 of the key), stored with
  // each ciphertext so that a wrong key is reported as such.
  std::string Id() const;

  // "v1:<key id>:<base64(nonce || ciphertext)>"; `context` (e.g. "totp:42") is authenticated.
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  // kDataLoss when the text was sealed with another key, for another context, or altered.
  base::Result<std::string> Open(std::string_view sealed, std::string_view context) const;

 private:
  SecretKey() = default;
  std::array<uint8_t, 32> key_{};
};

}  // namespace dokuei::identity
