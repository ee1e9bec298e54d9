// The audit routes over real HTTP on SQLite and PostgreSQL: scope (a hospital's auditor sees its
// hospital only), filters, paging, validation, the FHIR and DICOM exports, and the search or
// export itself audited exactly once.
#include "api_fixture.h"

namespace dokuei::api::testing {
namespace {

class AuditApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Some history: a study viewed in each hospital, and a few changes.
    for (const auto& [t, login, patient, uid] :
         std::vector<std::tuple<identity::Tenant, std::string, std::string, std::string>>{
             {sakura_, "sakura.staff", "P-001", "1.2.392.1"},
             {kaede_, "kaede.staff", "K-777", "1.2.392.2"},
             {sakura_, "sakura.staff", "P-002", "1.2.392.3"}}) {
      audit::Event e;
      e.action = "study.view";
      e.tenant_id = t.id;
      e.actor = login;
      e.actor_user_id = users_[login].id;
      e.actor_tenant_id = t.id;
      e.protocol = "http";
      e.patient_id = patient;
      e.study_uids = {uid};
      ASSERT_TRUE(stack_.log().Append(e).ok());
      stack_.clock().Advance(std::chrono::minutes(1));
    }
    ASSERT_EQ(Do("sakura.admin", "POST", "/api/tenants/sakura/contacts", {{"name", "受付"}}).status,
              201);
    NewRecords();
  }
};

TEST_P(AuditApiTest, HospitalAuditorSeesItsHospitalOnly) {
  auto r = Do("sakura.auditor", "GET", "/api/audit");
  ASSERT_EQ(r.status, 200) << r.body;
  const json recs = r.Json()["records"];
  ASSERT_EQ(recs.size(), 3u);  // two views and the contact change, newest first
  EXPECT_EQ(recs[0]["action"], "contact.create");
  for (const auto& rec : recs) EXPECT_EQ(rec["tenant_id"], sakura_.id);
  // The search is itself audited, once.
  auto mine = NewRecords();
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].event.action, "audit.search");
  EXPECT_EQ(mine[0].event.actor, "sakura.auditor");
  EXPECT_EQ(mine[0].event.tenant_id, sakura_.id);
  EXPECT_EQ(mine[0].event.object_count, 3);

  auto other = Do("sakura.auditor", "GET", "/api/audit?tenant=kaede");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, Do("sakura.auditor", "GET", "/api/audit?tenant=nowhere").body);
  EXPECT_EQ(Do("sakura.auditor", "GET", "/api/audit?tenant=sakura").status, 200);
  NewRecords();
}

TEST_P(AuditApiTest, CentreAuditorFiltersEveryTenant) {
  auto r = Do("centre.auditor", "GET", "/api/audit?action=study.");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["records"].size(), 3u);
  r = Do("centre.auditor", "GET", "/api/audit?tenant=kaede&action=study.");
  ASSERT_EQ(r.Json()["records"].size(), 1u);
  EXPECT_EQ(r.Json()["records"][0]["patient_id"], "K-777");
  r = Do("centre.auditor", "GET", "/api/audit?patient_id=P-002");
  ASSERT_EQ(r.Json()["records"].size(), 1u);
  EXPECT_EQ(r.Json()["records"][0]["study_uids"][0], "1.2.392.3");
  r = Do("centre.auditor", "GET", "/api/audit?study_uid=1.2.392.1&actor=sakura.staff");
  ASSERT_EQ(r.Json()["records"].size(), 1u);
  auto recs = NewRecords();
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[2].event.patient_id, "P-002") << "a search for a patient names the patient";
  EXPECT_EQ(recs[3].event.study_uids, std::vector<std::string>{"1.2.392.1"});
  for (const auto& rec : recs) {
    EXPECT_EQ(rec.event.action, "audit.search");
    EXPECT_EQ(rec.event.actor_roles, "auditor");
  }

  // Time range (exclusive end) and keyset paging, oldest first.
  const std::string from = base::FormatIso8601(stack_.clock().Now() - std::chrono::minutes(2));
  const std::string to = base::FormatIso8601(stack_.clock().Now() - std::chrono::minutes(1));
  r = Do("centre.auditor", "GET", "/api/audit?action=study.&from=" + from + "&to=" + to);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.Json()["records"].size(), 1u);
  EXPECT_EQ(r.Json()["records"][0]["patient_id"], "K-777");
  r = Do("centre.auditor", "GET", "/api/audit?action=study.&after_seq=0&limit=2");
  ASSERT_EQ(r.Json()["records"].size(), 2u);
  EXPECT_EQ(r.Json()["records"][0]["patient_id"], "P-001");
  const int64_t next = r.Json()["next_after_seq"];
  r = Do("centre.auditor", "GET",
         "/api/audit?action=study.&limit=2&after_seq=" + std::to_string(next));
  ASSERT_EQ(r.Json()["records"].size(), 1u);
  EXPECT_EQ(r.Json()["records"][0]["patient_id"], "P-002");
  EXPECT_FALSE(r.Json().contains("next_after_seq"));
}

TEST_P(AuditApiTest, BadQueriesNameTheParameter) {
  for (const auto& [query, field] :
       std::vector<std::pair<std::string, std::string>>{{"limit=0", "limit"},
                                                        {"limit=5000", "limit"},
                                                        {"limit=ten", "limit"},
                                                        {"from=yesterday", "from"},
                                                        {"to=2026-13-01", "to"},
                                                        {"after_seq=-1", "after_seq"},
                                                        {"colour=red", "colour"}}) {
    auto r = Do("centre.auditor", "GET", "/api/audit?" + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(r.Json()["field"], field) << query;
  }
  auto r = Do("centre.auditor", "GET", "/api/audit/export?format=csv");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "format");
  EXPECT_TRUE(NewRecords().empty()) << "refused searches read nothing";
}

TEST_P(AuditApiTest, OnlyAuditorsReadTheTrail) {
  for (const char* who : {"sakura.admin", "sakura.staff", "centre.admin", "reader1", "coord1"}) {
    EXPECT_EQ(Do(who, "GET", "/api/audit").status, 403) << who;
    EXPECT_EQ(Do(who, "GET", "/api/audit/export?format=fhir").status, 403) << who;
  }
  EXPECT_TRUE(NewRecords().empty());
}

TEST_P(AuditApiTest, ExportFhirBundle) {
  auto r = Do("kaede.auditor", "GET", "/api/audit/export?format=fhir");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Content-Type"], "application/fhir+json");
  const json bundle = r.Json();
  ASSERT_TRUE(bundle.is_object()) << r.body;
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  ASSERT_EQ(bundle["entry"].size(), 1u);  // kaede: one view
  EXPECT_EQ(bundle["entry"][0]["resource"]["resourceType"], "AuditEvent");
  auto recs = NewRecords();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].event.action, "audit.export");
  EXPECT_EQ(recs[0].event.tenant_id, kaede_.id);
  EXPECT_EQ(recs[0].event.message, "format fhir");
}

TEST_P(AuditApiTest, ExportDicomMessages) {
  auto r = Do("centre.auditor", "GET", "/api/audit/export?format=dicom&tenant=sakura");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Content-Type"], "application/xml; charset=utf-8");
  size_t n = 0;
  for (size_t p = r.body.find("<AuditMessage"); p != std::string::npos;
       p = r.body.find("<AuditMessage", p + 1))
    n += r.body.compare(p, 14, "<AuditMessages") != 0;
  EXPECT_EQ(n, 3u) << r.body.substr(0, 400);
  EXPECT_NE(r.body.find("P-001"), std::string::npos);
  EXPECT_EQ(r.body.find("K-777"), std::string::npos);
  auto recs = NewRecords();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].event.action, "audit.export");
  EXPECT_EQ(recs[0].event.object_count, 3);
}

TEST_P(AuditApiTest, NoAnswerWithoutTheAccessRecord) {
  stack_.audit_switch().fail = true;
  auto r = Do("centre.auditor", "GET", "/api/audit");
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(r.Json().contains("records"));
  r = Do("centre.auditor", "GET", "/api/audit/export?format=fhir");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("AuditEvent"), std::string::npos);
  stack_.audit_switch().fail = false;
  EXPECT_TRUE(NewRecords().empty());
}

DOKUEI_API_BACKENDS(AuditApiTest);

}  // namespace
}  // namespace dokuei::api::testing
