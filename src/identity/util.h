// Private helpers of the identity module: encodings, random secrets, text validation, and the
// SQL pieces several services share (tenant and user rows, session deletion, lockout counting).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/identity/messages.h"
#include "dokuei/identity/options.h"
#include "dokuei/identity/records.h"

namespace dokuei::identity::internal {

using db::Conn;
using db::Row;
using db::Value;

inline int64_t Us(base::Timestamp t) { return base::ToUnixMicros(t); }
inline base::Timestamp FromUs(int64_t us) { return base::FromUnixMicros(us); }
inline Value B(bool b) { return Value(int64_t{b ? 1 : 0}); }
inline Value I(int64_t v) { return Value(v); }
inline Value S(std::string_view s) { return Value(std::string(s)); }

// Runs a query expected to return at most one row; *found tells whether it did.
base::Status QueryRow(Conn& c, std::string_view sql, std::span<const Value> params,
                      const std::function<void(const Row&)>& fn, bool* found);

// Encodings (libsodium).
std::string Base64(std::string_view bytes);     // standard, padded
std::string Base64Url(std::string_view bytes);  // URL-safe, no padding
std::optional<std::string> FromBase64(std::string_view text);
// n random bytes as base64url (no padding).
std::string RandomToken(size_t n_bytes);
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Text.
bool IsValidUtf8(std::string_view s);
size_t CodePoints(std::string_view s);  // of valid UTF-8
// Valid UTF-8, no control characters (C0, DEL, C1), at most max_chars code points; empty allowed
// unless `required`.
bool IsCleanText(std::string_view s, size_t max_chars, bool required, bool allow_newlines = false);
// kInvalidArgument(msg, field) unless IsCleanText.
base::Status CheckText(std::string_view s, size_t max_chars, bool required, const Message& m,
                       const char* field);
base::Status CheckEmail(std::string_view email);                  // empty allowed
std::string EncodeStringList(const std::vector<std::string>& v);  // JSON array
std::vector<std::string> DecodeStringList(std::string_view json);

// Tenant rows (the index's tenants LEFT JOIN identity_tenants).
extern const char kTenantColumns[];  // "t.id, t.code, ..." for FROM tenants t LEFT JOIN ... i
Tenant DecodeTenant(const Row& r, int first_col = 0);
base::Result<Tenant> LoadTenant(Conn& c, int64_t tenant_id);  // kNotFound

// Users.
std::string EncodeRoles(const std::vector<Role>& roles);
bool TwoFactorRequired(const std::vector<Role>& roles, const Tenant& tenant);
// User rows: "SELECT <kUserColumns> FROM users u ..." then DecodeUser (roles and
// two_factor_required are filled by the caller, see LoadUser).
extern const char kUserColumns[];
User DecodeUser(const Row& r, base::Timestamp now);
// Loads a user of tenant_id (kAnyTenant: service-wide lookups) with roles; kNotFound otherwise.
inline constexpr int64_t kAnyTenant = -1;
base::Result<User> LoadUser(Conn& c, int64_t tenant_id, int64_t user_id, base::Timestamp now);
base::Result<std::vector<Role>> LoadRoles(Conn& c, int64_t user_id);
// Builds the principal of a user session.
Principal UserPrincipal(const User& user, const Tenant& tenant);

// Deletes the user's sessions (all, or all but the one with keep_hash) and login challenges.
base::Status DeleteSessions(Conn& c, int64_t user_id, std::string_view keep_hash = {});

// Counts one failed authentication of the user; locks the account when the limit is reached.
base::Status RecordAccountFailure(Conn& c, int64_t user_id, base::Timestamp now,
                                  const IdentityOptions& o);

}  // namespace dokuei::identity::internal
