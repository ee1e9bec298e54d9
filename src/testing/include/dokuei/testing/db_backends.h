// What the database-backed tests of every module share: the backends a parameterised test runs
// on (SQLite in memory, SQLite in a file, PostgreSQL when DOKUEI_TEST_PG_CONNINFO is set; see
// scripts/with-postgres.sh), their names for INSTANTIATE_TEST_SUITE_P, and PgAdmin, which runs
// one administrative statement (CREATE/DROP SCHEMA of a test) on its own connection and returns
// the error text ("" on success). Tests that use it link PostgreSQL::PostgreSQL.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <string>

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

}  // namespace dokuei::testing
