// SqlIndex: the one implementation of Index, written against the Database seam (db.h) so that the
// SQLite and PostgreSQL backends share schema, ingest logic and search translation and therefore
// behave identically. OpenSqliteIndex / OpenPostgresIndex build a Database, migrate it and wrap it.
// Private to the index module. Thread safety: thread-safe (the Database serialises as needed).
#pragma once

#include <memory>

#include "db.h"
#include "dokuei/index/index.h"
#include "sql_builder.h"

namespace dokuei::index {

class SqlIndex final : public Index {
 public:
  // Migrates db to the latest schema version.
  static base::Result<std::unique_ptr<SqlIndex>> Create(std::shared_ptr<Database> db);

  base::Result<TenantId> EnsureTenant(const std::string& code, const std::string& name) override;
  base::Result<std::vector<PutOutcome>> PutInstances(
      TenantId tenant, std::span<const InstanceRecord> records) override;
  base::Result<std::vector<PutOutcome>> PutInstancesIn(
      db::Conn& conn, TenantId tenant, std::span<const InstanceRecord> records) override;
  base::Result<std::vector<FindRow>> Find(TenantId tenant, const FindQuery& query) override;
  base::Result<std::vector<InstanceLocation>> Locate(TenantId tenant,
                                                     const FindQuery& query) override;
  base::Result<std::vector<std::string>> Metadata(TenantId tenant, const FindQuery& query) override;
  base::Result<std::vector<ConflictRecord>> ListConflicts(TenantId tenant, uint32_t limit,
                                                          uint32_t offset) override;
  base::Result<TenantStats> Stats(TenantId tenant) override;
  base::Status ForEachBlobKey(const std::function<base::Status(const std::string&)>& fn) override;

  // For tests and maintenance tools inside the module.
  Database& database() { return *db_; }

 private:
  explicit SqlIndex(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
};

// Plan choices for one search on this connection's backend (see BuildOptions).
base::Result<BuildOptions> PlanQuery(Conn& conn, TenantId tenant, const FindQuery& query);

// Runs one PutInstances batch inside an open write transaction (sql_put.cc).
base::Result<std::vector<PutOutcome>> PutBatch(Conn& conn, TenantId tenant,
                                               std::span<const InstanceRecord> records);

}  // namespace dokuei::index
