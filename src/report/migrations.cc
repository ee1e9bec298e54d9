// The report tables on the shared database (component "report"). Times are microseconds since the
// Unix epoch (UTC), 0 = not yet. A signed version row (signed_us <> 0) is immutable: triggers
// refuse UPDATE and DELETE of it on both backends, so even a bug or a hand-written SQL statement
// cannot overwrite what a reader signed.
#include "dokuei/db/migrations.h"

#include "dokuei/report/report.h"

namespace dokuei::report {
namespace {

#define DOKUEI_REPORT_TABLES                                                                      \
  "CREATE TABLE report_reports ("                                                                 \
  " id {PK}, request_id {INT} NOT NULL UNIQUE, tenant_id {INT} NOT NULL REFERENCES tenants(id),"  \
  " study_uid {TEXT}, reader_id {INT} NOT NULL DEFAULT 0, created_us {INT} NOT NULL,"             \
  " updated_us {INT} NOT NULL)",                                                                  \
      "CREATE INDEX report_reports_by_tenant ON report_reports (tenant_id, id)",                  \
      "CREATE TABLE report_versions ("                                                            \
      " id {PK}, report_id {INT} NOT NULL REFERENCES report_reports(id), number {INT} NOT NULL,"  \
      " kind {TEXT}, content {TEXT}, author_id {INT} NOT NULL, created_us {INT} NOT NULL,"        \
      " updated_us {INT} NOT NULL, signed_us {INT} NOT NULL DEFAULT 0,"                           \
      " signer_id {INT} NOT NULL DEFAULT 0, signer_login {TEXT}, content_sha256 {TEXT},"          \
      " amends_version_id {INT} NOT NULL DEFAULT 0, reason {TEXT},"                               \
      " double_reading {INT} NOT NULL DEFAULT 0, check_required {INT} NOT NULL DEFAULT 0,"        \
      " assigned_us {INT} NOT NULL DEFAULT 0, UNIQUE (report_id, number))",                       \
      "CREATE INDEX report_versions_by_signer ON report_versions (signer_id, signed_us)",         \
      "CREATE TABLE report_reviews ("                                                             \
      " id {PK}, report_id {INT} NOT NULL REFERENCES report_reports(id),"                         \
      " version_id {INT} NOT NULL REFERENCES report_versions(id), reviewer_id {INT} NOT NULL,"    \
      " reviewee_id {INT} NOT NULL, mode {TEXT}, score {TEXT}, content {TEXT},"                   \
      " differences {TEXT}, comment {TEXT}, returned {INT} NOT NULL DEFAULT 0,"                   \
      " at_us {INT} NOT NULL, resolution {TEXT},"                                                 \
      " resolution_note {TEXT}, resolved_by {INT} NOT NULL DEFAULT 0,"                            \
      " resolution_version_id {INT} NOT NULL DEFAULT 0, resolved_us {INT} NOT NULL DEFAULT 0,"    \
      " UNIQUE (version_id, reviewer_id))",                                                       \
      "CREATE INDEX report_reviews_by_reviewee ON report_reviews (reviewee_id, at_us)",           \
      "CREATE TABLE report_checks ("                                                              \
      " id {PK}, report_id {INT} NOT NULL REFERENCES report_reports(id),"                         \
      " version_id {INT} NOT NULL UNIQUE REFERENCES report_versions(id),"                         \
      " checker_id {INT} NOT NULL, approved {INT} NOT NULL, comments {TEXT},"                     \
      " at_us {INT} NOT NULL)",                                                                   \
      "CREATE TABLE report_critical ("                                                            \
      " id {PK}, report_id {INT} NOT NULL REFERENCES report_reports(id),"                         \
      " tenant_id {INT} NOT NULL REFERENCES tenants(id), category {INT} NOT NULL,"                \
      " finding {TEXT}, reported_by {INT} NOT NULL, reported_by_login {TEXT},"                    \
      " notified_us {INT} NOT NULL, deadline_us {INT} NOT NULL,"                                  \
      " ack_user_id {INT} NOT NULL DEFAULT 0, ack_login {TEXT}, ack_person {TEXT},"               \
      " ack_note {TEXT}, ack_us {INT} NOT NULL DEFAULT 0,"                                        \
      " escalated_us {INT} NOT NULL DEFAULT 0)",                                                  \
      "CREATE INDEX report_critical_open ON report_critical (ack_us, escalated_us, deadline_us)", \
      "CREATE TABLE report_notifications ("                                                       \
      " id {PK}, tenant_id {INT} NOT NULL REFERENCES tenants(id),"                                \
      " critical_id {INT} NOT NULL DEFAULT 0, channel {TEXT}, target {TEXT},"                     \
      " recipient_name {TEXT}, subject {TEXT}, body {TEXT}, status {TEXT},"                       \
      " attempts {INT} NOT NULL DEFAULT 0, created_us {INT} NOT NULL,"                            \
      " next_attempt_us {INT} NOT NULL DEFAULT 0, sent_us {INT} NOT NULL DEFAULT 0,"              \
      " last_error {TEXT})",                                                                      \
      "CREATE INDEX report_notifications_due ON report_notifications (status, next_attempt_us)",  \
      "CREATE INDEX report_notifications_by_critical ON report_notifications (critical_id, id)",  \
      "CREATE TABLE report_escalations ("                                                         \
      " id {PK}, critical_id {INT} NOT NULL UNIQUE REFERENCES report_critical(id),"               \
      " report_id {INT} NOT NULL, tenant_id {INT} NOT NULL, at_us {INT} NOT NULL,"                \
      " deadline_us {INT} NOT NULL, detail {TEXT})",                                              \
      "CREATE TABLE report_questions ("                                                           \
      " id {PK}, report_id {INT} NOT NULL REFERENCES report_reports(id),"                         \
      " tenant_id {INT} NOT NULL REFERENCES tenants(id), asked_by {INT} NOT NULL,"                \
      " routed_to {INT} NOT NULL, covering {INT} NOT NULL DEFAULT 0,"                             \
      " answered {INT} NOT NULL DEFAULT 0, asked_us {INT} NOT NULL)",                             \
      "CREATE INDEX report_questions_by_reader ON report_questions (routed_to, answered)",        \
      "CREATE TABLE report_messages ("                                                            \
      " id {PK}, question_id {INT} NOT NULL REFERENCES report_questions(id),"                     \
      " author_id {INT} NOT NULL, author_login {TEXT}, from_centre {INT} NOT NULL,"               \
      " text {TEXT}, addendum_version_id {INT} NOT NULL DEFAULT 0, at_us {INT} NOT NULL)",        \
      "CREATE INDEX report_messages_by_question ON report_messages (question_id, id)"

// 2: pre-sign warnings overridden at signing (issue 5), part of the signed row.
#define DOKUEI_REPORT_OVERRIDES                                        \
  "ALTER TABLE report_versions ADD COLUMN override_reason {TEXT}",     \
      "ALTER TABLE report_versions ADD COLUMN overridden_warnings {TEXT}"

const std::vector<db::Migration>& Migrations(db::Dialect d) {
  static const std::vector<db::Migration> kSqlite = {
      {1,
       {
           DOKUEI_REPORT_TABLES,
           "CREATE TRIGGER report_versions_signed_no_update BEFORE UPDATE ON report_versions"
           " WHEN OLD.signed_us <> 0"
           " BEGIN SELECT RAISE(ABORT, 'signed report versions are immutable'); END",
           "CREATE TRIGGER report_versions_signed_no_delete BEFORE DELETE ON report_versions"
           " WHEN OLD.signed_us <> 0"
           " BEGIN SELECT RAISE(ABORT, 'signed report versions are immutable'); END",
       }},
      {2, {DOKUEI_REPORT_OVERRIDES}},
      {3,
       {
           "CREATE TABLE report_webhooks ("
           " tenant_id {INT} PRIMARY KEY REFERENCES tenants(id), url {TEXT} NOT NULL,"
           " secret_sealed {TEXT} NOT NULL, updated_us {INT} NOT NULL, updated_by {TEXT})",
       }},
  };
  static const std::vector<db::Migration> kPostgres = {
      {1,
       {
           DOKUEI_REPORT_TABLES,
           "CREATE FUNCTION report_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
           " IF OLD.signed_us <> 0 THEN"
           " RAISE EXCEPTION 'signed report versions are immutable' USING ERRCODE = '42501';"
           " END IF;"
           " IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;"
           " END $$",
           "CREATE TRIGGER report_versions_guard BEFORE UPDATE OR DELETE ON report_versions"
           " FOR EACH ROW EXECUTE FUNCTION report_versions_guard()",
       }},
      {2, {DOKUEI_REPORT_OVERRIDES}},
      {3,
       {
           "CREATE TABLE report_webhooks ("
           " tenant_id {INT} PRIMARY KEY REFERENCES tenants(id), url {TEXT} NOT NULL,"
           " secret_sealed {TEXT} NOT NULL, updated_us {INT} NOT NULL, updated_by {TEXT})",
       }},
  };
  return d == db::Dialect::kPostgres ? kPostgres : kSqlite;
}

#undef DOKUEI_REPORT_TABLES
#undef DOKUEI_REPORT_OVERRIDES

}  // namespace

base::Status MigrateReports(db::Database& db) {
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
        "report: the tenants table does not exist yet (open the index on this database first)");
  }
  return db::Migrate(db, "report", Migrations(db.dialect()));
}

}  // namespace dokuei::report
