// libFuzzer target for the ingest parser and everything behind it: ParsePart10, ParseDataset
// of the same bytes minus the 132-byte preamble in several transfer syntaxes, frame extraction
// and decoding (with frames located from the header by LocateNativeFrames checked against
// ExtractFrame), rendering and transcoding of accepted objects, and the character set decoders.
// Built as dicom_parse_fuzz when DOKUEI_FUZZ=ON.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "dokuei/dicom/charset.h"
#include "dokuei/dicom/parse.h"
#include "dokuei/dicom/pixels.h"

namespace {

constexpr const char* kSyntaxes[] = {
    "1.2.840.10008.1.2",      "1.2.840.10008.1.2.1",     "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.4.50",  "1.2.840.10008.1.2.5",
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.201",
};

constexpr const char* kCharsets[] = {
    "",
    "ISO_IR 100",
    "ISO_IR 192",
    "GB18030",
    "ISO 2022 IR 13\\ISO 2022 IR 87",
    "\\ISO 2022 IR 87\\ISO 2022 IR 159",
    "\\ISO 2022 IR 149",
    "ISO_IR 13",
    "ISO_IR 144",
    "\\ISO 2022 IR 58\\ISO 2022 IR 100",
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // DCMTK warns on stderr about the oddities the fuzzer creates; keep the output readable.
  OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dokuei::dicom;
  const std::span<const uint8_t> in(data, size);
  Limits limits;
  limits.max_object_bytes = 64u << 20;  // keeps deflate bombs cheap under the fuzzer

  auto parsed = ParsePart10(in, limits);
  if (size > 132) {
    const auto dataset = in.subspan(132);
    for (const char* ts : kSyntaxes) (void)ParseDataset(dataset, ts, limits);
  }
  // Frames located from the header alone are exactly ExtractFrame's, and refused where it fails.
  auto native = LocateNativeFrames(
      [in](uint64_t offset, std::span<uint8_t> dst) -> dokuei::base::Result<size_t> {
        if (offset >= in.size()) return size_t{0};
        const size_t n = dst.size() < in.size() - offset ? dst.size() : in.size() - offset;
        std::memcpy(dst.data(), in.data() + offset, n);
        return n;
      },
      in.size());
  if (!native.ok()) {
    if (ExtractFrame(in, 1, false).ok()) __builtin_trap();
  } else if (native->has_value()) {
    const NativeFrames& nf = **native;
    for (uint32_t n : {1u, nf.number_of_frames}) {
      auto f = ExtractFrame(in, n, false);
      if (!f.ok() || f->bytes.size() != nf.frame_bytes ||
          std::memcmp(f->bytes.data(), in.data() + nf.FrameOffset(n), f->bytes.size()) != 0) {
        __builtin_trap();
      }
    }
  }
  if (parsed.ok() && parsed->pixel.present) {
    const uint64_t pixels = static_cast<uint64_t>(parsed->pixel.rows) * parsed->pixel.columns;
    (void)ExtractFrame(in, 1, false);
    if (pixels <= (1u << 20)) {
      (void)ExtractFrame(in, 1, true);
      (void)ExtractFrame(in, parsed->pixel.number_of_frames, true);
      RenderOptions options;
      options.max_width = 64;
      options.max_height = 64;
      (void)Render(in, options);
      options.format = RenderOptions::Format::kPng;
      options.window_center = 40;
      options.window_width = 400;
      (void)Render(in, options);
      if (parsed->pixel.number_of_frames <= 4) (void)Transcode(in, "1.2.840.10008.1.2.1");
    }
  }
  // Character sets: the first byte picks one, the next bytes are a value.
  if (size >= 1) {
    const char* scs = kCharsets[data[0] % (sizeof kCharsets / sizeof kCharsets[0])];
    const std::string_view value(reinterpret_cast<const char*>(data + 1),
                                 size - 1 < 256 ? size - 1 : 256);
    auto utf8 = DecodeToUtf8(value, scs, (data[0] & 0x80) != 0);
    if (utf8.ok()) (void)EncodeFromUtf8(*utf8, scs, (data[0] & 0x80) != 0);
    (void)EncodeFromUtf8(value, scs, true);
  }
  return 0;
}
