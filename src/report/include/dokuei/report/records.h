// Report data model: a report per reading request with its versions (draft, preliminary, final,
// addendum), second-reader reviews (RADPEER), report checks (校閲), critical results with their
// notifications and escalations, follow-up questions (アフターフォロー) and per-reader statistics.
// docs/design/reports.md explains the choices. Times are UTC.
// Thread safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/clock.h"

namespace dokuei::report {

// An unsigned version is a draft; signing fixes its kind: preliminary (released at once, e.g. a
// STAT preliminary), final, or addendum (a new version after a released final, referencing it).
enum class VersionKind : uint8_t { kDraft, kPreliminary, kFinal, kAddendum };
std::string_view VersionKindName(VersionKind k);  // "draft", "preliminary", "final", "addendum"
std::optional<VersionKind> VersionKindFromName(std::string_view name);
std::string_view VersionKindLabel(VersionKind k, std::string_view lang);  // "ja" (default), "en"

// Where a version stands on its way to the hospital. Derived from the review and check records,
// never stored in the (immutable) version row.
enum class Release : uint8_t {
  kUnsigned,            // a draft
  kAwaitingSecondRead,  // signed; the contract asks for double reading and no review yet
  kAwaitingCheck,       // signed (and reviewed if required); the checker has not decided
  kReturned,            // the checker returned it: a new version must follow
  kReleased,            // visible to the hospital
};
std::string_view ReleaseName(Release r);

struct Version {
  int64_t id = 0;
  int64_t report_id = 0;
  int number = 0;  // 1, 2, ... per report
  VersionKind kind = VersionKind::kDraft;
  std::string content;  // canonical JSON (sorted keys, compact): what is signed
  int64_t author_id = 0;
  base::Timestamp created_at{}, updated_at{};
  // Signature (set once; the database refuses any later UPDATE or DELETE of a signed row).
  bool signed_ = false;
  int64_t signer_id = 0;
  std::string signer_login;
  base::Timestamp signed_at{};
  std::string content_sha256;                           // lowercase hex SHA-256 of `content`
  int64_t amends_version_id = 0;                        // addendum: the final it amends
  std::string reason;                                   // addendum: why (required)
  // Pre-sign warnings the signer overrode (spine::PreSignCheck), with the signer's reason:
  // JSON [{"id": "slip_grade", "field": "content.levels[L4-L5].listhesis.grade"}, ...].
  std::string override_reason;
  std::string overridden_warnings;
  bool double_reading = false, check_required = false;  // the contract's gates at signing
  std::optional<base::Timestamp> assigned_at;           // the reader's assignment (turnaround)
  Release release = Release::kUnsigned;
};

struct Report {
  int64_t id = 0;
  int64_t request_id = 0;
  int64_t tenant_id = 0;
  std::string study_uid;
  int64_t reader_id = 0;  // the original reader (first signer)
  base::Timestamp created_at{};
  std::vector<Version> versions;  // those the caller may see, by number
};

// RADPEER (ACR): 1 concur; 2a/2b discrepancy in interpretation, an understandable miss, unlikely /
// likely clinically significant; 3a/3b a discrepancy that should be made most of the time.
enum class Radpeer : uint8_t { k1, k2a, k2b, k3a, k3b };
std::string_view RadpeerName(Radpeer s);  // "1", "2a", "2b", "3a", "3b"
std::optional<Radpeer> RadpeerFromName(std::string_view name);
std::string_view RadpeerLabel(Radpeer s, std::string_view lang);
inline bool IsDiscrepancy(Radpeer s) { return s != Radpeer::k1; }
inline bool IsSignificant(Radpeer s) { return s == Radpeer::k2b || s == Radpeer::k3b; }

enum class ReviewMode : uint8_t { kIndependent, kReview };  // reads blind / reviews the report
std::string_view ReviewModeName(ReviewMode m);              // "independent", "review"
std::optional<ReviewMode> ReviewModeFromName(std::string_view name);

enum class Resolution : uint8_t { kNone, kFirstUpheld, kAmended, kSecondOverruled };
std::string_view ResolutionName(Resolution r);  // "", "first_upheld", "amended", ...
std::optional<Resolution> ResolutionFromName(std::string_view name);

struct PeerReview {
  int64_t id = 0;
  int64_t report_id = 0, version_id = 0;
  int64_t reviewer_id = 0, reviewee_id = 0;  // second reader, first reader (the signer)
  ReviewMode mode = ReviewMode::kReview;
  Radpeer score = Radpeer::k1;
  std::string content;                   // independent read: the second reader's structured JSON
  std::vector<std::string> differences;  // JSON pointers where the two reports differ
  std::string comment;
  bool returned = false;  // sent back to the first reader instead of released
  base::Timestamp at{};
  Resolution resolution = Resolution::kNone;
  std::string resolution_note;
  int64_t resolved_by = 0;
  int64_t resolution_version_id = 0;  // the addendum or new version that settled it
  std::optional<base::Timestamp> resolved_at;
};

struct CheckRecord {
  int64_t id = 0;
  int64_t report_id = 0, version_id = 0;
  int64_t checker_id = 0;
  bool approved = false;
  std::string comments;  // required when returned
  base::Timestamp at{};
};

// spine-reporting.md: 1 immediate (acknowledge within 60 min), 2 urgent (24 h), 3 non-urgent
// (7 days).
enum class CriticalCategory : uint8_t { k1 = 1, k2 = 2, k3 = 3 };
base::Duration AckWindow(CriticalCategory c);
std::string_view CriticalCategoryLabel(CriticalCategory c, std::string_view lang);

struct CriticalResult {
  int64_t id = 0;
  int64_t report_id = 0, tenant_id = 0;
  CriticalCategory category = CriticalCategory::k1;
  std::string finding;  // what was found (shown in the app and the signed webhook, not e-mailed)
  int64_t reported_by = 0;
  std::string reported_by_login;
  base::Timestamp notified_at{}, ack_deadline{};
  // Acknowledgement: who (the user, and the person told when a coordinator phoned), when.
  int64_t ack_user_id = 0;
  std::string ack_login, ack_person, ack_note;
  std::optional<base::Timestamp> ack_at;
  std::optional<base::Timestamp> escalated_at;  // the deadline passed without acknowledgement
};

// The escalation list: unacknowledged before the deadline (open), unacknowledged after it
// (overdue, whether or not Tick escalated it yet), acknowledged; kAny = all three ("all").
enum class CriticalState : uint8_t { kAny, kOpen, kOverdue, kAcknowledged };
std::optional<CriticalState> CriticalStateFromName(std::string_view name);  // "open", ...

enum class Channel : uint8_t { kApp, kEmail, kWebhook };
std::string_view ChannelName(Channel c);  // "app", "email", "webhook"

enum class NotificationStatus : uint8_t { kPending, kSent, kFailed };
std::string_view NotificationStatusName(NotificationStatus s);

// One message to one destination (the outbox): the app's are stored and done; e-mail and webhook
// are sent by DeliverDue with retries and exponential backoff on the injected clock.
struct Notification {
  int64_t id = 0;
  int64_t tenant_id = 0;
  int64_t critical_id = 0;
  Channel channel = Channel::kApp;
  std::string target;  // "hospital" (app), an e-mail address, a webhook URL
  std::string recipient_name;
  std::string subject, body;  // body: text (app, e-mail) or JSON (webhook)
  NotificationStatus status = NotificationStatus::kPending;
  int attempts = 0;
  base::Timestamp created_at{}, next_attempt_at{};
  std::optional<base::Timestamp> sent_at;
  std::string last_error;
};

// A missed acknowledgement deadline, for the coordinator.
struct CriticalEscalation {
  int64_t id = 0;
  int64_t critical_id = 0, report_id = 0, tenant_id = 0;
  base::Timestamp at{}, deadline{};
  std::string detail;
};

struct Message {
  int64_t id = 0;
  int64_t question_id = 0;
  int64_t author_id = 0;
  std::string author_login;
  bool from_reading_centre = false;
  std::string text;
  int64_t addendum_version_id = 0;  // an answer that produced an addendum
  base::Timestamp at{};
};

// A follow-up question on a report, routed to the original reader or a covering one.
struct Question {
  int64_t id = 0;
  int64_t report_id = 0, tenant_id = 0;
  int64_t asked_by = 0;
  int64_t routed_to = 0;
  bool covering = false;  // routed to a covering reader (the original was absent)
  bool answered = false;
  base::Timestamp asked_at{};
  std::vector<Message> messages;  // the question first
};

// Per-reader quality and productivity over a period (first signatures of final reports).
struct ReaderStats {
  int64_t reader_id = 0;
  int64_t reports = 0;  // final reports first signed in the period
  int64_t addenda = 0;
  // Turnaround from assignment to the first final signature, in seconds (reports with a known
  // assignment time).
  int64_t turnaround_count = 0;
  double turnaround_mean_s = 0, turnaround_median_s = 0, turnaround_p90_s = 0;
  int64_t reviewed = 0;                       // of this reader's versions scored by a second reader
  int64_t score_counts[5] = {0, 0, 0, 0, 0};  // by Radpeer
  double discrepancy_rate = 0;                // scores 2a..3b / reviewed
  double significant_rate = 0;                // 2b, 3b / reviewed
  int64_t reviews_given = 0;                  // as second reader
  int64_t checks_returned = 0;                // this reader's versions returned by a checker
};

}  // namespace dokuei::report
