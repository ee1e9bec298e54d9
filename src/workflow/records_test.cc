// Names and labels of the records round-trip; identity's reader profiles feed the engine.
#include "dokuei/identity/identity.h"
#include "workflow_test_util.h"

namespace dokuei::workflow {
namespace {

TEST(RecordsTest, NamesRoundTripAndLabelsExistInJapaneseAndEnglish) {
  for (int i = 0; i < kStateCount; ++i) {
    const auto s = static_cast<State>(i);
    EXPECT_EQ(StateFromName(StateName(s)), s);
    EXPECT_FALSE(StateLabel(s, "ja").empty());
    EXPECT_FALSE(StateLabel(s, "en").empty());
    EXPECT_NE(StateLabel(s, "ja"), StateLabel(s, "en"));
  }
  EXPECT_EQ(StateLabel(State::kSecondRead, "ja"), "二次読影中");
  EXPECT_EQ(StateLabel(State::kCheck, "en"), "Report check");
  for (auto p : {Priority::kStat, Priority::kSameDay, Priority::kRoutine}) {
    EXPECT_EQ(PriorityFromName(PriorityName(p)), p);
    EXPECT_FALSE(PriorityLabel(p, "ja").empty());
  }
  for (auto r : {Region::kUnspecified, Region::kCervical, Region::kThoracic, Region::kLumbar,
                 Region::kWholeSpine}) {
    EXPECT_EQ(RegionFromName(RegionName(r)), r);
    EXPECT_FALSE(RegionLabel(r, "ja").empty());
  }
  for (auto m : {Modality::kOther, Modality::kXray, Modality::kCt, Modality::kMr}) {
    EXPECT_EQ(ModalityFromName(ModalityName(m)), m);
    EXPECT_FALSE(ModalityLabel(m, "en").empty());
  }
  for (auto k : {EscalationKind::kRerouted, EscalationKind::kAtRisk, EscalationKind::kNoReader,
                 EscalationKind::kBreached}) {
    EXPECT_EQ(EscalationKindFromName(EscalationKindName(k)), k);
    EXPECT_FALSE(EscalationKindLabel(k, "ja").empty());
  }
  EXPECT_EQ(ModalityFromDicom("CR"), Modality::kXray);
  EXPECT_EQ(ModalityFromDicom("dx "), Modality::kXray);
  EXPECT_EQ(ModalityFromDicom("MR"), Modality::kMr);
  EXPECT_EQ(ModalityFromDicom("CT"), Modality::kCt);
  EXPECT_EQ(ModalityFromDicom("US"), Modality::kOther);
  EXPECT_FALSE(StateFromName("Reading").has_value());
}

TEST(RecordsTest, ActorFromAPrincipal) {
  identity::Principal p;
  p.tenant_id = 3;
  p.tenant_kind = identity::TenantKind::kReadingCentre;
  p.user_id = 42;
  p.subject = "yamada";
  p.roles = {identity::Role::kReader};
  const Actor a = ActorFrom(p, "192.0.2.1");
  EXPECT_FALSE(a.system);
  EXPECT_TRUE(a.InReadingCentre());
  EXPECT_TRUE(a.Has(identity::Role::kReader));
  EXPECT_FALSE(a.Has(identity::Role::kChecker));
  EXPECT_EQ(a.source_address, "192.0.2.1");
  EXPECT_TRUE(Actor::System().system);
}

using IdentityReadersTest = WorkflowTest;
DOKUEI_WORKFLOW_BACKENDS(IdentityReadersTest);

TEST_P(IdentityReadersTest, PublishedProfilesBecomeReaders) {
  identity::IdentityOptions options;
  options.password_hash = identity::PasswordHashParams::ForTests();
  auto id = identity::OpenIdentity(db_, clock_, identity::SecretKey::Generate(), options);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto dir = IdentityReaderDirectory(**id);
  auto none = dir->Readers();
  ASSERT_TRUE(none.ok()) << none.status().ToString();  // no reading centre yet
  EXPECT_TRUE(none->empty());
  identity::TenantSpec spec;
  spec.code = "reading-centre";
  spec.name = "読影センター";
  spec.kind = identity::TenantKind::kReadingCentre;
  auto centre = (*id)->tenants().Create(spec);
  ASSERT_TRUE(centre.ok()) << centre.status().ToString();
  auto make = [&](const std::string& login, std::vector<identity::Role> roles, int years,
                  std::vector<std::string> modalities) {
    identity::NewUser nu;
    nu.tenant_id = centre->id;
    nu.login = login;
    nu.display_name = login + " 先生";
    nu.roles = std::move(roles);
    nu.password = "Kawasemi-no-mizube-2031";
    auto u = (*id)->accounts().Create(nu);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    identity::ReaderProfile p;
    p.years_of_experience = years;
    p.modalities = std::move(modalities);
    p.subspecialties = {"spine"};
    EXPECT_TRUE((*id)->profiles().Put(centre->id, u->id, p).ok());
    return u->id;
  };
  const int64_t reader = make("sato", {identity::Role::kReader}, 6, {"CR", "DX", "CT"});
  const int64_t checker =
      make("suzuki", {identity::Role::kReader, identity::Role::kChecker}, 22, {"MR", "CT"});
  auto readers = dir->Readers();
  ASSERT_TRUE(readers.ok()) << readers.status().ToString();
  ASSERT_EQ(readers->size(), 2u);
  for (const ReaderInfo& r : *readers) {
    if (r.user_id == reader) {
      EXPECT_TRUE(r.reads);
      EXPECT_FALSE(r.checks);
      EXPECT_EQ(r.modalities, (std::vector<Modality>{Modality::kXray, Modality::kCt}));
      EXPECT_EQ(r.years_of_experience, 6);
    } else {
      EXPECT_EQ(r.user_id, checker);
      EXPECT_TRUE(r.reads);
      EXPECT_TRUE(r.checks);
      EXPECT_EQ(r.modalities, (std::vector<Modality>{Modality::kMr, Modality::kCt}));
      EXPECT_EQ(r.display_name, "suzuki 先生");
    }
  }
}

}  // namespace
}  // namespace dokuei::workflow
