// Private to the delivery module: bound values, times, FOR UPDATE, base64 for artefact bytes in
// a TEXT column (PostgreSQL TEXT cannot hold NUL bytes).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"

namespace dokuei::delivery::internal {

inline db::Value I(int64_t v) { return db::Value(v); }
inline db::Value S(std::string_view v) { return db::Value(std::string(v)); }
inline int64_t Us(base::Timestamp t) { return base::ToUnixMicros(t); }
inline std::optional<base::Timestamp> OptTime(int64_t us) {
  if (us == 0) return std::nullopt;
  return base::FromUnixMicros(us);
}
// Row locks are PostgreSQL's; a SQLite write transaction is exclusive already.
inline std::string ForUpdate(db::Conn& c, std::string sql) {
  if (c.dialect() == db::Dialect::kPostgres) sql += " FOR UPDATE";
  return sql;
}

std::string Base64(std::string_view bytes);
base::Result<std::string> FromBase64(std::string_view text);

base::Status MigrateDeliveryTables(db::Database& db);

}  // namespace dokuei::delivery::internal
