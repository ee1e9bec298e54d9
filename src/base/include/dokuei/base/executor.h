// Executor: where blocking work (database, blob I/O, decoding) runs, off the I/O threads.
// ThreadPool is the real implementation; tests may run tasks inline.
// Thread safety: Post may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dokuei::base {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void Post(std::function<void()> task) = 0;
};

class ThreadPool final : public Executor {
 public:
  explicit ThreadPool(size_t threads);
  ~ThreadPool() override;  // drains queued tasks, then joins
  void Post(std::function<void()> task) override;
  size_t size() const { return workers_.size(); }

 private:
  void Run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> workers_;
};

// Runs each task immediately on the calling thread.
class InlineExecutor final : public Executor {
 public:
  void Post(std::function<void()> task) override { task(); }
};

}  // namespace dokuei::base
