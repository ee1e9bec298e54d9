#include "schema.h"

#include <vector>

#include "dokuei/db/migrations.h"

namespace dokuei::audit {
namespace {

// Shared by both dialects; the triggers differ (below).
#define DOKUEI_AUDIT_TABLES                                                                      \
  "CREATE TABLE audit_records ("                                                                 \
  " seq {INT} PRIMARY KEY, time_us {INT} NOT NULL, action {TEXT}, outcome {INT} NOT NULL,"       \
  " tenant_id {INT} NOT NULL, actor {TEXT}, actor_user_id {INT} NOT NULL,"                       \
  " actor_tenant_id {INT} NOT NULL, actor_roles {TEXT}, source_address {TEXT}, protocol {TEXT}," \
  " patient_id {TEXT}, study_uids {TEXT}, object_count {INT} NOT NULL, object_detail {TEXT},"    \
  " sop_class_uid {TEXT}, message {TEXT}, prev_hash {TEXT}, hash {TEXT})",                       \
      "CREATE INDEX audit_records_by_time ON audit_records (time_us)",                           \
      "CREATE INDEX audit_records_by_tenant ON audit_records (tenant_id, seq)",                  \
      "CREATE INDEX audit_records_by_actor_tenant ON audit_records (actor_tenant_id, seq)",      \
      "CREATE INDEX audit_records_by_actor ON audit_records (actor, seq)",                       \
      "CREATE INDEX audit_records_by_action ON audit_records (action, seq)",                     \
      "CREATE INDEX audit_records_by_patient ON audit_records (patient_id, seq)",                \
      "CREATE TABLE audit_record_studies (study_uid {TEXT}, seq {INT} NOT NULL,"                 \
      " PRIMARY KEY (study_uid, seq)){WITHOUT_ROWID}",                                           \
      "CREATE INDEX audit_record_studies_by_seq ON audit_record_studies (seq)",                  \
      "CREATE TABLE audit_head (id {INT} PRIMARY KEY, seq {INT} NOT NULL, hash {TEXT})",         \
      "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0,"                                     \
      " '0000000000000000000000000000000000000000000000000000000000000000')",                    \
      "CREATE TABLE audit_anchor (id {INT} PRIMARY KEY, seq {INT} NOT NULL, hash {TEXT})",       \
      "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 0,"                                   \
      " '0000000000000000000000000000000000000000000000000000000000000000')",                    \
      "CREATE TABLE audit_shipping (destination {TEXT} PRIMARY KEY,"                             \
      " seq {INT} NOT NULL DEFAULT 0, updated_us {INT} NOT NULL DEFAULT 0)"

const std::vector<db::Migration>& Migrations(db::Dialect d) {
  static const std::vector<db::Migration> kSqlite = {
      {1,
       {
           DOKUEI_AUDIT_TABLES,
           "CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records"
           " BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
           "CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records"
           " WHEN OLD.seq > (SELECT seq FROM audit_anchor WHERE id = 1)"
           " BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
       }},
  };
  static const std::vector<db::Migration> kPostgres = {
      {1,
       {
           DOKUEI_AUDIT_TABLES,
           "CREATE FUNCTION audit_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
           " IF TG_OP = 'DELETE' AND OLD.seq <= (SELECT seq FROM audit_anchor WHERE id = 1) THEN"
           " RETURN OLD; END IF;"
           " RAISE EXCEPTION 'audit records are append-only' USING ERRCODE = '42501';"
           " END $$",
           "CREATE TRIGGER audit_records_guard BEFORE UPDATE OR DELETE ON audit_records"
           " FOR EACH ROW EXECUTE FUNCTION audit_records_guard()",
       }},
  };
  return d == db::Dialect::kPostgres ? kPostgres : kSqlite;
}

#undef DOKUEI_AUDIT_TABLES

}  // namespace

base::Status MigrateAudit(db::Database& database) {
  return db::Migrate(database, "audit", Migrations(database.dialect()));
}

Record RecordFromRow(const db::Row& r) {
  Record rec;
  rec.seq = r.Int(0);
  rec.time = base::FromUnixMicros(r.Int(1));
  Event& e = rec.event;
  e.action = std::string(r.Str(2));
  e.outcome = static_cast<Outcome>(r.Int(3));
  e.tenant_id = r.Int(4);
  e.actor = std::string(r.Str(5));
  e.actor_user_id = r.Int(6);
  e.actor_tenant_id = r.Int(7);
  e.actor_roles = std::string(r.Str(8));
  e.source_address = std::string(r.Str(9));
  e.protocol = std::string(r.Str(10));
  e.patient_id = std::string(r.Str(11));
  // Exact split (an empty or trailing element is kept), so that any change to the stored text
  // changes the hashed list.
  const std::string_view studies = r.Str(12);
  if (!studies.empty()) {
    size_t start = 0;
    while (true) {
      const size_t end = studies.find('\\', start);
      e.study_uids.emplace_back(studies.substr(start, end - start));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  }
  e.object_count = r.Int(13);
  e.object_detail = std::string(r.Str(14));
  e.sop_class_uid = std::string(r.Str(15));
  e.message = std::string(r.Str(16));
  rec.hash = std::string(r.Str(17));
  return rec;
}

}  // namespace dokuei::audit
