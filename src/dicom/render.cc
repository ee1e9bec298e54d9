// Render: decoded frame -> modality LUT (Rescale Slope/Intercept) -> VOI window (request, object,
// or min/max) -> 8 bits (MONOCHROME1 inverted; RGB/YBR to RGB) -> optional box-filter downscale
// -> JPEG (libturbojpeg) or PNG (libpng).
#include <png.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "dictionary.h"
#include "dokuei/base/strings.h"
#include "dokuei/dicom/attribute.h"
#include "dokuei/dicom/pixels.h"
#include "frames.h"

namespace dokuei::dicom {
namespace {

using internal::DecodedObject;
using internal::Element;
using internal::Walk;

constexpr uint32_t kWindowCenter = Tag(0x0028, 0x1050);
constexpr uint32_t kWindowWidth = Tag(0x0028, 0x1051);
constexpr uint32_t kRescaleIntercept = Tag(0x0028, 0x1052);
constexpr uint32_t kRescaleSlope = Tag(0x0028, 0x1053);
constexpr uint32_t kVoiLutFunction = Tag(0x0028, 0x1056);
constexpr uint32_t kSharedFunctionalGroups = Tag(0x5200, 0x9229);
constexpr uint32_t kPerFrameFunctionalGroups = Tag(0x5200, 0x9230);
constexpr uint32_t kFrameVoiLutSequence = Tag(0x0028, 0x9132);
constexpr uint32_t kPixelValueTransformationSequence = Tag(0x0028, 0x9145);

struct Image {
  uint32_t width = 0, height = 0;
  int channels = 1;
  std::vector<uint8_t> pixels;
};

std::optional<double> FirstDecimal(const Walk& w, const std::vector<Element>& els, uint32_t tag) {
  auto s = internal::FindString(w, els, tag);
  if (!s) return std::nullopt;
  return internal::ParseDecimalString(base::Split(*s, '\\')[0]);
}

// Value of `tag` for frame `index`: per-frame functional group, shared functional group (inside
// macro sequence `macro`), then the top level.
std::optional<double> FrameDecimal(const Walk& w, uint32_t index, uint32_t macro, uint32_t tag) {
  for (uint32_t group : {kPerFrameFunctionalGroups, kSharedFunctionalGroups}) {
    const Element* g = internal::FindElement(w.elements, group);
    if (g == nullptr || g->items.empty()) continue;
    const size_t item = group == kPerFrameFunctionalGroups ? index : 0;
    if (item >= g->items.size()) continue;
    const Element* m = internal::FindElement(g->items[item].elements, macro);
    if (m == nullptr || m->items.empty()) continue;
    if (auto v = FirstDecimal(w, m->items[0].elements, tag)) return v;
  }
  return FirstDecimal(w, w.elements, tag);
}

std::string FrameString(const Walk& w, uint32_t index, uint32_t macro, uint32_t tag) {
  for (uint32_t group : {kPerFrameFunctionalGroups, kSharedFunctionalGroups}) {
    const Element* g = internal::FindElement(w.elements, group);
    const size_t item = group == kPerFrameFunctionalGroups ? index : 0;
    if (g == nullptr || item >= g->items.size()) continue;
    const Element* m = internal::FindElement(g->items[item].elements, macro);
    if (m == nullptr || m->items.empty()) continue;
    if (auto v = internal::FindString(w, m->items[0].elements, tag)) return *v;
  }
  return internal::FindString(w, w.elements, tag).value_or("");
}

// Stored sample `i` of a native LE frame as an integer (masked to BitsStored, sign-extended).
class SampleReader {
 public:
  SampleReader(const std::string& bytes, const PixelInfo& px, uint16_t bits_allocated)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())),
        size_(bytes.size()),
        bits_(bits_allocated),
        stored_(px.bits_stored),
        signed_(px.pixel_representation == 1),
        shift_(px.high_bit + 1 >= px.bits_stored ? px.high_bit + 1 - px.bits_stored : 0) {}

  int64_t operator()(size_t i) const {
    uint64_t v = 0;
    switch (bits_) {
      case 1:
        v = (i / 8 < size_) ? (p_[i / 8] >> (i % 8)) & 1 : 0;
        return static_cast<int64_t>(v);
      case 8:
        v = i < size_ ? p_[i] : 0;
        break;
      case 16:
        v = 2 * i + 1 < size_ ? (p_[2 * i] | p_[2 * i + 1] << 8) : 0;
        break;
      default:
        if (4 * i + 3 < size_)
          v = uint64_t{p_[4 * i]} | uint64_t{p_[4 * i + 1]} << 8 | uint64_t{p_[4 * i + 2]} << 16 |
              uint64_t{p_[4 * i + 3]} << 24;
    }
    v >>= shift_;
    const uint64_t mask = stored_ >= 64 ? ~0ull : ((1ull << stored_) - 1);
    v &= mask;
    if (signed_ && stored_ < 64 && (v >> (stored_ - 1)) & 1) return static_cast<int64_t>(v | ~mask);
    return static_cast<int64_t>(v);
  }

 private:
  const uint8_t* p_;
  size_t size_;
  int bits_, stored_;
  bool signed_;
  int shift_;
};

base::Result<Image> RenderMonochrome(const DecodedObject& obj, const internal::DecodedFrame& f,
                                     uint32_t index, const RenderOptions& options) {
  const PixelInfo& px = obj.pixel;
  const Walk& w = obj.walk;
  if (f.bits_allocated > 32) {
    return base::Unsupported(
        "rendering BitsAllocated " + std::to_string(f.bits_allocated) + " is not supported",
        "BitsAllocated");
  }
  const size_t n = static_cast<size_t>(px.rows) * px.columns;
  const double slope =
      FrameDecimal(w, index, kPixelValueTransformationSequence, kRescaleSlope).value_or(1.0);
  const double intercept =
      FrameDecimal(w, index, kPixelValueTransformationSequence, kRescaleIntercept).value_or(0.0);
  SampleReader sample(f.bytes, px, f.bits_allocated);
  std::vector<float> values(n);
  float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
  for (size_t i = 0; i < n; ++i) {
    const float v = static_cast<float>(static_cast<double>(sample(i)) * slope + intercept);
    values[i] = v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  double center, width;
  if (options.window_center && options.window_width) {
    center = *options.window_center;
    width = *options.window_width;
  } else if (auto c = FrameDecimal(w, index, kFrameVoiLutSequence, kWindowCenter),
             wd = FrameDecimal(w, index, kFrameVoiLutSequence, kWindowWidth);
             c && wd && *wd > 0) {
    center = *c;
    width = *wd;
  } else {
    center = (static_cast<double>(lo) + hi) / 2;
    width = std::max(1.0, static_cast<double>(hi) - lo);
  }
  if (width < 1) width = 1;
  const std::string function =
      base::ToUpperAscii(FrameString(w, index, kFrameVoiLutSequence, kVoiLutFunction));
  const bool invert = px.photometric_interpretation == "MONOCHROME1";
  Image img;
  img.width = px.columns;
  img.height = px.rows;
  img.pixels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double x = values[i];
    double y;
    if (function == "SIGMOID") {
      y = 255.0 / (1.0 + std::exp(-4.0 * (x - center) / width));
    } else if (function == "LINEAR_EXACT") {
      y = x <= center - width / 2  ? 0
          : x > center + width / 2 ? 255
                                   : ((x - center) / width + 0.5) * 255;
    } else if (width <= 1) {
      y = x < center - 0.5 ? 0 : 255;
    } else {
      const double lower = center - 0.5 - (width - 1) / 2, upper = center - 0.5 + (width - 1) / 2;
      y = x <= lower ? 0 : x > upper ? 255 : ((x - (center - 0.5)) / (width - 1) + 0.5) * 255;
    }
    auto v = static_cast<uint8_t>(std::clamp(std::lround(y), 0L, 255L));
    img.pixels[i] = invert ? static_cast<uint8_t>(255 - v) : v;
  }
  return img;
}

uint8_t Clamp8(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

base::Result<Image> RenderColor(const DecodedObject& obj, const internal::DecodedFrame& f) {
  const PixelInfo& px = obj.pixel;
  const std::string& pi = f.photometric;
  if (pi == "PALETTE COLOR") {
    return base::Unsupported("rendering PALETTE COLOR images is not supported",
                             "PhotometricInterpretation");
  }
  if (px.samples_per_pixel != 3 || (f.bits_allocated != 8 && f.bits_allocated != 16)) {
    return base::Unsupported("rendering " + std::to_string(px.samples_per_pixel) +
                                 " samples per pixel with BitsAllocated " +
                                 std::to_string(f.bits_allocated) + " is not supported",
                             "SamplesPerPixel");
  }
  const size_t n = static_cast<size_t>(px.rows) * px.columns;
  const size_t bps = f.bits_allocated / 8;
  const int down = px.bits_stored > 8 ? px.bits_stored - 8 : 0;
  Image img;
  img.width = px.columns;
  img.height = px.rows;
  img.channels = 3;
  img.pixels.resize(n * 3);
  const auto* p = reinterpret_cast<const uint8_t*>(f.bytes.data());
  auto sample = [&](size_t index) -> int {
    if ((index + 1) * bps > f.bytes.size()) return 0;
    const int v = bps == 1 ? p[index] : (p[2 * index] | p[2 * index + 1] << 8);
    return v >> down;
  };
  if (pi == "YBR_FULL_422" || pi == "YBR_PARTIAL_422") {
    // Native 4:2:2: Y0 Y1 Cb Cr for each pair of pixels (PS3.3 C.7.6.3.1.2).
    const bool partial = pi == "YBR_PARTIAL_422";
    for (size_t i = 0; i < n; ++i) {
      const size_t pair = i / 2;
      double y = sample(pair * 4 + (i % 2)), cb = sample(pair * 4 + 2) - 128.0,
             cr = sample(pair * 4 + 3) - 128.0;
      if (partial) {
        y = (y - 16) * 255.0 / 219.0;
        cb *= 255.0 / 224.0;
        cr *= 255.0 / 224.0;
      }
      img.pixels[3 * i] = Clamp8(y + 1.402 * cr);
      img.pixels[3 * i + 1] = Clamp8(y - 0.344136 * cb - 0.714136 * cr);
      img.pixels[3 * i + 2] = Clamp8(y + 1.772 * cb);
    }
    return img;
  }
  const bool planar = f.planar_configuration == 1;
  const bool ybr = base::StartsWith(pi, "YBR");
  for (size_t i = 0; i < n; ++i) {
    int c[3];
    for (int k = 0; k < 3; ++k) c[k] = sample(planar ? k * n + i : 3 * i + k);
    if (ybr) {
      const double y = c[0], cb = c[1] - 128.0, cr = c[2] - 128.0;
      img.pixels[3 * i] = Clamp8(y + 1.402 * cr);
      img.pixels[3 * i + 1] = Clamp8(y - 0.344136 * cb - 0.714136 * cr);
      img.pixels[3 * i + 2] = Clamp8(y + 1.772 * cb);
    } else {
      for (int k = 0; k < 3; ++k) img.pixels[3 * i + k] = static_cast<uint8_t>(std::min(c[k], 255));
    }
  }
  return img;
}

// Area-averaging downscale so that the image fits max_width x max_height (never upscales).
Image Downscale(const Image& in, uint32_t max_width, uint32_t max_height) {
  const double sx = max_width ? static_cast<double>(max_width) / in.width : 1.0;
  const double sy = max_height ? static_cast<double>(max_height) / in.height : 1.0;
  const double s = std::min(sx, sy);
  if (s >= 1.0) return in;
  Image out;
  out.channels = in.channels;
  out.width = std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(in.width * s)));
  out.height = std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(in.height * s)));
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * out.channels);
  for (uint32_t oy = 0; oy < out.height; ++oy) {
    const uint32_t y0 = static_cast<uint32_t>(static_cast<uint64_t>(oy) * in.height / out.height);
    const uint32_t y1 = std::max(
        y0 + 1, static_cast<uint32_t>(static_cast<uint64_t>(oy + 1) * in.height / out.height));
    for (uint32_t ox = 0; ox < out.width; ++ox) {
      const uint32_t x0 = static_cast<uint32_t>(static_cast<uint64_t>(ox) * in.width / out.width);
      const uint32_t x1 = std::max(
          x0 + 1, static_cast<uint32_t>(static_cast<uint64_t>(ox + 1) * in.width / out.width));
      for (int c = 0; c < in.channels; ++c) {
        uint64_t sum = 0;
        for (uint32_t y = y0; y < y1; ++y)
          for (uint32_t x = x0; x < x1; ++x)
            sum += in.pixels[(static_cast<size_t>(y) * in.width + x) * in.channels + c];
        const uint64_t count = static_cast<uint64_t>(y1 - y0) * (x1 - x0);
        out.pixels[(static_cast<size_t>(oy) * out.width + ox) * out.channels + c] =
            static_cast<uint8_t>((sum + count / 2) / count);
      }
    }
  }
  return out;
}

base::Result<std::string> EncodeJpeg(const Image& img, int quality) {
  tjhandle handle = tjInitCompress();
  if (handle == nullptr) return base::Internal("tjInitCompress failed");
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(handle, img.pixels.data(), static_cast<int>(img.width), 0,
                             static_cast<int>(img.height), img.channels == 1 ? TJPF_GRAY : TJPF_RGB,
                             &jpeg, &size, img.channels == 1 ? TJSAMP_GRAY : TJSAMP_444,
                             std::clamp(quality, 1, 100), 0);
  std::string out;
  if (rc == 0) out.assign(reinterpret_cast<const char*>(jpeg), size);
  std::string error = rc == 0 ? "" : tjGetErrorStr2(handle);
  if (jpeg) tjFree(jpeg);
  tjDestroy(handle);
  if (rc != 0) return base::Internal("JPEG encoding failed: " + error);
  return out;
}

base::Result<std::string> EncodePng(const Image& img) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = img.width;
  png.height = img.height;
  png.format = img.channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, img.pixels.data(), 0, nullptr)) {
    return base::Internal(std::string("PNG encoding failed: ") + png.message);
  }
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&png, out.data(), &size, 0, img.pixels.data(), 0, nullptr)) {
    return base::Internal(std::string("PNG encoding failed: ") + png.message);
  }
  out.resize(size);
  png_image_free(&png);
  return out;
}

}  // namespace

base::Result<std::string> Render(std::span<const uint8_t> file, const RenderOptions& options) {
  internal::FileMeta meta;
  DecodedObject obj;
  DOKUEI_RETURN_IF_ERROR(internal::OpenPart10(file, &meta, &obj));
  if (!obj.pixel.present) return base::NotFound("the object has no Pixel Data");
  if (options.frame_number < 1 || options.frame_number > obj.pixel.number_of_frames) {
    return base::Status(base::Code::kNotFound,
                        "frame " + std::to_string(options.frame_number) +
                            " does not exist (the object has " +
                            std::to_string(obj.pixel.number_of_frames) + " frames)",
                        "frame");
  }
  if (options.window_width && *options.window_width <= 0) {
    return base::InvalidArgument("window width must be positive", "window");
  }
  const uint32_t index = options.frame_number - 1;
  DOKUEI_ASSIGN_OR_RETURN(internal::DecodedFrame frame, internal::DecodeFrame(obj, index));
  base::Result<Image> img = obj.pixel.samples_per_pixel == 1
                                ? RenderMonochrome(obj, frame, index, options)
                                : RenderColor(obj, frame);
  if (!img.ok()) return img.status();
  Image scaled = Downscale(*img, options.max_width, options.max_height);
  return options.format == RenderOptions::Format::kPng ? EncodePng(scaled)
                                                       : EncodeJpeg(scaled, options.jpeg_quality);
}

}  // namespace dokuei::dicom
