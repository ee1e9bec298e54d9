// dokuei fsck: the invariants of a data directory.
//  - every blob the index refers to exists (and, with --verify, parses as the DICOM it should be);
//  - blobs nobody refers to (left by a crash between blob commit and index commit, never
//    acknowledged) are reported, and removed with --remove-orphans.
// Prints one JSON summary line; exit 0 when no indexed object is missing or corrupt.
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "dokuei/dicom/parse.h"
#include "storage.h"

namespace dokuei::server {

int RunFsck(const std::vector<std::string>& raw_args) {
  bool verify = false, remove_orphans = false;
  std::vector<std::string> args;
  for (const auto& a : raw_args) {
    if (a == "--verify") verify = true;
    else if (a == "--remove-orphans") remove_orphans = true;
    else args.push_back(a);
  }
  bool help = false;
  auto config = LoadConfig(args, &help);
  if (help) {
    std::printf("dokuei fsck [--verify] [--remove-orphans] [serve options: --data-dir, --index, "
                "--postgres, --blobs ...]\n");
    return 0;
  }
  if (!config.ok()) {
    std::fprintf(stderr, "dokuei fsck: %s\n", config.status().ToString().c_str());
    return 2;
  }
  auto storage = OpenStorage(*config);
  if (!storage.ok()) {
    std::fprintf(stderr, "dokuei fsck: %s\n", storage.status().ToString().c_str());
    return 2;
  }
  std::set<std::string> indexed;
  nlohmann::json missing = nlohmann::json::array(), corrupt = nlohmann::json::array();
  auto st = storage->index->ForEachBlobKey([&](const std::string& key) {
    indexed.insert(key);
    auto content = blob::ReadAll(*storage->blobs, key);
    if (!content.ok()) {
      missing.push_back(key);
    } else if (verify) {
      auto parsed = dicom::ParsePart10(
          {reinterpret_cast<const uint8_t*>(content->data()), content->size()}, dicom::Limits{});
      if (!parsed.ok()) corrupt.push_back({{"key", key}, {"error", parsed.status().ToString()}});
    }
    return base::Status::Ok();
  });
  if (!st.ok()) {
    std::fprintf(stderr, "dokuei fsck: reading the index: %s\n", st.ToString().c_str());
    return 2;
  }
  uint64_t blobs = 0, orphans = 0, removed = 0;
  st = storage->blobs->ForEach([&](const blob::BlobKey& key) {
    ++blobs;
    if (!indexed.count(key)) {
      ++orphans;
      if (remove_orphans && storage->blobs->Remove(key).ok()) ++removed;
    }
    return base::Status::Ok();
  });
  if (!st.ok()) {
    std::fprintf(stderr, "dokuei fsck: listing blobs: %s\n", st.ToString().c_str());
    return 2;
  }
  nlohmann::json summary = {{"indexed", indexed.size()}, {"blobs", blobs},
                            {"missing", missing},        {"corrupt", corrupt},
                            {"orphans", orphans},        {"orphans_removed", removed}};
  std::printf("%s\n", summary.dump().c_str());
  return missing.empty() && corrupt.empty() ? 0 : 1;
}

}  // namespace dokuei::server
