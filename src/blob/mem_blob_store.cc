#include <map>
#include <cstring>
#include <mutex>

#include "dokuei/base/random.h"
#include "dokuei/blob/blob_store.h"

namespace dokuei::blob {
namespace {

using base::Result;
using base::Status;

class MemBlobStore;

class MemBlobWriter final : public BlobWriter {
 public:
  explicit MemBlobWriter(MemBlobStore& store) : store_(store) {}
  Status Append(std::span<const uint8_t> d) override {
    data_.append(reinterpret_cast<const char*>(d.data()), d.size());
    return Status::Ok();
  }
  uint64_t Size() const override { return data_.size(); }
  Result<BlobKey> Commit() override;
  Result<BlobKey> CommitDeferringDirSync() override { return Commit(); }
  void Abort() override { data_.clear(); }

 private:
  MemBlobStore& store_;
  std::string data_;
  bool committed_ = false;
};

class MemBlobReader final : public BlobReader {
 public:
  explicit MemBlobReader(std::string data) : data_(std::move(data)) {}
  uint64_t Size() const override { return data_.size(); }
  Result<size_t> Read(uint64_t off, std::span<uint8_t> dst) const override {
    if (off >= data_.size()) return size_t{0};
    size_t n = std::min<size_t>(dst.size(), data_.size() - off);
    std::memcpy(dst.data(), data_.data() + off, n);
    return n;
  }

 private:
  std::string data_;
};

class MemBlobStore final : public BlobStore {
 public:
  Result<std::unique_ptr<BlobWriter>> Create() override {
    return std::unique_ptr<BlobWriter>(new MemBlobWriter(*this));
  }
  Result<std::unique_ptr<BlobReader>> Open(const BlobKey& key) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = blobs_.find(key);
    if (it == blobs_.end()) return base::NotFound("blob " + key);
    return std::unique_ptr<BlobReader>(new MemBlobReader(it->second));
  }
  Status Remove(const BlobKey& key) override {
    std::lock_guard<std::mutex> l(mu_);
    if (!blobs_.erase(key)) return base::NotFound("blob " + key);
    return Status::Ok();
  }
  Status ForEach(const std::function<Status(const BlobKey&)>& fn) override {
    std::vector<std::string> keys;
    {
      std::lock_guard<std::mutex> l(mu_);
      for (auto& [k, v] : blobs_) keys.push_back(k);
    }
    for (auto& k : keys) DOKUEI_RETURN_IF_ERROR(fn(k));
    return Status::Ok();
  }
  Status RemoveTemporaries() override { return Status::Ok(); }
  Status SyncKeys(std::span<const BlobKey>) override { return Status::Ok(); }

  BlobKey Put(std::string data) {
    BlobKey key = "2000/01/01/" + base::RandomHex(16);
    std::lock_guard<std::mutex> l(mu_);
    blobs_[key] = std::move(data);
    return key;
  }

 private:
  std::mutex mu_;
  std::map<BlobKey, std::string> blobs_;
};

Result<BlobKey> MemBlobWriter::Commit() {
  if (committed_) return base::FailedPrecondition("blob already committed");
  committed_ = true;
  return store_.Put(std::move(data_));
}

}  // namespace

std::unique_ptr<BlobStore> NewMemBlobStore() { return std::make_unique<MemBlobStore>(); }

}  // namespace dokuei::blob
