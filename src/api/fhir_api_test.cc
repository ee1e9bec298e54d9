// FHIR ServiceRequest routes, order identifiers on POST /api/requests, and the contract's start
// date and fees in the monthly statement, over real HTTP on SQLite and PostgreSQL, with the FHIR
// samples of src/intake/testdata.
#include <fstream>
#include <sstream>

#include "api_fixture.h"
#include "dokuei/workflow/sla.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::api::testing {
namespace {

std::string FhirSample(const std::string& name) {
  const char* root = std::getenv("DOKUEI_SOURCE_DIR");
  const std::string path = std::string(root ? root : ".") + "/src/intake/testdata/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing sample " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::map<std::string, std::string> kFhir = {{"Content-Type", "application/fhir+json"}};

class FhirApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    directory_ = workflow::IdentityReaderDirectory(stack_.id());
    workflow::WorkflowOptions o;
    o.audit = AuditToLog();
    auto wf = workflow::OpenWorkflow(stack_.database(), stack_.clock(), *directory_, o);
    ASSERT_TRUE(wf.ok()) << wf.status().ToString();
    wf_ = std::move(wf).value();
    services_->workflow = wf_.get();
    server_->Stop();
    ASSERT_TRUE(RegisterWorkflowRoutes(routes_, *services_).ok());
    StartServer(2);
    // A hospital system's API token: no roles, the permissions of its grant.
    http::Principal token;
    token.tenant_id = sakura_.id;
    token.tenant_kind = "hospital";
    token.subject = "token:sakura-ris";
    token.permissions = {"requests.create", "requests.read"};
    token.via = http::Principal::Via::kBearer;
    auth_.Add("tok-sakura.ris", token);
    NewRecords();
  }
  void TearDown() override {
    ApiTest::TearDown();
    wf_.reset();
  }
  HttpResult Post(const std::string& as, const std::string& body,
                  const std::map<std::string, std::string>& headers = kFhir) {
    return Call(server_->port(), "POST", "/api/fhir/ServiceRequest", "tok-" + as, body, headers);
  }
  std::vector<std::string> Actions() {
    std::vector<std::string> out;
    for (const auto& r : NewRecords()) out.push_back(r.event.action);
    return out;
  }
  // The identifier values of a ServiceRequest by type code (or "uid").
  static std::map<std::string, std::string> Ids(const json& sr) {
    std::map<std::string, std::string> out;
    for (const json& id : sr.value("identifier", json::array())) {
      if (id.value("system", "") == "urn:dicom:uid") {
        out["uid"] = id["value"];
      } else {
        out[id["type"]["coding"][0]["code"].get<std::string>()] = id["value"];
      }
    }
    return out;
  }

  std::unique_ptr<workflow::ReaderDirectory> directory_;
  std::unique_ptr<workflow::Workflow> wf_;
};

TEST_P(FhirApiTest, PostCreatesGetReadsAndAResendIsTheSameRequest) {
  const std::string sample = FhirSample("fhir_servicerequest_lumbar_mr_stat.json");
  auto created = Post("sakura.staff", sample);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers["Content-Type"].rfind("application/fhir+json", 0), 0u);
  const json sr = created.Json();
  EXPECT_EQ(sr["resourceType"], "ServiceRequest");
  const std::string id = sr["id"];
  EXPECT_EQ(created.headers["Location"], "/api/fhir/ServiceRequest/" + id);
  EXPECT_EQ(sr["status"], "active");
  EXPECT_EQ(sr["priority"], "stat");
  const auto ids = Ids(sr);
  EXPECT_EQ(ids.at("uid"), "urn:oid:1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778002");
  EXPECT_EQ(ids.at("PLAC"), "ORD-2026-0101");
  EXPECT_EQ(ids.at("ACSN"), "ACC-778002");
  EXPECT_EQ(Actions(), std::vector<std::string>{"request.create"});
  // The request as the workflow API shows it.
  auto r = Do("sakura.staff", "GET", "/api/requests/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["source"], "fhir");
  EXPECT_EQ(r.Json()["placer_order_number"], "ORD-2026-0101");
  EXPECT_EQ(r.Json()["patient_id"], "P0012345");
  EXPECT_EQ(r.Json()["region"], "lumbar");

  // The same order again (application/json works too): 200 with the same request, nothing new.
  auto again = Post("sakura.staff", sample, {{"Content-Type", "application/json"}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.Json()["id"], id);
  EXPECT_TRUE(Actions().empty());
  // The same placer number for another study: 409 naming the identifier.
  json other = json::parse(sample);
  other["identifier"][0]["value"] = "urn:oid:1.2.392.200036.9116.2.5.1.37.99.77";
  other["identifier"][1]["value"] = "ACC-778077";
  auto clash = Post("sakura.staff", other.dump());
  ASSERT_EQ(clash.status, 409) << clash.body;
  EXPECT_EQ(clash.Json()["resourceType"], "OperationOutcome");
  EXPECT_EQ(clash.Json()["issue"][0]["code"], "duplicate");
  EXPECT_EQ(clash.Json()["issue"][0]["expression"][0], "ServiceRequest.identifier");

  auto got = Do("sakura.staff", "GET", "/api/fhir/ServiceRequest/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Json()["id"], id);
  EXPECT_EQ(Ids(got.Json()).at("PLAC"), "ORD-2026-0101");
  EXPECT_EQ(got.Json()["subject"]["identifier"]["value"], "P0012345");
  // Another hospital: 404 exactly like a request that does not exist.
  auto foreign = Do("kaede.staff", "GET", "/api/fhir/ServiceRequest/" + id);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.body, Do("kaede.staff", "GET", "/api/fhir/ServiceRequest/987654").body);
  EXPECT_EQ(foreign.Json()["resourceType"], "OperationOutcome");
  EXPECT_EQ(Do("sakura.staff", "GET", "/api/fhir/ServiceRequest/abc").status, 404);
  // Cancelled: revoked.
  ASSERT_EQ(
      Do("sakura.staff", "POST", "/api/requests/" + id + "/transitions", {{"to", "cancelled"}})
          .status,
      200);
  EXPECT_EQ(Do("sakura.staff", "GET", "/api/fhir/ServiceRequest/" + id).Json()["status"],
            "revoked");
}

TEST_P(FhirApiTest, AHospitalTokensOrderWithoutItsStudyGetsItOnArrival) {
  auto created =
      Post("sakura.ris", FhirSample("fhir_servicerequest_accession_only_cervical_xray.json"));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  EXPECT_EQ(Ids(created.Json()).count("uid"), 0u);
  EXPECT_EQ(Ids(created.Json()).at("FILL"), "RIS-55102");
  auto arrived =
      wf_->requests().RecordArrival(sakura_.id, "1.2.392.200036.9116.2.5.1.37.99.88",
                                    "1.2.392.200036.9116.2.5.1.37.99.88.1", "DX", "ACC-778003");
  ASSERT_TRUE(arrived.ok()) << arrived.status().ToString();
  EXPECT_EQ(std::to_string(arrived->id), id);
  auto got = Do("sakura.ris", "GET", "/api/fhir/ServiceRequest/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Ids(got.Json()).at("uid"), "urn:oid:1.2.392.200036.9116.2.5.1.37.99.88");
  // The audit trail names the token and the attachment.
  EXPECT_EQ(Actions(), (std::vector<std::string>{"request.create", "request.attach"}));
}

TEST_P(FhirApiTest, RefusalsAreOperationOutcomesNamingTheProblem) {
  auto draft = Post("sakura.staff", FhirSample("fhir_servicerequest_error_draft.json"));
  EXPECT_EQ(draft.status, 422) << draft.body;
  EXPECT_EQ(draft.Json()["issue"][0]["code"], "not-supported");
  EXPECT_EQ(draft.Json()["issue"][0]["expression"][0], "ServiceRequest.status");
  EXPECT_EQ(draft.Json()["issue"][0]["details"]["text"],
            "この ServiceRequest には対応していません");
  auto en = Post("sakura.staff", FhirSample("fhir_servicerequest_error_draft.json"),
                 {{"Content-Type", "application/fhir+json"}, {"Accept-Language", "en"}});
  EXPECT_EQ(en.Json()["issue"][0]["details"]["text"], "this ServiceRequest is not supported");
  auto not_json = Post("sakura.staff", "{");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.Json()["resourceType"], "OperationOutcome");
  auto text = Post("sakura.staff", FhirSample("fhir_servicerequest_lumbar_mr_stat.json"),
                   {{"Content-Type", "text/plain"}});
  EXPECT_EQ(text.status, 415);
  EXPECT_EQ(text.Json()["issue"][0]["expression"][0], "Content-Type");
  // Orders come from hospitals: the reading centre's coordinator (who may create requests for
  // any hospital through /api/requests) is told so; a reader lacks the permission.
  auto centre = Post("coord1", FhirSample("fhir_servicerequest_lumbar_mr_stat.json"));
  EXPECT_EQ(centre.status, 422);
  EXPECT_EQ(centre.Json()["issue"][0]["code"], "not-supported");
  EXPECT_NE(centre.Json()["issue"][0]["diagnostics"].get<std::string>().find("/api/requests"),
            std::string::npos);
  EXPECT_EQ(Post("reader1", FhirSample("fhir_servicerequest_lumbar_mr_stat.json")).status, 403);
  EXPECT_EQ(Call(server_->port(), "POST", "/api/fhir/ServiceRequest", "",
                 FhirSample("fhir_servicerequest_lumbar_mr_stat.json"), kFhir)
                .status,
            401);
  EXPECT_TRUE(wf_->requests().List(workflow::Actor::System(), {})->empty());
  EXPECT_TRUE(Actions().empty());
}

TEST_P(FhirApiTest, RequestsTakeOrderNumbersAndAnAccessionNumberInsteadOfAStudy) {
  auto r = Do("sakura.staff", "POST", "/api/requests",
              {{"accession_number", "ACC-1"},
               {"placer_order_number", "ORD-1"},
               {"patient_id", "P1"},
               {"modality", "ct"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(r.Json()["study_uid"].is_null());
  EXPECT_EQ(r.Json()["accession_number"], "ACC-1");
  auto dup = Do("sakura.staff", "POST", "/api/requests",
                {{"study_uid", "1.2.392.5.5"}, {"placer_order_number", "ORD-1"}});
  EXPECT_EQ(dup.status, 409) << dup.body;
  EXPECT_EQ(dup.Json()["field"], "placer_order_number") << dup.body;
  auto none = Do("sakura.staff", "POST", "/api/requests", {{"placer_order_number", "ORD-2"}});
  EXPECT_EQ(none.status, 400);
}

TEST_P(FhirApiTest, ContractStartDateAndFeesInTheStatement) {
  auto put = Do("centre.admin", "PUT", "/api/tenants/sakura/contract",
                {{"prices", {{"mr", 4000}}},
                 {"initial_fee", 100000},
                 {"monthly_fee", 30000},
                 {"start_date", "2026-11-30"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json()["start_date"], "2026-11-30");
  EXPECT_EQ(Do("sakura.admin", "GET", "/api/tenants/sakura/contract").Json()["start_date"],
            "2026-11-30");
  for (const char* bad : {"2026-02-30", "2026-1-01", "1999-12-31", "tomorrow"}) {
    auto r = Do("centre.admin", "PUT", "/api/tenants/sakura/contract", {{"start_date", bad}});
    EXPECT_EQ(r.status, 400) << bad << " " << r.body;
  }
  auto nov = Do("sakura.admin", "GET", "/api/tenants/sakura/billing?month=2026-11");
  ASSERT_EQ(nov.status, 200) << nov.body;
  EXPECT_EQ(nov.Json()["initial_fee"], 100000);
  EXPECT_EQ(nov.Json()["monthly_fee"], 30000);
  EXPECT_EQ(nov.Json()["total"], 130000);
  EXPECT_EQ(nov.Json()["contract_start_date"], "2026-11-30");
  auto oct = Do("sakura.admin", "GET", "/api/tenants/sakura/billing?month=2026-10");
  EXPECT_EQ(oct.Json()["total"], 0);
  auto dec_csv = Do("sakura.admin", "GET", "/api/tenants/sakura/billing?month=2026-12&format=csv");
  ASSERT_EQ(dec_csv.status, 200);
  EXPECT_NE(dec_csv.body.find("sakura,2026-12,initial_fee,,,,,0\r\n"), std::string::npos)
      << dec_csv.body;
  EXPECT_NE(dec_csv.body.find("sakura,2026-12,monthly_fee,,,,,30000\r\n"), std::string::npos);
  EXPECT_NE(dec_csv.body.find("sakura,2026-12,total,,,,,30000\r\n"), std::string::npos);
  auto nov_csv = Do("sakura.admin", "GET", "/api/tenants/sakura/billing?month=2026-11&format=csv");
  EXPECT_NE(nov_csv.body.find("sakura,2026-11,initial_fee,,,,,100000\r\n"), std::string::npos)
      << nov_csv.body;
  // Null clears the start date: no initial fee, the monthly fee every month.
  ASSERT_EQ(Do("centre.admin", "PUT", "/api/tenants/sakura/contract",
               {{"monthly_fee", 30000}, {"start_date", nullptr}})
                .status,
            200);
  EXPECT_EQ(Do("sakura.admin", "GET", "/api/tenants/sakura/billing?month=2026-10").Json()["total"],
            30000);
}

DOKUEI_API_BACKENDS(FhirApiTest);

}  // namespace
}  // namespace dokuei::api::testing
