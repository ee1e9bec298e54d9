// Runs Debian's sslscan against host:port and checks the result against Dokuei's TLS policy
// (security.md T1): TLS 1.3 enabled; SSLv2, SSLv3, TLS 1.0 and 1.1 disabled; TLS 1.2 cipher suites
// only ECDHE with AES-GCM or CHACHA20-POLY1305; TLS 1.3 suites AEAD; no compression, no
// client-initiated renegotiation, no Heartbleed.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace dokuei::tls_test {

struct ScanCipher {
  std::string protocol;  // "TLSv1.2"
  std::string name;      // OpenSSL name, e.g. "ECDHE-RSA-AES128-GCM-SHA256"
  bool preferred = false;
  int bits = 0;
};

struct ScanResult {
  bool ran = false;                       // sslscan ran and produced an <ssltest> report
  std::map<std::string, bool> protocols;  // "SSLv2" "SSLv3" "TLSv1.0" … -> enabled
  std::vector<ScanCipher> ciphers;
  std::vector<std::string> groups;  // "TLSv1.3 secp256r1 (NIST P-256)" …
  bool renegotiation_supported = false;
  bool compression_enabled = false;
  bool heartbleed = false;
  std::string xml;  // the raw report
};

ScanResult Sslscan(const std::string& host, int port);

// Every way the scan departs from the policy, one sentence each (empty: compliant).
// `allowed_groups`: key-exchange group names that may appear (exact sslscan names).
std::vector<std::string> PolicyViolations(const ScanResult& scan,
                                          const std::vector<std::string>& allowed_groups);

// A human-readable summary for the test log (protocols, ciphers, groups).
std::string Summary(const ScanResult& scan);

}  // namespace dokuei::tls_test
