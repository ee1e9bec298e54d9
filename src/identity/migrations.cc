#include "dokuei/db/migrations.h"

#include "dokuei/identity/identity.h"

namespace dokuei::identity {
namespace {

// Identity's tables on the shared database. The `tenants` table itself belongs to the index
// (its first migration); identity_tenants adds kind and policies under the same id. Every table
// that holds a tenant's data carries tenant_id, and every query on it filters by it. Times are
// microseconds since the Unix epoch (UTC); booleans are 0/1 integers.
const std::vector<db::Migration>& Migrations() {
  static const std::vector<db::Migration> kMigrations = {
      {1,
       {
           "CREATE TABLE identity_tenants ("
           " tenant_id {INT} PRIMARY KEY REFERENCES tenants(id), kind {TEXT}, name_en {TEXT},"
           " staff_two_factor_required {INT} NOT NULL DEFAULT 0,"
           " client_certificate_required {INT} NOT NULL DEFAULT 0,"
           " disabled {INT} NOT NULL DEFAULT 0, created_at_us {INT} NOT NULL DEFAULT 0)",
           // There is exactly one reading centre.
           "CREATE UNIQUE INDEX identity_one_reading_centre ON identity_tenants (kind)"
           " WHERE kind = 'reading_centre'",
           // ae_key: the AE title in upper case, so that titles differing only in case cannot
           // map to two tenants.
           "CREATE TABLE ae_titles ("
           " id {PK}, tenant_id {INT} NOT NULL REFERENCES tenants(id), ae_title {TEXT},"
           " ae_key {TEXT} UNIQUE, host {TEXT}, port {INT} NOT NULL DEFAULT 0,"
           " check_host {INT} NOT NULL DEFAULT 0, max_associations {INT} NOT NULL DEFAULT 8,"
           " allow_store {INT} NOT NULL DEFAULT 1, allow_find {INT} NOT NULL DEFAULT 1,"
           " allow_get {INT} NOT NULL DEFAULT 1, allow_move {INT} NOT NULL DEFAULT 1,"
           " allow_commitment {INT} NOT NULL DEFAULT 1, certificate_sha256 {TEXT},"
           " created_at_us {INT} NOT NULL DEFAULT 0)",
           "CREATE INDEX ae_titles_by_tenant ON ae_titles (tenant_id, ae_key)",
           "CREATE TABLE contacts ("
           " id {PK}, tenant_id {INT} NOT NULL REFERENCES tenants(id), name {TEXT}, role {TEXT},"
           " phone {TEXT}, email {TEXT}, critical_results {INT} NOT NULL DEFAULT 1)",
           "CREATE INDEX contacts_by_tenant ON contacts (tenant_id, id)",
           // password_needs_2fa: the password was accepted under the 8-character rule, so it is
           // never enough on its own (login asks for enrolment when no second factor exists).
           "CREATE TABLE users ("
           " id {PK}, tenant_id {INT} NOT NULL REFERENCES tenants(id), login {TEXT} UNIQUE,"
           " display_name {TEXT}, email {TEXT}, password_hash {TEXT},"
           " password_needs_2fa {INT} NOT NULL DEFAULT 0,"
           " must_change_password {INT} NOT NULL DEFAULT 0,"
           " password_changed_at_us {INT} NOT NULL DEFAULT 0, totp_secret {TEXT},"
           " totp_enrolled {INT} NOT NULL DEFAULT 0, totp_last_step {INT} NOT NULL DEFAULT 0,"
           " disabled {INT} NOT NULL DEFAULT 0, failed_count {INT} NOT NULL DEFAULT 0,"
           " locked_until_us {INT} NOT NULL DEFAULT 0,"
           " last_login_at_us {INT} NOT NULL DEFAULT 0, created_at_us {INT} NOT NULL DEFAULT 0)",
           "CREATE INDEX users_by_tenant ON users (tenant_id, login)",
           "CREATE TABLE user_roles ("
           " user_id {INT} NOT NULL REFERENCES users(id), role {TEXT},"
           " PRIMARY KEY (user_id, role)){WITHOUT_ROWID}",
           "CREATE TABLE recovery_codes ("
           " user_id {INT} NOT NULL REFERENCES users(id), code_hash {TEXT},"
           " used_at_us {INT} NOT NULL DEFAULT 0, PRIMARY KEY (user_id, code_hash)){WITHOUT_ROWID}",
           // List fields are JSON arrays of strings.
           "CREATE TABLE reader_profiles ("
           " user_id {INT} PRIMARY KEY REFERENCES users(id), tenant_id {INT} NOT NULL,"
           " years_of_experience {INT} NOT NULL DEFAULT 0, certifications {TEXT},"
           " subspecialties {TEXT}, modalities {TEXT}, languages {TEXT}, biography {TEXT},"
           " updated_at_us {INT} NOT NULL DEFAULT 0)",
           // Kept apart so that listing profiles stays narrow; data is base64.
           "CREATE TABLE reader_photos ("
           " user_id {INT} PRIMARY KEY REFERENCES users(id), content_type {TEXT}, data {TEXT})",
           // id_hash: hex SHA-256 of the session id (the id itself is only in the cookie).
           "CREATE TABLE sessions ("
           " id_hash {TEXT} PRIMARY KEY, user_id {INT} NOT NULL REFERENCES users(id),"
           " tenant_id {INT} NOT NULL, created_at_us {INT} NOT NULL DEFAULT 0,"
           " last_seen_us {INT} NOT NULL DEFAULT 0, absolute_expiry_us {INT} NOT NULL DEFAULT 0,"
           " source_address {TEXT}, user_agent {TEXT}){WITHOUT_ROWID}",
           "CREATE INDEX sessions_by_user ON sessions (user_id)",
           // Between a correct password and a session: second factor or enrolment pending.
           "CREATE TABLE login_challenges ("
           " id_hash {TEXT} PRIMARY KEY, user_id {INT} NOT NULL REFERENCES users(id),"
           " purpose {INT} NOT NULL DEFAULT 0, expires_at_us {INT} NOT NULL DEFAULT 0,"
           " attempts {INT} NOT NULL DEFAULT 0, source_address {TEXT}){WITHOUT_ROWID}",
           "CREATE INDEX login_challenges_by_user ON login_challenges (user_id)",
           "CREATE TABLE api_tokens ("
           " id {PK}, tenant_id {INT} NOT NULL REFERENCES tenants(id), token_hash {TEXT} UNIQUE,"
           " prefix {TEXT}, name {TEXT}, permissions {TEXT}, created_by {INT} NOT NULL DEFAULT 0,"
           " created_at_us {INT} NOT NULL DEFAULT 0, expires_at_us {INT} NOT NULL DEFAULT 0,"
           " revoked_at_us {INT} NOT NULL DEFAULT 0, last_used_at_us {INT} NOT NULL DEFAULT 0)",
           "CREATE INDEX api_tokens_by_tenant ON api_tokens (tenant_id, id)",
           // Failed authentications per account within the lockout window (sliding).
           "CREATE TABLE login_failures ("
           " id {PK}, user_id {INT} NOT NULL REFERENCES users(id), at_us {INT} NOT NULL)",
           "CREATE INDEX login_failures_by_user ON login_failures (user_id, at_us)",
           // Per source address (IPv6 per /64) failed-login counting.
           "CREATE TABLE login_throttle ("
           " address {TEXT} PRIMARY KEY, failures {INT} NOT NULL DEFAULT 0,"
           " window_start_us {INT} NOT NULL DEFAULT 0, blocked_until_us {INT} NOT NULL DEFAULT 0)"
           "{WITHOUT_ROWID}",
       }},
  };
  return kMigrations;
}

}  // namespace

int LatestIdentitySchemaVersion() { return static_cast<int>(Migrations().size()); }

base::Status MigrateIdentity(db::Database& db) {
  // The tenants table comes from the index's first migration.
  bool has_tenants = false;
  DOKUEI_RETURN_IF_ERROR(db.Transact(db::TxKind::kRead, [&](db::Conn& c) -> base::Status {
    const db::Value name[] = {std::string("tenants")};
    return c.Query(c.dialect() == db::Dialect::kPostgres
                       ? "SELECT CASE WHEN to_regclass(?) IS NULL THEN 0 ELSE 1 END"
                       : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                   name, [&](const db::Row& r) {
                     has_tenants = r.Int(0) != 0;
                     return base::Status::Ok();
                   });
  }));
  if (!has_tenants) {
    return base::FailedPrecondition(
        "identity: the tenants table does not exist yet (open the index on this database first)");
  }
  return db::Migrate(db, "identity", Migrations());
}

}  // namespace dokuei::identity
