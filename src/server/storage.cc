#include "storage.h"

#include "dokuei/base/env.h"

namespace dokuei::server {

base::Result<Storage> OpenStorage(const Config& config) {
  Storage s;
  DOKUEI_RETURN_IF_ERROR(base::CreateDirs(base::PosixEnv(), config.data_dir));
  if (config.index_backend == "postgres") {
    DOKUEI_ASSIGN_OR_RETURN(
        s.database, db::OpenPostgres({config.postgres_conninfo, config.postgres_connections}));
  } else {
    DOKUEI_ASSIGN_OR_RETURN(s.database, db::OpenSqlite({config.sqlite_path, 4}));
  }
  DOKUEI_ASSIGN_OR_RETURN(s.index, index::OpenIndex(s.database));
  DOKUEI_ASSIGN_OR_RETURN(s.blobs,
                          blob::NewFsBlobStore(base::PosixEnv(), base::SystemClock(),
                                               config.blob_path));
  return s;
}

}  // namespace dokuei::server
