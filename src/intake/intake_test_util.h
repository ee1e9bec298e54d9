// Shared helpers of the intake tests: the samples in testdata/, and a workflow on every backend
// (SQLite in memory, SQLite in a file, PostgreSQL when DOKUEI_TEST_PG_CONNINFO is set: each test
// in a schema of its own; skipped without it unless DOKUEI_TEST_PG_REQUIRED=1, as
// scripts/with-postgres.sh sets, where it fails). The same pattern as the workflow tests.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "dokuei/base/random.h"
#include "dokuei/db/db.h"
#include "dokuei/index/index.h"
#include "dokuei/intake/intake.h"
#include "dokuei/testing/db_backends.h"
#include "dokuei/testing/fake_clock.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::intake {

using ::dokuei::testing::Backend;
using ::dokuei::testing::BackendName;
using ::dokuei::testing::PgAdmin;

inline std::string Sample(const std::string& name) {
  const char* root = std::getenv("DOKUEI_SOURCE_DIR");
  const std::string path = std::string(root ? root : ".") + "/src/intake/testdata/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing sample " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Segments of an ACK (CR separated).
inline std::vector<std::string> Segments(const std::string& msg) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : msg) {
    if (c == '\r') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// A workflow on the backend, two hospitals (sakura, momiji) and their HL7 senders.
class IntakeDbTest : public ::testing::TestWithParam<Backend> {
 protected:
  IntakeDbTest()
      : clock_(base::FromUnixMicros(int64_t{1'795'000'000} * 1'000'000)), readers_({Reader()}) {}

  // One reader of every modality (id kReaderId), for tests that read a request.
  static constexpr int64_t kReaderId = 101;
  static workflow::ReaderInfo Reader() {
    workflow::ReaderInfo r;
    r.user_id = kReaderId;
    r.display_name = "reader";
    return r;
  }

  void SetUp() override {
    DOKUEI_PREPARE_TEST_DATABASE(tdb_, GetParam(), "intake");
    auto db = OpenDatabase();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto index = index::OpenIndex(db_);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(index).value();
    sakura_ = index_->EnsureTenant("sakura", "さくら病院")->value;
    momiji_ = index_->EnsureTenant("momiji", "もみじクリニック")->value;
    workflow::WorkflowOptions options;
    options.audit = [this](db::Conn&, const audit::Event& e) -> base::Status {
      std::lock_guard lock(mu_);
      if (fail_audit_) return base::Unavailable("audit log unavailable");
      events_.push_back(e);
      return base::Status::Ok();
    };
    auto wf = workflow::OpenWorkflow(db_, clock_, readers_, options);
    ASSERT_TRUE(wf.ok()) << wf.status().ToString();
    wf_ = std::move(wf).value();
    auto senders = ParseSenderList(R"(
[[hl7.senders]]
facility = "SAKURA_HP"
tenant = "sakura"
[[hl7.senders]]
facility = "MOMIJI_CL"
application = "HIS"
tenant = "momiji"
)");
    ASSERT_TRUE(senders.ok()) << senders.status().ToString();
    senders_ = std::make_unique<ConfigSenderDirectory>(
        *senders, [this](const std::string& code) -> std::optional<int64_t> {
          if (code == "sakura") return sakura_;
          if (code == "momiji") return momiji_;
          return std::nullopt;
        });
    intake_ = std::make_unique<Hl7Intake>(wf_->requests(), *senders_, clock_);
  }

  void TearDown() override {
    intake_.reset();
    wf_.reset();
    index_.reset();
    db_.reset();
  }

  base::Result<std::shared_ptr<db::Database>> OpenDatabase() { return tdb_.Open(8); }

  // Every request of every hospital, as the reading centre's coordinator sees them.
  std::vector<workflow::ReadingRequest> All() {
    const workflow::Actor a = workflow::Actor::System();
    workflow::RequestFilter f;
    auto r = wf_->requests().List(a, f);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<workflow::ReadingRequest>{};
  }

  size_t EventCount() {
    std::lock_guard lock(mu_);
    return events_.size();
  }

  testing::FakeClock clock_;
  workflow::StaticReaderDirectory readers_;
  ::dokuei::testing::TestDatabase tdb_;  // outlives db_
  std::shared_ptr<db::Database> db_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<workflow::Workflow> wf_;
  std::unique_ptr<ConfigSenderDirectory> senders_;
  std::unique_ptr<Hl7Intake> intake_;
  int64_t sakura_ = 0, momiji_ = 0;
  std::mutex mu_;
  std::vector<audit::Event> events_;
  bool fail_audit_ = false;
};

}  // namespace dokuei::intake
