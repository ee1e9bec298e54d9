// ToFhirAuditEvent: one record as a FHIR R4 AuditEvent resource. type/subtype are the DICOM event
// codes of the action table; entity roles and types from the HL7 object-role and
// audit-entity-type code systems (the same numbers as the DICOM ParticipantObject codes).
#include <nlohmann/json.hpp>

#include "actions.h"
#include "dokuei/audit/audit.h"
#include "export_util.h"

namespace dokuei::audit {
namespace {

using nlohmann::json;

constexpr std::string_view kDcm = "http://dicom.nema.org/resources/ontology/DCM";
constexpr std::string_view kEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
constexpr std::string_view kObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";
constexpr std::string_view kSourceType =
    "http://terminology.hl7.org/CodeSystem/security-source-type";
constexpr std::string_view kNumberOfInstances =
    "http://hl7.org/fhir/StructureDefinition/auditevent-NumberOfInstances";

json Coding(std::string_view system, std::string_view code, std::string_view display) {
  return {{"system", system}, {"code", code}, {"display", display}};
}

json DcmCoding(const Code& c) { return Coding(kDcm, c.code, c.meaning); }

json Entity(json what, std::string_view type, std::string_view type_display, std::string_view role,
            std::string_view role_display) {
  return {{"what", std::move(what)},
          {"type", Coding(kEntityType, type, type_display)},
          {"role", Coding(kObjectRole, role, role_display)}};
}

json Identifier(std::string_view value) { return {{"identifier", {{"value", value}}}}; }

}  // namespace

std::string ToFhirAuditEvent(const Record& record, std::string_view source_id) {
  const Event& e = record.event;
  const ActionInfo& info = LookupAction(e.action);
  json ev = {{"resourceType", "AuditEvent"},
             {"id", std::to_string(record.seq)},
             {"type", DcmCoding(info.event_id)},
             {"action", std::string(1, info.action_code)},
             {"recorded", base::FormatIso8601(record.time)},
             {"outcome", std::to_string(static_cast<int>(e.outcome))}};
  if (!info.event_type.empty()) ev["subtype"] = json::array({DcmCoding(info.event_type)});
  if (!e.message.empty()) ev["outcomeDesc"] = e.message;

  const std::string actor = e.actor.empty() ? "unknown" : e.actor;
  json agent = {{"who", {{"identifier", {{"value", actor}}}, {"display", actor}}},
                {"requestor", true}};
  if (!info.requestor_role.empty()) {
    agent["type"] = {{"coding", json::array({DcmCoding(info.requestor_role)})}};
  }
  json roles = json::array();
  for (const std::string& role : SplitRoles(e.actor_roles)) {
    roles.push_back({{"coding", json::array({Coding("urn:dokuei:role", role, role)})}});
  }
  if (!roles.empty()) agent["role"] = std::move(roles);
  if (e.actor_user_id != 0) agent["altId"] = std::to_string(e.actor_user_id);
  if (!e.source_address.empty()) {
    agent["network"] = {{"address", e.source_address},
                        {"type", LooksLikeIpAddress(e.source_address) ? "2" : "1"}};
  }
  json system = {{"who", {{"display", source_id}}}, {"requestor", false}};
  if (!info.system_role.empty()) {
    system["type"] = {{"coding", json::array({DcmCoding(info.system_role)})}};
  }
  ev["agent"] = json::array({std::move(agent), std::move(system)});

  ev["source"] = {{"site", source_id},
                  {"observer", {{"display", source_id}}},
                  {"type", json::array({Coding(kSourceType, "4", "Application Server")})}};

  json entities = json::array();
  if (!e.patient_id.empty()) {
    entities.push_back(Entity(Identifier(e.patient_id), "1", "Person", "1", "Patient"));
  }
  for (const std::string& uid : e.study_uids) {
    json study =
        Entity({{"identifier", {{"system", "urn:dicom:uid"}, {"value", "urn:oid:" + uid}}}}, "2",
               "System Object", "3", "Report");
    if (e.study_uids.size() == 1 && e.object_count > 0 &&
        info.objects == ObjectKind::kPatientData) {
      study["extension"] =
          json::array({{{"url", kNumberOfInstances}, {"valueInteger", e.object_count}}});
    }
    entities.push_back(std::move(study));
  }
  switch (info.objects) {
    case ObjectKind::kQuery: {
      json q = Entity(
          Identifier(e.sop_class_uid.empty() ? e.object_detail.substr(0, e.object_detail.find('?'))
                                             : e.sop_class_uid),
          "2", "System Object", "24", "Query");
      q["query"] = Base64(e.object_detail);
      entities.push_back(std::move(q));
      break;
    }
    case ObjectKind::kUser:
      if (!e.object_detail.empty()) {
        entities.push_back(
            Entity(Identifier(e.object_detail), "1", "Person", "11", "Security User Entity"));
      }
      break;
    case ObjectKind::kResource:
      if (!e.object_detail.empty()) {
        entities.push_back(
            Entity(Identifier(e.object_detail), "2", "System Object", "13", "Security Resource"));
      }
      break;
    case ObjectKind::kAuditLog: {
      json log = Entity({{"display", "Security Audit Log"}}, "2", "System Object", "13",
                        "Security Resource");
      if (!e.object_detail.empty()) {
        log["detail"] = json::array({{{"type", "detail"}, {"valueString", e.object_detail}}});
      }
      entities.push_back(std::move(log));
      break;
    }
    case ObjectKind::kPatientData:
    case ObjectKind::kNone:
      break;
  }
  if (!entities.empty()) ev["entity"] = std::move(entities);
  // Strings are valid UTF-8 (Normalize); replace anything else rather than throw.
  return ev.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ToJson(const Record& r) {
  const Event& e = r.event;
  json out = {{"seq", r.seq},
              {"time", base::FormatIso8601(r.time)},
              {"action", e.action},
              {"outcome", static_cast<int>(e.outcome)},
              {"tenant_id", e.tenant_id},
              {"actor", e.actor},
              {"actor_user_id", e.actor_user_id},
              {"actor_tenant_id", e.actor_tenant_id},
              {"actor_roles", e.actor_roles},
              {"source_address", e.source_address},
              {"protocol", e.protocol},
              {"patient_id", e.patient_id},
              {"study_uids", e.study_uids},
              {"object_count", e.object_count},
              {"object_detail", e.object_detail},
              {"sop_class_uid", e.sop_class_uid},
              {"message", e.message},
              {"hash", r.hash}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace dokuei::audit
