#include "demo_data.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "dokuei/base/random.h"
#include "dokuei/base/strings.h"
#include "dokuei/demo/phantom.h"

namespace dokuei::server {

base::Result<DemoSetup> PrepareDemo(const Config& config) {
  DemoSetup d;
  d.token_file = config.data_dir + "/demo-token";
  d.studies_dir = config.data_dir + "/demo-studies";
  DOKUEI_RETURN_IF_ERROR(base::CreateDirs(base::PosixEnv(), config.data_dir));
  auto existing = base::ReadFileToString(base::PosixEnv(), d.token_file);
  if (existing.ok() && base::Trim(*existing).size() >= 32) {
    d.token = std::string(base::Trim(*existing));
    return d;
  }
  d.token = base::RandomHex(24);
  int fd = ::open(d.token_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return base::Internal("cannot write " + d.token_file);
  std::string line = d.token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return base::Internal("cannot write " + d.token_file);
  return d;
}

base::Status LoadDemoStudies(const DemoSetup& demo, index::Index& index, archive::Ingest& ingest,
                             index::TenantId tenant) {
  DOKUEI_ASSIGN_OR_RETURN(index::TenantStats stats, index.Stats(tenant));
  if (stats.instances > 0) return base::Status::Ok();
  namespace fs = std::filesystem;
  if (!fs::exists(demo.studies_dir + "/truth.json")) {
    demo::GenerateOptions options;
    options.out_dir = demo.studies_dir;
    options.tenant_hint = demo.tenant_code;
    DOKUEI_ASSIGN_OR_RETURN(auto summary, demo::Generate(options));
    spdlog::info("demo: generated {} files ({} MB) in {}", summary.files, summary.bytes >> 20,
                 demo.studies_dir);
  }
  archive::Origin origin;
  origin.protocol = "demo";
  origin.user = "demo";
  int stored = 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(demo.studies_dir))
    if (e.is_regular_file() && e.path().extension() != ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    if (bytes.size() < 132 || bytes.compare(128, 4, "DICM") != 0) continue;
    auto r = ingest.StorePart10(
        tenant, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, origin);
    if (!r.ok()) return r.status.WithContext("storing demo file " + path.string());
    ++stored;
  }
  spdlog::info("demo: stored {} instances for tenant {}", stored, demo.tenant_code);
  return base::Status::Ok();
}

}  // namespace dokuei::server
