// API tokens through the JSON API on every backend: creation (secret shown once), use as a
// bearer token (one "token.use" record per request, no CSRF), scope, tenant isolation,
// revocation, expiry, and the audit record committed with the change.
#include "auth_test_fixture.h"

namespace dokuei::api::auth_testing {
namespace {

using std::chrono::hours;

class TokenApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    a_ = MakeTenant("sakura");
    b_ = MakeTenant("kaede");
    admin_a_ = MakeUser(a_, "admin-a", {identity::Role::kAdministrator});
    admin_b_ = MakeUser(b_, "admin-b", {identity::Role::kAdministrator});
    secret_a_ = Enrol(admin_a_.id);
    secret_b_ = Enrol(admin_b_.id);
  }

  // Creates a token through the API; returns the reply.
  Reply Create(const Browser& who, const Json& body) { return Post("/api/tokens", body, As(who)); }

  static std::vector<audit::Record> Exactly(const std::vector<audit::Record>& all,
                                            const std::string& a) {
    std::vector<audit::Record> out;
    for (const auto& r : all)
      if (r.event.action == a) out.push_back(r);
    return out;
  }

  identity::Tenant a_, b_;
  identity::User admin_a_, admin_b_;
  std::string secret_a_, secret_b_;
};
DOKUEI_AUTH_API_BACKENDS(TokenApiTest);

TEST_P(TokenApiTest, CreateUseAndRevoke) {
  const Browser admin = SignIn("admin-a", kGoodPassword, secret_a_);
  Reply r = Create(admin, {{"name", "gateway-1"},
                           {"permissions", {"tokens.manage", "users.read"}},
                           {"expires_in_days", 30}});
  ASSERT_EQ(r.status, 201) << r.body;
  Json j = r.json();
  const std::string secret = j["secret"];
  EXPECT_EQ(secret.rfind("dok_", 0), 0u);
  EXPECT_EQ(j["name"], "gateway-1");
  EXPECT_EQ(j["tenant_id"], a_.id);
  EXPECT_EQ(j["permissions"], Json({"tokens.manage", "users.read"}));
  EXPECT_EQ(j["active"], true);
  const int64_t token_id = j["id"];
  EXPECT_EQ(r.Header("location"), "/api/tokens/" + std::to_string(token_id));

  const auto created = Audit("token.create");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].event.actor, "admin-a");
  EXPECT_EQ(created[0].event.actor_user_id, admin_a_.id);
  EXPECT_EQ(created[0].event.tenant_id, a_.id);
  EXPECT_EQ(created[0].event.outcome, audit::Outcome::kSuccess);
  EXPECT_EQ(created[0].event.object_detail, "token:gateway-1");
  EXPECT_EQ(created[0].event.message.find(secret), std::string::npos);

  // Listed without the secret.
  r = Call("GET", "/api/tokens", "", As(admin, false));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find(secret), std::string::npos);
  ASSERT_EQ(r.json()["tokens"].size(), 1u);
  EXPECT_EQ(r.json()["tokens"][0]["prefix"], secret.substr(0, 10));

  // The token works as a bearer token, without CSRF, one token.use record per request.
  r = Call("GET", "/api/tokens", "", Bearer(secret));
  ASSERT_EQ(r.status, 200) << r.body;
  r = Post("/api/tokens", {{"name", "child"}, {"permissions", {"users.read"}}}, Bearer(secret));
  ASSERT_EQ(r.status, 201) << r.body;
  auto uses = Audit("token.use");
  ASSERT_EQ(uses.size(), 2u);
  EXPECT_EQ(uses[0].event.actor, "token:gateway-1");
  EXPECT_EQ(uses[0].event.tenant_id, a_.id);
  EXPECT_EQ(uses[0].event.object_detail, "GET /api/tokens");
  EXPECT_EQ(uses[0].event.outcome, audit::Outcome::kSuccess);
  const auto by_token = Audit("token.create");
  ASSERT_EQ(by_token.size(), 2u);
  EXPECT_EQ(by_token[1].event.actor, "token:gateway-1");

  // Revocation (cookie: needs CSRF); the token stops working at once.
  const std::string target = "/api/tokens/" + std::to_string(token_id);
  EXPECT_EQ(Call("DELETE", target, "", As(admin, false)).status, 403);
  r = Call("DELETE", target, "", As(admin));
  ASSERT_EQ(r.status, 204) << r.body;
  r = Call("GET", "/api/tokens", "", Bearer(secret));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.find("gateway"), std::string::npos);
  const auto revoked = Audit("token.revoke");
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].event.actor, "admin-a");
  EXPECT_EQ(revoked[0].event.tenant_id, a_.id);
  uses = Audit("token.use");
  ASSERT_EQ(uses.size(), 3u);
  EXPECT_EQ(uses[2].event.outcome, audit::Outcome::kMinorFailure);
  EXPECT_EQ(uses[2].event.message.find(secret), std::string::npos);
  r = Call("GET", "/api/tokens", "", As(admin, false));
  EXPECT_EQ(r.json()["tokens"][0]["active"], false);
  EXPECT_TRUE(r.json()["tokens"][0]["revoked_at"].is_string());
}

TEST_P(TokenApiTest, ATokenHoldsOnlyItsPermissions) {
  const Browser admin = SignIn("admin-a", kGoodPassword, secret_a_);
  Reply r = Create(admin, {{"name", "reader"}, {"permissions", {"users.read"}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string secret = r.json()["secret"];
  r = Call("GET", "/api/tokens", "", Bearer(secret));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["type"], "https://dokuei.example/problems/permission-denied");
  EXPECT_EQ(Call("GET", "/api/me", "", Bearer(secret)).status, 403);
  EXPECT_EQ(Post("/api/auth/logout", Json::object(), Bearer(secret)).status, 403);

  // Beyond the creator: refused and not recorded as a creation.
  r = Create(admin, {{"name", "x"}, {"permissions", {"dicomweb.read"}}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.json()["field"], "permissions");
  r = Create(admin, {{"name", "x"}, {"permissions", {"tenants.manage:any"}}});
  EXPECT_EQ(r.status, 403) << r.body;
  r = Create(admin, {{"name", "x"}, {"permissions", {"no.such"}}});
  EXPECT_EQ(r.status, 400) << r.body;
  r = Create(admin, {{"name", "x"}, {"permissions", {"users.read"}}, {"expires_in_days", 400}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json()["field"], "expires_in_days");
  EXPECT_EQ(Audit("token.create").size(), 1u);
}

TEST_P(TokenApiTest, AnotherTenantsTokensAreIndistinguishableFromMissingOnes) {
  const Browser admin_b = SignIn("admin-b", kGoodPassword, secret_b_);
  Reply r = Create(admin_b, {{"name", "b-gateway"}, {"permissions", {"tokens.manage"}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t b_token = r.json()["id"];
  const std::string b_secret = r.json()["secret"];

  const Browser admin_a = SignIn("admin-a", kGoodPassword, secret_a_);
  const Reply other = Call("DELETE", "/api/tokens/" + std::to_string(b_token), "", As(admin_a));
  const Reply missing = Call("DELETE", "/api/tokens/999999", "", As(admin_a));
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, missing.body);
  const Reply other_tenant = Call("GET", "/api/tokens?tenant=kaede", "", As(admin_a));
  const Reply no_tenant = Call("GET", "/api/tokens?tenant=no-such", "", As(admin_a));
  EXPECT_EQ(other_tenant.status, 404);
  EXPECT_EQ(other_tenant.body, no_tenant.body);
  EXPECT_EQ(Call("GET", "/api/tokens?tenant=" + std::to_string(b_.id), "", As(admin_a)).body,
            no_tenant.body);
  EXPECT_EQ(
      Call("DELETE", "/api/tokens/" + std::to_string(b_token) + "?tenant=kaede", "", As(admin_a))
          .status,
      404);
  r = Create(admin_a, {{"name", "sneaky"}, {"tenant", "kaede"}, {"permissions", {"users.read"}}});
  EXPECT_EQ(r.status, 404) << r.body;
  // A's own list does not show B's token, and B's token cannot reach A's tokens.
  r = Call("GET", "/api/tokens", "", As(admin_a));
  EXPECT_EQ(r.json()["tokens"].size(), 0u);
  EXPECT_EQ(Call("GET", "/api/tokens?tenant=sakura", "", Bearer(b_secret)).status, 404);
  EXPECT_EQ(Call("GET", "/api/tokens", "", Bearer(b_secret)).status, 200);
  EXPECT_TRUE(Audit("token.revoke").empty());

  // The reading centre's administrator reaches every tenant.
  const auto centre = MakeTenant("centre", identity::TenantKind::kReadingCentre);
  MakeUser(centre, "centre-admin", {identity::Role::kAdministrator});
  const auto centre_admin = id_->accounts().FindByLogin("centre-admin");
  ASSERT_TRUE(centre_admin.ok());
  const Browser c = SignIn("centre-admin", kGoodPassword, Enrol(centre_admin->id));
  r = Call("GET", "/api/tokens?tenant=kaede", "", As(c));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["tokens"].size(), 1u);
  r = Call("DELETE", "/api/tokens/" + std::to_string(b_token), "", As(c));
  EXPECT_EQ(r.status, 204) << r.body << " (an any-tenant grant finds the token's tenant)";
  r = Call("DELETE", "/api/tokens/999999", "", As(c));
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(Call("GET", "/api/tokens", "", Bearer(b_secret)).status, 401);
  const auto revoked = Audit("token.revoke");
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].event.tenant_id, b_.id);
  EXPECT_EQ(revoked[0].event.actor_tenant_id, centre.id);
}

TEST_P(TokenApiTest, TokensExpire) {
  const Browser admin = SignIn("admin-a", kGoodPassword, secret_a_);
  Reply r = Create(admin,
                   {{"name", "short"}, {"permissions", {"tokens.manage"}}, {"expires_in_days", 1}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string secret = r.json()["secret"];
  EXPECT_EQ(Call("GET", "/api/tokens", "", Bearer(secret)).status, 200);
  clock_.Advance(hours(23));
  EXPECT_EQ(Call("GET", "/api/tokens", "", Bearer(secret)).status, 200);
  clock_.Advance(hours(2));
  EXPECT_EQ(Call("GET", "/api/tokens", "", Bearer(secret)).status, 401);
}

TEST_P(TokenApiTest, NoCredentialsNoData) {
  for (const auto& h : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {},
           Bearer("dok_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
           Bearer("not-a-token"),
           {{"Cookie", "dokuei_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
           {{"Authorization", "Basic YTpi"}}}) {
    for (const char* target : {"/api/tokens", "/api/me"}) {
      Reply r = Call("GET", target, "", h);
      EXPECT_EQ(r.status, 401) << target;
      EXPECT_EQ(r.json()["type"], "https://dokuei.example/problems/unauthenticated");
      EXPECT_EQ(r.body.find("tokens\""), std::string::npos);
    }
  }
  // The configured static tokens still work (their tenant is 0 here: an empty list).
  Reply r = Call("GET", "/api/tokens", "", Bearer(kStaticToken));
  EXPECT_EQ(r.status, 200) << r.body;
  // ... but they cannot act as a person.
  EXPECT_EQ(Call("GET", "/api/me", "", Bearer(kStaticToken)).status, 403);
}

TEST_P(TokenApiTest, NoTokenWithoutItsAuditRecord) {
  const Browser admin = SignIn("admin-a", kGoodPassword, secret_a_);
  Reply ok = Create(admin, {{"name", "kept"}, {"permissions", {"tokens.manage"}}});
  ASSERT_EQ(ok.status, 201);
  const std::string secret = ok.json()["secret"];
  audit_->set_failing(true);
  Reply r = Create(admin, {{"name", "lost"}, {"permissions", {"users.read"}}});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.body.find("dok_"), std::string::npos);
  r = Call("DELETE", "/api/tokens/" + std::to_string(ok.json()["id"].get<int64_t>()), "",
           As(admin));
  EXPECT_EQ(r.status, 503) << r.body;
  // A token use that cannot be recorded is refused.
  EXPECT_EQ(Call("GET", "/api/tokens", "", Bearer(secret)).status, 503);
  audit_->set_failing(false);
  r = Call("GET", "/api/tokens", "", As(admin, false));
  ASSERT_EQ(r.json()["tokens"].size(), 1u) << r.body;
  EXPECT_EQ(r.json()["tokens"][0]["name"], "kept");
  EXPECT_EQ(r.json()["tokens"][0]["active"], true);
  EXPECT_EQ(Audit("token.create").size(), 1u);
  EXPECT_TRUE(Audit("token.revoke").empty());
  const auto verify = real_audit_->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok) << verify->problem;
}

}  // namespace
}  // namespace dokuei::api::auth_testing
