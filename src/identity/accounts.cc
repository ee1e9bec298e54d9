#include "dokuei/identity/accounts.h"

#include <algorithm>

#include "dokuei/base/digest.h"
#include "msg.h"
#include "util.h"

namespace dokuei::identity {

using base::Status;
using db::Conn;
using db::Row;
using db::TxKind;
using db::Value;
using internal::B;
using internal::I;
using internal::S;
using internal::Us;

base::Result<std::string> NormalizeLogin(std::string_view login) {
  std::string l;
  for (char c : login) l.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  const bool ok = l.size() >= 3 && l.size() <= 64 && alnum(l.front()) &&
                  std::all_of(l.begin(), l.end(), [&](char c) {
                    return alnum(c) || c == '.' || c == '_' || c == '-' || c == '@';
                  });
  if (!ok) return msg::Invalid(msg::kLogin, "login");
  return l;
}

namespace {

Status ValidateRoles(std::vector<Role>& roles, TenantKind kind) {
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  if (roles.empty()) return msg::Invalid(msg::kRolesRequired, "roles");
  for (Role r : roles)
    if (!RoleAllowedIn(r, kind)) return msg::Invalid(msg::kRoleNotAllowed, "roles");
  return Status::Ok();
}

Status WriteRoles(Conn& c, int64_t user_id, const std::vector<Role>& roles) {
  const Value d[] = {I(user_id)};
  DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM user_roles WHERE user_id = ?", d));
  for (Role r : roles) {
    const Value p[] = {I(user_id), S(RoleName(r))};
    DOKUEI_RETURN_IF_ERROR(c.Exec("INSERT INTO user_roles (user_id, role) VALUES (?, ?)", p));
  }
  return Status::Ok();
}

// Refuses a change that would leave the reading centre without an enabled administrator.
Status KeepOneAdministrator(Conn& c, const User& user, bool stays_admin, base::Timestamp now) {
  const bool is_admin =
      std::find(user.roles.begin(), user.roles.end(), Role::kAdministrator) != user.roles.end();
  if (!is_admin || user.disabled || stays_admin) return Status::Ok();
  DOKUEI_ASSIGN_OR_RETURN(const Tenant t, internal::LoadTenant(c, user.tenant_id));
  if (t.kind != TenantKind::kReadingCentre) return Status::Ok();
  int64_t others = 0;
  const Value p[] = {I(user.tenant_id), I(user.id)};
  DOKUEI_RETURN_IF_ERROR(c.Query(
      "SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id"
      " WHERE u.tenant_id = ? AND u.id <> ? AND u.disabled = 0 AND r.role = 'administrator'",
      p, [&](const Row& r) {
        others = r.Int(0);
        return Status::Ok();
      }));
  if (others == 0) {
    return msg::Status(base::Code::kFailedPrecondition, msg::kLastAdministrator, "roles");
  }
  return Status::Ok();
}

}  // namespace

base::Result<User> Accounts::Create(const NewUser& nu) {
  DOKUEI_ASSIGN_OR_RETURN(const std::string login, NormalizeLogin(nu.login));
  DOKUEI_RETURN_IF_ERROR(
      internal::CheckText(nu.display_name, 200, true, msg::kName, "display_name"));
  DOKUEI_RETURN_IF_ERROR(internal::CheckEmail(nu.email));
  std::vector<Role> roles = nu.roles;
  Tenant tenant;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(tenant, internal::LoadTenant(c, nu.tenant_id));
    return Status::Ok();
  }));
  DOKUEI_RETURN_IF_ERROR(ValidateRoles(roles, tenant.kind));
  if (auto problem = CheckPassword(nu.password, {login, false}))
    return PasswordProblemStatus(*problem);
  // Hash outside any transaction: it takes tens of milliseconds.
  DOKUEI_ASSIGN_OR_RETURN(const std::string hash, hasher_.Hash(nu.password));
  const base::Timestamp now = clock_.Now();
  User out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    int64_t id = 0;
    bool inserted = false;
    const Value p[] = {I(nu.tenant_id), login,     nu.display_name,
                       nu.email,        hash,      B(nu.must_change_password),
                       I(Us(now)),      I(Us(now))};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "INSERT INTO users (tenant_id, login, display_name, email, password_hash,"
        " must_change_password, password_changed_at_us, created_at_us)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (login) DO NOTHING RETURNING id",
        p, [&](const Row& r) { id = r.Int(0); }, &inserted));
    if (!inserted) return msg::Status(base::Code::kAlreadyExists, msg::kLoginTaken, "login");
    DOKUEI_RETURN_IF_ERROR(WriteRoles(c, id, roles));
    DOKUEI_ASSIGN_OR_RETURN(out, internal::LoadUser(c, nu.tenant_id, id, now));
    return Status::Ok();
  }));
  return out;
}

base::Result<User> Accounts::Get(int64_t tenant_id, int64_t user_id) {
  User out;
  const base::Timestamp now = clock_.Now();
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(out, internal::LoadUser(c, tenant_id, user_id, now));
    return Status::Ok();
  }));
  return out;
}

base::Result<User> Accounts::FindByLogin(std::string_view login) {
  auto norm = NormalizeLogin(login);
  if (!norm.ok()) return msg::Status(base::Code::kNotFound, msg::kUserNotFound);
  User out;
  const base::Timestamp now = clock_.Now();
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    int64_t id = 0;
    bool found = false;
    const Value p[] = {*norm};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c, "SELECT id FROM users WHERE login = ?", p, [&](const Row& r) { id = r.Int(0); },
        &found));
    if (!found) return msg::Status(base::Code::kNotFound, msg::kUserNotFound);
    DOKUEI_ASSIGN_OR_RETURN(out, internal::LoadUser(c, internal::kAnyTenant, id, now));
    return Status::Ok();
  }));
  return out;
}

base::Result<std::vector<User>> Accounts::List(int64_t tenant_id) {
  std::vector<User> out;
  const base::Timestamp now = clock_.Now();
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    auto tenant = internal::LoadTenant(c, tenant_id);
    if (!tenant.ok())
      return tenant.status().code() == base::Code::kNotFound ? Status::Ok() : tenant.status();
    const Value p[] = {I(tenant_id)};
    DOKUEI_RETURN_IF_ERROR(c.Query(std::string("SELECT ") + internal::kUserColumns +
                                       " FROM users u WHERE u.tenant_id = ? ORDER BY u.login",
                                   p, [&](const Row& r) {
                                     out.push_back(internal::DecodeUser(r, now));
                                     return Status::Ok();
                                   }));
    std::vector<std::pair<int64_t, Role>> roles;
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT r.user_id, r.role FROM user_roles r JOIN users u ON u.id = r.user_id"
                " WHERE u.tenant_id = ?",
                p, [&](const Row& r) {
                  if (auto role = RoleFromName(r.Str(1))) roles.emplace_back(r.Int(0), *role);
                  return Status::Ok();
                }));
    for (User& u : out) {
      for (const auto& [id, role] : roles)
        if (id == u.id) u.roles.push_back(role);
      std::sort(u.roles.begin(), u.roles.end());
      u.two_factor_required = internal::TwoFactorRequired(u.roles, *tenant);
    }
    return Status::Ok();
  }));
  return out;
}

base::Result<User> Accounts::Update(int64_t tenant_id, int64_t user_id, const UserUpdate& update) {
  if (update.display_name) {
    DOKUEI_RETURN_IF_ERROR(
        internal::CheckText(*update.display_name, 200, true, msg::kName, "display_name"));
  }
  if (update.email) DOKUEI_RETURN_IF_ERROR(internal::CheckEmail(*update.email));
  User out;
  const base::Timestamp now = clock_.Now();
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(User u, internal::LoadUser(c, tenant_id, user_id, now));
    if (update.display_name) u.display_name = *update.display_name;
    if (update.email) u.email = *update.email;
    const Value p[] = {u.display_name, u.email, I(u.id), I(tenant_id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("UPDATE users SET display_name = ?, email = ? WHERE id = ? AND tenant_id = ?", p));
    out = u;
    return Status::Ok();
  }));
  return out;
}

base::Result<User> Accounts::SetRoles(int64_t tenant_id, int64_t user_id, std::vector<Role> roles) {
  User out;
  const base::Timestamp now = clock_.Now();
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(const User u, internal::LoadUser(c, tenant_id, user_id, now));
    DOKUEI_ASSIGN_OR_RETURN(const Tenant t, internal::LoadTenant(c, u.tenant_id));
    std::vector<Role> next = roles;
    DOKUEI_RETURN_IF_ERROR(ValidateRoles(next, t.kind));
    const bool stays_admin =
        std::find(next.begin(), next.end(), Role::kAdministrator) != next.end();
    DOKUEI_RETURN_IF_ERROR(KeepOneAdministrator(c, u, stays_admin, now));
    DOKUEI_RETURN_IF_ERROR(WriteRoles(c, u.id, next));
    DOKUEI_ASSIGN_OR_RETURN(out, internal::LoadUser(c, tenant_id, user_id, now));
    return Status::Ok();
  }));
  return out;
}

Status Accounts::SetDisabled(int64_t tenant_id, int64_t user_id, bool disabled) {
  const base::Timestamp now = clock_.Now();
  return db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(const User u, internal::LoadUser(c, tenant_id, user_id, now));
    if (disabled) DOKUEI_RETURN_IF_ERROR(KeepOneAdministrator(c, u, false, now));
    const Value p[] = {B(disabled), I(u.id), I(tenant_id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("UPDATE users SET disabled = ? WHERE id = ? AND tenant_id = ?", p));
    if (disabled) DOKUEI_RETURN_IF_ERROR(internal::DeleteSessions(c, u.id));
    return Status::Ok();
  });
}

Status Accounts::ResetPassword(int64_t tenant_id, int64_t user_id, std::string_view password,
                               bool must_change) {
  DOKUEI_ASSIGN_OR_RETURN(const User u, Get(tenant_id, user_id));
  if (auto problem = CheckPassword(password, {u.login, u.two_factor_enrolled}))
    return PasswordProblemStatus(*problem);
  DOKUEI_ASSIGN_OR_RETURN(const std::string hash, hasher_.Hash(password));
  const bool needs_2fa = internal::CodePoints(password) < kMinPasswordChars;
  const int64_t now = Us(clock_.Now());
  return db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    bool found = false;
    const Value p[] = {hash, B(needs_2fa), B(must_change), I(now), I(u.id), I(tenant_id)};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "UPDATE users SET password_hash = ?, password_needs_2fa = ?, must_change_password = ?,"
        " password_changed_at_us = ?, failed_count = 0, locked_until_us = 0"
        " WHERE id = ? AND tenant_id = ? RETURNING id",
        p, [](const Row&) {}, &found));
    if (!found) return msg::Status(base::Code::kNotFound, msg::kUserNotFound);
    const Value uid[] = {I(u.id)};
    DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM login_failures WHERE user_id = ?", uid));
    return internal::DeleteSessions(c, u.id);
  });
}

Status Accounts::Unlock(int64_t tenant_id, int64_t user_id) {
  return db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    bool found = false;
    const Value p[] = {I(user_id), I(tenant_id)};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "UPDATE users SET failed_count = 0, locked_until_us = 0 WHERE id = ? AND tenant_id = ?"
        " RETURNING id",
        p, [](const Row&) {}, &found));
    if (!found) return msg::Status(base::Code::kNotFound, msg::kUserNotFound);
    const Value uid[] = {I(user_id)};
    return c.Exec("DELETE FROM login_failures WHERE user_id = ?", uid);
  });
}

Status Accounts::ChangePassword(int64_t user_id, std::string_view current_password,
                                std::string_view new_password, std::string_view keep_session_id) {
  const base::Timestamp now = clock_.Now();
  std::string hash;
  User u;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(u, internal::LoadUser(c, internal::kAnyTenant, user_id, now));
    const Value p[] = {I(user_id)};
    bool found = false;
    return internal::QueryRow(
        c, "SELECT password_hash FROM users WHERE id = ?", p,
        [&](const Row& r) { hash = std::string(r.Str(0)); }, &found);
  }));
  const bool right = hasher_.Verify(hash, current_password);
  if (!right || u.locked_until || u.disabled) {
    if (!right) {
      DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) {
        return internal::RecordAccountFailure(c, user_id, now, options_);
      }));
    }
    return msg::Invalid(msg::kCurrentPassword, "current_password");
  }
  if (auto problem = CheckPassword(new_password, {u.login, u.two_factor_enrolled}))
    return PasswordProblemStatus(*problem);
  DOKUEI_ASSIGN_OR_RETURN(const std::string new_hash, hasher_.Hash(new_password));
  const bool needs_2fa = internal::CodePoints(new_password) < kMinPasswordChars;
  const std::string keep =
      keep_session_id.empty() ? std::string() : base::Sha256Hex(keep_session_id);
  return db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    const Value p[] = {new_hash, B(needs_2fa), I(Us(now)), I(user_id)};
    DOKUEI_RETURN_IF_ERROR(c.Exec(
        "UPDATE users SET password_hash = ?, password_needs_2fa = ?, must_change_password = 0,"
        " password_changed_at_us = ? WHERE id = ?",
        p));
    return internal::DeleteSessions(c, user_id, keep);
  });
}

}  // namespace dokuei::identity
