// FHIR R4 ServiceRequest samples mapped to reading requests; refusals as OperationOutcome.
#include "dokuei/intake/fhir.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "intake_test_util.h"

namespace dokuei::intake {
namespace {

using nlohmann::json;
using workflow::Modality;
using workflow::Priority;
using workflow::Region;

TEST(FhirTest, LumbarMrStat) {
  auto o = FromFhirServiceRequest(Sample("fhir_servicerequest_lumbar_mr_stat.json"), 7);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->fhir_id, "sr-778001");
  EXPECT_EQ(o->patient_id, "P0012345");
  EXPECT_EQ(o->accession_number, "ACC-778002");
  EXPECT_EQ(o->request.tenant_id, 7);
  EXPECT_EQ(o->request.source, "fhir");
  EXPECT_EQ(o->request.study_uid, "1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778002");
  const auto& d = o->request.details;
  EXPECT_EQ(d.priority, Priority::kStat);
  EXPECT_EQ(d.modality, Modality::kMr);
  EXPECT_EQ(d.region, Region::kLumbar);
  EXPECT_EQ(d.clinical_question,
            "腰痛と右下肢のしびれ。馬尾症候群の除外\n急性増悪、膀胱直腸障害あり");
  ASSERT_TRUE(d.desired_return_at.has_value());
  EXPECT_EQ(base::FormatIso8601(*d.desired_return_at).substr(0, 19), "2026-11-25T03:00:00");
}

TEST(FhirTest, ThoracicCtAsapIsSameDayWithPeriodEnd) {
  auto o = FromFhirServiceRequest(Sample("fhir_servicerequest_thoracic_ct_asap.json"), 7);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->patient_id, "Patient/momiji-00456790");
  EXPECT_EQ(o->request.details.priority, Priority::kSameDay);
  EXPECT_EQ(o->request.details.modality, Modality::kCt);
  EXPECT_EQ(o->request.details.region, Region::kThoracic);  // from code.text
  EXPECT_EQ(o->request.details.clinical_question, "Fracture of bone");
  ASSERT_TRUE(o->request.details.desired_return_at.has_value());
  EXPECT_EQ(base::FormatIso8601(*o->request.details.desired_return_at).substr(0, 19),
            "2026-11-25T09:00:00");
}

TEST(FhirTest, DraftIsNotSupported) {
  auto o = FromFhirServiceRequest(Sample("fhir_servicerequest_error_draft.json"), 7);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), base::Code::kUnsupported);
  EXPECT_EQ(o.status().field(), "ServiceRequest.status");
  EXPECT_EQ(FhirHttpStatus(o.status()), 422);
  const json oo = json::parse(FhirOperationOutcome(o.status()));
  EXPECT_EQ(oo["resourceType"], "OperationOutcome");
  EXPECT_EQ(oo["issue"][0]["severity"], "error");
  EXPECT_EQ(oo["issue"][0]["code"], "not-supported");
  EXPECT_EQ(oo["issue"][0]["expression"][0], "ServiceRequest.status");
  EXPECT_EQ(oo["issue"][0]["details"]["text"], "この ServiceRequest には対応していません");
  const json en = json::parse(FhirOperationOutcome(o.status(), "en"));
  EXPECT_EQ(en["issue"][0]["details"]["text"], "this ServiceRequest is not supported");
}

TEST(FhirTest, EveryRefusalNamesItsElement) {
  json base = json::parse(Sample("fhir_servicerequest_lumbar_mr_stat.json"));
  struct Case {
    std::function<void(json&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](json& j) { j["resourceType"] = "Patient"; }, "resourceType"},
      {[](json& j) { j.erase("status"); }, "ServiceRequest.status"},
      {[](json& j) { j["intent"] = "proposal"; }, "ServiceRequest.intent"},
      {[](json& j) { j["priority"] = "soon"; }, "ServiceRequest.priority"},
      {[](json& j) { j.erase("identifier"); }, "ServiceRequest.identifier"},
      {[](json& j) { j["identifier"] = "x"; }, "ServiceRequest.identifier"},
      {[](json& j) { j.erase("subject"); }, "ServiceRequest.subject"},
      {[](json& j) { j["subject"] = json::object(); }, "ServiceRequest.subject"},
      {[](json& j) { j.erase("code"); }, "ServiceRequest.code"},
      {[](json& j) { j["bodySite"] = 3; }, "ServiceRequest.bodySite"},
      {[](json& j) { j["extension"][0]["valueDateTime"] = "tomorrow"; },
       "ServiceRequest.extension"},
      {[](json& j) {
         j.erase("extension");
         j["occurrenceDateTime"] = 5;
       },
       "ServiceRequest.occurrenceDateTime"},
  };
  for (const Case& c : cases) {
    json j = base;
    c.change(j);
    auto o = FromFhirServiceRequest(j.dump(), 7);
    ASSERT_FALSE(o.ok()) << c.field;
    EXPECT_EQ(o.status().field(), c.field) << o.status().ToString();
    const json oo = json::parse(FhirOperationOutcome(o.status()));
    EXPECT_EQ(oo["issue"][0]["severity"], "error");
  }
  for (const char* bad : {"", "[]", "{", "null", "{\"resourceType\":1}"}) {
    auto o = FromFhirServiceRequest(bad, 7);
    EXPECT_FALSE(o.ok()) << bad;
    EXPECT_EQ(FhirHttpStatus(o.status()), 400);
  }
}

TEST(FhirTest, WrongTypesAreIgnoredOrRefusedNeverThrown) {
  json j = json::parse(Sample("fhir_servicerequest_lumbar_mr_stat.json"));
  j["reasonCode"] = "not an array";
  j["note"] = {{"text", 3}};
  j["code"]["coding"] = 1;
  auto o = FromFhirServiceRequest(j.dump(), 7);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->request.details.modality, Modality::kMr);  // from code.text 腰椎MRI
}

TEST(FhirTest, DuplicateFromCreateIsAConflictOutcome) {
  const base::Status st(base::Code::kAlreadyExists, "an open request exists for this study",
                        "study_uid");
  EXPECT_EQ(FhirHttpStatus(st), 409);
  const json oo = json::parse(FhirOperationOutcome(st, "en"));
  EXPECT_EQ(oo["issue"][0]["code"], "duplicate");
}

TEST(FhirTest, OrderIdentifiersByType) {
  auto o = FromFhirServiceRequest(Sample("fhir_servicerequest_lumbar_mr_stat.json"), 7);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->request.order.placer_order_number, "ORD-2026-0101");
  EXPECT_EQ(o->request.order.accession_number, "ACC-778002");
  EXPECT_EQ(o->request.order.patient_id, "P0012345");
  auto a =
      FromFhirServiceRequest(Sample("fhir_servicerequest_accession_only_cervical_xray.json"), 7);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->request.study_uid, "");
  EXPECT_EQ(a->request.order.accession_number, "ACC-778003");
  EXPECT_EQ(a->request.order.placer_order_number, "ORD-2026-0102");
  EXPECT_EQ(a->request.order.filler_order_number, "RIS-55102");
  EXPECT_EQ(a->request.details.modality, Modality::kXray);
  EXPECT_EQ(a->request.details.region, Region::kCervical);
  // "PLACE" is not "PLAC".
  json j = json::parse(Sample("fhir_servicerequest_accession_only_cervical_xray.json"));
  j["identifier"][0]["type"]["coding"][0]["code"] = "PLACE";
  auto p = FromFhirServiceRequest(j.dump(), 7);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->request.order.placer_order_number, "");
}

TEST(FhirTest, ARequestAsAServiceRequest) {
  workflow::ReadingRequest r;
  r.id = 42;
  r.version = 3;
  r.study_uid = "1.2.3.4";
  r.state = workflow::State::kCancelled;
  r.details.priority = workflow::Priority::kSameDay;
  r.details.modality = Modality::kMr;
  r.details.region = Region::kLumbar;
  r.details.clinical_question = "腰痛";
  r.order.placer_order_number = "ORD-1";
  r.order.accession_number = "ACC-1";
  r.order.patient_id = "Patient/9";
  const json j = json::parse(ToFhirServiceRequest(r));
  EXPECT_EQ(j["resourceType"], "ServiceRequest");
  EXPECT_EQ(j["id"], "42");
  EXPECT_EQ(j["meta"]["versionId"], "3");
  EXPECT_EQ(j["status"], "revoked");
  EXPECT_EQ(j["priority"], "asap");
  EXPECT_EQ(j["identifier"][0]["value"], "urn:oid:1.2.3.4");
  EXPECT_EQ(j["identifier"][1]["type"]["coding"][0]["code"], "PLAC");
  EXPECT_EQ(j["identifier"][1]["value"], "ORD-1");
  EXPECT_EQ(j["identifier"][2]["type"]["coding"][0]["code"], "ACSN");
  EXPECT_EQ(j["subject"]["reference"], "Patient/9");
  EXPECT_EQ(j["bodySite"][0]["coding"][0]["code"], "122496007");
  EXPECT_EQ(j["reasonCode"][0]["text"], "腰痛");
  // Read back, it maps to the same request.
  json active = j;
  active["status"] = "active";
  auto back = FromFhirServiceRequest(active.dump(), 7);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->request.study_uid, "1.2.3.4");
  EXPECT_EQ(back->request.order.placer_order_number, "ORD-1");
  EXPECT_EQ(back->request.details.priority, workflow::Priority::kSameDay);
  EXPECT_EQ(back->request.details.modality, Modality::kMr);
  EXPECT_EQ(back->request.details.region, Region::kLumbar);
  EXPECT_EQ(back->request.details.clinical_question, "腰痛");
}

}  // namespace
}  // namespace dokuei::intake
