// identity's contacts feed the critical-result notifications.
#include "dokuei/identity/identity.h"
#include "report_test_util.h"

namespace dokuei::report {
namespace {

using ContactsTest = ReportTest;
DOKUEI_REPORT_BACKENDS(ContactsTest);

TEST_P(ContactsTest, IdentityContactsFlaggedForCriticalResults) {
  identity::IdentityOptions io;
  io.password_hash = identity::PasswordHashParams::ForTests();
  auto id = identity::OpenIdentity(db_, clock_, identity::SecretKey::Generate(), io);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  identity::Contact a;
  a.name = "放射線科 受付";
  a.email = "uketsuke@sakura.example.jp";
  identity::Contact b;
  b.name = "経理";
  b.email = "keiri@sakura.example.jp";
  b.critical_results = false;
  ASSERT_TRUE((*id)->contacts().Add(hospital_, a).ok());
  ASSERT_TRUE((*id)->contacts().Add(hospital_, b).ok());
  auto dir = IdentityContactDirectory(**id, {{hospital_, {{"https://sakura.example.jp/h", "k"}}}});
  auto got = dir->For(hospital_);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->contacts.size(), 1u);
  EXPECT_EQ(got->contacts[0].email, a.email);
  ASSERT_EQ(got->webhooks.size(), 1u);
  auto none = dir->For(other_);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->contacts.empty());
  EXPECT_TRUE(none->webhooks.empty());
}

}  // namespace
}  // namespace dokuei::report
