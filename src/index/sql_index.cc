#include "sql_index.h"

#include <algorithm>
#include <unordered_map>

#include "migrations.h"
#include "names.h"
#include "sql_builder.h"

namespace dokuei::index {
namespace {

using base::Status;

// Fetches metadata JSON of the given instance rows of `tenant` into *out (id -> JSON). Id lists
// are padded to a few fixed sizes so that the statements can stay prepared.
Status FetchMetadata(Conn& c, TenantId tenant, std::vector<int64_t> ids,
                     std::unordered_map<int64_t, std::string>* out) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.erase(std::remove(ids.begin(), ids.end(), 0), ids.end());
  constexpr size_t kChunk = 256;
  for (size_t begin = 0; begin < ids.size(); begin += kChunk) {
    const size_t n = std::min(kChunk, ids.size() - begin);
    size_t padded = 8;
    while (padded < n) padded *= 4;  // 8, 32, 128, then 256 (the chunk)
    padded = std::min(padded, kChunk);
    std::vector<int64_t> chunk(ids.begin() + begin, ids.begin() + begin + n);
    chunk.resize(std::max(padded, n), chunk.back());
    Sql sql;
    sql.Add(
        "SELECT m.instance_pk, m.metadata_json FROM instance_metadata m"
        " JOIN instances i ON i.id = m.instance_pk WHERE i.tenant_id = ");
    sql.Bind(tenant.value).Add(" AND m.instance_pk");
    AppendIdList(&sql, chunk);
    DOKUEI_RETURN_IF_ERROR(c.Query(sql.text, sql.params, [&](const Row& r) {
      (*out)[r.Int(0)] = std::string(r.Str(1));
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

// Above this many series with the requested modality, a ModalitiesInStudy search probes
// studies in date order (it finds `limit` matches quickly); below it, the few matching studies
// are fetched and sorted. Either side costs at most a few milliseconds at 1 million instances.
constexpr int64_t kModalityProbeCap = 2000;

}  // namespace

base::Result<BuildOptions> PlanQuery(Conn& c, TenantId tenant, const FindQuery& query) {
  BuildOptions o;
  if (c.dialect() != Dialect::kSqlite) return o;  // PostgreSQL's planner has the statistics
  DOKUEI_ASSIGN_OR_RETURN(const Sql probe,
                          BuildModalityProbeSql(query, c.dialect(), tenant, kModalityProbeCap));
  if (probe.text.empty()) return o;
  int64_t n = 0;
  DOKUEI_RETURN_IF_ERROR(c.Query(probe.text, probe.params, [&](const Row& r) {
    n = r.Int(0);
    return Status::Ok();
  }));
  o.correlated_modalities = n >= kModalityProbeCap;
  return o;
}

base::Result<std::unique_ptr<SqlIndex>> SqlIndex::Create(std::shared_ptr<Database> db) {
  DOKUEI_RETURN_IF_ERROR(Migrate(*db));
  return std::unique_ptr<SqlIndex>(new SqlIndex(std::move(db)));
}

base::Result<TenantId> SqlIndex::EnsureTenant(const std::string& code, const std::string& name) {
  if (code.empty() || !IsStorableText(code)) {
    return base::InvalidArgument("tenant code must be non-empty UTF-8 text", "code");
  }
  if (!IsStorableText(name)) return base::InvalidArgument("not valid UTF-8 text", "name");
  TenantId id;
  DOKUEI_RETURN_IF_ERROR(db_->Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    const Value p[] = {code, name};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO tenants (code, name) VALUES (?, ?) ON CONFLICT (code) DO NOTHING", p));
    const Value k[] = {code};
    return c.Query("SELECT id FROM tenants WHERE code = ?", k, [&](const Row& r) {
      id.value = r.Int(0);
      return Status::Ok();
    });
  }));
  if (id.value == 0) return base::Internal("index: tenant row missing after insert");
  return id;
}

base::Result<std::vector<PutOutcome>> SqlIndex::PutInstances(
    TenantId tenant, std::span<const InstanceRecord> records) {
  std::vector<PutOutcome> outcomes;
  if (records.empty()) return outcomes;
  DOKUEI_RETURN_IF_ERROR(db_->Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(outcomes, PutBatch(c, tenant, records));
    return Status::Ok();
  }));
  return outcomes;
}

base::Result<std::vector<PutOutcome>> SqlIndex::PutInstancesIn(
    db::Conn& conn, TenantId tenant, std::span<const InstanceRecord> records) {
  return PutBatch(conn, tenant, records);
}

base::Result<std::vector<FindRow>> SqlIndex::Find(TenantId tenant, const FindQuery& query) {
  DOKUEI_RETURN_IF_ERROR(ValidateQuery(query));
  std::vector<FindRow> rows;
  std::vector<int64_t> reps;
  DOKUEI_RETURN_IF_ERROR(db_->Transact(TxKind::kRead, [&](Conn& c) -> Status {
    rows.clear();
    reps.clear();
    DOKUEI_ASSIGN_OR_RETURN(const BuildOptions options, PlanQuery(c, tenant, query));
    DOKUEI_ASSIGN_OR_RETURN(const Sql sql, BuildFindSql(query, c.dialect(), tenant, options));
    DOKUEI_RETURN_IF_ERROR(c.Query(
        sql.text, sql.params,
        [&](const Row& r) {
          FindRow row;
          int64_t rep = 0;
          DecodeFindRow(r, query.level, &row, &rep);
          rows.push_back(std::move(row));
          reps.push_back(rep);
          return Status::Ok();
        },
        /*reuse=*/false));
    if (!query.with_metadata) return Status::Ok();
    std::unordered_map<int64_t, std::string> metadata;
    DOKUEI_RETURN_IF_ERROR(FetchMetadata(c, tenant, reps, &metadata));
    for (size_t i = 0; i < rows.size(); ++i) {
      auto it = metadata.find(reps[i]);
      if (it != metadata.end()) rows[i].metadata_json = it->second;
    }
    return Status::Ok();
  }));
  return rows;
}

base::Result<std::vector<InstanceLocation>> SqlIndex::Locate(TenantId tenant,
                                                             const FindQuery& query) {
  DOKUEI_RETURN_IF_ERROR(ValidateQuery(query));
  std::vector<InstanceLocation> out;
  DOKUEI_RETURN_IF_ERROR(db_->Transact(TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    DOKUEI_ASSIGN_OR_RETURN(const BuildOptions options, PlanQuery(c, tenant, query));
    DOKUEI_ASSIGN_OR_RETURN(const Sql sql, BuildLocateSql(query, c.dialect(), tenant, options));
    return c.Query(
        sql.text, sql.params,
        [&](const Row& r) {
          out.push_back(DecodeLocation(r));
          return Status::Ok();
        },
        /*reuse=*/false);
  }));
  return out;
}

base::Result<std::vector<std::string>> SqlIndex::Metadata(TenantId tenant, const FindQuery& query) {
  DOKUEI_RETURN_IF_ERROR(ValidateQuery(query));
  std::vector<std::string> out;
  DOKUEI_RETURN_IF_ERROR(db_->Transact(TxKind::kRead, [&](Conn& c) -> Status {
    std::vector<int64_t> ids;
    DOKUEI_ASSIGN_OR_RETURN(const BuildOptions options, PlanQuery(c, tenant, query));
    DOKUEI_ASSIGN_OR_RETURN(const Sql sql, BuildLocateSql(query, c.dialect(), tenant, options));
    DOKUEI_RETURN_IF_ERROR(c.Query(
        sql.text, sql.params,
        [&](const Row& r) {
          ids.push_back(r.Int(kLocationIdColumn));
          return Status::Ok();
        },
        /*reuse=*/false));
    std::unordered_map<int64_t, std::string> metadata;
    DOKUEI_RETURN_IF_ERROR(FetchMetadata(c, tenant, ids, &metadata));
    out.clear();
    out.reserve(ids.size());
    for (int64_t id : ids) {
      auto it = metadata.find(id);
      out.push_back(it == metadata.end() ? std::string() : std::move(it->second));
    }
    return Status::Ok();
  }));
  return out;
}

base::Result<std::vector<ConflictRecord>> SqlIndex::ListConflicts(TenantId tenant, uint32_t limit,
                                                                  uint32_t offset) {
  Sql sql;
  sql.Add(
      "SELECT id, sop_uid, study_uid, series_uid, existing_blob_key, existing_sha256,"
      " new_blob_key, new_sha256, received_at_us, ingest_source FROM conflicts"
      " WHERE tenant_id = ");
  sql.Bind(tenant.value).Add(" ORDER BY id LIMIT ");
  if (limit != 0) {
    sql.Bind(int64_t{limit});
  } else {
    sql.Bind(db_->dialect() == Dialect::kSqlite ? Value(int64_t{-1}) : Value(nullptr));
  }
  sql.Add(" OFFSET ").Bind(int64_t{offset});
  std::vector<ConflictRecord> out;
  DOKUEI_RETURN_IF_ERROR(db_->Transact(TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    return c.Query(sql.text, sql.params, [&](const Row& r) {
      ConflictRecord rec;
      rec.id = r.Int(0);
      rec.sop_instance_uid = std::string(r.Str(1));
      rec.study_instance_uid = std::string(r.Str(2));
      rec.series_instance_uid = std::string(r.Str(3));
      rec.existing_blob_key = std::string(r.Str(4));
      rec.existing_sha256 = std::string(r.Str(5));
      rec.new_blob_key = std::string(r.Str(6));
      rec.new_sha256 = std::string(r.Str(7));
      rec.received_at = base::FromUnixMicros(r.Int(8));
      rec.source = std::string(r.Str(9));
      out.push_back(std::move(rec));
      return Status::Ok();
    });
  }));
  return out;
}

base::Result<TenantStats> SqlIndex::Stats(TenantId tenant) {
  TenantStats s;
  const Value t = tenant.value;
  const Value p[] = {t, t, t, t, t, t};
  DOKUEI_RETURN_IF_ERROR(db_->Transact(TxKind::kRead, [&](Conn& c) -> Status {
    // Instance and byte totals come from the per-study counters (maintained in the same
    // transactions as the rows), which avoids scanning a million instance rows.
    return c.Query(
        "SELECT (SELECT COUNT(*) FROM patients WHERE tenant_id = ?),"
        " (SELECT COUNT(*) FROM studies WHERE tenant_id = ?),"
        " (SELECT COUNT(*) FROM series WHERE tenant_id = ?),"
        " (SELECT COALESCE(SUM(num_instances), 0) FROM studies WHERE tenant_id = ?),"
        " (SELECT COALESCE(SUM(total_bytes), 0) FROM studies WHERE tenant_id = ?),"
        " (SELECT COUNT(*) FROM conflicts WHERE tenant_id = ?)",
        p, [&](const Row& r) {
          s.patients = r.Int(0);
          s.studies = r.Int(1);
          s.series = r.Int(2);
          s.instances = r.Int(3);
          s.bytes = r.Int(4);
          s.conflicts = r.Int(5);
          return Status::Ok();
        });
  }));
  return s;
}

base::Status SqlIndex::ForEachBlobKey(const std::function<base::Status(const std::string&)>& fn) {
  // Keyset pages in short read transactions; fn runs outside any transaction.
  constexpr int64_t kPage = 1000;
  for (const char* sql :
       {"SELECT id, blob_key FROM instances WHERE id > ? ORDER BY id LIMIT ?",
        "SELECT id, new_blob_key FROM conflicts WHERE id > ? ORDER BY id LIMIT ?"}) {
    int64_t last = 0;
    while (true) {
      std::vector<std::string> keys;
      const Value p[] = {last, kPage};
      DOKUEI_RETURN_IF_ERROR(db_->Transact(TxKind::kRead, [&](Conn& c) -> Status {
        keys.clear();
        return c.Query(sql, p, [&](const Row& r) {
          last = r.Int(0);
          keys.emplace_back(r.Str(1));
          return Status::Ok();
        });
      }));
      for (const std::string& k : keys) {
        if (k.empty()) continue;
        DOKUEI_RETURN_IF_ERROR(fn(k));
      }
      if (static_cast<int64_t>(keys.size()) < kPage) break;
    }
  }
  return base::Status::Ok();
}

}  // namespace dokuei::index
