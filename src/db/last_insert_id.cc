#include "dokuei/db/db.h"

namespace dokuei::db {

base::Result<int64_t> LastInsertId(Conn& conn) {
  int64_t id = 0;
  DOKUEI_RETURN_IF_ERROR(conn.Query(
      conn.dialect() == Dialect::kPostgres ? "SELECT lastval()" : "SELECT last_insert_rowid()", {},
      [&](const Row& r) {
        id = r.Int(0);
        return base::Status::Ok();
      }));
  if (id <= 0) return base::Internal("db: no inserted row id");
  return id;
}

}  // namespace dokuei::db
