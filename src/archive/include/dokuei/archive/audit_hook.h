// AuditHook: where the archive writes the audit record of each access to patient data (DIMSE
// C-STORE per instance, C-FIND, C-GET/C-MOVE, storage commitment, refused associations; the
// DICOMweb handlers use it too). The record is written before the answer: a hook that fails makes
// the operation fail (no instance stored, a failure status / HTTP 503), so nothing is served or
// accepted without its record. Ingest records are written inside the index transaction of the
// instance they describe (RecordIn), so the instance and its record commit together or not at all.
//
// The real hook appends to the hash-chained audit::AuditLog (NewAuditLogHook); tests inject one
// that counts or fails. ActorEvent fills the "who" fields from an Origin.
// Thread safety: implementations must be thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dokuei/archive/ingest.h"
#include "dokuei/archive/query.h"
#include "dokuei/audit/audit.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"

namespace dokuei::archive {

class AuditHook {
 public:
  virtual ~AuditHook() = default;
  // In a transaction of its own; durable when it returns OK.
  virtual base::Status Record(audit::Event event) = 0;
  // Inside the caller's open write transaction on the shared database (the ingest's index
  // transaction); an error must roll that transaction back.
  virtual base::Status RecordIn(db::Conn& conn, audit::Event event) = 0;
};

// Appends to `log` (which must outlive the hook).
std::unique_ptr<AuditHook> NewAuditLogHook(audit::AuditLog& log);

// An event with the actor fields from `origin` (actor "ae:<calling AE>" for DIMSE, the user for
// HTTP; source address without port; protocol "dimse" or "http"), `action` and the data's tenant.
audit::Event ActorEvent(const Origin& origin, std::string action, int64_t tenant_id);

// The patients (PatientID values, sorted, comma-separated) of the tenant's studies, for the
// records of retrieves whose locations carry no patient.
base::Result<std::string> PatientsOfStudies(QueryService& query, index::TenantId tenant,
                                            const std::vector<std::string>& study_uids);

// "127.0.0.1:53422" -> "127.0.0.1", "[::1]:80" -> "::1"; anything else unchanged.
std::string AddressWithoutPort(const std::string& address);

}  // namespace dokuei::archive
