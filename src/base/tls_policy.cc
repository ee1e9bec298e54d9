#include "dokuei/base/tls_policy.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>

namespace dokuei::base {
namespace {

int NoPassword(char*, int, int, void*) { return 0; }

}  // namespace

Status ApplyTlsPolicy(SSL_CTX* ctx, bool server, const char* groups) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, 0) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Ciphersuites) != 1 ||
      SSL_CTX_set1_groups_list(ctx, groups) != 1) {
    ERR_clear_error();
    return Internal("OpenSSL refused the TLS policy (protocol versions, ciphers, groups)");
  }
  // Level 2: RSA/DH keys of at least 2048 bits, ECC of at least 224, no SHA-1 signatures (DCMTK
  // lowers it to 0 for its NULL-cipher profiles, which are never used).
  SSL_CTX_set_security_level(ctx, 2);
  uint64_t options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET;
  if (server) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(ctx, options);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (server) SSL_CTX_set_num_tickets(ctx, 0);  // TLS 1.3: no session tickets at all
  SSL_CTX_set_default_passwd_cb(ctx, NoPassword);
  return Status::Ok();
}

std::string TlsFileError(const std::string& what, const std::string& path,
                         const std::string& expected) {
  std::string system, reason;
  while (unsigned long e = ERR_get_error()) {
    if (ERR_GET_LIB(e) == ERR_LIB_SYS) {
      if (system.empty()) system = std::strerror(ERR_GET_REASON(e));
      continue;
    }
    const char* r = ERR_reason_error_string(e);
    if (reason.empty() && r != nullptr) reason = r;
  }
  std::string head = what + " '" + path + "' ";
  if (!system.empty()) return head + "cannot be read: " + system;
  if (reason.find("too small") != std::string::npos ||
      reason.find("too weak") != std::string::npos) {
    return head + "is too weak for the TLS policy (" + reason +
           "; use RSA of at least 2048 bits or ECDSA P-256 or larger, signed with SHA-256+)";
  }
  if (reason.find("password") != std::string::npos || reason.find("decrypt") != std::string::npos ||
      reason.find("interrupted") != std::string::npos) {
    return head + "is password-protected, which is not supported (" + reason + ")";
  }
  return head + "is not " + expected + " (" + (reason.empty() ? "unknown error" : reason) + ")";
}

}  // namespace dokuei::base
