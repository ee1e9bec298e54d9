// AuditLog: the tamper-evident record of every access to patient data and every change
// (security.md L1, L2; MHLW guideline 6.0: who, when, which patient, what; protected against
// deletion and alteration; kept at least five years).
//
// Records are appended to one hash chain in the shared database: record n stores
// hash_n = SHA-256(hash_{n-1} || canonical bytes of record n), so editing, deleting or reordering
// any record breaks the chain at exactly that record, which Verify() names. Appends are durable
// before they return, and may join the caller's own transaction (AppendIn) so that an operation
// and its audit record commit together: if the record cannot be written, the operation fails.
// Concurrent appends (threads, and several servers on PostgreSQL) are serialised on the chain
// head; concurrent callers share transactions.
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"

namespace dokuei::audit {

// DICOM EventOutcomeIndicator (PS3.15 A.5.3): 0 success, 4 minor failure, 8 serious failure,
// 12 major failure.
enum class Outcome : uint8_t { kSuccess = 0, kMinorFailure = 4, kSeriousFailure = 8, kMajorFailure = 12 };

struct Event {
  // What happened, a stable dotted name: "login", "login.failure", "logout", "session.expired",
  // "user.create", "user.update", "role.change", "tenant.create", "token.create", "token.use",
  // "token.revoke", "instance.store", "study.query", "study.retrieve", "study.view",
  // "report.download", "audit.search", "audit.export", "ae.association.refused", ...
  std::string action;
  Outcome outcome = Outcome::kSuccess;
  // Whose data (the tenant the patient data belongs to), 0 when no patient data is involved.
  int64_t tenant_id = 0;
  // Who: a user login, "ae:<AE title>" for a DICOM peer, "token:<name>" for an API token.
  std::string actor;
  int64_t actor_user_id = 0;
  int64_t actor_tenant_id = 0;
  std::string actor_roles;     // comma-separated role names
  std::string source_address;  // IP address of the caller
  std::string protocol;        // "http", "dimse", "cli", "system"
  // Which patient and which objects.
  std::string patient_id;
  std::vector<std::string> study_uids;
  int64_t object_count = 0;   // instances transferred / matched
  std::string object_detail;  // e.g. a SOP Instance UID, a route, a query (no patient names)
  std::string message;        // human-readable detail (English), e.g. the failure reason
};

struct Record {
  int64_t seq = 0;
  base::Timestamp time{};  // UTC, from the injected clock
  Event event;
  std::string hash;        // hex SHA-256 chain value of this record
};

struct Query {
  std::optional<base::Timestamp> from, to;
  int64_t tenant_id = 0;          // 0: every tenant (reading-centre auditors only)
  std::string actor;              // exact
  std::string action_prefix;      // "study." matches study.query, study.retrieve, ...
  std::string patient_id;
  std::string study_uid;
  uint32_t limit = 100, offset = 0;
};

struct VerifyResult {
  bool ok = true;
  int64_t records_checked = 0;
  // First record whose hash does not match, or where a record is missing (a gap in seq).
  std::optional<int64_t> first_bad_seq;
  std::string problem;  // "record 42 was altered", "record 17 is missing", ...
};

struct Options {
  base::Duration retention = std::chrono::hours(24 * 365 * 5 + 24 * 2);  // five years
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Appends one event in its own transaction; returns its record once durable.
  virtual base::Result<Record> Append(Event event) = 0;
  // Appends inside the caller's write transaction (the operation and its audit commit together).
  virtual base::Result<Record> AppendIn(db::Conn& conn, Event event) = 0;
  virtual base::Result<std::vector<Record>> Search(const Query& query) = 0;
  // Walks the whole chain from the retained anchor.
  virtual base::Result<VerifyResult> Verify() = 0;
  // Deletes records older than the retention period, keeping the chain verifiable (the hash of
  // the last deleted record becomes the anchor).
  virtual base::Result<int64_t> Purge() = 0;
};

// Migrates the audit tables on the shared database.
base::Result<std::unique_ptr<AuditLog>> OpenAuditLog(std::shared_ptr<db::Database> database,
                                                     base::Clock& clock, Options options = {});

// Exports (export.h has the senders): DICOM PS3.15 A.5 audit message XML, FHIR R4 AuditEvent JSON.
std::string ToDicomAuditMessage(const Record& record, std::string_view source_id);
std::string ToFhirAuditEvent(const Record& record, std::string_view source_id);

}  // namespace dokuei::audit
