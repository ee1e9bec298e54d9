// Row loaders, audit events and access rules shared by the report services.
#include "store.h"

#include <algorithm>

namespace dokuei::report::internal {

using base::Status;
using db::Conn;
using db::Row;

audit::Event MakeEvent(const Actor& actor, const Report& r, std::string_view what,
                       std::string message) {
  audit::Event e = workflow::ActorEvent(actor, "report." + std::string(what), r.tenant_id);
  if (!r.study_uid.empty()) e.study_uids = {r.study_uid};
  e.object_detail =
      "report " + std::to_string(r.id) + " (request " + std::to_string(r.request_id) + ")";
  e.message = std::move(message);
  return e;
}

Status Audit(const Context& ctx, Conn& c, const audit::Event& e) {
  if (!ctx.options.audit) return Status::Ok();
  return ctx.options.audit(c, e);
}

namespace {

constexpr const char* kReportCols =
    "SELECT id, request_id, tenant_id, study_uid, reader_id, created_us FROM report_reports";

Report ReportFromRow(const Row& r) {
  Report out;
  out.id = r.Int(0);
  out.request_id = r.Int(1);
  out.tenant_id = r.Int(2);
  out.study_uid = std::string(r.Str(3));
  out.reader_id = r.Int(4);
  out.created_at = base::FromUnixMicros(r.Int(5));
  return out;
}

constexpr const char* kVersionCols =
    "SELECT id, report_id, number, kind, content, author_id, created_us, updated_us, signed_us,"
    " signer_id, signer_login, content_sha256, amends_version_id, reason, double_reading,"
    " check_required, assigned_us, override_reason, overridden_warnings FROM report_versions";

Version VersionFromRow(const Row& r) {
  Version v;
  v.id = r.Int(0);
  v.report_id = r.Int(1);
  v.number = static_cast<int>(r.Int(2));
  v.kind = VersionKindFromName(r.Str(3)).value_or(VersionKind::kDraft);
  v.content = std::string(r.Str(4));
  v.author_id = r.Int(5);
  v.created_at = base::FromUnixMicros(r.Int(6));
  v.updated_at = base::FromUnixMicros(r.Int(7));
  v.signed_ = r.Int(8) != 0;
  v.signed_at = base::FromUnixMicros(r.Int(8));
  v.signer_id = r.Int(9);
  v.signer_login = std::string(r.Str(10));
  v.content_sha256 = std::string(r.Str(11));
  v.amends_version_id = r.Int(12);
  v.reason = std::string(r.Str(13));
  v.double_reading = r.Int(14) != 0;
  v.check_required = r.Int(15) != 0;
  v.assigned_at = OptTime(r.Int(16));
  v.override_reason = std::string(r.Str(17));
  v.overridden_warnings = std::string(r.Str(18));
  return v;
}

// What the review and check records say about signed versions of a report.
struct Gates {
  std::vector<int64_t> reviewed;                    // version ids with a review
  std::vector<int64_t> review_returned;             // ... that the second reader returned
  std::vector<std::pair<int64_t, bool>> decisions;  // version id, approved
};

base::Result<Gates> LoadGates(Conn& c, int64_t report_id) {
  Gates g;
  const db::Value p[] = {I(report_id)};
  DOKUEI_RETURN_IF_ERROR(c.Query(
      "SELECT version_id, returned FROM report_reviews WHERE report_id = ?", p, [&](const Row& r) {
        g.reviewed.push_back(r.Int(0));
        if (r.Int(1) != 0) g.review_returned.push_back(r.Int(0));
        return Status::Ok();
      }));
  DOKUEI_RETURN_IF_ERROR(c.Query(
      "SELECT version_id, approved FROM report_checks WHERE report_id = ?", p, [&](const Row& r) {
        g.decisions.emplace_back(r.Int(0), r.Int(1) != 0);
        return Status::Ok();
      }));
  return g;
}

Release ReleaseOf(const Version& v, const Gates& g) {
  if (!v.signed_) return Release::kUnsigned;
  if (v.kind == VersionKind::kPreliminary) return Release::kReleased;
  for (const auto& [id, approved] : g.decisions) {
    if (id == v.id) return approved ? Release::kReleased : Release::kReturned;
  }
  if (std::find(g.review_returned.begin(), g.review_returned.end(), v.id) !=
      g.review_returned.end()) {
    return Release::kReturned;
  }
  if (v.double_reading &&
      std::find(g.reviewed.begin(), g.reviewed.end(), v.id) == g.reviewed.end()) {
    return Release::kAwaitingSecondRead;
  }
  if (v.check_required) return Release::kAwaitingCheck;
  return Release::kReleased;
}

}  // namespace

base::Result<Report> LoadReport(Conn& c, int64_t report_id) {
  std::optional<Report> out;
  const db::Value p[] = {I(report_id)};
  DOKUEI_RETURN_IF_ERROR(c.Query(std::string(kReportCols) + " WHERE id = ?", p, [&](const Row& r) {
    out = ReportFromRow(r);
    return Status::Ok();
  }));
  if (!out) return NotVisible();
  return *out;
}

base::Result<std::optional<Report>> FindReportByRequest(Conn& c, int64_t request_id) {
  std::optional<Report> out;
  const db::Value p[] = {I(request_id)};
  DOKUEI_RETURN_IF_ERROR(
      c.Query(std::string(kReportCols) + " WHERE request_id = ?", p, [&](const Row& r) {
        out = ReportFromRow(r);
        return Status::Ok();
      }));
  return out;
}

base::Result<std::vector<Version>> LoadVersions(Conn& c, int64_t report_id) {
  std::vector<Version> out;
  const db::Value p[] = {I(report_id)};
  DOKUEI_RETURN_IF_ERROR(c.Query(std::string(kVersionCols) + " WHERE report_id = ? ORDER BY number",
                                 p, [&](const Row& r) {
                                   out.push_back(VersionFromRow(r));
                                   return Status::Ok();
                                 }));
  DOKUEI_ASSIGN_OR_RETURN(const Gates g, LoadGates(c, report_id));
  for (Version& v : out) v.release = ReleaseOf(v, g);
  return out;
}

base::Result<Version> LoadVersion(Conn& c, int64_t version_id) {
  std::optional<Version> out;
  const db::Value p[] = {I(version_id)};
  DOKUEI_RETURN_IF_ERROR(c.Query(std::string(kVersionCols) + " WHERE id = ?", p, [&](const Row& r) {
    out = VersionFromRow(r);
    return Status::Ok();
  }));
  if (!out) return NotVisible();
  DOKUEI_ASSIGN_OR_RETURN(const Gates g, LoadGates(c, out->report_id));
  out->release = ReleaseOf(*out, g);
  return *out;
}

bool IsCoordinatorOrAdmin(const Actor& a) {
  return a.system || (a.InReadingCentre() && (a.Has(identity::Role::kCoordinator) ||
                                              a.Has(identity::Role::kAdministrator)));
}

View ViewOf(const Actor& a, const Report& r, const RequestInfo& req) {
  if (IsCoordinatorOrAdmin(a)) return View::kAll;
  if (a.InReadingCentre()) {
    const bool involved =
        a.user_id != 0 && (a.user_id == req.reader_id || a.user_id == req.second_reader_id ||
                           a.user_id == req.checker_id || a.user_id == r.reader_id);
    return involved ? View::kAll : View::kNone;
  }
  if (a.tenant_id == r.tenant_id && a.Has(identity::Role::kHospitalStaff)) return View::kReleased;
  return View::kNone;
}

Status LockReport(Conn& c, int64_t report_id) {
  if (c.dialect() != db::Dialect::kPostgres) return Status::Ok();
  const db::Value p[] = {I(report_id)};
  return c.Query("SELECT id FROM report_reports WHERE id = ? FOR UPDATE", p, nullptr);
}

Status NotVisible() { return base::NotFound("no such report"); }

bool HasReleased(const std::vector<Version>& versions) {
  return std::any_of(versions.begin(), versions.end(),
                     [](const Version& v) { return v.release == Release::kReleased; });
}

}  // namespace dokuei::report::internal
