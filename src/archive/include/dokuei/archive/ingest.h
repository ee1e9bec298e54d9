// Ingest: the one path by which objects enter the archive, whatever the protocol.
//
//   parse and validate -> write blob (fsync, rename, directory fsync) -> commit index -> result
//
// A StoreResult with ok() == true means the instance is durable: its bytes are fsynced under
// their key and the index transaction that names them is committed. Re-sending an identical
// instance is idempotent (kDuplicate); a different object under an existing SOP Instance UID is
// kept as a recorded conflict (kConflict), never overwriting the indexed one. Anything rejected
// leaves nothing behind (the temporary blob is discarded).
//
// Concurrent ingests share index transactions (group commit) and directory fsyncs; each caller
// still gets its own result only after its own data is durable.
// Thread safety: Ingest is thread-safe; an IngestSink is used by one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/blob/blob_store.h"
#include "dokuei/db/db.h"
#include "dokuei/dicom/parse.h"
#include "dokuei/index/index.h"

namespace dokuei::archive {

class AuditHook;

// Who sent an object, for the index's source column and the audit trail.
struct Origin {
  std::string protocol;  // "dimse", "stow", "demo", "import"
  std::string calling_ae;
  std::string called_ae;
  std::string remote_address;
  std::string user;
  // For the audit trail: the authenticated user's id (0 for tokens and DICOM peers), tenant and
  // roles (comma-separated).
  int64_t user_id = 0;
  int64_t actor_tenant_id = 0;
  std::string roles;
  std::string Describe() const;  // "dimse:CALLING@127.0.0.1" / "stow:user@127.0.0.1"
};

enum class Disposition : uint8_t { kStored, kDuplicate, kConflict, kRejected };

struct StoreResult {
  Disposition disposition = Disposition::kRejected;
  // OK for kStored/kDuplicate; kConflict for kConflict; the reason otherwise. Its Code maps to
  // the DIMSE status / STOW FailureReason through base::GetErrorInfo.
  base::Status status;
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string transfer_syntax_uid;
  std::vector<std::string> warnings;
  int64_t conflict_id = 0;
  bool ok() const {
    return disposition == Disposition::kStored || disposition == Disposition::kDuplicate;
  }
};

// One object arriving in pieces (DIMSE PDVs, an HTTP body part).
class IngestSink {
 public:
  virtual ~IngestSink() = default;  // discards everything if Finish was not called
  // Appends bytes. Fails (and the sink becomes unusable) when the object exceeds the limits.
  virtual base::Status Write(std::span<const uint8_t> data) = 0;
  // Validates, stores durably, indexes. Call once.
  virtual StoreResult Finish() = 0;
};

struct IngestOptions {
  dicom::Limits limits;
  // Maximum bytes of all objects being received at once (memory bound); a sink that would exceed
  // it fails with kResourceExhausted.
  uint64_t max_inflight_bytes = 4ull << 30;
  // Longest wait for a group commit to gather companions before committing alone.
  base::Duration group_commit_window{0};
  // Audit: with both set, every stored (or duplicate / conflicting) instance gets an
  // "instance.store" record written by `audit` inside the index transaction on `database` (the
  // database the index lives in); if it cannot be written the instance is not stored. Both must
  // outlive the Ingest.
  AuditHook* audit = nullptr;
  db::Database* database = nullptr;
  // Called once the index transaction of a newly stored instance committed (not for duplicates
  // or conflicts), on the ingesting thread, before the sender gets its answer: it must be quick
  // and must not block (the server queues the arrival for the reading workflow). Crash safety
  // is the listener's business (the server re-derives arrivals from the index at start).
  std::function<void(index::TenantId, const index::InstanceRecord&)> on_stored;
};

class Ingest {
 public:
  Ingest(index::Index& index, blob::BlobStore& blobs, base::Clock& clock, IngestOptions options);
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  // A data set received over DIMSE in the negotiated transfer syntax. The command's affected SOP
  // class and instance UIDs must match the data set's. The stored object is a Part-10 file: our
  // File Meta Information followed by the data set bytes exactly as received.
  std::unique_ptr<IngestSink> BeginDataset(index::TenantId tenant, std::string ts_uid,
                                           std::string affected_sop_class,
                                           std::string affected_sop_instance, Origin origin);
  // A complete Part-10 file (STOW-RS part, import). Stored byte for byte.
  std::unique_ptr<IngestSink> BeginPart10(index::TenantId tenant, Origin origin);

  StoreResult StorePart10(index::TenantId tenant, std::span<const uint8_t> file,
                          const Origin& origin);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dokuei::archive
