// Subcommands of the dokuei binary. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace dokuei::server {

int RunServe(const std::vector<std::string>& args);
int RunDemo(const std::vector<std::string>& args);
int RunFsck(const std::vector<std::string>& args);

}  // namespace dokuei::server
