// DICOM PS3.15 A.5 audit messages (parsed by an independent XML parser: Python's minidom) and
// FHIR R4 AuditEvent resources (parsed by nlohmann::json) for the actions our callers write.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "actions.h"
#include "canonical.h"
#include "dokuei/audit/audit.h"
#include "dokuei/base/random.h"

namespace dokuei::audit {
namespace {

using nlohmann::json;

// Parses the XML with minidom (so a malformed document fails here) and returns its structure.
constexpr const char* kXmlSummary = R"PY(
import json, sys, xml.dom.minidom as m
root = m.parse(sys.argv[1]).documentElement
def attrs(e): return dict(e.attributes.items())
def kids(e): return [c.tagName for c in e.childNodes if c.nodeType == 1]
def text(e): return "".join(t.data for t in e.childNodes if t.nodeType in (3, 4))
ei = root.getElementsByTagName("EventIdentification")[0]
src = root.getElementsByTagName("AuditSourceIdentification")[0]
print(json.dumps({
  "root": root.tagName, "children": kids(root), "event": attrs(ei), "event_children": kids(ei),
  "event_id": attrs(ei.getElementsByTagName("EventID")[0]),
  "event_types": [attrs(x) for x in ei.getElementsByTagName("EventTypeCode")],
  "outcome_desc": [text(x) for x in ei.getElementsByTagName("EventOutcomeDescription")],
  "participants": [{"attrs": attrs(p),
                    "roles": [attrs(r) for r in p.getElementsByTagName("RoleIDCode")]}
                   for p in root.getElementsByTagName("ActiveParticipant")],
  "source": attrs(src), "source_type": attrs(src.getElementsByTagName("AuditSourceTypeCode")[0]),
  "objects": [{"attrs": attrs(o), "children": kids(o),
               "id_type": attrs(o.getElementsByTagName("ParticipantObjectIDTypeCode")[0]),
               "sop": [attrs(s) for s in o.getElementsByTagName("SOPClass")],
               "query": [text(q) for q in o.getElementsByTagName("ParticipantObjectQuery")]}
              for o in root.getElementsByTagName("ParticipantObjectIdentification")]}))
)PY";

json ParseXml(const std::string& xml) {
  const auto dir = std::filesystem::temp_directory_path() / ("dokuei-xml-" + base::RandomHex(6));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "message.xml", std::ios::binary) << xml;
    std::ofstream(dir / "summary.py") << kXmlSummary;
  }
  const std::string cmd = "/usr/bin/python3 " + (dir / "summary.py").string() + " " +
                          (dir / "message.xml").string() + " 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    pclose(p);
  }
  std::filesystem::remove_all(dir);
  json j = json::parse(out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not well-formed XML:\n" << out << "\n" << xml;
  return j;
}

Record MakeRecord(Event e, int64_t seq = 42) {
  EXPECT_TRUE(Normalize(e).ok());
  Record r;
  r.seq = seq;
  r.time = base::FromUnixMicros(1'790'000'000'123'456);
  r.event = std::move(e);
  r.hash = std::string(64, 'a');
  return r;
}

Event Store() {
  Event e;
  e.action = "instance.store";
  e.tenant_id = 3;
  e.actor = "ae:MODALITY_A";
  e.source_address = "192.0.2.5";
  e.protocol = "dimse";
  e.patient_id = "P001";
  e.study_uids = {"1.2.392.200036.9116.2.6.1.48.1214834115.1486536"};
  e.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
  e.object_count = 1;
  e.object_detail = "1.2.392.200036.9116.2.6.1.48.1214834115.1486536.1";
  return e;
}

TEST(ActionTableTest, MapsOurActionsToDicomCodes) {
  struct Want {
    std::string action;
    std::string event_id, event_type;
    char code;
  };
  for (const Want& w : std::vector<Want>{
           {"login", "110114", "110122", 'E'},
           {"login.failure", "110114", "110122", 'E'},
           {"logout", "110114", "110123", 'E'},
           {"session.expired", "110114", "110123", 'E'},
           {"token.use", "110114", "110122", 'E'},
           {"user.create", "110113", "110137", 'C'},
           {"user.update", "110113", "110137", 'U'},
           {"role.change", "110113", "110136", 'U'},
           {"tenant.create", "110113", "110129", 'C'},
           {"token.create", "110113", "110137", 'C'},
           {"token.revoke", "110113", "110137", 'D'},
           {"ae.association.refused", "110113", "110126", 'E'},
           {"access.denied", "110113", "110132", 'E'},
           {"instance.store", "110104", "", 'C'},
           {"study.query", "110112", "", 'E'},
           {"study.retrieve", "110104", "", 'R'},
           {"study.view", "110103", "", 'R'},
           {"study.metadata", "110103", "", 'R'},
           {"study.delete", "110105", "", 'D'},
           {"patient.view", "110110", "", 'R'},
           {"report.download", "110106", "", 'R'},
           {"report.notify", "110106", "", 'R'},
           {"report.sign", "110110", "", 'U'},
           {"report.critical", "110110", "", 'C'},
           {"report.critical_escalate", "110110", "", 'E'},
           {"audit.search", "110101", "", 'R'},
           {"audit.export", "110101", "", 'R'},
           {"audit.purge", "110101", "", 'D'},
           {"app.start", "110100", "110120", 'E'},
           {"something.new", "110100", "", 'E'},
       }) {
    SCOPED_TRACE(w.action);
    const ActionInfo& a = LookupAction(w.action);
    EXPECT_EQ(a.event_id.code, w.event_id);
    EXPECT_EQ(a.event_type.code, w.event_type);
    EXPECT_EQ(a.action_code, w.code);
  }
}

TEST(DicomAuditMessageTest, InstanceStore) {
  const json j = ParseXml(ToDicomAuditMessage(MakeRecord(Store()), "DOKUEI"));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["root"], "AuditMessage");
  // Schema order.
  EXPECT_EQ(j["children"],
            json::array({"EventIdentification", "ActiveParticipant", "ActiveParticipant",
                         "AuditSourceIdentification", "ParticipantObjectIdentification",
                         "ParticipantObjectIdentification"}));
  EXPECT_EQ(j["event"]["EventActionCode"], "C");
  EXPECT_EQ(j["event"]["EventDateTime"], "2026-09-21T14:13:20.123456Z");
  EXPECT_EQ(j["event"]["EventOutcomeIndicator"], "0");
  EXPECT_EQ(j["event_id"], json({{"csd-code", "110104"},
                                 {"codeSystemName", "DCM"},
                                 {"originalText", "DICOM Instances Transferred"}}));
  const json& requestor = j["participants"][0];
  EXPECT_EQ(requestor["attrs"]["UserID"], "ae:MODALITY_A");
  EXPECT_EQ(requestor["attrs"]["UserIsRequestor"], "true");
  EXPECT_EQ(requestor["attrs"]["NetworkAccessPointID"], "192.0.2.5");
  EXPECT_EQ(requestor["attrs"]["NetworkAccessPointTypeCode"], "2");
  EXPECT_EQ(requestor["roles"][0]["csd-code"], "110153");  // the modality is the source
  const json& self = j["participants"][1];
  EXPECT_EQ(self["attrs"]["UserID"], "DOKUEI");
  EXPECT_EQ(self["attrs"]["UserIsRequestor"], "false");
  EXPECT_EQ(self["roles"][0]["csd-code"], "110152");
  EXPECT_EQ(j["source"]["AuditSourceID"], "DOKUEI");
  EXPECT_EQ(j["source_type"]["csd-code"], "4");
  const json& patient = j["objects"][0];
  EXPECT_EQ(patient["attrs"]["ParticipantObjectID"], "P001");
  EXPECT_EQ(patient["attrs"]["ParticipantObjectTypeCode"], "1");
  EXPECT_EQ(patient["attrs"]["ParticipantObjectTypeCodeRole"], "1");
  EXPECT_EQ(patient["id_type"]["csd-code"], "2");
  EXPECT_EQ(patient["id_type"]["codeSystemName"], "RFC-3881");
  const json& study = j["objects"][1];
  EXPECT_EQ(study["attrs"]["ParticipantObjectID"],
            "1.2.392.200036.9116.2.6.1.48.1214834115.1486536");
  EXPECT_EQ(study["attrs"]["ParticipantObjectTypeCode"], "2");
  EXPECT_EQ(study["attrs"]["ParticipantObjectTypeCodeRole"], "3");
  EXPECT_EQ(study["id_type"]["csd-code"], "110180");
  ASSERT_EQ(study["sop"].size(), 1u);
  EXPECT_EQ(study["sop"][0]["UID"], "1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(study["sop"][0]["NumberOfInstances"], "1");
}

TEST(DicomAuditMessageTest, QueryCarriesTheQuery) {
  Event e;
  e.action = "study.query";
  e.tenant_id = 3;
  e.actor = "yamada";
  e.actor_roles = "reader, checker";
  e.source_address = "2001:db8::1";
  e.object_detail = "/dicom-web/studies?PatientID=P001&limit=10";
  const json j = ParseXml(ToDicomAuditMessage(MakeRecord(e), "DOKUEI"));
  EXPECT_EQ(j["event_id"]["csd-code"], "110112");
  EXPECT_EQ(j["event"]["EventActionCode"], "E");
  EXPECT_EQ(j["participants"][0]["attrs"]["NetworkAccessPointTypeCode"], "2");
  ASSERT_EQ(j["participants"][0]["roles"].size(), 2u);
  EXPECT_EQ(j["participants"][0]["roles"][0]["csd-code"], "reader");
  EXPECT_EQ(j["participants"][0]["roles"][1]["csd-code"], "checker");
  ASSERT_EQ(j["objects"].size(), 1u);
  const json& q = j["objects"][0];
  EXPECT_EQ(q["attrs"]["ParticipantObjectTypeCode"], "2");
  EXPECT_EQ(q["attrs"]["ParticipantObjectTypeCodeRole"], "24");
  EXPECT_EQ(q["attrs"]["ParticipantObjectID"], "/dicom-web/studies");
  EXPECT_EQ(q["query"][0], "L2RpY29tLXdlYi9zdHVkaWVzP1BhdGllbnRJRD1QMDAxJmxpbWl0PTEw");
}

TEST(DicomAuditMessageTest, LoginFailure) {
  Event e;
  e.action = "login.failure";
  e.outcome = Outcome::kMinorFailure;
  e.actor = "yamada";
  e.source_address = "192.0.2.9";
  e.message = "bad password";
  const json j = ParseXml(ToDicomAuditMessage(MakeRecord(e), "DOKUEI"));
  EXPECT_EQ(j["event_id"]["csd-code"], "110114");
  EXPECT_EQ(j["event_types"][0]["csd-code"], "110122");
  EXPECT_EQ(j["event"]["EventOutcomeIndicator"], "4");
  EXPECT_EQ(j["outcome_desc"][0], "bad password");
  EXPECT_EQ(j["event_children"],
            json::array({"EventID", "EventTypeCode", "EventOutcomeDescription"}));
  EXPECT_TRUE(j["objects"].empty());
}

TEST(DicomAuditMessageTest, UserChangeNamesTheUser) {
  Event e;
  e.action = "user.create";
  e.actor = "admin";
  e.object_detail = "suzuki";
  const json j = ParseXml(ToDicomAuditMessage(MakeRecord(e), "DOKUEI"));
  EXPECT_EQ(j["event_id"]["csd-code"], "110113");
  EXPECT_EQ(j["event_types"][0]["csd-code"], "110137");
  EXPECT_EQ(j["event"]["EventActionCode"], "C");
  ASSERT_EQ(j["objects"].size(), 1u);
  EXPECT_EQ(j["objects"][0]["attrs"]["ParticipantObjectID"], "suzuki");
  EXPECT_EQ(j["objects"][0]["attrs"]["ParticipantObjectTypeCodeRole"], "11");
}

TEST(DicomAuditMessageTest, MarkupAndControlCharactersStayWellFormed) {
  Event e = Store();
  e.actor = "<script>alert('x')</script> & \"山田\"\x01\x1F";
  e.patient_id = "P<1>&]]>";
  e.message = std::string("line1\nline2\ttab\r") + "\xEF\xBF\xBE";
  const json j = ParseXml(ToDicomAuditMessage(MakeRecord(e), "DOKUEI \"main\""));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["participants"][0]["attrs"]["UserID"],
            "<script>alert('x')</script> & \"山田\"\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(j["objects"][0]["attrs"]["ParticipantObjectID"], "P<1>&]]>");
  EXPECT_EQ(j["outcome_desc"][0], "line1\nline2\ttab\r\xEF\xBF\xBD");
  EXPECT_EQ(j["source"]["AuditSourceID"], "DOKUEI \"main\"");
}

TEST(DicomAuditMessageTest, EveryMappedActionIsWellFormed) {
  for (const char* action :
       {"login", "logout", "token.use", "user.update", "role.change", "tenant.create",
        "token.revoke", "ae.association.refused", "access.denied", "study.retrieve", "study.view",
        "study.delete", "patient.view", "report.download", "audit.search", "audit.purge",
        "app.start", "anything.else"}) {
    SCOPED_TRACE(action);
    Event e = Store();
    e.action = action;
    e.study_uids.push_back("1.2.3");
    const json j = ParseXml(ToDicomAuditMessage(MakeRecord(e), "DOKUEI"));
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["root"], "AuditMessage");
    EXPECT_FALSE(j["event_id"]["csd-code"].get<std::string>().empty());
  }
}

TEST(FhirAuditEventTest, InstanceStore) {
  const json j = json::parse(ToFhirAuditEvent(MakeRecord(Store()), "DOKUEI"));
  EXPECT_EQ(j["resourceType"], "AuditEvent");
  EXPECT_EQ(j["id"], "42");
  EXPECT_EQ(j["type"]["system"], "http://dicom.nema.org/resources/ontology/DCM");
  EXPECT_EQ(j["type"]["code"], "110104");
  EXPECT_EQ(j["action"], "C");
  EXPECT_EQ(j["recorded"], "2026-09-21T14:13:20.123456Z");
  EXPECT_EQ(j["outcome"], "0");
  ASSERT_EQ(j["agent"].size(), 2u);
  EXPECT_EQ(j["agent"][0]["requestor"], true);
  EXPECT_EQ(j["agent"][0]["who"]["identifier"]["value"], "ae:MODALITY_A");
  EXPECT_EQ(j["agent"][0]["network"]["address"], "192.0.2.5");
  EXPECT_EQ(j["agent"][0]["network"]["type"], "2");
  EXPECT_EQ(j["agent"][0]["type"]["coding"][0]["code"], "110153");
  EXPECT_EQ(j["agent"][1]["requestor"], false);
  EXPECT_EQ(j["source"]["observer"]["display"], "DOKUEI");
  EXPECT_EQ(j["source"]["type"][0]["code"], "4");
  ASSERT_EQ(j["entity"].size(), 2u);
  EXPECT_EQ(j["entity"][0]["what"]["identifier"]["value"], "P001");
  EXPECT_EQ(j["entity"][0]["type"]["code"], "1");
  EXPECT_EQ(j["entity"][0]["role"]["code"], "1");
  EXPECT_EQ(j["entity"][1]["what"]["identifier"]["value"],
            "urn:oid:1.2.392.200036.9116.2.6.1.48.1214834115.1486536");
  EXPECT_EQ(j["entity"][1]["type"]["code"], "2");
  EXPECT_EQ(j["entity"][1]["role"]["code"], "3");
  EXPECT_EQ(j["entity"][1]["extension"][0]["valueInteger"], 1);
}

TEST(FhirAuditEventTest, LoginFailureAndQuery) {
  Event e;
  e.action = "login.failure";
  e.outcome = Outcome::kSeriousFailure;
  e.actor = "yamada";
  e.message = "account locked";
  json j = json::parse(ToFhirAuditEvent(MakeRecord(e), "DOKUEI"));
  EXPECT_EQ(j["type"]["code"], "110114");
  EXPECT_EQ(j["subtype"][0]["code"], "110122");
  EXPECT_EQ(j["outcome"], "8");
  EXPECT_EQ(j["outcomeDesc"], "account locked");
  EXPECT_FALSE(j.contains("entity"));

  e = Event{};
  e.action = "study.query";
  e.actor = "ae:PACS";
  e.sop_class_uid = "1.2.840.10008.5.1.4.1.2.2.1";
  e.object_detail = "(0010,0020)=P001";
  j = json::parse(ToFhirAuditEvent(MakeRecord(e), "DOKUEI"));
  EXPECT_EQ(j["type"]["code"], "110112");
  EXPECT_EQ(j["entity"][0]["role"]["code"], "24");
  EXPECT_EQ(j["entity"][0]["what"]["identifier"]["value"], "1.2.840.10008.5.1.4.1.2.2.1");
  EXPECT_EQ(j["entity"][0]["query"], "KDAwMTAsMDAyMCk9UDAwMQ==");
}

}  // namespace
}  // namespace dokuei::audit
