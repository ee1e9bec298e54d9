// Helpers shared by the dicom module's tests: test data access and a tiny DICOM byte builder for
// hostile inputs. Header-only; used only by *_test.cc and *_fuzz.cc.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dokuei::dicom::testutil {

inline std::filesystem::path TestData() {
  const char* d = std::getenv("DOKUEI_TESTDATA");
  return d ? std::filesystem::path(d) : std::filesystem::path("../shared/testdata");
}

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Byte builder for little-endian encodings.
class Builder {
 public:
  explicit Builder(bool explicit_vr = true) : explicit_(explicit_vr) {}
  Builder& U16(uint16_t v) {
    out_.push_back(static_cast<char>(v & 0xFF));
    out_.push_back(static_cast<char>(v >> 8));
    return *this;
  }
  Builder& U32(uint32_t v) {
    U16(static_cast<uint16_t>(v & 0xFFFF));
    return U16(static_cast<uint16_t>(v >> 16));
  }
  Builder& Raw(std::string_view s) {
    out_ += s;
    return *this;
  }
  // Element header with an explicit length (may lie); value bytes are appended separately.
  Builder& Header(uint16_t g, uint16_t e, std::string_view vr, uint32_t length) {
    U16(g).U16(e);
    if (!explicit_) return U32(length);
    out_ += vr;
    if (vr == "OB" || vr == "OW" || vr == "SQ" || vr == "UN" || vr == "UT" || vr == "UC" ||
        vr == "UR" || vr == "OD" || vr == "OF" || vr == "OL" || vr == "OV" || vr == "SV" ||
        vr == "UV") {
      U16(0);
      return U32(length);
    }
    return U16(static_cast<uint16_t>(length));
  }
  // Element with a correctly padded value.
  Builder& Str(uint16_t g, uint16_t e, std::string_view vr, std::string_view value,
               char pad = ' ') {
    std::string v(value);
    if (v.size() & 1) v.push_back(vr == "UI" ? '\0' : pad);
    Header(g, e, vr, static_cast<uint32_t>(v.size()));
    out_ += v;
    return *this;
  }
  Builder& US(uint16_t g, uint16_t e, uint16_t v) {
    Header(g, e, "US", 2);
    return U16(v);
  }
  Builder& Item(uint32_t length) { return U16(0xFFFE).U16(0xE000).U32(length); }
  Builder& ItemEnd() { return U16(0xFFFE).U16(0xE00D).U32(0); }
  Builder& SeqEnd() { return U16(0xFFFE).U16(0xE0DD).U32(0); }
  const std::string& str() const { return out_; }
  std::string& mutable_str() { return out_; }

 private:
  bool explicit_;
  std::string out_;
};

// A minimal valid image data set (explicit VR LE unless told) with the four UIDs.
inline Builder MinimalImage(uint16_t rows = 2, uint16_t cols = 2, bool explicit_vr = true,
                            std::string_view sop_instance = "1.2.3.4.5") {
  Builder b(explicit_vr);
  b.Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
      .Str(0x0008, 0x0018, "UI", sop_instance)
      .Str(0x0008, 0x0060, "CS", "OT")
      .Str(0x0010, 0x0010, "PN", "Doe^John")
      .Str(0x0020, 0x000D, "UI", "1.2.3.4")
      .Str(0x0020, 0x000E, "UI", "1.2.3.4.1")
      .US(0x0028, 0x0002, 1)
      .Str(0x0028, 0x0004, "CS", "MONOCHROME2")
      .US(0x0028, 0x0010, rows)
      .US(0x0028, 0x0011, cols)
      .US(0x0028, 0x0100, 8)
      .US(0x0028, 0x0101, 8)
      .US(0x0028, 0x0102, 7)
      .US(0x0028, 0x0103, 0);
  return b;
}

}  // namespace dokuei::dicom::testutil
