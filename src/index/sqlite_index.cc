// SQLite flavour of the index: the shared SQL implementation on a SQLite database, with planner
// statistics seeded for a database that was never analysed.
#include "db.h"
#include "dokuei/index/index.h"
#include "sql_index.h"

namespace dokuei::index {
namespace {

using base::Status;

// Planner statistics for a database that was never analysed. Without sqlite_stat1, SQLite takes
// "tenant_id = ?" (the first column of every index) for a selective constraint and, e.g., reads
// a million-row index to find one accession number (100 ms instead of 0.02 ms). These rows
// describe the shape of a large single-tenant archive (40k patients, 100k studies, 400k series,
// 4M instances); only the ratios matter. A later ANALYZE (PRAGMA optimize) replaces them with
// measured values of the same shape.
struct StatRow {
  const char* table;
  const char* index;  // nullptr: the table itself
  const char* stat;
};
constexpr StatRow kPlannerStats[] = {
    {"tenants", "sqlite_autoindex_tenants_1", "10 1"},
    {"patients", "sqlite_autoindex_patients_1", "40000 40000 1 1"},
    {"patients", "patients_by_name", "40000 40000 2 1 1"},
    {"studies", "sqlite_autoindex_studies_1", "100000 100000 1"},
    {"studies", "studies_by_date", "100000 100000 50 2 1"},
    {"studies", "studies_by_accession", "100000 100000 1"},
    {"studies", "studies_by_patient", "100000 3"},
    {"series", "sqlite_autoindex_series_1", "400000 400000 1"},
    {"series", "series_by_study", "400000 4 1"},
    {"series", "series_by_modality", "400000 400000 40000 1"},
    {"series_requests", "series_requests_by_series", "10000 1"},
    {"series_requests", "series_requests_by_rp", "10000 10000 2"},
    {"series_requests", "series_requests_by_sps", "10000 10000 2"},
    {"instances", "sqlite_autoindex_instances_1", "4000000 4000000 1"},
    {"instances", "instances_by_series", "4000000 10 1"},
    {"instance_metadata", nullptr, "4000000"},
    {"name_keys", "sqlite_autoindex_name_keys_1", "200000 200000 100000 50000 5 1"},
    {"conflicts", "conflicts_by_tenant", "100 100 1"},
};

Status SeedPlannerStats(Database& db) {
  return db.Transact(TxKind::kWrite, [](Conn& c) -> Status {
    DOKUEI_RETURN_IF_ERROR(c.Exec("ANALYZE sqlite_schema"));  // creates sqlite_stat1 if absent
    bool analysed = false;
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'studies' LIMIT 1", {}, [&](const Row&) {
          analysed = true;
          return Status::Ok();
        }));
    if (analysed) return Status::Ok();
    for (const StatRow& r : kPlannerStats) {
      const Value p[] = {std::string(r.table),
                         r.index ? Value(std::string(r.index)) : Value(nullptr),
                         std::string(r.stat)};
      DOKUEI_RETURN_IF_ERROR(
          c.Exec("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", p));
    }
    return c.Exec("ANALYZE sqlite_schema");  // load them
  });
}

}  // namespace

base::Result<std::unique_ptr<Index>> OpenSqliteIndex(const SqliteOptions& options) {
  DOKUEI_ASSIGN_OR_RETURN(std::shared_ptr<Database> db,
                          db::OpenSqlite({options.path, options.reader_connections}));
  return OpenIndex(std::move(db));
}

base::Result<std::unique_ptr<Index>> OpenIndex(std::shared_ptr<db::Database> database) {
  DOKUEI_ASSIGN_OR_RETURN(auto index, SqlIndex::Create(database));
  if (database->dialect() == Dialect::kSqlite)
    DOKUEI_RETURN_IF_ERROR(SeedPlannerStats(index->database()));
  return std::unique_ptr<Index>(std::move(index));
}

}  // namespace dokuei::index
