// Tenants, AE titles and contacts on every backend: validation, uniqueness, tenant isolation.
#include "dokuei/db/migrations.h"
#include "identity_test_util.h"

namespace dokuei::identity {
namespace {

using DirectoryTest = IdentityTest;
DOKUEI_IDENTITY_BACKENDS(DirectoryTest);

TEST_P(DirectoryTest, SchemaIsAtLatestVersion) {
  auto v = db::CurrentVersion(*db_, "identity");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, LatestIdentitySchemaVersion());
  // Migrating again is a no-op.
  EXPECT_TRUE(MigrateIdentity(*db_).ok());
}

TEST_P(DirectoryTest, CreatesTenantsInBothTables) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const Tenant h = MakeTenant("sakura-clinic");
  EXPECT_GT(rc.id, 0);
  EXPECT_NE(rc.id, h.id);
  EXPECT_EQ(rc.kind, TenantKind::kReadingCentre);
  EXPECT_EQ(h.kind, TenantKind::kHospital);
  EXPECT_EQ(h.name, "sakura-clinic 病院");
  EXPECT_EQ(h.created_at, clock_.Now());
  // The index sees the same id for the code.
  auto idx = index_->EnsureTenant("sakura-clinic", "ignored");
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->value, h.id);
  auto list = Id().tenants().List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].code, "centre");
  EXPECT_EQ(Id().tenants().ReadingCentre()->id, rc.id);
  EXPECT_EQ(Id().tenants().GetByCode("sakura-clinic")->id, h.id);
  EXPECT_EQ(Id().tenants().Get(h.id + 1000).status().code(), base::Code::kNotFound);
}

TEST_P(DirectoryTest, TenantValidationAndUniqueness) {
  MakeTenant("centre", TenantKind::kReadingCentre);
  MakeTenant("a-hospital");
  TenantSpec s;
  s.code = "a-hospital";
  s.name = "again";
  EXPECT_EQ(Id().tenants().Create(s).status().code(), base::Code::kAlreadyExists);
  s.code = "second-centre";
  s.kind = TenantKind::kReadingCentre;
  auto second = Id().tenants().Create(s);
  EXPECT_EQ(second.status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(second.status().field(), "kind");
  for (const char* bad : {"", "Upper", "has space", "../x", "-lead", "x/y"}) {
    TenantSpec b;
    b.code = bad;
    b.name = "n";
    auto r = Id().tenants().Create(b);
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().field(), "code");
  }
  TenantSpec no_name;
  no_name.code = "nameless";
  EXPECT_EQ(Id().tenants().Create(no_name).status().field(), "name");
  no_name.name = std::string("ctl\x07");
  EXPECT_EQ(Id().tenants().Create(no_name).status().field(), "name");
}

TEST_P(DirectoryTest, AdoptsATenantTheIndexCreatedAlone) {
  auto idx = index_->EnsureTenant("legacy", "Legacy clinic");
  ASSERT_TRUE(idx.ok());
  // Listed as a hospital with default policies until recorded.
  auto before = Id().tenants().GetByCode("legacy");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->kind, TenantKind::kHospital);
  TenantSpec s;
  s.code = "legacy";
  s.name = "レガシー診療所";
  s.staff_two_factor_required = true;
  auto t = Id().tenants().Create(s);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->id, idx->value);
  EXPECT_EQ(t->name, "レガシー診療所");
  EXPECT_TRUE(t->staff_two_factor_required);
  EXPECT_EQ(Id().tenants().Create(s).status().code(), base::Code::kAlreadyExists);
}

TEST_P(DirectoryTest, UpdatesPoliciesButNeverDisablesTheReadingCentre) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const Tenant h = MakeTenant("h1");
  TenantUpdate u;
  u.staff_two_factor_required = true;
  u.name_en = "H One";
  u.disabled = true;
  auto t = Id().tenants().Update(h.id, u);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->staff_two_factor_required);
  EXPECT_TRUE(t->disabled);
  EXPECT_EQ(t->name_en, "H One");
  EXPECT_EQ(t->name, h.name);
  TenantUpdate off;
  off.disabled = true;
  EXPECT_EQ(Id().tenants().Update(rc.id, off).status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(Id().tenants().Update(rc.id + 999, off).status().code(), base::Code::kNotFound);
}

TEST_P(DirectoryTest, AeTitlesAreValidatedAndUniqueAcrossTheService) {
  const Tenant a = MakeTenant("a");
  const Tenant b = MakeTenant("b");
  AeTitle ae;
  ae.ae_title = "  MODALITY_A ";
  ae.host = "10.1.2.3";
  ae.port = 104;
  auto added = Id().ae_titles().Add(a.id, ae);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->ae_title, "MODALITY_A");  // insignificant spaces removed
  EXPECT_EQ(added->tenant_id, a.id);
  // Another tenant cannot take it, not even in another case.
  AeTitle same;
  same.ae_title = "modality_a";
  auto dup = Id().ae_titles().Add(b.id, same);
  EXPECT_EQ(dup.status().code(), base::Code::kAlreadyExists);
  EXPECT_EQ(dup.status().field(), "ae_title");
  for (std::string bad :
       {std::string(""), std::string("    "), std::string(17, 'A'), std::string("BACK\\SLASH"),
        std::string("CTRL\x01"), std::string("NEW\nLINE"), std::string("ÄE")}) {
    AeTitle x;
    x.ae_title = bad;
    auto r = Id().ae_titles().Add(a.id, x);
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().field(), "ae_title");
  }
  AeTitle sixteen;
  sixteen.ae_title = std::string(16, 'Z');
  EXPECT_TRUE(Id().ae_titles().Add(b.id, sixteen).ok());
  AeTitle fp;
  fp.ae_title = "PACS_B";
  fp.certificate_sha256 = "not-hex";
  EXPECT_EQ(Id().ae_titles().Add(b.id, fp).status().field(), "certificate_sha256");
  fp.certificate_sha256 = std::string(64, 'A');
  auto with_fp = Id().ae_titles().Add(b.id, fp);
  ASSERT_TRUE(with_fp.ok());
  EXPECT_EQ(with_fp->certificate_sha256, std::string(64, 'a'));
  AeTitle badhost;
  badhost.ae_title = "HOSTY";
  badhost.host = "evil host;rm";
  EXPECT_EQ(Id().ae_titles().Add(b.id, badhost).status().field(), "host");
  AeTitle badmax;
  badmax.ae_title = "MAXY";
  badmax.max_associations = 0;
  EXPECT_EQ(Id().ae_titles().Add(b.id, badmax).status().field(), "max_associations");
  // Unknown tenant.
  AeTitle orphan;
  orphan.ae_title = "ORPHAN";
  EXPECT_EQ(Id().ae_titles().Add(b.id + 999, orphan).status().code(), base::Code::kNotFound);
}

TEST_P(DirectoryTest, AeTitlesAreIsolatedPerTenantAndFoundByExactTitle) {
  const Tenant a = MakeTenant("a");
  const Tenant b = MakeTenant("b");
  AeTitle ae;
  ae.ae_title = "CT_A";
  ae.allow_move = false;
  auto ct = Id().ae_titles().Add(a.id, ae);
  ASSERT_TRUE(ct.ok());
  ae.ae_title = "MR_B";
  auto mr = Id().ae_titles().Add(b.id, ae);
  ASSERT_TRUE(mr.ok());
  auto la = Id().ae_titles().List(a.id);
  ASSERT_TRUE(la.ok());
  ASSERT_EQ(la->size(), 1u);
  EXPECT_EQ((*la)[0].ae_title, "CT_A");
  EXPECT_FALSE((*la)[0].allow_move);
  // Another tenant's AE is not found, for update or removal.
  EXPECT_EQ(Id().ae_titles().Remove(a.id, mr->id).code(), base::Code::kNotFound);
  AeTitle hijack = *mr;
  hijack.host = "attacker";
  EXPECT_EQ(Id().ae_titles().Update(a.id, hijack).status().code(), base::Code::kNotFound);
  EXPECT_EQ(Id().ae_titles().List(b.id)->size(), 1u);
  // DIMSE lookup: exact title.
  auto found = Id().ae_titles().Lookup("CT_A");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->tenant_id, a.id);
  EXPECT_EQ(Id().ae_titles().Lookup("ct_a").status().code(), base::Code::kNotFound);
  EXPECT_EQ(Id().ae_titles().Lookup("NOPE").status().code(), base::Code::kNotFound);
  // Update and rename; renaming onto a taken title is refused.
  AeTitle renamed = *ct;
  renamed.ae_title = "CT_A2";
  renamed.port = 11112;
  auto up = Id().ae_titles().Update(a.id, renamed);
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(Id().ae_titles().Lookup("CT_A2")->port, 11112);
  renamed.ae_title = "mr_b";
  EXPECT_EQ(Id().ae_titles().Update(a.id, renamed).status().code(), base::Code::kAlreadyExists);
  EXPECT_TRUE(Id().ae_titles().Remove(a.id, ct->id).ok());
  EXPECT_TRUE(Id().ae_titles().List(a.id)->empty());
}

TEST_P(DirectoryTest, ContactsAreValidatedAndIsolated) {
  const Tenant a = MakeTenant("a");
  const Tenant b = MakeTenant("b");
  Contact k;
  k.name = "山田 花子";
  k.role = "放射線技師長";
  k.phone = "+81 3-1234-5678";
  k.email = "hanako@a.example.jp";
  auto added = Id().contacts().Add(a.id, k);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_TRUE(added->critical_results);
  Contact bad = k;
  bad.phone = "call me";
  EXPECT_EQ(Id().contacts().Add(a.id, bad).status().field(), "phone");
  bad = k;
  bad.email = "no-at-sign";
  EXPECT_EQ(Id().contacts().Add(a.id, bad).status().field(), "email");
  bad = k;
  bad.name = "";
  EXPECT_EQ(Id().contacts().Add(a.id, bad).status().field(), "name");
  EXPECT_EQ(Id().contacts().List(a.id)->size(), 1u);
  EXPECT_TRUE(Id().contacts().List(b.id)->empty());
  Contact changed = *added;
  changed.critical_results = false;
  EXPECT_EQ(Id().contacts().Update(b.id, changed).status().code(), base::Code::kNotFound);
  ASSERT_TRUE(Id().contacts().Update(a.id, changed).ok());
  EXPECT_FALSE((*Id().contacts().List(a.id))[0].critical_results);
  EXPECT_EQ(Id().contacts().Remove(b.id, added->id).code(), base::Code::kNotFound);
  EXPECT_TRUE(Id().contacts().Remove(a.id, added->id).ok());
  EXPECT_TRUE(Id().contacts().List(a.id)->empty());
}

}  // namespace
}  // namespace dokuei::identity
