#include "dokuei/http/message.h"

#include "dokuei/base/strings.h"

namespace dokuei::http {

void Headers::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

void Headers::Remove(std::string_view name) {
  std::erase_if(fields_, [&](const auto& f) { return base::EqualsIgnoreCase(f.first, name); });
}

std::string_view Headers::Get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (base::EqualsIgnoreCase(n, name)) return v;
  }
  return {};
}

bool Headers::Has(std::string_view name) const {
  for (const auto& f : fields_) {
    if (base::EqualsIgnoreCase(f.first, name)) return true;
  }
  return false;
}

bool Principal::HasPermission(std::string_view permission) const {
  for (const auto& p : permissions) {
    if (p == "*" || p == permission) return true;
  }
  return false;
}

bool Principal::Reaches(std::string_view permission, int64_t target_tenant) const {
  if (!HasPermission(permission)) return false;
  if (target_tenant == tenant_id) return true;
  for (const auto& p : any_tenant_permissions) {
    if (p == "*" || p == permission) return true;
  }
  return false;
}

std::string_view Request::Param(std::string_view name) const {
  for (const auto& [n, v] : params) {
    if (n == name) return v;
  }
  return {};
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [n, v] : query) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

Response Response::Bytes(int status, std::string content_type, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

base::Result<Pairs> ParseQuery(std::string_view query) {
  Pairs out;
  if (query.empty()) return out;
  for (std::string_view part : base::Split(query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view raw_name = part.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    auto name = PercentDecode(raw_name, true);
    if (!name) return base::InvalidArgument("bad percent-encoding in a query parameter name");
    auto value = PercentDecode(raw_value, true);
    if (!value) return base::InvalidArgument("bad percent-encoding in query parameter", *name);
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

}  // namespace dokuei::http
