// Critical results: recorded with their acknowledgement deadline and one notification per
// channel and contact in the same transaction (the outbox); Tick sends due e-mails and webhooks
// outside any transaction (retrying with exponential backoff on the injected clock) and
// escalates unacknowledged results whose deadline has passed, once each.
#include "critical.h"

#include <algorithm>

namespace dokuei::report::internal {

using base::Result;
using base::Status;
using db::Conn;
using db::Row;

namespace {

constexpr const char* kCriticalCols =
    "SELECT id, report_id, tenant_id, category, finding, reported_by, reported_by_login,"
    " notified_us, deadline_us, ack_user_id, ack_login, ack_person, ack_note, ack_us,"
    " escalated_us FROM report_critical";

CriticalResult CriticalFromRow(const Row& r) {
  CriticalResult c;
  c.id = r.Int(0);
  c.report_id = r.Int(1);
  c.tenant_id = r.Int(2);
  c.category = static_cast<CriticalCategory>(std::clamp<int64_t>(r.Int(3), 1, 3));
  c.finding = std::string(r.Str(4));
  c.reported_by = r.Int(5);
  c.reported_by_login = std::string(r.Str(6));
  c.notified_at = base::FromUnixMicros(r.Int(7));
  c.ack_deadline = base::FromUnixMicros(r.Int(8));
  c.ack_user_id = r.Int(9);
  c.ack_login = std::string(r.Str(10));
  c.ack_person = std::string(r.Str(11));
  c.ack_note = std::string(r.Str(12));
  c.ack_at = OptTime(r.Int(13));
  c.escalated_at = OptTime(r.Int(14));
  return c;
}

constexpr const char* kNotificationCols =
    "SELECT id, tenant_id, critical_id, channel, target, recipient_name, subject, body, status,"
    " attempts, created_us, next_attempt_us, sent_us, last_error FROM report_notifications";

Notification NotificationFromRow(const Row& r) {
  Notification n;
  n.id = r.Int(0);
  n.tenant_id = r.Int(1);
  n.critical_id = r.Int(2);
  const std::string_view ch = r.Str(3);
  n.channel = ch == "email" ? Channel::kEmail : ch == "webhook" ? Channel::kWebhook : Channel::kApp;
  n.target = std::string(r.Str(4));
  n.recipient_name = std::string(r.Str(5));
  n.subject = std::string(r.Str(6));
  n.body = std::string(r.Str(7));
  const std::string_view st = r.Str(8);
  n.status = st == "sent"     ? NotificationStatus::kSent
             : st == "failed" ? NotificationStatus::kFailed
                              : NotificationStatus::kPending;
  n.attempts = static_cast<int>(r.Int(9));
  n.created_at = base::FromUnixMicros(r.Int(10));
  n.next_attempt_at = base::FromUnixMicros(r.Int(11));
  n.sent_at = OptTime(r.Int(12));
  n.last_error = std::string(r.Str(13));
  return n;
}

// How long a claimed notification is left to its sender before another may retry it.
constexpr base::Duration kSendLease = std::chrono::minutes(5);

Actor SystemActor() {
  Actor a = Actor::System();
  a.subject = "system:report";
  a.protocol = "system";
  return a;
}

// 1, 2, 4, ... minutes after each failed attempt, at most an hour.
base::Duration Backoff(int attempts) {
  const int shift = std::clamp(attempts - 1, 0, 6);
  return std::min<base::Duration>(std::chrono::minutes(1LL << shift), std::chrono::minutes(60));
}

Status InsertNotification(Conn& c, const CriticalResult& cr, Channel ch, std::string_view target,
                          std::string_view name, std::string_view subject, std::string_view body,
                          bool done, int64_t now) {
  const db::Value p[] = {
      I(cr.tenant_id),  I(cr.id), S(ChannelName(ch)),           S(target), S(name),
      S(subject),       S(body),  S(done ? "sent" : "pending"), I(now),    I(now),
      I(done ? now : 0)};
  return c.Exec(
      "INSERT INTO report_notifications (tenant_id, critical_id, channel, target, recipient_name,"
      " subject, body, status, created_us, next_attempt_us, sent_us) VALUES"
      " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      p);
}

}  // namespace

Result<CriticalResult> SqlCritical::Record(const Actor& actor, int64_t report_id,
                                           const CriticalInput& in) {
  if (!actor.InReadingCentre() || actor.system) return NotVisible();
  DOKUEI_ASSIGN_OR_RETURN(const Report head, reports_.ReadReport(report_id));
  DOKUEI_ASSIGN_OR_RETURN(const RequestInfo req, ctx_.requests.Get(head.request_id));
  if (actor.user_id == 0 ||
      (actor.user_id != req.reader_id && actor.user_id != req.second_reader_id)) {
    return base::PermissionDenied(
        "the request's reader or second reader reports a critical result");
  }
  const int cat = static_cast<int>(in.category);
  if (cat < 1 || cat > 3) return base::InvalidArgument("category must be 1, 2 or 3", "category");
  if (in.finding.empty() || in.finding.size() > 2000) {
    return base::InvalidArgument("the finding must have 1 to 2000 characters", "finding");
  }
  HospitalContacts contacts;
  if (ctx_.options.contacts) {
    DOKUEI_ASSIGN_OR_RETURN(contacts, ctx_.options.contacts->For(head.tenant_id));
  }
  const base::Timestamp now = ctx_.clock.Now();
  CriticalResult cr;
  cr.report_id = report_id;
  cr.tenant_id = head.tenant_id;
  cr.category = in.category;
  cr.finding = in.finding;
  cr.reported_by = actor.user_id;
  cr.reported_by_login = actor.subject;
  cr.notified_at = now;
  cr.ack_deadline = now + ctx_.options.ack_windows[static_cast<size_t>(in.category) - 1];
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    const db::Value p[] = {I(report_id),     I(head.tenant_id), I(cat),     S(in.finding),
                           I(actor.user_id), S(actor.subject),  I(Us(now)), I(Us(cr.ack_deadline))};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO report_critical (report_id, tenant_id, category, finding,"
               " reported_by, reported_by_login, notified_us, deadline_us) VALUES"
               " (?, ?, ?, ?, ?, ?, ?, ?)",
               p));
    DOKUEI_ASSIGN_OR_RETURN(cr.id, db::LastInsertId(c));
    const CriticalTexts t = MakeCriticalTexts(cr, head, ctx_.options.lang);
    int count = 1;
    DOKUEI_RETURN_IF_ERROR(InsertNotification(c, cr, Channel::kApp, "hospital", "", t.subject,
                                              t.app_body, true, Us(now)));
    if (ctx_.options.mail) {
      for (const ContactPoint& cp : contacts.contacts) {
        if (cp.email.empty()) continue;
        DOKUEI_RETURN_IF_ERROR(InsertNotification(c, cr, Channel::kEmail, cp.email, cp.name,
                                                  t.subject, t.mail_body, false, Us(now)));
        ++count;
      }
    }
    if (ctx_.options.webhooks) {
      for (const Webhook& w : contacts.webhooks) {
        DOKUEI_RETURN_IF_ERROR(InsertNotification(c, cr, Channel::kWebhook, w.url, "", t.subject,
                                                  t.webhook_json, false, Us(now)));
        ++count;
      }
    }
    return Audit(
        ctx_, c,
        MakeEvent(actor, head, "critical",
                  "critical result " + std::to_string(cr.id) + ", category " + std::to_string(cat) +
                      ", " + std::to_string(count) + " notifications, acknowledge by " +
                      base::FormatIso8601(cr.ack_deadline)));
  }));
  return cr;
}

Result<CriticalResult> SqlCritical::Acknowledge(const Actor& actor, int64_t critical_id,
                                                const AckInput& in) {
  DOKUEI_ASSIGN_OR_RETURN(const auto found, Load("id", critical_id));
  if (found.empty()) return NotVisible();
  const CriticalResult& cr = found[0];
  DOKUEI_ASSIGN_OR_RETURN(const Report head, reports_.ReadReport(cr.report_id));
  const bool staff = !actor.InReadingCentre() && actor.tenant_id == cr.tenant_id &&
                     actor.Has(identity::Role::kHospitalStaff);
  if (!staff) {
    if (!IsCoordinatorOrAdmin(actor) || actor.system) return NotVisible();
    if (in.person.empty()) {
      return base::InvalidArgument("a coordinator records who at the hospital was told", "person");
    }
  }
  const int64_t now = Us(ctx_.clock.Now());
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    int64_t ack = 0;
    const db::Value q[] = {I(critical_id)};
    DOKUEI_RETURN_IF_ERROR(c.Query(ForUpdate(c, "SELECT ack_us FROM report_critical WHERE id = ?"),
                                   q, [&](const Row& r) {
                                     ack = r.Int(0);
                                     return Status::Ok();
                                   }));
    if (ack != 0) return base::FailedPrecondition("the critical result is already acknowledged");
    const db::Value p[] = {I(actor.user_id), S(actor.subject), S(in.person),
                           S(in.note),       I(now),           I(critical_id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("UPDATE report_critical SET ack_user_id = ?, ack_login = ?, ack_person = ?,"
               " ack_note = ?, ack_us = ? WHERE id = ?",
               p));
    return Audit(ctx_, c,
                 MakeEvent(actor, head, "critical_ack",
                           "critical result " + std::to_string(critical_id) + " acknowledged" +
                               (in.person.empty() ? "" : " (told: " + in.person + ")")));
  }));
  DOKUEI_ASSIGN_OR_RETURN(auto out, Load("id", critical_id));
  return out.at(0);
}

Result<TickResult> SqlCritical::Tick() {
  TickResult out;
  const int64_t now = Us(ctx_.clock.Now());
  std::vector<Notification> due;
  std::vector<CriticalResult> missed;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    const db::Value p[] = {I(now)};
    DOKUEI_RETURN_IF_ERROR(c.Query(std::string(kNotificationCols) +
                                       " WHERE status = 'pending' AND next_attempt_us <= ?"
                                       " ORDER BY next_attempt_us, id LIMIT 100",
                                   p, [&](const Row& r) {
                                     due.push_back(NotificationFromRow(r));
                                     return Status::Ok();
                                   }));
    return c.Query(std::string(kCriticalCols) +
                       " WHERE ack_us = 0 AND escalated_us = 0 AND deadline_us <= ? ORDER BY id",
                   p, [&](const Row& r) {
                     missed.push_back(CriticalFromRow(r));
                     return Status::Ok();
                   });
  }));
  for (const Notification& n : due) {
    DOKUEI_ASSIGN_OR_RETURN(const bool mine, Claim(n));
    if (mine) DOKUEI_RETURN_IF_ERROR(Deliver(n, out));
  }
  for (const CriticalResult& cr : missed) DOKUEI_RETURN_IF_ERROR(Escalate(cr, out));
  return out;
}

// Takes a due notification for this sender: moves its next attempt a lease ahead, unless another
// server (or thread) already did. A sender that dies mid-send leaves it to be retried when the
// lease ends; delivery is at least once.
Result<bool> SqlCritical::Claim(const Notification& n) {
  bool mine = false;
  const int64_t now = Us(ctx_.clock.Now());
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    mine = false;
    std::string status;
    int64_t next = -1;
    const db::Value q[] = {I(n.id)};
    DOKUEI_RETURN_IF_ERROR(c.Query(
        ForUpdate(c, "SELECT status, next_attempt_us FROM report_notifications WHERE id = ?"), q,
        [&](const Row& r) {
          status = std::string(r.Str(0));
          next = r.Int(1);
          return Status::Ok();
        }));
    if (status != "pending" || next != Us(n.next_attempt_at)) return Status::Ok();
    const db::Value p[] = {I(now + kSendLease.count()), I(n.id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("UPDATE report_notifications SET next_attempt_us = ? WHERE id = ?", p));
    mine = true;
    return Status::Ok();
  }));
  return mine;
}

Status SqlCritical::Deliver(const Notification& n, TickResult& out) {
  Status sent = base::Unavailable("channel not configured");
  if (n.channel == Channel::kEmail && ctx_.options.mail) {
    sent = ctx_.options.mail->Send(Mail{n.target, n.subject, n.body});
  } else if (n.channel == Channel::kWebhook && ctx_.options.webhooks && ctx_.options.contacts) {
    auto contacts = ctx_.options.contacts->For(n.tenant_id);
    if (!contacts.ok()) {
      sent = contacts.status();
    } else {
      const auto& hooks = contacts->webhooks;
      const auto it = std::find_if(hooks.begin(), hooks.end(),
                                   [&](const Webhook& w) { return w.url == n.target; });
      sent = it == hooks.end() ? base::NotFound("the webhook is no longer configured")
                               : ctx_.options.webhooks->Post(*it, n.body, ctx_.clock.Now());
    }
  }
  const base::Timestamp now = ctx_.clock.Now();
  const int attempts = n.attempts + 1;
  const bool failed = !sent.ok() && attempts >= ctx_.options.max_attempts;
  const std::string status = sent.ok() ? "sent" : failed ? "failed" : "pending";
  if (sent.ok()) {
    ++out.sent;
  } else if (failed) {
    ++out.failed;
  } else {
    ++out.retried;
  }
  DOKUEI_ASSIGN_OR_RETURN(const Report head, [&]() -> Result<Report> {
    Report r;
    DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
      int64_t report_id = 0;
      const db::Value p[] = {I(n.critical_id)};
      DOKUEI_RETURN_IF_ERROR(
          c.Query("SELECT report_id FROM report_critical WHERE id = ?", p, [&](const Row& row) {
            report_id = row.Int(0);
            return Status::Ok();
          }));
      DOKUEI_ASSIGN_OR_RETURN(r, LoadReport(c, report_id));
      return Status::Ok();
    }));
    return r;
  }());
  return ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    const db::Value p[] = {S(status),
                           I(attempts),
                           I(sent.ok() ? 0 : base::ToUnixMicros(now + Backoff(attempts))),
                           I(sent.ok() ? base::ToUnixMicros(now) : 0),
                           S(sent.ok() ? "" : sent.message()),
                           I(n.id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("UPDATE report_notifications SET status = ?, attempts = ?, next_attempt_us = ?,"
               " sent_us = ?, last_error = ? WHERE id = ? AND status = 'pending'",
               p));
    audit::Event e =
        MakeEvent(SystemActor(), head, "notify",
                  std::string(ChannelName(n.channel)) + " notification " + std::to_string(n.id) +
                      " " + status + " (attempt " + std::to_string(attempts) + ")" +
                      (sent.ok() ? "" : ": " + sent.message()));
    if (!sent.ok())
      e.outcome = failed ? audit::Outcome::kSeriousFailure : audit::Outcome::kMinorFailure;
    return Audit(ctx_, c, e);
  });
}

Status SqlCritical::Escalate(const CriticalResult& cr, TickResult& out) {
  const int64_t now = Us(ctx_.clock.Now());
  return ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    int64_t escalated = 0, ack = 0;
    const db::Value q[] = {I(cr.id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Query(ForUpdate(c, "SELECT escalated_us, ack_us FROM report_critical WHERE id = ?"), q,
                [&](const Row& r) {
                  escalated = r.Int(0);
                  ack = r.Int(1);
                  return Status::Ok();
                }));
    if (escalated != 0 || ack != 0) return Status::Ok();  // acknowledged or escalated meanwhile
    const db::Value p[] = {I(now), I(cr.id)};
    DOKUEI_RETURN_IF_ERROR(c.Exec("UPDATE report_critical SET escalated_us = ? WHERE id = ?", p));
    const std::string detail = "critical result " + std::to_string(cr.id) + " (category " +
                               std::to_string(static_cast<int>(cr.category)) +
                               ") not acknowledged by " + base::FormatIso8601(cr.ack_deadline) +
                               ": call the hospital";
    const db::Value e[] = {I(cr.id), I(cr.report_id),        I(cr.tenant_id),
                           I(now),   I(Us(cr.ack_deadline)), S(detail)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO report_escalations (critical_id, report_id, tenant_id, at_us,"
               " deadline_us, detail) VALUES (?, ?, ?, ?, ?, ?)",
               e));
    DOKUEI_ASSIGN_OR_RETURN(const Report head, LoadReport(c, cr.report_id));
    ++out.escalated;
    return Audit(ctx_, c, MakeEvent(SystemActor(), head, "critical_escalate", detail));
  });
}

Result<std::vector<CriticalResult>> SqlCritical::ForReport(const Actor& actor, int64_t report_id) {
  DOKUEI_ASSIGN_OR_RETURN(Report r, reports_.ReadReport(report_id));
  DOKUEI_RETURN_IF_ERROR(reports_.Visible(actor, std::move(r)).status());
  return Load("report_id", report_id);
}

Result<std::vector<Notification>> SqlCritical::Notifications(const Actor& actor,
                                                             int64_t critical_id) {
  DOKUEI_ASSIGN_OR_RETURN(const auto found, Load("id", critical_id));
  if (found.empty()) return NotVisible();
  DOKUEI_ASSIGN_OR_RETURN(Report r, reports_.ReadReport(found[0].report_id));
  DOKUEI_RETURN_IF_ERROR(reports_.Visible(actor, std::move(r)).status());
  std::vector<Notification> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    const db::Value p[] = {I(critical_id)};
    return c.Query(std::string(kNotificationCols) + " WHERE critical_id = ? ORDER BY id", p,
                   [&](const Row& r) {
                     out.push_back(NotificationFromRow(r));
                     return Status::Ok();
                   });
  }));
  return out;
}

Result<std::vector<CriticalEscalation>> SqlCritical::Escalations(const Actor& actor) {
  if (!IsCoordinatorOrAdmin(actor)) return base::PermissionDenied("coordinators only");
  std::vector<CriticalEscalation> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    return c.Query(
        "SELECT id, critical_id, report_id, tenant_id, at_us, deadline_us, detail"
        " FROM report_escalations ORDER BY id DESC LIMIT 1000",
        {}, [&](const Row& r) {
          CriticalEscalation e;
          e.id = r.Int(0);
          e.critical_id = r.Int(1);
          e.report_id = r.Int(2);
          e.tenant_id = r.Int(3);
          e.at = base::FromUnixMicros(r.Int(4));
          e.deadline = base::FromUnixMicros(r.Int(5));
          e.detail = std::string(r.Str(6));
          out.push_back(std::move(e));
          return Status::Ok();
        });
  }));
  return out;
}

Result<std::vector<CriticalListItem>> SqlCritical::List(const Actor& actor, CriticalState state) {
  // Who sees what: the scope is a WHERE clause, so nothing outside it is ever read.
  std::string where;
  std::vector<db::Value> p;
  if (IsCoordinatorOrAdmin(actor)) {
    where = "1 = 1";
  } else if (!actor.InReadingCentre() && actor.Has(identity::Role::kHospitalStaff)) {
    where = "c.tenant_id = ?";
    p.push_back(I(actor.tenant_id));
  } else if (actor.InReadingCentre() && actor.user_id != 0) {
    where = "c.reported_by = ?";
    p.push_back(I(actor.user_id));
  } else {
    return std::vector<CriticalListItem>{};
  }
  const int64_t now = Us(ctx_.clock.Now());
  switch (state) {
    case CriticalState::kAny:
      break;
    case CriticalState::kOpen:
      where += " AND c.ack_us = 0 AND c.deadline_us > ?";
      p.push_back(I(now));
      break;
    case CriticalState::kOverdue:
      where += " AND c.ack_us = 0 AND c.deadline_us <= ?";
      p.push_back(I(now));
      break;
    case CriticalState::kAcknowledged:
      where += " AND c.ack_us <> 0";
      break;
  }
  std::vector<CriticalListItem> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    return c.Query(
        "SELECT c.id, c.report_id, c.tenant_id, c.category, c.finding, c.reported_by,"
        " c.reported_by_login, c.notified_us, c.deadline_us, c.ack_user_id, c.ack_login,"
        " c.ack_person, c.ack_note, c.ack_us, c.escalated_us, r.request_id, r.study_uid"
        " FROM report_critical c JOIN report_reports r ON r.id = c.report_id WHERE " +
            where + " ORDER BY c.deadline_us, c.id LIMIT 1000",
        p, [&](const Row& r) {
          CriticalListItem item;
          item.result = CriticalFromRow(r);
          item.request_id = r.Int(15);
          item.study_uid = std::string(r.Str(16));
          out.push_back(std::move(item));
          return Status::Ok();
        });
  }));
  return out;
}

Result<std::vector<CriticalResult>> SqlCritical::Load(const std::string& where, int64_t id) {
  std::vector<CriticalResult> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    const db::Value p[] = {I(id)};
    return c.Query(std::string(kCriticalCols) + " WHERE " + where + " = ? ORDER BY id", p,
                   [&](const Row& r) {
                     out.push_back(CriticalFromRow(r));
                     return Status::Ok();
                   });
  }));
  return out;
}

}  // namespace dokuei::report::internal
