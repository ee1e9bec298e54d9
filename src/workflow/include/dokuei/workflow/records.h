// Reading-workflow data model: reading requests (読影依頼) and their states, the people who act on
// them (Actor), contracts per hospital, reader capabilities and rosters, escalation events.
// docs/design/workflow.md explains the choices. Times are UTC; JST (Asia/Tokyo, a fixed +09:00
// offset: Japan has no daylight saving time) only matters for SLA deadlines (sla.h).
// Thread safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/identity/records.h"
#include "dokuei/identity/roles.h"

namespace dokuei::workflow {

enum class State : uint8_t {
  kReceived,    // created (by a study's arrival or a form); the study may still be arriving
  kReady,       // the study is complete: in the pool, waiting for a reader
  kAssigned,    // a reader holds it but has not opened it yet
  kReading,     // the first reader is reading (the lock is theirs)
  kSecondRead,  // 二次読影: the second reader reads or reviews
  kCheck,       // 校閲: the checker proofreads before release
  kFinal,       // signed; not yet delivered to the hospital
  kDelivered,   // the report went back to the hospital
  kOnHold,      // paused by the coordinator (or the hospital before reading); resumes where it was
  kCancelled,   // withdrawn; never billed
  kAddendum,    // the original reader writes an addendum to a final report
};
inline constexpr int kStateCount = 11;
std::string_view StateName(State s);  // "received", "second_read", ...
std::optional<State> StateFromName(std::string_view name);
std::string_view StateLabel(State s, std::string_view lang);  // "ja" (default) or "en"
// No reader holds the request and nothing more will happen without an outside event.
bool IsTerminal(State s);  // cancelled (delivered requests can still get addenda)

enum class Priority : uint8_t { kStat, kSameDay, kRoutine };
std::string_view PriorityName(Priority p);  // "stat", "same_day", "routine"
std::optional<Priority> PriorityFromName(std::string_view name);
std::string_view PriorityLabel(Priority p, std::string_view lang);

enum class Region : uint8_t { kUnspecified, kCervical, kThoracic, kLumbar, kWholeSpine };
std::string_view RegionName(Region r);  // "", "cervical", "thoracic", "lumbar", "whole_spine"
std::optional<Region> RegionFromName(std::string_view name);
std::string_view RegionLabel(Region r, std::string_view lang);

// Priced and timed classes of study (no region or slice surcharge: the price is per modality).
enum class Modality : uint8_t { kOther, kXray, kCt, kMr };
std::string_view ModalityName(Modality m);  // "other", "xray", "ct", "mr"
std::optional<Modality> ModalityFromName(std::string_view name);
std::string_view ModalityLabel(Modality m, std::string_view lang);
// From a DICOM Modality (0008,0060): CR, DX, RF -> xray; CT; MR; anything else -> other.
Modality ModalityFromDicom(std::string_view dicom_modality);

enum class Side : uint8_t { kNone, kLeft, kRight, kBoth };
std::string_view SideName(Side s);  // "", "left", "right", "both"
std::optional<Side> SideFromName(std::string_view name);
std::string_view SideLabel(Side s, std::string_view lang);

// Who acts. People come from an authenticated identity::Principal (ActorFrom); the engine itself
// (completeness, automatic assignment, escalation) acts as System().
struct Actor {
  bool system = false;
  int64_t tenant_id = 0;
  identity::TenantKind tenant_kind = identity::TenantKind::kHospital;
  int64_t user_id = 0;
  std::string subject;  // login, "token:<name>", "system:workflow"
  std::vector<identity::Role> roles;
  std::string source_address;  // for the audit record
  std::string protocol = "http";

  bool Has(identity::Role r) const;
  bool InReadingCentre() const { return tenant_kind == identity::TenantKind::kReadingCentre; }
  static Actor System();
};
Actor ActorFrom(const identity::Principal& p, std::string source_address = {});

// What the hospital (portal form, API, HL7 ORM, FHIR ServiceRequest) says about a study.
struct RequestDetails {
  std::string clinical_question;  // 依頼コメント (at most 4000 characters)
  std::string symptoms;           // at most 2000 characters
  Side side = Side::kNone;
  Region region = Region::kUnspecified;
  Modality modality = Modality::kOther;
  Priority priority = Priority::kRoutine;
  std::optional<base::Timestamp> desired_return_at;  // the hospital's wish (SLA decides breach)
  std::vector<std::string> prior_study_uids;         // to compare (valid UIDs, at most 50)
  std::vector<std::string> attachments;              // references (blob keys, URLs), at most 20
  int expected_series = 0;  // 0 = unknown: completeness by quiet period only
  // A subspecialty the reader must have ("spine", "neuro", "msk"); empty = any reader.
  std::string subspecialty;
};

// The hospital's identifiers of an order: HL7 ORC-2 / ORC-3 / OBR-18, FHIR identifier types PLAC,
// FILL and ACSN, DICOM Accession Number (0008,0050). Accession, placer and filler numbers are each
// unique among the open (not cancelled) requests of a hospital where given; the accession number
// matches an order to its study when the order has no Study Instance UID.
struct OrderIds {
  std::string accession_number;     // at most 64 characters each
  std::string placer_order_number;  // the ordering system's number (ORC-2)
  std::string filler_order_number;  // the performing department's number (ORC-3)
  std::string patient_id;           // the hospital's patient id (PID-3, subject); not unique

  bool empty() const {
    return accession_number.empty() && placer_order_number.empty() && filler_order_number.empty() &&
           patient_id.empty();
  }
};

struct NewRequest {
  int64_t tenant_id = 0;  // the hospital
  // Empty for an order that names only its accession number: the arriving study with that
  // AccessionNumber is attached to it (Requests::RecordArrival).
  std::string study_uid;
  RequestDetails details;
  OrderIds order;
  std::string source = "api";  // "auto", "portal", "api", "hl7", "fhir"
};

struct ReadingRequest {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string study_uid;  // empty until the study of an order without one arrives
  RequestDetails details;
  OrderIds order;
  std::string source;
  bool details_complete = false;  // a form filled it (false while only auto-created)
  State state = State::kReceived;
  std::optional<State> held_from;  // set while on hold
  int64_t version = 1;             // optimistic concurrency: +1 at every change
  int64_t reader_id = 0, second_reader_id = 0, checker_id = 0;  // 0 = nobody
  // Completeness.
  int64_t instance_count = 0, series_count = 0;
  int64_t late_instances = 0;  // arrived after the request was routed: the reader is told
  std::optional<base::Timestamp> first_instance_at, last_instance_at;
  // Clocks.
  base::Timestamp received_at{};
  base::Timestamp due_at{};  // SLA deadline from the contract at received_at
  std::optional<base::Timestamp> ready_at, assigned_at, started_at, final_at, delivered_at;
  base::Timestamp updated_at{};
  int escalation_level = 0;  // 0 none, 1 at risk (coordinator alerted), 2 breached

  // Who holds the lock in the current state (0 = nobody): reader in assigned/reading/addendum,
  // second reader in second_read, checker in check.
  int64_t Holder() const;
};

// The per-hospital contract (defaults are the product's: STAT 1 hour, same-day by 23:59 JST when
// received before 18:00 JST else the next day, routine the next day; double reading and check
// off; flat prices; no initial or monthly fee).
struct Contract {
  int64_t tenant_id = 0;
  int stat_minutes = 60;
  int same_day_cutoff_minute = 18 * 60;         // JST minute of day
  int same_day_deadline_minute = 23 * 60 + 59;  // JST minute of day
  int routine_days = 1;                         // deadline this many JST days after reception
  int routine_deadline_minute = 23 * 60 + 59;
  bool double_reading = false;
  bool check_required = false;
  int second_reader_min_years = 15;  // seniority rule for the second reader
  // Flat price per study by modality, in yen (no region or slice surcharge).
  int64_t price_xray = 0, price_ct = 0, price_mr = 0, price_other = 0;
  // Charged once in the JST month of the start date (initial) and every month from it (monthly).
  int64_t initial_fee = 0, monthly_fee = 0;
  // The first day of service, a JST calendar day (days since 1970-01-01, DayOfDate); unset: no
  // initial fee is charged and the monthly fee applies to every month.
  std::optional<int64_t> start_day;
  base::Timestamp updated_at{};

  int64_t PriceOf(Modality m) const;
};

// What the engine knows about a reader (identity's published profile plus workflow settings).
struct ReaderInfo {
  int64_t user_id = 0;
  std::string display_name;
  bool reads = true;                 // role reader: first reads
  bool checks = false;               // role checker: second reads and report checks
  std::vector<Modality> modalities;  // empty = every modality
  std::vector<Region> regions;       // empty = every region
  std::vector<std::string> subspecialties;
  int years_of_experience = 0;
  double speed = 1.0;  // reading-time multiplier divisor (2.0 = twice as fast as the defaults)
};

// A reader on duty in [start, end) (UTC). display_time_zone is only for showing it.
struct Shift {
  int64_t id = 0;
  int64_t reader_id = 0;
  base::Timestamp start{}, end{};
  std::string display_time_zone = "Asia/Tokyo";
};

// A reader's holiday or leave: no assignment in [start, end) even inside a shift.
struct Absence {
  int64_t id = 0;
  int64_t reader_id = 0;
  base::Timestamp start{}, end{};
  std::string reason;
};

enum class EscalationKind : uint8_t {
  kRerouted,  // the assigned reader would miss the SLA: moved to one who will not
  kAtRisk,    // predicted breach the engine cannot fix: coordinator alerted
  kNoReader,  // nobody on shift has the credentials: coordinator alerted
  kBreached,  // the SLA deadline passed before the report was final
};
std::string_view EscalationKindName(EscalationKind k);  // "rerouted", "at_risk", ...
std::optional<EscalationKind> EscalationKindFromName(std::string_view name);
std::string_view EscalationKindLabel(EscalationKind k, std::string_view lang);

struct Escalation {
  int64_t id = 0;
  int64_t tenant_id = 0;
  int64_t request_id = 0;
  base::Timestamp at{};
  EscalationKind kind = EscalationKind::kAtRisk;
  int64_t from_reader_id = 0, to_reader_id = 0;  // for reroutes
  std::string detail;                            // English, for the coordinator's log
};

// One charge: a delivered request at the contract's flat price for its modality (recorded once,
// when first delivered).
struct Charge {
  int64_t request_id = 0;
  std::string study_uid;
  Modality modality = Modality::kOther;
  int64_t price = 0;  // yen
  base::Timestamp delivered_at{};
};

// A hospital's monthly statement (JST calendar month): every charge, subtotals per modality,
// the initial fee (in the month of the contract's start date only), the monthly fee (from the
// start month on), the total. Cancelled or undelivered requests are not charged.
struct Statement {
  int64_t tenant_id = 0;
  int year = 0, month = 0;
  std::vector<Charge> charges;  // by delivery time
  struct Subtotal {
    Modality modality = Modality::kOther;
    int64_t count = 0, amount = 0;
  };
  std::vector<Subtotal> subtotals;            // modalities with charges, in enum order
  std::optional<int64_t> contract_start_day;  // the contract's start (JST day), if set
  int64_t initial_fee = 0;
  int64_t monthly_fee = 0;
  int64_t total = 0;  // charges + initial fee + monthly fee
};

// One line of a request's history (every transition, timed).
struct HistoryEntry {
  base::Timestamp at{};
  std::string action;  // "claim", "sign", ...
  State from = State::kReceived, to = State::kReceived;
  std::string actor;
  int64_t actor_user_id = 0;
  std::string reason;
};

}  // namespace dokuei::workflow
