// DirSync: fsync of a directory shared by concurrent callers. A caller's request is satisfied
// only by an fsync that *started* after the caller asked (so it covers the caller's rename), but
// one fsync can satisfy every caller that asked before it started: under concurrent commits into
// one directory this turns N directory fsyncs into about two.
// Thread safety: thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dokuei/base/env.h"

namespace dokuei::blob {

class DirSync {
 public:
  explicit DirSync(base::Env& env) : env_(env) {}
  base::Status Sync(const std::string& dir);

 private:
  struct State {
    uint64_t requested = 0;   // tickets handed out
    uint64_t completed = 0;   // every ticket <= completed is durable
    bool running = false;
    uint64_t failed_upto = 0;  // tickets <= this (and > completed) saw a failure
    base::Status last_error;
  };
  base::Env& env_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::unique_ptr<State>> dirs_;  // guarded by mu_
};

}  // namespace dokuei::blob
