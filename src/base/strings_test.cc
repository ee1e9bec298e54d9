#include "dokuei/base/strings.h"

#include <gtest/gtest.h>

#include "dokuei/base/random.h"

namespace dokuei::base {
namespace {

TEST(UidTest, AcceptsValidRejectsPathLike) {
  EXPECT_TRUE(IsValidUid("1.2.840.10008.5.1.4.1.1.2"));
  EXPECT_TRUE(IsValidUid("2.25.0"));
  EXPECT_FALSE(IsValidUid(""));
  EXPECT_FALSE(IsValidUid("../../etc/passwd"));
  EXPECT_FALSE(IsValidUid("1.2/3"));
  EXPECT_FALSE(IsValidUid("1..2"));
  EXPECT_FALSE(IsValidUid("1.2."));
  EXPECT_FALSE(IsValidUid("1.02"));
  EXPECT_FALSE(IsValidUid(std::string(65, '1')));
}

TEST(UidTest, NewUidsAreValidAndDistinct) {
  std::string a = NewDicomUid(), b = NewDicomUid();
  EXPECT_TRUE(IsValidUid(a)) << a;
  EXPECT_NE(a, b);
  EXPECT_LE(a.size(), 44u);
}

TEST(StringsTest, SplitTrimParse) {
  auto parts = Split("a\\b\\\\c", '\\');
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[3], "c");
  EXPECT_EQ(Trim("  x \0"), "x");
  EXPECT_EQ(ParseInt("42"), 42);
  EXPECT_FALSE(ParseInt("4x").has_value());
  EXPECT_FALSE(ParseUint("-1").has_value());
  std::string j;
  AppendJsonEscaped(j, "a\"b\\\n\x01");
  EXPECT_EQ(j, "a\\\"b\\\\\\n\\u0001");
}

}  // namespace
}  // namespace dokuei::base
