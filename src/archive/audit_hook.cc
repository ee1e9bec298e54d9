#include "dokuei/archive/audit_hook.h"

#include <set>

namespace dokuei::archive {
namespace {

class AuditLogHook final : public AuditHook {
 public:
  explicit AuditLogHook(audit::AuditLog& log) : log_(log) {}
  base::Status Record(audit::Event event) override {
    auto r = log_.Append(std::move(event));
    return r.ok() ? base::Status::Ok() : r.status().WithContext("writing the audit record");
  }
  base::Status RecordIn(db::Conn& conn, audit::Event event) override {
    auto r = log_.AppendIn(conn, std::move(event));
    return r.ok() ? base::Status::Ok() : r.status().WithContext("writing the audit record");
  }

 private:
  audit::AuditLog& log_;
};

}  // namespace

std::unique_ptr<AuditHook> NewAuditLogHook(audit::AuditLog& log) {
  return std::make_unique<AuditLogHook>(log);
}

base::Result<std::string> PatientsOfStudies(QueryService& query, index::TenantId tenant,
                                            const std::vector<std::string>& study_uids) {
  if (study_uids.empty()) return std::string();
  QueryRequest q;
  q.level = index::Level::kStudy;
  q.keys.push_back({dicom::tags::kStudyInstanceUID, "UI", study_uids, {}});
  q.keys.push_back({dicom::tags::kPatientID, "LO", {}, {}});
  q.limit = static_cast<uint32_t>(study_uids.size());
  DOKUEI_ASSIGN_OR_RETURN(QueryResult found, query.Find(tenant, q));
  std::set<std::string> patients;
  for (const auto& match : found.matches) {
    const dicom::Attribute* pid = dicom::Find(match, dicom::tags::kPatientID);
    if (pid != nullptr && !pid->values.empty()) patients.insert(pid->values[0]);
  }
  std::string out;
  for (const auto& p : patients) out += (out.empty() ? "" : ",") + p;
  return out;
}

std::string AddressWithoutPort(const std::string& address) {
  if (!address.empty() && address.front() == '[') {
    const size_t end = address.find(']');
    return end == std::string::npos ? address : address.substr(1, end - 1);
  }
  // One colon: IPv4 (or a host name) with a port. Several: a bare IPv6 address.
  const size_t colon = address.find(':');
  if (colon != std::string::npos && address.find(':', colon + 1) == std::string::npos)
    return address.substr(0, colon);
  return address;
}

audit::Event ActorEvent(const Origin& origin, std::string action, int64_t tenant_id) {
  audit::Event e;
  e.action = std::move(action);
  e.tenant_id = tenant_id;
  const bool dimse = origin.protocol == "dimse";
  e.protocol = dimse ? "dimse" : (origin.protocol == "stow" ? "http" : origin.protocol);
  e.actor = dimse ? "ae:" + origin.calling_ae : origin.user;
  e.actor_user_id = origin.user_id;
  e.actor_tenant_id = origin.actor_tenant_id != 0 ? origin.actor_tenant_id : tenant_id;
  e.actor_roles = origin.roles;
  e.source_address = AddressWithoutPort(origin.remote_address);
  return e;
}

}  // namespace dokuei::archive
