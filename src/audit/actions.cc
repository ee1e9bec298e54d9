#include "actions.h"

#include <array>

namespace dokuei::audit {
namespace {

// DICOM PS3.16 CID 400 (audit event IDs), CID 401 (event type codes), CID 402 (role IDs).
constexpr Code kApplicationActivity{"110100", "DCM", "Application Activity"};
constexpr Code kAuditLogUsed{"110101", "DCM", "Audit Log Used"};
constexpr Code kInstancesAccessed{"110103", "DCM", "DICOM Instances Accessed"};
constexpr Code kInstancesTransferred{"110104", "DCM", "DICOM Instances Transferred"};
constexpr Code kStudyDeleted{"110105", "DCM", "DICOM Study Deleted"};
constexpr Code kExport{"110106", "DCM", "Export"};
constexpr Code kImport{"110107", "DCM", "Import"};
constexpr Code kPatientRecord{"110110", "DCM", "Patient Record"};
constexpr Code kQuery{"110112", "DCM", "Query"};
constexpr Code kSecurityAlert{"110113", "DCM", "Security Alert"};
constexpr Code kUserAuthentication{"110114", "DCM", "User Authentication"};

constexpr Code kApplicationStart{"110120", "DCM", "Application Start"};
constexpr Code kApplicationStop{"110121", "DCM", "Application Stop"};
constexpr Code kLogin{"110122", "DCM", "Login"};
constexpr Code kLogout{"110123", "DCM", "Logout"};
constexpr Code kNodeAuthentication{"110126", "DCM", "Node Authentication"};
constexpr Code kNetworkConfiguration{"110128", "DCM", "Network Configuration"};
constexpr Code kSecurityConfiguration{"110129", "DCM", "Security Configuration"};
constexpr Code kRestrictedFunction{"110132", "DCM", "Use of Restricted Function"};
constexpr Code kSecurityRolesChanged{"110136", "DCM", "Security Roles Changed"};
constexpr Code kUserSecurityChanged{"110137", "DCM", "User security Attributes Changed"};

constexpr Code kApplication{"110150", "DCM", "Application"};
constexpr Code kDestination{"110152", "DCM", "Destination Role ID"};
constexpr Code kSource{"110153", "DCM", "Source Role ID"};
constexpr Code kNone{};

struct Entry {
  std::string_view action;  // exact name, or a prefix ending in '.'
  ActionInfo info;
};

using K = ObjectKind;

// One line per action our callers write; prefixes catch the rest of a family.
constexpr Entry kTable[] = {
    // Authentication.
    {"login", {kUserAuthentication, kLogin, 'E', kNone, kApplication, K::kNone}},
    {"login.failure", {kUserAuthentication, kLogin, 'E', kNone, kApplication, K::kNone}},
    {"login.2fa", {kUserAuthentication, kLogin, 'E', kNone, kApplication, K::kNone}},
    {"login.2fa.failure", {kUserAuthentication, kLogin, 'E', kNone, kApplication, K::kNone}},
    {"logout", {kUserAuthentication, kLogout, 'E', kNone, kApplication, K::kNone}},
    {"logout.all", {kUserAuthentication, kLogout, 'E', kNone, kApplication, K::kNone}},
    {"session.expired", {kUserAuthentication, kLogout, 'E', kNone, kApplication, K::kNone}},
    {"token.use", {kUserAuthentication, kLogin, 'E', kNone, kApplication, K::kNone}},
    // Refusals.
    {"access.denied", {kSecurityAlert, kRestrictedFunction, 'E', kNone, kApplication, K::kNone}},
    {"ae.association.refused",
     {kSecurityAlert, kNodeAuthentication, 'E', kNone, kApplication, K::kNone}},
    {"account.locked", {kSecurityAlert, kUserSecurityChanged, 'U', kNone, kApplication, K::kUser}},
    // Identity and configuration changes.
    {"user.create", {kSecurityAlert, kUserSecurityChanged, 'C', kNone, kApplication, K::kUser}},
    {"user.", {kSecurityAlert, kUserSecurityChanged, 'U', kNone, kApplication, K::kUser}},
    {"password.", {kSecurityAlert, kUserSecurityChanged, 'U', kNone, kApplication, K::kUser}},
    {"totp.", {kSecurityAlert, kUserSecurityChanged, 'U', kNone, kApplication, K::kUser}},
    {"role.", {kSecurityAlert, kSecurityRolesChanged, 'U', kNone, kApplication, K::kUser}},
    {"token.create",
     {kSecurityAlert, kUserSecurityChanged, 'C', kNone, kApplication, K::kResource}},
    {"token.revoke",
     {kSecurityAlert, kUserSecurityChanged, 'D', kNone, kApplication, K::kResource}},
    {"token.", {kSecurityAlert, kUserSecurityChanged, 'U', kNone, kApplication, K::kResource}},
    {"tenant.create",
     {kSecurityAlert, kSecurityConfiguration, 'C', kNone, kApplication, K::kResource}},
    {"tenant.", {kSecurityAlert, kSecurityConfiguration, 'U', kNone, kApplication, K::kResource}},
    {"ae.create", {kSecurityAlert, kNetworkConfiguration, 'C', kNone, kApplication, K::kResource}},
    {"ae.delete", {kSecurityAlert, kNetworkConfiguration, 'D', kNone, kApplication, K::kResource}},
    {"ae.", {kSecurityAlert, kNetworkConfiguration, 'U', kNone, kApplication, K::kResource}},
    {"contact.create",
     {kSecurityAlert, kSecurityConfiguration, 'C', kNone, kApplication, K::kResource}},
    {"contact.delete",
     {kSecurityAlert, kSecurityConfiguration, 'D', kNone, kApplication, K::kResource}},
    {"contact.", {kSecurityAlert, kSecurityConfiguration, 'U', kNone, kApplication, K::kResource}},
    // Report delivery destinations (src/delivery): where patient data is sent.
    {"delivery_destination.create",
     {kSecurityAlert, kNetworkConfiguration, 'C', kNone, kApplication, K::kResource}},
    {"delivery_destination.delete",
     {kSecurityAlert, kNetworkConfiguration, 'D', kNone, kApplication, K::kResource}},
    {"delivery_destination.",
     {kSecurityAlert, kNetworkConfiguration, 'U', kNone, kApplication, K::kResource}},
    {"reader_profile.",
     {kSecurityAlert, kSecurityConfiguration, 'U', kNone, kApplication, K::kResource}},
    // Patient data.
    {"instance.store", {kInstancesTransferred, kNone, 'C', kSource, kDestination, K::kPatientData}},
    {"study.import", {kImport, kNone, 'C', kSource, kDestination, K::kPatientData}},
    {"study.query", {kQuery, kNone, 'E', kNone, kApplication, K::kQuery}},
    {"series.query", {kQuery, kNone, 'E', kNone, kApplication, K::kQuery}},
    {"instance.query", {kQuery, kNone, 'E', kNone, kApplication, K::kQuery}},
    {"patient.query", {kQuery, kNone, 'E', kNone, kApplication, K::kQuery}},
    {"study.retrieve", {kInstancesTransferred, kNone, 'R', kDestination, kSource, K::kPatientData}},
    {"series.retrieve",
     {kInstancesTransferred, kNone, 'R', kDestination, kSource, K::kPatientData}},
    {"instance.retrieve",
     {kInstancesTransferred, kNone, 'R', kDestination, kSource, K::kPatientData}},
    {"study.delete", {kStudyDeleted, kNone, 'D', kNone, kApplication, K::kPatientData}},
    {"study.commitment", {kInstancesAccessed, kNone, 'E', kNone, kApplication, K::kPatientData}},
    {"study.", {kInstancesAccessed, kNone, 'R', kNone, kApplication, K::kPatientData}},
    {"series.", {kInstancesAccessed, kNone, 'R', kNone, kApplication, K::kPatientData}},
    {"instance.", {kInstancesAccessed, kNone, 'R', kNone, kApplication, K::kPatientData}},
    {"patient.", {kPatientRecord, kNone, 'R', kNone, kApplication, K::kPatientData}},
    // Reports (src/report): content, signatures and quality records are changes to the patient's
    // record; notifications carry a finding out (an export); anything else under "report." (a
    // download) is an export too.
    {"report.draft", {kPatientRecord, kNone, 'U', kNone, kApplication, K::kPatientData}},
    {"report.sign", {kPatientRecord, kNone, 'U', kNone, kApplication, K::kPatientData}},
    {"report.peer_review", {kPatientRecord, kNone, 'U', kNone, kApplication, K::kPatientData}},
    {"report.review_resolve", {kPatientRecord, kNone, 'U', kNone, kApplication, K::kPatientData}},
    {"report.check_approve", {kPatientRecord, kNone, 'U', kNone, kApplication, K::kPatientData}},
    {"report.check_return", {kPatientRecord, kNone, 'U', kNone, kApplication, K::kPatientData}},
    {"report.critical", {kPatientRecord, kNone, 'C', kNone, kApplication, K::kPatientData}},
    {"report.critical_ack", {kPatientRecord, kNone, 'U', kNone, kApplication, K::kPatientData}},
    {"report.critical_escalate",
     {kPatientRecord, kNone, 'E', kNone, kApplication, K::kPatientData}},
    {"report.question", {kPatientRecord, kNone, 'C', kNone, kApplication, K::kPatientData}},
    {"report.question_reply", {kPatientRecord, kNone, 'C', kNone, kApplication, K::kPatientData}},
    {"report.answer", {kPatientRecord, kNone, 'C', kNone, kApplication, K::kPatientData}},
    {"report.", {kExport, kNone, 'R', kDestination, kSource, K::kPatientData}},
    // The audit trail itself; application life cycle.
    {"audit.", {kAuditLogUsed, kNone, 'R', kNone, kApplication, K::kAuditLog}},
    {"app.", {kApplicationActivity, kNone, 'E', kNone, kApplication, K::kNone}},
};

constexpr ActionInfo kPurge{kAuditLogUsed, kNone, 'D', kNone, kApplication, K::kAuditLog};
constexpr ActionInfo kStart{kApplicationActivity, kApplicationStart, 'E', kNone,
                            kApplication,         K::kNone};
constexpr ActionInfo kStop{kApplicationActivity, kApplicationStop, 'E', kNone,
                           kApplication,         K::kNone};
constexpr ActionInfo kDefault{kApplicationActivity, kNone, 'E', kNone, kApplication, K::kNone};

}  // namespace

const ActionInfo& LookupAction(std::string_view action) {
  if (action == "audit.purge") return kPurge;
  if (action == "app.start") return kStart;
  if (action == "app.stop") return kStop;
  const Entry* best = nullptr;
  for (const Entry& e : kTable) {
    if (e.action == action) return e.info;
    if (e.action.back() == '.' && action.substr(0, e.action.size()) == e.action &&
        (best == nullptr || e.action.size() > best->action.size())) {
      best = &e;
    }
  }
  return best ? best->info : kDefault;
}

}  // namespace dokuei::audit
