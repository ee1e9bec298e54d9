// GroupCommitter: turns concurrent single-instance index commits into shared transactions.
// The first caller to find no commit in progress becomes the leader: it takes every queued
// record (of its tenant, up to a cap), commits them in one Index::PutInstances transaction, and
// hands each caller its own outcome. Callers arriving meanwhile queue for the next transaction.
// With one sender this is exactly one transaction per instance; with N senders about N per
// transaction, so the durable commit (one fsync) is shared.
// Thread safety: thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>

#include "dokuei/index/index.h"

namespace dokuei::archive {

class GroupCommitter {
 public:
  explicit GroupCommitter(index::Index& index, size_t max_batch = 128)
      : index_(index), max_batch_(max_batch) {}
  base::Result<index::PutOutcome> Commit(index::TenantId tenant,
                                         const index::InstanceRecord& record);

 private:
  struct Pending {
    index::TenantId tenant;
    const index::InstanceRecord* record;
    base::Result<index::PutOutcome> outcome{base::Internal("not committed")};
    bool done = false;
  };
  void RunBatch(std::vector<Pending*>& batch);

  index::Index& index_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;  // guarded by mu_
  bool leader_active_ = false;  // guarded by mu_
};

}  // namespace dokuei::archive
