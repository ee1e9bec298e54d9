// The key that encrypts two-factor secrets at rest: read from identity.key_file, or created there
// (mode 0600, never overwritten) on first use. Servers sharing a database must share the file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "commands.h"
#include "dokuei/base/env.h"
#include "dokuei/base/strings.h"

namespace dokuei::server {

base::Result<identity::SecretKey> LoadIdentityKey(const Config& config) {
  std::string path = config.identity_key_file;
  if (path.empty()) path = config.data_dir + "/identity.key";
  // Create it exclusively with mode 0600 when missing (never overwrite a key).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const identity::SecretKey key = identity::SecretKey::Generate();
    const std::string text = key.ToHex() + "\n";
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
      ::unlink(path.c_str());
      return base::Internal("cannot write the identity key file " + path);
    }
    return key;
  }
  if (errno != EEXIST) {
    return base::FailedPrecondition("cannot create the identity key file " + path + ": " +
                                    std::strerror(errno));
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
    std::fprintf(stderr, "dokuei: warning: %s is readable by other users (chmod 600 it)\n",
                 path.c_str());
  }
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (!f) return base::FailedPrecondition("cannot read the identity key file " + path);
  char buf[128] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  auto key = identity::SecretKey::FromHex(std::string_view(buf, n));
  if (!key.ok())
    return base::FailedPrecondition("identity key file " + path + ": 64 hex characters expected");
  return key;
}

}  // namespace dokuei::server
