#include "dokuei/testing/mem_env.h"

#include <algorithm>
#include <cstring>

namespace dokuei::testing {

using base::Code;
using base::Result;
using base::Status;

struct MemEnv::FileData {
  std::mutex mu;
  std::string data;
  std::string durable;
};

namespace {

std::string ParentOf(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

class MemWritableFile final : public base::WritableFile {
 public:
  explicit MemWritableFile(std::shared_ptr<MemEnv::FileData> f) : f_(std::move(f)) {}
  Status Append(std::span<const uint8_t> d) override {
    std::lock_guard<std::mutex> l(f_->mu);
    f_->data.append(reinterpret_cast<const char*>(d.data()), d.size());
    return Status::Ok();
  }
  Status Sync() override {
    std::lock_guard<std::mutex> l(f_->mu);
    f_->durable = f_->data;
    return Status::Ok();
  }
  Status Close() override { return Status::Ok(); }
  uint64_t Size() const override {
    std::lock_guard<std::mutex> l(f_->mu);
    return f_->data.size();
  }

 private:
  std::shared_ptr<MemEnv::FileData> f_;
};

class MemReadFile final : public base::RandomAccessFile {
 public:
  explicit MemReadFile(std::string snapshot) : data_(std::move(snapshot)) {}
  Result<size_t> Read(uint64_t off, std::span<uint8_t> dst) const override {
    if (off >= data_.size()) return size_t{0};
    size_t n = std::min<size_t>(dst.size(), data_.size() - off);
    std::memcpy(dst.data(), data_.data() + off, n);
    return n;
  }
  uint64_t Size() const override { return data_.size(); }

 private:
  std::string data_;
};

}  // namespace

MemEnv::MemEnv() {
  dirs_.insert("/");
  durable_dirs_.insert("/");
  dirs_.insert(".");
  durable_dirs_.insert(".");
}
MemEnv::~MemEnv() = default;

Result<std::unique_ptr<base::WritableFile>> MemEnv::NewWritableFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (!dirs_.count(ParentOf(path))) return Status(Code::kNotFound, "no directory for " + path);
  auto f = std::make_shared<FileData>();
  files_[path] = f;
  return std::unique_ptr<base::WritableFile>(new MemWritableFile(f));
}

Result<std::unique_ptr<base::RandomAccessFile>> MemEnv::OpenForRead(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return Status(Code::kNotFound, "open " + path + ": no such file");
  std::lock_guard<std::mutex> fl(it->second->mu);
  return std::unique_ptr<base::RandomAccessFile>(new MemReadFile(it->second->data));
}

Status MemEnv::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(from);
  if (it == files_.end()) return Status(Code::kNotFound, "rename " + from + ": no such file");
  if (!dirs_.count(ParentOf(to))) return Status(Code::kNotFound, "no directory for " + to);
  auto f = it->second;
  files_.erase(it);
  files_[to] = f;
  return Status::Ok();
}

Status MemEnv::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  if (!dirs_.count(dir)) return Status(Code::kNotFound, "sync dir " + dir + ": no such dir");
  // Make this directory's entries in the durable view equal to the current view.
  for (auto it = durable_files_.begin(); it != durable_files_.end();) {
    if (ParentOf(it->first) == dir && !files_.count(it->first)) {
      it = durable_files_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [p, f] : files_)
    if (ParentOf(p) == dir) durable_files_[p] = f;
  for (auto it = durable_dirs_.begin(); it != durable_dirs_.end();) {
    if (*it != dir && ParentOf(*it) == dir && !dirs_.count(*it)) {
      it = durable_dirs_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& d : dirs_)
    if (d != dir && ParentOf(d) == dir) durable_dirs_.insert(d);
  return Status::Ok();
}

Status MemEnv::CreateDir(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  if (!dirs_.count(ParentOf(dir))) return Status(Code::kNotFound, "mkdir " + dir + ": no parent");
  dirs_.insert(dir);
  return Status::Ok();
}

Status MemEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (!files_.erase(path)) return Status(Code::kNotFound, "unlink " + path + ": no such file");
  return Status::Ok();
}

bool MemEnv::FileExists(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  return files_.count(path) || dirs_.count(path);
}

Status MemEnv::ListDir(const std::string& dir, std::vector<std::string>* names) {
  std::lock_guard<std::mutex> l(mu_);
  names->clear();
  if (!dirs_.count(dir)) return Status(Code::kNotFound, "opendir " + dir + ": no such dir");
  std::string prefix = dir == "/" ? "/" : dir + "/";
  for (auto& [p, f] : files_)
    if (ParentOf(p) == dir) names->push_back(p.substr(prefix.size()));
  for (auto& d : dirs_)
    if (d != dir && ParentOf(d) == dir) names->push_back(d.substr(prefix.size()));
  return Status::Ok();
}

Result<uint64_t> MemEnv::FileSize(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return Status(Code::kNotFound, "stat " + path + ": no such file");
  std::lock_guard<std::mutex> fl(it->second->mu);
  return static_cast<uint64_t>(it->second->data.size());
}

void MemEnv::SimulateCrash() {
  std::lock_guard<std::mutex> l(mu_);
  // A directory survives only if its whole chain of parents' entries was made durable.
  std::set<std::string> dirs;
  for (const auto& d : durable_dirs_) {
    std::string cur = d;
    bool ok = true;
    while (cur != "/" && cur != ".") {
      if (!durable_dirs_.count(cur)) {
        ok = false;
        break;
      }
      cur = ParentOf(cur);
    }
    if (ok) dirs.insert(d);
  }
  dirs_ = dirs;
  durable_dirs_ = dirs;
  files_.clear();
  std::map<std::string, std::shared_ptr<FileData>> kept;
  for (auto& [p, f] : durable_files_) {
    if (!dirs_.count(ParentOf(p))) continue;
    std::lock_guard<std::mutex> fl(f->mu);
    f->data = f->durable;
    kept[p] = f;
  }
  durable_files_ = kept;
  files_ = kept;
}

// ---------------------------------------------------------------------------------------------
// FaultEnv

namespace {

class FaultWritableFile final : public base::WritableFile {
 public:
  FaultWritableFile(FaultEnv& env, std::string path, std::unique_ptr<base::WritableFile> f)
      : env_(env), path_(std::move(path)), f_(std::move(f)) {}
  Status Append(std::span<const uint8_t> d) override {
    DOKUEI_RETURN_IF_ERROR(env_.Tick("append " + path_));
    return f_->Append(d);
  }
  Status Sync() override {
    DOKUEI_RETURN_IF_ERROR(env_.Tick("sync " + path_));
    return f_->Sync();
  }
  Status Close() override {
    DOKUEI_RETURN_IF_ERROR(env_.Tick("close " + path_));
    return f_->Close();
  }
  uint64_t Size() const override { return f_->Size(); }

 private:
  FaultEnv& env_;
  std::string path_;
  std::unique_ptr<base::WritableFile> f_;
};

}  // namespace

void FaultEnv::FailOperation(int n, Code code, bool sticky) {
  std::lock_guard<std::mutex> l(mu_);
  fail_at_ = n == 0 ? 0 : count_ + n;
  code_ = code;
  sticky_ = sticky;
}

int FaultEnv::operations() const {
  std::lock_guard<std::mutex> l(mu_);
  return count_;
}

std::vector<std::string> FaultEnv::log() const {
  std::lock_guard<std::mutex> l(mu_);
  return log_;
}

void FaultEnv::ClearLog() {
  std::lock_guard<std::mutex> l(mu_);
  log_.clear();
}

Status FaultEnv::Tick(const std::string& what) {
  std::lock_guard<std::mutex> l(mu_);
  ++count_;
  if (fail_at_ > 0 && (count_ == fail_at_ || (sticky_ && count_ > fail_at_))) {
    log_.push_back("FAIL " + what);
    return Status(code_, "injected failure at operation " + std::to_string(count_) + ": " + what);
  }
  log_.push_back(what);
  return Status::Ok();
}

void FaultEnv::Note(const std::string& what) {
  std::lock_guard<std::mutex> l(mu_);
  log_.push_back(what);
}

Result<std::unique_ptr<base::WritableFile>> FaultEnv::NewWritableFile(const std::string& path) {
  DOKUEI_RETURN_IF_ERROR(Tick("open " + path));
  DOKUEI_ASSIGN_OR_RETURN(auto f, target_.NewWritableFile(path));
  return std::unique_ptr<base::WritableFile>(new FaultWritableFile(*this, path, std::move(f)));
}
Result<std::unique_ptr<base::RandomAccessFile>> FaultEnv::OpenForRead(const std::string& path) {
  return target_.OpenForRead(path);
}
Status FaultEnv::Rename(const std::string& from, const std::string& to) {
  DOKUEI_RETURN_IF_ERROR(Tick("rename " + from + " " + to));
  return target_.Rename(from, to);
}
Status FaultEnv::SyncDir(const std::string& dir) {
  DOKUEI_RETURN_IF_ERROR(Tick("syncdir " + dir));
  return target_.SyncDir(dir);
}
Status FaultEnv::CreateDir(const std::string& dir) {
  DOKUEI_RETURN_IF_ERROR(Tick("mkdir " + dir));
  return target_.CreateDir(dir);
}
Status FaultEnv::RemoveFile(const std::string& path) {
  DOKUEI_RETURN_IF_ERROR(Tick("remove " + path));
  return target_.RemoveFile(path);
}
bool FaultEnv::FileExists(const std::string& path) { return target_.FileExists(path); }
Status FaultEnv::ListDir(const std::string& dir, std::vector<std::string>* names) {
  return target_.ListDir(dir, names);
}
Result<uint64_t> FaultEnv::FileSize(const std::string& path) { return target_.FileSize(path); }

}  // namespace dokuei::testing
