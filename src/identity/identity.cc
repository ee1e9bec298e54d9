#include "dokuei/identity/identity.h"

namespace dokuei::identity {

Identity::Identity(std::shared_ptr<db::Database> db, base::Clock& clock, SecretKey key,
                   IdentityOptions options)
    : db_(std::move(db)),
      clock_(clock),
      key_(std::move(key)),
      options_(std::move(options)),
      hasher_(options_.password_hash),
      tenants_(*db_, clock),
      ae_titles_(*db_, clock),
      contacts_(*db_),
      accounts_(*db_, clock, hasher_, options_),
      profiles_(*db_, clock, options_),
      two_factor_(*db_, clock, key_, options_),
      sessions_(*db_, clock, hasher_, two_factor_, options_),
      tokens_(*db_, clock, options_) {}

base::Result<std::unique_ptr<Identity>> OpenIdentity(std::shared_ptr<db::Database> db,
                                                     base::Clock& clock, SecretKey key,
                                                     IdentityOptions options) {
  if (!db) return base::InvalidArgument("identity: no database");
  DOKUEI_RETURN_IF_ERROR(MigrateIdentity(*db));
  return std::make_unique<Identity>(std::move(db), clock, std::move(key), std::move(options));
}

}  // namespace dokuei::identity
