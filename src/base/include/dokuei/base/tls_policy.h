// The one TLS policy of every TLS endpoint Dokuei has (HTTPS, the DICOM TLS listener and its
// outgoing associations, syslog over TLS): TLS 1.3, and TLS 1.2 only with ECDHE key exchange and
// AEAD ciphers (security.md T1; BCP 195 and DICOM PS3.15 Modified BCP 195); OpenSSL security
// level 2 (RSA ≥ 2048 bits, no SHA-1 signatures); no compression, no renegotiation, no session
// tickets or cache (no resumption state to steal); a password-protected key fails to load
// instead of prompting on a terminal.
// Thread safety: pure functions on a context not yet shared.
#pragma once

#include <string>

#include "dokuei/base/status.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace dokuei::base {

// OpenSSL names of the TLS 1.2 cipher suites allowed, in order of preference.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.3 suites (all AEAD).
inline constexpr const char* kTls13Ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
// Key exchange groups: HTTPS and syslog; DICOM (Modified BCP 195: NIST curves of at least 256
// bits).
inline constexpr const char* kTlsGroups = "X25519:P-256:P-384";
inline constexpr const char* kDicomTlsGroups = "P-256:P-384:P-521";

// Applies the policy to `ctx`. `server`: the server's cipher order, and no TLS 1.3 tickets.
// kInternal when OpenSSL refuses it.
Status ApplyTlsPolicy(ssl_ctx_st* ctx, bool server, const char* groups = kTlsGroups);

// Drains the OpenSSL error queue into one sentence about the file `path` (`what`: "HTTPS
// certificate"; `expected`: what the file should hold, "a PEM certificate"): cannot be read (with
// the errno text), too weak for the policy, password-protected, or not what was expected.
std::string TlsFileError(const std::string& what, const std::string& path,
                         const std::string& expected);

}  // namespace dokuei::base
