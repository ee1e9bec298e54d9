// Unit tests of serve's identity wiring: AE titles as DICOM peers (tenant policy, pins), the
// per-association lookup with its short cache (new titles accepted without a restart, removed
// ones refused once the cache expires), and the non-loopback rule.
#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>

#include "dokuei/base/random.h"
#include "dokuei/index/index.h"
#include "dokuei/testing/fake_clock.h"
#include "serve_parts.h"

namespace dokuei::server {
namespace {

class ServeIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dokuei-serve-id-" + base::RandomHex(6));
    std::filesystem::create_directories(dir_);
    auto db = db::OpenSqlite({(dir_ / "db.sqlite").string(), 2});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    std::shared_ptr<db::Database> shared = std::move(*db);
    auto idx = index::OpenIndex(shared);
    ASSERT_TRUE(idx.ok()) << idx.status().ToString();
    index_ = std::move(*idx);
    identity::IdentityOptions o;
    o.password_hash.opslimit = 1;  // fast hashes for tests
    o.password_hash.memlimit = 8 << 20;
    auto id = identity::OpenIdentity(shared, clock_, identity::SecretKey::Generate(), o);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    id_ = std::move(*id);
    identity::TenantSpec h;
    h.code = "sakura";
    h.name = "さくら病院";
    hospital_ = *id_->tenants().Create(h);
  }
  void TearDown() override {
    id_.reset();
    index_.reset();
    std::filesystem::remove_all(dir_);
  }

  identity::AeTitle AddAe(const std::string& title) {
    identity::AeTitle ae;
    ae.ae_title = title;
    ae.host = "10.0.0.5";
    ae.port = 104;
    ae.allow_move = false;
    auto r = id_->ae_titles().Add(hospital_.id, ae);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ae;
  }

  std::filesystem::path dir_;
  testing::FakeClock clock_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<identity::Identity> id_;
  identity::Tenant hospital_;
};

TEST_F(ServeIdentityTest, AeTitleMapsOntoAPeerWithTheTenantPolicy) {
  identity::AeTitle ae = AddAe("SAKURA_CT");
  archive::DicomPeer p = PeerFromAe(ae, hospital_);
  EXPECT_EQ(p.ae_title, "SAKURA_CT");
  EXPECT_EQ(p.tenant.value, hospital_.id);
  EXPECT_EQ(p.tenant_code, "sakura");
  EXPECT_EQ(p.port, 104);
  EXPECT_FALSE(p.allow_move);
  EXPECT_TRUE(p.allow_store);
  EXPECT_FALSE(p.tls_required);
  EXPECT_FALSE(p.client_certificate_required);

  identity::Tenant strict = hospital_;
  strict.dicom_client_certificate_required = true;
  p = PeerFromAe(ae, strict);
  EXPECT_TRUE(p.tls_required);
  EXPECT_TRUE(p.client_certificate_required);

  ae.certificate_sha256 = std::string(64, 'a');
  p = PeerFromAe(ae, hospital_);
  EXPECT_TRUE(p.tls_required);
  EXPECT_EQ(p.certificate_sha256, std::string(64, 'a'));
}

TEST_F(ServeIdentityTest, LookupSeesNewAndRemovedTitlesAfterTheCacheExpires) {
  IdentityPeerSource source(*id_, clock_, std::chrono::seconds(2));
  archive::PeerDirectory peers({}, &source);
  auto missing = peers.Find("LATE_AE");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  identity::AeTitle ae = AddAe("LATE_AE");
  EXPECT_FALSE(peers.Find("LATE_AE")->has_value());  // "unknown" is cached briefly
  clock_.Advance(std::chrono::seconds(3));
  auto found = peers.Find("LATE_AE");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->tenant.value, hospital_.id);
  // C-MOVE destinations come from identity too.
  EXPECT_TRUE(peers.FindDestination(index::TenantId{hospital_.id}, "LATE_AE").has_value());
  EXPECT_FALSE(peers.FindDestination(index::TenantId{hospital_.id + 1}, "LATE_AE").has_value());

  ASSERT_TRUE(id_->ae_titles().Remove(hospital_.id, ae.id).ok());
  clock_.Advance(std::chrono::seconds(3));
  EXPECT_FALSE(peers.Find("LATE_AE")->has_value());

  // A disabled tenant's titles are refused.
  AddAe("OTHER_AE");
  identity::TenantUpdate off;
  off.disabled = true;
  ASSERT_TRUE(id_->tenants().Update(hospital_.id, off).ok());
  clock_.Advance(std::chrono::seconds(3));
  EXPECT_FALSE(peers.Find("OTHER_AE")->has_value());
}

TEST_F(ServeIdentityTest, NonLoopbackNeedsTlsOnThatListenerAndAnAdministratorWith2fa) {
  Config c;
  c.http_listen = "0.0.0.0:8443";
  Listeners plain;
  Listeners https;
  https.https = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  auto st = CheckExposure(c, plain, *id_, "en");
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("without TLS"), std::string::npos) << st.message();
  st = CheckExposure(c, https, *id_, "en");
  EXPECT_NE(st.message().find("administrator with two-factor"), std::string::npos);

  // The reading centre's administrator, without and then with a second factor.
  identity::TenantSpec centre;
  centre.code = "centre";
  centre.name = "読影センター";
  centre.kind = identity::TenantKind::kReadingCentre;
  auto rc = id_->tenants().Create(centre);
  ASSERT_TRUE(rc.ok()) << rc.status().ToString();
  identity::NewUser admin;
  admin.tenant_id = rc->id;
  admin.login = "chief";
  admin.display_name = "Chief";
  admin.roles = {identity::Role::kAdministrator};
  admin.password = "Correct-Horse-Battery-Staple-42";
  auto user = id_->accounts().Create(admin);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_FALSE(CheckExposure(c, https, *id_, "en").ok());
  auto enrolment = id_->two_factor().Begin(user->id);
  ASSERT_TRUE(enrolment.ok()) << enrolment.status().ToString();
  auto secret = identity::Base32Decode(enrolment->secret_base32);
  ASSERT_TRUE(secret.ok());
  const std::string code =
      identity::HotpCode({reinterpret_cast<const uint8_t*>(secret->data()), secret->size()},
                         static_cast<uint64_t>(identity::TotpStep(clock_.Now())));
  ASSERT_TRUE(id_->two_factor().Confirm(user->id, code).ok());
  EXPECT_TRUE(CheckExposure(c, https, *id_, "en").ok());
  // ... but never for the plain listener, nor for a listener without TLS.
  EXPECT_FALSE(CheckExposure(c, plain, *id_, "en").ok());
  Config dicom = c;
  dicom.http_listen = "127.0.0.1:8042";
  dicom.dicom_listen = "0.0.0.0:104";
  st = CheckExposure(dicom, https, *id_, "ja");
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("ループバック以外"), std::string::npos) << st.message();
  // Loopback needs nothing.
  Config local;
  EXPECT_TRUE(CheckExposure(local, plain, *id_, "en").ok());
}

}  // namespace
}  // namespace dokuei::server
