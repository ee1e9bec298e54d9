// AuditedDatabase: a db::Database decorator that appends one audit record inside the write
// transaction of a change, just before it commits (AuditLog::AppendIn), so that the change and
// its record commit together or not at all. Services that take a Database (identity's Accounts,
// Tokens, TenantDirectory...) are built on it for one operation:
//
//   AuditedDatabase adb(database, log, event);
//   identity::Tokens tokens(adb, clock, options);
//   auto t = tokens.Create(...);  // the INSERT and its audit record: one transaction
//
// Read transactions pass through untouched. A write transaction is recorded when its function
// succeeds and, with `required_statement`, ran a statement starting with that prefix; a write
// transaction that is not recorded (the prefix never ran) commits without a record. The record
// is written at most once per object; what a later write transaction does is `after_record`.
// If the record cannot be written the transaction rolls back: nothing changes without its record.
// Write transactions retried by the inner Database rebuild the event from the start.
// Thread safety: not thread-safe; build one per operation. Borrows `inner` and `log`, which must
// outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "dokuei/audit/audit.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"

namespace dokuei::audit {

class AuditedDatabase final : public db::Database {
 public:
  // What a write transaction does once a record has been written through this object.
  enum class AfterRecord : uint8_t {
    // Refused with kInternal before it starts: one change, one record. For operations that are
    // one write transaction, so that a second one is a bug rather than an unaudited change.
    kRefuse,
    // Runs without a record: for operations whose later writes the record already covers (e.g.
    // the bookkeeping after a password change), or that the caller records itself.
    kPassThrough,
  };

  // Completes the event inside the transaction, after the change's statements and before the
  // append (e.g. the id of the row just inserted: db::LastInsertId). An error rolls back.
  using Finish = std::function<base::Status(db::Conn&, Event&)>;
  // Maps the failure of the append (the transaction has rolled back) to the status returned.
  using AppendFailure = std::function<base::Status(const base::Status&)>;

  struct Options {
    // Only a write transaction that ran a statement starting with this prefix (leading white
    // space ignored; e.g. "UPDATE users SET password_hash") is recorded. Others commit without a
    // record: an operation that writes a failed-attempt counter on refusal gets no success
    // record. Empty: every write transaction whose function succeeds is recorded.
    std::string required_statement;
    Finish finish;
    AfterRecord after_record = AfterRecord::kRefuse;
    // Empty: the append's own status is returned.
    AppendFailure on_append_failure;
  };

  AuditedDatabase(db::Database& inner, AuditLog& log, Event event, Options options);
  AuditedDatabase(db::Database& inner, AuditLog& log, Event event);  // default Options

  db::Dialect dialect() const override { return inner_.dialect(); }
  base::Status Transact(db::TxKind kind, const std::function<base::Status(db::Conn&)>& fn) override;

  // Whether a committed write transaction carried the record (if not, the caller records the
  // operation itself, or nothing was changed).
  bool appended() const { return record_.has_value(); }
  const std::optional<Record>& record() const { return record_; }

 private:
  db::Database& inner_;
  AuditLog& log_;
  const Event event_;
  const Options options_;
  std::optional<Record> record_;
};

}  // namespace dokuei::audit
