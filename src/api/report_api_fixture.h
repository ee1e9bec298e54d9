// Private to the api tests: the report routes over real HTTP on SQLite and PostgreSQL (the
// workflow, the report library with identity's contacts, a request held by reader1 in reading);
// report_api_test.cc, report_ops_api_test.cc, spine_api_test.cc.
#pragma once

#include <string>
#include <vector>

#include "api_fixture.h"
#include "dokuei/report/report.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::api::testing {

using workflow::State;

inline std::string Content(const std::string& impression = "L4-L5 左優位の椎間板ヘルニア") {
  return R"({"frame":1,"clinical_question":"腰痛、左下肢のしびれ","technique":{"sequences":["T1 sag","T2 sag","T2 ax"]},)"
         R"("comparison":{"prior":"none"},"numbering":{"from":"sacrum"},"alignment":{"lordosis":"normal"},)"
         R"("vertebrae":{"marrow":"normal"},"levels":[{"level":"L4-L5","canal":"moderate"},{"level":"L5-S1","canal":"none"}],)"
         R"("cord":{"conus":"L1"},"paraspinal":{},"incidental":[],"impression":[{"text":")" +
         impression + R"("}],"critical_communication":{}})";
}

class ReportApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    User(centre_, "reader2", {identity::Role::kReader});
    for (const char* login : {"reader1", "reader2", "checker1"}) {
      identity::ReaderProfile p;
      p.years_of_experience = 20;
      p.subspecialties = {"spine"};
      ASSERT_TRUE(stack_.id().profiles().Put(centre_.id, users_[login].id, p).ok());
    }
    directory_ = workflow::IdentityReaderDirectory(stack_.id());
    auto hook = AuditToLog();
    workflow::WorkflowOptions o;
    o.audit = hook;
    auto wf = workflow::OpenWorkflow(stack_.database(), stack_.clock(), *directory_, o);
    ASSERT_TRUE(wf.ok()) << wf.status().ToString();
    wf_ = std::move(wf).value();
    source_ = report::WorkflowRequestSource(wf_->requests());
    contacts_ = report::IdentityContactDirectory(stack_.id());
    report::ReportOptions ro;
    ro.audit = hook;
    ro.contacts = contacts_.get();
    ro.covering = [this](int64_t original, int64_t) -> base::Result<int64_t> {
      return covering_ != 0 ? covering_ : original;
    };
    auto rs = report::OpenReports(stack_.database(), stack_.clock(), *source_, ro);
    ASSERT_TRUE(rs.ok()) << rs.status().ToString();
    reports_ = std::move(rs).value();
    services_->workflow = wf_.get();
    services_->reports = reports_.get();
    server_->Stop();
    ASSERT_TRUE(RegisterWorkflowRoutes(routes_, *services_).ok());
    ASSERT_TRUE(RegisterReportRoutes(routes_, *services_).ok());
    StartServer(4);
    NewRecords();
  }
  void TearDown() override {
    ApiTest::TearDown();
    reports_.reset();
    source_.reset();
    wf_.reset();
  }

  // A request of sakura (or `tenant_id`) held by reader1 in `reading`.
  int64_t Reading(const std::string& study, int64_t tenant_id = 0) {
    auto r = wf_->requests().RecordArrival(tenant_id != 0 ? tenant_id : sakura_.id, study,
                                           study + ".1", "MR");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    stack_.clock().Advance(std::chrono::minutes(4));
    EXPECT_TRUE(wf_->dispatcher().Tick().ok());
    const int64_t id = r.ok() ? r->id : 0;
    EXPECT_EQ(Do("reader1", "POST", Path(id, "/claim")).status, 200);
    EXPECT_EQ(Do("reader1", "POST", Path(id, "/transitions"), {{"to", "reading"}}).status, 200);
    return id;
  }
  std::string Path(int64_t id, const std::string& rest = "") {
    return "/api/requests/" + std::to_string(id) + rest;
  }
  std::string State(int64_t id) {
    return Do("coord1", "GET", Path(id)).Json()["state"].get<std::string>();
  }
  std::vector<std::string> Actions() {
    std::vector<std::string> out;
    for (const auto& r : NewRecords()) out.push_back(r.event.action);
    return out;
  }

  std::unique_ptr<workflow::ReaderDirectory> directory_;
  std::unique_ptr<workflow::Workflow> wf_;
  std::unique_ptr<report::RequestSource> source_;
  std::unique_ptr<report::ContactDirectory> contacts_;
  std::unique_ptr<report::ReportService> reports_;
  int64_t covering_ = 0;  // the covering reader for follow-up questions (0: the original)
};

// The workflow Actor of a reading-centre user of the fixture (to call the libraries directly).
inline workflow::Actor CentreActor(const identity::User& u, int64_t centre_id,
                                   identity::Role role) {
  workflow::Actor a;
  a.tenant_id = centre_id;
  a.tenant_kind = identity::TenantKind::kReadingCentre;
  a.user_id = u.id;
  a.subject = u.login;
  a.roles = {role};
  return a;
}

}  // namespace dokuei::api::testing
