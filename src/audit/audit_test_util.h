// Shared fixture for the audit tests: every TEST_P(AuditTest, ...) runs on SQLite in memory,
// SQLite in a temporary file, and PostgreSQL when DOKUEI_TEST_PG_CONNINFO is set (each test in a
// schema of its own, dropped afterwards). Without the variable the PostgreSQL cases are skipped,
// unless DOKUEI_TEST_PG_REQUIRED=1 (set by scripts/with-postgres.sh), where they fail.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "dokuei/audit/audit.h"
#include "dokuei/base/random.h"
#include "dokuei/db/db.h"
#include "dokuei/testing/db_backends.h"
#include "dokuei/testing/fake_clock.h"

namespace dokuei::audit {

using ::dokuei::testing::Backend;
using ::dokuei::testing::BackendName;
using ::dokuei::testing::PgAdmin;

inline void PrintTo(Backend b, std::ostream* os) {
  *os << (b == Backend::kSqliteMemory ? "SqliteMemory"
          : b == Backend::kSqliteFile ? "SqliteFile"
                                      : "Postgres");
}

// Runs one administrative statement on PostgreSQL; returns "" or the error message.

class AuditTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Backend::kSqliteMemory:
        break;
      case Backend::kSqliteFile:
        dir_ = std::filesystem::temp_directory_path() / ("dokuei-audit-" + base::RandomHex(8));
        std::filesystem::create_directories(dir_);
        break;
      case Backend::kPostgres: {
        const char* conninfo = std::getenv("DOKUEI_TEST_PG_CONNINFO");
        if (conninfo == nullptr || *conninfo == 0) {
          const char* required = std::getenv("DOKUEI_TEST_PG_REQUIRED");
          if (required && std::string(required) == "1") {
            FAIL() << "DOKUEI_TEST_PG_REQUIRED=1 but DOKUEI_TEST_PG_CONNINFO is not set";
          }
          GTEST_SKIP() << "PostgreSQL not configured: set DOKUEI_TEST_PG_CONNINFO or run under "
                          "scripts/with-postgres.sh";
        }
        base_conninfo_ = conninfo;
        schema_ = "a_" + base::RandomHex(8);
        ASSERT_EQ(PgAdmin(base_conninfo_, "CREATE SCHEMA " + schema_), "");
        break;
      }
    }
    auto database = OpenDatabase();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    db_ = std::move(database).value();
    auto log = OpenAuditLog(db_, clock_, options_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }

  void TearDown() override {
    log_.reset();
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    if (!schema_.empty()) (void)PgAdmin(base_conninfo_, "DROP SCHEMA " + schema_ + " CASCADE");
  }

  bool IsPostgres() const { return GetParam() == Backend::kPostgres; }
  bool IsMemory() const { return GetParam() == Backend::kSqliteMemory; }

  // Another Database on the same file / schema (a second server process, as far as the chain is
  // concerned); for :memory:, the same one.
  base::Result<std::shared_ptr<db::Database>> OpenDatabase(int connections = 8) {
    base::Result<std::unique_ptr<db::Database>> d = base::Internal("unknown backend");
    switch (GetParam()) {
      case Backend::kSqliteMemory:
        if (db_) return db_;
        d = db::OpenSqlite({":memory:", connections});
        break;
      case Backend::kSqliteFile:
        d = db::OpenSqlite({(dir_ / "audit.db").string(), connections});
        break;
      case Backend::kPostgres:
        d = db::OpenPostgres(
            {base_conninfo_ + " options='-csearch_path=" + schema_ + "'", connections});
        break;
    }
    if (!d.ok()) return d.status();
    return std::shared_ptr<db::Database>(std::move(d).value());
  }

  // Runs SQL as an intruder with database access would: statement by statement, outside the
  // audit code, with the append-only triggers removed first when asked.
  void Sql(const std::string& sql) {
    auto st = db_->Transact(db::TxKind::kWrite, [&](db::Conn& c) { return c.Exec(sql); });
    ASSERT_TRUE(st.ok()) << sql << ": " << st.ToString();
  }
  base::Status TrySql(const std::string& sql) {
    return db_->Transact(db::TxKind::kWrite, [&](db::Conn& c) { return c.Exec(sql); });
  }
  void DropGuards() {
    if (IsPostgres()) {
      Sql("DROP TRIGGER audit_records_guard ON audit_records");
    } else {
      Sql("DROP TRIGGER audit_records_no_update");
      Sql("DROP TRIGGER audit_records_no_delete");
    }
  }
  int64_t QueryInt(const std::string& sql) {
    int64_t v = -1;
    auto st = db_->Transact(db::TxKind::kRead, [&](db::Conn& c) {
      return c.Query(sql, {}, [&](const db::Row& r) {
        v = r.Int(0);
        return base::Status::Ok();
      });
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return v;
  }
  std::string QueryStr(const std::string& sql) {
    std::string v;
    auto st = db_->Transact(db::TxKind::kRead, [&](db::Conn& c) {
      return c.Query(sql, {}, [&](const db::Row& r) {
        v = std::string(r.Str(0));
        return base::Status::Ok();
      });
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return v;
  }

  static Event MakeEvent(int i, int64_t tenant = 1) {
    Event e;
    e.action = i % 3 == 0 ? "study.view" : i % 3 == 1 ? "study.query" : "login";
    e.tenant_id = e.action == "login" ? 0 : tenant;
    e.actor = "user" + std::to_string(i % 5);
    e.actor_user_id = 100 + i % 5;
    e.actor_tenant_id = tenant;
    e.actor_roles = "reader,checker";
    e.source_address = "192.0.2." + std::to_string(i % 250);
    e.protocol = "http";
    if (e.tenant_id != 0) {
      e.patient_id = "P" + std::to_string(i % 7);
      e.study_uids = {"1.2.392.200036.9116." + std::to_string(i % 11)};
      e.object_count = i % 4;
    }
    e.object_detail = "/studies?i=" + std::to_string(i);
    return e;
  }

  // Appends n events, one per clock microsecond, and returns their records.
  std::vector<Record> AppendN(int n, int64_t tenant = 1) {
    std::vector<Record> out;
    for (int i = 0; i < n; ++i) {
      clock_.Advance(std::chrono::microseconds(1));
      auto r = log_->Append(MakeEvent(i, tenant));
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (r.ok()) out.push_back(*r);
    }
    return out;
  }

  VerifyResult MustVerify() {
    auto v = log_->Verify();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : VerifyResult{};
  }

  dokuei::testing::FakeClock clock_;
  Options options_;
  std::shared_ptr<db::Database> db_;
  std::unique_ptr<AuditLog> log_;
  std::filesystem::path dir_;
  std::string base_conninfo_, schema_;
};

}  // namespace dokuei::audit
