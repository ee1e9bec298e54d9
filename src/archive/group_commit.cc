#include "group_commit.h"

#include <spdlog/spdlog.h>

namespace dokuei::archive {

base::Result<index::PutOutcome> GroupCommitter::Commit(index::TenantId tenant,
                                                       const index::InstanceRecord& record) {
  Pending me{tenant, &record};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leader_active_) {
      cv_.wait(lock);
      continue;
    }
    // Become the leader for one transaction: take queued records of the first tenant in line.
    leader_active_ = true;
    std::vector<Pending*> batch;
    const index::TenantId t = queue_.front()->tenant;
    for (auto it = queue_.begin(); it != queue_.end() && batch.size() < max_batch_;) {
      if ((*it)->tenant == t) {
        batch.push_back(*it);
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    for (Pending* p : batch) p->done = true;
    leader_active_ = false;
    cv_.notify_all();
  }
  return std::move(me.outcome);
}

void GroupCommitter::RunBatch(std::vector<Pending*>& batch) {
  std::vector<blob::BlobKey> keys;
  keys.reserve(batch.size());
  for (Pending* p : batch) keys.push_back(p->record->storage.blob_key);
  if (base::Status st = blobs_.SyncKeys(keys); !st.ok()) {
    for (Pending* p : batch) p->outcome = st;
    return;
  }
  std::vector<index::InstanceRecord> records;
  records.reserve(batch.size());
  for (Pending* p : batch) records.push_back(*p->record);
  auto outcomes = index_.PutInstances(batch.front()->tenant, records);
  if (outcomes.ok() && outcomes->size() == batch.size()) {
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->outcome = (*outcomes)[i];
    return;
  }
  if (batch.size() == 1) {
    batch[0]->outcome = outcomes.ok() ? base::Internal("index returned no outcome")
                                      : outcomes.status();
    return;
  }
  // A failed shared transaction must not fail innocent companions: retry one by one so only the
  // record that cannot be committed gets the error.
  spdlog::warn("group commit of {} records failed ({}); retrying individually", batch.size(),
               outcomes.status().ToString());
  for (Pending* p : batch) {
    auto one = index_.PutInstances(p->tenant, std::span<const index::InstanceRecord>(p->record, 1));
    if (one.ok() && one->size() == 1) {
      p->outcome = (*one)[0];
    } else {
      p->outcome = one.ok() ? base::Internal("index returned no outcome") : one.status();
    }
  }
}

}  // namespace dokuei::archive
