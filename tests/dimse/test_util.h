// Helpers for the DIMSE tests: subprocesses (DCMTK tools, dimse_peer), temp dirs, test data.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace dokuei::dimse_test {

struct RunResult {
  int exit_code = -1;  // -1: killed after the timeout
  std::string output;  // stdout and stderr
};

// Runs argv[0] (searched in PATH) and waits at most timeout_s seconds.
RunResult RunCmd(const std::vector<std::string>& argv, int timeout_s = 60);
// Starts a process in the background (output to log_path); returns its pid.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path);
// SIGTERM, then SIGKILL after 2 s; reaps it.
void Kill(pid_t pid);

std::string MakeTempDir(const std::string& prefix);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);
// Every regular file under dir, sorted.
std::vector<std::string> ListFiles(const std::string& dir);
// DOKUEI_TESTDATA, or ../shared/testdata relative to the source tree.
std::string TestDataDir();
// Bytes after the preamble and group 0002 of a Part-10 file; "" if it is not one.
std::string DatasetOf(const std::string& part10);
// (0002,0010) and (0002,0002)/(0002,0003) of a Part-10 file.
struct MetaInfo {
  std::string ts, sop_class, sop_instance;
};
MetaInfo ReadMeta(const std::string& part10);
// A free TCP port on 127.0.0.1 (bound and released).
int FreePort();

}  // namespace dokuei::dimse_test
