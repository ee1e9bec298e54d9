// Opens the index and blob store a Config names (shared by serve and fsck).
#pragma once

#include <memory>

#include "config.h"
#include "dokuei/blob/blob_store.h"
#include "dokuei/index/index.h"

namespace dokuei::server {

struct Storage {
  std::unique_ptr<index::Index> index;
  std::unique_ptr<blob::BlobStore> blobs;
};

base::Result<Storage> OpenStorage(const Config& config);

}  // namespace dokuei::server
