// DerivedUid: the UIDs of a version's SR and Encapsulated PDF are the same every time they are
// rendered (so an addendum can name them without storing them) and valid DICOM UIDs.
#include <gtest/gtest.h>

#include <set>

#include "dokuei/publish/publish.h"

namespace dokuei::publish {
namespace {

bool ValidUid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64) return false;
  bool component_start = true;
  for (size_t i = 0; i < uid.size(); ++i) {
    const char c = uid[i];
    if (c == '.') {
      if (component_start) return false;  // empty component
      component_start = true;
      continue;
    }
    if (c < '0' || c > '9') return false;
    if (component_start && c == '0' && i + 1 < uid.size() && uid[i + 1] != '.') return false;
    component_start = false;
  }
  return !component_start;
}

TEST(DerivedUidTest, StableValidAndDistinct) {
  EXPECT_EQ(DerivedUid("sr", 7, 12), DerivedUid("sr", 7, 12));
  std::set<std::string> seen;
  for (const char* what : {"sr", "pdf", "series"})
    for (int64_t report : {1, 2, 1000000})
      for (int64_t version : {0, 1, 2}) {
        const std::string uid = DerivedUid(what, report, version);
        EXPECT_TRUE(ValidUid(uid)) << uid;
        EXPECT_EQ(uid.rfind("2.25.", 0), 0u) << uid;
        EXPECT_TRUE(seen.insert(uid).second) << what << " " << report << " " << version;
      }
}

}  // namespace
}  // namespace dokuei::publish
