// MemEnv: an in-memory Env that models what survives a power loss. File contents become durable
// at WritableFile::Sync(); directory entries (creations, renames, removals) become durable at
// SyncDir() of their directory. SimulateCrash() throws away everything not durable, as a
// pessimistic file system would.
//
// FaultEnv: wraps any Env, counts mutating operations (open-for-write, append, sync, close,
// rename, sync-dir, create-dir, remove) and fails the N-th one with a chosen code. It also keeps a
// log of operations ("sync /blobs/ab/x.tmp", "rename ...", "syncdir /blobs/ab") that tests use to
// check the order of durability steps.
// Thread safety: both are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "dokuei/base/env.h"

namespace dokuei::testing {

class MemEnv final : public base::Env {
 public:
  MemEnv();
  ~MemEnv() override;
  base::Result<std::unique_ptr<base::WritableFile>> NewWritableFile(
      const std::string& path) override;
  base::Result<std::unique_ptr<base::RandomAccessFile>> OpenForRead(
      const std::string& path) override;
  base::Status Rename(const std::string& from, const std::string& to) override;
  base::Status SyncDir(const std::string& dir) override;
  base::Status CreateDir(const std::string& dir) override;
  base::Status RemoveFile(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  base::Status ListDir(const std::string& dir, std::vector<std::string>* names) override;
  base::Result<uint64_t> FileSize(const std::string& path) override;

  // Drops un-synced file data and un-synced directory changes.
  void SimulateCrash();

  struct FileData;

 private:
  std::mutex mu_;
  // path -> file (current view) and path -> file (durable view); directories likewise.
  std::map<std::string, std::shared_ptr<FileData>> files_;
  std::map<std::string, std::shared_ptr<FileData>> durable_files_;
  std::set<std::string> dirs_;
  std::set<std::string> durable_dirs_;
};

class FaultEnv final : public base::Env {
 public:
  explicit FaultEnv(base::Env& target) : target_(target) {}

  // Fail mutating operation number n (1-based, counted from now on every operation through this
  // Env or its files); 0 disables. `sticky` keeps failing every later operation too (disk gone).
  void FailOperation(int n, base::Code code, bool sticky = false);
  int operations() const;
  std::vector<std::string> log() const;
  void ClearLog();

  base::Result<std::unique_ptr<base::WritableFile>> NewWritableFile(
      const std::string& path) override;
  base::Result<std::unique_ptr<base::RandomAccessFile>> OpenForRead(
      const std::string& path) override;
  base::Status Rename(const std::string& from, const std::string& to) override;
  base::Status SyncDir(const std::string& dir) override;
  base::Status CreateDir(const std::string& dir) override;
  base::Status RemoveFile(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  base::Status ListDir(const std::string& dir, std::vector<std::string>* names) override;
  base::Result<uint64_t> FileSize(const std::string& path) override;

  // Counts one operation and returns the injected failure if it is the chosen one.
  base::Status Tick(const std::string& what);
  // Appends to the operation log without counting (used by fakes elsewhere, e.g. index commit).
  void Note(const std::string& what);

 private:
  base::Env& target_;
  mutable std::mutex mu_;
  int count_ = 0;
  int fail_at_ = 0;
  bool sticky_ = false;
  base::Code code_ = base::Code::kInternal;
  std::vector<std::string> log_;
};

}  // namespace dokuei::testing
