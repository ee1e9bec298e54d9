#include "json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "dictionary.h"
#include "dokuei/base/strings.h"
#include "dokuei/dicom/attribute.h"
#include "object.h"

namespace dokuei::dicom::internal {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";

void AppendTagHex(uint32_t tag, std::string* out) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = kHexUpper[tag & 0xF];
    tag >>= 4;
  }
  out->append(buf, 8);
}

void AppendBase64(std::string_view in, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size(), i = 0;
  out->reserve(out->size() + (n + 2) / 3 * 4);
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8 | p[i + 2];
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back(kAlphabet[v & 63]);
  }
  if (i < n) {
    uint32_t v = uint32_t{p[i]} << 16;
    if (i + 1 < n) v |= uint32_t{p[i + 1]} << 8;
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=');
    out->push_back('=');
  }
}

template <typename T>
void AppendNumber(T v, std::string* out) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, ec == std::errc() ? static_cast<size_t>(ptr - buf) : 0);
}

template <typename F>
void AppendFloat(F v, std::string* out) {
  if (std::isnan(v)) {
    *out += "\"NaN\"";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    AppendNumber(v, out);
  }
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  base::AppendJsonEscaped(*out, s);
  out->push_back('"');
}

uint64_t ReadUint(const uint8_t* p, int size, bool big_endian) {
  uint64_t v = 0;
  for (int k = 0; k < size; ++k) {
    const uint8_t byte = big_endian ? p[k] : p[size - 1 - k];
    v = (v << 8) | byte;
  }
  return v;
}

class JsonWriter {
 public:
  JsonWriter(const Walk& walk, const JsonOptions& options, std::string* out,
             std::vector<std::string>* warnings)
      : walk_(walk), options_(options), out_(*out), warnings_(*warnings) {}

  void WriteDataset(const std::vector<Element>& elements, const CharsetDecoder& inherited,
                    std::string* path) {
    CharsetDecoder storage;
    const CharsetDecoder& decoder = DecoderFor(walk_, elements, inherited, &storage);
    out_.push_back('{');
    bool first = true;
    for (const Element& e : elements) {
      // Group lengths, file meta elements and trailing padding carry no information.
      if (ElementOf(e.tag) == 0 || GroupOf(e.tag) == 0x0002 || e.tag == 0xFFFCFFFC) continue;
      if (!first) out_.push_back(',');
      first = false;
      WriteElement(e, decoder, path);
    }
    out_.push_back('}');
  }

 private:
  void Warn(bool& flag, std::string message) {
    if (flag) return;
    flag = true;
    warnings_.push_back(std::move(message));
  }

  void BeginElement(uint32_t tag, Vr vr) {
    out_.push_back('"');
    AppendTagHex(tag, &out_);
    out_ += "\":{\"vr\":\"";
    out_.push_back(static_cast<char>(vr >> 8));
    out_.push_back(static_cast<char>(vr & 0xFF));
    out_.push_back('"');
  }

  void WriteBulkUri(uint32_t tag, const std::string& path) {
    out_ += ",\"BulkDataURI\":\"";
    base::AppendJsonEscaped(out_, options_.bulk_prefix);
    out_ += path;
    AppendTagHex(tag, &out_);
    out_.push_back('"');
  }

  void WriteElement(const Element& e, const CharsetDecoder& decoder, std::string* path) {
    if (e.tag == tags::kPixelData || e.encapsulated) {
      BeginElement(e.tag, e.encapsulated ? vr::kOB : e.vr);
      WriteBulkUri(e.tag, *path);
      out_.push_back('}');
      return;
    }
    if (e.vr == vr::kSQ || (e.vr == vr::kUN && e.undefined_length)) {
      BeginElement(e.tag, vr::kSQ);
      if (!e.items.empty()) {
        out_ += ",\"Value\":[";
        const size_t path_len = path->size();
        for (size_t i = 0; i < e.items.size(); ++i) {
          if (i) out_.push_back(',');
          path->resize(path_len);
          AppendTagHex(e.tag, path);
          path->push_back('.');
          *path += std::to_string(i);
          path->push_back('.');
          WriteDataset(e.items[i].elements, decoder, path);
        }
        path->resize(path_len);
        out_.push_back(']');
      }
      out_.push_back('}');
      return;
    }
    BeginElement(e.tag, e.vr);
    std::string_view raw = ValueBytes(walk_, e);
    if (IsBulkVr(e.vr)) {
      WriteBinary(e, raw, *path);
    } else if (e.tag == tags::kSpecificCharacterSet) {
      out_ += ",\"Value\":[\"ISO_IR 192\"]";
    } else if (IsStringVr(e.vr)) {
      WriteText(e, raw, decoder);
    } else if (e.vr == vr::kAT) {
      WriteAttributeTags(e, raw);
    } else {
      WriteBinaryNumbers(e, raw);
    }
    out_.push_back('}');
  }

  void WriteBinary(const Element& e, std::string_view raw, const std::string& path) {
    if (raw.empty()) return;
    if (raw.size() > options_.bulk_threshold) {
      WriteBulkUri(e.tag, path);
      return;
    }
    out_ += ",\"InlineBinary\":\"";
    const int unit = SwapUnit(e.vr);
    if (e.big_endian && unit > 1) {
      std::string swapped(raw);
      for (size_t i = 0; i + unit <= swapped.size(); i += unit)
        std::reverse(swapped.begin() + i, swapped.begin() + i + unit);
      AppendBase64(swapped, &out_);
    } else {
      AppendBase64(raw, &out_);
    }
    out_.push_back('"');
  }

  void WriteText(const Element& e, std::string_view raw, const CharsetDecoder& decoder) {
    values_.clear();
    bool lossy = false;
    DecodeTextValues(raw, e.vr, decoder, &values_, &lossy);
    if (lossy) {
      Warn(warned_charset_, "some characters of " + KeywordOrTag(e.tag) +
                                " could not be decoded and were replaced by U+FFFD");
    }
    if (values_.empty()) return;
    out_ += ",\"Value\":[";
    for (size_t i = 0; i < values_.size(); ++i) {
      if (i) out_.push_back(',');
      const std::string& v = values_[i];
      if (v.empty()) {
        out_ += "null";
      } else if (e.vr == vr::kPN) {
        WritePersonName(v);
      } else if (e.vr == vr::kIS) {
        if (auto n = ParseIntegerString(v)) {
          AppendNumber(*n, &out_);
        } else {
          Warn(warned_number_,
               KeywordOrTag(e.tag) + " has a value that is not a valid IS: '" + Printable(v) + "'");
          AppendJsonString(v, &out_);
        }
      } else if (e.vr == vr::kDS) {
        if (auto d = ParseDecimalString(v)) {
          std::string_view t = base::Trim(v);
          if (base::IsJsonNumber(t))
            out_ += t;
          else
            AppendNumber(*d, &out_);
        } else {
          Warn(warned_number_,
               KeywordOrTag(e.tag) + " has a value that is not a valid DS: '" + Printable(v) + "'");
          AppendJsonString(v, &out_);
        }
      } else {
        AppendJsonString(v, &out_);
      }
    }
    out_.push_back(']');
  }

  void WritePersonName(std::string_view v) {
    static constexpr const char* kGroups[] = {"Alphabetic", "Ideographic", "Phonetic"};
    out_.push_back('{');
    bool first = true;
    size_t start = 0;
    for (int g = 0; g < 3; ++g) {
      size_t eq = v.find('=', start);
      std::string_view group = v.substr(start, eq == std::string_view::npos ? v.npos : eq - start);
      group = base::Trim(group);
      if (!group.empty()) {
        if (!first) out_.push_back(',');
        first = false;
        out_.push_back('"');
        out_ += kGroups[g];
        out_ += "\":";
        AppendJsonString(group, &out_);
      }
      if (eq == std::string_view::npos) break;
      start = eq + 1;
    }
    out_.push_back('}');
  }

  void WriteAttributeTags(const Element& e, std::string_view raw) {
    const size_t n = raw.size() / 4;
    if (raw.size() % 4)
      Warn(warned_size_,
           KeywordOrTag(e.tag) + " has a length that is not a multiple of its value size");
    if (n == 0) return;
    out_ += ",\"Value\":[";
    const auto* p = reinterpret_cast<const uint8_t*>(raw.data());
    for (size_t i = 0; i < n; ++i) {
      if (i) out_.push_back(',');
      const uint32_t g = static_cast<uint32_t>(ReadUint(p + 4 * i, 2, e.big_endian));
      const uint32_t el = static_cast<uint32_t>(ReadUint(p + 4 * i + 2, 2, e.big_endian));
      out_.push_back('"');
      AppendTagHex(g << 16 | el, &out_);
      out_.push_back('"');
    }
    out_.push_back(']');
  }

  void WriteBinaryNumbers(const Element& e, std::string_view raw) {
    int size;
    switch (e.vr) {
      case vr::kUS:
      case vr::kSS:
        size = 2;
        break;
      case vr::kUL:
      case vr::kSL:
      case vr::kFL:
        size = 4;
        break;
      default:
        size = 8;
        break;  // FD, SV, UV
    }
    const size_t n = raw.size() / size;
    if (raw.size() % size)
      Warn(warned_size_,
           KeywordOrTag(e.tag) + " has a length that is not a multiple of its value size");
    if (n == 0) return;
    out_ += ",\"Value\":[";
    const auto* p = reinterpret_cast<const uint8_t*>(raw.data());
    for (size_t i = 0; i < n; ++i) {
      if (i) out_.push_back(',');
      const uint64_t u = ReadUint(p + i * size, size, e.big_endian);
      switch (e.vr) {
        case vr::kUS:
        case vr::kUL:
        case vr::kUV:
          AppendNumber(u, &out_);
          break;
        case vr::kSS:
          AppendNumber(static_cast<int16_t>(u), &out_);
          break;
        case vr::kSL:
          AppendNumber(static_cast<int32_t>(u), &out_);
          break;
        case vr::kSV:
          AppendNumber(static_cast<int64_t>(u), &out_);
          break;
        case vr::kFL: {
          float f;
          const uint32_t bits = static_cast<uint32_t>(u);
          std::memcpy(&f, &bits, 4);
          AppendFloat(f, &out_);
          break;
        }
        default: {
          double d;
          std::memcpy(&d, &u, 8);
          AppendFloat(d, &out_);
        }
      }
    }
    out_.push_back(']');
  }

  const Walk& walk_;
  const JsonOptions& options_;
  std::string& out_;
  std::vector<std::string>& warnings_;
  std::vector<std::string> values_;
  bool warned_charset_ = false, warned_number_ = false, warned_size_ = false;
};

}  // namespace

// Trims each component group and drops trailing empty components and groups (PS3.5 6.2.1), so
// "Doe^John^^=" becomes "Doe^John".
std::string NormalizePersonName(std::string_view pn) {
  std::string groups[3];
  size_t start = 0;
  for (int g = 0; g < 3; ++g) {
    size_t eq = pn.find('=', start);
    std::string_view group =
        base::Trim(pn.substr(start, eq == std::string_view::npos ? pn.npos : eq - start));
    while (!group.empty() && (group.back() == '^' || group.back() == ' ')) group.remove_suffix(1);
    groups[g] = std::string(group);
    if (eq == std::string_view::npos) break;
    start = eq + 1;
  }
  int last = 2;
  while (last >= 0 && groups[last].empty()) --last;
  std::string out;
  for (int g = 0; g <= last; ++g) {
    if (g) out.push_back('=');
    out += groups[g];
  }
  return out;
}

void DecodeTextValues(std::string_view raw, Vr v, const CharsetDecoder& decoder,
                      std::vector<std::string>* values, bool* lossy) {
  raw = TrimPadding(raw, v);
  if (raw.empty()) return;
  std::string utf8;
  utf8.reserve(raw.size());
  bool ok = IsCharsetVr(v) ? decoder.Decode(raw, v == vr::kPN, &utf8)
                           : DecodeDefaultRepertoire(raw, &utf8);
  if (!ok) *lossy = true;
  if (!IsMultiValuedStringVr(v)) {
    values->emplace_back(TrimPadding(utf8, v));
    return;
  }
  size_t start = 0;
  while (true) {
    size_t pos = utf8.find('\\', start);
    std::string_view part(utf8.data() + start,
                          (pos == std::string::npos ? utf8.size() : pos) - start);
    part = TrimPadding(part, v);
    if (v == vr::kPN) {
      values->push_back(NormalizePersonName(part));
    } else {
      values->emplace_back(part);
    }
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  if (values->size() == 1 && values->front().empty()) values->clear();
}

const CharsetDecoder& DecoderFor(const Walk& walk, const std::vector<Element>& elements,
                                 const CharsetDecoder& inherited, CharsetDecoder* storage) {
  const Element* scs = FindElement(elements, tags::kSpecificCharacterSet);
  if (scs == nullptr) return inherited;
  *storage = CharsetDecoder(ValueBytes(walk, *scs));
  return *storage;
}

void WriteDatasetJson(const Walk& walk, const CharsetDecoder& decoder, const JsonOptions& options,
                      std::string* out, std::vector<std::string>* warnings) {
  JsonWriter writer(walk, options, out, warnings);
  std::string path;
  writer.WriteDataset(walk.elements, decoder, &path);
}

}  // namespace dokuei::dicom::internal
