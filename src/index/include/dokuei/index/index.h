// Index: the searchable catalogue of stored instances (patients, studies, series, instances,
// conflicts), with SQLite (embedded default, WAL) and PostgreSQL (scale-out) implementations that
// behave identically and are tested with the same scenarios.
//
// Tenancy lives here, not in handlers: every method takes the TenantId, and every statement the
// implementations run is filtered by it. There is no way to read another tenant's rows.
//
// Durability: PutInstances returns only after its transaction is committed durably (SQLite
// synchronous=FULL; PostgreSQL synchronous_commit on).
// Thread safety: all methods are thread-safe; implementations pool connections and retry
// transactions on serialization failures.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/index/query.h"
#include "dokuei/index/records.h"

namespace dokuei::index {

class Index {
 public:
  virtual ~Index() = default;

  // Returns the id of the tenant with this code, creating it if needed.
  virtual base::Result<TenantId> EnsureTenant(const std::string& code, const std::string& name) = 0;

  // Records instances in one transaction, in order. Creates or updates patient/study/series rows
  // and their counters. For each record: new SOP Instance UID -> kStored; same UID and same sha256
  // -> kDuplicate (nothing changes); same UID, different sha256 -> kConflict (a conflict row is
  // added, the indexed instance is untouched). Either every outcome is written or none is.
  virtual base::Result<std::vector<PutOutcome>> PutInstances(
      TenantId tenant, std::span<const InstanceRecord> records) = 0;

  // PutInstances inside the caller's open write transaction on the shared database (db::Database::
  // Transact), so that another store's writes (the audit record of the same ingest) commit or
  // roll back together with the index rows.
  virtual base::Result<std::vector<PutOutcome>> PutInstancesIn(
      db::Conn& conn, TenantId tenant, std::span<const InstanceRecord> records) = 0;

  // Searches at query.level. Rows are ordered deterministically (patients by name/id, studies by
  // date and time descending, series by number, instances by number) so limit/offset page.
  virtual base::Result<std::vector<FindRow>> Find(TenantId tenant, const FindQuery& query) = 0;

  // Every instance under the entities that match the query (the query's level picks the entity),
  // ordered by study, series number, instance number.
  virtual base::Result<std::vector<InstanceLocation>> Locate(TenantId tenant,
                                                             const FindQuery& query) = 0;

  // Metadata JSON of every instance under the matches, in Locate's order.
  virtual base::Result<std::vector<std::string>> Metadata(TenantId tenant,
                                                          const FindQuery& query) = 0;

  virtual base::Result<std::vector<ConflictRecord>> ListConflicts(TenantId tenant, uint32_t limit,
                                                                  uint32_t offset) = 0;

  virtual base::Result<TenantStats> Stats(TenantId tenant) = 0;

  // Maintenance (all tenants): every blob key the index refers to, instances and conflicts.
  virtual base::Status ForEachBlobKey(const std::function<base::Status(const std::string&)>& fn) = 0;
};

struct SqliteOptions {
  std::string path;           // database file; ":memory:" for tests
  int reader_connections = 4;
};
// Opens (creating if needed) and migrates the schema to the latest version.
base::Result<std::unique_ptr<Index>> OpenSqliteIndex(const SqliteOptions& options);

struct PostgresOptions {
  std::string conninfo;       // libpq connection string
  int connections = 8;
};
base::Result<std::unique_ptr<Index>> OpenPostgresIndex(const PostgresOptions& options);

// On a database shared with other stores (identity, audit): migrates the index's tables.
base::Result<std::unique_ptr<Index>> OpenIndex(std::shared_ptr<db::Database> database);

// Schema version the binary expects (both backends).
int LatestSchemaVersion();

}  // namespace dokuei::index
