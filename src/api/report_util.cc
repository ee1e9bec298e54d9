// The report routes' shared pieces (report_util.h).
#include "report_util.h"

#include <algorithm>

namespace dokuei::api::internal {

json VersionJson(const report::Version& v) {
  json content = json::parse(v.content, nullptr, false);
  json j = {{"id", v.id},
            {"number", v.number},
            {"kind", report::VersionKindName(v.kind)},
            {"release", report::ReleaseName(v.release)},
            {"content", content.is_discarded() ? json(v.content) : content},
            {"author_id", v.author_id},
            {"created_at", base::FormatIso8601(v.created_at)},
            {"signed", v.signed_}};
  if (v.signed_) {
    j["signer_id"] = v.signer_id;
    j["signer_login"] = v.signer_login;
    j["signed_at"] = base::FormatIso8601(v.signed_at);
    j["content_sha256"] = v.content_sha256;
  }
  if (v.amends_version_id != 0) j["amends_version_id"] = v.amends_version_id;
  if (!v.reason.empty()) j["reason"] = v.reason;
  if (!v.override_reason.empty()) {
    json warnings = json::parse(v.overridden_warnings, nullptr, false);
    j["override"] = {{"reason", v.override_reason},
                     {"warnings", warnings.is_discarded() ? json::array() : warnings}};
  }
  return j;
}

json ReportJson(const report::Report& r) {
  json versions = json::array();
  for (const auto& v : r.versions) versions.push_back(VersionJson(v));
  json current = nullptr;
  if (!r.versions.empty()) current = versions.back()["content"];
  return {{"id", r.id},
          {"request_id", r.request_id},
          {"study_uid", r.study_uid},
          {"reader_id", r.reader_id},
          {"created_at", base::FormatIso8601(r.created_at)},
          {"current", current},
          {"versions", versions}};
}

json ReviewJson(const report::PeerReview& p) {
  return {{"id", p.id},
          {"version_id", p.version_id},
          {"reviewer_id", p.reviewer_id},
          {"reviewee_id", p.reviewee_id},
          {"mode", report::ReviewModeName(p.mode)},
          {"score", report::RadpeerName(p.score)},
          {"differences", p.differences},
          {"comment", p.comment},
          {"returned", p.returned},
          {"at", base::FormatIso8601(p.at)},
          {"resolution", p.resolution == report::Resolution::kNone
                             ? json(nullptr)
                             : json(report::ResolutionName(p.resolution))},
          {"resolution_note", p.resolution_note},
          {"resolution_version_id", p.resolution_version_id},
          {"resolved_by", p.resolved_by},
          {"resolved_at", TimeJson(p.resolved_at)}};
}

json CriticalJson(const report::CriticalResult& c) {
  return {{"id", c.id},
          {"report_id", c.report_id},
          {"category", static_cast<int>(c.category)},
          {"finding", c.finding},
          {"reported_by", c.reported_by_login},
          {"notified_at", base::FormatIso8601(c.notified_at)},
          {"ack_deadline", base::FormatIso8601(c.ack_deadline)},
          {"ack_login", c.ack_login},
          {"ack_person", c.ack_person},
          {"ack_at", TimeJson(c.ack_at)},
          {"escalated_at", TimeJson(c.escalated_at)}};
}

json QuestionJson(const report::Question& q) {
  json msgs = json::array();
  for (const auto& m : q.messages)
    msgs.push_back({{"id", m.id},
                    {"author_login", m.author_login},
                    {"from_reading_centre", m.from_reading_centre},
                    {"text", m.text},
                    {"addendum_version_id", m.addendum_version_id},
                    {"at", base::FormatIso8601(m.at)}});
  return {{"id", q.id},
          {"report_id", q.report_id},
          {"routed_to", q.routed_to},
          {"covering", q.covering},
          {"answered", q.answered},
          {"asked_at", base::FormatIso8601(q.asked_at)},
          {"messages", msgs}};
}

base::Result<json> BodyOrEmptyObject(const http::Request& req,
                                     std::initializer_list<std::string_view> allowed) {
  if (req.body.empty()) return json::object();
  return ParseObject(req, allowed);
}

base::Result<report::ReportService*> ReportsOf(Services& s) {
  if (s.reports == nullptr || s.workflow == nullptr)
    return base::Status(base::Code::kUnavailable, std::string(kNoReports.en));
  return s.reports;
}

// The request's report as the caller sees it (404 when none or not visible).
base::Result<report::Report> ReportOf(Services& s, const http::Request& req, int64_t request_id) {
  auto r = s.reports->reports().ForRequest(ActorOf(req), request_id);
  if (!r.ok() && r.status().code() == base::Code::kNotFound) return NotFound(kReportNotFound);
  return r;
}

const report::Version* LastSigned(const report::Report& r) {
  for (auto it = r.versions.rbegin(); it != r.versions.rend(); ++it)
    if (it->signed_) return &*it;
  return nullptr;
}

bool Contains(const std::vector<workflow::State>& v, workflow::State s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace dokuei::api::internal
