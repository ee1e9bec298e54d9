#include "util.h"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "dokuei/base/random.h"
#include "msg.h"

namespace dokuei::identity::internal {

using base::Status;

Status QueryRow(Conn& c, std::string_view sql, std::span<const Value> params,
                const std::function<void(const Row&)>& fn, bool* found) {
  *found = false;
  return c.Query(sql, params, [&](const Row& r) {
    if (!*found) fn(r);
    *found = true;
    return Status::Ok();
  });
}

namespace {

std::string ToBase64(std::string_view bytes, int variant) {
  if (bytes.empty()) return {};
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

}  // namespace

std::string Base64(std::string_view bytes) {
  return ToBase64(bytes, sodium_base64_VARIANT_ORIGINAL);
}

std::string Base64Url(std::string_view bytes) {
  return ToBase64(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::optional<std::string> FromBase64(std::string_view text) {
  std::string out(text.size() * 3 / 4 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string RandomToken(size_t n_bytes) {
  std::string raw(n_bytes, '\0');
  base::RandomBytes(raw.data(), raw.size());
  std::string out = Base64Url(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

// Decodes one code point at s[i]; returns its length, 0 when invalid.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t n = 0;
  uint32_t v = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, v = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, v = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, v = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    const size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool IsCleanText(std::string_view s, size_t max_chars, bool required, bool allow_newlines) {
  if (required && s.empty()) return false;
  size_t chars = 0;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    const size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) return false;
    const bool newline = allow_newlines && (cp == '\n' || cp == '\r');
    if (!newline && (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))) return false;
    i += n;
    if (++chars > max_chars) return false;
  }
  return true;
}

Status CheckText(std::string_view s, size_t max_chars, bool required, const Message& m,
                 const char* field) {
  if (!IsCleanText(s, max_chars, required)) return msg::Invalid(m, field);
  return Status::Ok();
}

Status CheckEmail(std::string_view email) {
  if (email.empty()) return Status::Ok();
  const size_t at = email.find('@');
  const bool ok = email.size() <= 254 && at != std::string_view::npos && at > 0 &&
                  at + 1 < email.size() && email.find('@', at + 1) == std::string_view::npos &&
                  std::all_of(email.begin(), email.end(),
                              [](char ch) {
                                const auto c = static_cast<unsigned char>(ch);
                                return c > 0x20 && c != 0x7F && c != '<' && c != '>' && c != '"' &&
                                       c != ',' && c != ';' && c != '\\';
                              }) &&
                  IsValidUtf8(email);
  return ok ? Status::Ok() : msg::Invalid(msg::kEmail, "email");
}

std::string EncodeStringList(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

std::vector<std::string> DecodeStringList(std::string_view json) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (const auto& e : j)
    if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

const char kTenantColumns[] =
    "t.id, t.code, t.name, COALESCE(i.name_en, ''), COALESCE(i.kind, 'hospital'),"
    " COALESCE(i.staff_two_factor_required, 0), COALESCE(i.client_certificate_required, 0),"
    " COALESCE(i.disabled, 0), COALESCE(i.created_at_us, 0)";

Tenant DecodeTenant(const Row& r, int c) {
  Tenant t;
  t.id = r.Int(c);
  t.code = std::string(r.Str(c + 1));
  t.name = std::string(r.Str(c + 2));
  t.name_en = std::string(r.Str(c + 3));
  t.kind = TenantKindFromName(r.Str(c + 4)).value_or(TenantKind::kHospital);
  t.staff_two_factor_required = r.Int(c + 5) != 0;
  t.dicom_client_certificate_required = r.Int(c + 6) != 0;
  t.disabled = r.Int(c + 7) != 0;
  t.created_at = FromUs(r.Int(c + 8));
  return t;
}

base::Result<Tenant> LoadTenant(Conn& c, int64_t tenant_id) {
  Tenant t;
  bool found = false;
  const Value p[] = {I(tenant_id)};
  DOKUEI_RETURN_IF_ERROR(QueryRow(
      c,
      std::string("SELECT ") + kTenantColumns +
          " FROM tenants t LEFT JOIN identity_tenants i ON i.tenant_id = t.id WHERE t.id = ?",
      p, [&](const Row& r) { t = DecodeTenant(r); }, &found));
  if (!found) return msg::Status(base::Code::kNotFound, msg::kTenantNotFound);
  return t;
}

std::string EncodeRoles(const std::vector<Role>& roles) {
  std::string out;
  for (Role r : roles) {
    if (!out.empty()) out += ',';
    out += RoleName(r);
  }
  return out;
}

bool TwoFactorRequired(const std::vector<Role>& roles, const Tenant& tenant) {
  for (Role r : roles) {
    if (TwoFactorMandatory(r)) return true;
    if (r == Role::kHospitalStaff && tenant.staff_two_factor_required) return true;
  }
  return false;
}

base::Result<std::vector<Role>> LoadRoles(Conn& c, int64_t user_id) {
  std::vector<Role> roles;
  const Value p[] = {I(user_id)};
  DOKUEI_RETURN_IF_ERROR(
      c.Query("SELECT role FROM user_roles WHERE user_id = ? ORDER BY role", p, [&](const Row& r) {
        if (auto role = RoleFromName(r.Str(0))) roles.push_back(*role);
        return Status::Ok();
      }));
  std::sort(roles.begin(), roles.end());
  return roles;
}

const char kUserColumns[] =
    "u.id, u.tenant_id, u.login, u.display_name, u.email, u.totp_enrolled,"
    " u.must_change_password, u.disabled, u.created_at_us, u.last_login_at_us, u.locked_until_us";

User DecodeUser(const Row& r, base::Timestamp now) {
  User u;
  u.id = r.Int(0);
  u.tenant_id = r.Int(1);
  u.login = std::string(r.Str(2));
  u.display_name = std::string(r.Str(3));
  u.email = std::string(r.Str(4));
  u.two_factor_enrolled = r.Int(5) != 0;
  u.must_change_password = r.Int(6) != 0;
  u.disabled = r.Int(7) != 0;
  u.created_at = FromUs(r.Int(8));
  if (r.Int(9) != 0) u.last_login_at = FromUs(r.Int(9));
  if (r.Int(10) > Us(now)) u.locked_until = FromUs(r.Int(10));
  return u;
}

base::Result<User> LoadUser(Conn& c, int64_t tenant_id, int64_t user_id, base::Timestamp now) {
  User u;
  bool found = false;
  const Value p[] = {I(user_id), I(tenant_id), I(tenant_id)};
  DOKUEI_RETURN_IF_ERROR(QueryRow(
      c,
      std::string("SELECT ") + kUserColumns +
          " FROM users u WHERE u.id = ? AND (? = -1 OR u.tenant_id = ?)",
      p, [&](const Row& r) { u = DecodeUser(r, now); }, &found));
  if (!found) return msg::Status(base::Code::kNotFound, msg::kUserNotFound);
  DOKUEI_ASSIGN_OR_RETURN(u.roles, LoadRoles(c, u.id));
  DOKUEI_ASSIGN_OR_RETURN(const Tenant t, LoadTenant(c, u.tenant_id));
  u.two_factor_required = TwoFactorRequired(u.roles, t);
  return u;
}

Principal UserPrincipal(const User& user, const Tenant& tenant) {
  Principal p;
  p.tenant_id = tenant.id;
  p.tenant_kind = tenant.kind;
  p.tenant_code = tenant.code;
  p.user_id = user.id;
  p.subject = user.login;
  p.display_name = user.display_name;
  p.roles = user.roles;
  p.must_change_password = user.must_change_password;
  if (user.must_change_password) {
    p.grants = {{*CanonicalPermission("account.self"), Scope::kOwnTenant}};
  } else {
    p.grants = GrantsOf(user.roles, tenant.kind);
  }
  return p;
}

Status DeleteSessions(Conn& c, int64_t user_id, std::string_view keep_hash) {
  const Value p[] = {I(user_id), S(keep_hash)};
  DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?", p));
  const Value q[] = {I(user_id)};
  return c.Exec("DELETE FROM login_challenges WHERE user_id = ?", q);
}

Status RecordAccountFailure(Conn& c, int64_t user_id, base::Timestamp now,
                            const IdentityOptions& o) {
  // A sliding window: one row per failure. The UPDATE first takes the user's row lock, so that
  // concurrent failures of one account (several servers on PostgreSQL) count one after another.
  const int64_t n = Us(now);
  const int64_t window_start = n - base::Duration(o.lockout_window).count();
  const Value uid[] = {I(user_id)};
  DOKUEI_RETURN_IF_ERROR(
      c.Exec("UPDATE users SET failed_count = failed_count + 1 WHERE id = ?", uid));
  const Value ins[] = {I(user_id), I(n)};
  DOKUEI_RETURN_IF_ERROR(c.Exec("INSERT INTO login_failures (user_id, at_us) VALUES (?, ?)", ins));
  const Value old[] = {I(user_id), I(window_start)};
  DOKUEI_RETURN_IF_ERROR(
      c.Exec("DELETE FROM login_failures WHERE user_id = ? AND at_us <= ?", old));
  int64_t count = 0;
  DOKUEI_RETURN_IF_ERROR(
      c.Query("SELECT COUNT(*) FROM login_failures WHERE user_id = ?", uid, [&](const Row& r) {
        count = r.Int(0);
        return Status::Ok();
      }));
  if (count < o.lockout_failures) return Status::Ok();
  // Locked: counting starts afresh when the lock ends.
  const Value lock[] = {I(n + base::Duration(o.lockout_duration).count()), I(user_id)};
  DOKUEI_RETURN_IF_ERROR(c.Exec("UPDATE users SET locked_until_us = ? WHERE id = ?", lock));
  return c.Exec("DELETE FROM login_failures WHERE user_id = ?", uid);
}

}  // namespace dokuei::identity::internal
