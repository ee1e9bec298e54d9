#include "migrations.h"

#include <array>
#include <string_view>

#include "dokuei/db/migrations.h"
#include "dokuei/index/index.h"

namespace dokuei::index {
namespace {

// One DDL template per statement. Tokens rendered per dialect:
//   {PK}    surrogate key          {TEXT} text column, NOT NULL DEFAULT '', byte-order collation
//   {INT}   64-bit integer          {WITHOUT_ROWID} SQLite clustered table
// Text is compared and sorted by bytes on both backends (SQLite BINARY, PostgreSQL "C"), so
// ordering, ranges and prefix scans agree.
const std::vector<db::Migration>& Migrations() {
  static const std::vector<db::Migration> kMigrations = {
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

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

std::vector<std::string> MigrationStatements(int version, Dialect dialect) {
  std::vector<std::string> out;
  for (const auto& m : Migrations()) {
    if (m.version != version) continue;
    for (std::string_view s : m.statements) out.push_back(db::Render(s, dialect));
  }
  return out;
}

base::Status Migrate(Database& db) { return db::Migrate(db, "index", Migrations()); }

base::Result<int> CurrentSchemaVersion(Database& db) { return db::CurrentVersion(db, "index"); }

}  // namespace dokuei::index
