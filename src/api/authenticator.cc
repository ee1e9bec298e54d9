// The Authenticator of the whole HTTP server: an Authorization header is a bearer token (identity
// API tokens "dok_…", else the configured static tokens); without one, the session cookie.
// A request that carries an Authorization header is judged by it alone (an invalid token is not
// rescued by a cookie), so the CSRF rule, which applies to cookie sessions only, cannot be
// side-stepped by adding a header.
#include <spdlog/spdlog.h>

#include "common.h"
#include "dokuei/api/api.h"
#include "dokuei/base/strings.h"

namespace dokuei::api {
namespace {

constexpr std::string_view kTokenPrefix = "dok_";

// "127.0.0.1:5342" / "[::1]:5342" -> the address alone (as RequestEvent does).
std::string AddressOf(std::string_view remote) {
  http::Request r;
  r.remote_address = std::string(remote);
  return RequestEvent(r, "").source_address;
}

class ApiAuthenticator final : public http::Authenticator {
 public:
  ApiAuthenticator(Services& services, std::vector<http::StaticToken> static_tokens)
      : services_(services), static_(std::move(static_tokens)) {}

  base::Result<http::Principal> Authenticate(const http::RequestView& request) override {
    std::string_view auth = base::Trim(request.Header("Authorization"));
    if (!auth.empty()) {
      if (auth.size() > 7 && base::EqualsIgnoreCase(auth.substr(0, 7), "Bearer ")) {
        std::string_view token = base::Trim(auth.substr(7));
        if (base::StartsWith(token, kTokenPrefix)) return IdentityToken(request, token);
      }
      return static_.Authenticate(request);
    }
    const std::string session_id =
        auth_internal::CookieValue(request.Header("Cookie"), services_.options.cookie_name);
    if (session_id.empty()) return base::Unauthenticated("missing credentials");
    DOKUEI_ASSIGN_OR_RETURN(const identity::SessionInfo info,
                            services_.identity.sessions().Verify(session_id));
    http::Principal p = auth_internal::ToHttpPrincipal(info.principal);
    p.via = http::Principal::Via::kSession;
    p.csrf_token = info.csrf_token;
    p.session_id = session_id;
    return p;
  }

 private:
  // One "token.use" record per request (success or refusal of a well-formed dok_ token); the
  // request fails when it cannot be written.
  base::Result<http::Principal> IdentityToken(const http::RequestView& request,
                                              std::string_view token) {
    auto verified = services_.identity.tokens().Verify(token);
    if (!verified.ok() && verified.status().code() != base::Code::kUnauthenticated) {
      return verified.status();  // infrastructure: the server answers 503
    }
    audit::Event e;
    e.action = "token.use";
    e.protocol = "http";
    e.source_address = AddressOf(request.remote_address);
    e.object_detail = std::string(request.method) + " " + std::string(request.path);
    if (verified.ok()) {
      const identity::Principal& ip = *verified;
      e.actor = ip.subject;
      e.actor_tenant_id = ip.tenant_id;
      e.tenant_id = ip.tenant_id;
    } else {
      // Never the token itself: its recognisable prefix only.
      e.actor = "token:?";
      e.outcome = audit::Outcome::kMinorFailure;
      e.message = "unknown, expired or revoked API token " +
                  std::string(token.substr(0, std::min<size_t>(token.size(), 10)));
    }
    auto record = services_.audit.Append(std::move(e));
    if (!record.ok()) {
      spdlog::error("api: audit record for token use not written: {}", record.status().ToString());
      if (verified.ok()) return base::Unavailable("audit log unavailable");
    }
    if (!verified.ok()) return verified.status();
    http::Principal p = auth_internal::ToHttpPrincipal(*verified);
    p.via = http::Principal::Via::kBearer;
    return p;
  }

  Services& services_;
  http::StaticTokenAuthenticator static_;
};

}  // namespace

std::unique_ptr<http::Authenticator> MakeAuthenticator(
    Services& services, std::vector<http::StaticToken> static_tokens) {
  return std::make_unique<ApiAuthenticator>(services, std::move(static_tokens));
}

}  // namespace dokuei::api
