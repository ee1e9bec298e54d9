// Shared fixture for the report tests: every TEST_P runs on SQLite in memory, SQLite in a file,
// and PostgreSQL when DOKUEI_TEST_PG_CONNINFO is set (a schema per test, dropped afterwards;
// skipped without it unless DOKUEI_TEST_PG_REQUIRED=1). Requests come from a fake RequestSource
// (the workflow is exercised by its own tests); notifications go to in-test sinks.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "dokuei/base/random.h"
#include "dokuei/index/index.h"
#include "dokuei/report/report.h"
#include "dokuei/testing/db_backends.h"
#include "dokuei/testing/fake_clock.h"

namespace dokuei::report {

using ::dokuei::testing::Backend;
using ::dokuei::testing::BackendName;
using ::dokuei::testing::PgAdmin;

inline constexpr int64_t kReader = 101, kSecond = 201, kChecker = 301, kCovering = 102;

class FakeRequests final : public RequestSource {
 public:
  base::Result<RequestInfo> Get(int64_t id) override {
    std::lock_guard lock(mu_);
    const auto it = map_.find(id);
    if (it == map_.end()) return base::NotFound("no such request");
    return it->second;
  }
  void Put(RequestInfo r) {
    std::lock_guard lock(mu_);
    map_[r.request_id] = std::move(r);
  }

 private:
  std::mutex mu_;
  std::map<int64_t, RequestInfo> map_;
};

class FakeContacts final : public ContactDirectory {
 public:
  base::Result<HospitalContacts> For(int64_t) override { return contacts; }
  HospitalContacts contacts;
};

// A complete report in the common frame.
inline std::string FullContent(const std::string& impression = "L4-L5 右優位の椎間板ヘルニア",
                               const std::string& canal = "moderate") {
  return R"({"frame":1,"clinical_question":"腰痛、右下肢のしびれ","technique":{"sequences":["T1 sag","T2 sag","T2 ax"]},)"
         R"("comparison":{"prior":"none"},"numbering":{"from":"sacrum"},"alignment":{"lordosis":"normal"},)"
         R"("vertebrae":{"marrow":"normal"},"levels":[{"level":"L4-L5","canal":")" +
         canal +
         R"("},{"level":"L5-S1","canal":"none"}],)"
         R"("cord":{"conus":"L1"},"paraspinal":{},"incidental":[],"impression":[{"text":")" +
         impression + R"("}],"critical_communication":{}})";
}

class ReportTest : public ::testing::TestWithParam<Backend> {
 protected:
  ReportTest() : clock_(base::FromUnixMicros(1'790'000'000'000'000)) {}

  void SetUp() override {
    DOKUEI_PREPARE_TEST_DATABASE(tdb_, GetParam(), "report");
    auto db = OpenDatabase();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto index = index::OpenIndex(db_);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(index).value();
    centre_ = index_->EnsureTenant("centre", "読影センター")->value;
    hospital_ = index_->EnsureTenant("sakura", "さくら病院")->value;
    other_ = index_->EnsureTenant("momiji", "もみじ病院")->value;
    Open();
  }

  // (Re)opens the service with the current options.
  void Open() {
    svc_.reset();
    options_.audit = [this](db::Conn&, const audit::Event& e) -> base::Status {
      std::lock_guard lock(mu_);
      if (fail_audit_) return base::Unavailable("audit log unavailable");
      events_.push_back(e);
      return base::Status::Ok();
    };
    auto svc = OpenReports(db_, clock_, requests_, options_);
    ASSERT_TRUE(svc.ok()) << svc.status().ToString();
    svc_ = std::move(svc).value();
  }

  void TearDown() override {
    svc_.reset();
    index_.reset();
    db_.reset();
  }

  base::Result<std::shared_ptr<db::Database>> OpenDatabase() { return tdb_.Open(4); }

  Actor Centre(int64_t user, std::vector<identity::Role> roles) const {
    Actor a;
    a.tenant_id = centre_;
    a.tenant_kind = identity::TenantKind::kReadingCentre;
    a.user_id = user;
    a.subject = "user" + std::to_string(user);
    a.roles = std::move(roles);
    return a;
  }
  Actor Reader(int64_t id = kReader) const { return Centre(id, {identity::Role::kReader}); }
  Actor Second() const {
    return Centre(kSecond, {identity::Role::kReader, identity::Role::kChecker});
  }
  Actor Checker() const { return Centre(kChecker, {identity::Role::kChecker}); }
  Actor Coordinator() const { return Centre(500, {identity::Role::kCoordinator}); }
  Actor Staff(int64_t tenant) const {
    Actor a;
    a.tenant_id = tenant;
    a.user_id = 900 + tenant;
    a.subject = "staff" + std::to_string(tenant);
    a.roles = {identity::Role::kHospitalStaff};
    return a;
  }

  // A request assigned to kReader (second reader and checker slotted) `assigned_ago` ago.
  int64_t MakeRequest(int64_t id, base::Duration assigned_ago = std::chrono::minutes(30)) {
    RequestInfo r;
    r.request_id = id;
    r.tenant_id = hospital_;
    r.study_uid = "1.2.392.200036.9116." + std::to_string(id);
    r.reader_id = kReader;
    r.second_reader_id = kSecond;
    r.checker_id = kChecker;
    r.assigned_at = clock_.Now() - assigned_ago;
    requests_.Put(r);
    return id;
  }

  // Draft and sign a final report; returns the report id.
  int64_t SignedReport(int64_t request_id, SignInput in = {}) {
    auto d = svc_->reports().SaveDraft(Reader(), request_id, {FullContent()});
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    if (!d.ok()) return 0;
    auto s = svc_->reports().Sign(Reader(), d->report_id, in);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return d->report_id;
  }

  // Runs one SQL statement on the test database (outside the service).
  base::Status Sql(const std::string& sql) {
    return db_->Transact(db::TxKind::kWrite, [&](db::Conn& c) { return c.Exec(sql); });
  }

  std::vector<audit::Event> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<std::string> Actions() {
    std::vector<std::string> out;
    for (const auto& e : Events()) out.push_back(e.action);
    return out;
  }

  testing::FakeClock clock_;
  FakeRequests requests_;
  ReportOptions options_;
  ::dokuei::testing::TestDatabase tdb_;  // outlives db_
  std::shared_ptr<db::Database> db_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<ReportService> svc_;
  int64_t centre_ = 0, hospital_ = 0, other_ = 0;
  std::mutex mu_;
  std::vector<audit::Event> events_;
  bool fail_audit_ = false;
};

#define DOKUEI_REPORT_BACKENDS(Suite)                                                      \
  INSTANTIATE_TEST_SUITE_P(                                                                \
      Backends, Suite,                                                                     \
      ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile, Backend::kPostgres), \
      BackendName)

}  // namespace dokuei::report
