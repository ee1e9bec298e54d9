// Frame location (native offsets, Basic/Extended Offset Table, fragment assignment) and the
// public ExtractFrame.
#include "frames.h"

#include <algorithm>
#include <cstring>

#include "dictionary.h"
#include "dokuei/dicom/attribute.h"
#include "dokuei/dicom/pixels.h"

namespace dokuei::dicom::internal {
namespace {

constexpr uint32_t kExtendedOffsetTable = Tag(0x7FE0, 0x0001);
constexpr uint32_t kExtendedOffsetTableLengths = Tag(0x7FE0, 0x0002);

base::Status PixelError(std::string message) {
  return base::InvalidArgument(std::move(message), "PixelData");
}

uint64_t Le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Frames from a table of start offsets (relative to the first fragment item after the Basic
// Offset Table). Empty result if the table does not match the fragments.
std::vector<std::vector<size_t>> FromOffsets(const Element& pd, const std::vector<uint64_t>& starts,
                                             uint32_t frames) {
  std::vector<std::vector<size_t>> out;
  if (starts.size() != frames || pd.fragments.size() < 2 || starts[0] != 0) return out;
  const uint64_t base = pd.fragments[1].offset - 8;
  size_t frag = 1;
  for (uint32_t f = 0; f < frames; ++f) {
    if (f > 0 && starts[f] <= starts[f - 1]) return {};
    while (frag < pd.fragments.size() && pd.fragments[frag].offset - 8 - base < starts[f]) ++frag;
    if (frag >= pd.fragments.size() || pd.fragments[frag].offset - 8 - base != starts[f]) return {};
    out.emplace_back(std::vector<size_t>{frag});
  }
  // Extend each frame up to the next frame's first fragment.
  for (uint32_t f = 0; f < frames; ++f) {
    const size_t next = f + 1 < frames ? out[f + 1][0] : pd.fragments.size();
    for (size_t k = out[f][0] + 1; k < next; ++k) out[f].push_back(k);
  }
  return out;
}

bool StartsFrame(std::span<const uint8_t> bytes, const Fragment& f) {
  if (f.length < 2) return false;
  const uint8_t* p = bytes.data() + f.offset;
  return p[0] == 0xFF && (p[1] == 0xD8 || p[1] == 0x4F);  // JPEG/JPEG-LS SOI, JPEG 2000 SOC
}

bool EndsFrame(std::span<const uint8_t> bytes, const Fragment& f) {
  const uint8_t* p = bytes.data() + f.offset;
  uint64_t n = f.length;
  if (n >= 1 && p[n - 1] == 0x00) --n;
  return n >= 2 && p[n - 2] == 0xFF && p[n - 1] == 0xD9;
}

}  // namespace

base::Status OpenPart10(std::span<const uint8_t> file, FileMeta* meta, DecodedObject* obj) {
  DOKUEI_ASSIGN_OR_RETURN(*meta, ReadFileMeta(file));
  if (!meta->has_transfer_syntax || meta->transfer_syntax_uid.empty()) {
    return base::InvalidArgument("File Meta Information has no TransferSyntaxUID (0002,0010)",
                                 "TransferSyntaxUID");
  }
  return OpenDataset(file.subspan(meta->dataset_offset), meta->transfer_syntax_uid, Limits{}, obj);
}

base::Result<std::vector<std::vector<size_t>>> AssignFragments(const DecodedObject& obj) {
  const Element& pd = *obj.pixel_data;
  const uint32_t frames = obj.pixel.number_of_frames;
  const size_t n = pd.fragments.size() - 1;
  const auto bytes = obj.walk.bytes;

  const Element* eot = FindElement(obj.walk.elements, kExtendedOffsetTable);
  if (eot != nullptr && !eot->undefined_length && eot->length == 8ull * frames) {
    std::vector<uint64_t> starts;
    for (uint32_t f = 0; f < frames; ++f)
      starts.push_back(Le64(bytes.data() + eot->offset + 8 * f));
    auto out = FromOffsets(pd, starts, frames);
    if (!out.empty()) return out;
  }
  const Fragment& bot = pd.fragments[0];
  if (bot.length > 0 && bot.length == 4ull * frames) {
    std::vector<uint64_t> starts;
    const uint8_t* p = bytes.data() + bot.offset;
    for (uint32_t f = 0; f < frames; ++f) {
      starts.push_back(uint32_t{p[4 * f]} | uint32_t{p[4 * f + 1]} << 8 |
                       uint32_t{p[4 * f + 2]} << 16 | uint32_t{p[4 * f + 3]} << 24);
    }
    auto out = FromOffsets(pd, starts, frames);
    if (!out.empty()) return out;
  }
  std::vector<std::vector<size_t>> out;
  if (n == frames) {
    for (size_t k = 1; k <= n; ++k) out.push_back({k});
    return out;
  }
  if (frames == 1) {
    out.emplace_back();
    for (size_t k = 1; k <= n; ++k) out[0].push_back(k);
    return out;
  }
  // Several fragments per frame and no usable offset table: a frame starts at a fragment that
  // begins with a start-of-image / start-of-codestream marker.
  for (size_t k = 1; k <= n; ++k) {
    if (StartsFrame(bytes, pd.fragments[k]) || out.empty()) out.emplace_back();
    out.back().push_back(k);
  }
  if (out.size() == frames) return out;
  // Else a frame ends at a fragment whose data ends with an end-of-image / end-of-codestream
  // marker (FF D9, possibly followed by one padding byte).
  out.clear();
  out.emplace_back();
  for (size_t k = 1; k <= n; ++k) {
    out.back().push_back(k);
    if (EndsFrame(bytes, pd.fragments[k]) && k < n) out.emplace_back();
  }
  if (out.size() == frames) return out;
  return PixelError("cannot determine which of the " + std::to_string(n) +
                    " Pixel Data fragments belong to which of the " + std::to_string(frames) +
                    " frames (no usable offset table, no frame markers)");
}

uint64_t DecodedFrameBytes(const PixelInfo& px) {
  return static_cast<uint64_t>(px.rows) * px.columns * px.samples_per_pixel *
         ((px.bits_allocated + 7) / 8);
}

base::Result<std::string> StoredFrame(const DecodedObject& obj, uint32_t index,
                                      bool to_little_endian) {
  const PixelInfo& px = obj.pixel;
  const Element& pd = *obj.pixel_data;
  const auto bytes = obj.walk.bytes;
  if (pd.encapsulated) {
    DOKUEI_ASSIGN_OR_RETURN(auto frames, AssignFragments(obj));
    uint64_t total = 0;
    for (size_t k : frames[index]) total += pd.fragments[k].length;
    if (total > kMaxDecodedFrameBytes)
      return base::PayloadTooLarge("frame is too large", "PixelData");
    std::string out;
    out.reserve(static_cast<size_t>(total));
    for (size_t k : frames[index]) {
      const Fragment& f = pd.fragments[k];
      out.append(reinterpret_cast<const char*>(bytes.data() + f.offset), f.length);
    }
    // The Extended Offset Table Lengths give each frame's exact length (without padding).
    const Element* lengths = FindElement(obj.walk.elements, kExtendedOffsetTableLengths);
    if (lengths != nullptr && !lengths->undefined_length &&
        lengths->length == 8ull * px.number_of_frames &&
        FindElement(obj.walk.elements, kExtendedOffsetTable) != nullptr) {
      const uint64_t exact = Le64(bytes.data() + lengths->offset + 8ull * index);
      if (exact > 0 && exact <= out.size()) out.resize(static_cast<size_t>(exact));
    }
    return out;
  }
  const uint64_t frame_bits =
      static_cast<uint64_t>(px.rows) * px.columns * px.samples_per_pixel * px.bits_allocated;
  if (frame_bits / 8 > kMaxDecodedFrameBytes)
    return base::PayloadTooLarge("frame is too large", "PixelData");
  const uint8_t* base = bytes.data() + pd.offset;
  std::string out;
  if (frame_bits % 8 == 0) {
    const uint64_t size = frame_bits / 8;
    // OpenDataset checked frames x size <= pd.length.
    out.assign(reinterpret_cast<const char*>(base + size * index), static_cast<size_t>(size));
  } else {
    // BitsAllocated 1 with frames that do not end on a byte boundary: repack the bits.
    out.assign(static_cast<size_t>((frame_bits + 7) / 8), '\0');
    const uint64_t first = frame_bits * index;
    for (uint64_t b = 0; b < frame_bits; ++b) {
      const uint64_t src = first + b;
      if ((base[src / 8] >> (src % 8)) & 1)
        out[b / 8] = static_cast<char>(out[b / 8] | (1 << (b % 8)));
    }
  }
  const int unit = SwapUnit(pd.vr);
  if (to_little_endian && pd.big_endian && unit > 1) {
    for (size_t i = 0; i + unit <= out.size(); i += unit)
      std::reverse(out.begin() + i, out.begin() + i + unit);
  }
  return out;
}

base::Result<DecodedFrame> DecodeFrame(const DecodedObject& obj, uint32_t index) {
  const PixelInfo& px = obj.pixel;
  if (DecodedFrameBytes(px) > kMaxDecodedFrameBytes) {
    return base::PayloadTooLarge(
        "a decoded frame would have " + std::to_string(DecodedFrameBytes(px)) + " bytes",
        "PixelData");
  }
  DOKUEI_ASSIGN_OR_RETURN(std::string stored, StoredFrame(obj, index, true));
  if (!px.encapsulated || obj.ts->codec == Codec::kEncapsulatedNative) {
    if (px.encapsulated && stored.size() < DecodedFrameBytes(px)) {
      return PixelError("uncompressed frame has " + std::to_string(stored.size()) +
                        " bytes, fewer than the image needs");
    }
    DecodedFrame f;
    f.bytes = std::move(stored);
    f.photometric = px.photometric_interpretation;
    f.planar_configuration = px.planar_configuration;
    f.bits_allocated = px.bits_allocated;
    return f;
  }
  if (px.bits_allocated != 8 && px.bits_allocated != 16) {
    return base::Unsupported("decoding compressed frames with BitsAllocated " +
                                 std::to_string(px.bits_allocated) + " is not supported",
                             "BitsAllocated");
  }
  std::string_view data(stored);
  switch (obj.ts->codec) {
    case Codec::kRle:
      return DecodeRle(data, px);
    case Codec::kJpeg:
    case Codec::kJpegLs:
      return DecodeDcmtk(data, px, obj.ts_uid);
    case Codec::kJpeg2000:
    case Codec::kHtj2k:
      return DecodeOpenJpeg(data, px);
    case Codec::kOtherEncapsulated:
      if (data.size() >= 2 && static_cast<uint8_t>(data[0]) == 0xFF &&
          static_cast<uint8_t>(data[1]) == 0x4F)
        return DecodeOpenJpeg(data, px);
      break;
    default:
      break;
  }
  return base::Unsupported("decoding frames of transfer syntax " + obj.ts_uid + " is not supported",
                           "TransferSyntaxUID");
}

}  // namespace dokuei::dicom::internal

namespace dokuei::dicom {

base::Result<Frame> ExtractFrame(std::span<const uint8_t> file, uint32_t frame_number,
                                 bool decode) {
  internal::FileMeta meta;
  internal::DecodedObject obj;
  DOKUEI_RETURN_IF_ERROR(internal::OpenPart10(file, &meta, &obj));
  if (!obj.pixel.present) return base::NotFound("the object has no Pixel Data");
  if (frame_number < 1 || frame_number > obj.pixel.number_of_frames) {
    return base::Status(base::Code::kNotFound,
                        "frame " + std::to_string(frame_number) +
                            " does not exist (the object has " +
                            std::to_string(obj.pixel.number_of_frames) + " frames)",
                        "frame");
  }
  Frame out;
  if (decode) {
    DOKUEI_ASSIGN_OR_RETURN(internal::DecodedFrame f, internal::DecodeFrame(obj, frame_number - 1));
    out.bytes = std::move(f.bytes);
    out.transfer_syntax_uid = std::string(internal::kExplicitVrLittleEndian);
    out.photometric_interpretation = std::move(f.photometric);
    return out;
  }
  DOKUEI_ASSIGN_OR_RETURN(out.bytes, internal::StoredFrame(obj, frame_number - 1, false));
  // Native pixels of little-endian and deflated objects are Explicit VR Little Endian pixels.
  const bool native_le = !obj.pixel.encapsulated && !obj.ts->big_endian;
  out.transfer_syntax_uid = native_le ? std::string(internal::kExplicitVrLittleEndian) : obj.ts_uid;
  return out;
}

}  // namespace dokuei::dicom
