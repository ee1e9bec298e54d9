// The audit trail over HTTP: search and export. Each search and export is itself audited
// ("audit.search", "audit.export") before the answer is sent; when that record cannot be written
// the request fails.
//
//   GET /api/audit          audit.read    ?from&to&actor&action&patient_id&study_uid&tenant
//                                          &limit&after_seq
//   GET /api/audit/export   audit.export  ?format=fhir|dicom and the same filters
//
// A principal whose grant covers only its own tenant sees records about its tenant's data or
// done by its people; `tenant` (a code) is for any-tenant grants (the centre's auditors), and
// names another tenant only for them (otherwise 404, like a tenant that does not exist).
// Without after_seq, search answers newest first; with after_seq (keyset paging) oldest first,
// and `next_after_seq` continues. Export is always oldest first.
#include "dokuei/base/strings.h"
#include "route_util.h"

namespace dokuei::api::internal {

namespace {

struct Search {
  audit::Query query;
  std::string summary;  // for the audit record of the search (names only what was asked)
};

base::Result<Search> BuildQuery(Services& s, const http::Request& req, std::string_view permission,
                                uint32_t default_limit, uint32_t max_limit) {
  static constexpr std::string_view kKnown[] = {"from",       "to",        "actor",  "action",
                                                "patient_id", "study_uid", "tenant", "limit",
                                                "after_seq",  "format"};
  Search out;
  audit::Query& q = out.query;
  for (const auto& [name, value] : req.query) {
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown))
      return Invalid(kBadQuery, name);
    if (name != "format") out.summary += (out.summary.empty() ? "" : "&") + name;
  }
  for (const char* key : {"from", "to"}) {
    if (auto v = req.Query(key)) {
      auto t = base::ParseIso8601(*v, std::string_view(key) == "to");
      if (!t) return Invalid(kBadQuery, key);
      (std::string_view(key) == "from" ? q.from : q.to) = *t;
    }
  }
  q.actor = std::string(req.Query("actor").value_or(""));
  q.action_prefix = std::string(req.Query("action").value_or(""));
  q.patient_id = std::string(req.Query("patient_id").value_or(""));
  q.study_uid = std::string(req.Query("study_uid").value_or(""));
  q.limit = default_limit;
  if (auto v = req.Query("limit")) {
    auto n = base::ParseUint(*v);
    if (!n || *n == 0 || *n > max_limit) return Invalid(kBadQuery, "limit");
    q.limit = static_cast<uint32_t>(*n);
  }
  if (auto v = req.Query("after_seq")) {
    auto n = base::ParseInt(*v);
    if (!n || *n < 0) return Invalid(kBadQuery, "after_seq");
    q.after_seq = *n;
    q.oldest_first = true;
  }
  const http::Principal& p = req.principal;
  const bool any = std::any_of(p.any_tenant_permissions.begin(), p.any_tenant_permissions.end(),
                               [&](const std::string& g) { return g == "*" || g == permission; });
  q.all_tenants = any;
  q.tenant_id = any ? 0 : p.tenant_id;
  if (auto code = req.Query("tenant")) {
    auto t = s.identity.tenants().GetByCode(std::string(*code));
    if (!t.ok() && t.status().code() != base::Code::kNotFound) return t.status();
    if (!t.ok() || !p.Reaches(permission, t->id)) return NotFound(kTenantNotFound);
    q.tenant_id = t->id;
  }
  return out;
}

// The audit record of a search or export; the request fails when it cannot be written.
base::Status AuditAccess(Services& s, const http::Request& req, const char* action,
                         const Search& search, size_t count, std::string message) {
  audit::Event e = RequestEvent(req, action);
  e.tenant_id = search.query.tenant_id;
  e.patient_id = search.query.patient_id;
  if (!search.query.study_uid.empty()) e.study_uids = {search.query.study_uid};
  e.object_count = static_cast<int64_t>(count);
  e.object_detail = "audit records; filters: " + (search.summary.empty() ? "none" : search.summary);
  e.message = std::move(message);
  auto r = s.audit.Append(std::move(e));
  if (!r.ok()) return AuditFailed(r.status());
  return base::Status::Ok();
}

base::Result<http::Response> SearchAudit(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const Search search, BuildQuery(s, req, "audit.read", 100, 1000));
  DOKUEI_ASSIGN_OR_RETURN(const auto records, s.audit.Search(search.query));
  DOKUEI_RETURN_IF_ERROR(AuditAccess(s, req, "audit.search", search, records.size(), ""));
  // The records are already JSON (audit::ToJson): joined, not parsed again.
  std::string body = "{\"records\":[";
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) body += ',';
    body += audit::ToJson(records[i]);
  }
  body += ']';
  if (search.query.oldest_first && !records.empty() && records.size() == search.query.limit)
    body += ",\"next_after_seq\":" + std::to_string(records.back().seq);
  body += '}';
  return http::Response::Bytes(200, "application/json", std::move(body));
}

base::Result<http::Response> ExportAudit(Services& s, http::Request& req) {
  const std::string format(req.Query("format").value_or(""));
  if (format != "fhir" && format != "dicom") return Invalid(kBadQuery, "format");
  DOKUEI_ASSIGN_OR_RETURN(Search search, BuildQuery(s, req, "audit.export", audit::kMaxSearchLimit,
                                                    audit::kMaxSearchLimit));
  search.query.oldest_first = true;
  DOKUEI_ASSIGN_OR_RETURN(const auto records, s.audit.Search(search.query));
  DOKUEI_RETURN_IF_ERROR(
      AuditAccess(s, req, "audit.export", search, records.size(), "format " + format));
  const std::string& source = s.options.audit_source_id;
  std::string body;
  http::Response r;
  if (format == "dicom") {
    body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuditMessages>\n";
    for (const auto& rec : records) body += audit::ToDicomAuditMessage(rec, source) + "\n";
    body += "</AuditMessages>\n";
    r = http::Response::Bytes(200, "application/xml; charset=utf-8", std::move(body));
  } else {
    body = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"total\":" +
           std::to_string(records.size()) + ",\"entry\":[";
    for (size_t i = 0; i < records.size(); ++i) {
      body += (i ? ",\n" : "\n");
      body += "{\"resource\":" + audit::ToFhirAuditEvent(records[i], source) + "}";
    }
    body += "\n]}\n";
    r = http::Response::Bytes(200, "application/fhir+json", std::move(body));
  }
  r.headers.Set("Cache-Control", "no-store");
  if (!records.empty() && records.size() == search.query.limit)
    r.headers.Set("X-Next-After-Seq", std::to_string(records.back().seq));
  return r;
}

}  // namespace

}  // namespace dokuei::api::internal

namespace dokuei::api {

base::Status RegisterAuditRoutes(http::RouteTable& routes, Services& services) {
  using internal::RouteSpec;
  Services* s = &services;
  std::vector<RouteSpec> specs = {
      {"GET", "/api/audit", "audit.read", "監査記録の検索", "Search the audit trail",
       [s](http::Request& req) { return internal::SearchAudit(*s, req); }},
      {"GET",
       "/api/audit/export",
       "audit.export",
       "監査記録の書き出し (FHIR AuditEvent または DICOM PS3.15)",
       "Export the audit trail (FHIR AuditEvent or DICOM PS3.15)",
       [s](http::Request& req) { return internal::ExportAudit(*s, req); },
       internal::kJsonBodyLimit,
       {"application/fhir+json", "application/xml"}},
  };
  return internal::AddRoutes(routes, "Audit", std::move(specs));
}

}  // namespace dokuei::api
