#include "object.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "dictionary.h"
#include "dokuei/base/strings.h"
#include "dokuei/dicom/attribute.h"

namespace dokuei::dicom::internal {
namespace {

constexpr uint32_t kGroupLength = Tag(0x0002, 0x0000);
constexpr uint32_t kMediaStorageSopClass = Tag(0x0002, 0x0002);
constexpr uint32_t kMediaStorageSopInstance = Tag(0x0002, 0x0003);
constexpr uint32_t kTransferSyntax = Tag(0x0002, 0x0010);
constexpr uint32_t kSourceAe = Tag(0x0002, 0x0016);

constexpr uint32_t kBitsStored = Tag(0x0028, 0x0101);
constexpr uint32_t kHighBit = Tag(0x0028, 0x0102);
constexpr uint32_t kPixelRepresentation = Tag(0x0028, 0x0103);
constexpr uint32_t kPlanarConfiguration = Tag(0x0028, 0x0006);

std::string MetaString(const Walk& w, uint32_t tag, bool* present) {
  const Element* e = FindElement(w.elements, tag);
  *present = e != nullptr;
  if (e == nullptr || e->undefined_length) return "";
  return std::string(TrimPadding(ValueBytes(w, *e), e->vr));
}

base::Status PixelError(std::string message, uint32_t tag) {
  return base::InvalidArgument(std::move(message), KeywordOrTag(tag));
}

// The transfer syntax and the size limit (the start of OpenDataset and OpenDatasetHeader).
base::Status StartOpen(uint64_t size, std::string_view ts_uid, const Limits& limits,
                       DecodedObject* out) {
  out->ts_uid = std::string(base::Trim(ts_uid));
  out->ts = FindTransferSyntax(out->ts_uid);
  if (out->ts == nullptr) {
    return base::Unsupported("transfer syntax '" + Printable(out->ts_uid) + "' is not supported",
                             "TransferSyntaxUID");
  }
  if (size > limits.max_object_bytes) {
    return base::PayloadTooLarge("data set of " + std::to_string(size) +
                                 " bytes exceeds the limit of " +
                                 std::to_string(limits.max_object_bytes));
  }
  return base::Status::Ok();
}

}  // namespace

base::Status ValidatePixelData(const Limits& limits, DecodedObject* obj) {
  const Walk& w = obj->walk;
  const std::vector<Element>& top = w.elements;
  PixelInfo& px = obj->pixel;
  uint32_t frames = 1;
  if (const Element* nf = FindElement(top, tags::kNumberOfFrames)) {
    std::string_view raw = nf->undefined_length ? "" : ValueBytes(w, *nf);
    std::string_view text = TrimPadding(raw, vr::kIS);
    if (text.empty()) {
      obj->walk.warnings.push_back("NumberOfFrames is empty; 1 assumed");
    } else {
      std::optional<int64_t> v = ParseIntegerString(text);
      if (!v) {
        return PixelError("NumberOfFrames '" + Printable(text) + "' is not a valid IS value",
                          tags::kNumberOfFrames);
      }
      if (*v < 1) {
        return PixelError("NumberOfFrames is " + std::to_string(*v) + "; it must be at least 1",
                          tags::kNumberOfFrames);
      }
      if (static_cast<uint64_t>(*v) > limits.max_frames) {
        return base::PayloadTooLarge("NumberOfFrames " + std::to_string(*v) +
                                         " exceeds the limit of " +
                                         std::to_string(limits.max_frames),
                                     "NumberOfFrames");
      }
      frames = static_cast<uint32_t>(*v);
    }
  }
  obj->pixel_data = FindElement(top, tags::kPixelData);
  if (obj->pixel_data == nullptr) return base::Status::Ok();
  const Element& pd = *obj->pixel_data;

  auto required = [&](uint32_t tag, uint16_t* out) -> base::Status {
    std::optional<uint32_t> v = FindUnsigned(w, top, tag);
    if (!v) {
      return PixelError(KeywordOrTag(tag) + " is missing or empty; it is required with Pixel Data",
                        tag);
    }
    *out = static_cast<uint16_t>(*v);
    return base::Status::Ok();
  };
  DOKUEI_RETURN_IF_ERROR(required(tags::kRows, &px.rows));
  DOKUEI_RETURN_IF_ERROR(required(tags::kColumns, &px.columns));
  DOKUEI_RETURN_IF_ERROR(required(tags::kBitsAllocated, &px.bits_allocated));
  DOKUEI_RETURN_IF_ERROR(required(tags::kSamplesPerPixel, &px.samples_per_pixel));
  if (px.rows == 0) return PixelError("Rows is 0", tags::kRows);
  if (px.columns == 0) return PixelError("Columns is 0", tags::kColumns);
  if (px.bits_allocated == 0 || px.bits_allocated > 64 ||
      (px.bits_allocated != 1 && px.bits_allocated % 8 != 0)) {
    return PixelError("BitsAllocated " + std::to_string(px.bits_allocated) +
                          " is not 1 or a multiple of 8 up to 64",
                      tags::kBitsAllocated);
  }
  if (px.samples_per_pixel == 0 || px.samples_per_pixel > 4) {
    return PixelError(
        "SamplesPerPixel " + std::to_string(px.samples_per_pixel) + " is not between 1 and 4",
        tags::kSamplesPerPixel);
  }
  std::optional<uint32_t> bits_stored = FindUnsigned(w, top, kBitsStored);
  px.bits_stored = bits_stored ? static_cast<uint16_t>(*bits_stored) : px.bits_allocated;
  if (!bits_stored) obj->walk.warnings.push_back("BitsStored is missing; BitsAllocated assumed");
  if (px.bits_stored == 0 || px.bits_stored > px.bits_allocated) {
    return PixelError(
        "BitsStored " + std::to_string(px.bits_stored) + " is not between 1 and BitsAllocated",
        kBitsStored);
  }
  std::optional<uint32_t> high_bit = FindUnsigned(w, top, kHighBit);
  px.high_bit = high_bit ? static_cast<uint16_t>(*high_bit) : px.bits_stored - 1;
  if (px.high_bit >= px.bits_allocated) {
    return PixelError("HighBit " + std::to_string(px.high_bit) + " is not below BitsAllocated",
                      kHighBit);
  }
  px.pixel_representation =
      static_cast<uint16_t>(FindUnsigned(w, top, kPixelRepresentation).value_or(0));
  px.planar_configuration =
      static_cast<uint16_t>(FindUnsigned(w, top, kPlanarConfiguration).value_or(0));
  px.photometric_interpretation = FindString(w, top, tags::kPhotometricInterpretation).value_or("");
  if (px.photometric_interpretation.empty()) {
    obj->walk.warnings.push_back("PhotometricInterpretation is missing");
  }
  px.number_of_frames = frames;
  px.present = true;
  px.encapsulated = pd.encapsulated;

  if (!pd.encapsulated) {
    if (obj->ts->encapsulated) {
      return PixelError(
          "Pixel Data must be encapsulated in transfer syntax " + std::string(obj->ts->name),
          tags::kPixelData);
    }
    const unsigned __int128 bits = static_cast<unsigned __int128>(px.rows) * px.columns *
                                   px.samples_per_pixel * px.bits_allocated * frames;
    const unsigned __int128 needed = (bits + 7) / 8;
    if (needed > pd.length) {
      const uint64_t shown = needed > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(needed);
      return PixelError("Pixel Data has " + std::to_string(pd.length) +
                            " bytes but Rows x Columns x SamplesPerPixel x BitsAllocated/8 x "
                            "NumberOfFrames needs " +
                            std::to_string(shown),
                        tags::kPixelData);
    }
    if (pd.length > needed + 1) {
      obj->walk.warnings.push_back("Pixel Data has " +
                                   std::to_string(pd.length - static_cast<uint64_t>(needed)) +
                                   " bytes more than the image needs");
    }
  } else {
    const size_t fragments = pd.fragments.size() - 1;
    if (fragments == 0)
      return PixelError("encapsulated Pixel Data has no fragments", tags::kPixelData);
    if (fragments < frames) {
      return PixelError("encapsulated Pixel Data has " + std::to_string(fragments) +
                            " fragments for " + std::to_string(frames) +
                            " frames; each frame needs at least one",
                        tags::kPixelData);
    }
    if (pd.fragments[0].length % 4 != 0) {
      obj->walk.warnings.push_back("Basic Offset Table length is not a multiple of 4; ignored");
    }
  }
  return base::Status::Ok();
}

base::Result<FileMeta> ReadFileMeta(std::span<const uint8_t> file) {
  if (file.size() < 132 || std::memcmp(file.data() + 128, "DICM", 4) != 0) {
    return base::InvalidArgument("not a DICOM Part 10 file");
  }
  const uint8_t* p = file.data() + 132;
  const uint64_t left = file.size() - 132;
  if (left < 12) return base::InvalidArgument("File Meta Information is truncated");
  const uint32_t first =
      Tag(static_cast<uint16_t>(p[0] | p[1] << 8), static_cast<uint16_t>(p[2] | p[3] << 8));
  if (first != kGroupLength || p[4] != 'U' || p[5] != 'L' || (p[6] | p[7] << 8) != 4) {
    return base::InvalidArgument(
        "File Meta Information Group Length (0002,0000) is missing; it must be the first element "
        "after DICM",
        "FileMetaInformationGroupLength");
  }
  const uint32_t group_length =
      static_cast<uint32_t>(p[8] | p[9] << 8 | p[10] << 16) | static_cast<uint32_t>(p[11]) << 24;
  if (group_length > left - 12) {
    return base::InvalidArgument("File Meta Information Group Length " +
                                     std::to_string(group_length) + " exceeds the file size",
                                 "FileMetaInformationGroupLength");
  }
  const uint64_t meta_end = 132 + 12 + static_cast<uint64_t>(group_length);
  Walk walk;
  Limits meta_limits;
  meta_limits.max_depth = 0;
  meta_limits.max_elements = 1000;
  meta_limits.max_element_bytes = 1u << 16;
  base::Status walked =
      WalkDataset(file.subspan(132 + 12, group_length), WalkOptions{}, meta_limits, &walk);
  if (!walked.ok()) {
    if (walked.field().empty()) {
      // The group ends inside an element: the group length is wrong.
      return base::InvalidArgument("File Meta Information Group Length " +
                                       std::to_string(group_length) +
                                       " does not end on an element boundary: " + walked.message(),
                                   "FileMetaInformationGroupLength");
    }
    return walked.WithContext("File Meta Information");
  }
  for (const Element& e : walk.elements) {
    if (GroupOf(e.tag) != 0x0002) {
      return base::InvalidArgument(
          "File Meta Information Group Length " + std::to_string(group_length) +
              " does not match the meta elements: it covers " + KeywordOrTag(e.tag),
          "FileMetaInformationGroupLength");
    }
  }
  if (file.size() - meta_end >= 4) {
    const uint8_t* q = file.data() + meta_end;
    if ((q[0] | q[1] << 8) == 0x0002) {
      return base::InvalidArgument("File Meta Information Group Length " +
                                       std::to_string(group_length) +
                                       " ends before the last meta element",
                                   "FileMetaInformationGroupLength");
    }
  }
  FileMeta meta;
  meta.dataset_offset = meta_end;
  meta.transfer_syntax_uid = MetaString(walk, kTransferSyntax, &meta.has_transfer_syntax);
  meta.media_storage_sop_class_uid = MetaString(walk, kMediaStorageSopClass, &meta.has_sop_class);
  meta.media_storage_sop_instance_uid =
      MetaString(walk, kMediaStorageSopInstance, &meta.has_sop_instance);
  bool has_ae = false;
  meta.source_ae_title = MetaString(walk, kSourceAe, &has_ae);
  return meta;
}

base::Status OpenDataset(std::span<const uint8_t> dataset, std::string_view ts_uid,
                         const Limits& limits, DecodedObject* out) {
  DOKUEI_RETURN_IF_ERROR(StartOpen(dataset.size(), ts_uid, limits, out));
  std::span<const uint8_t> bytes = dataset;
  if (out->ts->deflated) {
    DOKUEI_ASSIGN_OR_RETURN(out->walk.inflated, InflateCapped(dataset, limits.max_object_bytes));
    bytes = std::span<const uint8_t>(out->walk.inflated);
  }
  WalkOptions options;
  options.encoding = Encoding{out->ts->explicit_vr, out->ts->big_endian};
  options.encapsulated_syntax = out->ts->encapsulated;
  DOKUEI_RETURN_IF_ERROR(WalkDataset(bytes, options, limits, &out->walk));
  if (!out->ts->known) {
    out->walk.warnings.push_back("transfer syntax " + out->ts_uid +
                                 " is not known; parsed as encapsulated Explicit VR Little Endian");
  }
  return ValidatePixelData(limits, out);
}

base::Result<bool> OpenDatasetHeader(std::span<const uint8_t> prefix, uint64_t full_size,
                                     std::string_view ts_uid, const Limits& limits,
                                     DecodedObject* out) {
  DOKUEI_RETURN_IF_ERROR(StartOpen(full_size, ts_uid, limits, out));
  if (out->ts->deflated || out->ts->encapsulated || prefix.size() > full_size) {
    return base::Internal("header walk of a deflated or encapsulated data set");
  }
  WalkOptions options;
  options.encoding = Encoding{out->ts->explicit_vr, out->ts->big_endian};
  options.full_size = full_size;
  base::Status walked = WalkDataset(prefix, options, limits, &out->walk);
  if (!walked.ok()) {
    if (out->walk.stopped_at_pixel_data || prefix.size() == full_size) return walked;
    return false;  // possibly only because `prefix` ends inside an element
  }
  return out->walk.stopped_at_pixel_data;
}

std::string_view ValueBytes(const Walk& walk, const Element& e) {
  if (e.undefined_length || e.offset + e.length > walk.bytes.size()) return {};
  return std::string_view(reinterpret_cast<const char*>(walk.bytes.data() + e.offset),
                          static_cast<size_t>(e.length));
}

std::string_view TrimPadding(std::string_view raw, Vr v) {
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\0')) raw.remove_suffix(1);
  if (v != vr::kLT && v != vr::kST && v != vr::kUT) {
    while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
  }
  return raw;
}

std::optional<uint32_t> ReadUnsigned(const Walk& walk, const Element& e, size_t index) {
  std::string_view v = ValueBytes(walk, e);
  const auto* b = reinterpret_cast<const uint8_t*>(v.data());
  if (e.vr == vr::kUL || e.vr == vr::kSL) {
    if (v.size() < (index + 1) * 4) return std::nullopt;
    b += index * 4;
    return e.big_endian
               ? (uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3])
               : (uint32_t{b[3]} << 24 | uint32_t{b[2]} << 16 | uint32_t{b[1]} << 8 | b[0]);
  }
  if (e.vr == vr::kIS) {
    auto parts = base::Split(TrimPadding(v, vr::kIS), '\\');
    if (index >= parts.size()) return std::nullopt;
    auto n = ParseIntegerString(parts[index]);
    if (!n || *n < 0) return std::nullopt;
    return static_cast<uint32_t>(*n);
  }
  if (v.size() < (index + 1) * 2) return std::nullopt;
  b += index * 2;
  return e.big_endian ? (uint32_t{b[0]} << 8 | b[1]) : (uint32_t{b[1]} << 8 | b[0]);
}

std::optional<uint32_t> FindUnsigned(const Walk& walk, const std::vector<Element>& elements,
                                     uint32_t tag) {
  const Element* e = FindElement(elements, tag);
  if (e == nullptr || e->undefined_length) return std::nullopt;
  return ReadUnsigned(walk, *e);
}

std::optional<std::string> FindString(const Walk& walk, const std::vector<Element>& elements,
                                      uint32_t tag) {
  const Element* e = FindElement(elements, tag);
  if (e == nullptr) return std::nullopt;
  return std::string(TrimPadding(ValueBytes(walk, *e), e->vr));
}

std::optional<int64_t> ParseIntegerString(std::string_view s) {
  s = base::Trim(s);
  if (s.empty() || s.size() > 12) return std::nullopt;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  v = negative ? -v : v;
  if (v < -(int64_t{1} << 31) || v > (int64_t{1} << 31) - 1) return std::nullopt;
  return v;
}

std::optional<double> ParseDecimalString(std::string_view s) {
  s = base::Trim(s);
  if (s.empty() || s.size() > 16) return std::nullopt;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E'))
      return std::nullopt;
  }
  if (s[0] == '+') s.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string Printable(std::string_view s) {
  std::string out;
  const size_t n = std::min<size_t>(s.size(), 64);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<uint8_t>(s[i]);
    out.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  }
  if (s.size() > n) out += "...";
  return out;
}

}  // namespace dokuei::dicom::internal
