// Character set conversion with glibc iconv for the individual code elements and our own ISO 2022
// state machine (DCMTK's converter cannot handle ISO 2022 IR 87 with glibc, and its per-value
// setup cost is too high for ingest).
#include "dokuei/dicom/charset.h"

#include <errno.h>
#include <iconv.h>

#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "charset_internal.h"
#include "dokuei/base/strings.h"

namespace dokuei::dicom {
namespace internal {
namespace {

constexpr char kUtf8[] = "UTF-8";
constexpr uint32_t kReplacement = 0xFFFD;

// One iconv descriptor per (from, to) pair and thread; closed at thread exit.
class IconvCache {
 public:
  ~IconvCache() {
    for (auto& [key, cd] : map_)
      if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
  }
  iconv_t Get(const char* from, const char* to) {
    auto key = std::make_pair(std::string(from), std::string(to));
    auto it = map_.find(key);
    if (it == map_.end()) it = map_.emplace(key, iconv_open(to, from)).first;
    if (it->second != reinterpret_cast<iconv_t>(-1))
      iconv(it->second, nullptr, nullptr, nullptr, nullptr);
    return it->second;
  }

 private:
  std::map<std::pair<std::string, std::string>, iconv_t> map_;
};

iconv_t GetIconv(const char* from, const char* to) {
  thread_local IconvCache cache;
  return cache.Get(from, to);
}

// Converts `in` from `from` to UTF-8, appending to out. Invalid input bytes become U+FFFD.
bool IconvToUtf8(const char* from, std::string_view in, std::string* out) {
  iconv_t cd = GetIconv(from, kUtf8);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    for (size_t i = 0; i < in.size(); ++i) AppendUtf8(kReplacement, out);
    return false;
  }
  bool ok = true;
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char buf[1024];
  while (src_left > 0) {
    char* dst = buf;
    size_t dst_left = sizeof buf;
    size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
    out->append(buf, static_cast<size_t>(dst - buf));
    if (rc == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      // EILSEQ or EINVAL (incomplete sequence at the end): skip one byte.
      ok = false;
      AppendUtf8(kReplacement, out);
      ++src;
      --src_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
  char* dst = buf;
  size_t dst_left = sizeof buf;
  iconv(cd, nullptr, nullptr, &dst, &dst_left);
  out->append(buf, static_cast<size_t>(dst - buf));
  return ok;
}

// Converts UTF-8 `in` to `to`; false if any character is not representable.
bool IconvFromUtf8(const char* to, std::string_view in, std::string* out) {
  iconv_t cd = GetIconv(kUtf8, to);
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char buf[1024];
  while (src_left > 0) {
    char* dst = buf;
    size_t dst_left = sizeof buf;
    size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
    out->append(buf, static_cast<size_t>(dst - buf));
    if (rc == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      return false;
    }
    // glibc counts irreversible conversions in rc; those are substitutions: refuse them.
    if (rc != 0) return false;
  }
  char* dst = buf;
  size_t dst_left = sizeof buf;
  iconv(cd, nullptr, nullptr, &dst, &dst_left);
  out->append(buf, static_cast<size_t>(dst - buf));
  return true;
}

struct TermInfo {
  std::string_view term;
  bool iso2022;       // a code-extension term
  bool initial_ok;    // may be value 1 (defines the initial G0/G1)
  G0Set g0;           // G0 set designated by this term (ASCII unless Romaji or a 2-byte set)
  G1Set g1;           // G1 set designated by this term
  const char* iconv;  // single-byte 96-set, or whole-string charset
  enum Kind : uint8_t { kNormal, kUtf8Term, kWholeTerm } kind;
};

constexpr TermInfo kTerms[] = {
    {"ISO_IR 6", false, true, G0Set::kAscii, G1Set::kNone, nullptr, TermInfo::kNormal},
    {"ISO 2022 IR 6", true, true, G0Set::kAscii, G1Set::kNone, nullptr, TermInfo::kNormal},
    {"ISO_IR 100", false, true, G0Set::kAscii, G1Set::kLatin1, "ISO-8859-1", TermInfo::kNormal},
    {"ISO 2022 IR 100", true, true, G0Set::kAscii, G1Set::kLatin1, "ISO-8859-1", TermInfo::kNormal},
    {"ISO_IR 101", false, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-2", TermInfo::kNormal},
    {"ISO 2022 IR 101", true, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-2",
     TermInfo::kNormal},
    {"ISO_IR 109", false, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-3", TermInfo::kNormal},
    {"ISO 2022 IR 109", true, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-3",
     TermInfo::kNormal},
    {"ISO_IR 110", false, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-4", TermInfo::kNormal},
    {"ISO 2022 IR 110", true, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-4",
     TermInfo::kNormal},
    {"ISO_IR 144", false, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-5", TermInfo::kNormal},
    {"ISO 2022 IR 144", true, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-5",
     TermInfo::kNormal},
    {"ISO_IR 127", false, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-6", TermInfo::kNormal},
    {"ISO 2022 IR 127", true, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-6",
     TermInfo::kNormal},
    {"ISO_IR 126", false, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-7", TermInfo::kNormal},
    {"ISO 2022 IR 126", true, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-7",
     TermInfo::kNormal},
    {"ISO_IR 138", false, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-8", TermInfo::kNormal},
    {"ISO 2022 IR 138", true, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-8",
     TermInfo::kNormal},
    {"ISO_IR 148", false, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-9", TermInfo::kNormal},
    {"ISO 2022 IR 148", true, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-9",
     TermInfo::kNormal},
    {"ISO_IR 203", false, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-15",
     TermInfo::kNormal},
    {"ISO 2022 IR 203", true, true, G0Set::kAscii, G1Set::kSingleByte, "ISO-8859-15",
     TermInfo::kNormal},
    {"ISO_IR 166", false, true, G0Set::kAscii, G1Set::kSingleByte, "TIS-620", TermInfo::kNormal},
    {"ISO 2022 IR 166", true, true, G0Set::kAscii, G1Set::kSingleByte, "TIS-620",
     TermInfo::kNormal},
    {"ISO_IR 13", false, true, G0Set::kRomaji, G1Set::kKatakana, nullptr, TermInfo::kNormal},
    {"ISO 2022 IR 13", true, true, G0Set::kRomaji, G1Set::kKatakana, nullptr, TermInfo::kNormal},
    {"ISO 2022 IR 87", true, false, G0Set::kJisX0208, G1Set::kNone, nullptr, TermInfo::kNormal},
    {"ISO 2022 IR 159", true, false, G0Set::kJisX0212, G1Set::kNone, nullptr, TermInfo::kNormal},
    {"ISO 2022 IR 149", true, true, G0Set::kAscii, G1Set::kKsx1001, nullptr, TermInfo::kNormal},
    {"ISO 2022 IR 58", true, true, G0Set::kAscii, G1Set::kGb2312, nullptr, TermInfo::kNormal},
    {"ISO_IR 192", false, true, G0Set::kAscii, G1Set::kNone, nullptr, TermInfo::kUtf8Term},
    {"GB18030", false, true, G0Set::kAscii, G1Set::kNone, "GB18030", TermInfo::kWholeTerm},
    {"GBK", false, true, G0Set::kAscii, G1Set::kNone, "GBK", TermInfo::kWholeTerm},
};

const TermInfo* FindTerm(std::string_view term) {
  for (const TermInfo& t : kTerms)
    if (t.term == term) return &t;
  return nullptr;
}

// Terms of a Specific Character Set value; value 1 may be empty (default repertoire).
std::vector<std::string_view> SplitTerms(std::string_view scs) {
  std::vector<std::string_view> out;
  for (std::string_view t : base::Split(scs, '\\')) out.push_back(base::Trim(t));
  while (out.size() > 1 && out.back().empty()) out.pop_back();
  if (out.size() == 1 && out[0].empty()) out.clear();
  return out;
}

CodeState InitialState(const TermInfo* first) {
  CodeState s;
  if (first == nullptr || !first->initial_ok) return s;
  s.g0 = first->g0 == G0Set::kRomaji ? G0Set::kRomaji : G0Set::kAscii;
  s.g1 = first->g1;
  s.g1_iconv = first->iconv;
  return s;
}

bool IsDelimiter(uint8_t c, bool person_name) {
  return c == 0x0D || c == 0x0A || c == 0x0C || c == 0x09 || c == '\\' ||
         (person_name && (c == '^' || c == '='));
}

// Escape sequence at raw[i] (raw[i] == ESC). Returns its length and updates `state`, or 0 if
// it is not one we know.
size_t ApplyEscape(std::string_view raw, size_t i, CodeState* state) {
  auto at = [&](size_t k) -> int {
    return i + k < raw.size() ? static_cast<uint8_t>(raw[i + k]) : -1;
  };
  const int a = at(1), b = at(2), c = at(3);
  if (a == '(' && b == 'B') {
    state->g0 = G0Set::kAscii;
    return 3;
  }
  if (a == '(' && b == 'J') {
    state->g0 = G0Set::kRomaji;
    return 3;
  }
  if (a == ')' && b == 'I') {
    state->g1 = G1Set::kKatakana;
    return 3;
  }
  if (a == '$' && (b == 'B' || b == '@')) {
    state->g0 = G0Set::kJisX0208;
    return 3;
  }
  if (a == '$' && b == '(' && c == 'D') {
    state->g0 = G0Set::kJisX0212;
    return 4;
  }
  if (a == '$' && b == ')' && c == 'C') {
    state->g1 = G1Set::kKsx1001;
    return 4;
  }
  if (a == '$' && b == ')' && c == 'A') {
    state->g1 = G1Set::kGb2312;
    return 4;
  }
  if (a == '-') {
    const char* name = nullptr;
    switch (b) {
      case 'A':
        state->g1 = G1Set::kLatin1;
        state->g1_iconv = "ISO-8859-1";
        return 3;
      case 'B':
        name = "ISO-8859-2";
        break;
      case 'C':
        name = "ISO-8859-3";
        break;
      case 'D':
        name = "ISO-8859-4";
        break;
      case 'L':
        name = "ISO-8859-5";
        break;
      case 'G':
        name = "ISO-8859-6";
        break;
      case 'F':
        name = "ISO-8859-7";
        break;
      case 'H':
        name = "ISO-8859-8";
        break;
      case 'M':
        name = "ISO-8859-9";
        break;
      case 'b':
        name = "ISO-8859-15";
        break;
      case 'T':
        name = "TIS-620";
        break;
      default:
        return 0;
    }
    state->g1 = G1Set::kSingleByte;
    state->g1_iconv = name;
    return 3;
  }
  return 0;
}

}  // namespace

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {
// Length of the valid UTF-8 sequence at s[i] and its code point, or 0 if invalid.
size_t Utf8Sequence(std::string_view s, size_t i, uint32_t* cp) {
  const auto c0 = static_cast<uint8_t>(s[i]);
  if (c0 < 0x80) {
    *cp = c0;
    return 1;
  }
  size_t n;
  uint32_t v, min;
  if ((c0 & 0xE0) == 0xC0) {
    n = 2;
    v = c0 & 0x1F;
    min = 0x80;
  } else if ((c0 & 0xF0) == 0xE0) {
    n = 3;
    v = c0 & 0x0F;
    min = 0x800;
  } else if ((c0 & 0xF8) == 0xF0) {
    n = 4;
    v = c0 & 0x07;
    min = 0x10000;
  } else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<uint8_t>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    v = (v << 6) | (c & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}
}  // namespace

bool AppendValidUtf8(std::string_view s, std::string* out) {
  bool ok = true;
  size_t i = 0;
  while (i < s.size()) {
    // Fast path for ASCII runs.
    size_t j = i;
    while (j < s.size() && static_cast<uint8_t>(s[j]) < 0x80) ++j;
    out->append(s.data() + i, j - i);
    i = j;
    if (i >= s.size()) break;
    uint32_t cp;
    size_t n = Utf8Sequence(s, i, &cp);
    if (n == 0) {
      ok = false;
      AppendUtf8(kReplacement, out);
      ++i;
    } else {
      out->append(s.data() + i, n);
      i += n;
    }
  }
  return ok;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t n = Utf8Sequence(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool DecodeDefaultRepertoire(std::string_view raw, std::string* out) {
  bool ascii = true;
  for (char ch : raw) {
    const auto c = static_cast<uint8_t>(ch);
    if (c < 0x80) {
      out->push_back(ch);
    } else {
      ascii = false;
      AppendUtf8(c, out);
    }
  }
  return ascii;
}

CharsetDecoder::CharsetDecoder(std::string_view specific_character_set) {
  std::vector<std::string_view> terms = SplitTerms(specific_character_set);
  if (terms.empty()) return;
  std::vector<const TermInfo*> infos;
  for (std::string_view t : terms) {
    if (t.empty()) {
      infos.push_back(nullptr);
      continue;
    }
    const TermInfo* info = FindTerm(t);
    if (info == nullptr) {
      if (!unknown_.empty()) unknown_ += ", ";
      unknown_ += std::string(t);
    }
    infos.push_back(info);
  }
  const TermInfo* first = infos[0];
  if (first != nullptr && first->kind == TermInfo::kUtf8Term) {
    mode_ = Mode::kUtf8;
    return;
  }
  if (first != nullptr && first->kind == TermInfo::kWholeTerm) {
    mode_ = Mode::kWhole;
    whole_iconv_ = first->iconv;
    return;
  }
  if (first == nullptr && !terms[0].empty()) {
    // Unknown first term: ISO 8859-1 is the most common intent and never loses bytes.
    initial_.g1 = G1Set::kLatin1;
  }
  initial_ = first != nullptr ? InitialState(first) : initial_;
  code_extensions_ = terms.size() > 1;
  for (const TermInfo* info : infos)
    if (info != nullptr && info->iso2022) code_extensions_ = true;
  mode_ = Mode::kIso2022;
}

bool CharsetDecoder::Decode(std::string_view raw, bool person_name, std::string* out) const {
  switch (mode_) {
    case Mode::kDefault:
      return DecodeDefaultRepertoire(raw, out);
    case Mode::kUtf8:
      return AppendValidUtf8(raw, out);
    case Mode::kWhole:
      return IconvToUtf8(whole_iconv_, raw, out);
    case Mode::kIso2022:
      return DecodeIso2022(raw, person_name, out);
  }
  return false;
}

bool CharsetDecoder::DecodeIso2022(std::string_view raw, bool person_name, std::string* out) const {
  bool ok = true;
  CodeState st = initial_;
  std::string run;  // bytes of a multi-byte or single-byte-iconv run
  const size_t n = raw.size();
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<uint8_t>(raw[i]);
    if (c == 0x1B && code_extensions_) {
      size_t len = ApplyEscape(raw, i, &st);
      if (len == 0) {
        ok = false;
        AppendUtf8(kReplacement, out);
        ++i;
      } else {
        i += len;
      }
      continue;
    }
    if ((st.g0 == G0Set::kJisX0208 || st.g0 == G0Set::kJisX0212) && c >= 0x21 && c <= 0x7E) {
      run.clear();
      while (i + 1 < n) {
        const auto b1 = static_cast<uint8_t>(raw[i]), b2 = static_cast<uint8_t>(raw[i + 1]);
        if (b1 < 0x21 || b1 > 0x7E || b2 < 0x21 || b2 > 0x7E) break;
        if (st.g0 == G0Set::kJisX0212) run.push_back(static_cast<char>(0x8F));
        run.push_back(static_cast<char>(b1 | 0x80));
        run.push_back(static_cast<char>(b2 | 0x80));
        i += 2;
      }
      if (run.empty()) {  // a lone byte where a pair is needed
        ok = false;
        AppendUtf8(kReplacement, out);
        ++i;
      } else if (!IconvToUtf8("EUC-JP", run, out)) {
        ok = false;
      }
      continue;
    }
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      if (IsDelimiter(c, person_name)) st.g0 = initial_.g0;
      ++i;
      continue;
    }
    switch (st.g1) {
      case G1Set::kLatin1:
        AppendUtf8(c, out);
        ++i;
        break;
      case G1Set::kKatakana:
        if (c >= 0xA1 && c <= 0xDF) {
          AppendUtf8(0xFF61 + (c - 0xA1), out);
        } else {
          ok = false;
          AppendUtf8(kReplacement, out);
        }
        ++i;
        break;
      case G1Set::kSingleByte:
        run.clear();
        while (i < n && static_cast<uint8_t>(raw[i]) >= 0x80) run.push_back(raw[i++]);
        if (!IconvToUtf8(st.g1_iconv, run, out)) ok = false;
        break;
      case G1Set::kKsx1001:
      case G1Set::kGb2312:
        run.clear();
        while (i < n && static_cast<uint8_t>(raw[i]) >= 0x80) run.push_back(raw[i++]);
        if (!IconvToUtf8(st.g1 == G1Set::kKsx1001 ? "EUC-KR" : "EUC-CN", run, out)) ok = false;
        break;
      case G1Set::kNone:
        ok = false;
        AppendUtf8(kReplacement, out);
        ++i;
        break;
    }
  }
  return ok;
}

}  // namespace internal

namespace {

using internal::G0Set;
using internal::G1Set;

// Encoder for the ISO 2022 / single-byte terms.
class Iso2022Encoder {
 public:
  Iso2022Encoder(std::vector<const internal::TermInfo*> infos, bool code_extensions)
      : infos_(std::move(infos)), code_extensions_(code_extensions) {
    initial_ = internal::InitialState(infos_.empty() ? nullptr : infos_[0]);
    cur_ = initial_;
  }

  // Encodes one code point; false if no declared set can represent it.
  bool Put(uint32_t cp, bool person_name, std::string* out) {
    if (cp < 0x80) {
      const bool delimiter = internal::IsDelimiter(static_cast<uint8_t>(cp), person_name);
      if (cur_.g0 != G0Set::kAscii && cur_.g0 != G0Set::kRomaji)
        DesignateG0(initial_.g0, out);
      else if (delimiter && cur_.g0 != initial_.g0)
        DesignateG0(initial_.g0, out);
      if (person_name && (cp == '=' || cp == '^')) ResetG1(out);
      out->push_back(static_cast<char>(cp));
      return true;
    }
    for (size_t k = 0; k < infos_.size(); ++k) {
      const internal::TermInfo* t = infos_[k];
      if (t == nullptr) continue;
      if (!code_extensions_ && k > 0) break;
      if (TryTerm(*t, cp, out)) return true;
    }
    return false;
  }

  void Finish(std::string* out) {
    if (cur_.g0 != initial_.g0) DesignateG0(initial_.g0, out);
  }

 private:
  void DesignateG0(G0Set s, std::string* out) {
    switch (s) {
      case G0Set::kAscii:
        *out += "\x1b(B";
        break;
      case G0Set::kRomaji:
        *out += "\x1b(J";
        break;
      case G0Set::kJisX0208:
        *out += "\x1b$B";
        break;
      case G0Set::kJisX0212:
        *out += "\x1b$(D";
        break;
    }
    cur_.g0 = s;
  }

  void DesignateG1(G1Set s, const char* iconv_name, std::string* out) {
    if (cur_.g1 == s && (s != G1Set::kSingleByte || cur_.g1_iconv == iconv_name)) return;
    switch (s) {
      case G1Set::kKatakana:
        *out += "\x1b)I";
        break;
      case G1Set::kKsx1001:
        *out += "\x1b$)C";
        break;
      case G1Set::kGb2312:
        *out += "\x1b$)A";
        break;
      case G1Set::kLatin1:
        *out += "\x1b-A";
        break;
      case G1Set::kSingleByte:
        *out += std::string("\x1b-") + EscapeFinal(iconv_name);
        break;
      case G1Set::kNone:
        break;
    }
    cur_.g1 = s;
    cur_.g1_iconv = iconv_name;
  }

  // At a person-name delimiter the G1 set is designated again when next used, as in the
  // examples of PS3.5 Annex I.
  void ResetG1(std::string* out) {
    if (cur_.g1 == initial_.g1 && cur_.g1_iconv == initial_.g1_iconv) return;
    if (initial_.g1 != G1Set::kNone)
      DesignateG1(initial_.g1, initial_.g1_iconv, out);
    else
      cur_.g1 = G1Set::kNone;
  }

  static char EscapeFinal(const char* name) {
    static const std::pair<const char*, char> kFinals[] = {
        {"ISO-8859-2", 'B'},  {"ISO-8859-3", 'C'}, {"ISO-8859-4", 'D'}, {"ISO-8859-5", 'L'},
        {"ISO-8859-6", 'G'},  {"ISO-8859-7", 'F'}, {"ISO-8859-8", 'H'}, {"ISO-8859-9", 'M'},
        {"ISO-8859-15", 'b'}, {"TIS-620", 'T'}};
    for (auto& [n, f] : kFinals)
      if (std::strcmp(n, name) == 0) return f;
    return 'A';
  }

  bool CanDesignate(bool is_initial_set) const { return code_extensions_ || is_initial_set; }

  bool TryTerm(const internal::TermInfo& t, uint32_t cp, std::string* out) {
    std::string utf8, enc;
    internal::AppendUtf8(cp, &utf8);
    switch (t.g1) {
      case G1Set::kKatakana:
        if (cp >= 0xFF61 && cp <= 0xFF9F && CanDesignate(initial_.g1 == G1Set::kKatakana)) {
          if (code_extensions_) DesignateG1(G1Set::kKatakana, nullptr, out);
          out->push_back(static_cast<char>(0xA1 + (cp - 0xFF61)));
          return true;
        }
        break;
      case G1Set::kLatin1:
        if (cp >= 0xA0 && cp <= 0xFF) {
          if (code_extensions_) DesignateG1(G1Set::kLatin1, t.iconv, out);
          out->push_back(static_cast<char>(cp));
          return true;
        }
        break;
      case G1Set::kSingleByte:
        if (internal::IconvFromUtf8(t.iconv, utf8, &enc) && enc.size() == 1 &&
            static_cast<uint8_t>(enc[0]) >= 0xA0) {
          if (code_extensions_) DesignateG1(G1Set::kSingleByte, t.iconv, out);
          out->push_back(enc[0]);
          return true;
        }
        break;
      case G1Set::kKsx1001:
      case G1Set::kGb2312: {
        const char* cs = t.g1 == G1Set::kKsx1001 ? "EUC-KR" : "EUC-CN";
        if (internal::IconvFromUtf8(cs, utf8, &enc) && enc.size() == 2 &&
            static_cast<uint8_t>(enc[0]) >= 0xA1 && static_cast<uint8_t>(enc[1]) >= 0xA1) {
          DesignateG1(t.g1, nullptr, out);
          *out += enc;
          return true;
        }
        break;
      }
      case G1Set::kNone:
        break;
    }
    if (t.g0 == G0Set::kJisX0208 || t.g0 == G0Set::kJisX0212) {
      if (!internal::IconvFromUtf8("EUC-JP", utf8, &enc)) return false;
      const auto* e = reinterpret_cast<const uint8_t*>(enc.data());
      if (t.g0 == G0Set::kJisX0208 && enc.size() == 2 && e[0] >= 0xA1 && e[1] >= 0xA1) {
        if (cur_.g0 != G0Set::kJisX0208) DesignateG0(G0Set::kJisX0208, out);
        out->push_back(static_cast<char>(e[0] & 0x7F));
        out->push_back(static_cast<char>(e[1] & 0x7F));
        return true;
      }
      if (t.g0 == G0Set::kJisX0212 && enc.size() == 3 && e[0] == 0x8F) {
        if (cur_.g0 != G0Set::kJisX0212) DesignateG0(G0Set::kJisX0212, out);
        out->push_back(static_cast<char>(e[1] & 0x7F));
        out->push_back(static_cast<char>(e[2] & 0x7F));
        return true;
      }
    }
    return false;
  }

  std::vector<const internal::TermInfo*> infos_;
  bool code_extensions_;
  internal::CodeState initial_, cur_;
};

std::string Hex4(uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", cp);
  return buf;
}

}  // namespace

base::Result<std::string> EncodeFromUtf8(std::string_view utf8,
                                         std::string_view specific_character_set,
                                         bool person_name) {
  if (!internal::IsValidUtf8(utf8)) return base::InvalidArgument("value is not valid UTF-8");
  std::vector<std::string_view> terms = internal::SplitTerms(specific_character_set);
  std::vector<const internal::TermInfo*> infos;
  bool code_extensions = terms.size() > 1;
  for (std::string_view t : terms) {
    if (t.empty()) {
      infos.push_back(nullptr);
      continue;
    }
    const internal::TermInfo* info = internal::FindTerm(t);
    if (info == nullptr) {
      return base::Unsupported("unknown Specific Character Set term '" + std::string(t) + "'",
                               "SpecificCharacterSet");
    }
    if (info->iso2022) code_extensions = true;
    infos.push_back(info);
  }
  if (!infos.empty() && infos[0] != nullptr && infos[0]->kind == internal::TermInfo::kUtf8Term)
    return std::string(utf8);
  if (!infos.empty() && infos[0] != nullptr && infos[0]->kind == internal::TermInfo::kWholeTerm) {
    std::string out;
    if (!internal::IconvFromUtf8(infos[0]->iconv, utf8, &out)) {
      return base::Unsupported("value cannot be represented in " + std::string(terms[0]),
                               "SpecificCharacterSet");
    }
    return out;
  }
  Iso2022Encoder encoder(infos, code_extensions);
  std::string out;
  out.reserve(utf8.size() + 16);
  for (size_t i = 0; i < utf8.size();) {
    uint32_t cp;
    size_t n = internal::Utf8Sequence(utf8, i, &cp);
    if (!encoder.Put(cp, person_name, &out)) {
      return base::Unsupported("character " + Hex4(cp) +
                                   " cannot be represented in Specific "
                                   "Character Set '" +
                                   std::string(specific_character_set) + "'",
                               "SpecificCharacterSet");
    }
    i += n;
  }
  encoder.Finish(&out);
  return out;
}

base::Result<std::string> DecodeToUtf8(std::string_view bytes,
                                       std::string_view specific_character_set, bool person_name) {
  internal::CharsetDecoder decoder(specific_character_set);
  if (!decoder.unknown_terms().empty()) {
    return base::Unsupported(
        "unknown Specific Character Set term '" + decoder.unknown_terms() + "'",
        "SpecificCharacterSet");
  }
  std::string out;
  if (!decoder.Decode(bytes, person_name, &out)) {
    return base::InvalidArgument("value is not valid in Specific Character Set '" +
                                 std::string(specific_character_set) + "'");
  }
  return out;
}

}  // namespace dokuei::dicom
