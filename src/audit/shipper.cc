#include <spdlog/spdlog.h>

#include "dokuei/audit/export.h"

namespace dokuei::audit {

using base::Status;

AuditShipper::AuditShipper(std::shared_ptr<db::Database> database, AuditLog& log,
                           std::unique_ptr<SyslogSender> sender, base::Clock& clock,
                           ShipperOptions options)
    : db_(std::move(database)),
      log_(log),
      sender_(std::move(sender)),
      clock_(clock),
      options_(std::move(options)) {}

AuditShipper::~AuditShipper() { Stop(); }

base::Result<int64_t> AuditShipper::ShippedSeq() {
  int64_t seq = 0;
  const db::Value key[] = {options_.destination};
  DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kRead, [&](db::Conn& c) {
    return c.Query("SELECT seq FROM audit_shipping WHERE destination = ?", key,
                   [&](const db::Row& r) {
                     seq = r.Int(0);
                     return Status::Ok();
                   });
  }));
  return seq;
}

Status AuditShipper::SavePosition(int64_t seq) {
  const db::Value row[] = {options_.destination, seq, base::ToUnixMicros(clock_.Now())};
  return db_->Transact(db::TxKind::kWrite, [&](db::Conn& c) {
    return c.Exec(
        "INSERT INTO audit_shipping (destination, seq, updated_us) VALUES (?, ?, ?)"
        " ON CONFLICT (destination) DO UPDATE SET seq = excluded.seq,"
        " updated_us = excluded.updated_us",
        row);
  });
}

base::Result<int64_t> AuditShipper::ShipOnce() {
  std::lock_guard ship_lock(ship_mu_);
  DOKUEI_ASSIGN_OR_RETURN(int64_t position, ShippedSeq());
  int64_t sent = 0;
  while (true) {
    Query q;
    q.all_tenants = true;
    q.oldest_first = true;
    q.after_seq = position;
    q.limit = std::max<uint32_t>(1, std::min(options_.max_batch, kMaxSearchLimit));
    DOKUEI_ASSIGN_OR_RETURN(const std::vector<Record> records, log_.Search(q));
    int64_t last = position;
    Status failure;
    for (const Record& r : records) {
      failure = sender_->Send(FormatSyslogMessage(r, options_.syslog));
      if (!failure.ok()) break;
      last = r.seq;
      ++sent;
    }
    if (last != position) {
      DOKUEI_RETURN_IF_ERROR(SavePosition(last));
      position = last;
    }
    if (!failure.ok()) return failure;
    if (records.size() < q.limit) return sent;
  }
}

void AuditShipper::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void AuditShipper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AuditShipper::Notify() {
  {
    std::lock_guard lock(mu_);
    notified_ = true;
  }
  cv_.notify_all();
}

void AuditShipper::Run() {
  std::chrono::milliseconds backoff{0};
  while (true) {
    auto shipped = ShipOnce();
    std::chrono::milliseconds wait = options_.poll_interval;
    if (shipped.ok()) {
      backoff = std::chrono::milliseconds(0);
    } else {
      backoff = backoff.count() == 0 ? std::chrono::milliseconds(1000)
                                     : std::min(backoff * 2, options_.max_backoff);
      wait = backoff;
      spdlog::warn("audit shipping to {} failed ({}); retrying in {} ms", options_.destination,
                   shipped.status().ToString(), wait.count());
    }
    std::unique_lock lock(mu_);
    // A stoppable wait; time only bounds the retry delay.
    cv_.wait_for(lock, wait, [this] { return stopping_ || notified_; });
    if (stopping_) return;
    notified_ = false;
  }
}

}  // namespace dokuei::audit
