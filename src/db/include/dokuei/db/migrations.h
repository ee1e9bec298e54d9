// Versioned schema migrations for the stores sharing one database (index, identity, audit, ...).
// Each component has an ordered list of DDL templates rendered per dialect; Migrate() applies the
// pending ones in a single transaction and records each version. On PostgreSQL it first takes a
// transaction-scoped advisory lock (per component) so that several servers starting at once
// migrate exactly once. A database newer than the binary is refused (kFailedPrecondition).
// Thread safety: Migrate may run concurrently from several processes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/db/db.h"

namespace dokuei::db {

// One DDL template per statement. Tokens rendered per dialect:
//   {PK}    surrogate key          {TEXT} text column, NOT NULL DEFAULT '', byte-order collation
//   {INT}   64-bit integer          {WITHOUT_ROWID} SQLite clustered table
// Text is compared and sorted by bytes on both backends (SQLite BINARY, PostgreSQL "C"), so
// ordering, ranges and prefix scans agree.
struct Migration {
  int version;
  std::vector<std::string_view> statements;
};

std::string Render(std::string_view tmpl, Dialect d);

// Versions of `component` are recorded in "<component>_schema_migrations" ("schema_migrations"
// for the index, which came first).
base::Status Migrate(Database& db, std::string_view component,
                     const std::vector<Migration>& migrations);
// Version recorded for the component (0 for an empty database).
base::Result<int> CurrentVersion(Database& db, std::string_view component);

}  // namespace dokuei::db
