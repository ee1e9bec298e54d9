// What the database-backed tests of every module share: the backends a parameterised test runs
// on (SQLite in memory, SQLite in a file, PostgreSQL when DOKUEI_TEST_PG_CONNINFO is set; see
// scripts/with-postgres.sh), their names for INSTANTIATE_TEST_SUITE_P, and PgAdmin, which runs
// one administrative statement (CREATE/DROP SCHEMA of a test) on its own connection and returns
// the error text ("" on success). Tests that use it link PostgreSQL::PostgreSQL.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "dokuei/base/random.h"
#include "dokuei/db/db.h"

namespace dokuei::testing {

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

inline std::string PgAdmin(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  std::string err;
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  if (PQstatus(c) != CONNECTION_OK) {
    err = PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    const auto s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) err = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  return err;
}

// The database of one parameterised test: a temporary directory for SQLite in a file, a schema of
// its own for PostgreSQL; both removed by the destructor (destroy the Database objects first).
//
//   DOKUEI_PREPARE_TEST_DATABASE(tdb_, GetParam(), "workflow");   // in SetUp: may skip
//   auto db = tdb_.Open(/*pool=*/4);
class TestDatabase {
 public:
  TestDatabase() = default;
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    if (!schema_.empty()) (void)PgAdmin(conninfo_, "DROP SCHEMA " + schema_ + " CASCADE");
  }

  // Empty when the backend is ready; otherwise why the test must be skipped (PostgreSQL not
  // configured). With DOKUEI_TEST_PG_REQUIRED=1 (scripts/with-postgres.sh) that is a failure too.
  std::string Prepare(Backend backend, std::string_view prefix) {
    backend_ = backend;
    if (backend == Backend::kSqliteFile) {
      dir_ = std::filesystem::temp_directory_path() /
             ("dokuei-" + std::string(prefix) + "-" + base::RandomHex(8));
      std::filesystem::create_directories(dir_);
    } else if (backend == Backend::kPostgres) {
      const char* conninfo = std::getenv("DOKUEI_TEST_PG_CONNINFO");
      if (conninfo == nullptr || *conninfo == '\0') {
        const char* required = std::getenv("DOKUEI_TEST_PG_REQUIRED");
        if (required != nullptr && std::string(required) == "1")
          ADD_FAILURE() << "DOKUEI_TEST_PG_REQUIRED=1 but DOKUEI_TEST_PG_CONNINFO is not set";
        return "PostgreSQL not configured: run under scripts/with-postgres.sh";
      }
      conninfo_ = conninfo;
      const std::string schema = std::string(prefix.substr(0, 1)) + "_" + base::RandomHex(8);
      const std::string err = PgAdmin(conninfo_, "CREATE SCHEMA " + schema);
      if (!err.empty()) {
        ADD_FAILURE() << "CREATE SCHEMA " << schema << ": " << err;
        return err;
      }
      schema_ = schema;
    }
    return {};
  }

  // A new connection pool on the prepared database (call again to reopen the same data).
  base::Result<std::shared_ptr<db::Database>> Open(int pool_size) {
    switch (backend_) {
      case Backend::kSqliteMemory: {
        DOKUEI_ASSIGN_OR_RETURN(auto d, db::OpenSqlite({":memory:", 1}));
        return std::shared_ptr<db::Database>(std::move(d));
      }
      case Backend::kSqliteFile: {
        DOKUEI_ASSIGN_OR_RETURN(auto d, db::OpenSqlite({(dir_ / "db.sqlite").string(), 2}));
        return std::shared_ptr<db::Database>(std::move(d));
      }
      case Backend::kPostgres: {
        DOKUEI_ASSIGN_OR_RETURN(
            auto d, db::OpenPostgres({conninfo_ + " options='-csearch_path=" + schema_ + "'",
                                      pool_size}));
        return std::shared_ptr<db::Database>(std::move(d));
      }
    }
    return base::Internal("unknown backend");
  }

 private:
  Backend backend_ = Backend::kSqliteMemory;
  std::filesystem::path dir_;
  std::string conninfo_, schema_;
};

}  // namespace dokuei::testing

// In a test's SetUp: prepares `tdb` for `backend`, or skips the test.
#define DOKUEI_PREPARE_TEST_DATABASE(tdb, backend, prefix)                               \
  do {                                                                                    \
    if (std::string why_ = (tdb).Prepare((backend), (prefix)); !why_.empty()) GTEST_SKIP() << why_; \
  } while (0)
