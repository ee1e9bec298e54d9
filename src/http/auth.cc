#include "dokuei/http/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>

#include "dokuei/base/digest.h"
#include "dokuei/base/strings.h"

namespace dokuei::http {
namespace {

bool HexToDigest(std::string_view hex, uint8_t out[32]) {
  if (hex.size() != 64) return false;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    int hi = val(hex[2 * i]), lo = val(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

// SHA-256 of a presented token. The algorithm is fetched once: OpenSSL 3's one-shot SHA256()
// looks it up in the provider store on every call, a visible share of a short request's CPU.
void TokenDigest(std::string_view token, uint8_t out[32]) {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned int len = 0;
  if (md == nullptr || EVP_Digest(token.data(), token.size(), out, &len, md, nullptr) != 1 ||
      len != 32) {
    SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), out);
  }
}

}  // namespace

std::string_view RequestView::Header(std::string_view name) const {
  return headers ? headers->Get(name) : std::string_view();
}

StaticTokenAuthenticator::StaticTokenAuthenticator(std::vector<StaticToken> tokens) {
  for (auto& t : tokens) {
    Entry e;
    // A malformed hash can never match: leave it out (configuration validation reports it).
    if (!HexToDigest(t.sha256_hex, e.digest)) continue;
    e.token = std::move(t);
    entries_.push_back(std::move(e));
  }
}

std::string StaticTokenAuthenticator::HashToken(std::string_view token) {
  return base::Sha256Hex(token);
}

base::Result<Principal> StaticTokenAuthenticator::Authenticate(const RequestView& request) {
  std::string_view auth = base::Trim(request.Header("Authorization"));
  if (auth.empty()) return base::Unauthenticated("missing bearer token");
  if (auth.size() < 7 || !base::EqualsIgnoreCase(auth.substr(0, 7), "Bearer ")) {
    return base::Unauthenticated("authorization scheme must be Bearer");
  }
  std::string_view token = base::Trim(auth.substr(7));
  if (token.empty() || token.size() > 4096) return base::Unauthenticated("invalid bearer token");
  uint8_t digest[32];
  TokenDigest(token, digest);
  // Compare against every entry, without early exit, so timing reveals nothing.
  const Entry* found = nullptr;
  for (const auto& e : entries_) {
    if (CRYPTO_memcmp(e.digest, digest, sizeof digest) == 0) found = &e;
  }
  if (!found) return base::Unauthenticated("invalid bearer token");
  Principal p;
  p.tenant_id = found->token.tenant_id;
  p.subject = found->token.subject;
  p.permissions = found->token.permissions;
  p.via = Principal::Via::kBearer;
  return p;
}

bool CsrfRequired(std::string_view method, const Principal& principal) {
  if (principal.via != Principal::Via::kSession) return false;
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

base::Status CheckCsrf(std::string_view method, const Headers& headers, const Principal& principal,
                       std::string_view lang) {
  if (!CsrfRequired(method, principal)) return base::Status::Ok();
  std::string_view sent = base::Trim(headers.Get("X-CSRF-Token"));
  const std::string& want = principal.csrf_token;
  // Lengths are not secret (the token has a fixed length); the contents are compared in
  // constant time. An empty expected token never matches.
  const bool match = !want.empty() && sent.size() == want.size() &&
                     CRYPTO_memcmp(sent.data(), want.data(), want.size()) == 0;
  if (match) return base::Status::Ok();
  return base::Status(base::Code::kPermissionDenied,
                      lang == "en" ? "missing or wrong CSRF token: send the X-CSRF-Token header "
                                     "returned at sign-in"
                                   : "CSRF トークンがないか正しくありません。ログイン時に返された "
                                     "X-CSRF-Token ヘッダーを送ってください",
                      "X-CSRF-Token");
}

}  // namespace dokuei::http
