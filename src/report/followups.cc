// Follow-up questions (アフターフォロー): a thread per question on a released report, routed to
// the original reader or, when absent, the covering reader the caller's CoveringReader names.
#include "followups.h"

namespace dokuei::report::internal {

using base::Result;
using base::Status;
using db::Conn;
using db::Row;

namespace {

constexpr size_t kMaxText = 4000;

Status CheckText(const std::string& text) {
  if (text.empty() || text.size() > kMaxText) {
    return base::InvalidArgument("the text must have 1 to 4000 characters", "text");
  }
  return Status::Ok();
}

bool IsStaffOf(const Actor& a, int64_t tenant) {
  return !a.InReadingCentre() && a.tenant_id == tenant && a.Has(identity::Role::kHospitalStaff);
}

}  // namespace

Result<Question> SqlFollowUps::Ask(const Actor& actor, int64_t report_id, std::string text) {
  DOKUEI_ASSIGN_OR_RETURN(Report r, reports_.ReadReport(report_id));
  if (!IsStaffOf(actor, r.tenant_id)) return NotVisible();
  DOKUEI_ASSIGN_OR_RETURN(const Report seen, reports_.Visible(actor, r));  // released only
  DOKUEI_RETURN_IF_ERROR(CheckText(text));
  const int64_t original = r.reader_id;
  int64_t routed = original;
  if (ctx_.options.covering) {
    DOKUEI_ASSIGN_OR_RETURN(routed, ctx_.options.covering(original, r.tenant_id));
    if (routed == 0) routed = original;
  }
  const int64_t now = Us(ctx_.clock.Now());
  int64_t id = 0;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    const db::Value p[] = {
        I(report_id), I(r.tenant_id), I(actor.user_id), I(routed), I(routed != original ? 1 : 0),
        I(now)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO report_questions (report_id, tenant_id, asked_by, routed_to,"
               " covering, asked_us) VALUES (?, ?, ?, ?, ?, ?)",
               p));
    DOKUEI_ASSIGN_OR_RETURN(id, db::LastInsertId(c));
    const db::Value m[] = {I(id), I(actor.user_id), S(actor.subject), S(text), I(now)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO report_messages (question_id, author_id, author_login, from_centre,"
               " text, at_us) VALUES (?, ?, ?, 0, ?, ?)",
               m));
    return Audit(
        ctx_, c,
        MakeEvent(actor, r, "question",
                  "question " + std::to_string(id) + " routed to reader " + std::to_string(routed) +
                      (routed != original ? " (covering)" : " (original reader)")));
  }));
  DOKUEI_ASSIGN_OR_RETURN(auto qs, LoadQuestions("id", id));
  return qs.at(0);
}

Result<Message> SqlFollowUps::Post(const Actor& actor, int64_t question_id, std::string text,
                                   int64_t addendum_version_id) {
  DOKUEI_ASSIGN_OR_RETURN(const auto qs, LoadQuestions("id", question_id));
  if (qs.empty()) return NotVisible();
  const Question& q = qs[0];
  DOKUEI_ASSIGN_OR_RETURN(const Report r, reports_.ReadReport(q.report_id));
  const bool staff = IsStaffOf(actor, q.tenant_id);
  const bool reader = actor.InReadingCentre() && actor.user_id != 0 &&
                      (actor.user_id == q.routed_to || actor.user_id == r.reader_id);
  if (!staff && !reader) return NotVisible();
  DOKUEI_RETURN_IF_ERROR(CheckText(text));
  if (addendum_version_id != 0) {
    const bool ok =
        reader && std::any_of(r.versions.begin(), r.versions.end(), [&](const Version& v) {
          return v.id == addendum_version_id && v.kind == VersionKind::kAddendum && v.signed_;
        });
    if (!ok) {
      return base::InvalidArgument("name a signed addendum of this report", "addendum_version_id");
    }
  }
  const int64_t now = Us(ctx_.clock.Now());
  Message out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    const db::Value m[] = {I(question_id),
                           I(actor.user_id),
                           S(actor.subject),
                           I(reader ? 1 : 0),
                           S(text),
                           I(addendum_version_id),
                           I(now)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO report_messages (question_id, author_id, author_login, from_centre,"
               " text, addendum_version_id, at_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
               m));
    DOKUEI_ASSIGN_OR_RETURN(out.id, db::LastInsertId(c));
    const db::Value u[] = {I(reader ? 1 : 0), I(question_id)};
    DOKUEI_RETURN_IF_ERROR(c.Exec("UPDATE report_questions SET answered = ? WHERE id = ?", u));
    return Audit(ctx_, c,
                 MakeEvent(actor, r, reader ? "answer" : "question_reply",
                           "question " + std::to_string(question_id) +
                               (addendum_version_id
                                    ? ", addendum version " + std::to_string(addendum_version_id)
                                    : std::string())));
  }));
  out.question_id = question_id;
  out.author_id = actor.user_id;
  out.author_login = actor.subject;
  out.from_reading_centre = reader;
  out.text = std::move(text);
  out.addendum_version_id = addendum_version_id;
  out.at = base::FromUnixMicros(now);
  return out;
}

Result<std::vector<Question>> SqlFollowUps::Thread(const Actor& actor, int64_t report_id) {
  DOKUEI_ASSIGN_OR_RETURN(Report r, reports_.ReadReport(report_id));
  DOKUEI_ASSIGN_OR_RETURN(auto qs, LoadQuestions("report_id", report_id));
  const bool routed =
      actor.InReadingCentre() && std::any_of(qs.begin(), qs.end(), [&](const Question& q) {
        return actor.user_id != 0 && q.routed_to == actor.user_id;
      });
  if (!routed) DOKUEI_RETURN_IF_ERROR(reports_.Visible(actor, std::move(r)).status());
  return qs;
}

Result<std::vector<Question>> SqlFollowUps::Inbox(const Actor& actor) {
  if (!actor.InReadingCentre() || actor.user_id == 0) return std::vector<Question>{};
  DOKUEI_ASSIGN_OR_RETURN(auto qs, LoadQuestions("routed_to", actor.user_id));
  std::erase_if(qs, [](const Question& q) { return q.answered; });
  return qs;
}

Result<std::vector<Question>> SqlFollowUps::LoadQuestions(const std::string& where, int64_t id) {
  std::vector<Question> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    const db::Value p[] = {I(id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT id, report_id, tenant_id, asked_by, routed_to, covering, answered, asked_us"
                " FROM report_questions WHERE " +
                    where + " = ? ORDER BY id",
                p, [&](const Row& r) {
                  Question q;
                  q.id = r.Int(0);
                  q.report_id = r.Int(1);
                  q.tenant_id = r.Int(2);
                  q.asked_by = r.Int(3);
                  q.routed_to = r.Int(4);
                  q.covering = r.Int(5) != 0;
                  q.answered = r.Int(6) != 0;
                  q.asked_at = base::FromUnixMicros(r.Int(7));
                  out.push_back(std::move(q));
                  return Status::Ok();
                }));
    for (Question& q : out) {
      const db::Value m[] = {I(q.id)};
      DOKUEI_RETURN_IF_ERROR(c.Query(
          "SELECT id, author_id, author_login, from_centre, text, addendum_version_id, at_us"
          " FROM report_messages WHERE question_id = ? ORDER BY id",
          m, [&](const Row& r) {
            Message msg;
            msg.id = r.Int(0);
            msg.question_id = q.id;
            msg.author_id = r.Int(1);
            msg.author_login = std::string(r.Str(2));
            msg.from_reading_centre = r.Int(3) != 0;
            msg.text = std::string(r.Str(4));
            msg.addendum_version_id = r.Int(5);
            msg.at = base::FromUnixMicros(r.Int(6));
            q.messages.push_back(std::move(msg));
            return Status::Ok();
          }));
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace dokuei::report::internal
