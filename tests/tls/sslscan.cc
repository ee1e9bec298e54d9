#include "sslscan.h"

#include <algorithm>
#include <regex>
#include <sstream>

#include "pki.h"

namespace dokuei::tls_test {
namespace {

std::string Attr(const std::string& line, const std::string& name) {
  std::regex re(" " + name + "=\"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(line, m, re) ? m[1].str() : std::string();
}

bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

}  // namespace

ScanResult Sslscan(const std::string& host, int port) {
  ScanResult r;
  Cmd c = Shell("sslscan --no-colour --xml=- " + host + ":" + std::to_string(port), 300);
  r.xml = c.output;
  std::istringstream in(c.output);
  std::string line;
  while (std::getline(in, line)) {
    size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos) continue;
    line = line.substr(start);
    if (StartsWith(line, "<ssltest ")) {
      r.ran = true;
    } else if (StartsWith(line, "<protocol ")) {
      std::string type = Attr(line, "type"), version = Attr(line, "version");
      std::string name = type == "ssl" ? "SSLv" + version : "TLSv" + version;
      r.protocols[name] = Attr(line, "enabled") == "1";
    } else if (StartsWith(line, "<cipher ")) {
      ScanCipher ci;
      ci.protocol = Attr(line, "sslversion");
      ci.name = Attr(line, "cipher");
      ci.preferred = Attr(line, "status") == "preferred";
      ci.bits = std::atoi(Attr(line, "bits").c_str());
      r.ciphers.push_back(ci);
    } else if (StartsWith(line, "<group ")) {
      r.groups.push_back(Attr(line, "sslversion") + " " + Attr(line, "name"));
    } else if (StartsWith(line, "<renegotiation ")) {
      r.renegotiation_supported = Attr(line, "supported") == "1";
    } else if (StartsWith(line, "<compression ")) {
      r.compression_enabled = Attr(line, "supported") == "1";
    } else if (StartsWith(line, "<heartbleed ")) {
      r.heartbleed = r.heartbleed || Attr(line, "vulnerable") == "1";
    }
  }
  return r;
}

std::vector<std::string> PolicyViolations(const ScanResult& scan,
                                          const std::vector<std::string>& allowed_groups) {
  std::vector<std::string> v;
  if (!scan.ran) return {"sslscan produced no report: " + scan.xml};
  for (const char* off : {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"}) {
    auto it = scan.protocols.find(off);
    if (it == scan.protocols.end())
      v.push_back(std::string(off) + " was not tested");
    else if (it->second)
      v.push_back(std::string(off) + " is enabled");
  }
  for (const char* on : {"TLSv1.2", "TLSv1.3"}) {
    auto it = scan.protocols.find(on);
    if (it == scan.protocols.end() || !it->second) v.push_back(std::string(on) + " is not enabled");
  }
  if (scan.ciphers.empty()) v.push_back("no cipher suite accepted");
  for (const auto& c : scan.ciphers) {
    bool ok = false;
    if (c.protocol == "TLSv1.3") {
      ok = c.name == "TLS_AES_128_GCM_SHA256" || c.name == "TLS_AES_256_GCM_SHA384" ||
           c.name == "TLS_CHACHA20_POLY1305_SHA256";
    } else if (c.protocol == "TLSv1.2") {
      bool ecdhe = StartsWith(c.name, "ECDHE-RSA-") || StartsWith(c.name, "ECDHE-ECDSA-");
      bool aead = c.name.find("-GCM-") != std::string::npos ||
                  c.name.find("CHACHA20-POLY1305") != std::string::npos;
      ok = ecdhe && aead;
    }
    if (!ok) v.push_back(c.protocol + " cipher " + c.name + " is accepted");
    if (c.bits < 128) v.push_back(c.name + " has " + std::to_string(c.bits) + " bits");
  }
  for (const auto& g : scan.groups) {
    std::string name = g.substr(g.find(' ') + 1);
    if (std::find(allowed_groups.begin(), allowed_groups.end(), name) == allowed_groups.end()) {
      v.push_back("key exchange group " + g + " is accepted");
    }
  }
  if (scan.renegotiation_supported) v.push_back("session renegotiation is supported");
  if (scan.compression_enabled) v.push_back("TLS compression is enabled");
  if (scan.heartbleed) v.push_back("vulnerable to Heartbleed");
  return v;
}

std::string Summary(const ScanResult& scan) {
  std::ostringstream out;
  out << "protocols:";
  for (const auto& [p, on] : scan.protocols) out << " " << p << (on ? "=on" : "=off");
  out << "\nciphers:";
  for (const auto& c : scan.ciphers) {
    out << "\n  " << c.protocol << " " << c.name << (c.preferred ? " (preferred)" : "");
  }
  out << "\ngroups:";
  for (const auto& g : scan.groups) out << "\n  " << g;
  out << "\nrenegotiation " << (scan.renegotiation_supported ? "supported" : "not supported")
      << ", compression " << (scan.compression_enabled ? "on" : "off") << ", heartbleed "
      << (scan.heartbleed ? "VULNERABLE" : "no");
  return out.str();
}

}  // namespace dokuei::tls_test
