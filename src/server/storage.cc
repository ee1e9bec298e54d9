#include "storage.h"

#include "dokuei/base/env.h"

namespace dokuei::server {

base::Result<Storage> OpenStorage(const Config& config) {
  Storage s;
  DOKUEI_RETURN_IF_ERROR(base::CreateDirs(base::PosixEnv(), config.data_dir));
  if (config.index_backend == "postgres") {
    index::PostgresOptions o;
    o.conninfo = config.postgres_conninfo;
    o.connections = config.postgres_connections;
    DOKUEI_ASSIGN_OR_RETURN(s.index, index::OpenPostgresIndex(o));
  } else {
    index::SqliteOptions o;
    o.path = config.sqlite_path;
    DOKUEI_ASSIGN_OR_RETURN(s.index, index::OpenSqliteIndex(o));
  }
  DOKUEI_ASSIGN_OR_RETURN(s.blobs,
                          blob::NewFsBlobStore(base::PosixEnv(), base::SystemClock(),
                                               config.blob_path));
  return s;
}

}  // namespace dokuei::server
