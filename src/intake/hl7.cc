// HL7 v2 parsing and escaping (see hl7.h).
#include "dokuei/intake/hl7.h"

#include <algorithm>
#include <cctype>

#include "dokuei/dicom/charset.h"

namespace dokuei::intake {
namespace {

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// Segments: CR, LF or CR LF separated; empty lines dropped.
std::vector<std::string_view> Lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '\r' || s[i] == '\n') {
      if (i > start) out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Hl7Location::ToString() const {
  std::string out = segment + "-" + std::to_string(field);
  if (component > 0) out += "." + std::to_string(component);
  return out;
}

std::vector<std::string> RawMshFields(std::string_view bytes) {
  const std::vector<std::string_view> lines = Lines(bytes);
  if (lines.empty() || lines[0].size() < 8 || lines[0].substr(0, 3) != "MSH") return {};
  const char sep = lines[0][3];
  std::vector<std::string> f = Split(lines[0].substr(4), sep);
  // Number as the standard does: [0] "MSH", [1] the separator, [2] the encoding characters.
  f.insert(f.begin(), std::string(1, sep));
  f.insert(f.begin(), "MSH");
  return f;
}

base::Result<std::string> DicomCharsetOf(std::string_view msh18, char repetition) {
  bool ir87 = false, ir13 = false, ir159 = false, utf8 = false;
  for (const std::string& raw : Split(msh18, repetition)) {
    std::string t = Upper(raw);
    t.erase(std::remove(t.begin(), t.end(), ' '), t.end());
    if (t.empty() || t == "ASCII" || t == "ISOIR6" || t == "ISO646") continue;
    if (t == "UNICODEUTF-8" || t == "UTF-8" || t == "UTF8" || t == "ISOIR192") {
      utf8 = true;
    } else if (t == "ISOIR87" || t == "ISO2022-1994" || t == "ISO-2022-JP" || t == "JISX0202" ||
               t == "JAS2020") {
      ir87 = true;                                  // JIS X 0208 through ISO 2022 escape sequences
    } else if (t == "ISOIR13" || t == "ISOIR14") {  // JIS X 0201 (romaji, katakana)
      ir13 = true;
    } else if (t == "ISOIR159") {
      ir159 = true;
    } else {
      return base::Unsupported("character set '" + raw + "' is not supported", "MSH-18");
    }
  }
  if (utf8) {
    if (ir87 || ir13 || ir159)
      return base::Unsupported("UTF-8 cannot be combined with ISO 2022 sets", "MSH-18");
    return std::string("ISO_IR 192");
  }
  if (!ir87 && !ir13 && !ir159) return std::string();
  std::string out = ir13 ? "ISO 2022 IR 13" : "ISO 2022 IR 6";
  if (ir87) out += "\\ISO 2022 IR 87";
  if (ir159) out += "\\ISO 2022 IR 159";
  return out;
}

base::Result<Hl7Message> ParseHl7(std::string_view bytes) {
  const std::vector<std::string> msh = RawMshFields(bytes);
  if (msh.size() < 3)
    return base::InvalidArgument("the message does not start with an MSH segment", "MSH");
  Hl7Message m;
  const std::string& enc = msh[2];
  if (enc.size() < 4 || enc.size() > 5)
    return base::InvalidArgument("MSH-2 must hold the encoding characters (e.g. ^~\\&)", "MSH-2");
  m.delims_.field = msh[1][0];
  m.delims_.component = enc[0];
  m.delims_.repetition = enc[1];
  m.delims_.escape = enc[2];
  m.delims_.subcomponent = enc[3];
  const std::string all = {m.delims_.field, m.delims_.component, m.delims_.repetition,
                           m.delims_.escape, m.delims_.subcomponent};
  for (size_t i = 0; i < all.size(); ++i) {
    const auto c = static_cast<unsigned char>(all[i]);
    if (c < 0x21 || c > 0x7E || std::isalnum(c) || all.find(all[i], i + 1) != std::string::npos)
      return base::InvalidArgument("MSH-1/MSH-2: delimiters must be distinct punctuation", "MSH-2");
  }
  m.charset_ = msh.size() > 18 ? msh[18] : std::string();
  DOKUEI_ASSIGN_OR_RETURN(const std::string dicom_charset,
                          DicomCharsetOf(m.charset_, m.delims_.repetition));
  std::string text;
  if (dicom_charset.empty()) {
    text.assign(bytes);
    for (unsigned char c : text)
      if (c >= 0x80)
        return base::InvalidArgument(
            "non-ASCII bytes but MSH-18 names no character set (UNICODE UTF-8 or ISO IR87)",
            "MSH-18");
  } else {
    auto decoded = dicom::DecodeToUtf8(bytes, dicom_charset, /*person_name=*/false);
    if (!decoded.ok())
      return base::InvalidArgument("bytes not valid in character set '" + m.charset_ + "'",
                                   "MSH-18");
    text = std::move(decoded).value();
  }
  for (std::string_view line : Lines(text)) {
    Hl7Segment s;
    if (line.size() < 3) return base::InvalidArgument("a segment is shorter than its id", "");
    s.id = std::string(line.substr(0, 3));
    for (char c : s.id)
      if (!std::isupper(static_cast<unsigned char>(c)) &&
          !std::isdigit(static_cast<unsigned char>(c)))
        return base::InvalidArgument("invalid segment id '" + s.id + "'", s.id);
    if (line.size() > 3 && line[3] != m.delims_.field)
      return base::InvalidArgument("segment " + s.id + " is not followed by the field separator",
                                   s.id);
    if (s.id == "MSH") {
      if (!m.segments_.empty())
        return base::InvalidArgument("a second MSH segment: one message per frame", "MSH");
      s.fields = {s.id, std::string(1, m.delims_.field)};
      std::vector<std::string> rest =
          Split(line.size() > 4 ? line.substr(4) : std::string_view(), m.delims_.field);
      s.fields.insert(s.fields.end(), rest.begin(), rest.end());
    } else {
      s.fields = Split(line, m.delims_.field);
    }
    m.segments_.push_back(std::move(s));
  }
  if (m.segments_.empty() || m.segments_[0].id != "MSH")
    return base::InvalidArgument("the message does not start with an MSH segment", "MSH");
  return m;
}

const Hl7Segment* Hl7Message::Find(std::string_view id, int n) const {
  for (const Hl7Segment& s : segments_)
    if (s.id == id && --n == 0) return &s;
  return nullptr;
}

int Hl7Message::Repetitions(const Hl7Segment& s, int field) const {
  if (field < 0 || static_cast<size_t>(field) >= s.fields.size() || s.fields[field].empty())
    return 0;
  if (s.id == "MSH" && field <= 2) return 1;
  return static_cast<int>(
             std::count(s.fields[field].begin(), s.fields[field].end(), delims_.repetition)) +
         1;
}

std::string Hl7Message::Value(const Hl7Segment& s, int field, int component, int repetition,
                              int subcomponent) const {
  if (field < 0 || static_cast<size_t>(field) >= s.fields.size()) return {};
  const std::string& f = s.fields[field];
  if (s.id == "MSH" && field <= 2) return f;
  std::vector<std::string> reps = Split(f, delims_.repetition);
  if (repetition < 0 || static_cast<size_t>(repetition) >= reps.size()) return {};
  std::vector<std::string> comps = Split(reps[repetition], delims_.component);
  if (component < 1 || static_cast<size_t>(component) > comps.size()) return {};
  std::vector<std::string> subs = Split(comps[component - 1], delims_.subcomponent);
  if (subcomponent < 1 || static_cast<size_t>(subcomponent) > subs.size()) return {};
  std::string v = Unescape(subs[subcomponent - 1]);
  // "" (two double quotes) is HL7's explicit null.
  if (v == "\"\"") v.clear();
  return v;
}

std::string Hl7Message::Unescape(std::string_view in) const {
  const char e = delims_.escape;
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != e) {
      out.push_back(in[i]);
      continue;
    }
    const size_t close = in.find(e, i + 1);
    if (close == std::string_view::npos) {  // a lone escape character: keep it
      out.push_back(in[i]);
      continue;
    }
    const std::string_view seq = in.substr(i + 1, close - i - 1);
    if (seq == "F") {
      out.push_back(delims_.field);
    } else if (seq == "S") {
      out.push_back(delims_.component);
    } else if (seq == "T") {
      out.push_back(delims_.subcomponent);
    } else if (seq == "R") {
      out.push_back(delims_.repetition);
    } else if (seq == "E") {
      out.push_back(e);
    } else if (seq == ".br") {
      out.push_back('\n');
    } else if (seq.size() >= 3 && seq[0] == 'X' && seq.size() % 2 == 1) {
      std::string bytes;
      bool ok = true;
      for (size_t k = 1; k + 1 < seq.size() && ok; k += 2) {
        const int hi = HexDigit(seq[k]), lo = HexDigit(seq[k + 1]);
        ok = hi >= 0 && lo >= 0;
        if (ok) bytes.push_back(static_cast<char>(hi * 16 + lo));
      }
      out += ok ? bytes : std::string(in.substr(i, close - i + 1));
    } else {
      out.append(in.substr(i, close - i + 1));  // unknown (\H\, \N\, \Zxx\, ...): kept
    }
    i = close;
  }
  return out;
}

std::string Hl7Escape(std::string_view text, const Hl7Delimiters& d) {
  std::string out;
  for (char c : text) {
    if (c == d.escape) {
      out += std::string{d.escape, 'E', d.escape};
    } else if (c == d.field) {
      out += std::string{d.escape, 'F', d.escape};
    } else if (c == d.component) {
      out += std::string{d.escape, 'S', d.escape};
    } else if (c == d.subcomponent) {
      out += std::string{d.escape, 'T', d.escape};
    } else if (c == d.repetition) {
      out += std::string{d.escape, 'R', d.escape};
    } else if (c == '\r' || c == '\n') {
      out += std::string{d.escape} + ".br" + d.escape;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

base::Result<std::string> EncodeHl7(std::string_view utf8, std::string_view msh18) {
  DOKUEI_ASSIGN_OR_RETURN(const std::string dicom_charset, DicomCharsetOf(msh18));
  if (dicom_charset.empty() || dicom_charset == "ISO_IR 192") return std::string(utf8);
  // Segment by segment: the ISO 2022 encoder returns to ASCII before each CR.
  std::string out;
  for (const std::string& seg : Split(utf8, '\r')) {
    if (!out.empty()) out.push_back('\r');
    DOKUEI_ASSIGN_OR_RETURN(std::string enc,
                            dicom::EncodeFromUtf8(seg, dicom_charset, /*person_name=*/true));
    out += enc;
  }
  return out;
}

}  // namespace dokuei::intake
