// GroupCommitter: turns concurrent single-instance commits into shared ones.
// Each record's blob has been fsynced and renamed (BlobWriter::CommitDeferringDirSync). The first
// caller to find no commit in progress becomes the leader: it takes every queued record (of its
// tenant, up to a cap), makes their directory entries durable together (BlobStore::SyncKeys), then
// commits them in one Index::PutInstances transaction, and hands each caller its own outcome.
// For every record the order stays blob fsync -> rename -> directory fsync -> index commit; with N
// concurrent senders the directory fsync and the index fsync are shared by about N records.
// Thread safety: thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "dokuei/blob/blob_store.h"
#include "dokuei/index/index.h"

namespace dokuei::archive {

class GroupCommitter {
 public:
  // Runs inside the batch's write transaction once the record's index rows are written (e.g. to
  // append its audit record); an error rolls the transaction back.
  using AfterPut = std::function<base::Status(db::Conn&, const index::PutOutcome&)>;

  // `database` (the one the index lives in) is needed only for records with an AfterPut.
  GroupCommitter(index::Index& index, blob::BlobStore& blobs, db::Database* database,
                 size_t max_batch = 128)
      : index_(index), blobs_(blobs), database_(database), max_batch_(max_batch) {}
  base::Result<index::PutOutcome> Commit(index::TenantId tenant,
                                         const index::InstanceRecord& record,
                                         AfterPut after = nullptr);

 private:
  struct Pending {
    index::TenantId tenant;
    const index::InstanceRecord* record;
    AfterPut after;
    base::Result<index::PutOutcome> outcome{base::Internal("not committed")};
    bool done = false;
  };
  void RunBatch(std::vector<Pending*>& batch);
  base::Result<std::vector<index::PutOutcome>> Put(std::span<Pending* const> batch);

  index::Index& index_;
  blob::BlobStore& blobs_;
  db::Database* database_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;  // guarded by mu_
  bool leader_active_ = false;  // guarded by mu_
};

}  // namespace dokuei::archive
