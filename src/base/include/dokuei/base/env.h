// Env: every file-system touchpoint (open, read, write, fsync, rename, list, remove) goes through
// this interface, so tests can substitute an in-memory file system that simulates power loss
// (testing::MemEnv) or fail the N-th operation (testing::FaultEnv).
//
// Paths are absolute or relative strings; Env does no path validation — callers (the blob store)
// build paths only from server-generated keys.
// Thread safety: Env methods may be called concurrently; a single WritableFile/RandomAccessFile
// object is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dokuei/base/status.h"

namespace dokuei::base {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::span<const uint8_t> data) = 0;
  // Hint that the bytes written so far may start going to the device (no durability promise).
  virtual void StartWriteback() {}
  // Make all appended bytes durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual uint64_t Size() const = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to dst.size() bytes at offset; returns the number read (0 at end of file).
  virtual Result<size_t> Read(uint64_t offset, std::span<uint8_t> dst) const = 0;
  virtual uint64_t Size() const = 0;
  // The OS file descriptor for zero-copy sending, or -1 when there is none (in-memory files).
  virtual int NativeHandle() const { return -1; }
};

class Env {
 public:
  virtual ~Env() = default;
  // Creates (or truncates) a file for writing.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (POSIX rename semantics).
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Makes directory entries (creations, renames, removals) in `dir` durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Creates one directory level; OK if it exists already.
  virtual Status CreateDir(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // Names (not paths) of the entries in dir, unsorted.
  virtual Status ListDir(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
};

// The real POSIX file system.
Env& PosixEnv();

// Convenience: creates dir and all missing parents (each created level is made durable).
Status CreateDirs(Env& env, const std::string& dir);
// Reads a whole file.
Result<std::string> ReadFileToString(Env& env, const std::string& path);
// Writes a whole file durably: temp file, fsync, rename, fsync directory.
Status WriteFileAtomically(Env& env, const std::string& path, std::string_view content);

}  // namespace dokuei::base
