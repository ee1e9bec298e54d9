// Double reading with RADPEER scores and their resolution, the report check (校閲), and
// per-reader statistics.
#include "quality.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "dokuei/report/content.h"

namespace dokuei::report::internal {

using base::Result;
using base::Status;
using db::Conn;
using db::Row;

namespace {

constexpr const char* kReviewCols =
    "SELECT id, report_id, version_id, reviewer_id, reviewee_id, mode, score, content,"
    " differences, comment, at_us, resolution, resolution_note, resolved_by,"
    " resolution_version_id, resolved_us, returned FROM report_reviews";

PeerReview ReviewFromRow(const Row& r) {
  PeerReview p;
  p.id = r.Int(0);
  p.report_id = r.Int(1);
  p.version_id = r.Int(2);
  p.reviewer_id = r.Int(3);
  p.reviewee_id = r.Int(4);
  p.mode = ReviewModeFromName(r.Str(5)).value_or(ReviewMode::kReview);
  p.score = RadpeerFromName(r.Str(6)).value_or(Radpeer::k1);
  p.content = std::string(r.Str(7));
  const auto diffs = nlohmann::json::parse(r.Str(8), nullptr, false);
  if (diffs.is_array()) {
    for (const auto& d : diffs) {
      if (d.is_string()) p.differences.push_back(d.get<std::string>());
    }
  }
  p.comment = std::string(r.Str(9));
  p.at = base::FromUnixMicros(r.Int(10));
  p.resolution = ResolutionFromName(r.Str(11)).value_or(Resolution::kNone);
  p.resolution_note = std::string(r.Str(12));
  p.resolved_by = r.Int(13);
  p.resolution_version_id = r.Int(14);
  p.resolved_at = OptTime(r.Int(15));
  p.returned = r.Int(16) != 0;
  return p;
}

// Reading-centre people only; outsiders cannot tell the report exists.
Status CentreOnly(const Actor& a) {
  if (!a.InReadingCentre() && !a.system) return NotVisible();
  return Status::Ok();
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t idx = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

}  // namespace

Result<PeerReview> SqlQuality::Review(const Actor& actor, int64_t version_id,
                                      const ReviewInput& in) {
  DOKUEI_RETURN_IF_ERROR(CentreOnly(actor));
  DOKUEI_ASSIGN_OR_RETURN(const Version v, reports_.Fetch(version_id));
  DOKUEI_ASSIGN_OR_RETURN(const Report head, reports_.ReadReport(v.report_id));
  DOKUEI_ASSIGN_OR_RETURN(const RequestInfo req, ctx_.requests.Get(head.request_id));
  if (actor.user_id == 0 || actor.user_id != req.second_reader_id) {
    return base::PermissionDenied("only the request's second reader scores its report");
  }
  if (actor.user_id == v.signer_id) {
    return base::PermissionDenied("a reader does not review their own report");
  }
  if (!v.signed_) return base::FailedPrecondition("only a signed version can be reviewed");
  if ((IsDiscrepancy(in.score) || in.return_to_reader) && in.comment.empty()) {
    return base::InvalidArgument("a discrepancy needs a comment", "comment");
  }
  std::string content;
  std::vector<std::string> diffs;
  if (in.mode == ReviewMode::kIndependent) {
    if (in.content.empty()) {
      return base::InvalidArgument("an independent read needs the second reader's report",
                                   "content");
    }
    DOKUEI_ASSIGN_OR_RETURN(content, ValidateContent(in.content, FrameCheck::kDraft));
    diffs = CompareContent(v.content, content);
  }
  const int64_t now = Us(ctx_.clock.Now());
  int64_t id = 0;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_RETURN_IF_ERROR(LockReport(c, v.report_id));
    bool exists = false;
    const db::Value q[] = {I(version_id), I(actor.user_id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT 1 FROM report_reviews WHERE version_id = ? AND reviewer_id = ?", q,
                [&](const Row&) {
                  exists = true;
                  return Status::Ok();
                }));
    if (exists) return Status(base::Code::kAlreadyExists, "this version is already scored");
    if (in.return_to_reader) {
      DOKUEI_ASSIGN_OR_RETURN(const Version cur, LoadVersion(c, version_id));
      if (cur.release != Release::kAwaitingSecondRead) {
        return base::FailedPrecondition("only a version awaiting its second read can be returned");
      }
    }
    const db::Value p[] = {I(v.report_id),
                           I(version_id),
                           I(actor.user_id),
                           I(v.signer_id),
                           S(ReviewModeName(in.mode)),
                           S(RadpeerName(in.score)),
                           S(content),
                           S(nlohmann::json(diffs).dump()),
                           S(in.comment),
                           I(in.return_to_reader ? 1 : 0),
                           I(now)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO report_reviews (report_id, version_id, reviewer_id, reviewee_id,"
               " mode, score, content, differences, comment, returned, at_us) VALUES"
               " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               p));
    DOKUEI_ASSIGN_OR_RETURN(id, db::LastInsertId(c));
    return Audit(ctx_, c,
                 MakeEvent(actor, head, "peer_review",
                           "version " + std::to_string(v.number) + " " +
                               std::string(ReviewModeName(in.mode)) + ", RADPEER " +
                               std::string(RadpeerName(in.score)) + ", " +
                               std::to_string(diffs.size()) + " differing fields" +
                               (in.return_to_reader ? ", returned to the first reader" : "")));
  }));
  DOKUEI_ASSIGN_OR_RETURN(auto out, LoadReviews("id", id));
  return out.at(0);
}

Result<PeerReview> SqlQuality::Resolve(const Actor& actor, int64_t review_id,
                                       const ResolveInput& in) {
  DOKUEI_RETURN_IF_ERROR(CentreOnly(actor));
  DOKUEI_ASSIGN_OR_RETURN(const auto found, LoadReviews("id", review_id));
  if (found.empty()) return NotVisible();
  const PeerReview& rv = found[0];
  if (!IsCoordinatorOrAdmin(actor) && actor.user_id != rv.reviewer_id &&
      actor.user_id != rv.reviewee_id) {
    return base::PermissionDenied("the two readers or a coordinator resolve a discrepancy");
  }
  if (in.resolution == Resolution::kNone) {
    return base::InvalidArgument("a resolution is required", "resolution");
  }
  DOKUEI_ASSIGN_OR_RETURN(const Report head, reports_.ReadReport(rv.report_id));
  if (in.resolution == Resolution::kAmended) {
    const Version* reviewed = nullptr;
    const Version* later = nullptr;
    for (const Version& v : head.versions) {
      if (v.id == rv.version_id) reviewed = &v;
      if (v.id == in.version_id) later = &v;
    }
    if (!reviewed || !later || !later->signed_ || later->number <= reviewed->number) {
      return base::InvalidArgument("amended: name the later signed version of this report",
                                   "version_id");
    }
  }
  const int64_t now = Us(ctx_.clock.Now());
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    int64_t resolved = 0;
    const db::Value q[] = {I(review_id)};
    DOKUEI_RETURN_IF_ERROR(c.Query(
        ForUpdate(c, "SELECT resolved_us FROM report_reviews WHERE id = ?"), q, [&](const Row& r) {
          resolved = r.Int(0);
          return Status::Ok();
        }));
    if (resolved != 0) return base::FailedPrecondition("the discrepancy is already resolved");
    const db::Value p[] = {S(ResolutionName(in.resolution)),
                           S(in.note),
                           I(actor.user_id),
                           I(in.version_id),
                           I(now),
                           I(review_id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("UPDATE report_reviews SET resolution = ?, resolution_note = ?, resolved_by = ?,"
               " resolution_version_id = ?, resolved_us = ? WHERE id = ?",
               p));
    return Audit(ctx_, c,
                 MakeEvent(actor, head, "review_resolve",
                           "review " + std::to_string(review_id) +
                               " resolved: " + std::string(ResolutionName(in.resolution))));
  }));
  DOKUEI_ASSIGN_OR_RETURN(auto out, LoadReviews("id", review_id));
  return out.at(0);
}

Result<CheckRecord> SqlQuality::Check(const Actor& actor, int64_t version_id,
                                      const CheckInput& in) {
  DOKUEI_RETURN_IF_ERROR(CentreOnly(actor));
  DOKUEI_ASSIGN_OR_RETURN(const Version v, reports_.Fetch(version_id));
  DOKUEI_ASSIGN_OR_RETURN(const Report head, reports_.ReadReport(v.report_id));
  DOKUEI_ASSIGN_OR_RETURN(const RequestInfo req, ctx_.requests.Get(head.request_id));
  if (actor.user_id == 0 || actor.user_id != req.checker_id) {
    return base::PermissionDenied("only the request's checker checks its report");
  }
  if (actor.user_id == v.signer_id) {
    return base::PermissionDenied("a reader does not check their own report");
  }
  if (!in.approve && in.comments.empty()) {
    return base::InvalidArgument("returning a report needs comments", "comments");
  }
  const int64_t now = Us(ctx_.clock.Now());
  CheckRecord out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_RETURN_IF_ERROR(LockReport(c, v.report_id));
    DOKUEI_ASSIGN_OR_RETURN(const Version cur, LoadVersion(c, version_id));
    if (cur.release != Release::kAwaitingCheck) {
      return base::FailedPrecondition("version " + std::to_string(cur.number) + " is " +
                                      std::string(ReleaseName(cur.release)) +
                                      ", not awaiting its check");
    }
    const db::Value p[] = {I(v.report_id),        I(version_id),  I(actor.user_id),
                           I(in.approve ? 1 : 0), S(in.comments), I(now)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO report_checks (report_id, version_id, checker_id, approved, comments,"
               " at_us) VALUES (?, ?, ?, ?, ?, ?)",
               p));
    DOKUEI_ASSIGN_OR_RETURN(out.id, db::LastInsertId(c));
    return Audit(ctx_, c,
                 MakeEvent(actor, head, in.approve ? "check_approve" : "check_return",
                           "version " + std::to_string(cur.number) +
                               (in.approve ? " approved (released)" : " returned")));
  }));
  out.report_id = v.report_id;
  out.version_id = version_id;
  out.checker_id = actor.user_id;
  out.approved = in.approve;
  out.comments = in.comments;
  out.at = base::FromUnixMicros(now);
  return out;
}

Result<std::vector<PeerReview>> SqlQuality::Reviews(const Actor& actor, int64_t report_id) {
  DOKUEI_RETURN_IF_ERROR(CentreOnly(actor));
  DOKUEI_ASSIGN_OR_RETURN(Report r, reports_.ReadReport(report_id));
  DOKUEI_RETURN_IF_ERROR(reports_.Visible(actor, std::move(r)).status());
  return LoadReviews("report_id", report_id);
}

Result<std::vector<CheckRecord>> SqlQuality::Checks(const Actor& actor, int64_t report_id) {
  DOKUEI_RETURN_IF_ERROR(CentreOnly(actor));
  DOKUEI_ASSIGN_OR_RETURN(Report r, reports_.ReadReport(report_id));
  DOKUEI_RETURN_IF_ERROR(reports_.Visible(actor, std::move(r)).status());
  std::vector<CheckRecord> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    const db::Value p[] = {I(report_id)};
    return c.Query(
        "SELECT id, version_id, checker_id, approved, comments, at_us FROM report_checks"
        " WHERE report_id = ? ORDER BY id",
        p, [&](const Row& r) {
          CheckRecord k;
          k.id = r.Int(0);
          k.report_id = report_id;
          k.version_id = r.Int(1);
          k.checker_id = r.Int(2);
          k.approved = r.Int(3) != 0;
          k.comments = std::string(r.Str(4));
          k.at = base::FromUnixMicros(r.Int(5));
          out.push_back(std::move(k));
          return Status::Ok();
        });
  }));
  return out;
}

Result<std::vector<PeerReview>> SqlQuality::LoadReviews(const std::string& where, int64_t id) {
  std::vector<PeerReview> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    const db::Value p[] = {I(id)};
    return c.Query(std::string(kReviewCols) + " WHERE " + where + " = ? ORDER BY id", p,
                   [&](const Row& r) {
                     out.push_back(ReviewFromRow(r));
                     return Status::Ok();
                   });
  }));
  return out;
}

Result<std::vector<ReaderStats>> SqlQuality::Stats(const Actor& actor, const StatsQuery& q) {
  int64_t only = q.reader_id;
  if (!IsCoordinatorOrAdmin(actor)) {
    if (!actor.InReadingCentre() || actor.user_id == 0) return NotVisible();
    if (only != 0 && only != actor.user_id) {
      return base::PermissionDenied("a reader sees their own statistics only");
    }
    only = actor.user_id;
  }
  std::map<int64_t, ReaderStats> by;
  std::map<int64_t, std::vector<double>> tat;
  auto at = [&](int64_t reader) -> ReaderStats& {
    ReaderStats& s = by[reader];
    s.reader_id = reader;
    return s;
  };
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    const db::Value p[] = {I(Us(q.from)), I(Us(q.to))};
    // First final signature of each report.
    DOKUEI_RETURN_IF_ERROR(c.Query(
        "SELECT v.signer_id, v.signed_us, v.assigned_us FROM report_versions v"
        " WHERE v.kind = 'final' AND v.signed_us >= ? AND v.signed_us < ? AND v.signed_us <> 0"
        " AND NOT EXISTS (SELECT 1 FROM report_versions w WHERE w.report_id = v.report_id"
        " AND w.kind = 'final' AND w.signed_us <> 0 AND w.number < v.number)",
        p, [&](const Row& r) {
          ReaderStats& s = at(r.Int(0));
          ++s.reports;
          if (r.Int(2) != 0 && r.Int(1) >= r.Int(2)) {
            tat[s.reader_id].push_back(static_cast<double>(r.Int(1) - r.Int(2)) / 1e6);
          }
          return Status::Ok();
        }));
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT signer_id FROM report_versions WHERE kind = 'addendum' AND signed_us >= ?"
                " AND signed_us < ? AND signed_us <> 0",
                p, [&](const Row& r) {
                  ++at(r.Int(0)).addenda;
                  return Status::Ok();
                }));
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT reviewee_id, reviewer_id, score FROM report_reviews WHERE at_us >= ?"
                " AND at_us < ?",
                p, [&](const Row& r) {
                  ReaderStats& s = at(r.Int(0));
                  ++s.reviewed;
                  const Radpeer score = RadpeerFromName(r.Str(2)).value_or(Radpeer::k1);
                  ++s.score_counts[static_cast<int>(score)];
                  ++at(r.Int(1)).reviews_given;
                  return Status::Ok();
                }));
    return c.Query(
        "SELECT v.signer_id FROM report_checks k JOIN report_versions v ON v.id = k.version_id"
        " WHERE k.approved = 0 AND k.at_us >= ? AND k.at_us < ?",
        p, [&](const Row& r) {
          ++at(r.Int(0)).checks_returned;
          return Status::Ok();
        });
  }));
  std::vector<ReaderStats> out;
  for (auto& [id, s] : by) {
    if (only != 0 && id != only) continue;
    const auto& t = tat[id];
    s.turnaround_count = static_cast<int64_t>(t.size());
    if (!t.empty()) {
      double sum = 0;
      for (double x : t) sum += x;
      s.turnaround_mean_s = sum / static_cast<double>(t.size());
      s.turnaround_median_s = Percentile(t, 0.5);
      s.turnaround_p90_s = Percentile(t, 0.9);
    }
    if (s.reviewed > 0) {
      const int64_t disc = s.reviewed - s.score_counts[0];
      const int64_t sig = s.score_counts[static_cast<int>(Radpeer::k2b)] +
                          s.score_counts[static_cast<int>(Radpeer::k3b)];
      s.discrepancy_rate = static_cast<double>(disc) / static_cast<double>(s.reviewed);
      s.significant_rate = static_cast<double>(sig) / static_cast<double>(s.reviewed);
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace dokuei::report::internal
