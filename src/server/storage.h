// Opens the index and blob store a Config names (shared by serve and fsck).
#pragma once

#include <memory>

#include "config.h"
#include "dokuei/blob/blob_store.h"
#include "dokuei/db/db.h"
#include "dokuei/index/index.h"

namespace dokuei::server {

struct Storage {
  // One database for every store (index now; identity and audit share it).
  std::shared_ptr<db::Database> database;
  std::unique_ptr<index::Index> index;
  std::unique_ptr<blob::BlobStore> blobs;
};

base::Result<Storage> OpenStorage(const Config& config);

}  // namespace dokuei::server
