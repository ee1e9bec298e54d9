// FsBlobStore: one file per blob under root/YYYY/MM/DD/<32 hex>. Temporaries live in root/tmp
// until committed, so a crash leaves nothing in the key space and RemoveTemporaries() only has to
// clear one directory.
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "dokuei/base/random.h"
#include "dokuei/base/strings.h"
#include "dokuei/blob/blob_store.h"
#include "dir_sync.h"

namespace dokuei::blob {
namespace {

using base::Result;
using base::Status;

constexpr uint64_t kWritebackChunk = 256u << 10;  // start device writeback every 256 KiB

class FsBlobStore;

class FsBlobWriter final : public BlobWriter {
 public:
  FsBlobWriter(FsBlobStore& store, std::string tmp_path, std::string name,
               std::unique_ptr<base::WritableFile> file)
      : store_(store), tmp_path_(std::move(tmp_path)), name_(std::move(name)),
        file_(std::move(file)) {}
  ~FsBlobWriter() override { Abort(); }

  Status Append(std::span<const uint8_t> data) override {
    if (!file_) return base::FailedPrecondition("blob writer is closed");
    DOKUEI_RETURN_IF_ERROR(file_->Append(data));
    if (file_->Size() - last_writeback_ >= kWritebackChunk) {
      file_->StartWriteback();
      last_writeback_ = file_->Size();
    }
    return Status::Ok();
  }
  uint64_t Size() const override { return file_ ? file_->Size() : 0; }
  void StartWriteback() override {
    if (file_ && file_->Size() > last_writeback_) {
      file_->StartWriteback();
      last_writeback_ = file_->Size();
    }
  }
  Result<BlobKey> Commit() override;
  Result<BlobKey> CommitDeferringDirSync() override;
  void Abort() override;

 private:
  FsBlobStore& store_;
  std::string tmp_path_;
  std::string name_;
  std::unique_ptr<base::WritableFile> file_;
  uint64_t last_writeback_ = 0;
  bool committed_ = false;
};

class FsBlobReader final : public BlobReader {
 public:
  explicit FsBlobReader(std::unique_ptr<base::RandomAccessFile> f) : f_(std::move(f)) {}
  uint64_t Size() const override { return f_->Size(); }
  Result<size_t> Read(uint64_t offset, std::span<uint8_t> dst) const override {
    return f_->Read(offset, dst);
  }
  int NativeHandle() const override { return f_->NativeHandle(); }

 private:
  std::unique_ptr<base::RandomAccessFile> f_;
};

class FsBlobStore final : public BlobStore {
 public:
  FsBlobStore(base::Env& env, base::Clock& clock, std::string root)
      : env_(env), clock_(clock), root_(std::move(root)), dir_sync_(env) {}

  Status Init() {
    DOKUEI_RETURN_IF_ERROR(base::CreateDirs(env_, root_));
    return base::CreateDirs(env_, root_ + "/tmp");
  }

  Result<std::unique_ptr<BlobWriter>> Create() override {
    std::string name = base::RandomHex(16);
    std::string tmp = root_ + "/tmp/" + name;
    DOKUEI_ASSIGN_OR_RETURN(auto file, env_.NewWritableFile(tmp));
    return std::unique_ptr<BlobWriter>(new FsBlobWriter(*this, tmp, name, std::move(file)));
  }

  Result<std::unique_ptr<BlobReader>> Open(const BlobKey& key) override {
    if (!IsWellFormedKey(key)) return base::InvalidArgument("malformed blob key");
    auto f = env_.OpenForRead(root_ + "/" + key);
    if (!f.ok()) {
      if (f.status().code() == base::Code::kNotFound) return base::NotFound("blob " + key);
      return f.status();
    }
    return std::unique_ptr<BlobReader>(new FsBlobReader(std::move(*f)));
  }

  Status Remove(const BlobKey& key) override {
    if (!IsWellFormedKey(key)) return base::InvalidArgument("malformed blob key");
    std::string path = root_ + "/" + key;
    DOKUEI_RETURN_IF_ERROR(env_.RemoveFile(path));
    return dir_sync_.Sync(path.substr(0, path.find_last_of('/')));
  }

  Status ForEach(const std::function<Status(const BlobKey&)>& fn) override {
    std::vector<std::string> years, months, days, files;
    DOKUEI_RETURN_IF_ERROR(env_.ListDir(root_, &years));
    for (const auto& y : years) {
      if (y.size() != 4 || !base::ParseUint(y)) continue;
      DOKUEI_RETURN_IF_ERROR(env_.ListDir(root_ + "/" + y, &months));
      for (const auto& m : months) {
        DOKUEI_RETURN_IF_ERROR(env_.ListDir(root_ + "/" + y + "/" + m, &days));
        for (const auto& d : days) {
          std::string prefix = y + "/" + m + "/" + d;
          DOKUEI_RETURN_IF_ERROR(env_.ListDir(root_ + "/" + prefix, &files));
          for (const auto& f : files) {
            std::string key = prefix + "/" + f;
            if (IsWellFormedKey(key)) DOKUEI_RETURN_IF_ERROR(fn(key));
          }
        }
      }
    }
    return Status::Ok();
  }

  Status SyncKeys(std::span<const BlobKey> keys) override {
    std::set<std::string> dirs;
    for (const auto& k : keys) {
      if (!IsWellFormedKey(k)) return base::InvalidArgument("malformed blob key");
      dirs.insert(root_ + "/" + k.substr(0, k.find_last_of('/')));
    }
    for (const auto& d : dirs) DOKUEI_RETURN_IF_ERROR(dir_sync_.Sync(d));
    return Status::Ok();
  }

  Status RemoveTemporaries() override {
    std::vector<std::string> names;
    DOKUEI_RETURN_IF_ERROR(env_.ListDir(root_ + "/tmp", &names));
    for (const auto& n : names) DOKUEI_RETURN_IF_ERROR(env_.RemoveFile(root_ + "/tmp/" + n));
    return env_.SyncDir(root_ + "/tmp");
  }

  // Directory for blobs committed now, created (durably) on first use.
  Result<std::string> DayDir() {
    std::string date = base::FormatDicomDate(clock_.Now());  // YYYYMMDD, UTC
    std::string rel = date.substr(0, 4) + "/" + date.substr(4, 2) + "/" + date.substr(6, 2);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (known_dirs_.count(rel)) return rel;
    }
    DOKUEI_RETURN_IF_ERROR(base::CreateDirs(env_, root_ + "/" + rel));
    std::lock_guard<std::mutex> l(mu_);
    known_dirs_.insert(rel);
    return rel;
  }

  base::Env& env() { return env_; }
  const std::string& root() const { return root_; }

 private:
  base::Env& env_;
  base::Clock& clock_;
  std::string root_;
  DirSync dir_sync_;
  std::mutex mu_;
  std::set<std::string> known_dirs_;  // guarded by mu_
};

Result<BlobKey> FsBlobWriter::Commit() {
  DOKUEI_ASSIGN_OR_RETURN(BlobKey key, CommitDeferringDirSync());
  // 3. the directory entry durable (shared with concurrent commits into the same directory)
  const BlobKey keys[] = {key};
  Status st = store_.SyncKeys(keys);
  if (!st.ok()) {
    store_.env().RemoveFile(store_.root() + "/" + key).IgnoreError();
    return st;
  }
  return key;
}

Result<BlobKey> FsBlobWriter::CommitDeferringDirSync() {
  if (committed_ || !file_) return base::FailedPrecondition("blob already committed or aborted");
  // 1. data durable
  DOKUEI_RETURN_IF_ERROR(file_->Sync());
  DOKUEI_RETURN_IF_ERROR(file_->Close());
  file_.reset();
  // 2. rename into the key space
  DOKUEI_ASSIGN_OR_RETURN(std::string dir, store_.DayDir());
  BlobKey key = dir + "/" + name_;
  std::string final_path = store_.root() + "/" + key;
  Status st = store_.env().Rename(tmp_path_, final_path);
  if (!st.ok()) {
    store_.env().RemoveFile(tmp_path_).IgnoreError();
    return st;
  }
  committed_ = true;
  return key;
}

void FsBlobWriter::Abort() {
  if (committed_) return;
  if (file_) {
    file_->Close().IgnoreError();
    file_.reset();
  }
  if (!tmp_path_.empty()) {
    store_.env().RemoveFile(tmp_path_).IgnoreError();
    tmp_path_.clear();
  }
}

}  // namespace

Result<std::unique_ptr<BlobStore>> NewFsBlobStore(base::Env& env, base::Clock& clock,
                                                  std::string root) {
  auto store = std::make_unique<FsBlobStore>(env, clock, std::move(root));
  DOKUEI_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<BlobStore>(std::move(store));
}

bool IsWellFormedKey(std::string_view key) {
  // YYYY/MM/DD/<32 lowercase hex>
  if (key.size() != 10 + 1 + 32) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (i == 4 || i == 7 || i == 10) {
      if (c != '/') return false;
    } else if (i < 10) {
      if (c < '0' || c > '9') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

Result<std::string> ReadAll(BlobStore& store, const BlobKey& key) {
  DOKUEI_ASSIGN_OR_RETURN(auto reader, store.Open(key));
  std::string out(reader->Size(), '\0');
  DOKUEI_ASSIGN_OR_RETURN(
      size_t n, reader->Read(0, {reinterpret_cast<uint8_t*>(out.data()), out.size()}));
  if (n != out.size()) return base::DataLoss("blob " + key + " shorter than its size");
  return out;
}

}  // namespace dokuei::blob
