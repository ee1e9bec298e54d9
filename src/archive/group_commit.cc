#include "group_commit.h"

#include <spdlog/spdlog.h>

namespace dokuei::archive {

base::Result<index::PutOutcome> GroupCommitter::Commit(index::TenantId tenant,
                                                       const index::InstanceRecord& record,
                                                       AfterPut after) {
  Pending me{tenant, &record, std::move(after)};
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

// One transaction for the batch: index rows, then each record's AfterPut.
base::Result<std::vector<index::PutOutcome>> GroupCommitter::Put(std::span<Pending* const> batch) {
  const index::TenantId tenant = batch.front()->tenant;
  std::vector<index::InstanceRecord> records;
  records.reserve(batch.size());
  bool hooks = false;
  for (Pending* p : batch) {
    records.push_back(*p->record);
    hooks |= static_cast<bool>(p->after);
  }
  if (!hooks || database_ == nullptr) return index_.PutInstances(tenant, records);
  std::vector<index::PutOutcome> outcomes;
  DOKUEI_RETURN_IF_ERROR(database_->Transact(db::TxKind::kWrite, [&](db::Conn& c) -> base::Status {
    DOKUEI_ASSIGN_OR_RETURN(outcomes, index_.PutInstancesIn(c, tenant, records));
    if (outcomes.size() != batch.size()) return base::Internal("index returned no outcome");
    for (size_t i = 0; i < batch.size(); ++i)
      if (batch[i]->after) DOKUEI_RETURN_IF_ERROR(batch[i]->after(c, outcomes[i]));
    return base::Status::Ok();
  }));
  return outcomes;
}

void GroupCommitter::RunBatch(std::vector<Pending*>& batch) {
  std::vector<blob::BlobKey> keys;
  keys.reserve(batch.size());
  for (Pending* p : batch) keys.push_back(p->record->storage.blob_key);
  if (base::Status st = blobs_.SyncKeys(keys); !st.ok()) {
    for (Pending* p : batch) p->outcome = st;
    return;
  }
  auto outcomes = Put(batch);
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
    auto one = Put(std::span<Pending* const>(&p, 1));
    if (one.ok() && one->size() == 1) {
      p->outcome = (*one)[0];
    } else {
      p->outcome = one.ok() ? base::Internal("index returned no outcome") : one.status();
    }
  }
}

}  // namespace dokuei::archive
