// The reading workflow on the shared database (component "workflow", identical on SQLite and
// PostgreSQL): reading requests with their state machine, contracts, rosters, the dispatcher
// that routes complete studies, assigns readers and escalates predicted SLA breaches on the
// injected clock, and billing (one charge per delivered request, monthly statements).
//
//   auto wf = OpenWorkflow(db, clock, readers, {.audit = hook});
//   wf->requests().RecordArrival(tenant, study, series, "MR");   // from ingest
//   wf->dispatcher().Tick();                                      // periodically
//   wf->requests().Transition(actor, id, State::kReading);        // 409 with allowed ones
//
// Every change is one write transaction with an optimistic version check (a conditional UPDATE
// on id and version): of two readers claiming the same request at once exactly one wins; the
// other gets kConflict, or — where writers are serialised (SQLite) and it sees the new state —
// kFailedPrecondition, or kNotFound once the request is another reader's. Every transition,
// assignment, escalation, contract and roster change calls the audit hook inside that
// transaction with an audit::Event (action "request.<action>", "contract.update",
// "roster.shift_add", ...), so the API can append it with AuditLog::AppendIn and the change and
// its audit record commit together.
//
// Visibility: hospital staff see their own hospital's requests; coordinators, reading-centre
// administrators and the system every request; readers and checkers the part of the pool
// (ready) they may claim and what they hold or held. Anything else is kNotFound, as if it did
// not exist.
// Thread safety: thread-safe; Workflow owns the services and must outlive their users.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dokuei/audit/audit.h"
#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/workflow/assignment.h"
#include "dokuei/workflow/records.h"
#include "dokuei/workflow/sla.h"
#include "dokuei/workflow/state_machine.h"

namespace dokuei::identity {
class Identity;
}

namespace dokuei::workflow {

// Called inside the write transaction of every change; a non-OK status rolls the change back.
using AuditHook = std::function<base::Status(db::Conn&, const audit::Event&)>;

// An audit event of `action` on `tenant_id` by `actor` (who, their tenant and roles, address and
// protocol; "system" for the system); the caller fills the object and the message.
audit::Event ActorEvent(const Actor& actor, std::string action, int64_t tenant_id);

// Where reader credentials come from.
class ReaderDirectory {
 public:
  virtual ~ReaderDirectory() = default;
  virtual base::Result<std::vector<ReaderInfo>> Readers() = 0;
};
// A fixed list (tests, the simulator).
class StaticReaderDirectory final : public ReaderDirectory {
 public:
  explicit StaticReaderDirectory(std::vector<ReaderInfo> readers) : readers_(std::move(readers)) {}
  base::Result<std::vector<ReaderInfo>> Readers() override { return readers_; }

 private:
  std::vector<ReaderInfo> readers_;
};
// identity's published reader profiles: readers and checkers of the reading centre, modalities
// mapped from DICOM codes (CR/DX -> xray), every region (profiles do not name regions yet).
std::unique_ptr<ReaderDirectory> IdentityReaderDirectory(identity::Identity& identity);

struct WorkflowOptions {
  CompletenessRule completeness;
  AssignmentOptions assignment;
  AuditHook audit;  // may be empty (nothing recorded)
};

struct TransitionOptions {
  std::optional<int64_t> expected_version;  // refuse with kConflict when the request changed
  std::string reason;                       // recorded in the history and the audit record
};

enum class Slot : uint8_t { kReader, kSecondReader, kChecker };

// One stored instance as ingest reports it.
struct Arrival {
  int64_t tenant_id = 0;
  std::string study_uid, series_uid;
  std::string dicom_modality;    // (0008,0060)
  std::string accession_number;  // (0008,0050): matches an order that came without a study UID
};

struct RequestFilter {
  std::optional<State> state;
  std::optional<Priority> priority;
  int64_t tenant_id = 0;             // 0 = every tenant the actor sees
  int64_t holder = 0;                // 0 = anyone
  int64_t assigned_to = 0;           // reader, second reader or checker in any state (0 = anyone)
  std::string study_uid;             // empty = any study
  uint32_t limit = 100, offset = 0;  // limit at most 1000; ordered by due time, then id
};

class Requests {
 public:
  virtual ~Requests() = default;
  // Hospital staff of the tenant, coordinators or the system. The study UID may be empty when
  // the order names its accession number (the study is attached when it arrives). When the
  // images came first, the order completes their auto-created request (found by study UID, else
  // by accession number) once. kAlreadyExists (field: the identifier) when an open request has
  // the study, or one of the order numbers (a cancelled one does not count).
  virtual base::Result<ReadingRequest> Create(const Actor& actor, const NewRequest& r) = 0;
  // The hospital's request for a placer order number: the open one, else the latest cancelled
  // one; kNotFound when there is none the actor may see.
  virtual base::Result<ReadingRequest> FindByPlacerOrder(const Actor& actor, int64_t tenant_id,
                                                         std::string_view placer_order_number) = 0;
  // Ingest calls this for every stored instance: counts instances and series of the study's
  // open request, and flags instances arriving after routing (late_instances). When the study
  // has no request yet, an open order of the hospital without a study UID and with the study's
  // accession number gets the study (action "attach"); otherwise a request is created (source
  // "auto", routine, to be completed by the hospital).
  virtual base::Result<ReadingRequest> RecordArrival(int64_t tenant_id, std::string_view study_uid,
                                                     std::string_view series_uid,
                                                     std::string_view dicom_modality,
                                                     std::string_view accession_number = {}) = 0;
  // The same for several instances in one write transaction (what a server's ingest feed
  // drains at once); all or nothing. One result per arrival, in order.
  virtual base::Result<std::vector<ReadingRequest>> RecordArrivals(
      std::span<const Arrival> arrivals) = 0;
  // The hospital completes or corrects its request (until it is final); the SLA deadline follows
  // a priority change (from the reception time).
  virtual base::Result<ReadingRequest> UpdateDetails(const Actor& actor, int64_t id,
                                                     const RequestDetails& d,
                                                     const TransitionOptions& o = {}) = 0;
  virtual base::Result<ReadingRequest> Get(const Actor& actor, int64_t id) = 0;
  virtual base::Result<std::vector<ReadingRequest>> List(const Actor& actor,
                                                         const RequestFilter& f) = 0;
  virtual base::Result<ReadingRequest> Transition(const Actor& actor, int64_t id, State to,
                                                  const TransitionOptions& o = {}) = 0;
  // Puts a reader in a slot: the first reader (coordinator or system: ready -> assigned, or a
  // reassignment of an assigned or reading request, which goes back to assigned), the second
  // reader (different from the first, meeting the contract's seniority rule) or the checker.
  virtual base::Result<ReadingRequest> Assign(const Actor& actor, int64_t id, Slot slot,
                                              int64_t reader_id,
                                              const TransitionOptions& o = {}) = 0;
  virtual base::Result<std::vector<State>> Allowed(const Actor& actor, int64_t id) = 0;
  virtual base::Result<std::vector<HistoryEntry>> History(const Actor& actor, int64_t id) = 0;
};

class Contracts {
 public:
  virtual ~Contracts() = default;
  // Reading-centre administrators. Validated (minutes of day in range, prices >= 0).
  virtual base::Result<Contract> Put(const Actor& actor, const Contract& c) = 0;
  // The hospital's contract, or the defaults when none was stored.
  virtual base::Result<Contract> Get(int64_t tenant_id) = 0;
};

class Rosters {
 public:
  virtual ~Rosters() = default;
  // Coordinators and reading-centre administrators.
  virtual base::Result<Shift> AddShift(const Actor& actor, const Shift& s) = 0;
  virtual base::Status RemoveShift(const Actor& actor, int64_t shift_id) = 0;
  virtual base::Result<Absence> AddAbsence(const Actor& actor, const Absence& a) = 0;
  virtual base::Status RemoveAbsence(const Actor& actor, int64_t absence_id) = 0;
  // Shifts and absences overlapping [from, to), by start.
  virtual base::Result<std::vector<Shift>> Shifts(base::Timestamp from, base::Timestamp to) = 0;
  virtual base::Result<std::vector<Absence>> Absences(base::Timestamp from, base::Timestamp to) = 0;
};

class Billing {
 public:
  virtual ~Billing() = default;
  // Reading-centre administrators (any hospital) and a hospital's administrators (their own;
  // another hospital is kNotFound). month 1..12 of the JST calendar.
  virtual base::Result<Statement> Monthly(const Actor& actor, int64_t tenant_id, int year,
                                          int month) = 0;
};

struct TickReport {
  int readied = 0;   // received -> ready (complete)
  int assigned = 0;  // readers put in slots
  int escalations = 0;
};

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  // At clock.Now(): routes complete studies, assigns pool work (first reads, second reads,
  // checks), then escalates. Safe to run on several servers at once (each change is a
  // conditional update; the loser skips).
  virtual base::Result<TickReport> Tick() = 0;
  // Escalation events (newest first), of one tenant or all (0).
  virtual base::Result<std::vector<Escalation>> Escalations(int64_t tenant_id,
                                                            uint32_t limit = 100) = 0;
  // The readers' state now (duty, backlog), as the engine sees it.
  virtual base::Result<std::vector<ReaderLoad>> Loads() = 0;
};

class Workflow {
 public:
  virtual ~Workflow() = default;
  virtual Requests& requests() = 0;
  virtual Contracts& contracts() = 0;
  virtual Rosters& rosters() = 0;
  virtual Dispatcher& dispatcher() = 0;
  virtual Billing& billing() = 0;
};

base::Status MigrateWorkflow(db::Database& db);
int LatestWorkflowSchemaVersion();

// Migrates (the index must have created `tenants`), then builds the services.
base::Result<std::unique_ptr<Workflow>> OpenWorkflow(std::shared_ptr<db::Database> db,
                                                     base::Clock& clock, ReaderDirectory& readers,
                                                     WorkflowOptions options = {});

}  // namespace dokuei::workflow
