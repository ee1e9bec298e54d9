// User accounts (login, roles, password, enabled/disabled) and reader profiles.
//
// Logins are unique across the service and stored in lower case (3..64 of a-z 0-9 . _ - @,
// starting with a letter or digit). Roles must be allowed in the user's kind of tenant
// (RoleAllowedIn). Every call on a user names the tenant it belongs to; a user of another
// tenant is NotFound. Changes that should end access (disable, password reset, second-factor
// reset) delete the user's sessions in the same transaction.
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

namespace dokuei::identity {

struct NewUser {
  int64_t tenant_id = 0;
  std::string login;
  std::string display_name;
  std::string email;
  std::vector<Role> roles;
  std::string password;  // checked against the policy (13 characters: no second factor yet)
  bool must_change_password = false;
};

struct UserUpdate {
  std::optional<std::string> display_name, email;
};

class Accounts {
 public:
  Accounts(db::Database& db, base::Clock& clock, PasswordHasher& hasher,
           const IdentityOptions& options)
      : db_(db), clock_(clock), hasher_(hasher), options_(options) {}

  base::Result<User> Create(const NewUser& user);
  base::Result<User> Get(int64_t tenant_id, int64_t user_id);
  // Service-wide, for the command line (which then knows the tenant from the result).
  base::Result<User> FindByLogin(std::string_view login);
  base::Result<std::vector<User>> List(int64_t tenant_id);
  base::Result<User> Update(int64_t tenant_id, int64_t user_id, const UserUpdate& update);
  // kFailedPrecondition when it would leave the reading centre without an enabled administrator.
  base::Result<User> SetRoles(int64_t tenant_id, int64_t user_id, std::vector<Role> roles);
  base::Status SetDisabled(int64_t tenant_id, int64_t user_id, bool disabled);
  // Administrator: a new password (policy applies); ends every session of the user.
  base::Status ResetPassword(int64_t tenant_id, int64_t user_id, std::string_view password,
                             bool must_change);
  // Administrator: lifts a lockout.
  base::Status Unlock(int64_t tenant_id, int64_t user_id);
  // The user themself: the current password is required (a wrong one counts as a failed login);
  // every other session of the user ends (keep_session_id, the caller's, stays).
  base::Status ChangePassword(int64_t user_id, std::string_view current_password,
                              std::string_view new_password, std::string_view keep_session_id);

 private:
  db::Database& db_;
  base::Clock& clock_;
  PasswordHasher& hasher_;
  const IdentityOptions& options_;
};

// Published reader profiles. Only users of the reading centre with the reader or checker role
// have one; every tenant may read them (profiles.read is granted with any-tenant scope), so Get
// and List take no tenant, while changes name the reader's tenant.
class ReaderProfiles {
 public:
  ReaderProfiles(db::Database& db, base::Clock& clock, const IdentityOptions& options)
      : db_(db), clock_(clock), options_(options) {}

  base::Result<ReaderProfile> Put(int64_t tenant_id, int64_t user_id, const ReaderProfile& p);
  base::Result<ReaderProfile> Get(int64_t user_id);
  // Profiles of enabled readers and checkers, by display name.
  base::Result<std::vector<ReaderProfile>> List();
  // JPEG, PNG or WebP (checked by signature), at most options.max_photo_bytes.
  base::Status SetPhoto(int64_t tenant_id, int64_t user_id, const Photo& photo);
  base::Status RemovePhoto(int64_t tenant_id, int64_t user_id);
  base::Result<Photo> GetPhoto(int64_t user_id);

 private:
  db::Database& db_;
  base::Clock& clock_;
  const IdentityOptions& options_;
};

base::Result<std::string> NormalizeLogin(std::string_view login);

}  // namespace dokuei::identity
