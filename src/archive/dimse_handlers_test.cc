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
    DicomPeer tls_only = a;
    tls_only.ae_title = "TLS_ONLY";
    tls_only.tls_required = true;
    DicomPeer cert_required = a;
    cert_required.ae_title = "CERT_REQUIRED";
    cert_required.client_certificate_required = true;
    DicomPeer pinned = a;
    pinned.ae_title = "PINNED";
    pinned.certificate_sha256 = kPinColons;  // as openssl prints it
    DicomPeer tls_dest = dest_a;
    tls_dest.ae_title = "TLS_DEST";
    tls_dest.tls_required = true;
    peers_ = PeerDirectory(
        {a, strict, dest_a, dest_b, readonly, tls_only, cert_required, pinned, tls_dest});
  }
  base::Result<std::unique_ptr<dicom::DimseSession>> Accept(const std::string& ae,
                                                            const std::string& ip,
                                                            dicom::RefuseReason* why,
                                                            bool tls = false,
                                                            const std::string& certificate = {}) {
    return handlers_.Accept({ae, "DOKUEI", ip, tls, certificate}, why);
  }

  static constexpr const char* kPin =
      "3f2a9c0b7d1e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";
  static constexpr const char* kPinColons =
      "3F:2A:9C:0B:7D:1E:4F:5A:6B:7C:8D:9E:0F:1A:2B:3C:4D:5E:6F:70:81:92:A3:B4:C5:D6:E7:F8:09:1A:"
      "2B:3C";

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

TEST_F(DimseHandlersTest, TlsRequiredRefusesPlainTcp) {
  dicom::RefuseReason why = dicom::RefuseReason::kNoReason;
  auto plain = Accept("TLS_ONLY", "10.0.0.5", &why);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(why, dicom::RefuseReason::kCallingAeNotRecognized);
  EXPECT_NE(plain.status().message().find("over TLS"), std::string::npos);
  EXPECT_TRUE(Accept("TLS_ONLY", "10.0.0.5", &why, /*tls=*/true).ok());  // no certificate needed
  EXPECT_TRUE(Accept("MODALITY_A", "10.0.0.5", &why, /*tls=*/true, kPin).ok());
}

TEST_F(DimseHandlersTest, ClientCertificateRequiredByPolicy) {
  dicom::RefuseReason why = dicom::RefuseReason::kNoReason;
  EXPECT_FALSE(Accept("CERT_REQUIRED", "10.0.0.5", &why).ok());
  EXPECT_EQ(why, dicom::RefuseReason::kCallingAeNotRecognized);
  why = dicom::RefuseReason::kNoReason;
  auto no_cert = Accept("CERT_REQUIRED", "10.0.0.5", &why, /*tls=*/true);
  ASSERT_FALSE(no_cert.ok());
  EXPECT_EQ(why, dicom::RefuseReason::kCallingAeNotRecognized);
  EXPECT_NE(no_cert.status().message().find("client certificate"), std::string::npos);
  EXPECT_TRUE(Accept("CERT_REQUIRED", "10.0.0.5", &why, /*tls=*/true, kPin).ok());
}

TEST_F(DimseHandlersTest, PinnedCertificateMustMatch) {
  dicom::RefuseReason why = dicom::RefuseReason::kNoReason;
  EXPECT_FALSE(Accept("PINNED", "10.0.0.5", &why).ok());        // plain TCP
  EXPECT_FALSE(Accept("PINNED", "10.0.0.5", &why, true).ok());  // no certificate
  std::string other(kPin);
  other.back() = 'd';
  auto wrong = Accept("PINNED", "10.0.0.5", &why, true, other);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(why, dicom::RefuseReason::kCallingAeNotRecognized);
  EXPECT_NE(wrong.status().message().find("another certificate"), std::string::npos);
  EXPECT_EQ(handlers_.OpenAssociations("PINNED"), 0u);  // refusals take no slot
  EXPECT_TRUE(Accept("PINNED", "10.0.0.5", &why, true, kPin).ok());  // colons/case normalised
}

TEST_F(DimseHandlersTest, TlsPeersAreCalledOverTls) {
  dicom::RefuseReason why;
  auto s = Accept("MODALITY_A", "10.0.0.5", &why);
  ASSERT_TRUE(s.ok());
  auto dest = (*s)->MoveDestination("TLS_DEST");
  ASSERT_TRUE(dest.has_value());
  EXPECT_TRUE(dest->tls);
  EXPECT_FALSE((*s)->MoveDestination("DEST_A")->tls);
  EXPECT_FALSE((*s)->ReportDestination()->tls);
  auto t = Accept("TLS_ONLY", "10.0.0.5", &why, true);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE((*t)->ReportDestination()->tls);
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
