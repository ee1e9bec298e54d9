// AuditLog: the tamper-evident record of every access to patient data and every change
// (security.md L1, L2; MHLW guideline 6.0: who, when, which patient, what; protected against
// deletion and alteration; kept at least five years).
//
// Records are appended to one hash chain in the shared database: record n stores
// hash_n = SHA-256(hash_{n-1} || canonical bytes of record n) (canonical.h has the encoding), so
// editing, deleting or reordering any record breaks the chain at exactly that record, which
// Verify() names. Sequence numbers have no gaps: they are taken from the chain head inside the
// appending transaction, so a rolled-back append leaves nothing behind. Appends are durable before
// they return, and may join the caller's own transaction (AppendIn) so that an operation and its
// audit record commit together: if the record cannot be written, the operation fails.
// Concurrent appends (threads, and several servers on PostgreSQL) are serialised on the chain
// head row (SELECT ... FOR UPDATE); concurrent Append() callers share transactions.
// Database triggers refuse UPDATE and DELETE of records (DELETE only below the purge anchor).
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"

namespace dokuei::audit {

// DICOM EventOutcomeIndicator (PS3.15 A.5.3): 0 success, 4 minor failure, 8 serious failure,
// 12 major failure.
enum class Outcome : uint8_t {
  kSuccess = 0,
  kMinorFailure = 4,
  kSeriousFailure = 8,
  kMajorFailure = 12
};

// Strings are stored as given after normalisation: invalid UTF-8 and NUL become U+FFFD, and each
// field is cut at a UTF-8 boundary to its limit (actor, roles, patient_id 256 bytes; addresses,
// UIDs 64; object_detail, message 4096; at most 1000 study UIDs). Nothing here may be a secret.
struct Event {
  // What happened, a stable dotted name ([a-z0-9_.-], at most 64 bytes; actions.cc maps each to
  // its DICOM event codes): "login", "login.failure", "logout", "session.expired", "user.create",
  // "user.update", "role.change", "tenant.create", "token.create", "token.use", "token.revoke",
  // "instance.store", "study.query", "study.retrieve", "study.view", "report.download",
  // "audit.search", "audit.export", "ae.association.refused", "access.denied", ...
  // "audit.purge" is reserved to Purge().
  std::string action;
  Outcome outcome = Outcome::kSuccess;
  // Whose data: the tenant the patient data belongs to, or whose account / configuration was
  // changed; 0 when no tenant's data is involved. Searches by tenant match this or
  // actor_tenant_id.
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
  std::string sop_class_uid;  // SOP Class of the objects when there is one (C-STORE, C-FIND model)
  std::string message;        // human-readable detail (English), e.g. the failure reason
};

struct Record {
  int64_t seq = 0;
  base::Timestamp time{};  // UTC, from the injected clock
  Event event;
  std::string hash;  // hex SHA-256 chain value of this record
};

struct Query {
  std::optional<base::Timestamp> from, to;  // time in [from, to)
  // Records about this tenant's data or done by its people (tenant_id or actor_tenant_id).
  // Required: 0 is refused (InvalidArgument) unless all_tenants is set, which only callers
  // holding an any-tenant audit permission (reading-centre auditors, the CLI) may do; with
  // all_tenants a non-zero tenant_id still narrows the search.
  int64_t tenant_id = 0;
  bool all_tenants = false;
  std::string actor;                 // exact
  std::string action_prefix;         // "study." matches study.query, study.retrieve, ...
  std::string patient_id;            // exact
  std::string study_uid;             // exact, one of the record's study UIDs
  int64_t after_seq = 0;             // only records with seq > after_seq (keyset paging)
  bool oldest_first = false;         // default: newest first
  uint32_t limit = 100, offset = 0;  // limit at most kMaxSearchLimit
};
inline constexpr uint32_t kMaxSearchLimit = 10000;

struct VerifyResult {
  bool ok = true;
  int64_t records_checked = 0;
  int64_t first_seq = 0, last_seq = 0;  // the retained chain (first_seq - 1 is the purge anchor)
  // The first record found altered, missing or out of order (or the purge anchor's record); the
  // last of a range of missing / reordered records.
  std::optional<int64_t> first_bad_seq, last_bad_seq;
  // "record 42: altered", "record 17: missing", "records 30..31: out of order",
  // "record 50 (purge anchor): altered".
  std::string problem;
};

struct Options {
  base::Duration retention = std::chrono::hours(24 * (365 * 5 + 2));  // five years
  size_t max_batch = 256;  // Append() callers sharing one transaction
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Appends one event in a transaction of its own (shared with concurrent callers); returns its
  // record once durable. Never call it inside a database transaction: use AppendIn there.
  virtual base::Result<Record> Append(Event event) = 0;
  // Appends inside the caller's write transaction (the operation and its audit commit together,
  // or neither does). Holds the chain head until that transaction ends, so call it last, just
  // before the transaction commits.
  virtual base::Result<Record> AppendIn(db::Conn& conn, Event event) = 0;
  virtual base::Result<std::vector<Record>> Search(const Query& query) = 0;
  // Walks the whole chain from the retained anchor in one consistent snapshot.
  virtual base::Result<VerifyResult> Verify() = 0;
  // Deletes records older than the retention period, keeping the chain verifiable: the hash of
  // the last deleted record becomes the anchor, and an "audit.purge" record naming it is
  // appended. Refuses (kFailedPrecondition) when the records to delete do not verify. Returns
  // the number of records deleted.
  virtual base::Result<int64_t> Purge() = 0;
};

// Migrates the audit tables on the shared database.
base::Result<std::unique_ptr<AuditLog>> OpenAuditLog(std::shared_ptr<db::Database> database,
                                                     base::Clock& clock, Options options = {});

// Exports (export.h has the syslog sender): DICOM PS3.15 A.5 audit message XML, FHIR R4
// AuditEvent JSON. source_id names this system (AuditSourceID / source.observer).
std::string ToDicomAuditMessage(const Record& record, std::string_view source_id);
std::string ToFhirAuditEvent(const Record& record, std::string_view source_id);
// The record as one compact JSON object (every Event field, seq, ISO 8601 time, hash): the form
// of `dokuei audit search --json` lines and of GET /api/audit.
std::string ToJson(const Record& record);

}  // namespace dokuei::audit
