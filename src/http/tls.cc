#include "dokuei/http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ssl/context.hpp>
#include <cstring>

namespace dokuei::http {
namespace {

namespace ssl = boost::asio::ssl;

// Never prompt for a key password on the terminal: a protected key fails to load instead.
int NoPassword(char*, int, int, void*) { return 0; }

// Drains the OpenSSL error queue into one sentence about `path`. A failed system call (file
// missing, unreadable, a directory) is reported with its errno text.
// Drains the OpenSSL error queue into one sentence about `path` (`expected`: what the file should
// hold). A failed system call (file missing, unreadable) is reported with its errno text.
std::string FileError(const std::string& what, const std::string& path,
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

base::Status ApplyPolicy(SSL_CTX* ctx, bool server) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, 0) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Ciphersuites) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kTlsGroups) != 1) {
    ERR_clear_error();
    return base::Internal("OpenSSL refused the TLS policy (protocol versions, ciphers, groups)");
  }
  // Level 2: RSA/DH keys of at least 2048 bits, ECC of at least 224, no SHA-1 signatures.
  SSL_CTX_set_security_level(ctx, 2);
  uint64_t options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET;
  if (server) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(ctx, options);
  if (server) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);  // TLS 1.3: no session tickets at all
  }
  SSL_CTX_set_default_passwd_cb(ctx, NoPassword);
  return base::Status::Ok();
}

base::Status LoadCertificateAndKey(SSL_CTX* ctx, const std::string& cert_path,
                                   const std::string& key_path, const std::string& what) {
  if (cert_path.empty()) {
    return base::InvalidArgument(what + " certificate: no file given", "tls_cert");
  }
  if (key_path.empty())
    return base::InvalidArgument(what + " private key: no file given", "tls_key");
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_path.c_str()) != 1) {
    return base::InvalidArgument(FileError(what + " certificate", cert_path, "a PEM certificate"),
                                 "tls_cert");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return base::InvalidArgument(what + " private key '" + key_path +
                                       "' does not belong to the certificate in '" + cert_path +
                                       "'",
                                   "tls_key");
    }
    return base::InvalidArgument(FileError(what + " private key", key_path, "a PEM private key"),
                                 "tls_key");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return base::InvalidArgument(what + " private key '" + key_path +
                                     "' does not belong to the certificate in '" + cert_path + "'",
                                 "tls_key");
  }
  if (X509* cert = SSL_CTX_get0_certificate(ctx)) {
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
      spdlog::warn("{} certificate '{}' has expired; clients will refuse it", what, cert_path);
    }
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<std::shared_ptr<ssl::context>> MakeServerTlsContext(const std::string& cert_pem_path,
                                                                 const std::string& key_pem_path) {
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return base::Internal(std::string("cannot create a TLS context: ") + e.what());
  }
  SSL_CTX* native = ctx->native_handle();
  DOKUEI_RETURN_IF_ERROR(ApplyPolicy(native, /*server=*/true));
  DOKUEI_RETURN_IF_ERROR(LoadCertificateAndKey(native, cert_pem_path, key_pem_path, "HTTPS"));
  return ctx;
}

base::Result<std::shared_ptr<ssl::context>> MakeClientTlsContext(const std::string& ca_pem_path,
                                                                 const std::string& cert_pem_path,
                                                                 const std::string& key_pem_path) {
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  } catch (const std::exception& e) {
    return base::Internal(std::string("cannot create a TLS context: ") + e.what());
  }
  SSL_CTX* native = ctx->native_handle();
  DOKUEI_RETURN_IF_ERROR(ApplyPolicy(native, /*server=*/false));
  if (ca_pem_path.empty())
    return base::InvalidArgument("TLS CA certificates: no file given", "tls_ca");
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(native, ca_pem_path.c_str(), nullptr) != 1) {
    return base::InvalidArgument(
        FileError("TLS CA certificates", ca_pem_path, "a file of PEM CA certificates"), "tls_ca");
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  if (!cert_pem_path.empty() || !key_pem_path.empty()) {
    DOKUEI_RETURN_IF_ERROR(
        LoadCertificateAndKey(native, cert_pem_path, key_pem_path, "TLS client"));
  }
  return ctx;
}

}  // namespace dokuei::http
