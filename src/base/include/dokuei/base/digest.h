// Streaming SHA-256 (OpenSSL EVP). Used to recognise an identical re-send of an instance and to
// verify blobs.
// Thread safety: one Sha256 object per thread.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace dokuei::base {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  // Lowercase hex digest; the object must not be used afterwards.
  std::string FinishHex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string Sha256Hex(std::string_view data);

}  // namespace dokuei::base
