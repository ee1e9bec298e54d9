// The report routes' test fixture: the API stack with the workflow and the report library on
// SQLite or PostgreSQL, and a request of sakura held by reader1 (report_api_test.cc,
// spine_api_test.cc).
#pragma once

#include "api_fixture.h"
#include "dokuei/report/report.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::api::testing {

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
    audit::AuditLog& log = stack_.log();
    auto hook = [&log](db::Conn& c, const audit::Event& e) { return log.AppendIn(c, e).status(); };
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
    auto rs = report::OpenReports(stack_.database(), stack_.clock(), *source_, ro);
    ASSERT_TRUE(rs.ok()) << rs.status().ToString();
    reports_ = std::move(rs).value();
    services_->workflow = wf_.get();
    services_->reports = reports_.get();
    server_->Stop();
    ASSERT_TRUE(RegisterWorkflowRoutes(routes_, *services_).ok());
    ASSERT_TRUE(RegisterReportRoutes(routes_, *services_).ok());
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.worker_threads = 4;
    server_ = std::make_unique<http::Server>(options, routes_, &auth_);
    ASSERT_TRUE(server_->Start().ok());
    NewRecords();
  }
  void TearDown() override {
    ApiTest::TearDown();
    reports_.reset();
    source_.reset();
    wf_.reset();
  }

  // A request of sakura held by reader1 in `reading`.
  int64_t Reading(const std::string& study) {
    auto r = wf_->requests().RecordArrival(sakura_.id, study, study + ".1", "MR");
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
};

}  // namespace dokuei::api::testing
