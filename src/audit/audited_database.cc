#include "dokuei/audit/audited_database.h"

#include <string_view>
#include <utility>

#include "dokuei/base/strings.h"

namespace dokuei::audit {
namespace {

// Forwards every statement and notes whether one started with `prefix`.
class WatchingConn final : public db::Conn {
 public:
  WatchingConn(db::Conn& inner, std::string_view prefix) : inner_(inner), prefix_(prefix) {}
  db::Dialect dialect() const override { return inner_.dialect(); }
  base::Status Query(std::string_view sql, std::span<const db::Value> params,
                     const db::RowFn& on_row, bool reuse) override {
    if (!seen_ && base::StartsWith(base::Trim(sql), prefix_)) seen_ = true;
    return inner_.Query(sql, params, on_row, reuse);
  }
  bool seen() const { return seen_; }

 private:
  db::Conn& inner_;
  std::string_view prefix_;
  bool seen_ = false;
};

}  // namespace

AuditedDatabase::AuditedDatabase(db::Database& inner, AuditLog& log, Event event, Options options)
    : inner_(inner), log_(log), event_(std::move(event)), options_(std::move(options)) {}

AuditedDatabase::AuditedDatabase(db::Database& inner, AuditLog& log, Event event)
    : AuditedDatabase(inner, log, std::move(event), Options()) {}

base::Status AuditedDatabase::Transact(db::TxKind kind,
                                       const std::function<base::Status(db::Conn&)>& fn) {
  if (kind != db::TxKind::kWrite) return inner_.Transact(kind, fn);
  if (record_) {
    if (options_.after_record == AfterRecord::kPassThrough) return inner_.Transact(kind, fn);
    return base::Internal("audit: a second audited write in one change");
  }
  std::optional<Record> written;
  base::Status append_failure;
  base::Status st = inner_.Transact(kind, [&](db::Conn& c) -> base::Status {
    written.reset();  // a retried attempt starts again
    append_failure = base::Status::Ok();
    if (options_.required_statement.empty()) {
      DOKUEI_RETURN_IF_ERROR(fn(c));
    } else {
      WatchingConn watching(c, options_.required_statement);
      DOKUEI_RETURN_IF_ERROR(fn(watching));
      if (!watching.seen()) return base::Status::Ok();  // not the change: no record
    }
    Event e = event_;
    if (options_.finish) DOKUEI_RETURN_IF_ERROR(options_.finish(c, e));
    // Last, just before the commit: AppendIn holds the chain head until the transaction ends.
    auto r = log_.AppendIn(c, std::move(e));
    if (!r.ok()) {
      append_failure = r.status();
      return r.status();
    }
    written = std::move(r).value();
    return base::Status::Ok();
  });
  if (!st.ok()) {
    // The change rolled back with its record: nothing happened without its audit record.
    if (!append_failure.ok() && options_.on_append_failure)
      return options_.on_append_failure(append_failure);
    return st;
  }
  record_ = std::move(written);
  return base::Status::Ok();
}

}  // namespace dokuei::audit
