// Vertebra and level names ("L4", "L4-L5") and their cranio-caudal order.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace dokuei::spine::internal {

// C1 = 0 ... C7 = 6, T1 = 7 ... T12 = 18, L1 = 19 ... L5 = 23, S1 = 24; -1 for anything else.
inline int VertebraIndex(std::string_view v) {
  if (v.size() < 2 || v.size() > 3) return -1;
  int n = 0;
  for (char c : v.substr(1)) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  switch (v[0]) {
    case 'C':
      return n >= 1 && n <= 7 ? n - 1 : -1;
    case 'T':
      return n >= 1 && n <= 12 ? 6 + n : -1;
    case 'L':
      return n >= 1 && n <= 5 ? 18 + n : -1;
    case 'S':
      return n == 1 ? 24 : -1;
  }
  return -1;
}

// "L4-L5" -> {"L4", "L5"}; {"", ""} when there is no hyphen.
inline std::pair<std::string_view, std::string_view> SplitLevel(std::string_view level) {
  const size_t dash = level.find('-');
  if (dash == std::string_view::npos) return {};
  return {level.substr(0, dash), level.substr(dash + 1)};
}

}  // namespace dokuei::spine::internal
