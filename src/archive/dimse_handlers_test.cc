#include "dokuei/archive/dimse_handlers.h"

#include <gtest/gtest.h>

#include "dokuei/testing/fake_clock.h"

namespace dokuei::archive {
namespace {

// Association policy needs no index: every call fails loudly if one is made.
class NoIndex final : public index::Index {
 public:
  base::Result<index::TenantId> EnsureTenant(const std::string&, const std::string&) override {
    return base::Internal("unexpected");
  }
  base::Result<std::vector<index::PutOutcome>> PutInstances(
      index::TenantId, std::span<const index::InstanceRecord>) override {
    return base::Internal("unexpected");
  }
  base::Result<std::vector<index::PutOutcome>> PutInstancesIn(
      db::Conn&, index::TenantId, std::span<const index::InstanceRecord>) override {
    return base::Internal("unexpected");
  }
  base::Result<std::vector<index::FindRow>> Find(index::TenantId,
                                                 const index::FindQuery&) override {
    return base::Internal("unexpected");
  }
  base::Result<std::vector<index::InstanceLocation>> Locate(index::TenantId,
                                                            const index::FindQuery&) override {
    return base::Internal("unexpected");
  }
  base::Result<std::vector<std::string>> Metadata(index::TenantId,
                                                  const index::FindQuery&) override {
    return base::Internal("unexpected");
  }
  base::Result<std::vector<index::ConflictRecord>> ListConflicts(index::TenantId, uint32_t,
                                                                 uint32_t) override {
    return base::Internal("unexpected");
  }
  base::Result<index::TenantStats> Stats(index::TenantId) override {
    return base::Internal("unexpected");
  }
  base::Status ForEachBlobKey(const std::function<base::Status(const std::string&)>&) override {
    return base::Internal("unexpected");
  }
};

class DimseHandlersTest : public ::testing::Test {
 protected:
  DimseHandlersTest() {
    DicomPeer a;
    a.ae_title = "MODALITY_A";
    a.host = "10.0.0.5";
    a.port = 104;
    a.tenant = {1};
    a.max_associations = 2;
    DicomPeer strict = a;
    strict.ae_title = "STRICT";
    strict.check_host = true;
    DicomPeer dest_b;
    dest_b.ae_title = "DEST_B";
    dest_b.host = "10.0.0.9";
    dest_b.port = 104;
    dest_b.tenant = {2};
    DicomPeer dest_a = dest_b;
    dest_a.ae_title = "DEST_A";
    dest_a.tenant = {1};
    DicomPeer readonly = a;
    readonly.ae_title = "READONLY";
    readonly.allow_store = false;
    peers_ = PeerDirectory({a, strict, dest_a, dest_b, readonly});
  }
  base::Result<std::unique_ptr<dicom::DimseSession>> Accept(const std::string& ae,
                                                            const std::string& ip,
                                                            dicom::RefuseReason* why) {
    return handlers_.Accept({ae, "DOKUEI", ip}, why);
  }

  NoIndex index_;
  std::unique_ptr<blob::BlobStore> blobs_ = blob::NewMemBlobStore();
  testing::FakeClock clock_;
  Ingest ingest_{index_, *blobs_, clock_, IngestOptions{}};
  QueryService query_{index_};
  RetrieveService retrieve_{index_, *blobs_, query_};
  PeerDirectory peers_;
  ArchiveDimseHandlers handlers_{peers_, ingest_, query_, retrieve_};
};

TEST_F(DimseHandlersTest, UnknownCallingAeIsRefused) {
  dicom::RefuseReason why = dicom::RefuseReason::kNoReason;
  EXPECT_FALSE(Accept("INTRUDER", "10.0.0.5", &why).ok());
  EXPECT_EQ(why, dicom::RefuseReason::kCallingAeNotRecognized);
}

TEST_F(DimseHandlersTest, CheckHostRefusesOtherAddresses) {
  dicom::RefuseReason why = dicom::RefuseReason::kNoReason;
  EXPECT_FALSE(Accept("STRICT", "10.0.0.6", &why).ok());
  EXPECT_EQ(why, dicom::RefuseReason::kCallingAeNotRecognized);
  EXPECT_TRUE(Accept("STRICT", "10.0.0.5", &why).ok());
  EXPECT_TRUE(Accept("MODALITY_A", "192.168.1.1", &why).ok());  // no check_host
}

TEST_F(DimseHandlersTest, PerAeLimitIsReleasedWithTheSession) {
  dicom::RefuseReason why = dicom::RefuseReason::kNoReason;
  auto s1 = Accept("MODALITY_A", "10.0.0.5", &why);
  auto s2 = Accept("MODALITY_A", "10.0.0.5", &why);
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_EQ(handlers_.OpenAssociations("MODALITY_A"), 2u);
  auto s3 = Accept("MODALITY_A", "10.0.0.5", &why);
  EXPECT_FALSE(s3.ok());
  EXPECT_EQ(why, dicom::RefuseReason::kLocalLimitExceeded);
  s1->reset();
  EXPECT_EQ(handlers_.OpenAssociations("MODALITY_A"), 1u);
  EXPECT_TRUE(Accept("MODALITY_A", "10.0.0.5", &why).ok());
}

TEST_F(DimseHandlersTest, MoveDestinationsAndReportsStayInTheTenant) {
  dicom::RefuseReason why;
  auto s = Accept("MODALITY_A", "10.0.0.5", &why);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE((*s)->MoveDestination("DEST_A").has_value());
  EXPECT_FALSE((*s)->MoveDestination("DEST_B").has_value());  // tenant 2's peer
  EXPECT_FALSE((*s)->MoveDestination("NOWHERE").has_value());
  auto report = (*s)->ReportDestination();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->host, "10.0.0.5");
  EXPECT_EQ(report->port, 104);
}

TEST_F(DimseHandlersTest, PermissionsComeFromThePeer) {
  dicom::RefuseReason why;
  auto s = Accept("READONLY", "10.0.0.5", &why);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE((*s)->permissions().store);
  EXPECT_TRUE((*s)->permissions().find);
}

}  // namespace
}  // namespace dokuei::archive
