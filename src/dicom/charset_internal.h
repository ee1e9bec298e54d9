// Decoding of DICOM text values to UTF-8 (see dokuei/dicom/charset.h for the public API).
// A CharsetDecoder is built once per data set from its Specific Character Set and then decodes
// every text value; it never fails, it replaces undecodable bytes with U+FFFD and says so.
// Private to the dicom module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dokuei::dicom::internal {

enum class G0Set : uint8_t { kAscii, kRomaji, kJisX0208, kJisX0212 };
enum class G1Set : uint8_t { kNone, kKatakana, kLatin1, kSingleByte, kKsx1001, kGb2312 };

struct CodeState {
  G0Set g0 = G0Set::kAscii;
  G1Set g1 = G1Set::kNone;
  const char* g1_iconv = nullptr;  // kSingleByte: iconv name of the 96-character set
};

class CharsetDecoder {
 public:
  CharsetDecoder() = default;  // default repertoire (no Specific Character Set)
  explicit CharsetDecoder(std::string_view specific_character_set);

  // Terms that are not known, comma-separated (empty if all are known).
  const std::string& unknown_terms() const { return unknown_; }
  // Appends the UTF-8 form of `raw` to `out`; false if some bytes were not valid (replaced).
  bool Decode(std::string_view raw, bool person_name, std::string* out) const;

 private:
  enum class Mode : uint8_t { kDefault, kUtf8, kIso2022, kWhole };
  bool DecodeIso2022(std::string_view raw, bool person_name, std::string* out) const;

  Mode mode_ = Mode::kDefault;
  bool code_extensions_ = false;
  CodeState initial_;
  const char* whole_iconv_ = nullptr;  // GB18030 / GBK
  std::string unknown_;
};

// Values outside the scope of Specific Character Set (AE, CS, DA, UI, ...): ASCII; other bytes
// are taken as ISO 8859-1. Returns false if there were non-ASCII bytes.
bool DecodeDefaultRepertoire(std::string_view raw, std::string* out);
// Copies `s`, replacing invalid UTF-8 with U+FFFD; false if there was any.
bool AppendValidUtf8(std::string_view s, std::string* out);
bool IsValidUtf8(std::string_view s);
void AppendUtf8(uint32_t code_point, std::string* out);

}  // namespace dokuei::dicom::internal
