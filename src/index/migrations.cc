#include "migrations.h"

#include <array>
#include <string_view>

#include "dokuei/index/index.h"

namespace dokuei::index {
namespace {

// One DDL template per statement. Tokens rendered per dialect:
//   {PK}    surrogate key          {TEXT} text column, NOT NULL DEFAULT '', byte-order collation
//   {INT}   64-bit integer          {WITHOUT_ROWID} SQLite clustered table
// Text is compared and sorted by bytes on both backends (SQLite BINARY, PostgreSQL "C"), so
// ordering, ranges and prefix scans agree.
struct Migration {
  int version;
  std::vector<std::string_view> statements;
};

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       {
           "CREATE TABLE tenants (id {PK}, code {TEXT} UNIQUE, name {TEXT})",
           "CREATE TABLE patients ("
           " id {PK}, tenant_id {INT} NOT NULL REFERENCES tenants(id),"
           " patient_id {TEXT}, issuer {TEXT}, patient_name {TEXT}, birth_date {TEXT}, sex {TEXT},"
           " num_studies {INT} NOT NULL DEFAULT 0, rep_instance_id {INT},"
           " UNIQUE (tenant_id, patient_id, issuer))",
           "CREATE TABLE studies ("
           " id {PK}, tenant_id {INT} NOT NULL, patient_pk {INT} NOT NULL REFERENCES patients(id),"
           " study_uid {TEXT}, study_date {TEXT}, study_time {TEXT}, accession_number {TEXT},"
           " study_id {TEXT}, study_description {TEXT}, referring_physician_name {TEXT},"
           " num_series {INT} NOT NULL DEFAULT 0, num_instances {INT} NOT NULL DEFAULT 0,"
           " total_bytes {INT} NOT NULL DEFAULT 0, modalities {TEXT}, sop_classes {TEXT},"
           " rep_instance_id {INT},"
           " UNIQUE (tenant_id, study_uid))",
           "CREATE TABLE series ("
           " id {PK}, tenant_id {INT} NOT NULL, study_pk {INT} NOT NULL REFERENCES studies(id),"
           " series_uid {TEXT}, modality {TEXT}, series_number {INT}, series_description {TEXT},"
           " body_part {TEXT}, series_date {TEXT}, series_time {TEXT}, pps_start_date {TEXT},"
           " pps_start_time {TEXT}, request_attrs {TEXT},"
           " num_instances {INT} NOT NULL DEFAULT 0, rep_instance_id {INT},"
           " UNIQUE (tenant_id, series_uid))",
           // One row per Request Attributes Sequence item, for sequence matching.
           "CREATE TABLE series_requests ("
           " id {PK}, tenant_id {INT} NOT NULL, series_pk {INT} NOT NULL REFERENCES series(id),"
           " requested_procedure_id {TEXT}, scheduled_procedure_step_id {TEXT})",
           "CREATE TABLE instances ("
           " id {PK}, tenant_id {INT} NOT NULL, series_pk {INT} NOT NULL REFERENCES series(id),"
           " sop_uid {TEXT}, sop_class_uid {TEXT}, transfer_syntax_uid {TEXT},"
           " instance_number {INT}, pixel_rows {INT} NOT NULL DEFAULT 0,"
           " pixel_columns {INT} NOT NULL DEFAULT 0, number_of_frames {INT} NOT NULL DEFAULT 0,"
           " blob_key {TEXT}, size_bytes {INT} NOT NULL DEFAULT 0, sha256 {TEXT},"
           " received_at_us {INT} NOT NULL DEFAULT 0, ingest_source {TEXT},"
           " UNIQUE (tenant_id, sop_uid))",
           // Kept apart so that scans of instances stay narrow (metadata is tens of kB).
           "CREATE TABLE instance_metadata ("
           " instance_pk {INT} PRIMARY KEY REFERENCES instances(id), metadata_json {TEXT})",
           // Person-name search keys: kind 0 = whole value / component group (ASCII lowercase),
           // kind 1 = fuzzy token. attr 0 = PatientName (owner patient), 1 =
           // ReferringPhysicianName (owner study).
           "CREATE TABLE name_keys ("
           " tenant_id {INT} NOT NULL, attr {INT} NOT NULL, kind {INT} NOT NULL,"
           " name_key {TEXT}, owner_pk {INT} NOT NULL,"
           " PRIMARY KEY (tenant_id, attr, kind, name_key, owner_pk)){WITHOUT_ROWID}",
           "CREATE TABLE conflicts ("
           " id {PK}, tenant_id {INT} NOT NULL REFERENCES tenants(id),"
           " sop_uid {TEXT}, study_uid {TEXT}, series_uid {TEXT},"
           " existing_blob_key {TEXT}, existing_sha256 {TEXT}, new_blob_key {TEXT},"
           " new_sha256 {TEXT}, received_at_us {INT} NOT NULL DEFAULT 0, ingest_source {TEXT})",
       }},
      {2,
       {
           // Search indexes (see the query plans in sql_builder.cc).
           "CREATE INDEX patients_by_name ON patients (tenant_id, patient_name, patient_id, "
           "issuer)",
           "CREATE INDEX studies_by_date ON studies (tenant_id, study_date, study_time, study_uid)",
           "CREATE INDEX studies_by_accession ON studies (tenant_id, accession_number)",
           "CREATE INDEX studies_by_patient ON studies (patient_pk)",
           "CREATE INDEX series_by_study ON series (study_pk, series_number)",
           "CREATE INDEX series_by_modality ON series (tenant_id, modality, study_pk)",
           "CREATE INDEX series_requests_by_series ON series_requests (series_pk)",
           "CREATE INDEX series_requests_by_rp ON series_requests"
           " (tenant_id, requested_procedure_id)",
           "CREATE INDEX series_requests_by_sps ON series_requests"
           " (tenant_id, scheduled_procedure_step_id)",
           "CREATE INDEX instances_by_series ON instances (series_pk, instance_number)",
           "CREATE INDEX conflicts_by_tenant ON conflicts (tenant_id, id)",
       }},
      {3,
       {
           // BitsAllocated is a default QIDO-RS instance attribute: a column spares parsing each
           // instance's metadata to answer it.
           "ALTER TABLE instances ADD COLUMN bits_allocated {INT} NOT NULL DEFAULT 0",
       }},
  };
  return kMigrations;
}

std::string Render(std::string_view tmpl, Dialect d) {
  const bool pg = d == Dialect::kPostgres;
  static constexpr std::array<std::string_view, 4> kTokens = {"{PK}", "{TEXT}", "{INT}",
                                                              "{WITHOUT_ROWID}"};
  const std::array<std::string_view, 4> repl = {
      pg ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY",
      pg ? "TEXT COLLATE \"C\" NOT NULL DEFAULT ''" : "TEXT NOT NULL DEFAULT ''",
      pg ? "BIGINT" : "INTEGER",
      pg ? "" : " WITHOUT ROWID",
  };
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    bool replaced = false;
    if (tmpl[i] == '{') {
      for (size_t t = 0; t < kTokens.size(); ++t) {
        if (tmpl.substr(i, kTokens[t].size()) == kTokens[t]) {
          out += repl[t];
          i += kTokens[t].size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(tmpl[i++]);
  }
  return out;
}

// Arbitrary constant identifying Dokuei's migration lock among the database's advisory locks.
constexpr int64_t kMigrationLockKey = 0x446f6b7565690001;

base::Status CreateVersionTable(Conn& c) {
  return c.Exec(c.dialect() == Dialect::kPostgres
                    ? "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
                      " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                    : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                      " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)");
}

base::Result<int> ReadVersion(Conn& c) {
  int version = 0;
  DOKUEI_RETURN_IF_ERROR(
      c.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}, [&](const Row& r) {
        version = static_cast<int>(r.Int(0));
        return base::Status::Ok();
      }));
  return version;
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

std::vector<std::string> MigrationStatements(int version, Dialect dialect) {
  std::vector<std::string> out;
  for (const auto& m : Migrations()) {
    if (m.version != version) continue;
    for (std::string_view s : m.statements) out.push_back(Render(s, dialect));
  }
  return out;
}

base::Status Migrate(Database& db) {
  return db.Transact(TxKind::kWrite, [&](Conn& c) -> base::Status {
    if (c.dialect() == Dialect::kPostgres) {
      const Value key[] = {Value(kMigrationLockKey)};
      DOKUEI_RETURN_IF_ERROR(c.Exec("SELECT pg_advisory_xact_lock(?)", key));
    }
    DOKUEI_RETURN_IF_ERROR(CreateVersionTable(c));
    DOKUEI_ASSIGN_OR_RETURN(const int current, ReadVersion(c));
    const int latest = LatestSchemaVersion();
    if (current > latest) {
      return base::FailedPrecondition("index schema version " + std::to_string(current) +
                                      " is newer than this binary supports (" +
                                      std::to_string(latest) + ")");
    }
    for (int v = current + 1; v <= latest; ++v) {
      for (const std::string& stmt : MigrationStatements(v, c.dialect())) {
        DOKUEI_RETURN_IF_ERROR(c.Exec(stmt).WithContext("migration " + std::to_string(v)));
      }
      const Value version[] = {Value(int64_t{v})};
      DOKUEI_RETURN_IF_ERROR(c.Exec("INSERT INTO schema_migrations (version) VALUES (?)", version));
    }
    return base::Status::Ok();
  });
}

base::Result<int> CurrentSchemaVersion(Database& db) {
  int version = 0;
  DOKUEI_RETURN_IF_ERROR(db.Transact(TxKind::kRead, [&](Conn& c) -> base::Status {
    bool exists = false;
    DOKUEI_RETURN_IF_ERROR(
        c.Query(c.dialect() == Dialect::kPostgres
                    ? "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END"
                    : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND"
                      " name = 'schema_migrations'",
                {}, [&](const Row& r) {
                  exists = r.Int(0) != 0;
                  return base::Status::Ok();
                }));
    if (!exists) return base::Status::Ok();
    DOKUEI_ASSIGN_OR_RETURN(version, ReadVersion(c));
    return base::Status::Ok();
  }));
  return version;
}

}  // namespace dokuei::index
