// TLS contexts for the HTTP server (and for tests and other clients that talk to it), built to
// one policy: TLS 1.3, and TLS 1.2 only with ECDHE key exchange and AEAD ciphers
// (ECDHE-ECDSA/RSA with AES-128/256-GCM or CHACHA20-POLY1305); no compression, no renegotiation,
// the server's cipher order, no session tickets or session cache (no resumption state to steal).
// Certificate and key come from PEM files; a password-protected key is refused (never prompted
// for). Errors name the file at fault: missing or unreadable, not PEM, or key and certificate that
// do not belong together.
//
// The DICOM TLS listener applies the same floor through DCMTK (src/dicom/net/tls.cc).
// Thread safety: the functions are thread-safe; a context is shared read-only by connections.
#pragma once

#include <memory>
#include <string>

#include "dokuei/base/status.h"

namespace boost::asio::ssl {
class context;
}

namespace dokuei::http {

// The policy itself (versions, suites, groups) is base::ApplyTlsPolicy (dokuei/base/tls_policy.h).

// A server context for ServerOptions::tls_context. `cert_pem_path` holds the certificate,
// optionally followed by its intermediate CA certificates; `key_pem_path` the unencrypted private
// key. kInvalidArgument (field "tls_cert" or "tls_key") naming the file when either cannot be
// used.
base::Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_pem_path, const std::string& key_pem_path);

// A client context with the same protocol floor that verifies the server against the CA
// certificates in `ca_pem_path` (host names are the caller's business:
// ssl::host_name_verification). With `cert_pem_path`/`key_pem_path`, it also presents a client
// certificate.
base::Result<std::shared_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const std::string& ca_pem_path, const std::string& cert_pem_path = {},
    const std::string& key_pem_path = {});

}  // namespace dokuei::http
