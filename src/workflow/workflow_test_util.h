// Shared fixture for the workflow tests: every TEST_P(WorkflowTest, ...) runs on SQLite in
// memory, SQLite in a temporary file, and PostgreSQL when DOKUEI_TEST_PG_CONNINFO is set (each
// test in a schema of its own, dropped afterwards). Without the variable the PostgreSQL cases are
// skipped, unless DOKUEI_TEST_PG_REQUIRED=1 (scripts/with-postgres.sh), where they fail.
// The index is opened first on the same database: its first migration creates `tenants`.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dokuei/base/random.h"
#include "dokuei/db/db.h"
#include "dokuei/index/index.h"
#include "dokuei/testing/db_backends.h"
#include "dokuei/testing/fake_clock.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::workflow {

using ::dokuei::testing::Backend;
using ::dokuei::testing::BackendName;
using ::dokuei::testing::PgAdmin;

// The UTC instant of a JST wall-clock time (proleptic Gregorian; days from civil).
inline base::Timestamp Jst(int y, int m, int d, int hh, int mm, int ss = 0) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = int64_t{era} * 146097 + static_cast<int64_t>(doe) - 719468;
  const int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - 9 * 3600;
  return base::FromUnixMicros(secs * 1'000'000);
}

// Reader ids of the fixture's directory.
inline constexpr int64_t kJunior = 101;     // reader, X-ray/CT/MR, 5 years
inline constexpr int64_t kCtOnly = 102;     // reader, X-ray/CT, 8 years
inline constexpr int64_t kSenior = 201;     // reader and checker, everything, 20 years, spine+neuro
inline constexpr int64_t kChecker = 301;    // checker only, 25 years
inline constexpr int64_t kMidSenior = 202;  // reader and checker, 12 years (below 15)

inline std::vector<ReaderInfo> FixtureReaders() {
  auto make = [](int64_t id, bool reads, bool checks, std::vector<Modality> mods, int years) {
    ReaderInfo r;
    r.user_id = id;
    r.display_name = "reader " + std::to_string(id);
    r.reads = reads;
    r.checks = checks;
    r.modalities = std::move(mods);
    r.years_of_experience = years;
    return r;
  };
  using M = Modality;
  std::vector<ReaderInfo> out = {
      make(kJunior, true, false, {M::kXray, M::kCt, M::kMr}, 5),
      make(kCtOnly, true, false, {M::kXray, M::kCt}, 8), make(kSenior, true, true, {}, 20),
      make(kChecker, false, true, {}, 25), make(kMidSenior, true, true, {}, 12)};
  out[2].subspecialties = {"spine", "neuro"};  // the senior
  return out;
}

class WorkflowTest : public ::testing::TestWithParam<Backend> {
 protected:
  WorkflowTest() : clock_(Jst(2026, 11, 25, 9, 0)), readers_(FixtureReaders()) {}

  void SetUp() override {
    DOKUEI_PREPARE_TEST_DATABASE(tdb_, GetParam(), "workflow");
    auto db = OpenDatabase();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto index = index::OpenIndex(db_);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(index).value();
    centre_ = index_->EnsureTenant("centre", "読影センター")->value;
    hospital_ = index_->EnsureTenant("sakura", "さくら病院")->value;
    other_hospital_ = index_->EnsureTenant("momiji", "もみじ病院")->value;
    WorkflowOptions options;
    options.audit = [this](db::Conn&, const audit::Event& e) -> base::Status {
      std::lock_guard lock(events_mu_);
      if (fail_audit_) return base::Unavailable("audit log unavailable");
      events_.push_back(e);
      return base::Status::Ok();
    };
    auto wf = OpenWorkflow(db_, clock_, readers_, options);
    ASSERT_TRUE(wf.ok()) << wf.status().ToString();
    wf_ = std::move(wf).value();
  }

  void TearDown() override {
    wf_.reset();
    index_.reset();
    db_.reset();
  }

  base::Result<std::shared_ptr<db::Database>> OpenDatabase() { return tdb_.Open(8); }

  Requests& Req() { return wf_->requests(); }

  Actor Staff(int64_t tenant) const {
    Actor a;
    a.tenant_id = tenant;
    a.tenant_kind = identity::TenantKind::kHospital;
    a.user_id = 900 + tenant;
    a.subject = "staff" + std::to_string(tenant);
    a.roles = {identity::Role::kHospitalStaff};
    return a;
  }
  Actor Centre(int64_t user, std::vector<identity::Role> roles) const {
    Actor a;
    a.tenant_id = centre_;
    a.tenant_kind = identity::TenantKind::kReadingCentre;
    a.user_id = user;
    a.subject = "user" + std::to_string(user);
    a.roles = std::move(roles);
    return a;
  }
  Actor Reader(int64_t id) const {
    if (id == kChecker) return Centre(id, {identity::Role::kChecker});
    if (id == kSenior || id == kMidSenior)
      return Centre(id, {identity::Role::kReader, identity::Role::kChecker});
    return Centre(id, {identity::Role::kReader});
  }
  Actor Coordinator() const { return Centre(500, {identity::Role::kCoordinator}); }
  Actor Admin() const { return Centre(600, {identity::Role::kAdministrator}); }

  std::string Uid(int n) const { return "1.2.392.200036.9116." + std::to_string(n); }

  ReadingRequest MakeRequest(int n, Modality m = Modality::kMr, Priority p = Priority::kRoutine,
                             Region region = Region::kLumbar) {
    NewRequest nr;
    nr.tenant_id = hospital_;
    nr.study_uid = Uid(n);
    nr.details.modality = m;
    nr.details.priority = p;
    nr.details.region = region;
    nr.details.clinical_question = "腰痛、右下肢のしびれ。椎間板ヘルニアの有無";
    auto r = Req().Create(Staff(hospital_), nr);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ReadingRequest{};
  }

  // A request moved to `state` along the normal path (contract as stored).
  ReadingRequest Ready(int n, Modality m = Modality::kMr, Priority p = Priority::kRoutine) {
    const ReadingRequest r = MakeRequest(n, m, p);
    auto out = Req().Transition(Coordinator(), r.id, State::kReady);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *out : r;
  }

  void PutContract(bool double_reading, bool check) {
    Contract c;
    c.tenant_id = hospital_;
    c.double_reading = double_reading;
    c.check_required = check;
    c.price_xray = 1500;
    c.price_ct = 5000;
    c.price_mr = 8000;
    auto r = wf_->contracts().Put(Admin(), c);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  void AddShift(int64_t reader, base::Timestamp start, base::Timestamp end) {
    Shift s;
    s.reader_id = reader;
    s.start = start;
    s.end = end;
    auto r = wf_->rosters().AddShift(Coordinator(), s);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::vector<audit::Event> Events() {
    std::lock_guard lock(events_mu_);
    return events_;
  }

  testing::FakeClock clock_;
  StaticReaderDirectory readers_;
  ::dokuei::testing::TestDatabase tdb_;  // outlives db_
  std::shared_ptr<db::Database> db_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<Workflow> wf_;
  int64_t centre_ = 0, hospital_ = 0, other_hospital_ = 0;
  std::mutex events_mu_;
  std::vector<audit::Event> events_;
  bool fail_audit_ = false;
};

#define DOKUEI_WORKFLOW_BACKENDS(Suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(                                                                \
      Backends, Suite,                                                                     \
      ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile, Backend::kPostgres), \
      BackendName)

}  // namespace dokuei::workflow
