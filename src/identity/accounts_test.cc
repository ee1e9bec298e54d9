// Users, roles, passwords and reader profiles on every backend.
#include "dokuei/identity/messages.h"
#include "identity_test_util.h"

namespace dokuei::identity {
namespace {

using AccountsTest = IdentityTest;
DOKUEI_IDENTITY_BACKENDS(AccountsTest);

TEST_P(AccountsTest, CreatesUsersWithRolesAndHashedPasswords) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const User u = MakeUser(rc, "Yamada.Taro", {Role::kReader, Role::kChecker, Role::kReader});
  EXPECT_EQ(u.login, "yamada.taro");
  EXPECT_EQ(u.roles, (std::vector<Role>{Role::kReader, Role::kChecker}));
  EXPECT_TRUE(u.two_factor_required);
  EXPECT_FALSE(u.two_factor_enrolled);
  // Only the argon2id hash is stored.
  int found = 0;
  ASSERT_TRUE(
      db_->Transact(db::TxKind::kRead,
                    [&](db::Conn& c) {
                      return c.Query("SELECT password_hash FROM users", {}, [&](const db::Row& r) {
                        EXPECT_EQ(std::string(r.Str(0)).rfind("$argon2id$", 0), 0u);
                        EXPECT_EQ(std::string(r.Str(0)).find(kGoodPassword), std::string::npos);
                        ++found;
                        return base::Status::Ok();
                      });
                    })
          .ok());
  EXPECT_EQ(found, 1);
  auto by_login = Id().accounts().FindByLogin("YAMADA.TARO");
  ASSERT_TRUE(by_login.ok());
  EXPECT_EQ(by_login->id, u.id);
}

TEST_P(AccountsTest, ValidatesLoginsRolesAndPasswords) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const Tenant h = MakeTenant("h");
  MakeUser(h, "tanaka", {Role::kHospitalStaff});
  NewUser nu;
  nu.tenant_id = rc.id;
  nu.login = "TANAKA";  // unique across the service, case-insensitively
  nu.display_name = "Tanaka";
  nu.roles = {Role::kReader};
  nu.password = kGoodPassword;
  auto dup = Id().accounts().Create(nu);
  EXPECT_EQ(dup.status().code(), base::Code::kAlreadyExists);
  EXPECT_EQ(dup.status().field(), "login");
  for (const char* bad : {"ab", "-lead", "has space", "semi;colon", "日本語"}) {
    nu.login = bad;
    EXPECT_EQ(Id().accounts().Create(nu).status().field(), "login") << bad;
  }
  nu.login = "suzuki";
  nu.roles = {};
  EXPECT_EQ(Id().accounts().Create(nu).status().field(), "roles");
  nu.roles = {Role::kHospitalStaff};  // not in the reading centre
  EXPECT_EQ(Id().accounts().Create(nu).status().field(), "roles");
  nu.tenant_id = h.id;
  nu.roles = {Role::kReader};  // not in a hospital
  EXPECT_EQ(Id().accounts().Create(nu).status().field(), "roles");
  nu.roles = {Role::kHospitalStaff};
  nu.password = "password123456";
  auto weak = Id().accounts().Create(nu);
  EXPECT_EQ(weak.status().field(), "password");
  EXPECT_NE(LocalizedMessage(weak.status(), "ja"), weak.status().message());
  nu.password = "Hn4#kq9-";  // 8 characters: only with a second factor
  EXPECT_EQ(Id().accounts().Create(nu).status().field(), "password");
  nu.password = "suzuki-no-heya-1";
  EXPECT_EQ(Id().accounts().Create(nu).status().field(), "password");
  nu.password = kGoodPassword;
  nu.email = "not an email";
  EXPECT_EQ(Id().accounts().Create(nu).status().field(), "email");
  nu.email = "suzuki@h.example.jp";
  EXPECT_TRUE(Id().accounts().Create(nu).ok());
  nu.tenant_id = h.id + 999;
  nu.login = "ghost";
  EXPECT_EQ(Id().accounts().Create(nu).status().code(), base::Code::kNotFound);
}

TEST_P(AccountsTest, EveryListingAndLookupIsTenantScoped) {
  const Tenant a = MakeTenant("a");
  const Tenant b = MakeTenant("b");
  const User ua = MakeUser(a, "user-a", {Role::kHospitalStaff, Role::kAdministrator});
  const User ub = MakeUser(b, "user-b", {Role::kHospitalStaff});
  auto la = Id().accounts().List(a.id);
  ASSERT_TRUE(la.ok());
  ASSERT_EQ(la->size(), 1u);
  EXPECT_EQ((*la)[0].login, "user-a");
  EXPECT_EQ((*la)[0].roles, (std::vector<Role>{Role::kHospitalStaff, Role::kAdministrator}));
  EXPECT_TRUE(Id().accounts().List(a.id + 999)->empty());
  // Another tenant's user is indistinguishable from a missing one, for every operation.
  EXPECT_EQ(Id().accounts().Get(a.id, ub.id).status().code(), base::Code::kNotFound);
  EXPECT_EQ(Id().accounts().Get(0, ub.id).status().code(), base::Code::kNotFound);
  EXPECT_EQ(Id().accounts().SetRoles(a.id, ub.id, {Role::kAdministrator}).status().code(),
            base::Code::kNotFound);
  EXPECT_EQ(Id().accounts().SetDisabled(a.id, ub.id, true).code(), base::Code::kNotFound);
  EXPECT_EQ(Id().accounts().ResetPassword(a.id, ub.id, kOtherPassword, true).code(),
            base::Code::kNotFound);
  EXPECT_EQ(Id().accounts().Update(a.id, ub.id, {}).status().code(), base::Code::kNotFound);
  EXPECT_EQ(Id().two_factor().Reset(a.id, ub.id).code(), base::Code::kNotFound);
  EXPECT_EQ(Id().accounts().Unlock(a.id, ub.id).code(), base::Code::kNotFound);
  EXPECT_TRUE(Id().accounts().Get(b.id, ub.id).ok());
  EXPECT_TRUE(Id().accounts().Get(a.id, ua.id).ok());
}

TEST_P(AccountsTest, TheReadingCentreKeepsAnAdministrator) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const User admin = MakeUser(rc, "admin", {Role::kAdministrator});
  EXPECT_EQ(Id().accounts().SetRoles(rc.id, admin.id, {Role::kAuditor}).status().code(),
            base::Code::kFailedPrecondition);
  EXPECT_EQ(Id().accounts().SetDisabled(rc.id, admin.id, true).code(),
            base::Code::kFailedPrecondition);
  const User second = MakeUser(rc, "admin2", {Role::kAdministrator, Role::kAuditor});
  EXPECT_TRUE(Id().accounts().SetDisabled(rc.id, admin.id, true).ok());
  EXPECT_EQ(Id().accounts().SetRoles(rc.id, second.id, {Role::kAuditor}).status().code(),
            base::Code::kFailedPrecondition);
  EXPECT_TRUE(Id().accounts().SetDisabled(rc.id, admin.id, false).ok());
  auto demoted = Id().accounts().SetRoles(rc.id, second.id, {Role::kAuditor});
  ASSERT_TRUE(demoted.ok()) << demoted.status().ToString();
  EXPECT_EQ(demoted->roles, std::vector<Role>{Role::kAuditor});
}

TEST_P(AccountsTest, UpdatesNameAndEmail) {
  const Tenant h = MakeTenant("h");
  const User u = MakeUser(h, "sato", {Role::kHospitalStaff});
  UserUpdate up;
  up.display_name = "佐藤 一郎";
  up.email = "sato@h.example.jp";
  auto r = Id().accounts().Update(h.id, u.id, up);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Id().accounts().Get(h.id, u.id)->display_name, "佐藤 一郎");
  up.display_name = "";
  EXPECT_EQ(Id().accounts().Update(h.id, u.id, up).status().field(), "display_name");
}

TEST_P(AccountsTest, ReaderProfilesArePublishedForEnabledReadersOnly) {
  const Tenant rc = MakeTenant("centre", TenantKind::kReadingCentre);
  const Tenant h = MakeTenant("h");
  const User reader = MakeUser(rc, "reader1", {Role::kReader});
  const User coord = MakeUser(rc, "coord1", {Role::kCoordinator});
  const User staff = MakeUser(h, "staff1", {Role::kHospitalStaff});
  ReaderProfile p;
  p.years_of_experience = 18;
  p.certifications = {"日本医学放射線学会 放射線診断専門医"};
  p.subspecialties = {"spine", "msk"};
  p.modalities = {"CT", "MR"};
  p.languages = {"ja", "en"};
  p.biography = "脊椎 MRI を専門に\n18 年";
  auto put = Id().profiles().Put(rc.id, reader.id, p);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->display_name, "reader1 さん");
  EXPECT_EQ(put->subspecialties, (std::vector<std::string>{"spine", "msk"}));
  EXPECT_FALSE(put->has_photo);
  EXPECT_EQ(Id().profiles().Put(rc.id, coord.id, p).status().code(),
            base::Code::kFailedPrecondition);
  EXPECT_EQ(Id().profiles().Put(h.id, staff.id, p).status().code(),
            base::Code::kFailedPrecondition);
  EXPECT_EQ(Id().profiles().Put(h.id, reader.id, p).status().code(), base::Code::kNotFound);
  ReaderProfile bad = p;
  bad.years_of_experience = 200;
  EXPECT_EQ(Id().profiles().Put(rc.id, reader.id, bad).status().field(), "years_of_experience");
  bad = p;
  bad.subspecialties.assign(21, "x");
  EXPECT_EQ(Id().profiles().Put(rc.id, reader.id, bad).status().field(), "subspecialties");
  // Photo: type by signature, bounded size.
  Photo photo{"image/png", std::string("\x89PNG\r\n\x1A\n", 8) + std::string(100, 'x')};
  ASSERT_TRUE(Id().profiles().SetPhoto(rc.id, reader.id, photo).ok());
  EXPECT_TRUE(Id().profiles().Get(reader.id)->has_photo);
  auto got = Id().profiles().GetPhoto(reader.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->bytes, photo.bytes);
  Photo lying{"image/jpeg", photo.bytes};
  EXPECT_EQ(Id().profiles().SetPhoto(rc.id, reader.id, lying).field(), "photo");
  Photo huge{"image/jpeg", "\xFF\xD8\xFF" + std::string(options_.max_photo_bytes, 'x')};
  EXPECT_EQ(Id().profiles().SetPhoto(rc.id, reader.id, huge).field(), "photo");
  // Listed for everyone; hidden when the reader is disabled.
  ASSERT_EQ(Id().profiles().List()->size(), 1u);
  ASSERT_TRUE(Id().accounts().SetDisabled(rc.id, reader.id, true).ok());
  EXPECT_TRUE(Id().profiles().List()->empty());
  EXPECT_EQ(Id().profiles().Get(reader.id).status().code(), base::Code::kNotFound);
  EXPECT_EQ(Id().profiles().GetPhoto(reader.id).status().code(), base::Code::kNotFound);
  ASSERT_TRUE(Id().accounts().SetDisabled(rc.id, reader.id, false).ok());
  EXPECT_EQ(Id().profiles().RemovePhoto(h.id, reader.id).code(), base::Code::kNotFound);
  EXPECT_TRUE(Id().profiles().RemovePhoto(rc.id, reader.id).ok());
  EXPECT_FALSE(Id().profiles().Get(reader.id)->has_photo);
}

}  // namespace
}  // namespace dokuei::identity
