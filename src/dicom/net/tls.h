// DICOM TLS through DCMTK's dcmtls: a DcmTLSTransportLayer configured to Dokuei's policy (the
// same floor as HTTPS, src/http/tls.cc): DCMTK's non-downgrading BCP 195 profile narrowed to
// TLS 1.3, or TLS 1.2 with ECDHE key exchange and AEAD ciphers only; ECDHE groups of at least
// 256 bits; no compression, no renegotiation, no session resumption; OpenSSL security level 2.
//
// Every connection the layer creates gets socket send/receive timeouts before the handshake
// (replacing DCMTK's process-wide 60 s defaults), so a peer that stalls the handshake holds an
// association thread no longer than the ACSE timeout. The
// acceptor's layer also runs a hook when DCMTK takes the socket (DimseServer's external-socket
// gate, see server.cc).
// Thread safety: a configured layer is shared read-only by the associations of its network.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmtls/tlslayer.h"
#include "dokuei/base/status.h"
#include "dokuei/dicom/dimse.h"

struct T_ASC_Association;

namespace dokuei::dicom::net {

class TlsLayer : public DcmTLSTransportLayer {
 public:
  TlsLayer(bool acceptor, int io_timeout_seconds, std::function<void()> on_connection);
  DcmTransportConnection* createConnection(DcmNativeSocketType fd, OFBool secure) override;

 private:
  int io_timeout_seconds_;
  std::function<void()> on_connection_;
};

// The acceptor (server) layer: our certificate and key; client certificates verified against
// tls.ca_file when presented (required with tls.require_client_certificate).
base::Result<std::unique_ptr<TlsLayer>> MakeAcceptorTlsLayer(const DimseTlsOptions& tls,
                                                             int io_timeout_seconds,
                                                             std::function<void()> on_connection);
// The requestor (client) layer: our certificate and key as the client certificate; the server's
// certificate must chain to tls.ca_file.
base::Result<std::unique_ptr<TlsLayer>> MakeRequestorTlsLayer(const DimseTlsOptions& tls,
                                                              int io_timeout_seconds);

// SHA-256 (lowercase hex) of the peer's certificate (DER) on a TLS association; "" when there is
// none.
std::string PeerCertificateSha256(T_ASC_Association* assoc);
// Socket receive and send timeouts (0: none).
void SetSocketTimeouts(int fd, int seconds);

}  // namespace dokuei::dicom::net
