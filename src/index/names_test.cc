// Unit tests of the text helpers (no database).
#include "names.h"

#include <gtest/gtest.h>

#include "dokuei/index/query.h"

namespace dokuei::index {
namespace {

using Strings = std::vector<std::string>;

TEST(WildcardMatchTest, Basics) {
  EXPECT_TRUE(WildcardMatch("YAMA*", "YAMADA^TAROU", false));
  EXPECT_FALSE(WildcardMatch("yama*", "YAMADA^TAROU", false));
  EXPECT_TRUE(WildcardMatch("yama*", "YAMADA^TAROU", true));
  EXPECT_TRUE(WildcardMatch("*", "", false));
  EXPECT_TRUE(WildcardMatch("", "", false));
  EXPECT_FALSE(WildcardMatch("?", "", false));
  EXPECT_TRUE(WildcardMatch("a*b*c", "aXXbYYc", false));
  EXPECT_FALSE(WildcardMatch("a*b*c", "aXXbYY", false));
  EXPECT_TRUE(WildcardMatch("*a", "aaaa", false));
  // '?' is one character, not one byte.
  EXPECT_TRUE(WildcardMatch("山?^太郎", "山田^太郎", false));
  EXPECT_FALSE(WildcardMatch("山??^太郎", "山田^太郎", false));
  EXPECT_TRUE(WildcardMatch("*田^*", "山田^太郎", false));
  // SQL metacharacters are ordinary characters.
  EXPECT_TRUE(WildcardMatch("100%", "100%", false));
  EXPECT_FALSE(WildcardMatch("100%", "1000", false));
  EXPECT_FALSE(WildcardMatch("a_c", "abc", false));
}

TEST(NamesTest, NormalizeAndMatchKeys) {
  EXPECT_EQ(NormalizePersonName("Yamada^Tarou^^=山田^太郎^=="), "Yamada^Tarou=山田^太郎");
  EXPECT_EQ(NormalizePersonName(""), "");
  EXPECT_EQ(PersonNameMatchKeys("Yamada^Tarou=山田^太郎=やまだ^たろう"),
            (Strings{"yamada^tarou=山田^太郎=やまだ^たろう", "yamada^tarou", "山田^太郎",
                     "やまだ^たろう"}));
  EXPECT_EQ(PersonNameMatchKeys("Doe^John"), (Strings{"doe^john"}));
  EXPECT_EQ(PersonNameMatchKeys("=山田^太郎"), (Strings{"=山田^太郎", "山田^太郎"}));
  EXPECT_TRUE(PersonNameMatchKeys("").empty());
}

TEST(NamesTest, FuzzyFolding) {
  EXPECT_EQ(FoldFuzzy("ヤマダ"), "やまだ");
  EXPECT_EQ(FoldFuzzy("ﾔﾏﾀﾞ ｼﾞﾛｳ"), "やまだ じろう");
  EXPECT_EQ(FoldFuzzy("ﾊﾟﾋﾟﾌﾟ ｳﾞ"), "ぱぴぷ ゔ");
  EXPECT_EQ(FoldFuzzy("ｶﾞｷﾞｸﾞｹﾞｺﾞｻﾞｼﾞｽﾞｾﾞｿﾞﾀﾞﾁﾞﾂﾞﾃﾞﾄﾞﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞ"),
            "がぎぐげござじずぜぞだぢづでどばびぶべぼ");
  EXPECT_EQ(FoldFuzzy("ｱﾞ"), "あ゛");  // not voiceable: the mark stays
  EXPECT_EQ(FoldFuzzy("ｌｏｗ　ＵＰ"), "low up");
  EXPECT_EQ(FoldFuzzy("MiXeD"), "mixed");
  EXPECT_EQ(FoldFuzzy("カ\u3099"), "が");  // combining voiced mark
  EXPECT_EQ(FoldFuzzy("山田ー"), "山田ー");
  EXPECT_EQ(PersonNameFuzzyTokens("Yamada^Tarou=山田^太郎=ヤマダ^タロウ"),
            (Strings{"yamada", "tarou", "山田", "太郎", "やまだ", "たろう"}));
  EXPECT_EQ(PersonNameFuzzyTokens("van der Berg^Jan"), (Strings{"van", "der", "berg", "jan"}));
  EXPECT_EQ(FuzzyQueryWords(" yama*  ﾀﾛ^x= "), (Strings{"yama", "たろ", "x"}));
  EXPECT_TRUE(FuzzyQueryWords("  * ").empty());
}

TEST(NamesTest, PatternTranslation) {
  EXPECT_EQ(LiteralPrefix("ab*c?"), "ab");
  EXPECT_EQ(LiteralPrefix("?ab"), "");
  EXPECT_EQ(LiteralPrefix("abc"), "abc");
  EXPECT_TRUE(IsUniversalPattern("**"));
  EXPECT_FALSE(IsUniversalPattern("*a"));
  EXPECT_FALSE(IsUniversalPattern(""));
  EXPECT_EQ(ToGlobPattern("[a]*?"), "[[]a]*?");
  EXPECT_EQ(ToLikePattern("100%_!*?\\'"), "100!%!_!!%_\\'");
  EXPECT_EQ(PrefixUpperBound("yama"), "yamb");
  EXPECT_EQ(PrefixUpperBound("山田"), "山由");  // U+7530 -> U+7531
  EXPECT_EQ(PrefixUpperBound(""), std::nullopt);
  EXPECT_EQ(PrefixUpperBound("a\U0010FFFF"), "b");
  EXPECT_EQ(PrefixUpperBound("\U0010FFFF"), std::nullopt);
  EXPECT_EQ(PrefixUpperBound("\xed\x9f\xbf"), "\xee\x80\x80");  // U+D7FF -> U+E000
}

TEST(NamesTest, StorableText) {
  EXPECT_TRUE(IsStorableText("山田 abc"));
  EXPECT_TRUE(IsStorableText("\xef\xbf\xbd"));  // an encoded U+FFFD is fine
  EXPECT_FALSE(IsStorableText(std::string("a\0b", 3)));
  EXPECT_FALSE(IsStorableText("\xff"));
  EXPECT_FALSE(IsStorableText("\xc3"));
  EXPECT_FALSE(IsStorableText("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsStorableText("\xc0\xaf"));      // overlong
}

TEST(QueryTest, LevelsAndNames) {
  EXPECT_EQ(LevelOf(Attr::kPatientName), Level::kPatient);
  EXPECT_EQ(LevelOf(Attr::kModalitiesInStudy), Level::kStudy);
  EXPECT_EQ(LevelOf(Attr::kScheduledProcedureStepID), Level::kSeries);
  EXPECT_EQ(LevelOf(Attr::kInstanceNumber), Level::kInstance);
  EXPECT_STREQ(AttrName(Attr::kAccessionNumber), "AccessionNumber");
  EXPECT_STREQ(AttrName(Attr::kSOPInstanceUID), "SOPInstanceUID");
}

}  // namespace
}  // namespace dokuei::index
