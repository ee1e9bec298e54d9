#include "multipart.h"

#include <algorithm>

#include "dokuei/base/random.h"
#include "dokuei/base/strings.h"

namespace dokuei::dicomweb {

namespace {
bool IsBoundaryChar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '\'': case '(': case ')': case '+': case '_': case ',': case '-': case '.': case '/':
    case ':': case '=': case '?': case ' ':
      return true;
    default:
      return false;
  }
}
}  // namespace

base::Status MultipartParser::ValidateBoundary(std::string_view b) {
  if (b.empty()) return base::InvalidArgument("multipart boundary is missing", "boundary");
  if (b.size() > 70) return base::InvalidArgument("multipart boundary is too long", "boundary");
  for (char c : b) {
    if (!IsBoundaryChar(c)) {
      return base::InvalidArgument("multipart boundary has an invalid character", "boundary");
    }
  }
  if (b.back() == ' ') return base::InvalidArgument("multipart boundary ends in a space", "boundary");
  return base::Status::Ok();
}

MultipartParser::MultipartParser(std::string boundary, Limits limits, Handler& handler)
    : delimiter_("\r\n--" + boundary),
      searcher_(delimiter_.begin(), delimiter_.end()),
      limits_(limits),
      handler_(handler),
      buf_("\r\n") {}

size_t MultipartParser::FindDelimiter(size_t from) const {
  if (from >= buf_.size()) return std::string::npos;
  auto it = std::search(buf_.begin() + static_cast<std::ptrdiff_t>(from), buf_.end(), searcher_);
  return it == buf_.end() ? std::string::npos : static_cast<size_t>(it - buf_.begin());
}

base::Status MultipartParser::Fail(base::Status st) {
  state_ = State::kFailed;
  failure_ = st;
  buf_.clear();
  buf_.shrink_to_fit();
  return st;
}

base::Status MultipartParser::ParseHeaders(std::string_view block, http::Headers* out) {
  for (std::string_view line : base::Split(block, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      return base::InvalidArgument("folded multipart part header lines are not supported");
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return base::InvalidArgument("malformed multipart part header line");
    }
    out->Add(std::string(base::Trim(line.substr(0, colon))),
             std::string(base::Trim(line.substr(colon + 1))));
  }
  return base::Status::Ok();
}

base::Status MultipartParser::Feed(std::string_view data) {
  if (state_ == State::kFailed) return failure_;
  if (state_ == State::kEpilogue) return base::Status::Ok();  // ignored (RFC 2046)
  buf_.append(data);
  while (true) {
    std::string_view view(buf_);
    switch (state_) {
      case State::kPreamble: {
        size_t hit = FindDelimiter(pos_);
        if (hit == std::string_view::npos) {
          // Keep only what could be the start of a delimiter; bound the preamble.
          size_t keep = std::min(view.size(), delimiter_.size() - 1);
          preamble_bytes_ += view.size() - keep - std::min(pos_, view.size() - keep);
          if (preamble_bytes_ > kMaxPreambleBytes) {
            return Fail(base::InvalidArgument("multipart body has no boundary delimiter",
                                              "boundary"));
          }
          pos_ = view.size() - keep;
          goto compact;
        }
        pos_ = hit + delimiter_.size();
        state_ = State::kAfterDelimiter;
        break;
      }
      case State::kAfterDelimiter: {
        // "--" closes; otherwise optional transport padding (spaces/tabs) then CRLF.
        if (view.size() - pos_ < 2) goto compact;
        if (view.substr(pos_, 2) == "--") {
          state_ = State::kEpilogue;
          buf_.clear();
          pos_ = 0;
          return base::Status::Ok();
        }
        size_t p = pos_;
        while (p < view.size() && (view[p] == ' ' || view[p] == '\t')) ++p;
        if (p - pos_ > 256) return Fail(base::InvalidArgument("malformed multipart delimiter"));
        if (view.size() - p < 2) goto compact;
        if (view.substr(p, 2) != "\r\n") {
          return Fail(base::InvalidArgument("malformed multipart delimiter line"));
        }
        pos_ = p + 2;
        if (++parts_ > limits_.max_parts) {
          return Fail(base::PayloadTooLarge("too many parts in the multipart body"));
        }
        state_ = State::kHeaders;
        break;
      }
      case State::kHeaders: {
        // An empty header block is allowed: the part then starts right after CRLF.
        size_t end = std::string_view::npos;
        size_t skip = 0;
        if (view.substr(pos_, 2) == "\r\n") {
          end = pos_;
          skip = 2;
        } else {
          end = view.find("\r\n\r\n", pos_);
          skip = 4;
        }
        if (end == std::string_view::npos) {
          if (view.size() - pos_ > limits_.max_header_bytes) {
            return Fail(base::PayloadTooLarge("multipart part headers are too long"));
          }
          goto compact;
        }
        if (end - pos_ > limits_.max_header_bytes) {
          return Fail(base::PayloadTooLarge("multipart part headers are too long"));
        }
        http::Headers headers;
        base::Status st = ParseHeaders(view.substr(pos_, end - pos_), &headers);
        if (!st.ok()) return Fail(st);
        pos_ = end + skip;
        part_bytes_ = 0;
        state_ = State::kBody;
        st = handler_.OnPartBegin(headers);
        if (!st.ok()) return Fail(st);
        break;
      }
      case State::kBody: {
        size_t hit = FindDelimiter(pos_);
        size_t emit_end = hit;
        if (hit == std::string_view::npos) {
          size_t keep = delimiter_.size() - 1;
          emit_end = view.size() > pos_ + keep ? view.size() - keep : pos_;
        }
        if (emit_end > pos_) {
          part_bytes_ += emit_end - pos_;
          if (part_bytes_ > limits_.max_part_bytes) {
            return Fail(base::PayloadTooLarge("a multipart part exceeds the limit of " +
                                              std::to_string(limits_.max_part_bytes) + " bytes"));
          }
          base::Status st = handler_.OnPartData(view.substr(pos_, emit_end - pos_));
          if (!st.ok()) return Fail(st);
          pos_ = emit_end;
        }
        if (hit == std::string_view::npos) goto compact;
        pos_ = hit + delimiter_.size();
        state_ = State::kAfterDelimiter;
        base::Status st = handler_.OnPartEnd();
        if (!st.ok()) return Fail(st);
        break;
      }
      case State::kEpilogue:
        return base::Status::Ok();
      case State::kFailed:
        return failure_;
    }
  }
compact:
  buf_.erase(0, pos_);
  pos_ = 0;
  return base::Status::Ok();
}

base::Status MultipartParser::Finish() {
  if (state_ == State::kFailed) return failure_;
  if (state_ == State::kEpilogue) return base::Status::Ok();
  if (state_ == State::kPreamble) {
    return Fail(base::InvalidArgument("multipart body has no boundary delimiter", "boundary"));
  }
  return Fail(base::InvalidArgument("multipart body ended before its closing boundary",
                                    "boundary"));
}

std::string NewBoundary() { return "dokuei-" + base::RandomHex(16); }

std::string PartPrologue(std::string_view boundary, size_t index, std::string_view content_type,
                         int64_t content_length) {
  std::string out;
  out.reserve(boundary.size() + content_type.size() + 64);
  if (index > 0) out += "\r\n";
  out += "--";
  out += boundary;
  out += "\r\nContent-Type: ";
  out += content_type;
  if (content_length >= 0) {
    out += "\r\nContent-Length: ";
    out += std::to_string(content_length);
  }
  out += "\r\n\r\n";
  return out;
}

std::string MultipartEpilogue(std::string_view boundary, size_t parts) {
  std::string out = parts > 0 ? "\r\n--" : "--";
  out += boundary;
  out += "--\r\n";
  return out;
}

}  // namespace dokuei::dicomweb
