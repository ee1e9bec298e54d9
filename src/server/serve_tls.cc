// HTTPS and DICOM TLS for `dokuei serve`, and the rule that keeps an unprotected server off the
// network: a non-loopback address only with TLS on that listener and an administrator who has
// two-factor authentication (security.md; docs/design/identity-and-audit.md).
#include <boost/asio/ssl/context.hpp>

#include "dokuei/http/tls.h"
#include "serve_parts.h"

namespace dokuei::server {

base::Result<Listeners> MakeListeners(const Config& config) {
  Listeners l;
  if (!config.http_tls_cert.empty()) {
    DOKUEI_ASSIGN_OR_RETURN(l.https,
                            http::MakeServerTlsContext(config.http_tls_cert, config.http_tls_key));
  }
  if (!config.dicom_tls_listen.empty()) {
    dicom::DimseTlsOptions t;
    std::string host;
    uint16_t port = 0;
    DOKUEI_RETURN_IF_ERROR(ParseHostPort(config.dicom_tls_listen, &host, &port));
    t.bind_address = host == "localhost" ? "127.0.0.1" : host;
    t.port = port;
    t.cert_file = config.dicom_tls_cert;
    t.key_file = config.dicom_tls_key;
    t.ca_file = config.dicom_tls_ca;
    // Whether a client certificate is needed is decided per AE title / tenant at association.
    t.require_client_certificate = false;
    l.dicom_tls = std::move(t);
  }
  return l;
}

namespace {

// Whether `listen` ("host:port") binds a loopback address.
base::Result<bool> Loopback(const std::string& listen) {
  std::string host;
  uint16_t port = 0;
  DOKUEI_RETURN_IF_ERROR(ParseHostPort(listen, &host, &port));
  return IsLoopback(host);
}

}  // namespace

base::Status CheckExposure(const Config& config, const Listeners& listeners,
                           identity::Identity& identity, const std::string& lang) {
  const bool en = lang == "en";
  struct Listener {
    const char* key;
    const std::string& address;
    bool tls;
  };
  const Listener all[] = {
      {"http.listen", config.http_listen, listeners.https != nullptr},
      {"dicom.listen", config.dicom_listen, false},
      {"dicom.tls_listen", config.dicom_tls_listen, listeners.dicom_tls.has_value()},
  };
  std::optional<bool> admin;  // looked up once, when needed
  for (const Listener& l : all) {
    if (l.address.empty()) continue;
    DOKUEI_ASSIGN_OR_RETURN(bool loopback, Loopback(l.address));
    if (loopback) continue;
    const std::string what = std::string(l.key) + " " + l.address + ": ";
    if (!l.tls) {
      if (std::string_view(l.key) == "dicom.listen") {
        return base::FailedPrecondition(
            what + (en ? "refusing to listen on a non-loopback address without TLS: the plain "
                         "DICOM listener stays on loopback; offer DICOM over TLS with "
                         "dicom.tls_listen, dicom.tls_cert and dicom.tls_key"
                       : "暗号化なしの DICOM 受付はループバック以外では待ち受けません。"
                         "dicom.tls_listen・dicom.tls_cert・dicom.tls_key で DICOM TLS を"
                         "設定してください"));
      }
      return base::FailedPrecondition(
          what + (en ? "refusing to listen on a non-loopback address without TLS (set "
                       "http.tls_cert and http.tls_key)"
                     : "TLS なしでループバック以外のアドレスでは待ち受けません "
                       "(http.tls_cert と http.tls_key を設定してください)"));
    }
    if (!admin) {
      DOKUEI_ASSIGN_OR_RETURN(bool has, HasAdministratorWithTwoFactor(identity));
      admin = has;
    }
    if (!*admin) {
      return base::FailedPrecondition(
          what + (en ? "refusing to listen on a non-loopback address until the reading centre "
                       "has an administrator with two-factor authentication (dokuei admin "
                       "create-admin, then dokuei admin enroll-2fa)"
                     : "読影センターに二要素認証を登録した管理者がいるまで、ループバック以外の"
                       "アドレスでは待ち受けません (dokuei admin create-admin の後 "
                       "dokuei admin enroll-2fa)"));
    }
  }
  return base::Status::Ok();
}

}  // namespace dokuei::server
