// Report delivery: when a report version is released (a final or an addendum), its rendered
// artefacts go to the hospital's destinations -- DICOM SR and Encapsulated PDF by C-STORE to its
// PACS, the HL7 ORU^R01 over MLLP, the FHIR transaction Bundle by POST -- through a durable
// outbound queue on the shared database (component "delivery", SQLite and PostgreSQL).
//
//   auto d = OpenDelivery(db, clock, {.dicom = dicom_t.get(), .hl7 = hl7_t.get(),
//                                     .fhir = fhir_t.get()}, {.source = renderer});
//   d->queue().Release({tenant, request, report, version_id, 2, /*addendum=*/false});
//   d->queue().Tick();   // periodically (the server's dispatcher; tests on a FakeClock)
//
// One queue row per (report version, artefact kind, destination), states pending -> sending ->
// delivered, or failed (to be retried with exponential backoff on the injected clock) and
// gave_up. A row is claimed for one attempt with a lease (`sending`); a sender that dies leaves
// it to be retried when the lease ends, so delivery is at least once, and a delivered row is
// never sent again (the outcome is recorded only by the claim that sent it). Transports block;
// Tick calls them outside any database transaction.
// Thread safety: thread-safe; the Delivery object owns its parts and must outlive their users.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/audit/audit.h"
#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/delivery/records.h"
#include "dokuei/report/records.h"

namespace dokuei::delivery {

// The rendered artefacts of one released version (the renderer, wired in by the server).
class ArtifactSource {
 public:
  virtual ~ArtifactSource() = default;
  virtual base::Result<std::vector<Artifact>> For(int64_t report_id, int64_t version_id) = 0;
};

// The hospital's delivery destinations (table delivery_destinations). Built on the Database
// given, so a route can pass an audit::AuditedDatabase and the change commits with its record.
class Destinations {
 public:
  Destinations(db::Database& db, base::Clock& clock) : db_(db), clock_(clock) {}
  base::Result<std::vector<Destination>> List(int64_t tenant_id);
  base::Result<Destination> Get(int64_t id);  // kNotFound
  // Validates (errors name the field): name; DICOM AE title (1-16 characters of the default
  // repertoire, no backslash), host, port 1-65535; HL7 host and port; FHIR base URL (https://,
  // or http:// to a loopback address), bearer token optional. Fields of other kinds must be empty.
  base::Result<Destination> Add(int64_t tenant_id, const Destination& d);
  // Replaces the changeable fields (not the kind or tenant). An empty `bearer_token` with
  // keep_token keeps the stored one.
  base::Result<Destination> Update(const Destination& d, bool keep_token = true);
  base::Status Remove(int64_t id);  // queued rows to it give up on their next attempt

 private:
  db::Database& db_;
  base::Clock& clock_;
};

// What is known about a version at its release.
struct ReleasedVersion {
  int64_t tenant_id = 0;
  int64_t request_id = 0;
  int64_t report_id = 0;
  int64_t version_id = 0;
  int version_number = 0;
  bool addendum = false;
};

// Called inside the write transaction that records a delivery or a give-up ("report.deliver",
// an Export in the DICOM audit export); a failing hook rolls the record back (the row is then
// retried). The workflow's AuditHook has this type.
using AuditHook = std::function<base::Status(db::Conn&, const audit::Event&)>;

struct DeliveryOptions {
  ArtifactSource* source = nullptr;  // for Release(); Enqueue() takes the bytes directly
  AuditHook audit;                   // may be empty
  int max_attempts = 10;             // then gave_up
  base::Duration first_backoff = std::chrono::minutes(1);  // doubled per attempt
  base::Duration max_backoff = std::chrono::hours(1);
  base::Duration lease = std::chrono::minutes(10);  // a `sending` row is retried after this
  int batch = 50;                                   // rows per Tick
};

struct TickResult {
  int delivered = 0, retried = 0, gave_up = 0;
};

class Queue {
 public:
  virtual ~Queue() = default;
  // One row per artefact x enabled destination of the tenant that takes its kind (SR and
  // Encapsulated PDF: DICOM; ORU: HL7; Bundle: FHIR), with the bytes stored once per artefact.
  // Idempotent per (version, kind, destination): enqueueing the same version again adds nothing.
  // Returns the rows of the version. kInvalidArgument naming the artefact when its bytes are
  // empty or (DICOM) not a Part-10 file.
  virtual base::Result<std::vector<DeliveryRow>> Enqueue(
      const ReleasedVersion& v, const std::vector<Artifact>& artifacts) = 0;
  // Asks the ArtifactSource for the version's artefacts, then Enqueue.
  virtual base::Result<std::vector<DeliveryRow>> Release(const ReleasedVersion& v) = 0;
  // At clock.Now(): claims due rows (pending, failed with next attempt due, or sending with its
  // lease ended), sends each outside any transaction and records the outcome.
  virtual base::Result<TickResult> Tick() = 0;
  // Whether artefacts of this version were enqueued before (with or without destinations).
  virtual base::Result<bool> Enqueued(int64_t version_id) = 0;
  // The rows of a request, oldest first.
  virtual base::Result<std::vector<DeliveryRow>> ForRequest(int64_t request_id) = 0;
  virtual base::Result<DeliveryRow> Get(int64_t row_id) = 0;  // kNotFound
  // A gave_up row becomes pending again, due now, attempts reset (kFailedPrecondition otherwise).
  // `via` (optional): run the write through this database instead (an audit::AuditedDatabase
  // over the same one, so the change commits with its audit record).
  virtual base::Result<DeliveryRow> Retry(int64_t row_id, db::Database* via = nullptr) = 0;
};

class Delivery {
 public:
  virtual ~Delivery() = default;
  virtual Queue& queue() = 0;
  // Destinations on the service's database (routes build their own on an AuditedDatabase).
  virtual db::Database& database() = 0;
  virtual base::Clock& clock() = 0;
};

// The call to make after anything that may release a version (sign, second read, check,
// addendum): every released final and addendum of `report` that was not enqueued before goes
// through Queue::Release (preliminary reports are not delivered). Returns how many versions were
// enqueued now. Idempotent, so calling it again (or for an unchanged report) costs a lookup.
base::Result<int> ReleaseReport(Queue& queue, const report::Report& report);

base::Status MigrateDelivery(db::Database& db);

// Migrates, then builds the queue. The transports must outlive the result; a missing one makes
// rows of its kind fail (and be retried) with "no transport configured".
base::Result<std::unique_ptr<Delivery>> OpenDelivery(std::shared_ptr<db::Database> db,
                                                     base::Clock& clock, Transports transports,
                                                     DeliveryOptions options = {});

}  // namespace dokuei::delivery
