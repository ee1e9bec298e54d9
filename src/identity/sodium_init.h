// libsodium must be initialised once before use (thread-safe, idempotent).
#pragma once

#include <sodium.h>

#include <cstdlib>
#include <mutex>

namespace dokuei::identity::internal {

inline void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no usable randomness or CPU features: nothing safe
  });
}

}  // namespace dokuei::identity::internal
