// The identity module's entry point: migrates identity's tables on the shared database (after
// the index, whose first migration creates `tenants`) and builds the services, which share one
// database, one clock, one password hasher and the secret key for TOTP secrets.
//
//   auto id = OpenIdentity(storage.database, clock, key, options);
//   id->sessions->Login(...); id->tokens->Verify(...); id->accounts->Create(...);
//
// Thread safety: every service is thread-safe; Identity owns them and must outlive their users.
#pragma once

#include <memory>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/identity/accounts.h"
#include "dokuei/identity/directory.h"
#include "dokuei/identity/options.h"
#include "dokuei/identity/passwords.h"
#include "dokuei/identity/records.h"
#include "dokuei/identity/sessions.h"
#include "dokuei/identity/tokens.h"
#include "dokuei/identity/totp.h"
#include "dokuei/identity/two_factor.h"

namespace dokuei::identity {

class Identity {
 public:
  Identity(std::shared_ptr<db::Database> db, base::Clock& clock, SecretKey key,
           IdentityOptions options);
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

  TenantDirectory& tenants() { return tenants_; }
  AeTitles& ae_titles() { return ae_titles_; }
  Contacts& contacts() { return contacts_; }
  Accounts& accounts() { return accounts_; }
  ReaderProfiles& profiles() { return profiles_; }
  TwoFactor& two_factor() { return two_factor_; }
  Sessions& sessions() { return sessions_; }
  Tokens& tokens() { return tokens_; }
  const IdentityOptions& options() const { return options_; }
  db::Database& database() { return *db_; }
  // For services built per request on a decorated Database (e.g. one that appends the audit
  // record inside each write transaction): Accounts accounts(db, clock(), hasher(), options()).
  base::Clock& clock() { return clock_; }
  PasswordHasher& hasher() { return hasher_; }
  const SecretKey& key() const { return key_; }

 private:
  std::shared_ptr<db::Database> db_;
  base::Clock& clock_;
  const SecretKey key_;
  const IdentityOptions options_;
  PasswordHasher hasher_;
  TenantDirectory tenants_;
  AeTitles ae_titles_;
  Contacts contacts_;
  Accounts accounts_;
  ReaderProfiles profiles_;
  TwoFactor two_factor_;
  Sessions sessions_;
  Tokens tokens_;
};

// Migrates identity's tables (kFailedPrecondition when the index has not created `tenants`).
base::Status MigrateIdentity(db::Database& db);
int LatestIdentitySchemaVersion();

// Migrates, then builds the services.
base::Result<std::unique_ptr<Identity>> OpenIdentity(std::shared_ptr<db::Database> db,
                                                     base::Clock& clock, SecretKey key,
                                                     IdentityOptions options = {});

}  // namespace dokuei::identity
