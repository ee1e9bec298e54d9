// Shared fixture for the index test suite: every TEST_P(IndexTest, ...) runs on SQLite in memory,
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

#include "dokuei/testing/db_backends.h"
#include "dokuei/base/random.h"
#include "dokuei/index/index.h"
#include "sql_index.h"

namespace dokuei::index {

using ::dokuei::testing::PgAdmin;

enum class Backend { kSqliteMemory, kSqliteFile, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kSqliteMemory:
      return "SqliteMemory";
    case Backend::kSqliteFile:
      return "SqliteFile";
    case Backend::kPostgres:
      return "Postgres";
  }
  return "Unknown";
}

inline void PrintTo(Backend b, std::ostream* os) {
  *os << (b == Backend::kSqliteMemory ? "SqliteMemory"
          : b == Backend::kSqliteFile ? "SqliteFile"
                                      : "Postgres");
}

inline const char* PgConninfo() {
  const char* c = std::getenv("DOKUEI_TEST_PG_CONNINFO");
  return (c && *c) ? c : nullptr;
}

// Runs one administrative statement on PostgreSQL; returns "" or the error message.

class IndexTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Backend::kSqliteMemory:
        break;
      case Backend::kSqliteFile:
        dir_ = std::filesystem::temp_directory_path() / ("dokuei-index-" + base::RandomHex(8));
        std::filesystem::create_directories(dir_);
        break;
      case Backend::kPostgres: {
        const char* conninfo = PgConninfo();
        if (conninfo == nullptr) {
          const char* required = std::getenv("DOKUEI_TEST_PG_REQUIRED");
          if (required && std::string(required) == "1") {
            FAIL() << "DOKUEI_TEST_PG_REQUIRED=1 but DOKUEI_TEST_PG_CONNINFO is not set";
          }
          GTEST_SKIP() << "PostgreSQL not configured: set DOKUEI_TEST_PG_CONNINFO or run under "
                          "scripts/with-postgres.sh";
        }
        base_conninfo_ = conninfo;
        schema_ = "t_" + base::RandomHex(8);
        const std::string err = PgAdmin(base_conninfo_, "CREATE SCHEMA " + schema_);
        ASSERT_EQ(err, "") << "cannot create test schema";
        break;
      }
    }
    auto index = Open();
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(index).value();
  }

  void TearDown() override {
    index_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    if (!schema_.empty()) (void)PgAdmin(base_conninfo_, "DROP SCHEMA " + schema_ + " CASCADE");
  }

  bool IsPostgres() const { return GetParam() == Backend::kPostgres; }
  bool IsPersistent() const { return GetParam() != Backend::kSqliteMemory; }

  std::string PgConninfoForSchema() const {
    return base_conninfo_ + " options='-csearch_path=" + schema_ + "'";
  }

  // Opens another index on the same database (file / schema); for :memory:, a fresh database.
  base::Result<std::unique_ptr<Index>> Open(int connections = 4) {
    switch (GetParam()) {
      case Backend::kSqliteMemory:
        return OpenSqliteIndex({":memory:", connections});
      case Backend::kSqliteFile:
        return OpenSqliteIndex({(dir_ / "index.db").string(), connections});
      case Backend::kPostgres:
        return OpenPostgresIndex({PgConninfoForSchema(), connections});
    }
    return base::Internal("unknown backend");
  }

  Database& Db() { return static_cast<SqlIndex&>(*index_).database(); }

  TenantId Tenant(const std::string& code) {
    auto t = index_->EnsureTenant(code, code + " hospital");
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : TenantId{};
  }

  std::vector<PutOutcome> Put(TenantId t, const std::vector<InstanceRecord>& records) {
    auto r = index_->PutInstances(t, records);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<PutOutcome>{};
  }

  std::vector<FindRow> Find(TenantId t, const FindQuery& q) {
    auto r = index_->Find(t, q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<FindRow>{};
  }

  std::unique_ptr<Index> index_;
  std::filesystem::path dir_;
  std::string base_conninfo_;
  std::string schema_;
};

// A complete record with plausible defaults; tests override what they look at.
inline InstanceRecord Rec(const std::string& study, const std::string& series,
                          const std::string& sop) {
  InstanceRecord r;
  r.patient.patient_id = "P-" + study;
  r.patient.patient_name = "Doe^John";
  r.patient.patient_birth_date = "19700101";
  r.patient.patient_sex = "M";
  r.study.study_instance_uid = study;
  r.study.study_date = "20240115";
  r.study.study_time = "101500";
  r.study.accession_number = "ACC-" + study;
  r.study.study_id = "S1";
  r.study.study_description = "MR LSPINE";
  r.study.referring_physician_name = "House^Gregory";
  r.series.series_instance_uid = series;
  r.series.modality = "MR";
  r.series.series_number = 1;
  r.series.series_description = "T2 SAG";
  r.series.body_part_examined = "LSPINE";
  r.instance.sop_class_uid = "1.2.840.10008.5.1.4.1.1.4";
  r.instance.sop_instance_uid = sop;
  r.instance.transfer_syntax_uid = "1.2.840.10008.1.2.1";
  r.instance.instance_number = 1;
  r.instance.rows = 512;
  r.instance.columns = 512;
  r.instance.number_of_frames = 1;
  r.instance.bits_allocated = 16;
  r.storage.blob_key = "blob-" + sop;
  r.storage.size_bytes = 1000;
  r.storage.sha256 = "sha-" + sop;
  r.storage.received_at = base::FromUnixMicros(1700000000000000);
  r.storage.source = "test";
  r.metadata_json = "{\"00080018\":{\"vr\":\"UI\",\"Value\":[\"" + sop + "\"]}}";
  return r;
}

inline Condition Eq(Attr a, std::string v) {
  Condition c;
  c.attr = a;
  c.kind = Condition::Kind::kEquals;
  c.value = std::move(v);
  return c;
}
inline Condition Wild(Attr a, std::string v) {
  Condition c = Eq(a, std::move(v));
  c.kind = Condition::Kind::kWildcard;
  return c;
}
inline Condition Fuzzy(Attr a, std::string v) {
  Condition c = Eq(a, std::move(v));
  c.kind = Condition::Kind::kFuzzy;
  return c;
}
inline Condition Range(Attr a, std::string low, std::string high) {
  Condition c;
  c.attr = a;
  c.kind = Condition::Kind::kRange;
  c.low = std::move(low);
  c.high = std::move(high);
  return c;
}
inline Condition List(Attr a, std::vector<std::string> values) {
  Condition c;
  c.attr = a;
  c.kind = Condition::Kind::kList;
  c.values = std::move(values);
  return c;
}

inline FindQuery Q(Level level, std::vector<Condition> conds = {}, uint32_t limit = 0,
                   uint32_t offset = 0) {
  FindQuery q;
  q.level = level;
  q.conditions = std::move(conds);
  q.limit = limit;
  q.offset = offset;
  return q;
}

}  // namespace dokuei::index
