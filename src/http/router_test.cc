#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dokuei/http/router.h"

namespace dokuei::http {
namespace {

Handler Ok() {
  return [](Request&) -> base::Result<Response> { return Response::Bytes(200, "text/plain", ""); };
}

Route R(std::string method, std::string pattern) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.handler = Ok();
  r.summary_en = "summary " + r.pattern;
  r.summary_ja = "概要 " + r.pattern;
  return r;
}

TEST(RouteTable, LiteralBeatsParameter) {
  RouteTable t;
  ASSERT_TRUE(t.Add(R("GET", "/dicom-web/studies/{study}")).ok());
  ASSERT_TRUE(t.Add(R("GET", "/dicom-web/studies/{study}/series")).ok());
  ASSERT_TRUE(t.Add(R("GET", "/dicom-web/studies/{study}/{what}")).ok());
  auto m = t.Match("GET", "/dicom-web/studies/1.2.3/series");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/dicom-web/studies/{study}/series");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].second, "1.2.3");
  m = t.Match("GET", "/dicom-web/studies/1.2.3/metadata");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/dicom-web/studies/{study}/{what}");
  m = t.Match("GET", "/dicom-web/studies/1.2.3");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/dicom-web/studies/{study}");
}

TEST(RouteTable, TrailingSlashAndDecoding) {
  RouteTable t;
  ASSERT_TRUE(t.Add(R("GET", "/a/{x}")).ok());
  auto m = t.Match("GET", "/a/hello%20world/");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params[0].second, "hello world");
  // An encoded slash stays inside the segment.
  m = t.Match("GET", "/a/x%2Fy");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params[0].second, "x/y");
  EXPECT_EQ(t.Match("GET", "/a/%zz").route, nullptr);
  EXPECT_EQ(t.Match("GET", "/a").route, nullptr);
  EXPECT_EQ(t.Match("GET", "/a/b/c").route, nullptr);
  EXPECT_EQ(t.Match("GET", "/a//").route, nullptr);
}

TEST(RouteTable, RestParameter) {
  RouteTable t;
  ASSERT_TRUE(t.Add(R("GET", "/i/{sop}/bulk/{path*}")).ok());
  auto m = t.Match("GET", "/i/1.2/bulk/00431029/0/7FE00010");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/i/{sop}/bulk/{path*}");
  EXPECT_EQ(m.params[1].first, "path");
  EXPECT_EQ(m.params[1].second, "00431029/0/7FE00010");
  EXPECT_EQ(t.Match("GET", "/i/1.2/bulk").route, nullptr);
  EXPECT_FALSE(t.Add(R("GET", "/x/{a*}/b")).ok());
}

TEST(RouteTable, MethodNotAllowedListsMethods) {
  RouteTable t;
  ASSERT_TRUE(t.Add(R("GET", "/s")).ok());
  ASSERT_TRUE(t.Add(R("POST", "/s")).ok());
  auto m = t.Match("DELETE", "/s");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "POST"}));
  m = t.Match("GET", "/nothing");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allowed_methods.empty());
}

TEST(RouteTable, RejectsBadRoutes) {
  RouteTable t;
  EXPECT_FALSE(t.Add(R("GET", "nopath")).ok());
  EXPECT_FALSE(t.Add(R("GET", "/a/{}")).ok());
  EXPECT_FALSE(t.Add(R("GET", "/a/b{c}")).ok());
  ASSERT_TRUE(t.Add(R("GET", "/a")).ok());
  EXPECT_FALSE(t.Add(R("GET", "/a")).ok());
  Route none = R("GET", "/b");
  none.handler = nullptr;
  EXPECT_FALSE(t.Add(none).ok());
}

TEST(OpenApi, DocumentFromTable) {
  RouteTable t;
  Route pub = R("GET", "/health");
  pub.authenticate = false;
  ASSERT_TRUE(t.Add(pub).ok());
  Route r = R("GET", "/dicom-web/studies/{study}/bulk/{path*}");
  r.permission = "dicomweb.read";
  r.tag = "DICOMweb";
  r.produces = {"application/dicom+json"};
  ASSERT_TRUE(t.Add(r).ok());
  auto doc = nlohmann::json::parse(OpenApiDocument(t, {}));
  EXPECT_EQ(doc["openapi"], "3.0.3");
  auto& op = doc["paths"]["/dicom-web/studies/{study}/bulk/{path}"]["get"];
  EXPECT_EQ(op["summary"], "summary /dicom-web/studies/{study}/bulk/{path*}");
  EXPECT_EQ(op["x-summary-ja"], "概要 /dicom-web/studies/{study}/bulk/{path*}");
  EXPECT_EQ(op["parameters"].size(), 2u);
  EXPECT_EQ(op["security"][0].count("bearerAuth"), 1u);
  EXPECT_TRUE(op["responses"].contains("401"));
  EXPECT_TRUE(op["responses"].contains("404"));
  auto& health = doc["paths"]["/health"]["get"];
  EXPECT_TRUE(health["security"].empty());
  EXPECT_FALSE(health["responses"].contains("401"));
  EXPECT_TRUE(doc["components"]["schemas"].contains("Problem"));
}

}  // namespace
}  // namespace dokuei::http
