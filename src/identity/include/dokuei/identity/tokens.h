// API tokens for gateways and integrations: "dok_" + 256 random bits (base64url), shown once at
// creation, stored as SHA-256; scoped to one tenant and to a subset of the permissions of
// whoever created them; expiring (at most IdentityOptions::token_max_lifetime); revocable.
// Verify() turns a bearer token into a Principal (user_id 0, subject "token:<name>").
// Thread safety: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/identity/options.h"
#include "dokuei/identity/records.h"

namespace dokuei::identity {

struct TokenRequest {
  int64_t tenant_id = 0;
  std::string name;  // 1..100 characters, e.g. "gateway-1"
  std::vector<PermissionGrant> permissions;
  base::Timestamp expires_at{};
};

struct NewToken {
  ApiToken token;
  std::string secret;  // "dok_…": shown once, never stored
};

class Tokens {
 public:
  Tokens(db::Database& db, base::Clock& clock, const IdentityOptions& options)
      : db_(db), clock_(clock), options_(options) {}

  // creator == nullptr: the command line (any tenant; permissions limited to what some role of
  // the tenant's kind holds). Otherwise the creator must hold tokens.manage reaching the tenant
  // and every requested permission with a scope reaching it; an any-tenant grant only for the
  // creator's own tenant. kPermissionDenied (field "permissions") names the first excess.
  base::Result<NewToken> Create(const TokenRequest& request, const Principal* creator);
  // kUnauthenticated for unknown, malformed, expired or revoked tokens and disabled tenants.
  base::Result<Principal> Verify(std::string_view secret);
  base::Status Revoke(int64_t tenant_id, int64_t token_id);
  base::Result<std::vector<ApiToken>> List(int64_t tenant_id);
  base::Result<ApiToken> Get(int64_t tenant_id, int64_t token_id);

 private:
  db::Database& db_;
  base::Clock& clock_;
  const IdentityOptions& options_;
};

// "dicomweb.read" (own tenant) or "tenants.read:any"; field "permissions" in errors.
base::Result<PermissionGrant> ParsePermissionGrant(std::string_view text);
std::string FormatPermissionGrant(const PermissionGrant& grant);

}  // namespace dokuei::identity
