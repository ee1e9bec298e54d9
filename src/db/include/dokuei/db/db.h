// The narrow database seam under the index, identity and audit stores: a connection that runs one parameterised statement at
// a time, and a Database that runs functions in transactions on pooled connections. SQLite and
// PostgreSQL implement it; everything above (schema, queries, ingest logic) is shared, so both
// backends behave identically.
//
// SQL is written with '?' placeholders; the PostgreSQL connection rewrites them to $n. Inputs are
// always bound, never concatenated into SQL text. Error Statuses never contain SQL text or values.
// Thread safety: a Conn is used by one thread at a time (inside Transact); Database is
// thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "dokuei/base/status.h"

namespace dokuei::db {

enum class Dialect : uint8_t { kSqlite, kPostgres };

// A bound parameter: NULL, a 64-bit integer or UTF-8 text.
using Value = std::variant<std::nullptr_t, int64_t, std::string>;

// One result row, valid only during the callback.
class Row {
 public:
  virtual ~Row() = default;
  virtual bool IsNull(int col) const = 0;
  virtual int64_t Int(int col) const = 0;           // 0 for NULL
  virtual std::string_view Str(int col) const = 0;  // "" for NULL
};

using RowFn = std::function<base::Status(const Row&)>;

class Conn {
 public:
  virtual ~Conn() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement, calling on_row (may be null) for each result row; a non-OK Status from
  // on_row stops the statement and is returned. `reuse` asks the connection to keep the statement
  // prepared (fixed SQL on hot paths); ad-hoc search SQL passes false so PostgreSQL plans it with
  // the actual values (LIKE prefixes, selectivity).
  virtual base::Status Query(std::string_view sql, std::span<const Value> params,
                             const RowFn& on_row, bool reuse = true) = 0;

  base::Status Exec(std::string_view sql, std::span<const Value> params = {}) {
    return Query(sql, params, nullptr);
  }
};

enum class TxKind : uint8_t {
  kRead,   // read-only; may run on a reader connection without an explicit transaction
  kWrite,  // BEGIN ... COMMIT on the writer (SQLite) / any pooled connection (PostgreSQL)
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // Runs fn inside a transaction. Write transactions are retried (fn runs again from the start)
  // on serialization failures, deadlocks and unique violations caused by concurrent writers;
  // fn must therefore keep no state across attempts except what it rebuilds. Read work is retried
  // once on a lost connection.
  virtual base::Status Transact(TxKind kind, const std::function<base::Status(Conn&)>& fn) = 0;
};

struct SqliteOptions {
  std::string path;  // database file; ":memory:" for tests (one private connection)
  int reader_connections = 4;
};
// WAL, synchronous=FULL (a commit is durable when it returns), foreign keys, busy timeout.
base::Result<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& options);

struct PostgresOptions {
  std::string conninfo;  // libpq connection string
  int connections = 8;
};
// Connections are opened lazily; an unreachable server surfaces as kUnavailable on first use.
base::Result<std::unique_ptr<Database>> OpenPostgres(const PostgresOptions& options);

}  // namespace dokuei::db
