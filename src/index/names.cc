#include "names.h"

#include <algorithm>
#include <cstdint>

#include "dokuei/base/strings.h"

namespace dokuei::index {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at s[*i], advancing *i; malformed input yields U+FFFD (one byte).
char32_t DecodeOne(std::string_view s, size_t* i) {
  const auto b0 = static_cast<uint8_t>(s[*i]);
  auto cont = [&](size_t k) -> int {
    if (*i + k >= s.size()) return -1;
    const auto b = static_cast<uint8_t>(s[*i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++*i;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    const int c = cont(k);
    if (c < 0) {
      ++*i;
      return kReplacement;
    }
    cp = (cp << 6) | static_cast<char32_t>(c);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return kReplacement;
  }
  *i += len;
  return cp;
}

void Encode(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Half-width katakana U+FF61..U+FF9D -> full-width (JIS X 0201 order).
constexpr char16_t kHalfWidthKana[] = {
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
    0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB,
    0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1,
    0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5,
    0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3,
};

char32_t AsKatakana(char32_t k) { return k >= 0x3041 && k <= 0x3096 ? k + 0x60 : k; }

bool IsVoiceable(char32_t k) {  // kana taking the voiced mark as +1
  k = AsKatakana(k);
  return (k >= 0x30AB && k <= 0x30C2 && (k - 0x30AB) % 2 == 0) || k == 0x30C4 || k == 0x30C6 ||
         k == 0x30C8 || (k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0);
}
bool IsSemiVoiceable(char32_t k) {
  k = AsKatakana(k);
  return k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0;
}

std::u32string Decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) out.push_back(DecodeOne(s, &i));
  return out;
}

bool IsSpace(char32_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::vector<std::string> SplitFolded(std::string_view s, bool drop_wildcards) {
  const std::string folded = FoldFuzzy(s);
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty() && std::find(out.begin(), out.end(), cur) == out.end()) out.push_back(cur);
    cur.clear();
  };
  for (char c : folded) {
    if (c == '^' || c == '=' || IsSpace(static_cast<unsigned char>(c))) {
      flush();
    } else if (drop_wildcards && (c == '*' || c == '?')) {
      continue;
    } else {
      cur.push_back(c);
    }
  }
  flush();
  return out;
}

}  // namespace

bool IsStorableText(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '\0') return false;
    const size_t before = i;
    const char32_t cp = DecodeOne(s, &i);
    // U+FFFD is legitimate only when it was actually encoded (3 bytes).
    if (cp == kReplacement && i - before != 3) return false;
  }
  return true;
}

std::string NormalizePersonName(std::string_view pn) {
  std::vector<std::string> groups;
  for (std::string_view g : base::Split(pn, '=')) {
    std::string group(base::Trim(g));
    while (!group.empty() && (group.back() == '^' || group.back() == ' ')) group.pop_back();
    groups.push_back(std::move(group));
  }
  while (!groups.empty() && groups.back().empty()) groups.pop_back();
  std::string out;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (i) out.push_back('=');
    out += groups[i];
  }
  return out;
}

std::vector<std::string> PersonNameMatchKeys(std::string_view pn) {
  const std::string norm = base::ToLowerAscii(NormalizePersonName(pn));
  std::vector<std::string> keys;
  auto add = [&](std::string k) {
    if (!k.empty() && std::find(keys.begin(), keys.end(), k) == keys.end()) {
      keys.push_back(std::move(k));
    }
  };
  add(norm);
  for (std::string_view g : base::Split(norm, '=')) add(std::string(g));
  return keys;
}

std::string FoldFuzzy(std::string_view s) {
  std::u32string cps = Decode(s);
  std::u32string out;
  out.reserve(cps.size());
  for (char32_t c : cps) {
    if (c >= 'A' && c <= 'Z') {
      c = c - 'A' + 'a';
    } else if (c >= 0xFF01 && c <= 0xFF5E) {  // full-width ASCII
      c = c - 0xFF01 + 0x21;
      if (c >= 'A' && c <= 'Z') c = c - 'A' + 'a';
    } else if (c == 0x3000) {
      c = ' ';
    } else if (c >= 0xFF61 && c <= 0xFF9D) {
      c = kHalfWidthKana[c - 0xFF61];
    } else if (c == 0xFF9E || c == 0x3099) {  // voiced sound mark: compose with the kana before
      if (!out.empty()) {
        char32_t& prev = out.back();
        if (IsVoiceable(prev)) {
          prev += 1;
          continue;
        }
        if (AsKatakana(prev) == 0x30A6) {  // ウ -> ヴ
          prev = 0x30F4;
          continue;
        }
      }
      c = 0x309B;
    } else if (c == 0xFF9F || c == 0x309A) {  // semi-voiced sound mark
      if (!out.empty() && IsSemiVoiceable(out.back())) {
        out.back() += 2;
        continue;
      }
      c = 0x309C;
    }
    out.push_back(c);
  }
  std::string result;
  result.reserve(s.size());
  for (char32_t c : out) {
    if (c >= 0x30A1 && c <= 0x30F6) {
      c -= 0x60;  // katakana -> hiragana
    } else if (c == 0x30FD || c == 0x30FE) {
      c -= 0x60;  // iteration marks
    }
    Encode(c, result);
  }
  return result;
}

std::vector<std::string> PersonNameFuzzyTokens(std::string_view pn) {
  return SplitFolded(pn, /*drop_wildcards=*/false);
}

std::vector<std::string> FuzzyQueryWords(std::string_view query) {
  return SplitFolded(query, /*drop_wildcards=*/true);
}

bool HasWildcard(std::string_view pattern) {
  return pattern.find_first_of("*?") != std::string_view::npos;
}

bool IsUniversalPattern(std::string_view pattern) {
  return !pattern.empty() && pattern.find_first_not_of('*') == std::string_view::npos;
}

std::string_view LiteralPrefix(std::string_view pattern) {
  const size_t pos = pattern.find_first_of("*?");
  return pos == std::string_view::npos ? pattern : pattern.substr(0, pos);
}

std::optional<std::string> PrefixUpperBound(std::string_view prefix) {
  std::u32string cps = Decode(prefix);
  while (!cps.empty()) {
    char32_t c = cps.back();
    cps.pop_back();
    if (c >= 0x10FFFF) continue;
    c += 1;
    if (c == 0xD800) c = 0xE000;  // skip surrogates
    cps.push_back(c);
    std::string out;
    for (char32_t x : cps) Encode(x, out);
    return out;
  }
  return std::nullopt;
}

std::string ToGlobPattern(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 4);
  for (char c : pattern) {
    if (c == '[') {
      out += "[[]";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string ToLikePattern(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 4);
  for (char c : pattern) {
    switch (c) {
      case '*':
        out.push_back('%');
        break;
      case '?':
        out.push_back('_');
        break;
      case '%':
      case '_':
      case '!':
        out.push_back('!');
        out.push_back(c);
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace dokuei::index
