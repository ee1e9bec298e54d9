#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstring>

#include "dcmtk/dcmnet/assoc.h"
#include "dokuei/base/digest.h"
#include "dokuei/base/tls_policy.h"

namespace dokuei::dicom::net {
namespace {

base::Status Configure(TlsLayer& layer, const DimseTlsOptions& tls, bool acceptor) {
  if (!layer) return base::Internal("cannot create the DICOM TLS context");
  // DCMTK's non-downgrading BCP 195 profile (TLS 1.2 and 1.3 only), then narrowed below.
  OFCondition c = layer.setTLSProfile(TSP_Profile_BCP195_ND);
  if (c.good()) c = layer.activateCipherSuites();
  if (c.bad()) return base::Internal(std::string("DICOM TLS profile: ") + c.text());
  SSL_CTX* ctx = layer.getNativeHandle();
  DOKUEI_RETURN_IF_ERROR(base::ApplyTlsPolicy(ctx, acceptor, base::kDicomTlsGroups));
  layer.setPrivateKeyPasswd("");  // a protected key fails to load instead of prompting

  const std::string& cert = tls.cert_file;
  const std::string& key = tls.key_file;
  if (cert.empty())
    return base::InvalidArgument("DICOM TLS certificate: no file given", "cert_file");
  if (key.empty()) return base::InvalidArgument("DICOM TLS private key: no file given", "key_file");
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) {
    return base::InvalidArgument(
        base::TlsFileError("DICOM TLS certificate", cert, "a PEM certificate"), "cert_file");
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
    return base::InvalidArgument(
        base::TlsFileError("DICOM TLS private key", key, "a PEM private key"), "key_file");
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
    return base::InvalidArgument(base::TlsFileError("DICOM TLS CA certificates", tls.ca_file,
                                                    "a file of PEM CA certificates"),
                                 "ca_file");
  }
  if (acceptor) {
    // The CA names go into the CertificateRequest, so clients pick the right certificate.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.ca_file.c_str());
    if (names == nullptr) {
      return base::InvalidArgument(base::TlsFileError("DICOM TLS CA certificates", tls.ca_file,
                                                      "a file of PEM CA certificates"),
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
