#include "dokuei/http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ssl/context.hpp>
#include <cstring>

#include "dokuei/base/tls_policy.h"

namespace dokuei::http {
namespace {

namespace ssl = boost::asio::ssl;

base::Status LoadCertificateAndKey(SSL_CTX* ctx, const std::string& cert_path,
                                   const std::string& key_path, const std::string& what) {
  if (cert_path.empty()) {
    return base::InvalidArgument(what + " certificate: no file given", "tls_cert");
  }
  if (key_path.empty())
    return base::InvalidArgument(what + " private key: no file given", "tls_key");
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_path.c_str()) != 1) {
    return base::InvalidArgument(
        base::TlsFileError(what + " certificate", cert_path, "a PEM certificate"), "tls_cert");
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
    return base::InvalidArgument(
        base::TlsFileError(what + " private key", key_path, "a PEM private key"), "tls_key");
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
  DOKUEI_RETURN_IF_ERROR(base::ApplyTlsPolicy(native, /*server=*/true));
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
  DOKUEI_RETURN_IF_ERROR(base::ApplyTlsPolicy(native, /*server=*/false));
  if (ca_pem_path.empty())
    return base::InvalidArgument("TLS CA certificates: no file given", "tls_ca");
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(native, ca_pem_path.c_str(), nullptr) != 1) {
    return base::InvalidArgument(
        base::TlsFileError("TLS CA certificates", ca_pem_path, "a file of PEM CA certificates"),
        "tls_ca");
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  if (!cert_pem_path.empty() || !key_pem_path.empty()) {
    DOKUEI_RETURN_IF_ERROR(
        LoadCertificateAndKey(native, cert_pem_path, key_pem_path, "TLS client"));
  }
  return ctx;
}

}  // namespace dokuei::http
