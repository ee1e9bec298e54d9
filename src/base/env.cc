#include "dokuei/base/env.h"

namespace dokuei::base {
namespace {

std::string Parent(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

}  // namespace

Status CreateDirs(Env& env, const std::string& dir) {
  if (dir.empty() || dir == "/" || dir == "." || env.FileExists(dir)) return Status::Ok();
  std::string parent = Parent(dir);
  DOKUEI_RETURN_IF_ERROR(CreateDirs(env, parent));
  DOKUEI_RETURN_IF_ERROR(env.CreateDir(dir));
  return env.SyncDir(parent);
}

Result<std::string> ReadFileToString(Env& env, const std::string& path) {
  DOKUEI_ASSIGN_OR_RETURN(auto file, env.OpenForRead(path));
  std::string out(file->Size(), '\0');
  DOKUEI_ASSIGN_OR_RETURN(
      size_t n, file->Read(0, std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size())));
  out.resize(n);
  return out;
}

Status WriteFileAtomically(Env& env, const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  {
    DOKUEI_ASSIGN_OR_RETURN(auto f, env.NewWritableFile(tmp));
    DOKUEI_RETURN_IF_ERROR(f->Append(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(content.data()), content.size())));
    DOKUEI_RETURN_IF_ERROR(f->Sync());
    DOKUEI_RETURN_IF_ERROR(f->Close());
  }
  DOKUEI_RETURN_IF_ERROR(env.Rename(tmp, path));
  return env.SyncDir(Parent(path));
}

}  // namespace dokuei::base
