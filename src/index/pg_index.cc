// PostgreSQL flavour of the index: the shared SQL implementation on a PostgreSQL database.
#include "db.h"
#include "dokuei/index/index.h"
#include "sql_index.h"

namespace dokuei::index {

base::Result<std::unique_ptr<Index>> OpenPostgresIndex(const PostgresOptions& options) {
  DOKUEI_ASSIGN_OR_RETURN(std::shared_ptr<Database> db,
                          db::OpenPostgres({options.conninfo, options.connections}));
  return OpenIndex(std::move(db));
}

}  // namespace dokuei::index
