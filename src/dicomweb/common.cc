#include "common.h"

#include "dokuei/base/strings.h"

namespace dokuei::dicomweb {

index::TenantId TenantOf(const http::Request& req) {
  return index::TenantId{req.principal.tenant_id};
}

namespace {
bool IsPlainHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}
}  // namespace

std::string BaseUrl(const http::Request& req, const Options& options) {
  if (!options.base_url.empty()) return options.base_url;
  std::string_view host = base::Trim(req.Header("Host"));
  if (!IsPlainHost(host)) host = "localhost";
  return options.scheme + "://" + std::string(host) + options.root;
}

base::Status CheckUid(std::string_view uid, const char* field) {
  if (!base::IsValidUid(uid)) return base::InvalidArgument("not a valid UID", field);
  return base::Status::Ok();
}

base::Status Normalize(const base::Status& st) {
  if (st.code() == base::Code::kNotFound && st.field().empty()) {
    return base::NotFound("no such study, series or instance");
  }
  return st;
}

http::Response JsonResponse(std::string body, std::string content_type) {
  http::Response r = http::Response::Bytes(200, std::move(content_type), std::move(body));
  r.headers.Set("Cache-Control", "no-cache");
  return r;
}

void AddWarning(const http::Request& req, std::string_view text, http::Response& res) {
  std::string_view host = base::Trim(req.Header("Host"));
  if (!IsPlainHost(host)) host = "dokuei";
  std::string value = "299 " + std::string(host) + " \"";
  for (char c : text) {
    if (c == '"' || c == '\\') value.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) value.push_back(c);
  }
  value.push_back('"');
  res.headers.Add("Warning", std::move(value));
}

}  // namespace dokuei::dicomweb

namespace dokuei::dicomweb {

http::Route ReadRoute(const Context& ctx, std::string suffix, http::Handler handler,
                      std::string summary_ja, std::string summary_en,
                      std::vector<std::string> produces) {
  http::Route r;
  r.method = "GET";
  r.pattern = ctx.options.root + suffix;
  r.handler = std::move(handler);
  r.permission = ctx.options.read_permission;
  r.summary_ja = std::move(summary_ja);
  r.summary_en = std::move(summary_en);
  r.tag = "DICOMweb";
  r.produces = std::move(produces);
  return r;
}

}  // namespace dokuei::dicomweb
