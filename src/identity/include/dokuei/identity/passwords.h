// Passwords: the policy of MHLW guideline 6.0 (at least 13 characters, or at least 8 with a second
// factor), refusal of common and breached passwords (a list compiled into the binary, see
// src/identity/data/README.md), of passwords containing the login and of very low-variety
// strings; and argon2id hashing (libsodium crypto_pwhash_str).
//
// Lengths count Unicode code points, so a Japanese passphrase counts its characters, not its
// bytes. The checks compare case-insensitively and also look through common decorations
// (leading/trailing digits and symbols, "leet" substitutions, full-width ASCII).
// Thread safety: the functions are pure; PasswordHasher is thread-safe and bounds how many hashes
// run at once (each uses memlimit bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dokuei/base/status.h"

namespace dokuei::identity {

inline constexpr size_t kMinPasswordChars = 13;
inline constexpr size_t kMinPasswordCharsWithTwoFactor = 8;
inline constexpr size_t kMaxPasswordChars = 256;

enum class PasswordProblem : uint8_t {
  kTooShort,         // fewer than 13 characters without a second factor
  kTooShortWith2fa,  // fewer than 8 characters
  kTooLong,
  kInvalidText,    // not UTF-8, or control characters
  kCommon,         // in the common/breached list (also through decorations)
  kContainsLogin,  // equal to or containing the login
  kLowVariety,     // few distinct characters, sequences, keyboard walks
};

struct PasswordContext {
  std::string_view login;
  bool two_factor = false;  // the account has (or will have before any session) a second factor
};

// nullopt when the password is acceptable.
std::optional<PasswordProblem> CheckPassword(std::string_view password,
                                             const PasswordContext& context);
// kInvalidArgument with field "password" and a message from the identity message table
// (messages.h gives its Japanese form).
base::Status PasswordProblemStatus(PasswordProblem problem);
// Only the list lookup (case-insensitive, through decorations).
bool IsCommonPassword(std::string_view password);
// Number of entries in the compiled-in list.
size_t CommonPasswordCount();

// A random one-time password (20 characters from an unambiguous alphabet, ~110 bits).
std::string GeneratePassword();

// argon2id parameters. Defaults: t = 3 passes over m = 64 MiB, one lane: about 65 ms per hash on
// the reference machine (2 cores; docs/design/permissions.md, "Passwords").
struct PasswordHashParams {
  uint64_t opslimit = 3;
  size_t memlimit = size_t{64} << 20;
  int max_concurrent = 4;  // hashes running at once (memory: max_concurrent * memlimit)
  // Fast parameters for tests only (libsodium's minimums).
  static PasswordHashParams ForTests();
};

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordHashParams params = {});
  ~PasswordHasher();
  PasswordHasher(const PasswordHasher&) = delete;
  PasswordHasher& operator=(const PasswordHasher&) = delete;

  // "$argon2id$v=19$m=...,t=...,p=1$salt$hash".
  base::Result<std::string> Hash(std::string_view password);
  // Constant-time comparison inside libsodium; false for any malformed hash.
  bool Verify(std::string_view hash, std::string_view password);
  // Burns the same time as Verify on a real hash (unknown logins: no timing difference).
  void VerifyDummy(std::string_view password);
  // True when the hash was made with other parameters (rehash after a successful login).
  bool NeedsRehash(std::string_view hash) const;

  const PasswordHashParams& params() const { return params_; }

 private:
  struct Gate;
  PasswordHashParams params_;
  std::unique_ptr<Gate> gate_;
  std::string dummy_hash_;
};

}  // namespace dokuei::identity
