// Assignment-based DICOMweb access (docs/design/reader-access.md) through the real DICOMweb
// routes, with real studies of the shared test data, on SQLite and PostgreSQL: the reader of a
// hospital's request reads its study and the listed prior (QIDO, WADO-RS instances, metadata,
// frames, rendered, WADO-URI), audited under the hospital; another study of the same hospital
// answers exactly like a UID that does not exist; a second reader, a coordinator and the hospital
// keep their own rules; reassignment, cancellation and the end of the grace after delivery close
// the study at once.
#include <filesystem>
#include <fstream>

#include "dokuei/api/study_access.h"
#include "dokuei/archive/audit_hook.h"
#include "dokuei/archive/ingest.h"
#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/base/env.h"
#include "dokuei/blob/blob_store.h"
#include "report_api_fixture.h"

namespace dokuei::api::testing {
namespace {

std::string ReadTestFile(const std::string& rel) {
  const char* root = std::getenv("DOKUEI_TESTDATA");
  std::ifstream f(std::string(root ? root : "../shared/testdata") + "/" + rel, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

struct Stored {
  std::string study, series, sop;
};

class ReaderAccessApiTest : public ReportApiTest {
 protected:
  void SetUp() override {
    ReportApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    blob_dir_ = std::filesystem::temp_directory_path() / ("dokuei-access-" + base::RandomHex(8));
    auto blobs = blob::NewFsBlobStore(base::PosixEnv(), base::SystemClock(), blob_dir_.string());
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    blobs_ = std::move(blobs).value();
    ingest_ = std::make_unique<archive::Ingest>(stack_.index(), *blobs_, base::SystemClock(),
                                                archive::IngestOptions{});
    query_ = std::make_unique<archive::QueryService>(stack_.index());
    retrieve_ = std::make_unique<archive::RetrieveService>(stack_.index(), *blobs_, *query_);
    hook_ = archive::NewAuditLogHook(stack_.log());
    access_ = AssignedStudyAccess(wf_->requests(), stack_.clock());
    a_ = Store(sakura_.id, "transfer_syntaxes/CT_small.dcm");
    b_ = Store(sakura_.id, "transfer_syntaxes/MR_small.dcm");
    prior_ = Store(sakura_.id, "transfer_syntaxes/JPEG2000.dcm");
    ASSERT_NE(a_.study, b_.study);
    ASSERT_NE(a_.study, prior_.study);
    ASSERT_NE(b_.study, prior_.study);

    server_->Stop();
    ASSERT_TRUE(dicomweb::RegisterRoutes(
                    routes_, {*ingest_, *query_, *retrieve_, hook_.get(), access_.get()},
                    dicomweb::Options{})
                    .ok());
    StartServer(4);

    // Study A is requested with the prior listed; reader1 reads it.
    request_ = Reading(a_.study);
    auto r = wf_->requests().Get(workflow::Actor::System(), request_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    workflow::RequestDetails d = r->details;
    d.prior_study_uids = {prior_.study};
    ASSERT_TRUE(wf_->requests().UpdateDetails(workflow::Actor::System(), request_, d).ok());
    NewRecords();
  }
  void TearDown() override {
    ReportApiTest::TearDown();
    access_.reset();
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_);
  }

  Stored Store(int64_t tenant, const std::string& rel) {
    const std::string bytes = ReadTestFile(rel);
    EXPECT_FALSE(bytes.empty()) << "test data missing: " << rel;
    archive::Origin origin;
    origin.protocol = "import";
    auto r = ingest_->StorePart10(index::TenantId{tenant},
                                  {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                  origin);
    EXPECT_TRUE(r.ok()) << r.status.ToString();
    return {r.study_instance_uid, r.series_instance_uid, r.sop_instance_uid};
  }

  static std::string Instance(const Stored& s) {
    return "/dicom-web/studies/" + s.study + "/series/" + s.series + "/instances/" + s.sop;
  }
  // The study UIDs a QIDO study search answers to `as`.
  std::set<std::string> Studies(const std::string& as, const std::string& query = "") {
    auto r = Do(as, "GET", "/dicom-web/studies" + query, nullptr,
                {{"Accept", "application/dicom+json"}});
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> out;
    const json j = r.Json();
    if (!j.is_array()) return out;
    for (const auto& m : j) out.insert(m["0020000D"]["Value"][0].get<std::string>());
    return out;
  }
  int Metadata(const std::string& as, const Stored& s) {
    return Do(as, "GET", "/dicom-web/studies/" + s.study + "/metadata").status;
  }

  std::filesystem::path blob_dir_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<archive::Ingest> ingest_;
  std::unique_ptr<archive::QueryService> query_;
  std::unique_ptr<archive::RetrieveService> retrieve_;
  std::unique_ptr<archive::AuditHook> hook_;
  std::unique_ptr<dicomweb::StudyAccess> access_;
  Stored a_, b_, prior_;
  int64_t request_ = 0;
};

TEST_P(ReaderAccessApiTest, TheReaderReadsTheAssignedStudyAndItsPriorOnly) {
  // Every read route on the assigned study.
  EXPECT_EQ(Metadata("reader1", a_), 200);
  auto inst = Do("reader1", "GET", Instance(a_), nullptr,
                 {{"Accept", "multipart/related; type=\"application/dicom\""}});
  EXPECT_EQ(inst.status, 200) << inst.body.substr(0, 200);
  EXPECT_GT(inst.body.size(), 1000u);
  EXPECT_EQ(Do("reader1", "GET", Instance(a_) + "/frames/1", nullptr,
               {{"Accept", "multipart/related; type=\"application/octet-stream\""}})
                .status,
            200);
  EXPECT_EQ(
      Do("reader1", "GET", Instance(a_) + "/rendered", nullptr, {{"Accept", "image/png"}}).status,
      200);
  EXPECT_EQ(Do("reader1", "GET",
               "/dicom-web/wado?requestType=WADO&studyUID=" + a_.study + "&seriesUID=" + a_.series +
                   "&objectUID=" + a_.sop + "&contentType=application%2Fdicom")
                .status,
            200);
  EXPECT_EQ(Do("reader1", "GET", "/dicom-web/studies/" + a_.study + "/series").status, 200);
  // The prior listed on the request too; nothing else of the hospital.
  EXPECT_EQ(Metadata("reader1", prior_), 200);
  EXPECT_EQ(Studies("reader1"), (std::set<std::string>{a_.study, prior_.study}));
  EXPECT_TRUE(Studies("reader1", "?StudyInstanceUID=" + b_.study).empty());
  EXPECT_EQ(Studies("reader1", "?StudyInstanceUID=" + a_.study), (std::set<std::string>{a_.study}));
  auto other = Do("reader1", "GET", "/dicom-web/studies/" + b_.study + "/metadata");
  auto missing = Do("reader1", "GET", "/dicom-web/studies/1.2.3.4.5.6.7.8.9/metadata");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, missing.body);
  EXPECT_EQ(Do("reader1", "GET", Instance(b_)).status, 404);
  EXPECT_EQ(Do("reader1", "GET",
               "/dicom-web/wado?requestType=WADO&studyUID=" + b_.study + "&seriesUID=" + b_.series +
                   "&objectUID=" + b_.sop + "&contentType=application%2Fdicom")
                .status,
            404);

  // Audited like every read, under the hospital that holds the data, by the reader.
  bool audited = false;
  for (const auto& rec : NewRecords()) {
    if (rec.event.action != "study.retrieve") continue;
    EXPECT_EQ(rec.event.tenant_id, sakura_.id);
    EXPECT_EQ(rec.event.actor, "reader1");
    EXPECT_EQ(rec.event.actor_tenant_id, centre_.id);
    audited = audited || (!rec.event.study_uids.empty() && rec.event.study_uids[0] == a_.study);
  }
  EXPECT_TRUE(audited);

  // Not assigned: nothing. Coordinators: the study of any request, not priors nor other
  // studies. The hospitals: their own archive as before.
  EXPECT_EQ(Metadata("reader2", a_), 404);
  EXPECT_TRUE(Studies("reader2").empty());
  EXPECT_EQ(Metadata("checker1", a_), 404);
  EXPECT_EQ(Metadata("coord1", a_), 200);
  EXPECT_EQ(Metadata("coord1", b_), 404);
  EXPECT_EQ(Metadata("coord1", prior_), 404);
  EXPECT_EQ(Metadata("sakura.staff", b_), 200);
  EXPECT_EQ(Metadata("kaede.staff", a_), 404);
  EXPECT_TRUE(Studies("kaede.staff").empty());
  EXPECT_EQ(Do("centre.admin", "GET", "/dicom-web/studies/" + a_.study + "/metadata").status,
            403);  // no patient data for centre administrators at all
}

TEST_P(ReaderAccessApiTest, AccessFollowsTheAssignmentAndEndsWithTheRequest) {
  ASSERT_EQ(Do("centre.admin", "PUT", "/api/tenants/sakura/contract",
               {{"double_reading", true}, {"check_required", true}})
                .status,
            200);
  User(centre_, "reader3", {identity::Role::kReader});
  identity::ReaderProfile p;
  p.years_of_experience = 20;
  p.subspecialties = {"spine"};
  ASSERT_TRUE(stack_.id().profiles().Put(centre_.id, users_["reader3"].id, p).ok());
  // A second reader and a checker read it while they hold their slot.
  EXPECT_EQ(Metadata("reader2", a_), 404);
  ASSERT_EQ(Do("coord1", "POST", Path(request_, "/assign"),
               {{"reader_id", users_["reader2"].id}, {"slot", "second_reader"}})
                .status,
            200);
  EXPECT_EQ(Metadata("reader2", a_), 200);
  EXPECT_EQ(Metadata("checker1", a_), 404);
  ASSERT_EQ(Do("coord1", "POST", Path(request_, "/assign"),
               {{"reader_id", users_["checker1"].id}, {"slot", "checker"}})
                .status,
            200);
  EXPECT_EQ(Metadata("checker1", a_), 200);

  // Reassigned: the first reader loses the study at once (no cache), the new one has it.
  auto moved = Do("coord1", "POST", Path(request_, "/assign"),
                  {{"reader_id", users_["reader3"].id}, {"slot", "reader"}, {"reason", "交代"}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(Metadata("reader1", a_), 404);
  EXPECT_EQ(Metadata("reader1", prior_), 404);
  EXPECT_TRUE(Studies("reader1").empty());
  EXPECT_EQ(Metadata("reader3", a_), 200);

  // Through second read and check to final and delivered: open for seven days after delivery,
  // then closed (the hospital keeps its own study).
  if (Do("coord1", "GET", Path(request_)).Json()["state"] == "assigned")
    ASSERT_EQ(Do("reader3", "POST", Path(request_, "/transitions"), {{"to", "reading"}}).status,
              200);
  ASSERT_EQ(
      Do("reader3", "PUT", Path(request_, "/report/draft"), {{"content", json::parse(Content())}})
          .status,
      200);
  auto sign = Do("reader3", "POST", Path(request_, "/report/sign"));
  ASSERT_EQ(sign.status, 200) << sign.body;
  ASSERT_EQ(sign.Json()["request_state"], "second_read");
  auto review = Do("reader2", "POST", Path(request_, "/report/review"), {{"score", "1"}});
  ASSERT_EQ(review.status, 200) << review.body;
  auto check = Do("checker1", "POST", Path(request_, "/report/check"), {{"approve", true}});
  ASSERT_EQ(check.status, 200) << check.body;
  auto delivered = Do("coord1", "POST", Path(request_, "/transitions"), {{"to", "delivered"}});
  ASSERT_EQ(delivered.status, 200) << delivered.body;
  stack_.clock().Advance(std::chrono::hours(24 * 6));
  EXPECT_EQ(Metadata("reader3", a_), 200);
  EXPECT_EQ(Metadata("reader2", a_), 200);
  EXPECT_EQ(Metadata("coord1", a_), 200);
  stack_.clock().Advance(std::chrono::hours(24 * 2));
  EXPECT_EQ(Metadata("reader3", a_), 404);
  EXPECT_EQ(Metadata("reader2", a_), 404);
  EXPECT_EQ(Metadata("coord1", a_), 404);
  EXPECT_EQ(Metadata("sakura.staff", a_), 200);
}

TEST_P(ReaderAccessApiTest, ACancelledRequestClosesItsStudy) {
  EXPECT_EQ(Metadata("reader1", a_), 200);
  ASSERT_EQ(Do("coord1", "POST", Path(request_, "/transitions"),
               {{"to", "cancelled"}, {"reason", "依頼取り消し"}})
                .status,
            200);
  EXPECT_EQ(Metadata("reader1", a_), 404);
  EXPECT_EQ(Metadata("coord1", a_), 404);
  EXPECT_TRUE(Studies("reader1").empty());
}

DOKUEI_API_BACKENDS(ReaderAccessApiTest);

}  // namespace
}  // namespace dokuei::api::testing
