#include "pki.h"

#include <filesystem>

#include "test_util.h"

namespace dokuei::tls_test {

Cmd Shell(const std::string& command_line, int timeout_s) {
  auto r = dimse_test::RunCmd({"sh", "-c", command_line + " </dev/null"}, timeout_s);
  return {r.exit_code, r.output};
}

bool HaveTool(const std::string& tool) {
  return Shell("command -v " + tool + " >/dev/null", 10).exit_code == 0;
}

namespace {

bool Ok(const std::string& command, std::string* error) {
  Cmd c = Shell(command + " 2>&1", 60);
  if (c.exit_code != 0) *error = command + ": " + c.output;
  return c.exit_code == 0;
}

// A CA certificate (self-signed, CA:true).
bool MakeCa(const std::string& dir, const std::string& name, const std::string& cn,
            std::string* error) {
  return Ok(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj '/O=Dokuei tests/CN=" +
          cn +
          "' -addext basicConstraints=critical,CA:TRUE "
          "-addext keyUsage=critical,keyCertSign,cRLSign -keyout " +
          dir + "/" + name + ".key -out " + dir + "/" + name + ".pem",
      error);
}

// A leaf certificate signed by `ca`; `newkey` e.g. "rsa:2048" or "ec -pkeyopt ...".
bool MakeLeaf(const std::string& dir, const std::string& name, const std::string& ca,
              const std::string& cn, const std::string& newkey, const std::string& ext,
              std::string* error) {
  std::string base = dir + "/" + name;
  dimse_test::WriteFile(base + ".ext", ext);
  return Ok("openssl req -newkey " + newkey + " -nodes -subj '/O=Dokuei tests/CN=" + cn +
                "' -keyout " + base + ".key -out " + base + ".csr",
            error) &&
         Ok("openssl x509 -req -in " + base + ".csr -CA " + dir + "/" + ca + ".pem -CAkey " + dir +
                "/" + ca + ".key -CAcreateserial -days 1 -sha256 -extfile " + base + ".ext -out " +
                base + ".pem",
            error);
}

}  // namespace

Pki MakePki(std::string* error) {
  Pki p;
  std::string dir = dimse_test::MakeTempDir("dokuei-tls-pki");
  const std::string ec = "ec -pkeyopt ec_paramgen_curve:prime256v1";
  const std::string server_ext =
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
      "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n";
  const std::string client_ext =
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
      "extendedKeyUsage=clientAuth\n";
  if (!MakeCa(dir, "ca", "Dokuei Test CA", error) ||
      !MakeCa(dir, "other_ca", "Some Other CA", error) ||
      !MakeLeaf(dir, "server", "ca", "localhost", "rsa:2048", server_ext, error) ||
      !MakeLeaf(dir, "client", "ca", "MODALITY", ec, client_ext, error) ||
      !MakeLeaf(dir, "client2", "ca", "MODALITY2", ec, client_ext, error) ||
      !MakeLeaf(dir, "rogue", "other_ca", "MODALITY", ec, client_ext, error)) {
    return p;
  }
  p.dir = dir;
  auto set = [&](std::string& cert, std::string& key, const std::string& name) {
    cert = dir + "/" + name + ".pem";
    key = dir + "/" + name + ".key";
  };
  set(p.ca, p.ca_key, "ca");
  set(p.other_ca, p.other_ca_key, "other_ca");
  set(p.server_cert, p.server_key, "server");
  set(p.client_cert, p.client_key, "client");
  set(p.client2_cert, p.client2_key, "client2");
  set(p.rogue_cert, p.rogue_key, "rogue");
  return p;
}

std::string OpensslFingerprint(const std::string& cert_pem) {
  Cmd c = Shell("openssl x509 -noout -fingerprint -sha256 -in " + cert_pem, 10);
  size_t eq = c.output.find('=');
  if (c.exit_code != 0 || eq == std::string::npos) return {};
  std::string out;
  for (char ch : c.output.substr(eq + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(ch))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    }
  }
  return out;
}

}  // namespace dokuei::tls_test
