// Reports on the shared database (component "report", identical on SQLite and PostgreSQL): one
// report per reading request, versions with signatures and an immutable history, double reading
// with RADPEER scoring, the report check (校閲), critical results with acknowledgement deadlines,
// notifications and escalation, follow-up questions, per-reader statistics.
//
//   auto source = WorkflowRequestSource(wf->requests());
//   auto svc = OpenReports(db, clock, *source, {.audit = hook, .contacts = dir.get(), ...});
//   svc->reports().SaveDraft(reader, request_id, json);            // creates the report
//   svc->reports().Sign(reader, report_id, {.final = true, .check_required = true});
//   svc->quality().Check(checker, version_id, {.approve = true});  // released
//   svc->critical().Record(reader, report_id, {CriticalCategory::k1, "馬尾圧迫"});
//   svc->critical().Tick();     // periodically: deliver due notifications, escalate missed acks
//
// The library does not move the workflow's state machine: the API calls both (sign -> submit or
// sign; review -> confirm or return; check -> approve or return), and takes the contract's flags from the
// workflow. Who may act comes from the request (RequestSource) at the time of the call: the
// request's reader drafts and signs, its second reader reviews, its checker checks.
// Every change calls the audit hook inside its write transaction (action "report.<what>"), so the
// change and its audit record commit together; a failing hook rolls the change back.
// Signed versions are never overwritten: the store refuses it, and database triggers refuse any
// UPDATE or DELETE of a signed row on both backends.
// Thread safety: thread-safe; ReportService owns the services and must outlive their users.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/report/notify.h"
#include "dokuei/report/records.h"
#include "dokuei/spine/checks.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::identity {
class Identity;
}

namespace dokuei::report {

using workflow::Actor;
using workflow::AuditHook;

// What the report needs to know about its reading request, at the time of each call.
struct RequestInfo {
  int64_t request_id = 0;
  int64_t tenant_id = 0;
  std::string study_uid;
  int64_t reader_id = 0, second_reader_id = 0, checker_id = 0;  // 0 = nobody
  std::optional<base::Timestamp> assigned_at;
};
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  virtual base::Result<RequestInfo> Get(int64_t request_id) = 0;  // kNotFound when unknown
};
// The workflow's requests (read as the system).
std::unique_ptr<RequestSource> WorkflowRequestSource(workflow::Requests& requests);

// identity's contacts of the hospital flagged for critical results (with their e-mail), and the
// configured webhooks per tenant id.
std::unique_ptr<ContactDirectory> IdentityContactDirectory(
    identity::Identity& identity, std::map<int64_t, std::vector<Webhook>> webhooks = {});

// Follow-up routing: given the original reader, the reader who answers now (the original when
// present, else a covering reader). Empty = always the original.
using CoveringReader =
    std::function<base::Result<int64_t>(int64_t original_reader_id, int64_t tenant_id)>;

struct ReportOptions {
  AuditHook audit;                       // may be empty
  ContactDirectory* contacts = nullptr;  // hospitals' contacts and webhooks (none when null)
  MailSender* mail = nullptr;            // e-mail channel (skipped when null)
  WebhookSender* webhooks = nullptr;     // webhook channel (skipped when null)
  CoveringReader covering;
  // Acknowledgement windows of categories 1, 2, 3 (spine-reporting.md: 60 minutes, 24 hours,
  // 7 days); a service may agree shorter ones (notify.ack_windows).
  std::array<base::Duration, 3> ack_windows = {AckWindow(CriticalCategory::k1),
                                               AckWindow(CriticalCategory::k2),
                                               AckWindow(CriticalCategory::k3)};
  int max_attempts = 8;     // per e-mail / webhook, backoff 1, 2, 4 ... 60 minutes
  std::string lang = "ja";  // language of notifications first ("ja": Japanese then English)
};

struct DraftInput {
  DraftInput(std::string c = {}, std::optional<int> expected = std::nullopt)  // NOLINT
      : content(std::move(c)), expected_number(expected) {}
  std::string content;  // JSON; the frame's types are checked (sections may still be missing)
  std::optional<int> expected_number;  // refuse (kConflict) when the draft is not this version
};

struct SignInput {
  bool final = true;            // false: a preliminary report (released at once)
  bool double_reading = false;  // contract: a second reader must review before release
  bool check_required = false;  // contract: a checker must approve before release
  std::string reason;           // required for an addendum
  // Content naming a spine template passes spine::PreSignCheck first: errors refuse signing
  // (kFailedPrecondition); warnings refuse it unless this reason is given (it is recorded with
  // the signature and audited, with the warnings it overrode).
  std::string override_reason;
};

class Reports {
 public:
  virtual ~Reports() = default;
  // The request's reader. Creates the report on first use; replaces the unsigned draft or starts
  // a new one after a signature (an addendum draft after a released final).
  virtual base::Result<Version> SaveDraft(const Actor& actor, int64_t request_id,
                                          const DraftInput& in) = 0;
  // The request's reader signs the current draft: complete frame required; the signature holds
  // user, login, the clock's time and the SHA-256 of the content.
  virtual base::Result<Version> Sign(const Actor& actor, int64_t report_id,
                                     const SignInput& in) = 0;
  // The request's reader: the pre-sign checks on the current draft, as Sign would run them
  // (empty when the draft names no template). kFailedPrecondition when there is no draft.
  virtual base::Result<spine::CheckResult> Checks(const Actor& actor, int64_t report_id) = 0;
  // Hospital staff of the tenant see released versions only; the reading centre sees all.
  virtual base::Result<Report> Get(const Actor& actor, int64_t report_id) = 0;
  virtual base::Result<Report> ForRequest(const Actor& actor, int64_t request_id) = 0;
  // Recomputes every signature hash: kDataLoss naming the version when one does not match.
  virtual base::Status Verify(int64_t report_id) = 0;
};

struct ReviewInput {
  ReviewMode mode = ReviewMode::kReview;
  Radpeer score = Radpeer::k1;
  std::string content;  // independent read: the second reader's JSON (differences computed)
  std::string comment;  // required for a discrepancy
  // Send the version back to the first reader (the workflow's second_read -> reading): it is
  // not released, and a new version must follow (comment required).
  bool return_to_reader = false;
};
struct ResolveInput {
  Resolution resolution = Resolution::kFirstUpheld;
  std::string note;
  int64_t version_id = 0;  // amended: the later signed version that settled it
};
struct CheckInput {
  bool approve = true;
  std::string comments;  // required when returning
};
struct StatsQuery {
  base::Timestamp from{}, to{};  // signatures in [from, to)
  int64_t reader_id = 0;         // 0 = every reader
};

class Quality {
 public:
  virtual ~Quality() = default;
  // The request's second reader (not the signer), on a signed version.
  virtual base::Result<PeerReview> Review(const Actor& actor, int64_t version_id,
                                          const ReviewInput& in) = 0;
  // The first reader, the second reader or a coordinator; once.
  virtual base::Result<PeerReview> Resolve(const Actor& actor, int64_t review_id,
                                           const ResolveInput& in) = 0;
  // The request's checker (not the signer), on a version awaiting its check.
  virtual base::Result<CheckRecord> Check(const Actor& actor, int64_t version_id,
                                          const CheckInput& in) = 0;
  virtual base::Result<std::vector<PeerReview>> Reviews(const Actor& actor, int64_t report_id) = 0;
  virtual base::Result<std::vector<CheckRecord>> Checks(const Actor& actor, int64_t report_id) = 0;
  // Coordinators and centre administrators: everyone; a reader: themself only.
  virtual base::Result<std::vector<ReaderStats>> Stats(const Actor& actor, const StatsQuery& q) = 0;
};

struct CriticalInput {
  CriticalCategory category = CriticalCategory::k1;
  std::string finding;  // 1..2000 characters
};
struct AckInput {
  std::string person;  // who was told, when a coordinator records a phone call
  std::string note;
};
struct TickResult {
  int sent = 0, retried = 0, failed = 0, escalated = 0;
};
struct CriticalListItem {
  CriticalResult result;
  int64_t request_id = 0;
  std::string study_uid;
};

class CriticalResults {
 public:
  virtual ~CriticalResults() = default;
  // The reader or second reader of the request: records the finding, its deadline, and one
  // notification per channel and contact (stored in the same transaction; sent by Tick).
  virtual base::Result<CriticalResult> Record(const Actor& actor, int64_t report_id,
                                              const CriticalInput& in) = 0;
  // Hospital staff of the tenant, or a coordinator who told someone by phone (person required).
  virtual base::Result<CriticalResult> Acknowledge(const Actor& actor, int64_t critical_id,
                                                   const AckInput& in) = 0;
  // At clock.Now(): sends due e-mails and webhooks (outside any transaction), then escalates
  // every unacknowledged result whose deadline has passed (once).
  virtual base::Result<TickResult> Tick() = 0;
  virtual base::Result<std::vector<CriticalResult>> ForReport(const Actor& actor,
                                                              int64_t report_id) = 0;
  virtual base::Result<std::vector<Notification>> Notifications(const Actor& actor,
                                                                int64_t critical_id) = 0;
  // Coordinators and centre administrators (newest first).
  virtual base::Result<std::vector<CriticalEscalation>> Escalations(const Actor& actor) = 0;
  // Critical results in `state` at clock.Now(), earliest deadline first (at most 1000):
  // coordinators and centre administrators see every hospital's, hospital staff their
  // hospital's, readers those they reported; anyone else an empty list.
  virtual base::Result<std::vector<CriticalListItem>> List(const Actor& actor,
                                                           CriticalState state) = 0;
};

class FollowUps {
 public:
  virtual ~FollowUps() = default;
  // Hospital staff of the tenant, on a report with a released version.
  virtual base::Result<Question> Ask(const Actor& actor, int64_t report_id, std::string text) = 0;
  // The routed reader (or the original) answers, optionally threading the addendum it led to;
  // hospital staff of the tenant reply.
  virtual base::Result<Message> Post(const Actor& actor, int64_t question_id, std::string text,
                                     int64_t addendum_version_id = 0) = 0;
  virtual base::Result<std::vector<Question>> Thread(const Actor& actor, int64_t report_id) = 0;
  // Open questions routed to the actor.
  virtual base::Result<std::vector<Question>> Inbox(const Actor& actor) = 0;
};

class ReportService {
 public:
  virtual ~ReportService() = default;
  virtual Reports& reports() = 0;
  virtual Quality& quality() = 0;
  virtual CriticalResults& critical() = 0;
  virtual FollowUps& followups() = 0;
};

base::Status MigrateReports(db::Database& db);

// "60m,24h,7d": three durations (a number with s, m, h or d), each 1 second to 30 days;
// kInvalidArgument naming `field` otherwise.
base::Result<std::array<base::Duration, 3>> ParseAckWindows(std::string_view text,
                                                            const char* field = "ack_windows");

// Migrates (the index must have created `tenants`), then builds the services.
base::Result<std::unique_ptr<ReportService>> OpenReports(std::shared_ptr<db::Database> db,
                                                         base::Clock& clock,
                                                         RequestSource& requests,
                                                         ReportOptions options = {});

}  // namespace dokuei::report
