// The delivery routes over real HTTP on SQLite and PostgreSQL: the centre administrator manages a
// hospital's destinations (audited, errors naming the field in Japanese or English), the
// hospital's administrator sees them without the FHIR token, another hospital gets 404; the
// deliveries of a request are visible to its hospital's staff and the coordinator with state,
// attempts and the remote answer; a coordinator retries a row that gave up (audited), and a row
// that did not give up answers 409.
#include "api_fixture.h"
#include "dokuei/delivery/delivery.h"
#include "dokuei/report/report.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::api::testing {
namespace {

class RefusingTransport final : public delivery::Transport {
 public:
  delivery::Outcome Send(const delivery::Destination&, const delivery::Artifact&,
                         const delivery::DeliveryRow&) override {
    delivery::RemoteAnswer a;
    a.ack_code = "AR";
    a.text = "unknown patient";
    return delivery::Outcome::GiveUp("HL7 AR: unknown patient", a);
  }
};

// The renderer's stand-in: an ORU per version.
class OruSource final : public delivery::ArtifactSource {
 public:
  base::Result<std::vector<delivery::Artifact>> For(int64_t, int64_t version_id) override {
    return std::vector<delivery::Artifact>{
        {delivery::ArtifactKind::kHl7Oru,
         "MSH|^~\\&|DOKUEI|C|RIS|H|20261125120000||ORU^R01|V" + std::to_string(version_id) +
             "|P|2.5.1\r"}};
  }
};

std::string Content() {
  return R"({"frame":1,"clinical_question":"腰痛","technique":{"sequences":["T2 sag"]},)"
         R"("comparison":{"prior":"none"},"numbering":{"from":"sacrum"},"alignment":{"lordosis":"normal"},)"
         R"("vertebrae":{"marrow":"normal"},"levels":[{"level":"L4-L5","canal":"moderate"}],)"
         R"("cord":{"conus":"L1"},"paraspinal":{},"incidental":[],"impression":[{"text":"L4-L5 椎間板ヘルニア"}],)"
         R"("critical_communication":{}})";
}

class DeliveryApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    directory_ = workflow::IdentityReaderDirectory(stack_.id());
    audit::AuditLog& log = stack_.log();
    hook_ = [&log](db::Conn& c, const audit::Event& e) { return log.AppendIn(c, e).status(); };
    workflow::WorkflowOptions o;
    o.audit = hook_;
    auto wf = workflow::OpenWorkflow(stack_.database(), stack_.clock(), *directory_, o);
    ASSERT_TRUE(wf.ok()) << wf.status().ToString();
    wf_ = std::move(wf).value();
    source_ = report::WorkflowRequestSource(wf_->requests());
    report::ReportOptions ro;
    ro.audit = hook_;
    auto rs = report::OpenReports(stack_.database(), stack_.clock(), *source_, ro);
    ASSERT_TRUE(rs.ok()) << rs.status().ToString();
    reports_ = std::move(rs).value();
    services_->reports = reports_.get();
    delivery::DeliveryOptions dopt;
    dopt.audit = hook_;
    dopt.source = &oru_;
    auto dl =
        delivery::OpenDelivery(stack_.database(), stack_.clock(), {nullptr, &hl7_, nullptr}, dopt);
    ASSERT_TRUE(dl.ok()) << dl.status().ToString();
    delivery_ = std::move(dl).value();
    services_->workflow = wf_.get();
    services_->delivery = delivery_.get();
    server_->Stop();
    ASSERT_TRUE(RegisterWorkflowRoutes(routes_, *services_).ok());
    ASSERT_TRUE(RegisterDeliveryRoutes(routes_, *services_).ok());
    StartServer(2);
    NewRecords();
  }
  void TearDown() override {
    ApiTest::TearDown();
    delivery_.reset();
    reports_.reset();
    source_.reset();
    wf_.reset();
  }
  std::vector<std::string> Actions() {
    std::vector<std::string> out;
    for (const auto& r : NewRecords()) out.push_back(r.event.action);
    return out;
  }

  workflow::AuditHook hook_;
  std::unique_ptr<workflow::ReaderDirectory> directory_;
  std::unique_ptr<workflow::Workflow> wf_;
  RefusingTransport hl7_;
  OruSource oru_;
  std::unique_ptr<report::RequestSource> source_;
  std::unique_ptr<report::ReportService> reports_;
  std::unique_ptr<delivery::Delivery> delivery_;
};

const std::string kDest = "/api/tenants/sakura/delivery-destinations";

TEST_P(DeliveryApiTest, CentreAdministratorManagesDestinationsHospitalSeesThemWithoutSecrets) {
  auto made = Do("centre.admin", "POST", kDest,
                 {{"kind", "fhir"},
                  {"name", "さくら病院 FHIR"},
                  {"url", "https://fhir.sakura.example.jp/r4"},
                  {"bearer_token", "very-secret"}});
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.Json()["bearer_token_set"], true);
  EXPECT_EQ(made.body.find("very-secret"), std::string::npos);
  EXPECT_EQ(Actions(), std::vector<std::string>{"delivery_destination.create"});
  auto pacs = Do("centre.admin", "POST", kDest,
                 {{"kind", "dicom"},
                  {"name", "院内PACS"},
                  {"ae_title", "SAKURA_PACS"},
                  {"host", "10.1.2.3"},
                  {"port", 104}});
  ASSERT_EQ(pacs.status, 201) << pacs.body;
  EXPECT_EQ(Actions(), std::vector<std::string>{"delivery_destination.create"});

  auto seen = Do("sakura.admin", "GET", kDest);
  ASSERT_EQ(seen.status, 200) << seen.body;
  ASSERT_EQ(seen.Json()["destinations"].size(), 2u);
  EXPECT_EQ(seen.body.find("very-secret"), std::string::npos);
  EXPECT_EQ(seen.Json()["destinations"][1]["ae_title"], "SAKURA_PACS");
  EXPECT_EQ(Do("kaede.admin", "GET", kDest).status, 404);
  EXPECT_EQ(Do("sakura.admin", "POST", kDest, {{"kind", "hl7"}, {"name", "x"}}).status, 403);

  // Errors name the field, in Japanese by default and in English on request.
  auto bad = Do("centre.admin", "POST", kDest,
                {{"kind", "fhir"}, {"name", "FHIR"}, {"url", "http://fhir.sakura.example.jp"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("https://"), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("ループバック"), std::string::npos) << bad.body;
  auto bad_en =
      Do("centre.admin", "POST", kDest,
         {{"kind", "dicom"}, {"name", "P"}, {"ae_title", "A\\B"}, {"host", "h"}, {"port", 104}},
         {{"Accept-Language", "en"}});
  EXPECT_EQ(bad_en.status, 400);
  EXPECT_NE(bad_en.body.find("ae_title"), std::string::npos) << bad_en.body;
  EXPECT_NE(bad_en.body.find("backslash"), std::string::npos) << bad_en.body;
  EXPECT_EQ(Do("centre.admin", "POST", kDest, {{"kind", "smtp"}, {"name", "x"}}).status, 400);
  for (const auto& a : Actions())  // nothing stored, no change audited (refusals are)
    EXPECT_EQ(a.rfind("delivery_destination.", 0), std::string::npos) << a;

  // Change keeps the token unless one is given; the kind cannot change.
  const std::string fhir =
      "/api/delivery-destinations/" + std::to_string(made.Json()["id"].get<int64_t>());
  auto renamed = Do("centre.admin", "PATCH", fhir, {{"name", "FHIR (本番)"}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.Json()["bearer_token_set"], true);
  EXPECT_EQ(Do("centre.admin", "PATCH", fhir, {{"kind", "dicom"}}).status, 400);
  EXPECT_EQ(Actions(), std::vector<std::string>{"delivery_destination.update"});
  EXPECT_EQ(Do("centre.admin", "DELETE", fhir).status, 204);
  EXPECT_EQ(Do("centre.admin", "DELETE", fhir).status, 404);
  EXPECT_EQ(Actions(), std::vector<std::string>{"delivery_destination.delete"});
}

TEST_P(DeliveryApiTest, DeliveriesAreVisibleAndACoordinatorRetriesWhatGaveUp) {
  ASSERT_EQ(Do("centre.admin", "POST", kDest,
               {{"kind", "hl7"}, {"name", "RIS"}, {"host", "127.0.0.1"}, {"port", 2575}})
                .status,
            201);
  auto rq = wf_->requests().RecordArrival(sakura_.id, "1.2.392.9.1", "1.2.392.9.1.1", "MR");
  ASSERT_TRUE(rq.ok()) << rq.status().ToString();
  const std::string oru = "MSH|^~\\&|DOKUEI|C|RIS|H|20261125120000||ORU^R01|M1|P|2.5.1\r";
  auto rows =
      delivery_->queue().Enqueue({sakura_.id, rq->id, 5, 51, 1, false},
                                 {delivery::Artifact{delivery::ArtifactKind::kHl7Oru, oru}});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_TRUE(delivery_->queue().Tick().ok());  // AR: gave up at once
  NewRecords();

  const std::string path = "/api/requests/" + std::to_string(rq->id) + "/deliveries";
  auto seen = Do("sakura.staff", "GET", path);
  ASSERT_EQ(seen.status, 200) << seen.body;
  ASSERT_EQ(seen.Json()["deliveries"].size(), 1u);
  const json row = seen.Json()["deliveries"][0];
  EXPECT_EQ(row["state"], "gave_up");
  EXPECT_EQ(row["attempts"], 1);
  EXPECT_EQ(row["artifact"], "hl7");
  EXPECT_EQ(row["destination_name"], "RIS");
  EXPECT_EQ(row["addendum"], false);
  EXPECT_EQ(row["remote"]["ack_code"], "AR");
  EXPECT_EQ(row["last_error"], "HL7 AR: unknown patient");
  EXPECT_EQ(Do("coord1", "GET", path).status, 200);
  EXPECT_EQ(Do("kaede.staff", "GET", path).status, 404);

  const std::string retry = path + "/" + std::to_string(row["id"].get<int64_t>()) + "/retry";
  auto again = Do("coord1", "POST", retry);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.Json()["state"], "pending");
  EXPECT_EQ(again.Json()["attempts"], 0);
  EXPECT_EQ(Actions(), std::vector<std::string>{"report.delivery_retry"});
  EXPECT_EQ(Do("sakura.staff", "POST", retry).status, 403);
  auto twice = Do("coord1", "POST", retry, nullptr, {{"Accept-Language", "en"}});
  EXPECT_EQ(twice.status, 409);
  EXPECT_NE(twice.body.find("only a delivery that gave up"), std::string::npos) << twice.body;
  // A row of another request is not found under this one.
  EXPECT_EQ(
      Do("coord1", "POST",
         "/api/requests/999999/deliveries/" + std::to_string(row["id"].get<int64_t>()) + "/retry")
          .status,
      404);
}

DOKUEI_API_BACKENDS(DeliveryApiTest);

}  // namespace
}  // namespace dokuei::api::testing
