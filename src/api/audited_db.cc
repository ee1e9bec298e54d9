#include "audited_db.h"

#include "dokuei/base/strings.h"

namespace dokuei::api::auth_internal {
namespace {

// Forwards every statement and notes whether one started with `prefix`.
class WatchingConn final : public db::Conn {
 public:
  WatchingConn(db::Conn& inner, std::string_view prefix) : inner_(inner), prefix_(prefix) {}
  db::Dialect dialect() const override { return inner_.dialect(); }
  base::Status Query(std::string_view sql, std::span<const db::Value> params,
                     const db::RowFn& on_row, bool reuse) override {
    if (!prefix_.empty() && base::StartsWith(base::Trim(sql), prefix_)) seen_ = true;
    return inner_.Query(sql, params, on_row, reuse);
  }
  bool seen() const { return prefix_.empty() || seen_; }

 private:
  db::Conn& inner_;
  std::string_view prefix_;
  bool seen_ = false;
};

}  // namespace

base::Status AuditedDatabase::Transact(db::TxKind kind,
                                       const std::function<base::Status(db::Conn&)>& fn) {
  if (kind == db::TxKind::kRead || record_) return inner_.Transact(kind, fn);
  std::optional<audit::Record> appended;
  base::Status st = inner_.Transact(kind, [&](db::Conn& c) -> base::Status {
    appended.reset();  // a retried attempt starts again
    WatchingConn watching(c, required_);
    DOKUEI_RETURN_IF_ERROR(fn(watching));
    if (!watching.seen()) return base::Status::Ok();
    // Last, just before the commit: AppendIn holds the chain head until the transaction ends.
    DOKUEI_ASSIGN_OR_RETURN(appended, log_.AppendIn(c, event_));
    return base::Status::Ok();
  });
  if (st.ok() && appended) record_ = std::move(appended);
  return st;
}

}  // namespace dokuei::api::auth_internal
