// SQLite backend: WAL journal, synchronous=FULL (a commit is durable when it returns), foreign
// keys on, a busy timeout. One writer connection behind a mutex (SQLite has a single writer
// anyway) and a small pool of reader connections: in WAL mode readers see the last committed
// snapshot and neither block nor are blocked by the writer. ":memory:" uses the writer connection
// for everything (an in-memory database is private to its connection).
// Statements are prepared once per connection and cached by SQL text.
#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "dokuei/db/db.h"

namespace dokuei::db {
namespace {

using base::Status;

Status SqliteError(int rc, std::string_view op) {
  // Messages carry the operation and SQLite's generic text for the code, never SQL or values.
  std::string msg = "database (sqlite): ";
  msg += op;
  msg += ": ";
  msg += sqlite3_errstr(rc);
  switch (rc & 0xFF) {
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return base::ResourceExhausted(std::move(msg));
    case SQLITE_IOERR:
      if (rc == SQLITE_IOERR_NOMEM) return base::ResourceExhausted(std::move(msg));
      return base::Unavailable(std::move(msg));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return base::Unavailable(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return base::DataLoss(std::move(msg));
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return base::FailedPrecondition(std::move(msg));
    case SQLITE_TOOBIG:
      return base::PayloadTooLarge(std::move(msg));
    case SQLITE_INTERRUPT:
      return Status(base::Code::kCancelled, std::move(msg));
    default:
      return base::Internal(std::move(msg));
  }
}

class SqliteRow final : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* s) : s_(s) {}
  bool IsNull(int col) const override { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int64_t Int(int col) const override { return sqlite3_column_int64(s_, col); }
  std::string_view Str(int col) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    if (p == nullptr) return {};
    return {p, static_cast<size_t>(sqlite3_column_bytes(s_, col))};
  }

 private:
  sqlite3_stmt* s_;
};

class SqliteConn final : public Conn {
 public:
  static base::Result<std::unique_ptr<SqliteConn>> Open(const std::string& path, bool reader) {
    sqlite3* db = nullptr;
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (reader ? 0 : SQLITE_OPEN_CREATE);
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    auto conn = std::unique_ptr<SqliteConn>(new SqliteConn(db));
    if (rc != SQLITE_OK) return SqliteError(rc, "open");
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 10000);
    const bool memory = path == ":memory:";
    std::vector<std::string> pragmas = {
        "PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL", "PRAGMA temp_store = MEMORY",
        "PRAGMA cache_size = -16384",  // 16 MiB per connection
    };
    if (!memory && !reader) pragmas.insert(pragmas.begin(), "PRAGMA journal_mode = WAL");
    if (reader) pragmas.push_back("PRAGMA query_only = ON");
    for (const auto& p : pragmas) {
      // PRAGMA journal_mode returns a row; step until done.
      DOKUEI_RETURN_IF_ERROR(conn->Query(
          p, {}, [](const Row&) { return Status::Ok(); }, false));
    }
    if (!memory && !reader) {
      std::string mode;
      DOKUEI_RETURN_IF_ERROR(conn->Query(
          "PRAGMA journal_mode", {},
          [&](const Row& r) {
            mode = std::string(r.Str(0));
            return Status::Ok();
          },
          false));
      if (mode != "wal") return base::FailedPrecondition("database (sqlite): cannot enable WAL");
    }
    return conn;
  }

  ~SqliteConn() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status Query(std::string_view sql, std::span<const Value> params, const RowFn& on_row,
               bool reuse) override {
    sqlite3_stmt* stmt = nullptr;
    bool cached = false;
    if (auto it = cache_.find(std::string(sql)); it != cache_.end()) {
      stmt = it->second;
      cached = true;
    } else {
      const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return SqliteError(rc, "prepare");
      // Fixed statements are always kept; ad-hoc search SQL only while the cache is small.
      if (depth_ == 0 && cache_.size() < (reuse ? kMaxCached : kMaxCached / 2)) {
        cache_.emplace(std::string(sql), stmt);
        cached = true;
      }
    }
    ++depth_;
    Status st = Run(stmt, params, on_row);
    --depth_;
    if (cached) {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    } else {
      sqlite3_finalize(stmt);
    }
    return st;
  }

  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  static constexpr size_t kMaxCached = 512;

  explicit SqliteConn(sqlite3* db) : db_(db) {}

  Status Run(sqlite3_stmt* stmt, std::span<const Value> params, const RowFn& on_row) {
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      if (const auto* s = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text(stmt, idx, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      } else if (const auto* n = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, idx, *n);
      } else {
        rc = sqlite3_bind_null(stmt, idx);
      }
      if (rc != SQLITE_OK) return SqliteError(rc, "bind");
    }
    SqliteRow row(stmt);
    while (true) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return Status::Ok();
      if (rc != SQLITE_ROW) return SqliteError(rc, "step");
      if (on_row) DOKUEI_RETURN_IF_ERROR(on_row(row));
    }
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  int depth_ = 0;
};

class SqliteDatabase final : public Database {
 public:
  static base::Result<std::unique_ptr<SqliteDatabase>> Open(const SqliteOptions& o) {
    if (o.path.empty()) return base::InvalidArgument("empty SQLite path", "path");
    auto db = std::unique_ptr<SqliteDatabase>(new SqliteDatabase());
    db->memory_ = o.path == ":memory:";
    DOKUEI_ASSIGN_OR_RETURN(db->writer_, SqliteConn::Open(o.path, /*reader=*/false));
    db->path_ = o.path;
    db->max_readers_ = db->memory_ ? 0 : std::max(1, o.reader_connections);
    return db;
  }

  ~SqliteDatabase() override {
    std::lock_guard lock(write_mu_);
    // Refresh planner statistics that have drifted, with a bounded (sampled) ANALYZE.
    (void)writer_->Exec("PRAGMA analysis_limit = 1000");
    (void)writer_->Exec("PRAGMA optimize");
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status Transact(TxKind kind, const std::function<Status(Conn&)>& fn) override {
    if (kind == TxKind::kWrite || memory_) {
      std::lock_guard lock(write_mu_);
      return RunInTx(*writer_, kind == TxKind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN", fn);
    }
    DOKUEI_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConn> reader, AcquireReader());
    Status st = RunInTx(*reader, "BEGIN", fn);
    ReleaseReader(std::move(reader));
    return st;
  }

 private:
  SqliteDatabase() = default;

  static Status RunInTx(SqliteConn& c, const char* begin, const std::function<Status(Conn&)>& fn) {
    DOKUEI_RETURN_IF_ERROR(c.Exec(begin));
    Status st = fn(c);
    if (st.ok()) st = c.Exec("COMMIT");
    if (!st.ok() && c.InTransaction()) (void)c.Exec("ROLLBACK");
    return st;
  }

  base::Result<std::unique_ptr<SqliteConn>> AcquireReader() {
    std::unique_lock lock(pool_mu_);
    pool_cv_.wait(lock, [&] { return !free_.empty() || open_readers_ < max_readers_; });
    if (!free_.empty()) {
      auto c = std::move(free_.back());
      free_.pop_back();
      return c;
    }
    ++open_readers_;
    lock.unlock();
    auto c = SqliteConn::Open(path_, /*reader=*/true);
    if (!c.ok()) {
      std::lock_guard relock(pool_mu_);
      --open_readers_;
      pool_cv_.notify_one();
    }
    return c;
  }

  void ReleaseReader(std::unique_ptr<SqliteConn> c) {
    std::lock_guard lock(pool_mu_);
    free_.push_back(std::move(c));
    pool_cv_.notify_one();
  }

  std::string path_;
  bool memory_ = false;
  std::mutex write_mu_;
  std::unique_ptr<SqliteConn> writer_;  // guarded by write_mu_

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<SqliteConn>> free_;  // guarded by pool_mu_
  int open_readers_ = 0;                           // guarded by pool_mu_
  int max_readers_ = 0;
};

}  // namespace

base::Result<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& options) {
  DOKUEI_ASSIGN_OR_RETURN(auto db, SqliteDatabase::Open(options));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace dokuei::db
