// The measurement and key-image routes over real HTTP on SQLite and PostgreSQL, with a phantom of
// `dokuei demo generate` stored in the hospital's archive: the reader places points on the true
// endplates of the AP radiograph and gets the built Cobb angle back (within 0.5 degrees) in the
// shape of content.measurements; a key image renders as PNG of the instance's size with the
// measurement overlay, audited as study.view; errors name the field in Japanese (default) and
// English; an instance outside the request's study and another hospital's caller get 404.
#include <nlohmann/json.hpp>

#include "api_fixture.h"
#include "dokuei/archive/ingest.h"
#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/blob/blob_store.h"
#include "dokuei/demo/phantom.h"
#include "dokuei/report/report.h"
#include "dokuei/testing/mem_env.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::api::testing {
namespace {

// Width and height from a PNG's IHDR (0, 0 when the bytes are not a PNG).
std::pair<uint32_t, uint32_t> PngSize(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 ||
      png.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  auto be = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(png[at + i]);
    return v;
  };
  return {be(16), be(20)};
}

class MeasureApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    identity::ReaderProfile p;
    p.years_of_experience = 20;
    ASSERT_TRUE(stack_.id().profiles().Put(centre_.id, users_["reader1"].id, p).ok());
    directory_ = workflow::IdentityReaderDirectory(stack_.id());
    auto hook = AuditToLog();
    workflow::WorkflowOptions o;
    o.audit = hook;
    auto wf = workflow::OpenWorkflow(stack_.database(), stack_.clock(), *directory_, o);
    ASSERT_TRUE(wf.ok()) << wf.status().ToString();
    wf_ = std::move(wf).value();
    source_ = report::WorkflowRequestSource(wf_->requests());
    report::ReportOptions ro;
    ro.audit = hook;
    auto rs = report::OpenReports(stack_.database(), stack_.clock(), *source_, ro);
    ASSERT_TRUE(rs.ok()) << rs.status().ToString();
    reports_ = std::move(rs).value();

    // The archive with the phantom's whole-spine radiographs in sakura's tenant.
    blobs_ = blob::NewMemBlobStore();
    ingest_ = std::make_unique<archive::Ingest>(stack_.index(), *blobs_, stack_.clock(),
                                                archive::IngestOptions{});
    query_ = std::make_unique<archive::QueryService>(stack_.index());
    retrieve_ = std::make_unique<archive::RetrieveService>(stack_.index(), *blobs_, *query_);
    demo::GenerateOptions g;
    g.out_dir = "/phantom";
    g.matrix = 64, g.mr_sagittal_slices = 3, g.mr_axial_slices = 2, g.ct_slices = 2;
    g.xray_rows = 512, g.xray_cols = 256, g.threads = 2;
    auto summary = demo::Generate(g, env_);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    truth_ = json::parse(*base::ReadFileToString(env_, summary->truth_path));
    for (const json& st : truth_["studies"]) {
      if (st["modality"] != "DX") continue;
      study_ = st["study_instance_uid"];
      for (const json& se : st["series"]) {
        const std::string file = se["instances"][0]["file"];
        const std::string bytes = *base::ReadFileToString(env_, "/phantom/" + file);
        archive::Origin origin;
        origin.protocol = "import";
        auto r = ingest_->StorePart10(
            index::TenantId{sakura_.id},
            {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, origin);
        ASSERT_TRUE(r.ok()) << r.status.ToString();
        if (se["view"] == "AP") ap_ = se;
      }
    }
    ASSERT_FALSE(ap_.is_null());

    services_->workflow = wf_.get();
    services_->reports = reports_.get();
    services_->retrieve = retrieve_.get();
    services_->query = query_.get();
    server_->Stop();
    ASSERT_TRUE(RegisterWorkflowRoutes(routes_, *services_).ok());
    ASSERT_TRUE(RegisterReportRoutes(routes_, *services_).ok());
    ASSERT_TRUE(RegisterMeasureRoutes(routes_, *services_).ok());
    StartServer(2);

    // The request of the study, read by reader1.
    auto r = wf_->requests().RecordArrival(sakura_.id, study_,
                                           ap_["series_instance_uid"].get<std::string>(), "DX");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    id_ = r->id;
    stack_.clock().Advance(std::chrono::minutes(4));
    ASSERT_TRUE(wf_->dispatcher().Tick().ok());
    ASSERT_EQ(Do("reader1", "POST", Path("/claim")).status, 200);
    ASSERT_EQ(Do("reader1", "POST", Path("/transitions"), {{"to", "reading"}}).status, 200);
    NewRecords();
  }
  void TearDown() override {
    ApiTest::TearDown();
    reports_.reset();
    source_.reset();
    wf_.reset();
  }

  std::string Path(const std::string& rest) {
    return "/api/requests/" + std::to_string(id_) + rest;
  }
  std::string Sop() const { return ap_["instances"][0]["sop_instance_uid"]; }
  json Landmark(const std::string& level, const char* endplate, const char* side) const {
    return ap_["landmarks_px"][level][endplate][side];
  }
  json CobbBody() const {
    const json& s = truth_["findings"]["scoliosis"];
    const std::string upper = s["upper_end_vertebra"], lower = s["lower_end_vertebra"];
    return {{"kind", "cobb"},
            {"instance", Sop()},
            {"frame", 1},
            {"id", "m1"},
            {"points",
             {Landmark(upper, "superior", "right"), Landmark(upper, "superior", "left"),
              Landmark(lower, "inferior", "right"), Landmark(lower, "inferior", "left")}},
            {"labels", {{"upper", upper}, {"lower", lower}}}};
  }

  dokuei::testing::MemEnv env_;
  json truth_, ap_;
  std::string study_;
  int64_t id_ = 0;
  std::unique_ptr<workflow::ReaderDirectory> directory_;
  std::unique_ptr<workflow::Workflow> wf_;
  std::unique_ptr<report::RequestSource> source_;
  std::unique_ptr<report::ReportService> reports_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<archive::Ingest> ingest_;
  std::unique_ptr<archive::QueryService> query_;
  std::unique_ptr<archive::RetrieveService> retrieve_;
};

TEST_P(MeasureApiTest, CobbOnTheTrueEndplatesIsTheBuiltAngle) {
  const auto r = Do("reader1", "POST", Path("/measurements"), CobbBody());
  ASSERT_EQ(r.status, 200) << r.body;
  const json m = r.Json()["measurement"];
  const double built = truth_["findings"]["scoliosis"]["cobb_deg"];
  EXPECT_NEAR(m["value"].get<double>(), built, 0.5);
  EXPECT_EQ(m["kind"], "cobb");
  EXPECT_EQ(m["id"], "m1");
  EXPECT_EQ(m["unit"], "deg");
  EXPECT_EQ(m["grade"], truth_["findings"]["scoliosis"]["severity"]);
  EXPECT_EQ(m["instance"], Sop());
  EXPECT_EQ(m["frame"], 1);
  EXPECT_EQ(m["spacing"], "PixelSpacing");
  EXPECT_EQ(m["points"].size(), 4u);
  EXPECT_TRUE(r.Json()["details"].contains("angle_deg"));
  // Nothing is stored by a computation.
  EXPECT_TRUE(NewRecords().empty());
}

TEST_P(MeasureApiTest, ErrorsNameTheFieldInTheCallersLanguage) {
  json body = CobbBody();
  body["kind"] = "length";
  auto r = Do("reader1", "POST", Path("/measurements"), body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "kind");
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("計測の種類"), std::string::npos) << r.body;
  body = CobbBody();
  body["points"][1] = body["points"][0];
  r = Do("reader1", "POST", Path("/measurements"), body, {{"Accept-Language", "en"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "points[1]");
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("same place"), std::string::npos) << r.body;
  body = CobbBody();
  body["instance"] = "2.25.999";
  r = Do("reader1", "POST", Path("/measurements"), body);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["field"], "instance");
  body = CobbBody();
  body["frame"] = 2;
  EXPECT_EQ(Do("reader1", "POST", Path("/measurements"), body).Json()["field"], "frame");
}

TEST_P(MeasureApiTest, KeyImageRendersWithTheMeasurementOverlayAndIsAudited) {
  const json m = Do("reader1", "POST", Path("/measurements"), CobbBody()).Json()["measurement"];
  // POST: a key_images entry referring to the measurement, carried along.
  json key = {{"instance", Sop()},
              {"frame", 1},
              {"annotations",
               {{{"type", "measurement"}, {"ref", "m1"}},
                {{"type", "arrow"}, {"points", {{20, 20}, {120, 200}}}, {"text", "apex"}}}},
              {"caption", {{"ja", "側弯"}, {"en", "scoliosis"}}},
              {"measurements", {m}}};
  auto r = Do("reader1", "POST", Path("/key-images/render"), key);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["Content-Type"], "image/png");
  EXPECT_EQ(PngSize(r.body), (std::pair<uint32_t, uint32_t>{256, 512}));
  const auto records = NewRecords();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event.action, "study.view");
  EXPECT_EQ(records[0].event.study_uids, std::vector<std::string>{study_});
  EXPECT_EQ(records[0].event.patient_id, truth_["patient"]["id"]);

  // GET at a requested size; the annotations differ from the plain render.
  const std::string base = Path("/key-images/render?instance=" + Sop() + "&width=128");
  auto plain = Do("sakura.staff", "GET", base);
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(PngSize(plain.body), (std::pair<uint32_t, uint32_t>{128, 256}));
  auto arrow = Do("sakura.staff", "GET",
                  base +
                      "&annotations=%5B%7B%22type%22%3A%22arrow%22%2C%22points%22%3A%5B%5B10%2C10"
                      "%5D%2C%5B200%2C400%5D%5D%7D%5D");
  ASSERT_EQ(arrow.status, 200) << arrow.body;
  EXPECT_EQ(PngSize(arrow.body), PngSize(plain.body));
  EXPECT_NE(arrow.body, plain.body);

  // A reference to a measurement that the report does not have.
  auto bad =
      Do("reader1", "GET",
         base + "&annotations=%5B%7B%22type%22%3A%22measurement%22%2C%22ref%22%3A%22m9%22%7D%5D");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "annotations[0].ref");
  EXPECT_EQ(Do("reader1", "GET", Path("/key-images/render?instance=" + Sop() + "&width=0"))
                .Json()["field"],
            "width");
}

TEST_P(MeasureApiTest, AnotherHospitalSeesNothing) {
  EXPECT_EQ(Do("kaede.staff", "POST", Path("/measurements"), CobbBody()).status, 404);
  EXPECT_EQ(Do("kaede.staff", "GET", Path("/key-images/render?instance=" + Sop())).status, 404);
  EXPECT_EQ(Do("", "GET", Path("/key-images/render?instance=" + Sop())).status, 401);
}

DOKUEI_API_BACKENDS(MeasureApiTest);

}  // namespace
}  // namespace dokuei::api::testing
