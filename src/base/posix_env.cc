#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dokuei/base/env.h"

namespace dokuei::base {
namespace {

Status IoError(const std::string& what, const std::string& path, int err) {
  Code code = Code::kInternal;
  if (err == ENOSPC || err == EDQUOT) code = Code::kResourceExhausted;
  if (err == ENOENT) code = Code::kNotFound;
  return Status(code, what + " " + path + ": " + std::strerror(err));
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Append(std::span<const uint8_t> data) override {
    const uint8_t* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError("write", path_, errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    size_ += data.size();
    return Status::Ok();
  }
  void StartWriteback() override {
    // Start asynchronous writeback of what we have so the final fdatasync waits less.
    if (size_ > synced_hint_) {
      ::sync_file_range(fd_, static_cast<off_t>(synced_hint_),
                        static_cast<off_t>(size_ - synced_hint_), SYNC_FILE_RANGE_WRITE);
      synced_hint_ = size_;
    }
  }
  Status Sync() override {
    if (::fdatasync(fd_) != 0) return IoError("fdatasync", path_, errno);
    return Status::Ok();
  }
  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    int r = ::close(fd_);
    fd_ = -1;
    if (r != 0) return IoError("close", path_, errno);
    return Status::Ok();
  }
  uint64_t Size() const override { return size_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_ = 0;
  uint64_t synced_hint_ = 0;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }
  Result<size_t> Read(uint64_t offset, std::span<uint8_t> dst) const override {
    size_t total = 0;
    while (total < dst.size()) {
      ssize_t n = ::pread(fd_, dst.data() + total, dst.size() - total,
                          static_cast<off_t>(offset + total));
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError("read", path_, errno);
      }
      if (n == 0) break;
      total += static_cast<size_t>(n);
    }
    return total;
  }
  uint64_t Size() const override { return size_; }
  int NativeHandle() const override { return fd_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

class PosixEnvImpl final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return IoError("open", path, errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }
  Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IoError("open", path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return IoError("stat", path, e);
    }
    return std::unique_ptr<RandomAccessFile>(
        new PosixRandomAccessFile(path, fd, static_cast<uint64_t>(st.st_size)));
  }
  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return IoError("rename", from, errno);
    return Status::Ok();
  }
  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return IoError("open dir", dir, errno);
    int r = ::fsync(fd);
    int e = errno;
    ::close(fd);
    if (r != 0) return IoError("fsync dir", dir, e);
    return Status::Ok();
  }
  Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) return IoError("mkdir", dir, errno);
    return Status::Ok();
  }
  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return IoError("unlink", path, errno);
    return Status::Ok();
  }
  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }
  Status ListDir(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (!d) return IoError("opendir", dir, errno);
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      names->emplace_back(e->d_name);
    }
    ::closedir(d);
    return Status::Ok();
  }
  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return IoError("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }
};

}  // namespace

Env& PosixEnv() {
  static PosixEnvImpl env;
  return env;
}

}  // namespace dokuei::base
