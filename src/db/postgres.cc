// PostgreSQL backend (libpq): a pool of connections, each with synchronous_commit on, UTF8 client
// encoding and READ COMMITTED transactions. Parameters are sent in binary format with explicit
// types (text as raw UTF-8 bytes, int8 big-endian), so no value is ever parsed as SQL. Fixed
// statements are prepared once per connection; search SQL is sent unnamed so the planner sees
// the actual values. Write transactions are rerun on serialization failure (40001), deadlock
// (40P01) and unique violation (23505, a concurrent writer created the same row first).
#include <libpq-fe.h>

#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "dokuei/db/db.h"
#include "dokuei/base/strings.h"

namespace dokuei::db {
namespace {

using base::Status;

constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;

Status PgError(std::string_view sqlstate, std::string_view op) {
  // The server's message can quote values (e.g. the offending key), so only the SQLSTATE is kept.
  std::string msg = "database (postgres): ";
  msg += op;
  msg += sqlstate.empty() ? std::string(": connection failure")
                          : ": SQLSTATE " + std::string(sqlstate);
  const std::string_view cls = sqlstate.substr(0, std::min<size_t>(2, sqlstate.size()));
  if (sqlstate.empty() || cls == "08" || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03" || sqlstate == "53300" || sqlstate == "58030" || cls == "40") {
    return base::Unavailable(std::move(msg));
  }
  if (cls == "53") return base::ResourceExhausted(std::move(msg));  // disk full, out of memory
  if (sqlstate == "57014") return Status(base::Code::kTimeout, std::move(msg));
  if (cls == "22") return base::InvalidArgument(std::move(msg));
  if (sqlstate == "XX001" || sqlstate == "XX002") return base::DataLoss(std::move(msg));
  return base::Internal(std::move(msg));
}

bool IsRetryable(std::string_view sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "23505";
}

// '?' placeholders -> $1..$n (outside quoted literals and identifiers).
std::string ToDollarParams(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class PgRow final : public Row {
 public:
  explicit PgRow(const PGresult* r) : r_(r) {}
  void set_row(int row) { row_ = row; }
  bool IsNull(int col) const override { return PQgetisnull(r_, row_, col) != 0; }
  int64_t Int(int col) const override {
    if (IsNull(col)) return 0;
    const char* p = PQgetvalue(r_, row_, col);
    int64_t v = 0;
    std::from_chars(p, p + PQgetlength(r_, row_, col), v);
    return v;
  }
  std::string_view Str(int col) const override {
    if (IsNull(col)) return {};
    return {PQgetvalue(r_, row_, col), static_cast<size_t>(PQgetlength(r_, row_, col))};
  }

 private:
  const PGresult* r_;
  int row_ = 0;
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

class PgConn final : public Conn {
 public:
  static base::Result<std::unique_ptr<PgConn>> Connect(const std::string& conninfo) {
    auto conn = std::unique_ptr<PgConn>(new PgConn(PQconnectdb(conninfo.c_str())));
    if (conn->c_ == nullptr || PQstatus(conn->c_) != CONNECTION_OK) {
      // Connection errors name hosts and ports, never patient data: keep libpq's text.
      std::string detail = conn->c_ ? PQerrorMessage(conn->c_) : "out of memory";
      return base::Unavailable("database (postgres): cannot connect: " +
                               std::string(base::Trim(detail)));
    }
    // Server notices ("relation already exists, skipping") are not errors; keep them off stderr.
    PQsetNoticeProcessor(
        conn->c_, [](void*, const char*) {}, nullptr);
    if (PQsetClientEncoding(conn->c_, "UTF8") != 0) {
      return base::Unavailable("database (postgres): cannot set client encoding");
    }
    for (const char* s :
         {"SET synchronous_commit = on", "SET default_transaction_isolation = 'read committed'",
          "SET standard_conforming_strings = on", "SET TIME ZONE 'UTC'"}) {
      DOKUEI_RETURN_IF_ERROR(conn->Exec(s));
    }
    return conn;
  }

  ~PgConn() override {
    if (c_) PQfinish(c_);
  }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Status Query(std::string_view sql, std::span<const Value> params, const RowFn& on_row,
               bool reuse) override {
    last_sqlstate_.clear();
    ResultPtr res;
    if (params.empty() && !reuse) {
      res.reset(PQexec(c_, std::string(sql).c_str()));
    } else if (params.empty() && on_row == nullptr) {
      // Parameterless commands (BEGIN, COMMIT, DDL): simple protocol, nothing to prepare.
      res.reset(PQexec(c_, std::string(sql).c_str()));
    } else {
      const int n = static_cast<int>(params.size());
      std::vector<const char*> values(n);
      std::vector<int> lengths(n), formats(n, 1);
      std::vector<Oid> types(n);
      std::vector<std::array<char, 8>> ints(n);
      for (int i = 0; i < n; ++i) {
        if (const auto* s = std::get_if<std::string>(&params[i])) {
          values[i] = s->data();
          lengths[i] = static_cast<int>(s->size());
          types[i] = kTextOid;
        } else if (const auto* v = std::get_if<int64_t>(&params[i])) {
          auto u = static_cast<uint64_t>(*v);
          for (int b = 7; b >= 0; --b, u >>= 8) ints[i][b] = static_cast<char>(u & 0xFF);
          values[i] = ints[i].data();
          lengths[i] = 8;
          types[i] = kInt8Oid;
        } else {
          values[i] = nullptr;
          types[i] = 0;
        }
      }
      if (reuse) {
        auto it = prepared_.find(std::string(sql));
        if (it == prepared_.end()) {
          std::string name = "dk" + std::to_string(prepared_.size() + 1);
          ResultPtr prep(PQprepare(c_, name.c_str(), ToDollarParams(sql).c_str(), n, types.data()));
          if (auto st = Check(prep.get(), "prepare"); !st.ok()) return st;
          it = prepared_.emplace(std::string(sql), std::move(name)).first;
        }
        res.reset(PQexecPrepared(c_, it->second.c_str(), n, values.data(), lengths.data(),
                                 formats.data(), 0));
      } else {
        res.reset(PQexecParams(c_, ToDollarParams(sql).c_str(), n, types.data(), values.data(),
                               lengths.data(), formats.data(), 0));
      }
    }
    DOKUEI_RETURN_IF_ERROR(Check(res.get(), "query"));
    if (on_row && PQresultStatus(res.get()) == PGRES_TUPLES_OK) {
      PgRow row(res.get());
      const int rows = PQntuples(res.get());
      for (int r = 0; r < rows; ++r) {
        row.set_row(r);
        DOKUEI_RETURN_IF_ERROR(on_row(row));
      }
    }
    return Status::Ok();
  }

  const std::string& last_sqlstate() const { return last_sqlstate_; }
  bool broken() const { return PQstatus(c_) != CONNECTION_OK; }
  bool InTransaction() const {
    const auto s = PQtransactionStatus(c_);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
  }

 private:
  explicit PgConn(PGconn* c) : c_(c) {}

  Status Check(const PGresult* r, std::string_view op) {
    const ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY) {
      return Status::Ok();
    }
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state ? state : "";
    if (last_sqlstate_.empty() && !broken()) last_sqlstate_ = "XX000";
    return PgError(last_sqlstate_, op);
  }

  PGconn* c_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  std::string last_sqlstate_;
};

class PgDatabase final : public Database {
 public:
  explicit PgDatabase(const PostgresOptions& o)
      : conninfo_(o.conninfo), max_(std::max(1, o.connections)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  Status Transact(TxKind kind, const std::function<Status(Conn&)>& fn) override {
    const bool write = kind == TxKind::kWrite;
    const int max_attempts = write ? 50 : 2;
    Status st;
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
      DOKUEI_ASSIGN_OR_RETURN(std::unique_ptr<PgConn> c, Acquire());
      bool began = false;
      bool retry = false;
      if (write) {
        st = c->Exec("BEGIN");
        began = st.ok();
      }
      if (!write || began) {
        st = fn(*c);
        if (st.ok() && write) st = c->Exec("COMMIT");
        if (!st.ok()) {
          // Rerun the whole transaction when another writer got in the way; rerun reads once on
          // a lost connection. A write whose COMMIT was lost is not rerun: its outcome is unknown.
          retry = write ? IsRetryable(c->last_sqlstate()) : c->broken();
          if (c->InTransaction() && !c->broken()) (void)c->Exec("ROLLBACK");
        }
      } else {
        retry = c->broken();  // a stale pooled connection failed at BEGIN: nothing was sent
      }
      Release(std::move(c));
      if (st.ok() || !retry) return st;
    }
    return st;
  }

 private:
  base::Result<std::unique_ptr<PgConn>> Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty() || open_ < max_; });
    if (!free_.empty()) {
      auto c = std::move(free_.back());
      free_.pop_back();
      return c;
    }
    ++open_;
    lock.unlock();
    auto c = PgConn::Connect(conninfo_);
    if (!c.ok()) {
      std::lock_guard relock(mu_);
      --open_;
      cv_.notify_one();
    }
    return c;
  }

  void Release(std::unique_ptr<PgConn> c) {
    std::lock_guard lock(mu_);
    if (c->broken() || c->InTransaction()) {
      c.reset();  // dropped; the next Acquire opens a fresh one
      --open_;
      // A lost connection usually means a server restart or failover: the idle ones are gone
      // too, and finding that out one failed statement at a time would exhaust the retries.
      open_ -= static_cast<int>(free_.size());
      free_.clear();
    } else {
      free_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  const std::string conninfo_;
  const int max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> free_;  // guarded by mu_
  int open_ = 0;                               // guarded by mu_
};

}  // namespace

base::Result<std::unique_ptr<Database>> OpenPostgres(const PostgresOptions& options) {
  return std::unique_ptr<Database>(std::make_unique<PgDatabase>(options));
}

}  // namespace dokuei::db
