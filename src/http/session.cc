#include <spdlog/spdlog.h>

#include "session.h"

namespace dokuei::http {

std::string LogPath(std::string_view target) {
  size_t q = target.find('?');
  std::string out(target.substr(0, q));
  if (q == std::string_view::npos) return out;
  char sep = '?';
  for (std::string_view part : base::Split(target.substr(q + 1), '&')) {
    if (part.empty()) continue;
    out += sep;
    out += part.substr(0, part.find('='));
    sep = '&';
  }
  return out;
}

void LogAccess(const Request* req, std::string_view remote, int status, uint64_t bytes, double ms,
               std::string_view abort_reason) {
  std::string_view method = req ? std::string_view(req->method) : "-";
  std::string path = req ? LogPath(req->target) : std::string("-");
  if (abort_reason.empty()) {
    spdlog::info("http {} {} {} {}B {:.1f}ms {}", method, path, status, bytes, ms, remote);
  } else {
    spdlog::warn("http {} {} {} {}B {:.1f}ms {} aborted: {}", method, path, status, bytes, ms,
                 remote, abort_reason);
  }
}

void AddSecurityHeaders(Headers& out, bool tls) {
  auto set_default = [&out](const char* name, const char* value) {
    if (!out.Has(name)) out.Set(name, value);
  };
  set_default("X-Content-Type-Options", "nosniff");
  set_default("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  set_default("X-Frame-Options", "DENY");
  set_default("Referrer-Policy", "no-referrer");
  set_default("Cache-Control", "no-store");
  if (tls) set_default("Strict-Transport-Security", "max-age=31536000");
}

void AddCorsHeaders(const Server::Core& core, const Request& req, Headers& out) {
  if (core.options.cors_allowed_origins.empty()) return;
  std::string_view origin = req.headers.Get("Origin");
  if (origin.empty() || !core.CorsAllowed(origin)) return;
  out.Set("Access-Control-Allow-Origin", core.CorsWildcard() ? "*" : std::string(origin));
  out.Add("Vary", "Origin");
  out.Set("Access-Control-Expose-Headers",
          "Content-Length, Content-Type, Content-Language, Warning, Location, WWW-Authenticate");
}

base::Result<Response> RunHandlerSafely(const std::function<base::Result<Response>()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return base::Internal(std::string("handler threw: ") + e.what());
  } catch (...) {
    return base::Internal("handler threw");
  }
}

}  // namespace dokuei::http
