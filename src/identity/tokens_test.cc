// API tokens on every backend: shown once, stored hashed, scoped, never above the creator,
// expiring, revocable.
#include "dokuei/base/digest.h"
#include "identity_test_util.h"

namespace dokuei::identity {
namespace {

using std::chrono::hours;

using TokensTest = IdentityTest;
DOKUEI_IDENTITY_BACKENDS(TokensTest);

PermissionGrant G(std::string_view text) {
  auto g = ParsePermissionGrant(text);
  EXPECT_TRUE(g.ok()) << text;
  return g.ok() ? *g : PermissionGrant{};
}

TokenRequest Req(int64_t tenant, std::vector<PermissionGrant> perms, base::Timestamp expires) {
  TokenRequest r;
  r.tenant_id = tenant;
  r.name = "gateway-1";
  r.permissions = std::move(perms);
  r.expires_at = expires;
  return r;
}

TEST_P(TokensTest, CommandLineTokenForAHospitalGateway) {
  const Tenant h = MakeTenant("h");
  auto t = Id().tokens().Create(
      Req(h.id, {G("dicomweb.write"), G("dicomweb.read")}, clock_.Now() + hours(24 * 90)), nullptr);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->secret.rfind("dok_", 0), 0u);
  EXPECT_EQ(t->secret.size(), 47u);
  EXPECT_EQ(t->token.prefix, t->secret.substr(0, 10));
  EXPECT_EQ(t->token.created_by, 0);
  // Stored as SHA-256 only.
  int64_t clear = -1, hashed = -1;
  ASSERT_TRUE(db_->Transact(db::TxKind::kRead,
                            [&](db::Conn& c) {
                              const db::Value p[] = {t->secret, base::Sha256Hex(t->secret)};
                              return c.Query(
                                  "SELECT (SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?),"
                                  " (SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?)",
                                  p, [&](const db::Row& r) {
                                    clear = r.Int(0);
                                    hashed = r.Int(1);
                                    return base::Status::Ok();
                                  });
                            })
                  .ok());
  EXPECT_EQ(clear, 0);
  EXPECT_EQ(hashed, 1);
  auto p = Id().tokens().Verify(t->secret);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->tenant_id, h.id);
  EXPECT_EQ(p->user_id, 0);
  EXPECT_EQ(p->token_id, t->token.id);
  EXPECT_EQ(p->subject, "token:gateway-1");
  EXPECT_TRUE(p->Allows("dicomweb.write", h.id));
  EXPECT_FALSE(p->Allows("dicomweb.write", h.id + 1));
  EXPECT_FALSE(p->Allows("users.read", h.id));
  EXPECT_EQ(Id().tokens().Get(h.id, t->token.id)->last_used_at, clock_.Now());
  // Malformed and unknown tokens.
  EXPECT_EQ(Id().tokens().Verify("").status().code(), base::Code::kUnauthenticated);
  EXPECT_FALSE(Id().tokens().Verify("dok_short").ok());
  EXPECT_FALSE(Id().tokens().Verify("dok_" + std::string(43, 'A')).ok());
  // The command line cannot give more than some role of that kind of tenant holds.
  EXPECT_EQ(Id().tokens()
                .Create(Req(h.id, {G("tenants.manage")}, clock_.Now() + hours(1)), nullptr)
                .status()
                .code(),
            base::Code::kPermissionDenied);
  EXPECT_EQ(Id().tokens()
                .Create(Req(h.id, {G("audit.read:any")}, clock_.Now() + hours(1)), nullptr)
                .status()
                .code(),
            base::Code::kPermissionDenied);
}

TEST_P(TokensTest, ATokenNeverExceedsItsCreator) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const Tenant h = MakeTenant("h");
  const Tenant other = MakeTenant("other");
  const User admin_only = MakeUser(h, "hadmin", {Role::kAdministrator});
  const User admin_staff = MakeUser(h, "hadminstaff", {Role::kAdministrator, Role::kHospitalStaff});
  const User centre_admin = MakeUser(rc, "cadmin", {Role::kAdministrator});
  const User staff = MakeUser(h, "staff", {Role::kHospitalStaff});
  auto principal = [&](const User& u) {
    const LoginResult r = Login(u.login, kGoodPassword);
    if (r.outcome == LoginOutcome::kOk) return r.session->principal;
    // Administrators need a second factor: enrol and complete.
    const std::string secret = Enrol(u.id);
    const LoginResult r2 = Login(u.login, kGoodPassword);
    auto done = Id().sessions().CompleteSecondFactor(r2.challenge, Code(secret), "");
    EXPECT_TRUE(done.ok() && done->outcome == LoginOutcome::kOk);
    return done->session->principal;
  };
  const Principal pa = principal(admin_only);
  const Principal pas = principal(admin_staff);
  const Principal pc = principal(centre_admin);
  const Principal ps = principal(staff);
  const auto soon = clock_.Now() + hours(24);
  auto create = [&](const Principal& p, int64_t tenant, std::vector<PermissionGrant> g) {
    return Id().tokens().Create(Req(tenant, std::move(g), soon), &p).status();
  };
  // A hospital administrator without the staff role holds no patient data, so cannot give it.
  base::Status st = create(pa, h.id, {G("dicomweb.write")});
  EXPECT_EQ(st.code(), base::Code::kPermissionDenied);
  EXPECT_EQ(st.field(), "permissions");
  EXPECT_TRUE(create(pa, h.id, {G("users.read")}).ok());
  // With the staff role too: a gateway token for the own hospital.
  EXPECT_TRUE(create(pas, h.id, {G("dicomweb.write"), G("dicomweb.read")}).ok());
  // Not for another hospital, and never any-tenant scope.
  EXPECT_EQ(create(pas, other.id, {G("dicomweb.write")}).field(), "tenant");
  EXPECT_EQ(create(pas, h.id, {G("dicomweb.read:any")}).code(), base::Code::kPermissionDenied);
  // Staff cannot create tokens at all.
  EXPECT_EQ(create(ps, h.id, {G("dicomweb.read")}).field(), "tenant");
  // The centre's administrator: any tenant, but only what it holds (no patient data).
  EXPECT_TRUE(create(pc, h.id, {G("users.read")}).ok());
  EXPECT_EQ(create(pc, h.id, {G("dicomweb.read")}).code(), base::Code::kPermissionDenied);
  EXPECT_TRUE(create(pc, rc.id, {G("tenants.read:any")}).ok());
  EXPECT_EQ(create(pc, h.id, {G("tenants.read:any")}).code(), base::Code::kPermissionDenied);
  // Permissions only people or DICOM peers hold are not for tokens.
  EXPECT_EQ(create(pc, rc.id, {G("account.self")}).code(), base::Code::kInvalidArgument);
  EXPECT_EQ(create(pc, rc.id, {G("dicom.store")}).code(), base::Code::kInvalidArgument);
  EXPECT_EQ(create(pc, rc.id, {}).field(), "permissions");
  EXPECT_FALSE(ParsePermissionGrant("root.everything").ok());
  EXPECT_FALSE(ParsePermissionGrant("users.read:all").ok());
  EXPECT_EQ(FormatPermissionGrant(G("tenants.read:any")), "tenants.read:any");
}

TEST_P(TokensTest, ExpiryAndRevocation) {
  const Tenant h = MakeTenant("h");
  const Tenant other = MakeTenant("other");
  EXPECT_EQ(
      Id().tokens().Create(Req(h.id, {G("dicomweb.read")}, clock_.Now()), nullptr).status().field(),
      "expires_at");
  EXPECT_EQ(Id().tokens()
                .Create(Req(h.id, {G("dicomweb.read")}, clock_.Now() + hours(24 * 400)), nullptr)
                .status()
                .field(),
            "expires_at");
  TokenRequest bad_name = Req(h.id, {G("dicomweb.read")}, clock_.Now() + hours(1));
  bad_name.name = "";
  EXPECT_EQ(Id().tokens().Create(bad_name, nullptr).status().field(), "name");
  auto t = Id().tokens().Create(Req(h.id, {G("dicomweb.read")}, clock_.Now() + hours(2)), nullptr);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(Id().tokens().Verify(t->secret).ok());
  clock_.Advance(hours(2));
  EXPECT_EQ(Id().tokens().Verify(t->secret).status().code(), base::Code::kUnauthenticated);
  auto u = Id().tokens().Create(Req(h.id, {G("dicomweb.read")}, clock_.Now() + hours(2)), nullptr);
  ASSERT_TRUE(u.ok());
  // Another tenant cannot revoke (or see) it.
  EXPECT_EQ(Id().tokens().Revoke(other.id, u->token.id).code(), base::Code::kNotFound);
  EXPECT_EQ(Id().tokens().Get(other.id, u->token.id).status().code(), base::Code::kNotFound);
  EXPECT_TRUE(Id().tokens().List(other.id)->empty());
  EXPECT_TRUE(Id().tokens().Verify(u->secret).ok());
  ASSERT_TRUE(Id().tokens().Revoke(h.id, u->token.id).ok());
  EXPECT_FALSE(Id().tokens().Verify(u->secret).ok());
  auto listed = Id().tokens().List(h.id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_TRUE((*listed)[1].revoked_at.has_value());
  EXPECT_EQ((*listed)[1].permissions, std::vector<PermissionGrant>{G("dicomweb.read")});
  // A disabled tenant's tokens stop working.
  auto w = Id().tokens().Create(Req(h.id, {G("dicomweb.read")}, clock_.Now() + hours(2)), nullptr);
  ASSERT_TRUE(w.ok());
  TenantUpdate off;
  off.disabled = true;
  ASSERT_TRUE(Id().tokens().Verify(w->secret).ok());
  ASSERT_TRUE(Id().tenants().Update(h.id, off).ok());
  EXPECT_FALSE(Id().tokens().Verify(w->secret).ok());
}

}  // namespace
}  // namespace dokuei::identity
