// Versioned schema migrations, one ordered list rendered for each dialect. Migrate() applies the
// pending ones in a single transaction and records each in schema_migrations; on PostgreSQL it
// first takes a transaction-scoped advisory lock so that several servers starting at once migrate
// exactly once. A database newer than the binary is refused (kFailedPrecondition).
// Private to the index module. Thread safety: Migrate may run concurrently from several processes.
#pragma once

#include <string>
#include <vector>

#include "db.h"
#include "dokuei/base/status.h"

namespace dokuei::index {

// The DDL statements of migration `version` (1-based) for a dialect.
std::vector<std::string> MigrationStatements(int version, Dialect dialect);

base::Status Migrate(Database& db);

// Version recorded in schema_migrations (0 for an empty database).
base::Result<int> CurrentSchemaVersion(Database& db);

}  // namespace dokuei::index
