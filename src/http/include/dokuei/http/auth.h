// Authentication hook: the server asks an Authenticator who is calling before any route that
// requires authentication runs (on the Executor, so implementations may query a database).
// StaticTokenAuthenticator checks "Authorization: Bearer <token>" against SHA-256 hashes of tokens
// from configuration (the tokens themselves are never stored), comparing in constant time.
// Thread safety: Authenticate may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/http/message.h"

namespace dokuei::http {

// What an authenticator may look at.
struct RequestView {
  std::string_view method;
  std::string_view path;
  const Headers* headers = nullptr;
  std::string_view remote_address;
  std::string_view Header(std::string_view name) const;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // kUnauthenticated when credentials are missing or invalid (the server answers 401 with
  // WWW-Authenticate: Bearer and no data).
  virtual base::Result<Principal> Authenticate(const RequestView& request) = 0;
};

struct StaticToken {
  std::string sha256_hex;  // lowercase hex SHA-256 of the token
  int64_t tenant_id = 0;
  std::string subject;
  std::vector<std::string> permissions;
};

class StaticTokenAuthenticator final : public Authenticator {
 public:
  explicit StaticTokenAuthenticator(std::vector<StaticToken> tokens);
  base::Result<Principal> Authenticate(const RequestView& request) override;
  // The hash to put in configuration for `token`.
  static std::string HashToken(std::string_view token);

 private:
  struct Entry {
    uint8_t digest[32];
    StaticToken token;
  };
  std::vector<Entry> entries_;
};

// Cross-site request forgery (security.md A8): a principal authenticated by a session cookie
// (Via::kSession) may change state (any method but GET, HEAD and OPTIONS) only when the request
// carries X-CSRF-Token equal to principal.csrf_token, compared in constant time. Bearer tokens
// are not sent by browsers on their own and need no such header.
bool CsrfRequired(std::string_view method, const Principal& principal);
// OK, or kPermissionDenied (field X-CSRF-Token) with a message in `lang` ("ja" or "en").
base::Status CheckCsrf(std::string_view method, const Headers& headers, const Principal& principal,
                       std::string_view lang);

}  // namespace dokuei::http
