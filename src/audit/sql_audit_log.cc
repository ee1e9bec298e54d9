// AuditLog on the shared database (SQLite or PostgreSQL through db::Database).
//
// Appending: the chain head row is read (PostgreSQL: SELECT ... FOR UPDATE, so appenders in every
// server process queue on it; SQLite: the single writer already excludes everyone), each record
// gets seq = head + 1 and hash = ChainHash(previous hash, ...), and the head is updated, all in
// the appending transaction. A rollback therefore takes the records and the head move with it:
// no seq is ever skipped. Append() callers are batched leader/follower style: whoever finds no
// transaction in flight runs one for everything queued, so concurrent callers share commits.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "canonical.h"
#include "chain.h"
#include "schema.h"

namespace dokuei::audit {
namespace {

using base::Status;

constexpr std::string_view kReservedPurgeAction = "audit.purge";
constexpr int64_t kPurgeBatch = 10000;

constexpr std::string_view kInsertRecord =
    "INSERT INTO audit_records (seq, time_us, action, outcome, tenant_id, actor, actor_user_id,"
    " actor_tenant_id, actor_roles, source_address, protocol, patient_id, study_uids,"
    " object_count, object_detail, sop_class_uid, message, prev_hash, hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

std::string JoinStudies(const std::vector<std::string>& uids) {
  std::string out;
  for (size_t i = 0; i < uids.size(); ++i) {
    if (i) out += '\\';
    out += uids[i];
  }
  return out;
}

// The smallest string greater than every string starting with prefix ("" when none exists).
std::string PrefixUpperBound(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

class SqlAuditLog final : public AuditLog {
 public:
  SqlAuditLog(std::shared_ptr<db::Database> database, base::Clock& clock, Options options)
      : db_(std::move(database)), clock_(clock), options_(options) {
    if (options_.max_batch == 0) options_.max_batch = 1;
  }

  base::Result<Record> Append(Event event) override {
    DOKUEI_RETURN_IF_ERROR(CheckCallerEvent(event));
    Pending me{std::move(event)};
    std::unique_lock lock(mu_);
    queue_.push_back(&me);
    while (!me.done) {
      if (leader_active_) {
        cv_.wait(lock);
        continue;
      }
      leader_active_ = true;
      std::vector<Pending*> batch;
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      lock.unlock();
      RunBatch(batch);
      lock.lock();
      for (Pending* p : batch) p->done = true;
      leader_active_ = false;
      cv_.notify_all();
    }
    return std::move(me.result);
  }

  base::Result<Record> AppendIn(db::Conn& conn, Event event) override {
    DOKUEI_RETURN_IF_ERROR(CheckCallerEvent(event));
    Event* one[] = {&event};
    std::vector<Record> out;
    DOKUEI_RETURN_IF_ERROR(Write(conn, one, &out, /*check_transaction=*/true));
    return std::move(out.front());
  }

  base::Result<std::vector<Record>> Search(const Query& q) override {
    if (q.tenant_id == 0 && !q.all_tenants) {
      return base::InvalidArgument("an audit search needs a tenant", "tenant_id");
    }
    if (q.limit > kMaxSearchLimit) {
      return base::InvalidArgument("limit must be at most " + std::to_string(kMaxSearchLimit),
                                   "limit");
    }
    std::string sql = "SELECT " + std::string(kRecordColumns) + " FROM audit_records WHERE 1 = 1";
    std::vector<db::Value> params;
    if (q.tenant_id != 0) {
      sql += " AND (tenant_id = ? OR actor_tenant_id = ?)";
      params.emplace_back(q.tenant_id);
      params.emplace_back(q.tenant_id);
    }
    if (q.from) {
      sql += " AND time_us >= ?";
      params.emplace_back(base::ToUnixMicros(*q.from));
    }
    if (q.to) {
      sql += " AND time_us < ?";
      params.emplace_back(base::ToUnixMicros(*q.to));
    }
    if (!q.actor.empty()) {
      sql += " AND actor = ?";
      params.emplace_back(q.actor);
    }
    if (!q.action_prefix.empty()) {
      sql += " AND action >= ?";
      params.emplace_back(q.action_prefix);
      if (std::string upper = PrefixUpperBound(q.action_prefix); !upper.empty()) {
        sql += " AND action < ?";
        params.emplace_back(std::move(upper));
      }
    }
    if (!q.patient_id.empty()) {
      sql += " AND patient_id = ?";
      params.emplace_back(q.patient_id);
    }
    if (!q.study_uid.empty()) {
      sql += " AND seq IN (SELECT seq FROM audit_record_studies WHERE study_uid = ?)";
      params.emplace_back(q.study_uid);
    }
    if (q.after_seq > 0) {
      sql += " AND seq > ?";
      params.emplace_back(q.after_seq);
    }
    sql += q.oldest_first ? " ORDER BY seq ASC" : " ORDER BY seq DESC";
    sql += " LIMIT ? OFFSET ?";
    params.emplace_back(static_cast<int64_t>(q.limit));
    params.emplace_back(static_cast<int64_t>(q.offset));
    std::vector<Record> out;
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kRead, [&](db::Conn& c) {
      out.clear();
      return c.Query(
          sql, params,
          [&](const db::Row& r) {
            Record rec = RecordFromRow(r);
            // audit_record_studies is only an index: the record itself must name the study.
            if (!q.study_uid.empty() &&
                std::find(rec.event.study_uids.begin(), rec.event.study_uids.end(), q.study_uid) ==
                    rec.event.study_uids.end()) {
              return Status::Ok();
            }
            out.push_back(std::move(rec));
            return Status::Ok();
          },
          /*reuse=*/false);
    }));
    return out;
  }

  base::Result<VerifyResult> Verify() override {
    base::Result<VerifyResult> result = base::Internal("verify did not run");
    DOKUEI_RETURN_IF_ERROR(Snapshot([&](db::Conn& c) -> Status {
      result = VerifyIn(c);
      return result.status();
    }));
    return result;
  }

  base::Result<int64_t> Purge() override {
    int64_t total = 0;
    while (true) {
      int64_t deleted = 0;
      bool more = false;
      DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kWrite, [&](db::Conn& c) {
        deleted = 0;
        more = false;
        return PurgeStep(c, &deleted, &more);
      }));
      total += deleted;
      if (!more || deleted == 0) break;
    }
    return total;
  }

 private:
  struct Pending {
    Event event;
    base::Result<Record> result = base::Internal("not appended");
    bool done = false;
  };

  static Status CheckCallerEvent(Event& e) {
    DOKUEI_RETURN_IF_ERROR(Normalize(e));
    if (e.action == kReservedPurgeAction) {
      return base::InvalidArgument("audit.purge is written by Purge() only", "action");
    }
    return Status::Ok();
  }

  // A consistent read of the whole chain: a read transaction on SQLite (a WAL snapshot), a
  // REPEATABLE READ transaction on PostgreSQL (every statement sees the same snapshot).
  Status Snapshot(const std::function<Status(db::Conn&)>& fn) {
    if (db_->dialect() == db::Dialect::kPostgres) {
      return db_->Transact(db::TxKind::kWrite, [&](db::Conn& c) {
        DOKUEI_RETURN_IF_ERROR(
            c.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
        return fn(c);
      });
    }
    return db_->Transact(db::TxKind::kRead, fn);
  }

  // Appends normalised events in c's write transaction, in order. check_transaction: the
  // transaction is the caller's (AppendIn), so make sure there is one.
  Status Write(db::Conn& c, std::span<Event* const> events, std::vector<Record>* out,
               bool check_transaction = false) {
    int64_t seq = 0;
    std::string prev;
    bool found = false;
    DOKUEI_RETURN_IF_ERROR(c.Query(c.dialect() == db::Dialect::kPostgres
                                       ? "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
                                       : "SELECT seq, hash FROM audit_head WHERE id = 1",
                                   {}, [&](const db::Row& r) {
                                     seq = r.Int(0);
                                     prev = std::string(r.Str(1));
                                     found = true;
                                     return Status::Ok();
                                   }));
    if (!found) return base::DataLoss("audit chain head row is missing");
    if (check_transaction && c.dialect() == db::Dialect::kPostgres) {
      // Outside a transaction block (a PostgreSQL read "transaction" runs in autocommit) every
      // statement commits alone and the head lock would be gone before the insert. The row lock
      // assigned a transaction id that only survives to the next statement inside a block.
      bool in_block = false;
      DOKUEI_RETURN_IF_ERROR(
          c.Query("SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN 0 ELSE 1 END", {},
                  [&](const db::Row& r) {
                    in_block = r.Int(0) != 0;
                    return Status::Ok();
                  }));
      if (!in_block) {
        return base::FailedPrecondition("audit records are appended inside a write transaction");
      }
    }
    out->clear();
    out->reserve(events.size());
    for (Event* e : events) {
      ++seq;
      const int64_t time_us = base::ToUnixMicros(clock_.Now());
      std::string hash = ChainHash(prev, seq, time_us, *e);
      const db::Value row[] = {seq,
                               time_us,
                               e->action,
                               static_cast<int64_t>(e->outcome),
                               e->tenant_id,
                               e->actor,
                               e->actor_user_id,
                               e->actor_tenant_id,
                               e->actor_roles,
                               e->source_address,
                               e->protocol,
                               e->patient_id,
                               JoinStudies(e->study_uids),
                               e->object_count,
                               e->object_detail,
                               e->sop_class_uid,
                               e->message,
                               prev,
                               hash};
      DOKUEI_RETURN_IF_ERROR(c.Exec(kInsertRecord, row));
      for (size_t i = 0; i < e->study_uids.size(); ++i) {
        // A record naming the same study twice indexes it once.
        if (std::find(e->study_uids.begin(), e->study_uids.begin() + i, e->study_uids[i]) !=
            e->study_uids.begin() + i) {
          continue;
        }
        const db::Value study[] = {e->study_uids[i], seq};
        DOKUEI_RETURN_IF_ERROR(
            c.Exec("INSERT INTO audit_record_studies (study_uid, seq) VALUES (?, ?)", study));
      }
      Record rec;
      rec.seq = seq;
      rec.time = base::FromUnixMicros(time_us);
      rec.event = *e;
      rec.hash = hash;
      out->push_back(std::move(rec));
      prev = std::move(hash);
    }
    const db::Value head[] = {seq, prev};
    return c.Exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", head);
  }

  void RunBatch(std::vector<Pending*>& batch) {
    std::vector<Event*> events;
    events.reserve(batch.size());
    for (Pending* p : batch) events.push_back(&p->event);
    std::vector<Record> records;
    const Status st =
        db_->Transact(db::TxKind::kWrite, [&](db::Conn& c) { return Write(c, events, &records); });
    if (st.ok() && records.size() == batch.size()) {
      for (size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(records[i]);
      return;
    }
    if (batch.size() == 1) {
      batch[0]->result = st.ok() ? base::Internal("audit append returned no record") : st;
      return;
    }
    // A failed shared transaction must not fail innocent companions: one by one.
    spdlog::warn("audit group append of {} records failed ({}); retrying individually",
                 batch.size(), st.ToString());
    for (Pending* p : batch) {
      Event* one[] = {&p->event};
      std::vector<Record> rec;
      const Status s1 =
          db_->Transact(db::TxKind::kWrite, [&](db::Conn& c) { return Write(c, one, &rec); });
      if (s1.ok() && rec.size() == 1) {
        p->result = std::move(rec.front());
      } else {
        p->result = s1.ok() ? base::Internal("audit append returned no record") : s1;
      }
    }
  }

  // One purge transaction: at most kPurgeBatch of the oldest records, if they are past the
  // retention period and verify; *more when further old records remain.
  Status PurgeStep(db::Conn& c, int64_t* deleted, bool* more) {
    DOKUEI_ASSIGN_OR_RETURN(const ChainEnds ends, ReadChainEnds(c, /*lock_head=*/true));
    const int64_t cutoff_us = base::ToUnixMicros(clock_.Now() - options_.retention);
    const int64_t window_end = std::min(ends.head_seq, ends.anchor_seq + kPurgeBatch);
    int64_t first_kept = 0;
    const db::Value find[] = {ends.anchor_seq, window_end, cutoff_us};
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT seq FROM audit_records WHERE seq > ? AND seq <= ? AND time_us >= ?"
                " ORDER BY seq LIMIT 1",
                find, [&](const db::Row& r) {
                  first_kept = r.Int(0);
                  return Status::Ok();
                }));
    const int64_t target = first_kept ? first_kept - 1 : window_end;
    *more = first_kept == 0 && window_end < ends.head_seq;
    if (target <= ends.anchor_seq) return Status::Ok();

    // Never destroy evidence: what is deleted must verify first.
    VerifyResult check;
    int64_t last_seq = 0;
    std::string last_hash;
    DOKUEI_RETURN_IF_ERROR(WalkChain(c, ends, target, &check, &last_seq, &last_hash));
    if (!check.ok || last_seq != target) {
      return base::FailedPrecondition("audit chain does not verify (" +
                                      (check.ok ? "records missing" : check.problem) +
                                      "); nothing purged");
    }
    const db::Value anchor[] = {target, last_hash};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("UPDATE audit_anchor SET seq = ?, hash = ? WHERE id = 1", anchor));
    const db::Value upto[] = {target};
    DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM audit_record_studies WHERE seq <= ?", upto));
    DOKUEI_RETURN_IF_ERROR(c.Exec("DELETE FROM audit_records WHERE seq <= ?", upto));
    *deleted = target - ends.anchor_seq;

    Event purge;
    purge.action = std::string(kReservedPurgeAction);
    purge.actor = "system";
    purge.protocol = "system";
    purge.object_count = *deleted;
    purge.object_detail = PurgeDetail(target, last_hash);
    purge.message = "records " + std::to_string(ends.anchor_seq + 1) + ".." +
                    std::to_string(target) + " older than " +
                    base::FormatIso8601(base::FromUnixMicros(cutoff_us)) + " purged";
    DOKUEI_RETURN_IF_ERROR(Normalize(purge));
    Event* one[] = {&purge};
    std::vector<Record> rec;
    return Write(c, one, &rec);
  }

  const std::shared_ptr<db::Database> db_;
  base::Clock& clock_;
  Options options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;  // guarded by mu_
  bool leader_active_ = false;  // guarded by mu_
};

}  // namespace

base::Result<std::unique_ptr<AuditLog>> OpenAuditLog(std::shared_ptr<db::Database> database,
                                                     base::Clock& clock, Options options) {
  if (database == nullptr) return base::InvalidArgument("no database for the audit log");
  DOKUEI_RETURN_IF_ERROR(MigrateAudit(*database));
  return std::unique_ptr<AuditLog>(
      std::make_unique<SqlAuditLog>(std::move(database), clock, options));
}

}  // namespace dokuei::audit
