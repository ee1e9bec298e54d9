// Private: the shared context of the report services, row loaders, audit events and the access
// rules (who sees and who acts), used by every service file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dokuei/db/db.h"
#include "dokuei/report/report.h"

namespace dokuei::report::internal {

struct Context {
  std::shared_ptr<db::Database> db;
  base::Clock& clock;
  RequestSource& requests;
  ReportOptions options;
};

inline db::Value I(int64_t v) { return db::Value(v); }
inline db::Value S(std::string_view v) { return db::Value(std::string(v)); }
inline int64_t Us(base::Timestamp t) { return base::ToUnixMicros(t); }
inline std::optional<base::Timestamp> OptTime(int64_t us) {
  if (us == 0) return std::nullopt;
  return base::FromUnixMicros(us);
}

// audit::Event for `actor` acting on a report: action "report.<what>", the hospital as tenant,
// the study UID, "report <id>" as object.
audit::Event MakeEvent(const Actor& actor, const Report& r, std::string_view what,
                       std::string message);
base::Status Audit(const Context& ctx, db::Conn& c, const audit::Event& e);

// Rows (no access checks).
base::Result<Report> LoadReport(db::Conn& c, int64_t report_id);  // without versions
base::Result<std::optional<Report>> FindReportByRequest(db::Conn& c, int64_t request_id);
// Every version of a report, by number, each with its derived Release.
base::Result<std::vector<Version>> LoadVersions(db::Conn& c, int64_t report_id);
base::Result<Version> LoadVersion(db::Conn& c, int64_t version_id);  // with its Release

bool IsCoordinatorOrAdmin(const Actor& a);  // reading centre coordinator / administrator
// Reading-centre people who take part in the request, coordinators, administrators and the
// system see every version; hospital staff of the tenant see released ones; anyone else gets
// kNotFound (indistinguishable from a report that does not exist).
enum class View : uint8_t { kNone, kReleased, kAll };
View ViewOf(const Actor& a, const Report& r, const RequestInfo& req);

base::Status NotVisible();  // the kNotFound of every hidden report

// `sql` with " FOR UPDATE" on PostgreSQL (SQLite write transactions are already exclusive), so
// a check-then-update decides once under concurrent writers.
inline std::string ForUpdate(db::Conn& c, std::string sql) {
  if (c.dialect() == db::Dialect::kPostgres) sql += " FOR UPDATE";
  return sql;
}

// Serialises the changes of one report on PostgreSQL (row lock on report_reports until the end
// of the transaction), so that a concurrent draft and signature, or two signatures, are decided
// one after the other; SQLite write transactions are already exclusive.
base::Status LockReport(db::Conn& c, int64_t report_id);

bool HasReleased(const std::vector<Version>& versions);

}  // namespace dokuei::report::internal
