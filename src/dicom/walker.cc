#include "walker.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>

#include "dictionary.h"
#include "dokuei/dicom/attribute.h"

namespace dokuei::dicom::internal {
namespace {

constexpr uint32_t kItemTag = 0xFFFEE000;
constexpr uint32_t kItemDelimitationTag = 0xFFFEE00D;
constexpr uint32_t kSequenceDelimitationTag = 0xFFFEE0DD;
constexpr uint32_t kUndefinedLength = 0xFFFFFFFF;

std::string TagText(uint32_t tag) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "(%04X,%04X)", GroupOf(tag), ElementOf(tag));
  return buf;
}

// "(0010,0010) PatientName" / "(0009,1010)".
std::string Describe(uint32_t tag) {
  std::string kw = KeywordOrTag(tag);
  if (!kw.empty() && kw[0] == '(') return kw;
  return TagText(tag) + " " + kw;
}

std::string VrText(uint8_t a, uint8_t b) {
  auto printable = [](uint8_t c) { return c >= 0x20 && c < 0x7F; };
  char buf[16];
  if (printable(a) && printable(b))
    std::snprintf(buf, sizeof buf, "'%c%c'", a, b);
  else
    std::snprintf(buf, sizeof buf, "0x%02X%02X", a, b);
  return buf;
}

class Walker {
 public:
  Walker(std::span<const uint8_t> bytes, const WalkOptions& options, const Limits& limits,
         Walk* walk)
      : b_(bytes.data()), size_(bytes.size()), options_(options), limits_(limits), walk_(walk) {}

  base::Status Run() {
    uint64_t stop = 0;
    return ParseElements(0, size_, /*until_delimiter=*/false, options_.encoding, 0, 0,
                         &walk_->elements, &stop);
  }

 private:
  uint16_t R16(uint64_t p, bool be) const {
    return be ? static_cast<uint16_t>((b_[p] << 8) | b_[p + 1])
              : static_cast<uint16_t>(b_[p] | (b_[p + 1] << 8));
  }
  uint32_t R32(uint64_t p, bool be) const {
    return be ? (static_cast<uint32_t>(R16(p, true)) << 16) | R16(p + 2, true)
              : R16(p, false) | (static_cast<uint32_t>(R16(p + 2, false)) << 16);
  }

  base::Status Invalid(std::string message, uint32_t tag) const {
    return base::InvalidArgument(std::move(message), tag ? KeywordOrTag(tag) : std::string());
  }

  base::Status CountNode(uint32_t tag) {
    if (++walk_->nodes > limits_.max_elements) {
      return base::PayloadTooLarge("data set has more than " +
                                       std::to_string(limits_.max_elements) +
                                       " elements, items and fragments",
                                   tag ? KeywordOrTag(tag) : std::string());
    }
    return base::Status::Ok();
  }

  void WarnOnce(bool& flag, std::string message) {
    if (flag) return;
    flag = true;
    walk_->warnings.push_back(std::move(message));
  }

  base::Status ParseElements(uint64_t pos, uint64_t end, bool until_delimiter, Encoding enc,
                             uint32_t depth, uint32_t parent_tag, std::vector<Element>* out,
                             uint64_t* stop);
  base::Status ParseSequence(Element& el, uint64_t limit, Encoding enc, uint32_t depth);
  base::Status ParseFragments(Element& el, uint64_t limit, Encoding enc);

  const uint8_t* b_;
  uint64_t size_;
  const WalkOptions& options_;
  const Limits& limits_;
  Walk* walk_;
  bool warned_odd_ = false, warned_order_ = false, warned_delimiter_ = false, warned_meta_ = false;
};

base::Status Walker::ParseElements(uint64_t pos, uint64_t end, bool until_delimiter, Encoding enc,
                                   uint32_t depth, uint32_t parent_tag, std::vector<Element>* out,
                                   uint64_t* stop) {
  int pixel_representation = 0;
  bool unsorted = false;
  while (true) {
    if (pos == end) {
      if (until_delimiter) {
        return Invalid("item of undefined length in " + Describe(parent_tag) +
                           " has no Item Delimitation Item before offset " + std::to_string(end),
                       parent_tag);
      }
      *stop = pos;
      break;
    }
    if (end - pos < 8) {
      return Invalid("truncated element header at offset " + std::to_string(pos) + ": only " +
                         std::to_string(end - pos) + " bytes remain",
                     parent_tag);
    }
    const uint32_t tag = Tag(R16(pos, enc.big_endian), R16(pos + 2, enc.big_endian));
    if (GroupOf(tag) == 0xFFFE) {
      if (tag == kItemDelimitationTag && until_delimiter) {
        if (R32(pos + 4, enc.big_endian) != 0)
          WarnOnce(warned_delimiter_, "delimitation item with a non-zero length");
        *stop = pos + 8;
        break;
      }
      return Invalid("unexpected " + TagText(tag) + " at offset " + std::to_string(pos) +
                         (parent_tag ? " in " + Describe(parent_tag) : std::string()),
                     parent_tag);
    }
    Element el;
    el.tag = tag;
    el.big_endian = enc.big_endian;
    el.header_offset = pos;
    uint64_t length;
    if (enc.explicit_vr) {
      const Vr v = MakeVr(static_cast<char>(b_[pos + 4]), static_cast<char>(b_[pos + 5]));
      if (!IsKnownVr(v)) {
        return Invalid("element " + Describe(tag) + " at offset " + std::to_string(pos) +
                           " has an invalid VR " + VrText(b_[pos + 4], b_[pos + 5]),
                       tag);
      }
      el.vr = v;
      if (HasLongLength(v)) {
        if (end - pos < 12) {
          return Invalid(
              "truncated header of element " + Describe(tag) + " at offset " + std::to_string(pos),
              tag);
        }
        length = R32(pos + 8, enc.big_endian);
        el.offset = pos + 12;
      } else {
        length = R16(pos + 6, enc.big_endian);
        el.offset = pos + 8;
      }
    } else {
      length = R32(pos + 4, enc.big_endian);
      el.offset = pos + 8;
      el.vr = ImplicitVr(tag, pixel_representation);
    }
    DOKUEI_RETURN_IF_ERROR(CountNode(tag));
    if (GroupOf(tag) == 0x0002 && depth == 0)
      WarnOnce(warned_meta_, "data set contains File Meta Information (group 0002) elements");

    const bool is_pixel_data = tag == tags::kPixelData;
    // Header walk: the Pixel Data value lies beyond `bytes`; the walk ends with it.
    const bool header_stop =
        options_.full_size != 0 && depth == 0 && is_pixel_data && el.vr != vr::kSQ;
    if (header_stop) walk_->stopped_at_pixel_data = true;
    if (length == kUndefinedLength && (HasLongLength(el.vr) || !enc.explicit_vr)) {
      el.undefined_length = true;
      if (is_pixel_data && (el.vr == vr::kOB || el.vr == vr::kOW || el.vr == vr::kUN)) {
        if (!options_.encapsulated_syntax) {
          return Invalid(
              "native Pixel Data (7FE0,0010) has undefined length; only encapsulated (compressed) "
              "Pixel Data may",
              tag);
        }
        el.encapsulated = true;
        DOKUEI_RETURN_IF_ERROR(ParseFragments(el, end, enc));
      } else if (el.vr == vr::kSQ || el.vr == vr::kUN) {
        // PS3.5 6.2.2: a UN value of undefined length is a sequence in implicit VR LE.
        Encoding item_enc = enc;
        if (el.vr == vr::kUN) {
          item_enc = Encoding{false, false};
          el.implicit_items = true;
        }
        DOKUEI_RETURN_IF_ERROR(ParseSequence(el, end, item_enc, depth + 1));
      } else {
        return Invalid("element " + Describe(tag) + " at offset " + std::to_string(pos) +
                           " has undefined length, which only SQ, UN and encapsulated Pixel Data "
                           "may have",
                       tag);
      }
    } else {
      const uint64_t remaining = (header_stop ? options_.full_size : end) - el.offset;
      if (length > remaining) {
        return Invalid("element " + Describe(tag) + " at offset " + std::to_string(pos) +
                           " declares a value length of " + std::to_string(length) +
                           " bytes but only " + std::to_string(remaining) + " bytes remain",
                       tag);
      }
      if (length > limits_.max_element_bytes) {
        return base::PayloadTooLarge("element " + Describe(tag) + " has " + std::to_string(length) +
                                         " bytes, more than the limit of " +
                                         std::to_string(limits_.max_element_bytes),
                                     KeywordOrTag(tag));
      }
      el.length = length;
      el.end = el.offset + length;
      if (el.vr == vr::kSQ) {
        DOKUEI_RETURN_IF_ERROR(ParseSequence(el, el.end, enc, depth + 1));
      } else {
        if (length & 1) WarnOnce(warned_odd_, "element " + Describe(tag) + " has an odd length");
        if (tag == Tag(0x0028, 0x0103) && length >= 2)
          pixel_representation = R16(el.offset, enc.big_endian);
      }
    }
    pos = el.end;
    if (!out->empty() && tag <= out->back().tag) {
      if (tag == out->back().tag) {
        return Invalid(
            "duplicate element " + Describe(tag) + " at offset " + std::to_string(el.header_offset),
            tag);
      }
      unsorted = true;
    }
    out->push_back(std::move(el));
    if (header_stop) {
      *stop = pos;
      break;
    }
  }
  if (unsorted) {
    WarnOnce(warned_order_, "elements are not in ascending tag order");
    std::stable_sort(out->begin(), out->end(),
                     [](const Element& a, const Element& b) { return a.tag < b.tag; });
    for (size_t i = 1; i < out->size(); ++i) {
      if ((*out)[i].tag == (*out)[i - 1].tag) {
        return Invalid("duplicate element " + Describe((*out)[i].tag), (*out)[i].tag);
      }
    }
  }
  return base::Status::Ok();
}

base::Status Walker::ParseSequence(Element& el, uint64_t limit, Encoding enc, uint32_t depth) {
  if (depth > limits_.max_depth) {
    return base::PayloadTooLarge("sequence " + Describe(el.tag) + " is nested deeper than " +
                                     std::to_string(limits_.max_depth) + " levels",
                                 KeywordOrTag(el.tag));
  }
  const bool defined = !el.undefined_length;
  const uint64_t end = defined ? el.end : limit;
  uint64_t pos = el.offset;
  while (true) {
    if (defined && pos == end) break;
    if (pos == end) {
      return Invalid(
          "sequence " + Describe(el.tag) + " of undefined length has no Sequence Delimitation Item",
          el.tag);
    }
    if (end - pos < 8) {
      return Invalid("truncated item header in sequence " + Describe(el.tag) + " at offset " +
                         std::to_string(pos),
                     el.tag);
    }
    const uint32_t tag = Tag(R16(pos, enc.big_endian), R16(pos + 2, enc.big_endian));
    const uint32_t length = R32(pos + 4, enc.big_endian);
    if (tag == kSequenceDelimitationTag) {
      if (defined) {
        return Invalid(
            "Sequence Delimitation Item inside sequence " + Describe(el.tag) + " of defined length",
            el.tag);
      }
      if (length != 0) WarnOnce(warned_delimiter_, "delimitation item with a non-zero length");
      el.length = pos - el.offset;
      el.end = pos + 8;
      return base::Status::Ok();
    }
    if (tag != kItemTag) {
      return Invalid("expected an Item (FFFE,E000) in sequence " + Describe(el.tag) +
                         " at offset " + std::to_string(pos) + ", found " + TagText(tag),
                     el.tag);
    }
    DOKUEI_RETURN_IF_ERROR(CountNode(el.tag));
    Item item;
    item.offset = pos;
    if (length == kUndefinedLength) {
      DOKUEI_RETURN_IF_ERROR(
          ParseElements(pos + 8, end, true, enc, depth, el.tag, &item.elements, &item.end));
    } else {
      if (length > end - (pos + 8)) {
        return Invalid("item in sequence " + Describe(el.tag) + " at offset " +
                           std::to_string(pos) + " declares " + std::to_string(length) +
                           " bytes but only " + std::to_string(end - (pos + 8)) + " remain",
                       el.tag);
      }
      uint64_t stop = 0;
      DOKUEI_RETURN_IF_ERROR(ParseElements(pos + 8, pos + 8 + length, false, enc, depth, el.tag,
                                           &item.elements, &stop));
      item.end = pos + 8 + length;
    }
    pos = item.end;
    el.items.push_back(std::move(item));
  }
  return base::Status::Ok();
}

base::Status Walker::ParseFragments(Element& el, uint64_t limit, Encoding enc) {
  uint64_t pos = el.offset;
  while (true) {
    if (limit - pos < 8) {
      return Invalid(
          "encapsulated Pixel Data is truncated: no Sequence Delimitation Item before offset " +
              std::to_string(limit),
          el.tag);
    }
    const uint32_t tag = Tag(R16(pos, enc.big_endian), R16(pos + 2, enc.big_endian));
    const uint32_t length = R32(pos + 4, enc.big_endian);
    if (tag == kSequenceDelimitationTag) {
      if (length != 0) WarnOnce(warned_delimiter_, "delimitation item with a non-zero length");
      el.length = pos - el.offset;
      el.end = pos + 8;
      break;
    }
    if (tag != kItemTag) {
      return Invalid("expected a fragment Item (FFFE,E000) in encapsulated Pixel Data at offset " +
                         std::to_string(pos) + ", found " + TagText(tag),
                     el.tag);
    }
    if (length == kUndefinedLength) {
      return Invalid(
          "Pixel Data fragment at offset " + std::to_string(pos) + " has undefined length", el.tag);
    }
    if (length > limit - (pos + 8)) {
      return Invalid("Pixel Data fragment at offset " + std::to_string(pos) + " declares " +
                         std::to_string(length) + " bytes but only " +
                         std::to_string(limit - (pos + 8)) + " remain",
                     el.tag);
    }
    DOKUEI_RETURN_IF_ERROR(CountNode(el.tag));
    el.fragments.push_back(Fragment{pos + 8, length});
    pos += 8 + static_cast<uint64_t>(length);
  }
  if (el.fragments.empty()) {
    return Invalid("encapsulated Pixel Data has no Basic Offset Table item", el.tag);
  }
  return base::Status::Ok();
}

}  // namespace

base::Status WalkDataset(std::span<const uint8_t> bytes, const WalkOptions& options,
                         const Limits& limits, Walk* out) {
  out->bytes = bytes;
  out->encoding = options.encoding;
  out->elements.clear();
  out->nodes = 0;
  out->stopped_at_pixel_data = false;
  Walker walker(bytes, options, limits, out);
  return walker.Run();
}

base::Result<std::vector<uint8_t>> InflateCapped(std::span<const uint8_t> bytes,
                                                 uint64_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return base::Internal("inflateInit2 failed");
  std::vector<uint8_t> out;
  size_t chunk = std::min<uint64_t>(std::max<uint64_t>(bytes.size() * 4, 64 * 1024), max_bytes);
  uint64_t consumed = 0;
  int rc = Z_OK;
  while (true) {
    if (out.size() >= max_bytes) {
      inflateEnd(&zs);
      return base::PayloadTooLarge("deflated data set inflates to more than " +
                                   std::to_string(max_bytes) + " bytes");
    }
    const size_t grow = static_cast<size_t>(std::min<uint64_t>(chunk, max_bytes - out.size()));
    const size_t old = out.size();
    if (out.capacity() < old + grow) {
      out.reserve(static_cast<size_t>(
          std::min<uint64_t>(std::max<uint64_t>(out.capacity() * 2, old + grow), max_bytes)));
    }
    out.resize(old + grow);
    const uint64_t in_left = bytes.size() - consumed;
    zs.next_in = const_cast<Bytef*>(bytes.data() + consumed);
    zs.avail_in = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
    zs.next_out = out.data() + old;
    zs.avail_out = static_cast<uInt>(grow);
    const uInt in_before = zs.avail_in;
    rc = inflate(&zs, Z_NO_FLUSH);
    consumed += in_before - zs.avail_in;
    out.resize(old + grow - zs.avail_out);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && consumed == bytes.size() && zs.avail_out != 0) {
      inflateEnd(&zs);
      return base::InvalidArgument("deflated data set is truncated");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      inflateEnd(&zs);
      return base::InvalidArgument(std::string("deflated data set is corrupt: ") +
                                   (zs.msg ? zs.msg : "inflate error"));
    }
    if (rc == Z_OK && consumed == bytes.size() && zs.avail_out != 0) {
      inflateEnd(&zs);
      return base::InvalidArgument("deflated data set is truncated");
    }
    chunk = std::min<uint64_t>(static_cast<uint64_t>(chunk) * 2, 256ull << 20);
  }
  inflateEnd(&zs);
  return out;
}

const Element* FindElement(const std::vector<Element>& elements, uint32_t tag) {
  auto it = std::lower_bound(elements.begin(), elements.end(), tag,
                             [](const Element& e, uint32_t t) { return e.tag < t; });
  return (it != elements.end() && it->tag == tag) ? &*it : nullptr;
}

}  // namespace dokuei::dicom::internal
