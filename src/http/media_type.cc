#include "dokuei/http/media_type.h"

#include <algorithm>
#include <charconv>

#include "dokuei/base/strings.h"

namespace dokuei::http {
namespace {

bool IsTokenChar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// Splits on `sep` outside double quotes.
std::vector<std::string_view> SplitOutsideQuotes(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted && c == '\\') {
      ++i;
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (!quoted && c == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

std::optional<double> ParseQ(std::string_view s) {
  // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); be lenient on digits.
  if (s.empty() || s.size() > 5) return std::nullopt;
  double v = 0;
  if (s[0] == '0' || s[0] == '1') {
    v = s[0] - '0';
  } else {
    return std::nullopt;
  }
  if (s.size() > 1) {
    if (s[1] != '.') return std::nullopt;
    double scale = 0.1;
    for (size_t i = 2; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (v > 1.0) return std::nullopt;
  return v;
}

}  // namespace

std::string_view MediaType::Param(std::string_view name) const {
  for (const auto& [n, v] : params) {
    if (n == name) return v;
  }
  return {};
}

bool MediaType::HasParam(std::string_view name) const {
  for (const auto& p : params) {
    if (p.first == name) return true;
  }
  return false;
}

bool MediaType::Accepts(std::string_view t, std::string_view s) const {
  if (type == "*") return true;
  if (!base::EqualsIgnoreCase(type, t)) return false;
  return subtype == "*" || base::EqualsIgnoreCase(subtype, s);
}

base::Result<MediaType> ParseMediaType(std::string_view text) {
  auto parts = SplitOutsideQuotes(text, ';');
  std::string_view essence = base::Trim(parts[0]);
  size_t slash = essence.find('/');
  if (slash == std::string_view::npos) {
    return base::InvalidArgument("media type without '/': " + std::string(essence.substr(0, 80)));
  }
  MediaType mt;
  std::string_view t = base::Trim(essence.substr(0, slash));
  std::string_view st = base::Trim(essence.substr(slash + 1));
  if (!IsToken(t) || !IsToken(st)) {
    return base::InvalidArgument("malformed media type: " + std::string(essence.substr(0, 80)));
  }
  mt.type = base::ToLowerAscii(t);
  mt.subtype = base::ToLowerAscii(st);
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view p = base::Trim(parts[i]);
    if (p.empty()) continue;
    size_t eq = p.find('=');
    if (eq == std::string_view::npos) {
      return base::InvalidArgument("media type parameter without '='");
    }
    std::string_view name = base::Trim(p.substr(0, eq));
    std::string_view value = base::Trim(p.substr(eq + 1));
    if (!IsToken(name)) return base::InvalidArgument("malformed media type parameter name");
    std::string v;
    if (!value.empty() && value.front() == '"') {
      if (value.size() < 2 || value.back() != '"') {
        return base::InvalidArgument("unterminated quoted media type parameter");
      }
      std::string_view inner = value.substr(1, value.size() - 2);
      for (size_t k = 0; k < inner.size(); ++k) {
        if (inner[k] == '\\' && k + 1 < inner.size()) ++k;
        v.push_back(inner[k]);
      }
    } else {
      v = std::string(value);
    }
    std::string lname = base::ToLowerAscii(name);
    if (lname == "q") {
      auto q = ParseQ(v);
      if (!q) return base::InvalidArgument("malformed q value in media range");
      mt.q = *q;
      continue;
    }
    mt.params.emplace_back(std::move(lname), std::move(v));
  }
  return mt;
}

base::Result<std::vector<MediaType>> ParseAccept(std::string_view text) {
  std::vector<MediaType> out;
  if (base::Trim(text).empty()) {
    out.push_back(MediaType{"*", "*", {}, 1.0});
    return out;
  }
  for (std::string_view item : SplitOutsideQuotes(text, ',')) {
    if (base::Trim(item).empty()) continue;
    auto mt = ParseMediaType(item);
    if (!mt.ok()) return base::InvalidArgument(mt.status().message(), "Accept");
    if (mt->q <= 0) continue;
    out.push_back(std::move(mt).value());
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const MediaType& a, const MediaType& b) { return a.q > b.q; });
  return out;
}

}  // namespace dokuei::http
