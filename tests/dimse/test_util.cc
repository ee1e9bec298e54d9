#include "test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

namespace dokuei::dimse_test {

namespace fs = std::filesystem;

static std::vector<char*> Argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

RunResult RunCmd(const std::vector<std::string>& argv, int timeout_s) {
  RunResult r;
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return r;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    setenv("TCP_NODELAY", "1", 1);
    auto args = Argv(argv);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  char buf[65536];
  for (;;) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{pipefd[0], POLLIN, 0};
    int n = poll(&p, 1, left);
    if (n <= 0) continue;
    ssize_t got = read(pipefd[0], buf, sizeof(buf));
    if (got <= 0) break;
    r.output.append(buf, static_cast<size_t>(got));
  }
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    setenv("TCP_NODELAY", "1", 1);
    auto args = Argv(argv);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

void Kill(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 20; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
  char* p = mkdtemp(tmpl.data());
  return p ? std::string(p) : std::string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::vector<std::string> ListFiles(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string TestDataDir() {
  const char* env = std::getenv("DOKUEI_TESTDATA");
  if (env && *env) return env;
  return "/work/shared/testdata";
}

namespace {
size_t MetaEnd(const std::string& f, MetaInfo* meta) {
  if (f.size() < 132 || std::memcmp(f.data() + 128, "DICM", 4) != 0) return 0;
  const auto* p = reinterpret_cast<const uint8_t*>(f.data());
  size_t pos = 132;
  while (pos + 8 <= f.size() && p[pos] == 0x02 && p[pos + 1] == 0x00) {
    uint16_t element = static_cast<uint16_t>(p[pos + 2] | (p[pos + 3] << 8));
    std::string vr(f.data() + pos + 4, 2);
    size_t header = 8;
    uint32_t len = 0;
    if (vr == "OB" || vr == "OW" || vr == "SQ" || vr == "UN" || vr == "UT") {
      header = 12;
      std::memcpy(&len, p + pos + 8, 4);
    } else {
      len = static_cast<uint32_t>(p[pos + 6] | (p[pos + 7] << 8));
    }
    if (pos + header + len > f.size()) return 0;
    std::string value(f.data() + pos + header, len);
    while (!value.empty() && (value.back() == '\0' || value.back() == ' ')) value.pop_back();
    if (meta) {
      if (element == 0x0010) meta->ts = value;
      if (element == 0x0002) meta->sop_class = value;
      if (element == 0x0003) meta->sop_instance = value;
    }
    pos += header + len;
  }
  return pos;
}
}  // namespace

std::string DatasetOf(const std::string& part10) {
  size_t end = MetaEnd(part10, nullptr);
  return end ? part10.substr(end) : std::string();
}

MetaInfo ReadMeta(const std::string& part10) {
  MetaInfo m;
  MetaEnd(part10, &m);
  return m;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace dokuei::dimse_test
