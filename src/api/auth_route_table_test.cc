// The authentication routes as a table (security.md A1, docs/design/identity-and-audit.md):
// each documents itself in both languages and names a permission from identity's table, and every
// authenticated route refuses a caller without credentials with 401 and no data.
#include "auth_test_fixture.h"
#include "dokuei/identity/roles.h"

namespace dokuei::api::auth_testing {
namespace {

using RouteTableTest = ApiTest;
INSTANTIATE_TEST_SUITE_P(Backends, RouteTableTest, ::testing::Values(Backend::kSqliteMemory),
                         BackendName);

TEST_P(RouteTableTest, EveryRouteDocumentsItselfAndNamesAKnownPermission) {
  ASSERT_GE(routes_.routes().size(), 13u);
  int public_routes = 0;
  for (const http::Route& r : routes_.routes()) {
    SCOPED_TRACE(r.method + " " + r.pattern);
    EXPECT_FALSE(r.summary_ja.empty());
    EXPECT_FALSE(r.summary_en.empty());
    EXPECT_EQ(r.tag, "Authentication");
    if (!r.authenticate) {
      ++public_routes;
      EXPECT_TRUE(r.pattern.rfind("/api/auth/", 0) == 0);
      EXPECT_EQ(r.method, "POST");
      continue;
    }
    EXPECT_TRUE(identity::CanonicalPermission(r.permission).has_value()) << r.permission;
  }
  EXPECT_EQ(public_routes, 3);  // login, second-factor, enrol
  const auto doc = Json::parse(http::OpenApiDocument(routes_, {}), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_TRUE(doc["paths"].contains("/api/auth/login"));
  EXPECT_TRUE(doc["paths"].contains("/api/tokens/{id}"));
}

TEST_P(RouteTableTest, EveryAuthenticatedRouteRefusesAnonymousCallers) {
  const auto h = MakeTenant("sakura");
  MakeUser(h, "staff", {identity::Role::kHospitalStaff});
  for (const http::Route& r : routes_.routes()) {
    if (!r.authenticate) continue;
    std::string target = r.pattern;
    if (auto p = target.find("{id}"); p != std::string::npos) target.replace(p, 4, "1");
    SCOPED_TRACE(r.method + " " + target);
    Reply reply = Call(r.method, target, "{}", {{"Content-Type", "application/json"}});
    EXPECT_EQ(reply.status, 401);
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
    EXPECT_EQ(reply.Header("set-cookie"), "");
    EXPECT_EQ(reply.body.find("staff"), std::string::npos);
  }
  EXPECT_TRUE(Audit("").empty()) << "anonymous refusals change nothing";
}

}  // namespace
}  // namespace dokuei::api::auth_testing
