// The routes' audit::AuditedDatabase (ChangeOptions) under identity's services: the record
// commits with the change, a failed record undoes the change and reads as kAuditFailed, a refused
// change leaves no record, and a second write through one object is refused.
#include "route_util.h"

#include "api_test_util.h"

namespace dokuei::api::testing {
namespace {

class AuditedDatabaseTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    bool skip = false;
    auto st = stack_.Open(GetParam(), &skip);
    ASSERT_TRUE(st.ok()) << st.ToString();
    if (skip) GTEST_SKIP() << "PostgreSQL not configured: run under scripts/with-postgres.sh";
    tenant_ = stack_.MakeTenant("sakura", identity::TenantKind::kHospital);
  }
  audit::Event Event() {
    audit::Event e;
    e.action = "contact.create";
    e.actor = "tester";
    e.tenant_id = tenant_.id;
    return e;
  }
  size_t Contacts() {
    auto l = stack_.id().contacts().List(tenant_.id);
    return l.ok() ? l->size() : 0;
  }

  Stack stack_;
  identity::Tenant tenant_;
};

TEST_P(AuditedDatabaseTest, RecordCommitsWithTheChangeOnce) {
  const int64_t seq = stack_.LastSeq();
  int64_t inserted = 0;
  audit::AuditedDatabase adb(*stack_.database(), stack_.log(), Event(),
                             internal::ChangeOptions([&](db::Conn& c, audit::Event& e) {
                               DOKUEI_ASSIGN_OR_RETURN(inserted, db::LastInsertId(c));
                               e.object_detail = "contact " + std::to_string(inserted);
                               return base::Status::Ok();
                             }));
  identity::Contacts contacts(adb);
  identity::Contact k;
  k.name = "受付";
  auto added = contacts.Add(tenant_.id, k);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(inserted, added->id);
  ASSERT_TRUE(adb.record().has_value());
  auto recs = stack_.RecordsAfter(seq);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].seq, adb.record()->seq);
  EXPECT_EQ(recs[0].event.object_detail, "contact " + std::to_string(added->id));
  // One change, one record: a second write through the same object is refused.
  auto again = contacts.Add(tenant_.id, k);
  EXPECT_EQ(again.status().code(), base::Code::kInternal);
  EXPECT_EQ(Contacts(), 1u);
  EXPECT_EQ(stack_.RecordsAfter(seq).size(), 1u);
}

TEST_P(AuditedDatabaseTest, NoRecordNoChangeAndNoChangeNoRecord) {
  const int64_t seq = stack_.LastSeq();
  identity::Contact k;
  k.name = "受付";
  {
    stack_.audit_switch().fail = true;
    audit::AuditedDatabase adb(*stack_.database(), stack_.log(), Event(),
                               internal::ChangeOptions());
    auto r = identity::Contacts(adb).Add(tenant_.id, k);
    stack_.audit_switch().fail = false;
    EXPECT_EQ(r.status().code(), base::Code::kUnavailable);
    EXPECT_EQ(r.status().message(), internal::kAuditFailed.en);
    EXPECT_EQ(Contacts(), 0u);
  }
  {
    audit::AuditedDatabase adb(*stack_.database(), stack_.log(), Event(),
                               internal::ChangeOptions());
    k.phone = "not a phone number";
    auto r = identity::Contacts(adb).Add(tenant_.id, k);
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
    EXPECT_FALSE(adb.record().has_value());
  }
  {
    // Refused inside the transaction (another tenant's contact): rolled back with its record.
    audit::AuditedDatabase adb(*stack_.database(), stack_.log(), Event(),
                               internal::ChangeOptions());
    EXPECT_EQ(identity::Contacts(adb).Remove(tenant_.id, 12345).code(), base::Code::kNotFound);
    EXPECT_FALSE(adb.record().has_value());
  }
  EXPECT_TRUE(stack_.RecordsAfter(seq).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditedDatabaseTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

}  // namespace
}  // namespace dokuei::api::testing
