#include "dir_sync.h"

namespace dokuei::blob {

base::Status DirSync::Sync(const std::string& dir) {
  std::unique_lock<std::mutex> lock(mu_);
  auto& slot = dirs_[dir];
  if (!slot) slot = std::make_unique<State>();
  State& s = *slot;
  const uint64_t ticket = ++s.requested;
  while (true) {
    if (s.completed >= ticket) return base::Status::Ok();
    if (s.failed_upto >= ticket) return s.last_error;
    if (!s.running) {
      // Lead: one fsync covers every ticket handed out so far.
      s.running = true;
      const uint64_t covers = s.requested;
      lock.unlock();
      base::Status st = env_.SyncDir(dir);
      lock.lock();
      s.running = false;
      if (st.ok()) {
        s.completed = covers;
      } else {
        s.failed_upto = covers;
        s.last_error = st;
      }
      cv_.notify_all();
      continue;
    }
    cv_.wait(lock);
  }
}

}  // namespace dokuei::blob
