// Private: a Database decorator that appends one audit record inside the write transaction of an
// identity operation, so that the change and its record commit together or not at all
// (identity.h: services built per request on a decorated Database).
//
//   AuditedDatabase adb(id.database(), audit, event);
//   identity::Tokens tokens(adb, id.clock(), id.options());
//   auto t = tokens.Create(...);       // the INSERT and the audit record: one transaction
//
// The record is appended at most once, in the first write transaction whose function succeeds
// (and, with `required_statement`, that ran a statement starting with it: an operation that
// writes something else on failure, such as a failed-attempt counter, then gets no success
// record). appended() tells the caller whether it must still record the operation itself.
// Thread safety: one request at a time (build one per operation).
#pragma once

#include <optional>
#include <string>

#include "dokuei/audit/audit.h"
#include "dokuei/db/db.h"

namespace dokuei::api::auth_internal {

class AuditedDatabase final : public db::Database {
 public:
  AuditedDatabase(db::Database& inner, audit::AuditLog& log, audit::Event event,
                  std::string required_statement = {})
      : inner_(inner),
        log_(log),
        event_(std::move(event)),
        required_(std::move(required_statement)) {}

  db::Dialect dialect() const override { return inner_.dialect(); }
  base::Status Transact(db::TxKind kind, const std::function<base::Status(db::Conn&)>& fn) override;

  bool appended() const { return record_.has_value(); }
  const std::optional<audit::Record>& record() const { return record_; }

 private:
  db::Database& inner_;
  audit::AuditLog& log_;
  const audit::Event event_;
  const std::string required_;
  std::optional<audit::Record> record_;
};

}  // namespace dokuei::api::auth_internal
