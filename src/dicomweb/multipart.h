// Multipart (RFC 2046) for DICOMweb: an incremental parser for request bodies (STOW-RS) that never
// holds more than one part's header block plus one delimiter's worth of bytes, and helpers to
// write multipart/related response bodies.
// Thread safety: a MultipartParser is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "dokuei/base/status.h"
#include "dokuei/http/message.h"

namespace dokuei::dicomweb {

class MultipartParser {
 public:
  struct Limits {
    uint64_t max_part_bytes = 2ull << 30;
    uint32_t max_header_bytes = 16 * 1024;
    uint32_t max_parts = 100000;
  };
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual base::Status OnPartBegin(const http::Headers& headers) = 0;
    virtual base::Status OnPartData(std::string_view data) = 0;  // never empty
    virtual base::Status OnPartEnd() = 0;
  };

  // `boundary` must be valid (see ValidateBoundary).
  MultipartParser(std::string boundary, Limits limits, Handler& handler);
  MultipartParser(const MultipartParser&) = delete;  // searcher_ points into delimiter_
  MultipartParser& operator=(const MultipartParser&) = delete;

  // Feeds the next bytes of the body. After an error the parser stays failed.
  base::Status Feed(std::string_view data);
  // The body ended: InvalidArgument unless the closing delimiter was seen.
  base::Status Finish();
  uint32_t parts() const { return parts_; }

  // RFC 2046: 1..70 characters from the allowed set, not ending with a space.
  static base::Status ValidateBoundary(std::string_view boundary);

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kEpilogue, kFailed };
  base::Status Fail(base::Status st);
  // Position of the delimiter in buf_ at or after `from`, or npos.
  size_t FindDelimiter(size_t from) const;
  base::Status ParseHeaders(std::string_view block, http::Headers* out);

  std::string delimiter_;  // "\r\n--" + boundary
  // Boyer-Moore-Horspool: skips most of a part's bytes (pixel data is full of '\r').
  std::boyer_moore_horspool_searcher<std::string::const_iterator> searcher_;
  Limits limits_;
  Handler& handler_;
  State state_ = State::kPreamble;
  std::string buf_;  // unconsumed bytes (starts with a virtual CRLF so a leading delimiter matches)
  size_t pos_ = 0;
  uint64_t part_bytes_ = 0;
  uint32_t parts_ = 0;
  uint64_t preamble_bytes_ = 0;
  static constexpr uint64_t kMaxPreambleBytes = 64 * 1024;
  base::Status failure_;
};

// A random boundary for responses.
std::string NewBoundary();

// The bytes before part `index` (0-based) of a multipart body: delimiter line and part headers.
std::string PartPrologue(std::string_view boundary, size_t index, std::string_view content_type,
                         int64_t content_length);
// The closing delimiter (after the last part); "--boundary--" alone when there were no parts.
std::string MultipartEpilogue(std::string_view boundary, size_t parts);

}  // namespace dokuei::dicomweb
