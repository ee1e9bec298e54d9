#include "dokuei/http/problem.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dokuei/http/auth.h"
#include "dokuei/http/media_type.h"

namespace dokuei::http {
namespace {

TEST(PreferredLanguage, JapaneseByDefault) {
  EXPECT_EQ(PreferredLanguage(""), "ja");
  EXPECT_EQ(PreferredLanguage("*"), "ja");
  EXPECT_EQ(PreferredLanguage("ja,en;q=0.8"), "ja");
  EXPECT_EQ(PreferredLanguage("ja-JP"), "ja");
  EXPECT_EQ(PreferredLanguage("fr"), "ja");
  EXPECT_EQ(PreferredLanguage("en-US,en;q=0.9"), "en");
  EXPECT_EQ(PreferredLanguage("en;q=0.5, ja;q=0.4"), "en");
  EXPECT_EQ(PreferredLanguage("fr, en;q=0.5"), "en");
  EXPECT_EQ(PreferredLanguage("en, ja"), "en");
  EXPECT_EQ(PreferredLanguage("ja, en"), "ja");
  EXPECT_EQ(PreferredLanguage("en;q=0"), "ja");
  EXPECT_EQ(PreferredLanguage("english"), "ja");
}

TEST(Problem, JapaneseAndEnglishTitles) {
  base::Status st = base::InvalidArgument("bad date range", "StudyDate");
  auto ja = nlohmann::json::parse(ProblemJson(st, "ja"));
  EXPECT_EQ(ja["type"], "https://dokuei.example/problems/invalid-argument");
  EXPECT_EQ(ja["title"], "入力が不正です");
  EXPECT_EQ(ja["status"], 400);
  EXPECT_EQ(ja["detail"], "bad date range");
  EXPECT_EQ(ja["field"], "StudyDate");
  auto en = nlohmann::json::parse(ProblemJson(st, "en"));
  EXPECT_EQ(en["title"], "Invalid input");
  auto nf = nlohmann::json::parse(ProblemJson(base::NotFound("x \"quoted\"\n"), "en"));
  EXPECT_EQ(nf["status"], 404);
  EXPECT_EQ(nf["detail"], "x \"quoted\"\n");
  EXPECT_FALSE(nf.contains("field"));
}

TEST(Problem, ResponseCarriesStatusAndAuthenticateHeader) {
  Response r = ProblemResponse(base::Unauthenticated("missing bearer token"), "ja");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers.Get("content-type"), "application/problem+json");
  EXPECT_EQ(r.headers.Get("WWW-Authenticate"), "Bearer realm=\"dokuei\"");
  Response t = ProblemResponse(base::PayloadTooLarge("too big"), "en");
  EXPECT_EQ(t.status, 413);
  EXPECT_FALSE(t.headers.Has("WWW-Authenticate"));
}

TEST(MediaType, ParsesParameters) {
  auto mt = ParseMediaType(
      "Multipart/Related; type=\"application/dicom\"; boundary=\"a b;c\"; charset=utf-8");
  ASSERT_TRUE(mt.ok());
  EXPECT_EQ(mt->Essence(), "multipart/related");
  EXPECT_EQ(mt->Param("type"), "application/dicom");
  EXPECT_EQ(mt->Param("boundary"), "a b;c");
  EXPECT_EQ(mt->Param("charset"), "utf-8");
  EXPECT_FALSE(mt->HasParam("start"));
  EXPECT_FALSE(ParseMediaType("nonsense").ok());
  EXPECT_FALSE(ParseMediaType("a/b; boundary").ok());
  EXPECT_FALSE(ParseMediaType("a/b; x=\"unterminated").ok());
  EXPECT_FALSE(ParseMediaType("a b/c").ok());
}

TEST(MediaType, AcceptOrderedByQuality) {
  auto acc = ParseAccept(
      "image/png;q=0.5, multipart/related; type=\"application/octet-stream\"; "
      "transfer-syntax=*, image/jpeg;q=0, */*;q=0.1");
  ASSERT_TRUE(acc.ok());
  ASSERT_EQ(acc->size(), 3u);
  EXPECT_EQ((*acc)[0].Essence(), "multipart/related");
  EXPECT_EQ((*acc)[0].Param("transfer-syntax"), "*");
  EXPECT_EQ((*acc)[1].Essence(), "image/png");
  EXPECT_DOUBLE_EQ((*acc)[1].q, 0.5);
  EXPECT_EQ((*acc)[2].Essence(), "*/*");
  EXPECT_TRUE((*acc)[2].Accepts("image", "jpeg"));
  auto empty = ParseAccept("");
  ASSERT_TRUE(empty.ok());
  ASSERT_EQ(empty->size(), 1u);
  EXPECT_TRUE((*empty)[0].Accepts("application", "dicom+json"));
  EXPECT_FALSE(ParseAccept("image/png;q=2").ok());
  EXPECT_EQ(ParseAccept("bad").status().field(), "Accept");
}

TEST(Query, DecodesPairs) {
  auto q = ParseQuery("PatientName=%E5%B1%B1%E7%94%B0*&limit=10&includefield=a&includefield=b&x");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 5u);
  EXPECT_EQ((*q)[0].second, "山田*");
  EXPECT_EQ((*q)[3].second, "b");
  EXPECT_EQ((*q)[4].first, "x");
  EXPECT_EQ(ParseQuery("a+b=c+d")->at(0).second, "c d");
  auto bad = ParseQuery("PatientName=%G1");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "PatientName");
  EXPECT_EQ(PercentEncode("1.2 3/é"), "1.2%203%2F%C3%A9");
}

TEST(StaticTokens, BearerTokens) {
  StaticToken a{StaticTokenAuthenticator::HashToken("secret-a"), 1, "alice", {"dicomweb.read"}};
  StaticToken b{StaticTokenAuthenticator::HashToken("secret-b"), 2, "bob", {"*"}};
  StaticToken broken{"not-hex", 3, "x", {}};
  StaticTokenAuthenticator auth({a, b, broken});
  Headers h;
  RequestView v{"GET", "/", &h, ""};
  EXPECT_EQ(auth.Authenticate(v).status().code(), base::Code::kUnauthenticated);
  h.Set("Authorization", "Basic c2VjcmV0LWE=");
  EXPECT_EQ(auth.Authenticate(v).status().code(), base::Code::kUnauthenticated);
  h.Set("Authorization", "Bearer secret-c");
  EXPECT_EQ(auth.Authenticate(v).status().code(), base::Code::kUnauthenticated);
  h.Set("Authorization", "Bearer secret-a");
  auto p = auth.Authenticate(v);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->tenant_id, 1);
  EXPECT_EQ(p->subject, "alice");
  EXPECT_TRUE(p->HasPermission("dicomweb.read"));
  EXPECT_FALSE(p->HasPermission("dicomweb.write"));
  h.Set("Authorization", "bearer   secret-b  ");
  p = auth.Authenticate(v);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->tenant_id, 2);
  EXPECT_TRUE(p->HasPermission("anything"));
  EXPECT_EQ(StaticTokenAuthenticator::HashToken("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace dokuei::http
