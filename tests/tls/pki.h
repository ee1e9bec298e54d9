// Throwaway certificates for the TLS tests, made with the openssl command line in a temporary
// directory at test time (no key is ever committed): a test CA, a server certificate
// (localhost / 127.0.0.1, RSA 2048), two client certificates from that CA (EC P-256), and a
// client certificate from another CA.
#pragma once

#include <string>

namespace dokuei::tls_test {

struct Pki {
  std::string dir;
  std::string ca, ca_key;                 // trusted CA
  std::string server_cert, server_key;    // signed by ca
  std::string client_cert, client_key;    // signed by ca
  std::string client2_cert, client2_key;  // signed by ca (another certificate, same CA)
  std::string other_ca, other_ca_key;     // an unrelated CA
  std::string rogue_cert, rogue_key;      // client certificate signed by other_ca
};

// Builds the PKI under a new temporary directory. Empty `dir` on failure (and `error` says why).
Pki MakePki(std::string* error);
// The SHA-256 fingerprint of a PEM certificate as `openssl x509 -fingerprint -sha256` computes it,
// in 64 lowercase hex digits.
std::string OpensslFingerprint(const std::string& cert_pem);

// Runs a shell command line (stdin from /dev/null), at most timeout_s seconds; exit code and
// output (stdout and stderr).
struct Cmd {
  int exit_code = -1;
  std::string output;
};
Cmd Shell(const std::string& command_line, int timeout_s = 60);
// True when `tool` is on PATH.
bool HaveTool(const std::string& tool);

}  // namespace dokuei::tls_test
