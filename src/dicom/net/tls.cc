#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstring>

#include "dcmtk/dcmnet/assoc.h"
#include "dokuei/base/digest.h"

namespace dokuei::dicom::net {
namespace {

// The same suites as HTTPS (http::kTls12Ciphers): ECDHE + AEAD only, in order of preference (with
// an RSA certificate ECDHE-RSA-AES128-GCM-SHA256 comes first, as BCP 195 asks).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
// DICOM PS3.15 Modified BCP 195: ECDHE with curves of at least 256 bits.
constexpr const char* kGroups = "P-256:P-384:P-521";

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

base::Status Configure(TlsLayer& layer, const DimseTlsOptions& tls, bool acceptor) {
  if (!layer) return base::Internal("cannot create the DICOM TLS context");
  // DCMTK's non-downgrading BCP 195 profile (TLS 1.2 and 1.3 only), then narrowed below.
  OFCondition c = layer.setTLSProfile(TSP_Profile_BCP195_ND);
  if (c.good()) c = layer.activateCipherSuites();
  if (c.bad()) return base::Internal(std::string("DICOM TLS profile: ") + c.text());
  SSL_CTX* ctx = layer.getNativeHandle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, 0) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Ciphersuites) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    ERR_clear_error();
    return base::Internal("OpenSSL refused the DICOM TLS policy (versions, ciphers, groups)");
  }
  // DCMTK lowers the level to 0 (for its NULL-cipher profile); we never use those.
  SSL_CTX_set_security_level(ctx, 2);
  uint64_t options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET;
  if (acceptor) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(ctx, options);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (acceptor) SSL_CTX_set_num_tickets(ctx, 0);
  layer.setPrivateKeyPasswd("");  // a protected key fails to load instead of prompting

  const std::string& cert = tls.cert_file;
  const std::string& key = tls.key_file;
  if (cert.empty())
    return base::InvalidArgument("DICOM TLS certificate: no file given", "cert_file");
  if (key.empty()) return base::InvalidArgument("DICOM TLS private key: no file given", "key_file");
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) {
    return base::InvalidArgument(FileError("DICOM TLS certificate", cert, "a PEM certificate"),
                                 "cert_file");
  }
  auto mismatch = [&] {
    ERR_clear_error();
    return base::InvalidArgument(
        "DICOM TLS private key '" + key + "' does not belong to the certificate in '" + cert + "'",
        "key_file");
  };
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH) {
      return mismatch();
    }
    return base::InvalidArgument(FileError("DICOM TLS private key", key, "a PEM private key"),
                                 "key_file");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) return mismatch();

  if (tls.ca_file.empty()) {
    if (!acceptor) {
      return base::InvalidArgument("DICOM TLS to a peer needs a CA file to verify it", "ca_file");
    }
    if (tls.require_client_certificate) {
      return base::InvalidArgument("requiring DICOM TLS client certificates needs a CA file",
                                   "ca_file");
    }
    layer.setCertificateVerification(DCV_ignoreCertificate);  // no certificate is asked for
    return base::Status::Ok();
  }
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1) {
    return base::InvalidArgument(
        FileError("DICOM TLS CA certificates", tls.ca_file, "a file of PEM CA certificates"),
        "ca_file");
  }
  if (acceptor) {
    // The CA names go into the CertificateRequest, so clients pick the right certificate.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.ca_file.c_str());
    if (names == nullptr) {
      return base::InvalidArgument(
          FileError("DICOM TLS CA certificates", tls.ca_file, "a file of PEM CA certificates"),
          "ca_file");
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    layer.setCertificateVerification(tls.require_client_certificate ? DCV_requireCertificate
                                                                    : DCV_checkCertificate);
  } else {
    layer.setCertificateVerification(DCV_requireCertificate);
  }
  return base::Status::Ok();
}

}  // namespace

TlsLayer::TlsLayer(bool acceptor, int io_timeout_seconds, std::function<void()> on_connection)
    : DcmTLSTransportLayer(acceptor ? NET_ACCEPTOR : NET_REQUESTOR, nullptr, OFFalse),
      io_timeout_seconds_(io_timeout_seconds),
      on_connection_(std::move(on_connection)) {}

DcmTransportConnection* TlsLayer::createConnection(DcmNativeSocketType fd, OFBool secure) {
  if (on_connection_) on_connection_();
  DcmTransportConnection* connection = DcmTLSTransportLayer::createConnection(fd, secure);
  // After the connection's constructor, which applies DCMTK's process-wide socket timeouts
  // (dcmSocketSend/ReceiveTimeout, 60 s by default).
  if (connection != nullptr) SetSocketTimeouts(static_cast<int>(fd), io_timeout_seconds_);
  return connection;
}

base::Result<std::unique_ptr<TlsLayer>> MakeAcceptorTlsLayer(const DimseTlsOptions& tls,
                                                             int io_timeout_seconds,
                                                             std::function<void()> on_connection) {
  auto layer = std::make_unique<TlsLayer>(true, io_timeout_seconds, std::move(on_connection));
  DOKUEI_RETURN_IF_ERROR(Configure(*layer, tls, /*acceptor=*/true));
  return layer;
}

base::Result<std::unique_ptr<TlsLayer>> MakeRequestorTlsLayer(const DimseTlsOptions& tls,
                                                              int io_timeout_seconds) {
  auto layer = std::make_unique<TlsLayer>(false, io_timeout_seconds, nullptr);
  DOKUEI_RETURN_IF_ERROR(Configure(*layer, tls, /*acceptor=*/false));
  return layer;
}

std::string PeerCertificateSha256(T_ASC_Association* assoc) {
  unsigned long n = ASC_getPeerCertificateLength(assoc);
  if (n == 0 || n > (1u << 20)) return {};
  std::string der(n, '\0');
  if (ASC_getPeerCertificate(assoc, der.data(), n) != n) return {};
  return base::Sha256Hex(der);
}

void SetSocketTimeouts(int fd, int seconds) {
  if (fd < 0) return;
  timeval tv{};
  tv.tv_sec = seconds > 0 ? seconds : 0;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

}  // namespace dokuei::dicom::net
