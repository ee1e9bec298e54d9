// Reports: drafts, signatures, addenda, reading with access rules, signature verification.
#include "reports.h"

#include <nlohmann/json.hpp>

#include "dokuei/base/digest.h"
#include "dokuei/report/content.h"

namespace dokuei::report::internal {

using base::Result;
using base::Status;
using db::Conn;

namespace {

// The actor must be the request's reader (reading centre). Others of the centre are refused;
// anyone outside it cannot tell whether the request exists.
Status MustBeReader(const Actor& a, const RequestInfo& req) {
  if (!a.InReadingCentre() || a.system) return NotVisible();
  if (a.user_id == 0 || a.user_id != req.reader_id || !a.Has(identity::Role::kReader)) {
    return base::PermissionDenied("only the request's reader writes and signs its report");
  }
  return Status::Ok();
}

// "3 pre-sign errors: content.levels[L3-L4]: L3-L4 is not addressed ...; ..." (English: the
// API lists every item in both languages from Checks).
std::string Summary(const std::vector<spine::CheckItem>& items, const char* what) {
  std::string out = std::to_string(items.size()) + " pre-sign " + what + ": ";
  for (size_t i = 0; i < items.size() && i < 3; ++i)
    out += (i ? "; " : "") + items[i].field + ": " + items[i].message.en;
  if (items.size() > 3) out += "; ...";
  return out;
}

const Version* LatestReleasedFinal(const std::vector<Version>& vs) {
  const Version* out = nullptr;
  for (const Version& v : vs) {
    if (v.kind == VersionKind::kFinal && v.release == Release::kReleased) out = &v;
  }
  return out;
}

}  // namespace

Result<Version> SqlReports::SaveDraft(const Actor& actor, int64_t request_id,
                                      const DraftInput& in) {
  DOKUEI_ASSIGN_OR_RETURN(const RequestInfo req, ctx_.requests.Get(request_id));
  DOKUEI_RETURN_IF_ERROR(MustBeReader(actor, req));
  DOKUEI_ASSIGN_OR_RETURN(const std::string content,
                          ValidateContent(in.content, FrameCheck::kDraft));
  const int64_t now = Us(ctx_.clock.Now());
  int64_t version_id = 0;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(std::optional<Report> found, FindReportByRequest(c, request_id));
    if (!found) {
      const db::Value p[] = {I(request_id), I(req.tenant_id), S(req.study_uid), I(now), I(now)};
      DOKUEI_RETURN_IF_ERROR(
          c.Exec("INSERT INTO report_reports (request_id, tenant_id, study_uid, created_us,"
                 " updated_us) VALUES (?, ?, ?, ?, ?)",
                 p));
      DOKUEI_ASSIGN_OR_RETURN(const int64_t id, db::LastInsertId(c));
      DOKUEI_ASSIGN_OR_RETURN(found, LoadReport(c, id));
    }
    const Report& r = *found;
    DOKUEI_RETURN_IF_ERROR(LockReport(c, r.id));
    DOKUEI_ASSIGN_OR_RETURN(const std::vector<Version> vs, LoadVersions(c, r.id));
    const Version* last = vs.empty() ? nullptr : &vs.back();
    const int current = last ? last->number : 0;
    if (in.expected_number && *in.expected_number != current) {
      return base::Conflict("the report changed: version " + std::to_string(current) +
                            " is the latest, not " + std::to_string(*in.expected_number));
    }
    std::string what;
    if (last && !last->signed_) {
      const db::Value p[] = {S(content), I(actor.user_id), I(now), I(last->id)};
      DOKUEI_RETURN_IF_ERROR(
          c.Exec("UPDATE report_versions SET content = ?, author_id = ?, updated_us = ?"
                 " WHERE id = ? AND signed_us = 0",
                 p));
      version_id = last->id;
      what = "draft " + std::to_string(last->number) + " updated";
    } else {
      if (last && (last->release == Release::kAwaitingSecondRead ||
                   last->release == Release::kAwaitingCheck)) {
        return base::FailedPrecondition("version " + std::to_string(last->number) + " is " +
                                        std::string(ReleaseName(last->release)) +
                                        ": no new draft until it is decided");
      }
      const db::Value p[] = {I(r.id), I(current + 1), S(content), I(actor.user_id), I(now), I(now)};
      DOKUEI_RETURN_IF_ERROR(
          c.Exec("INSERT INTO report_versions (report_id, number, kind, content, author_id,"
                 " created_us, updated_us) VALUES (?, ?, 'draft', ?, ?, ?, ?)",
                 p));
      DOKUEI_ASSIGN_OR_RETURN(version_id, db::LastInsertId(c));
      what = "draft " + std::to_string(current + 1) + " started";
    }
    return Audit(ctx_, c, MakeEvent(actor, r, "draft", what));
  }));
  return Fetch(version_id);
}

Result<Version> SqlReports::Sign(const Actor& actor, int64_t report_id, const SignInput& in) {
  DOKUEI_ASSIGN_OR_RETURN(const Report head, ReadReport(report_id));
  DOKUEI_ASSIGN_OR_RETURN(const RequestInfo req, ctx_.requests.Get(head.request_id));
  DOKUEI_RETURN_IF_ERROR(MustBeReader(actor, req));
  const base::Timestamp now = ctx_.clock.Now();
  int64_t version_id = 0;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_RETURN_IF_ERROR(LockReport(c, report_id));
    DOKUEI_ASSIGN_OR_RETURN(const Report r, LoadReport(c, report_id));
    DOKUEI_ASSIGN_OR_RETURN(const std::vector<Version> vs, LoadVersions(c, r.id));
    if (vs.empty() || vs.back().signed_) {
      return base::FailedPrecondition("there is no draft to sign (save a draft first)");
    }
    const Version& draft = vs.back();
    DOKUEI_ASSIGN_OR_RETURN(const std::string content,
                            ValidateContent(draft.content, FrameCheck::kSigning));
    // The anti-miss layer, on the content exactly as it is signed.
    DOKUEI_ASSIGN_OR_RETURN(const spine::CheckResult checks, PreSign(c, r.id, content));
    if (checks.Blocked()) return base::FailedPrecondition(Summary(checks.errors, "errors"));
    std::string override_reason, overridden;
    if (!checks.warnings.empty()) {
      if (in.override_reason.empty())
        return base::FailedPrecondition(Summary(checks.warnings, "warnings") +
                                        " (sign with an override and its reason)");
      nlohmann::json list = nlohmann::json::array();
      for (const spine::CheckItem& w : checks.warnings)
        list.push_back({{"id", w.id}, {"field", w.field}});
      override_reason = in.override_reason;
      overridden = list.dump();
    }
    VersionKind kind = in.final ? VersionKind::kFinal : VersionKind::kPreliminary;
    int64_t amends = 0;
    bool double_reading = in.double_reading, check = in.check_required;
    if (const Version* final_v = LatestReleasedFinal(vs)) {
      if (!in.final) {
        return base::FailedPrecondition("the report is final: only an addendum can follow");
      }
      if (in.reason.empty()) {
        return base::InvalidArgument("an addendum needs a reason", "reason");
      }
      kind = VersionKind::kAddendum;
      amends = final_v->id;
      double_reading = check = false;  // the workflow's addendum -> final needs the reader only
    }
    if (kind == VersionKind::kPreliminary) double_reading = check = false;
    const std::string sha = base::Sha256Hex(content);
    const db::Value p[] = {S(VersionKindName(kind)),
                           S(content),
                           I(Us(now)),
                           I(actor.user_id),
                           S(actor.subject),
                           S(sha),
                           I(amends),
                           S(in.reason),
                           I(double_reading ? 1 : 0),
                           I(check ? 1 : 0),
                           I(req.assigned_at ? Us(*req.assigned_at) : 0),
                           S(override_reason),
                           S(overridden),
                           I(Us(now)),
                           I(draft.id)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("UPDATE report_versions SET kind = ?, content = ?, signed_us = ?, signer_id = ?,"
               " signer_login = ?, content_sha256 = ?, amends_version_id = ?, reason = ?,"
               " double_reading = ?, check_required = ?, assigned_us = ?, override_reason = ?,"
               " overridden_warnings = ?, updated_us = ? WHERE id = ? AND signed_us = 0",
               p));
    if (r.reader_id == 0) {
      const db::Value q[] = {I(actor.user_id), I(Us(now)), I(r.id)};
      DOKUEI_RETURN_IF_ERROR(
          c.Exec("UPDATE report_reports SET reader_id = ?, updated_us = ? WHERE id = ?", q));
    }
    version_id = draft.id;
    std::string what = "version " + std::to_string(draft.number) + " signed as " +
                       std::string(VersionKindName(kind)) + ", sha256 " + sha;
    if (!overridden.empty()) {
      what += ", pre-sign warnings overridden (";
      for (size_t i = 0; i < checks.warnings.size(); ++i)
        what += (i ? ", " : "") + checks.warnings[i].id + " " + checks.warnings[i].field;
      what += "): " + override_reason;
    }
    return Audit(ctx_, c, MakeEvent(actor, r, "sign", what));
  }));
  return Fetch(version_id);
}

Result<spine::CheckResult> SqlReports::Checks(const Actor& actor, int64_t report_id) {
  DOKUEI_ASSIGN_OR_RETURN(const Report head, ReadReport(report_id));
  DOKUEI_ASSIGN_OR_RETURN(const RequestInfo req, ctx_.requests.Get(head.request_id));
  DOKUEI_RETURN_IF_ERROR(MustBeReader(actor, req));
  spine::CheckResult out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(const std::vector<Version> vs, LoadVersions(c, report_id));
    if (vs.empty() || vs.back().signed_)
      return base::FailedPrecondition("there is no draft to check (save a draft first)");
    DOKUEI_ASSIGN_OR_RETURN(out, PreSign(c, report_id, vs.back().content));
    return Status::Ok();
  }));
  return out;
}

Result<Report> SqlReports::Get(const Actor& actor, int64_t report_id) {
  DOKUEI_ASSIGN_OR_RETURN(Report r, ReadReport(report_id));
  return Visible(actor, std::move(r));
}

Result<Report> SqlReports::ForRequest(const Actor& actor, int64_t request_id) {
  std::optional<Report> found;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(found, FindReportByRequest(c, request_id));
    if (found) {
      DOKUEI_ASSIGN_OR_RETURN(found->versions, LoadVersions(c, found->id));
    }
    return Status::Ok();
  }));
  if (!found) return NotVisible();
  return Visible(actor, std::move(*found));
}

Status SqlReports::Verify(int64_t report_id) {
  DOKUEI_ASSIGN_OR_RETURN(const Report r, ReadReport(report_id));
  for (const Version& v : r.versions) {
    if (v.signed_ && base::Sha256Hex(v.content) != v.content_sha256) {
      return base::DataLoss("report " + std::to_string(r.id) + " version " +
                            std::to_string(v.number) +
                            ": the content does not match its signature");
    }
  }
  return Status::Ok();
}

Result<Report> SqlReports::ReadReport(int64_t report_id) {
  Report out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(out, LoadReport(c, report_id));
    DOKUEI_ASSIGN_OR_RETURN(out.versions, LoadVersions(c, report_id));
    return Status::Ok();
  }));
  return out;
}

Result<Report> SqlReports::Visible(const Actor& actor, Report r) {
  DOKUEI_ASSIGN_OR_RETURN(const RequestInfo req, ctx_.requests.Get(r.request_id));
  switch (ViewOf(actor, r, req)) {
    case View::kNone:
      return NotVisible();
    case View::kReleased: {
      std::erase_if(r.versions, [](const Version& v) { return v.release != Release::kReleased; });
      if (r.versions.empty()) return NotVisible();
      return r;
    }
    case View::kAll:
      return r;
  }
  return NotVisible();
}

Result<Version> SqlReports::Fetch(int64_t version_id) {
  Version out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(out, LoadVersion(c, version_id));
    return Status::Ok();
  }));
  return out;
}

}  // namespace dokuei::report::internal
