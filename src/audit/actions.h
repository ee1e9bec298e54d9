// The one table from our Event.action names to DICOM PS3.15 A.5 event codes (EventID,
// EventTypeCode, EventActionCode) and to the roles of the participants. The FHIR AuditEvent
// export uses the same codes (type/subtype from the DCM code system).
// Thread safety: immutable data.
#pragma once

#include <string_view>

namespace dokuei::audit {

struct Code {
  std::string_view code;     // "110114"
  std::string_view system;   // "DCM", "RFC-3881", ...
  std::string_view meaning;  // "User Authentication"
  bool empty() const { return code.empty(); }
};

// What the participant objects of an event are.
enum class ObjectKind : uint8_t {
  kNone,
  kPatientData,  // patient (type 1, role 1) and studies (type 2, role 3)
  kQuery,        // + the query (type 2, role 24)
  kUser,         // object_detail names a user (type 1, role 11 Security User Entity)
  kResource,     // object_detail names a tenant, AE title, token... (type 2, role 13)
  kAuditLog,     // object_detail describes audit records (type 2, role 13)
};

struct ActionInfo {
  Code event_id;
  Code event_type;      // EventTypeCode, may be empty
  char action_code;     // EventActionCode: C, R, U, D, E
  Code requestor_role;  // RoleIDCode of the actor (e.g. 110153 Source), may be empty
  Code system_role;     // RoleIDCode of Dokuei (e.g. 110152 Destination), may be empty
  ObjectKind objects;
};

// Exact match first, then the longest matching "prefix." entry, else Application Activity.
const ActionInfo& LookupAction(std::string_view action);

}  // namespace dokuei::audit
