// LocateNativeFrames: where the frames of a native little-endian object are, from its header.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "dokuei/base/strings.h"
#include "dokuei/dicom/attribute.h"
#include "dokuei/dicom/pixels.h"
#include "frames.h"
#include "object.h"

namespace dokuei::dicom {
namespace {

constexpr uint64_t kFirstRead = 16 * 1024;
constexpr uint64_t kMaxHeaderRead = 16ull << 20;
constexpr uint64_t kMaxTailBytes = 64 * 1024;   // elements after the Pixel Data
constexpr uint64_t kMetaGroupStart = 132 + 12;  // preamble, "DICM", (0002,0000) UL element

// The beginning of the object, read on demand.
class Prefix {
 public:
  Prefix(const ReadAt& read, uint64_t file_size) : read_(read), file_size_(file_size) {}

  // Makes the first min(n, file size) bytes available.
  base::Status Grow(uint64_t n) {
    n = std::min(n, file_size_);
    if (n <= size_) return base::Status::Ok();
    auto bigger = std::make_unique_for_overwrite<uint8_t[]>(static_cast<size_t>(n));
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), static_cast<size_t>(size_));
    data_ = std::move(bigger);
    while (size_ < n) {
      DOKUEI_ASSIGN_OR_RETURN(size_t got,
                              read_(size_, {data_.get() + size_, static_cast<size_t>(n - size_)}));
      if (got == 0) {
        return base::DataLoss("the object ends at byte " + std::to_string(size_) + " of " +
                              std::to_string(file_size_));
      }
      size_ += got;
    }
    return base::Status::Ok();
  }

  std::span<const uint8_t> bytes() const { return {data_.get(), static_cast<size_t>(size_)}; }
  uint64_t size() const { return size_; }
  bool whole() const { return size_ == file_size_; }

 private:
  const ReadAt& read_;
  const uint64_t file_size_;
  std::unique_ptr<uint8_t[]> data_;
  uint64_t size_ = 0;
};

bool IsNativeLittleEndian(const internal::TransferSyntax& ts) {
  return ts.known && ts.codec == internal::Codec::kNative && !ts.big_endian && !ts.deflated &&
         !ts.encapsulated;
}

// Whether the elements after the Pixel Data (file bytes [from, file_size)) are ones the full walk
// accepts and that cannot change the frames: a well-formed, small tail (e.g. Data Set Trailing
// Padding) of elements whose tags all sort after Pixel Data and are not in the header.
base::Result<bool> HarmlessTail(const ReadAt& read, const Prefix& prefix, uint64_t from,
                                uint64_t file_size, const Limits& limits,
                                const internal::DecodedObject& header) {
  const uint64_t size = file_size - from;
  if (size > kMaxTailBytes) return false;
  std::vector<uint8_t> owned;
  std::span<const uint8_t> tail;
  if (prefix.size() >= file_size) {
    tail = prefix.bytes().subspan(static_cast<size_t>(from));
  } else {
    owned.resize(static_cast<size_t>(size));
    size_t done = 0;
    while (done < owned.size()) {
      DOKUEI_ASSIGN_OR_RETURN(size_t got,
                              read(from + done, {owned.data() + done, owned.size() - done}));
      if (got == 0) return base::DataLoss("the object ends at byte " + std::to_string(from + done));
      done += got;
    }
    tail = owned;
  }
  internal::WalkOptions options;
  options.encoding = header.walk.encoding;
  internal::Walk walk;
  if (!internal::WalkDataset(tail, options, limits, &walk).ok()) return false;
  if (header.walk.nodes + walk.nodes > limits.max_elements) return false;
  for (const internal::Element& e : walk.elements) {
    if (e.tag <= tags::kPixelData || internal::FindElement(header.walk.elements, e.tag) != nullptr)
      return false;
  }
  return true;
}

// A case for ExtractFrame.
base::Result<std::optional<NativeFrames>> NotSimple() { return std::optional<NativeFrames>(); }

}  // namespace

base::Result<std::optional<NativeFrames>> LocateNativeFrames(const ReadAt& read,
                                                             uint64_t file_size) {
  Prefix prefix(read, file_size);
  DOKUEI_RETURN_IF_ERROR(prefix.Grow(kFirstRead));
  // The whole meta group and the 4 bytes after it, so that ReadFileMeta sees what it would see in
  // the whole file.
  if (prefix.size() >= kMetaGroupStart) {
    const uint8_t* p = prefix.bytes().data() + kMetaGroupStart - 4;
    const uint64_t group_length =
        uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
    const uint64_t need = kMetaGroupStart + group_length + 4;
    if (need > kMaxHeaderRead) return NotSimple();
    DOKUEI_RETURN_IF_ERROR(prefix.Grow(need));
  }
  DOKUEI_ASSIGN_OR_RETURN(internal::FileMeta meta, internal::ReadFileMeta(prefix.bytes()));
  if (!meta.has_transfer_syntax) return NotSimple();
  const internal::TransferSyntax* ts =
      internal::FindTransferSyntax(base::Trim(meta.transfer_syntax_uid));
  if (ts == nullptr || !IsNativeLittleEndian(*ts)) return NotSimple();

  // Walk the data set up to its Pixel Data; a header that does not fit in the prefix makes it
  // grow (x4), since the walk cannot tell a short prefix from a truncated element.
  const Limits limits;  // ExtractFrame's
  const uint64_t dataset_size = file_size - meta.dataset_offset;
  internal::DecodedObject obj;
  while (true) {
    obj = internal::DecodedObject{};
    DOKUEI_ASSIGN_OR_RETURN(
        bool reached,
        internal::OpenDatasetHeader(prefix.bytes().subspan(meta.dataset_offset), dataset_size,
                                    meta.transfer_syntax_uid, limits, &obj));
    if (reached) break;
    if (prefix.whole()) return NotSimple();  // no Pixel Data (ExtractFrame says so)
    if (prefix.size() >= kMaxHeaderRead) return NotSimple();
    DOKUEI_RETURN_IF_ERROR(prefix.Grow(std::min(prefix.size() * 4, kMaxHeaderRead)));
  }
  const internal::Element* pd = internal::FindElement(obj.walk.elements, tags::kPixelData);
  if (pd == nullptr) return NotSimple();
  if (pd->end != dataset_size) {
    DOKUEI_ASSIGN_OR_RETURN(bool harmless, HarmlessTail(read, prefix, meta.dataset_offset + pd->end,
                                                        file_size, limits, obj));
    if (!harmless) return NotSimple();
  }
  DOKUEI_RETURN_IF_ERROR(internal::ValidatePixelData(limits, &obj));
  const PixelInfo& px = obj.pixel;
  if (px.bits_allocated % 8 != 0) return NotSimple();  // frames may not end on a byte
  const uint64_t frame_bytes =
      uint64_t{px.rows} * px.columns * px.samples_per_pixel * (px.bits_allocated / 8);
  if (frame_bytes > internal::kMaxDecodedFrameBytes) {
    return base::PayloadTooLarge("frame is too large", "PixelData");
  }
  NativeFrames out;
  out.pixel_data_offset = meta.dataset_offset + pd->offset;
  out.frame_bytes = frame_bytes;
  out.number_of_frames = px.number_of_frames;
  return std::optional<NativeFrames>(out);
}

}  // namespace dokuei::dicom
