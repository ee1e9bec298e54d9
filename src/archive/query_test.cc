#include "dokuei/archive/query.h"

#include <gtest/gtest.h>

#include <fstream>

#include "dokuei/archive/ingest.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/testing/fake_clock.h"

namespace dokuei::archive {
namespace {

namespace t = dicom::tags;
using base::Code;

std::string ReadFile(const std::string& rel) {
  const char* root = std::getenv("DOKUEI_TESTDATA");
  std::ifstream f(std::string(root ? root : "../shared/testdata") + "/" + rel, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

dicom::Attribute Key(uint32_t tag, std::string value = {}) {
  dicom::Attribute a;
  a.tag = tag;
  a.vr = dicom::VrForTag(tag);
  if (!value.empty()) a.values.push_back(std::move(value));
  return a;
}

std::string Value(const dicom::AttributeList& list, uint32_t tag) {
  const dicom::Attribute* a = dicom::Find(list, tag);
  return a && !a->values.empty() ? a->values[0] : "";
}

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = std::move(*index::OpenSqliteIndex({":memory:", 1}));
    blobs_ = blob::NewMemBlobStore();
    ingest_ = std::make_unique<Ingest>(*index_, *blobs_, clock_, IngestOptions{});
    query_ = std::make_unique<QueryService>(*index_);
    retrieve_ = std::make_unique<RetrieveService>(*index_, *blobs_, *query_);
    a_ = *index_->EnsureTenant("a", "A");
    b_ = *index_->EnsureTenant("b", "B");
    for (const char* f : {"transfer_syntaxes/CT_small.dcm", "transfer_syntaxes/MR_small.dcm",
                          "dicomdir/77654033/CR1/6154", "dicomdir/77654033/CR2/6247"}) {
      std::string bytes = ReadFile(f);
      auto r = ingest_->StorePart10(
          a_, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, {"test"});
      ASSERT_TRUE(r.ok()) << f << ": " << r.status.ToString();
      uids_.push_back(r);
    }
  }

  testing::FakeClock clock_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<Ingest> ingest_;
  std::unique_ptr<QueryService> query_;
  std::unique_ptr<RetrieveService> retrieve_;
  index::TenantId a_, b_;
  std::vector<StoreResult> uids_;
};

TEST_F(QueryTest, StudyLevelQidoDefaultsAndTenantScope) {
  QueryRequest q;
  q.level = index::Level::kStudy;
  q.qido_defaults = true;
  auto r = query_->Find(a_, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->matches.size(), 3u);  // CT_small, MR_small, the CR study
  for (const auto& m : r->matches) {
    EXPECT_FALSE(Value(m, t::kStudyInstanceUID).empty());
    EXPECT_EQ(Value(m, t::kSpecificCharacterSet), "ISO_IR 192");
    EXPECT_FALSE(Value(m, t::kNumberOfStudyRelatedInstances).empty());
  }
  auto other = query_->Find(b_, q);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->matches.empty());
}

TEST_F(QueryTest, InstanceLevelQidoDefaultsComeFromColumns) {
  QueryRequest q;
  q.level = index::Level::kInstance;
  q.qido_defaults = true;
  q.keys = {Key(t::kStudyInstanceUID, uids_[0].study_instance_uid)};
  auto r = query_->Find(a_, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->matches.size(), 1u);
  EXPECT_EQ(Value(r->matches[0], t::kBitsAllocated), "16");
  EXPECT_EQ(Value(r->matches[0], t::kRows), "128");
  EXPECT_EQ(Value(r->matches[0], t::kSOPInstanceUID), uids_[0].sop_instance_uid);
  // The index is asked not to read the metadata when columns answer everything.
  auto q2 = query_->ToIndexQuery(q, nullptr);
  ASSERT_TRUE(q2.ok());
  index::FindQuery fq = *q2;
  fq.with_metadata = false;
  auto rows = index_->Find(a_, fq);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE((*rows)[0].metadata_json.empty());
}

TEST_F(QueryTest, CFindAnswersExactlyTheRequestedKeys) {
  QueryRequest q;
  q.level = index::Level::kSeries;
  q.keys = {Key(t::kStudyInstanceUID, uids_[2].study_instance_uid), Key(t::kSeriesInstanceUID),
            Key(t::kModality), Key(t::kSeriesDescription), Key(0x00181000 /*DeviceSerialNumber*/),
            Key(t::kNumberOfSeriesRelatedInstances)};
  auto r = query_->Find(a_, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->matches.size(), 2u);  // CR1 and CR2 series of the cervical spine study
  for (const auto& m : r->matches) {
    EXPECT_EQ(Value(m, t::kModality), "CR");
    EXPECT_EQ(Value(m, t::kNumberOfSeriesRelatedInstances), "1");
    EXPECT_NE(dicom::Find(m, 0x00181000), nullptr);  // answered, maybe zero-length
    EXPECT_EQ(dicom::Find(m, t::kPatientName), nullptr);  // not asked for
  }
}

TEST_F(QueryTest, BadValuesAreErrorsNamingTheAttribute) {
  QueryRequest q;
  q.level = index::Level::kStudy;
  q.keys = {Key(t::kStudyDate, "2024-01-01")};
  auto r = query_->Find(a_, q);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "StudyDate");

  q.keys = {Key(t::kStudyInstanceUID, "1.2.3\\../../etc")};
  EXPECT_EQ(query_->Find(a_, q).status().field(), "StudyInstanceUID");

  q.keys = {Key(t::kSOPInstanceUID, uids_[0].sop_instance_uid)};  // below the study level
  EXPECT_EQ(query_->Find(a_, q).status().code(), Code::kInvalidArgument);

  q.keys = {Key(t::kStudyDate, "20240201-20240101")};
  EXPECT_EQ(query_->Find(a_, q).status().code(), Code::kInvalidArgument);
}

TEST_F(QueryTest, UnsupportedMatchingIsAWarningNotASilentFilter) {
  QueryRequest q;
  q.level = index::Level::kStudy;
  q.keys = {Key(0x00080080 /*InstitutionName*/, "SOMEWHERE")};
  auto r = query_->Find(a_, q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("InstitutionName"), std::string::npos);
}

TEST_F(QueryTest, RangesWildcardsAndUidLists) {
  QueryRequest q;
  q.level = index::Level::kStudy;
  q.keys = {Key(t::kStudyInstanceUID,
                uids_[0].study_instance_uid + "\\" + uids_[1].study_instance_uid)};
  EXPECT_EQ(query_->Find(a_, q)->matches.size(), 2u);
  q.keys = {Key(t::kStudyDate, "19000101-"), Key(t::kModalitiesInStudy, "CR")};
  auto r = query_->Find(a_, q);
  ASSERT_TRUE(r.ok());
  for (const auto& m : r->matches) EXPECT_NE(Value(m, t::kModalitiesInStudy), "");
  q.keys = {Key(t::kModality, "C?")};  // Modality at study level means ModalitiesInStudy
  r = query_->Find(a_, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->matches.size(), 2u);  // CT and CR studies
}

TEST_F(QueryTest, RetrieveLocatesOpensAndServesMetadataWithinTheTenant) {
  auto loc = retrieve_->Locate(a_, uids_[0].study_instance_uid, "", "");
  ASSERT_TRUE(loc.ok());
  ASSERT_EQ(loc->size(), 1u);
  auto bytes = retrieve_->ReadAll((*loc)[0]);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, ReadFile("transfer_syntaxes/CT_small.dcm"));
  // Tenant B cannot see it: indistinguishable from a UID that does not exist.
  auto hidden = retrieve_->Locate(b_, uids_[0].study_instance_uid, "", "");
  auto absent = retrieve_->Locate(a_, "1.2.3.4.5.6", "", "");
  EXPECT_EQ(hidden.status().code(), Code::kNotFound);
  EXPECT_EQ(hidden.status().ToString(), absent.status().ToString());

  auto json = retrieve_->MetadataJson(a_, uids_[0].study_instance_uid, "", "",
                                      "http://h:1/dicom-web");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->front(), '[');
  EXPECT_NE(json->find("\"BulkDataURI\":\"http://h:1/dicom-web/studies/"), std::string::npos);
  EXPECT_EQ(retrieve_->MetadataJson(b_, uids_[0].study_instance_uid, "", "", "").status().code(),
            Code::kNotFound);
}

TEST_F(QueryTest, StorageCommitmentReportsHeldAndMissing) {
  std::vector<SopReference> refs = {{uids_[0].sop_class_uid, uids_[0].sop_instance_uid},
                                    {uids_[1].sop_class_uid, "1.2.3.999"},
                                    {"1.2.840.10008.5.1.4.1.1.7", uids_[1].sop_instance_uid}};
  auto r = retrieve_->Commitment(a_, refs);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->committed.size(), 1u);
  ASSERT_EQ(r->failed.size(), 2u);
  EXPECT_EQ(r->failed[0].second, 0x0112);
  EXPECT_EQ(r->failed[1].second, 0x0119);
  auto other = retrieve_->Commitment(b_, refs);
  EXPECT_EQ(other->committed.size(), 0u);
}

}  // namespace
}  // namespace dokuei::archive
