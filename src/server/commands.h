// Subcommands of the dokuei binary. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "config.h"
#include "dokuei/identity/totp.h"

namespace dokuei::server {

int RunServe(const std::vector<std::string>& args);
int RunDemo(const std::vector<std::string>& args);
int RunFsck(const std::vector<std::string>& args);
int RunAdmin(const std::vector<std::string>& args);
int RunAudit(const std::vector<std::string>& args);
int RunSimulate(const std::vector<std::string>& args);  // simulate_cmd.cc
int RunHl7(const std::vector<std::string>& args);       // hl7_cmd.cc

// The actor of audit records written by the command line: "cli:<login of the effective user>"
// (getpwuid(geteuid())), "cli:uid<N>" when the user has no name (audit_cmd.cc).
std::string CliActor();

// The key that encrypts TOTP secrets at rest: DOKUEI_IDENTITY_KEY_FILE, else
// <data_dir>/identity.key, created (mode 0600, 64 hex characters) when missing (admin_cmd.cc).
base::Result<identity::SecretKey> LoadIdentityKey(const Config& config);

}  // namespace dokuei::server
