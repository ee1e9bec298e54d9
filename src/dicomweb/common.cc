#include "common.h"

#include <spdlog/spdlog.h>

#include <set>

#include "dokuei/base/strings.h"

namespace dokuei::dicomweb {

index::TenantId TenantOf(const http::Request& req) {
  return index::TenantId{req.principal.tenant_id};
}

namespace {
bool IsPlainHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}
}  // namespace

std::string BaseUrl(const http::Request& req, const Options& options) {
  if (!options.base_url.empty()) return options.base_url;
  std::string_view host = base::Trim(req.Header("Host"));
  if (!IsPlainHost(host)) host = "localhost";
  return options.scheme + "://" + std::string(host) + options.root;
}

base::Status CheckUid(std::string_view uid, const char* field) {
  if (!base::IsValidUid(uid)) return base::InvalidArgument("not a valid UID", field);
  return base::Status::Ok();
}

base::Status Normalize(const base::Status& st) {
  if (st.code() == base::Code::kNotFound && st.field().empty()) {
    return base::NotFound("no such study, series or instance");
  }
  return st;
}

http::Response JsonResponse(std::string body, std::string content_type) {
  http::Response r = http::Response::Bytes(200, std::move(content_type), std::move(body));
  r.headers.Set("Cache-Control", "no-cache");
  return r;
}

void AddWarning(const http::Request& req, std::string_view text, http::Response& res) {
  std::string_view host = base::Trim(req.Header("Host"));
  if (!IsPlainHost(host)) host = "dokuei";
  std::string value = "299 " + std::string(host) + " \"";
  for (char c : text) {
    if (c == '"' || c == '\\') value.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) value.push_back(c);
  }
  value.push_back('"');
  res.headers.Add("Warning", std::move(value));
}

}  // namespace dokuei::dicomweb

namespace dokuei::dicomweb {

http::Route ReadRoute(const Context& ctx, std::string suffix, http::Handler handler,
                      std::string summary_ja, std::string summary_en,
                      std::vector<std::string> produces) {
  http::Route r;
  r.method = "GET";
  r.pattern = ctx.options.root + suffix;
  r.handler = std::move(handler);
  r.permission = ctx.options.read_permission;
  r.summary_ja = std::move(summary_ja);
  r.summary_en = std::move(summary_en);
  r.tag = "DICOMweb";
  r.produces = std::move(produces);
  return r;
}

}  // namespace dokuei::dicomweb

namespace dokuei::dicomweb {
namespace {

std::string JoinSet(const std::set<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

void AddPatients(const std::vector<dicom::AttributeList>& matches, std::set<std::string>& out) {
  for (const auto& m : matches) {
    const dicom::Attribute* a = dicom::Find(m, dicom::tags::kPatientID);
    if (a != nullptr && !a->values.empty()) out.insert(a->values[0]);
  }
}

audit::Event RequestEvent(const http::Request& req, std::string action, index::TenantId tenant) {
  archive::Origin origin;
  origin.protocol = "http";
  origin.user = req.principal.subject;
  origin.user_id = req.principal.user_id;
  origin.actor_tenant_id = req.principal.tenant_id;
  for (const auto& r : req.principal.roles) origin.roles += (origin.roles.empty() ? "" : ",") + r;
  origin.remote_address = req.remote_address;
  audit::Event e = archive::ActorEvent(origin, std::move(action), tenant.value);
  // The path only: query strings may hold patient names.
  e.object_detail = req.method + " " + req.path;
  return e;
}

base::Status Write(Context& ctx, audit::Event e) {
  base::Status st = ctx.services.audit->Record(std::move(e));
  if (st.ok()) return st;
  spdlog::error("audit: {}", st.ToString());
  return base::Unavailable("the audit record could not be written; nothing was sent");
}

}  // namespace

base::Status AuditAccess(Context& ctx, const http::Request& req, std::string action,
                         const std::vector<index::InstanceLocation>& locations,
                         index::TenantId tenant) {
  if (ctx.services.audit == nullptr) return base::Status::Ok();
  audit::Event e = RequestEvent(req, std::move(action), tenant);
  std::set<std::string> studies, classes;
  for (const auto& l : locations) {
    studies.insert(l.study_instance_uid);
    classes.insert(l.sop_class_uid);
  }
  e.study_uids.assign(studies.begin(), studies.end());
  e.object_count = static_cast<int64_t>(locations.size());
  if (classes.size() == 1) e.sop_class_uid = *classes.begin();
  auto patients = archive::PatientsOfStudies(ctx.services.query, tenant, e.study_uids);
  if (!patients.ok()) {
    spdlog::error("audit: patients of the studies: {}", patients.status().ToString());
    return base::Unavailable("the audit record could not be written; nothing was sent");
  }
  e.patient_id = std::move(*patients);
  return Write(ctx, std::move(e));
}

base::Status AuditQuery(Context& ctx, const http::Request& req,
                        const std::vector<dicom::AttributeList>& matches) {
  if (ctx.services.audit == nullptr) return base::Status::Ok();
  // The caller's tenant: a search may span it and the tenants of granted studies (each match
  // names its study and patient).
  audit::Event e = RequestEvent(req, "study.query", TenantOf(req));
  std::set<std::string> studies, patients;
  for (const auto& m : matches) {
    const dicom::Attribute* a = dicom::Find(m, dicom::tags::kStudyInstanceUID);
    if (a != nullptr && !a->values.empty()) studies.insert(a->values[0]);
  }
  AddPatients(matches, patients);
  e.study_uids.assign(studies.begin(), studies.end());
  e.patient_id = JoinSet(patients);
  e.object_count = static_cast<int64_t>(matches.size());
  return Write(ctx, std::move(e));
}

}  // namespace dokuei::dicomweb
