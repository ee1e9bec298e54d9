// ToDicomAuditMessage: one record as a DICOM PS3.15 A.5 audit message (the schema's element
// order: EventIdentification, ActiveParticipant+, AuditSourceIdentification,
// ParticipantObjectIdentification*). Codes come from the action table (actions.cc).
#include "actions.h"
#include "dokuei/audit/audit.h"
#include "export_util.h"

namespace dokuei::audit {
namespace {

// Text valid in XML 1.0 attribute values and content: markup escaped, C0 controls (which XML 1.0
// forbids even as references) and U+FFFE/U+FFFF replaced by U+FFFD; tab/LF/CR as references so
// attribute normalisation keeps them.
void AppendEscaped(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\xEF\xBF\xBD";
        } else if (c == '\xEF' && i + 2 < s.size() && s[i + 1] == '\xBF' &&
                   (s[i + 2] == '\xBE' || s[i + 2] == '\xBF')) {
          out += "\xEF\xBF\xBD";
          i += 2;
        } else {
          out += c;
        }
    }
  }
}

class Xml {
 public:
  Xml& Open(std::string_view name) {
    out_ += '<';
    out_ += name;
    return *this;
  }
  Xml& Attr(std::string_view name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    AppendEscaped(out_, value);
    out_ += '"';
    return *this;
  }
  // Ends the start tag of an element that gets children or text.
  Xml& Begin() {
    out_ += '>';
    return *this;
  }
  // Ends an element without content.
  Xml& End() {
    out_ += "/>";
    return *this;
  }
  Xml& Text(std::string_view s) {
    AppendEscaped(out_, s);
    return *this;
  }
  Xml& CloseTag(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
    return *this;
  }
  Xml& Coded(std::string_view element, const Code& code) {
    return Open(element)
        .Attr("csd-code", code.code)
        .Attr("codeSystemName", code.system)
        .Attr("originalText", code.meaning)
        .End();
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

constexpr Code kPatientNumber{"2", "RFC-3881", "Patient Number"};
constexpr Code kStudyUid{"110180", "DCM", "Study Instance UID"};
constexpr Code kSopClassUid{"110181", "DCM", "SOP Class UID"};
constexpr Code kUserIdentifier{"11", "RFC-3881", "User Identifier"};
constexpr Code kUri{"12", "RFC-3881", "URI"};
constexpr Code kApplicationServer{"4", "DCM", "Application Server"};

void Object(Xml& x, std::string_view id, std::string_view type, std::string_view role,
            const Code& id_type) {
  x.Open("ParticipantObjectIdentification")
      .Attr("ParticipantObjectID", id)
      .Attr("ParticipantObjectTypeCode", type)
      .Attr("ParticipantObjectTypeCodeRole", role)
      .Begin()
      .Coded("ParticipantObjectIDTypeCode", id_type);
}

}  // namespace

std::string ToDicomAuditMessage(const Record& record, std::string_view source_id) {
  const Event& e = record.event;
  const ActionInfo& info = LookupAction(e.action);
  Xml x;
  x.Open("AuditMessage").Begin();

  x.Open("EventIdentification")
      .Attr("EventActionCode", std::string(1, info.action_code))
      .Attr("EventDateTime", base::FormatIso8601(record.time))
      .Attr("EventOutcomeIndicator", std::to_string(static_cast<int>(e.outcome)))
      .Begin()
      .Coded("EventID", info.event_id);
  if (!info.event_type.empty()) x.Coded("EventTypeCode", info.event_type);
  if (!e.message.empty()) {
    x.Open("EventOutcomeDescription").Begin().Text(e.message).CloseTag("EventOutcomeDescription");
  }
  x.CloseTag("EventIdentification");

  // The person or peer who acted.
  x.Open("ActiveParticipant").Attr("UserID", e.actor.empty() ? "unknown" : e.actor);
  if (e.actor_user_id != 0) x.Attr("AlternativeUserID", std::to_string(e.actor_user_id));
  x.Attr("UserIsRequestor", "true");
  if (!e.source_address.empty()) {
    x.Attr("NetworkAccessPointID", e.source_address)
        .Attr("NetworkAccessPointTypeCode", LooksLikeIpAddress(e.source_address) ? "2" : "1");
  }
  x.Begin();
  if (!info.requestor_role.empty()) x.Coded("RoleIDCode", info.requestor_role);
  for (const std::string& role : SplitRoles(e.actor_roles)) {
    x.Coded("RoleIDCode", Code{role, "99DOKUEI", role});
  }
  x.CloseTag("ActiveParticipant");

  // Dokuei itself.
  x.Open("ActiveParticipant").Attr("UserID", source_id).Attr("UserIsRequestor", "false").Begin();
  if (!info.system_role.empty()) x.Coded("RoleIDCode", info.system_role);
  x.CloseTag("ActiveParticipant");

  x.Open("AuditSourceIdentification").Attr("AuditSourceID", source_id).Begin();
  x.Coded("AuditSourceTypeCode", kApplicationServer);
  x.CloseTag("AuditSourceIdentification");

  if (!e.patient_id.empty()) {
    Object(x, e.patient_id, "1", "1", kPatientNumber);
    x.CloseTag("ParticipantObjectIdentification");
  }
  for (const std::string& uid : e.study_uids) {
    Object(x, uid, "2", "3", kStudyUid);
    // Per-class counts are known when the event concerns one study and one SOP class.
    if (e.study_uids.size() == 1 && !e.sop_class_uid.empty() &&
        info.objects == ObjectKind::kPatientData) {
      x.Open("ParticipantObjectDescription").Begin();
      x.Open("SOPClass").Attr("UID", e.sop_class_uid);
      if (e.object_count > 0) x.Attr("NumberOfInstances", std::to_string(e.object_count));
      x.End();
      x.CloseTag("ParticipantObjectDescription");
    }
    x.CloseTag("ParticipantObjectIdentification");
  }
  switch (info.objects) {
    case ObjectKind::kQuery: {
      const bool by_class = !e.sop_class_uid.empty();
      const std::string route = e.object_detail.substr(0, e.object_detail.find('?'));
      Object(x, by_class ? e.sop_class_uid : (route.empty() ? std::string("query") : route), "2",
             "24", by_class ? kSopClassUid : kUri);
      x.Open("ParticipantObjectQuery").Begin().Text(Base64(e.object_detail));
      x.CloseTag("ParticipantObjectQuery");
      x.CloseTag("ParticipantObjectIdentification");
      break;
    }
    case ObjectKind::kUser:
      if (!e.object_detail.empty()) {
        Object(x, e.object_detail, "1", "11", kUserIdentifier);
        x.CloseTag("ParticipantObjectIdentification");
      }
      break;
    case ObjectKind::kResource:
      if (!e.object_detail.empty()) {
        Object(x, e.object_detail, "2", "13", Code{"resource", "99DOKUEI", "Dokuei resource"});
        x.CloseTag("ParticipantObjectIdentification");
      }
      break;
    case ObjectKind::kAuditLog:
      Object(x, "urn:dokuei:audit:" + std::string(source_id), "2", "13", kUri);
      x.Open("ParticipantObjectName").Begin().Text("Security Audit Log");
      x.CloseTag("ParticipantObjectName");
      if (!e.object_detail.empty()) {
        x.Open("ParticipantObjectDetail")
            .Attr("type", "detail")
            .Attr("value", Base64(e.object_detail))
            .End();
      }
      x.CloseTag("ParticipantObjectIdentification");
      break;
    case ObjectKind::kPatientData:
    case ObjectKind::kNone:
      break;
  }
  x.CloseTag("AuditMessage");
  return x.Take();
}

}  // namespace dokuei::audit
