#include "dokuei/base/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

namespace dokuei::base {

void RandomBytes(void* buf, size_t n) {
  auto* p = static_cast<uint8_t*>(buf);
  while (n > 0) {
    ssize_t r = ::getrandom(p, n, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::abort();  // no entropy source: nothing safe to do
    }
    p += r;
    n -= static_cast<size_t>(r);
  }
}

std::string RandomHex(size_t n_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string raw(n_bytes, '\0');
  RandomBytes(raw.data(), n_bytes);
  std::string out;
  out.reserve(n_bytes * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string NewDicomUid() {
  unsigned __int128 v = 0;
  RandomBytes(&v, sizeof(v));
  // UUID-derived UIDs: set version 4 / variant bits as PS3.5 B.2 suggests.
  std::string digits;
  if (v == 0) digits = "0";
  while (v > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return "2.25." + digits;
}

}  // namespace dokuei::base
