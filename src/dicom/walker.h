// The structural walker: a bounded pass over data-set bytes that records where every element,
// item and pixel fragment is, without allocating anything from a declared length. Every length is
// checked against the bytes present and against Limits before it is used. Private to the module.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/dicom/parse.h"
#include "vr.h"

namespace dokuei::dicom::internal {

struct Encoding {
  bool explicit_vr = true;
  bool big_endian = false;
};

struct Fragment {
  uint64_t offset = 0;  // first value byte of the item
  uint64_t length = 0;
};

struct Item;

struct Element {
  uint32_t tag = 0;
  Vr vr = 0;
  bool undefined_length = false;
  bool encapsulated = false;    // pixel data as fragments (fragments[0] = Basic Offset Table)
  bool implicit_items = false;  // items encoded in implicit VR LE (UN of undefined length)
  bool big_endian = false;      // byte order of this element's value
  uint64_t header_offset = 0;   // first byte of the tag
  uint64_t offset = 0;          // first byte of the value
  uint64_t length = 0;          // value length (undefined length: bytes up to the delimiter)
  uint64_t end = 0;             // one past the element, delimiter included
  std::vector<Item> items;      // SQ, and UN of undefined length
  std::vector<Fragment> fragments;
};

struct Item {
  uint64_t offset = 0;  // first byte of the item tag
  uint64_t end = 0;
  std::vector<Element> elements;  // sorted by tag
};

struct WalkOptions {
  Encoding encoding;
  bool encapsulated_syntax = false;  // pixel data must (and may only) be encapsulated
  // Header walk (native syntaxes only): `bytes` is the beginning of a data set of `full_size`
  // bytes (0: `bytes` is the whole data set). A top-level Pixel Data element ends the walk; its
  // length is checked against `full_size` (not against `bytes`) and its value is not read.
  uint64_t full_size = 0;
};

struct Walk {
  std::span<const uint8_t> bytes;  // the data set walked (the inflated copy for deflate)
  std::vector<uint8_t> inflated;   // owns `bytes` for deflated syntaxes (moves keep its buffer)
  Encoding encoding;
  std::vector<Element> elements;  // top level, sorted by tag
  std::vector<std::string> warnings;
  uint64_t nodes = 0;  // elements + items + fragments
  // Header walk: the top-level Pixel Data header was reached (an error from then on is about the
  // Pixel Data itself, not about `bytes` being too short).
  bool stopped_at_pixel_data = false;
};

// Walks `bytes` (a complete data set). On success `out->bytes` is `bytes`.
base::Status WalkDataset(std::span<const uint8_t> bytes, const WalkOptions& options,
                         const Limits& limits, Walk* out);

// Raw deflate (RFC 1951, as PS3.5 A.5) with a hard cap on the output size.
base::Result<std::vector<uint8_t>> InflateCapped(std::span<const uint8_t> bytes,
                                                 uint64_t max_bytes);

// Binary search in a tag-sorted element list.
const Element* FindElement(const std::vector<Element>& elements, uint32_t tag);

}  // namespace dokuei::dicom::internal
