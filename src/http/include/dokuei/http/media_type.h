// Media types (RFC 9110 8.3.1) and Accept lists (12.5.1), for content negotiation.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/http/message.h"

namespace dokuei::http {

struct MediaType {
  std::string type;     // lowercase, e.g. "multipart" (may be "*")
  std::string subtype;  // lowercase, e.g. "related" (may be "*")
  Pairs params;         // names lowercase, values unquoted; "q" is removed into `q`
  double q = 1.0;

  std::string Essence() const { return type + "/" + subtype; }
  // Parameter value, or "" when absent.
  std::string_view Param(std::string_view name) const;
  bool HasParam(std::string_view name) const;
  // True when this (possibly wildcard) range accepts `type`/`subtype`.
  bool Accepts(std::string_view type, std::string_view subtype) const;
};

// "multipart/related; type=\"application/dicom\"; boundary=xyz". InvalidArgument on bad syntax.
base::Result<MediaType> ParseMediaType(std::string_view text);
// Accept header: the ranges, highest q first (stable for equal q); q=0 ranges are dropped.
// An empty header is "*/*".
base::Result<std::vector<MediaType>> ParseAccept(std::string_view text);

}  // namespace dokuei::http
