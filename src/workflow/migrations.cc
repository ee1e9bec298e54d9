// The workflow's tables on the shared database (component "workflow"). Times are microseconds
// since the Unix epoch (UTC), 0 = not yet; states, priorities, regions and modalities are their
// stable names; lists are JSON arrays of strings. Every table holding a hospital's data carries
// tenant_id and every query on it filters by it (or by an id already checked against it).
#include "dokuei/db/migrations.h"

#include "dokuei/workflow/workflow.h"

namespace dokuei::workflow {
namespace {

const std::vector<db::Migration>& Migrations() {
  static const std::vector<db::Migration> kMigrations = {
      {1,
       {
           // version: +1 at every change; updates are conditional on it (optimistic locking).
           "CREATE TABLE workflow_requests ("
           " id {PK}, tenant_id {INT} NOT NULL REFERENCES tenants(id), study_uid {TEXT},"
           " clinical_question {TEXT}, symptoms {TEXT}, side {TEXT}, region {TEXT},"
           " modality {TEXT}, priority {TEXT}, desired_return_us {INT} NOT NULL DEFAULT 0,"
           " prior_study_uids {TEXT}, attachments {TEXT},"
           " expected_series {INT} NOT NULL DEFAULT 0, source {TEXT},"
           " details_complete {INT} NOT NULL DEFAULT 0, state {TEXT}, held_from {TEXT},"
           " version {INT} NOT NULL DEFAULT 1, reader_id {INT} NOT NULL DEFAULT 0,"
           " second_reader_id {INT} NOT NULL DEFAULT 0, checker_id {INT} NOT NULL DEFAULT 0,"
           " instance_count {INT} NOT NULL DEFAULT 0, series_count {INT} NOT NULL DEFAULT 0,"
           " late_instances {INT} NOT NULL DEFAULT 0,"
           " first_instance_us {INT} NOT NULL DEFAULT 0, last_instance_us {INT} NOT NULL DEFAULT 0,"
           " received_us {INT} NOT NULL DEFAULT 0, due_us {INT} NOT NULL DEFAULT 0,"
           " ready_us {INT} NOT NULL DEFAULT 0, assigned_us {INT} NOT NULL DEFAULT 0,"
           " started_us {INT} NOT NULL DEFAULT 0, final_us {INT} NOT NULL DEFAULT 0,"
           " delivered_us {INT} NOT NULL DEFAULT 0, updated_us {INT} NOT NULL DEFAULT 0,"
           " escalation_level {INT} NOT NULL DEFAULT 0, subspecialty {TEXT})",
           // One open request per study of a hospital (a cancelled one may be followed by another).
           "CREATE UNIQUE INDEX workflow_requests_open_study ON workflow_requests"
           " (tenant_id, study_uid) WHERE state <> 'cancelled'",
           "CREATE INDEX workflow_requests_by_state ON workflow_requests (state, due_us, id)",
           "CREATE INDEX workflow_requests_by_tenant ON workflow_requests (tenant_id, due_us, id)",
           "CREATE INDEX workflow_requests_by_reader ON workflow_requests (reader_id, state)",
           "CREATE TABLE workflow_request_series ("
           " request_id {INT} NOT NULL REFERENCES workflow_requests(id), series_uid {TEXT},"
           " PRIMARY KEY (request_id, series_uid)){WITHOUT_ROWID}",
           // Every transition, assignment and escalation of a request, timed.
           "CREATE TABLE workflow_history ("
           " id {PK}, request_id {INT} NOT NULL REFERENCES workflow_requests(id),"
           " at_us {INT} NOT NULL, action {TEXT}, from_state {TEXT}, to_state {TEXT},"
           " actor {TEXT}, actor_user_id {INT} NOT NULL DEFAULT 0, reason {TEXT})",
           "CREATE INDEX workflow_history_by_request ON workflow_history (request_id, id)",
           "CREATE TABLE workflow_contracts ("
           " tenant_id {INT} PRIMARY KEY REFERENCES tenants(id),"
           " stat_minutes {INT} NOT NULL, same_day_cutoff_minute {INT} NOT NULL,"
           " same_day_deadline_minute {INT} NOT NULL, routine_days {INT} NOT NULL,"
           " routine_deadline_minute {INT} NOT NULL, double_reading {INT} NOT NULL,"
           " check_required {INT} NOT NULL, second_reader_min_years {INT} NOT NULL,"
           " price_xray {INT} NOT NULL, price_ct {INT} NOT NULL, price_mr {INT} NOT NULL,"
           " price_other {INT} NOT NULL, initial_fee {INT} NOT NULL, monthly_fee {INT} NOT NULL,"
           " updated_us {INT} NOT NULL DEFAULT 0)",
           "CREATE TABLE workflow_shifts ("
           " id {PK}, reader_id {INT} NOT NULL, start_us {INT} NOT NULL, end_us {INT} NOT NULL,"
           " display_time_zone {TEXT})",
           "CREATE INDEX workflow_shifts_by_time ON workflow_shifts (end_us, start_us)",
           "CREATE TABLE workflow_absences ("
           " id {PK}, reader_id {INT} NOT NULL, start_us {INT} NOT NULL, end_us {INT} NOT NULL,"
           " reason {TEXT})",
           "CREATE INDEX workflow_absences_by_time ON workflow_absences (end_us, start_us)",
           "CREATE TABLE workflow_escalations ("
           " id {PK}, tenant_id {INT} NOT NULL REFERENCES tenants(id),"
           " request_id {INT} NOT NULL REFERENCES workflow_requests(id), at_us {INT} NOT NULL,"
           " kind {TEXT}, from_reader_id {INT} NOT NULL DEFAULT 0,"
           " to_reader_id {INT} NOT NULL DEFAULT 0, detail {TEXT})",
           "CREATE INDEX workflow_escalations_by_tenant ON workflow_escalations (tenant_id, id)",
           // One charge per delivered request, priced when first delivered (a later addendum or
           // price change does not touch it).
           "CREATE TABLE workflow_charges ("
           " request_id {INT} PRIMARY KEY REFERENCES workflow_requests(id),"
           " tenant_id {INT} NOT NULL REFERENCES tenants(id), study_uid {TEXT}, modality {TEXT},"
           " price {INT} NOT NULL, delivered_us {INT} NOT NULL)",
           "CREATE INDEX workflow_charges_by_tenant ON workflow_charges (tenant_id, delivered_us)",
       }},
      {2,
       {
           // The hospital's order identifiers (HL7 ORC-2/ORC-3/OBR-18, FHIR PLAC/FILL/ACSN,
           // DICOM AccessionNumber); an order may come without its study UID.
           "ALTER TABLE workflow_requests ADD COLUMN accession_number {TEXT}",
           "ALTER TABLE workflow_requests ADD COLUMN placer_order_number {TEXT}",
           "ALTER TABLE workflow_requests ADD COLUMN filler_order_number {TEXT}",
           "ALTER TABLE workflow_requests ADD COLUMN patient_id {TEXT}",
           "DROP INDEX workflow_requests_open_study",
           "CREATE UNIQUE INDEX workflow_requests_open_study ON workflow_requests"
           " (tenant_id, study_uid) WHERE state <> 'cancelled' AND study_uid <> ''",
           "CREATE UNIQUE INDEX workflow_requests_open_accession ON workflow_requests"
           " (tenant_id, accession_number) WHERE state <> 'cancelled' AND accession_number <> ''",
           "CREATE UNIQUE INDEX workflow_requests_open_placer ON workflow_requests"
           " (tenant_id, placer_order_number)"
           " WHERE state <> 'cancelled' AND placer_order_number <> ''",
           "CREATE UNIQUE INDEX workflow_requests_open_filler ON workflow_requests"
           " (tenant_id, filler_order_number)"
           " WHERE state <> 'cancelled' AND filler_order_number <> ''",
           // Cancelled orders are looked up by placer number too (a resent cancel).
           "CREATE INDEX workflow_requests_by_placer ON workflow_requests"
           " (tenant_id, placer_order_number, id)",
           // The contract's first day (JST calendar day as days since 1970-01-01; -1 = not set):
           // the initial fee is charged in its month, the monthly fee from it on.
           "ALTER TABLE workflow_contracts ADD COLUMN start_day {INT} NOT NULL DEFAULT -1",
       }},
  };
  return kMigrations;
}

}  // namespace

int LatestWorkflowSchemaVersion() { return static_cast<int>(Migrations().size()); }

base::Status MigrateWorkflow(db::Database& db) {
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
        "workflow: the tenants table does not exist yet (open the index on this database first)");
  }
  return db::Migrate(db, "workflow", Migrations());
}

}  // namespace dokuei::workflow
