// The outbound queue: Enqueue stores each artefact once and one row per matching destination in
// one write transaction; Tick claims due rows (a lease in state `sending`), sends outside any
// transaction, and records the outcome only if its claim still holds, so a delivered row is never
// sent again and a row abandoned by a crashed sender is retried when its lease ends.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "dokuei/base/digest.h"
#include "dokuei/base/random.h"
#include "dokuei/base/strings.h"
#include "dokuei/delivery/delivery.h"
#include "sql.h"

namespace dokuei::delivery {
namespace {

using base::Result;
using base::Status;
using db::Conn;
using db::Row;
using internal::I;
using internal::OptTime;
using internal::S;
using internal::Us;

constexpr const char* kRowCols =
    "SELECT q.id, q.tenant_id, q.request_id, q.report_id, q.version_id, q.version_number,"
    " q.addendum, q.artifact_kind, q.artifact_id, a.sha256, a.size_bytes, q.destination_id,"
    " q.destination_kind, q.destination_name, q.state, q.attempts, q.created_us, q.updated_us,"
    " q.next_attempt_us, q.last_attempt_us, q.delivered_us, q.last_error, q.dimse_status,"
    " q.ack_code, q.http_status, q.remote_text, q.claim"
    " FROM delivery_queue q JOIN delivery_artifacts a ON a.id = q.artifact_id";

DeliveryRow RowFrom(const Row& r, std::string* claim = nullptr) {
  DeliveryRow d;
  d.id = r.Int(0);
  d.tenant_id = r.Int(1);
  d.request_id = r.Int(2);
  d.report_id = r.Int(3);
  d.version_id = r.Int(4);
  d.version_number = static_cast<int>(r.Int(5));
  d.addendum = r.Int(6) != 0;
  d.artifact = ArtifactKindFromName(r.Str(7)).value_or(ArtifactKind::kSr);
  d.artifact_id = r.Int(8);
  d.artifact_sha256 = std::string(r.Str(9));
  d.artifact_bytes = r.Int(10);
  d.destination_id = r.Int(11);
  d.destination_kind = DestinationKindFromName(r.Str(12)).value_or(DestinationKind::kDicom);
  d.destination_name = std::string(r.Str(13));
  d.state = DeliveryStateFromName(r.Str(14)).value_or(DeliveryState::kPending);
  d.attempts = static_cast<int>(r.Int(15));
  d.created_at = base::FromUnixMicros(r.Int(16));
  d.updated_at = base::FromUnixMicros(r.Int(17));
  if (d.state != DeliveryState::kDelivered && d.state != DeliveryState::kGaveUp)
    d.next_attempt_at = OptTime(r.Int(18));
  d.last_attempt_at = OptTime(r.Int(19));
  d.delivered_at = OptTime(r.Int(20));
  d.last_error = std::string(r.Str(21));
  d.remote.dimse_status = static_cast<int>(r.Int(22));
  d.remote.ack_code = std::string(r.Str(23));
  d.remote.http_status = static_cast<int>(r.Int(24));
  d.remote.text = std::string(r.Str(25));
  if (claim != nullptr) *claim = std::string(r.Str(26));
  return d;
}

Status CheckArtifact(const Artifact& a) {
  const std::string field = "artifacts." + std::string(ArtifactKindName(a.kind));
  if (a.bytes.empty()) return base::InvalidArgument("the artefact is empty", field);
  switch (DestinationFor(a.kind)) {
    case DestinationKind::kDicom:
      if (a.bytes.size() < 132 || a.bytes.compare(128, 4, "DICM") != 0)
        return base::InvalidArgument("not a DICOM Part-10 file", field);
      return Status::Ok();
    case DestinationKind::kHl7:
      if (!base::StartsWith(a.bytes, "MSH"))
        return base::InvalidArgument("an HL7 v2 message starts with MSH", field);
      return Status::Ok();
    case DestinationKind::kFhir: {
      const auto j = nlohmann::json::parse(a.bytes, nullptr, false);
      if (j.is_discarded() || !j.is_object() || j.value("resourceType", "") != "Bundle")
        return base::InvalidArgument("not a FHIR Bundle (JSON)", field);
      return Status::Ok();
    }
  }
  return Status::Ok();
}

// Shortens a remote text to what a status view needs.
std::string Short(std::string s, size_t max = 1000) {
  if (s.size() > max) {
    s.resize(max);
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
    if (!s.empty() && (static_cast<unsigned char>(s.back()) & 0x80)) s.pop_back();
    s += "…";
  }
  return s;
}

class SqlQueue final : public Queue, public Delivery {
 public:
  SqlQueue(std::shared_ptr<db::Database> db, base::Clock& clock, Transports t, DeliveryOptions o)
      : db_(std::move(db)), clock_(clock), transports_(t), o_(std::move(o)) {}

  Queue& queue() override { return *this; }
  db::Database& database() override { return *db_; }
  base::Clock& clock() override { return clock_; }

  Result<std::vector<DeliveryRow>> Enqueue(const ReleasedVersion& v,
                                           const std::vector<Artifact>& artifacts) override {
    if (v.tenant_id == 0 || v.request_id == 0 || v.report_id == 0 || v.version_id == 0)
      return base::InvalidArgument("the released version is not identified", "version");
    for (const Artifact& a : artifacts) DOKUEI_RETURN_IF_ERROR(CheckArtifact(a));
    Destinations dests(*db_, clock_);
    DOKUEI_ASSIGN_OR_RETURN(const auto all, dests.List(v.tenant_id));
    struct Prepared {
      const Artifact* a;
      std::string sha, b64;
    };
    std::vector<Prepared> prepared;
    for (const Artifact& a : artifacts)
      prepared.push_back({&a, base::Sha256Hex(a.bytes), internal::Base64(a.bytes)});
    const int64_t now = Us(clock_.Now());
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
      for (const Prepared& p : prepared) {
        const std::string kind(ArtifactKindName(p.a->kind));
        const db::Value ins[] = {I(v.version_id), S(kind),
                                 S(p.sha),        I(static_cast<int64_t>(p.a->bytes.size())),
                                 S(p.b64),        I(now)};
        // The first artefact of a (version, kind) is kept: a released version is delivered as
        // it was first rendered, however often its release is reported.
        DOKUEI_RETURN_IF_ERROR(c.Exec(
            "INSERT INTO delivery_artifacts (version_id, kind, sha256, size_bytes, data,"
            " created_us) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (version_id, kind) DO NOTHING",
            ins));
        int64_t artifact_id = 0;
        const db::Value q[] = {I(v.version_id), S(kind)};
        DOKUEI_RETURN_IF_ERROR(
            c.Query("SELECT id FROM delivery_artifacts WHERE version_id = ? AND kind = ?", q,
                    [&](const Row& r) {
                      artifact_id = r.Int(0);
                      return Status::Ok();
                    }));
        for (const Destination& d : all) {
          if (!d.enabled || d.kind != DestinationFor(p.a->kind)) continue;
          const db::Value row[] = {I(v.tenant_id),
                                   I(v.request_id),
                                   I(v.report_id),
                                   I(v.version_id),
                                   I(v.version_number),
                                   I(v.addendum ? 1 : 0),
                                   S(kind),
                                   I(artifact_id),
                                   I(d.id),
                                   S(DestinationKindName(d.kind)),
                                   S(d.name),
                                   I(now),
                                   I(now),
                                   I(now)};
          DOKUEI_RETURN_IF_ERROR(c.Exec(
              "INSERT INTO delivery_queue (tenant_id, request_id, report_id, version_id,"
              " version_number, addendum, artifact_kind, artifact_id, destination_id,"
              " destination_kind, destination_name, state, created_us, updated_us,"
              " next_attempt_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)"
              " ON CONFLICT (version_id, artifact_kind, destination_id) DO NOTHING",
              row));
        }
      }
      return Status::Ok();
    }));
    return Where("q.version_id = ?", v.version_id);
  }

  Result<std::vector<DeliveryRow>> Release(const ReleasedVersion& v) override {
    if (o_.source == nullptr)
      return base::FailedPrecondition("no artefact source: the renderer is not configured");
    DOKUEI_ASSIGN_OR_RETURN(const auto artifacts, o_.source->For(v.report_id, v.version_id));
    return Enqueue(v, artifacts);
  }

  Result<TickResult> Tick() override {
    TickResult out;
    const int64_t now = Us(clock_.Now());
    std::vector<int64_t> due;
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
      due.clear();
      const db::Value p[] = {I(now), I(o_.batch)};
      return c.Query(
          "SELECT id FROM delivery_queue WHERE state IN ('pending', 'failed', 'sending')"
          " AND next_attempt_us <= ? ORDER BY next_attempt_us, id LIMIT ?",
          p, [&](const Row& r) {
            due.push_back(r.Int(0));
            return Status::Ok();
          });
    }));
    for (const int64_t id : due) {
      std::string claim;
      DOKUEI_ASSIGN_OR_RETURN(const std::optional<DeliveryRow> row, Claim(id, &claim, out));
      if (row) DOKUEI_RETURN_IF_ERROR(Attempt(*row, claim, out));
    }
    return out;
  }

  Result<bool> Enqueued(int64_t version_id) override {
    bool found = false;
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
      const db::Value p[] = {I(version_id)};
      return c.Query("SELECT id FROM delivery_artifacts WHERE version_id = ? LIMIT 1", p,
                     [&](const Row&) {
                       found = true;
                       return Status::Ok();
                     });
    }));
    return found;
  }

  Result<std::vector<DeliveryRow>> ForRequest(int64_t request_id) override {
    return Where("q.request_id = ?", request_id);
  }

  Result<DeliveryRow> Get(int64_t row_id) override {
    DOKUEI_ASSIGN_OR_RETURN(auto rows, Where("q.id = ?", row_id));
    if (rows.empty()) return base::NotFound("no such delivery");
    return rows.front();
  }

  Result<DeliveryRow> Retry(int64_t row_id, db::Database* via) override {
    db::Database& d = via != nullptr ? *via : *db_;
    const int64_t now = Us(clock_.Now());
    DOKUEI_RETURN_IF_ERROR(d.Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
      std::string state;
      const db::Value q[] = {I(row_id)};
      DOKUEI_RETURN_IF_ERROR(c.Query(ForUpdate(c, "SELECT state FROM delivery_queue WHERE id = ?"),
                                     q, [&](const Row& r) {
                                       state = std::string(r.Str(0));
                                       return Status::Ok();
                                     }));
      if (state.empty()) return base::NotFound("no such delivery");
      if (state != "gave_up")
        return base::FailedPrecondition("only a delivery that gave up can be retried (it is " +
                                        state + ")");
      const db::Value p[] = {I(now), I(now), I(row_id)};
      return c.Exec(
          "UPDATE delivery_queue SET state = 'pending', attempts = 0, claim = '',"
          " next_attempt_us = ?, updated_us = ? WHERE id = ? AND state = 'gave_up'",
          p);
    }));
    return Get(row_id);
  }

 private:
  static std::string ForUpdate(Conn& c, std::string sql) {
    return internal::ForUpdate(c, std::move(sql));
  }

  Result<std::vector<DeliveryRow>> Where(const char* cond, int64_t id) {
    std::vector<DeliveryRow> out;
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
      out.clear();
      const db::Value p[] = {I(id)};
      return c.Query(std::string(kRowCols) + " WHERE " + cond + " ORDER BY q.id", p,
                     [&](const Row& r) {
                       out.push_back(RowFrom(r));
                       return Status::Ok();
                     });
    }));
    return out;
  }

  base::Duration Backoff(int attempts) const {
    base::Duration d = o_.first_backoff;
    for (int i = 1; i < attempts && d < o_.max_backoff; ++i) d *= 2;
    return std::min(d, o_.max_backoff);
  }

  // Takes a due row for this sender: state `sending`, a fresh claim token, attempts + 1 and the
  // lease as its next attempt. Returns nullopt when another sender took it first (or it is no
  // longer due). A row found in `sending` whose lease ended was abandoned by a sender that
  // stopped (crash, restart): it is retried, or given up when it has used every attempt.
  Result<std::optional<DeliveryRow>> Claim(int64_t id, std::string* claim, TickResult& out) {
    std::optional<DeliveryRow> got;
    const int64_t now = Us(clock_.Now());
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
      got.reset();
      std::optional<DeliveryRow> row;
      int64_t next = 0;
      const db::Value q[] = {I(id)};
      DOKUEI_RETURN_IF_ERROR(c.Query(
          ForUpdate(c, "SELECT state, next_attempt_us, attempts FROM delivery_queue WHERE id = ?"),
          q, [&](const Row& r) {
            row.emplace();
            row->state = DeliveryStateFromName(r.Str(0)).value_or(DeliveryState::kDelivered);
            next = r.Int(1);
            row->attempts = static_cast<int>(r.Int(2));
            return Status::Ok();
          }));
      if (!row || next > now) return Status::Ok();
      if (row->state != DeliveryState::kPending && row->state != DeliveryState::kFailed &&
          row->state != DeliveryState::kSending)
        return Status::Ok();
      if (row->state == DeliveryState::kSending && row->attempts >= o_.max_attempts) {
        const db::Value p[] = {S("no outcome was recorded for the last attempt (the sender "
                                 "stopped); attempts exhausted"),
                               I(now), I(id)};
        DOKUEI_RETURN_IF_ERROR(
            c.Exec("UPDATE delivery_queue SET state = 'gave_up', claim = '', last_error = ?,"
                   " updated_us = ? WHERE id = ?",
                   p));
        ++out.gave_up;
        return Status::Ok();
      }
      *claim = base::RandomHex(16);
      const db::Value p[] = {S(*claim), I(now), I(now + o_.lease.count()), I(now), I(id)};
      DOKUEI_RETURN_IF_ERROR(
          c.Exec("UPDATE delivery_queue SET state = 'sending', claim = ?, attempts = attempts + 1,"
                 " last_attempt_us = ?, next_attempt_us = ?, updated_us = ? WHERE id = ?",
                 p));
      DOKUEI_RETURN_IF_ERROR(
          c.Query(std::string(kRowCols) + " WHERE q.id = ?", q, [&](const Row& r) {
            got = RowFrom(r);
            return Status::Ok();
          }));
      return Status::Ok();
    }));
    return got;
  }

  Result<std::string> ArtifactBytes(int64_t artifact_id) {
    std::string data;
    bool found = false;
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
      const db::Value p[] = {I(artifact_id)};
      return c.Query("SELECT data FROM delivery_artifacts WHERE id = ?", p, [&](const Row& r) {
        data = std::string(r.Str(0));
        found = true;
        return Status::Ok();
      });
    }));
    if (!found) return base::DataLoss("the artefact of the delivery is missing");
    return internal::FromBase64(data);
  }

  // One attempt of a claimed row; the outcome is written only while the claim holds.
  Status Attempt(const DeliveryRow& row, const std::string& claim, TickResult& out) {
    Outcome outcome;
    Destinations dests(*db_, clock_);
    auto dest = dests.Get(row.destination_id);
    auto bytes = ArtifactBytes(row.artifact_id);
    Transport* t = row.destination_kind == DestinationKind::kDicom ? transports_.dicom
                   : row.destination_kind == DestinationKind::kHl7 ? transports_.hl7
                                                                   : transports_.fhir;
    if (!dest.ok() && dest.status().code() == base::Code::kNotFound) {
      outcome = Outcome::GiveUp("the destination was removed");
    } else if (!dest.ok()) {
      outcome = Outcome::Retry(dest.status().message());
    } else if (!dest->enabled) {
      outcome = Outcome::GiveUp("the destination is disabled");
    } else if (!bytes.ok()) {
      outcome = Outcome::GiveUp(bytes.status().message());
    } else if (t == nullptr) {
      outcome = Outcome::Retry("no transport configured for " +
                               std::string(DestinationKindName(row.destination_kind)));
    } else {
      outcome = t->Send(*dest, Artifact{row.artifact, std::move(bytes).value()}, row);
    }
    const int64_t now = Us(clock_.Now());
    std::string state;
    int64_t next = 0, delivered = 0;
    switch (outcome.verdict) {
      case Outcome::Verdict::kDelivered:
        state = "delivered";
        delivered = now;
        break;
      case Outcome::Verdict::kRetry:
        if (row.attempts >= o_.max_attempts) {
          state = "gave_up";
          outcome.error += " (after " + std::to_string(row.attempts) + " attempts)";
        } else {
          state = "failed";
          next = now + Backoff(row.attempts).count();
        }
        break;
      case Outcome::Verdict::kGiveUp:
        state = "gave_up";
        break;
    }
    bool recorded = false;
    DOKUEI_RETURN_IF_ERROR(db_->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
      recorded = false;
      std::string current_claim, current_state;
      const db::Value q[] = {I(row.id)};
      DOKUEI_RETURN_IF_ERROR(
          c.Query(ForUpdate(c, "SELECT state, claim FROM delivery_queue WHERE id = ?"), q,
                  [&](const Row& r) {
                    current_state = std::string(r.Str(0));
                    current_claim = std::string(r.Str(1));
                    return Status::Ok();
                  }));
      // Our lease ended and another sender took the row: its outcome counts, not ours.
      if (current_state != "sending" || current_claim != claim) return Status::Ok();
      const db::Value p[] = {S(state),
                             I(next),
                             I(delivered),
                             S(Short(outcome.error)),
                             I(outcome.remote.dimse_status),
                             S(outcome.remote.ack_code),
                             I(outcome.remote.http_status),
                             S(Short(outcome.remote.text)),
                             I(now),
                             I(row.id),
                             S(claim)};
      DOKUEI_RETURN_IF_ERROR(c.Exec(
          "UPDATE delivery_queue SET state = ?, claim = '', next_attempt_us = ?,"
          " delivered_us = ?, last_error = ?, dimse_status = ?, ack_code = ?, http_status = ?,"
          " remote_text = ?, updated_us = ? WHERE id = ? AND claim = ?",
          p));
      if (o_.audit && state != "failed") {
        audit::Event e;
        e.action = "report.deliver";
        e.outcome =
            state == "delivered" ? audit::Outcome::kSuccess : audit::Outcome::kSeriousFailure;
        e.tenant_id = row.tenant_id;
        e.actor = "system:delivery";
        e.protocol = "system";
        e.object_detail = std::string(row.addendum ? "addendum " : "report ") + "version " +
                          std::to_string(row.version_id) + " (request " +
                          std::to_string(row.request_id) + ") " +
                          std::string(ArtifactKindName(row.artifact)) + " to destination " +
                          std::to_string(row.destination_id) + " (" + row.destination_name + ")";
        e.message = state == "delivered" ? "delivered" : "gave up: " + outcome.error;
        DOKUEI_RETURN_IF_ERROR(o_.audit(c, e));
      }
      recorded = true;
      return Status::Ok();
    }));
    if (recorded) {
      if (state == "delivered") ++out.delivered;
      if (state == "failed") ++out.retried;
      if (state == "gave_up") ++out.gave_up;
    }
    return Status::Ok();
  }

  std::shared_ptr<db::Database> db_;
  base::Clock& clock_;
  Transports transports_;
  DeliveryOptions o_;
};

}  // namespace

Result<int> ReleaseReport(Queue& queue, const report::Report& r) {
  int n = 0;
  for (const report::Version& v : r.versions) {
    if (v.release != report::Release::kReleased) continue;
    if (v.kind != report::VersionKind::kFinal && v.kind != report::VersionKind::kAddendum) continue;
    DOKUEI_ASSIGN_OR_RETURN(const bool done, queue.Enqueued(v.id));
    if (done) continue;
    DOKUEI_RETURN_IF_ERROR(queue
                               .Release({r.tenant_id, r.request_id, r.id, v.id, v.number,
                                         v.kind == report::VersionKind::kAddendum})
                               .status());
    ++n;
  }
  return n;
}

Result<std::unique_ptr<Delivery>> OpenDelivery(std::shared_ptr<db::Database> db, base::Clock& clock,
                                               Transports transports, DeliveryOptions options) {
  if (!db) return base::InvalidArgument("no database");
  if (options.max_attempts < 1) return base::InvalidArgument("max_attempts must be at least 1");
  DOKUEI_RETURN_IF_ERROR(MigrateDelivery(*db));
  return std::unique_ptr<Delivery>(
      std::make_unique<SqlQueue>(std::move(db), clock, transports, std::move(options)));
}

}  // namespace dokuei::delivery
