#include "dokuei/base/status.h"

#include <gtest/gtest.h>

#include "dokuei/base/error_table.h"

namespace dokuei::base {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd", "x");
  return x / 2;
}

Status UseHalf(int x, int* out) {
  DOKUEI_ASSIGN_OR_RETURN(int h, Half(x));
  *out = h;
  return Status::Ok();
}

TEST(StatusTest, ResultCarriesValueOrError) {
  int out = 0;
  EXPECT_TRUE(UseHalf(4, &out).ok());
  EXPECT_EQ(out, 2);
  Status st = UseHalf(3, &out);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.field(), "x");
  EXPECT_EQ(st.ToString(), "invalid-argument: odd [x]");
}

TEST(StatusTest, ResultFromOkStatusIsAnError) {
  Result<int> r{Status::Ok()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

TEST(ErrorTableTest, EveryCodeHasDistinctEntryWithBothLanguages) {
  for (int c = 0; c <= static_cast<int>(Code::kInternal); ++c) {
    const auto& e = GetErrorInfo(static_cast<Code>(c));
    EXPECT_EQ(static_cast<int>(e.code), c);
    EXPECT_FALSE(e.title_ja.empty());
    EXPECT_FALSE(e.title_en.empty());
  }
  EXPECT_EQ(GetErrorInfo(Code::kResourceExhausted).http_status, 507);
  EXPECT_EQ(GetErrorInfo(Code::kResourceExhausted).dimse_status, 0xA700);
  EXPECT_EQ(ErrorTitle(Code::kNotFound, "en"), "Not found");
  EXPECT_EQ(ErrorTitle(Code::kNotFound, "ja"), "見つかりません");
}

}  // namespace
}  // namespace dokuei::base
