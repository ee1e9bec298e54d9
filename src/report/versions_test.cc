// The common frame, versions, signatures, immutability (also through SQL), addenda, visibility.
#include "dokuei/base/digest.h"
#include "dokuei/report/content.h"
#include "report_test_util.h"

namespace dokuei::report {
namespace {

TEST(ContentTest, FrameIsCheckedAndCanonical) {
  auto ok = ValidateContent(FullContent(), FrameCheck::kSigning);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->rfind("{\"alignment\"", 0), 0u);  // sorted keys, compact
  auto draft = ValidateContent(R"({"frame":1,"clinical_question":"q"})", FrameCheck::kDraft);
  EXPECT_TRUE(draft.ok());
  auto unsigned_ok =
      ValidateContent(R"({"frame":1,"clinical_question":"q"})", FrameCheck::kSigning);
  EXPECT_EQ(unsigned_ok.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(unsigned_ok.status().field(), "content.technique");
  auto unknown = ValidateContent(R"({"frame":1,"hobbies":{}})", FrameCheck::kDraft);
  EXPECT_EQ(unknown.status().field(), "content.hobbies");
  auto level = ValidateContent(R"({"frame":1,"levels":[{"level":"L4-L5"},{"level":"L9"}]})",
                               FrameCheck::kDraft);
  EXPECT_EQ(level.status().field(), "content.levels[1].level");
  auto type = ValidateContent(R"({"frame":1,"technique":"MRI"})", FrameCheck::kDraft);
  EXPECT_EQ(type.status().field(), "content.technique");
  EXPECT_FALSE(ValidateContent("{", FrameCheck::kDraft).ok());
  EXPECT_FALSE(ValidateContent(R"({"frame":2})", FrameCheck::kDraft).ok());
}

TEST(ContentTest, ComparisonMatchesLevelsByName) {
  const auto diffs = CompareContent(FullContent("a", "moderate"), FullContent("a", "severe"));
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0], "/levels/L4-L5/canal");
  EXPECT_TRUE(CompareContent(FullContent(), FullContent()).empty());
}

using VersionsTest = ReportTest;
DOKUEI_REPORT_BACKENDS(VersionsTest);

TEST_P(VersionsTest, DraftSignAddendumAndImmutableHistory) {
  MakeRequest(1);
  auto d = svc_->reports().SaveDraft(Reader(), 1, {R"({"frame":1,"clinical_question":"q"})"});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->number, 1);
  EXPECT_EQ(d->kind, VersionKind::kDraft);
  // Signing an incomplete draft is refused; completing it replaces the draft in place.
  auto bad = svc_->reports().Sign(Reader(), d->report_id, {});
  EXPECT_EQ(bad.status().code(), base::Code::kInvalidArgument);
  auto d2 = svc_->reports().SaveDraft(Reader(), 1, {FullContent(), 1});
  ASSERT_TRUE(d2.ok()) << d2.status().ToString();
  EXPECT_EQ(d2->id, d->id);
  EXPECT_EQ(svc_->reports().SaveDraft(Reader(), 1, {FullContent(), 7}).status().code(),
            base::Code::kConflict);
  // Only the request's reader signs.
  EXPECT_EQ(svc_->reports().Sign(Reader(kCovering), d->report_id, {}).status().code(),
            base::Code::kPermissionDenied);
  EXPECT_EQ(svc_->reports().Sign(Staff(hospital_), d->report_id, {}).status().code(),
            base::Code::kNotFound);
  clock_.Advance(std::chrono::minutes(5));
  auto s = svc_->reports().Sign(Reader(), d->report_id, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->kind, VersionKind::kFinal);
  EXPECT_TRUE(s->signed_);
  EXPECT_EQ(s->signer_id, kReader);
  EXPECT_EQ(s->signer_login, "user101");
  EXPECT_EQ(s->signed_at, clock_.Now());
  EXPECT_EQ(s->content_sha256, base::Sha256Hex(s->content));
  EXPECT_EQ(s->release, Release::kReleased);
  EXPECT_EQ(svc_->reports().Sign(Reader(), d->report_id, {}).status().code(),
            base::Code::kFailedPrecondition);  // nothing to sign

  // The database refuses to change or delete a signed version, whoever asks.
  const std::string id = std::to_string(s->id);
  EXPECT_FALSE(Sql("UPDATE report_versions SET content = '{}' WHERE id = " + id).ok());
  EXPECT_FALSE(Sql("UPDATE report_versions SET signed_us = 0 WHERE id = " + id).ok());
  EXPECT_FALSE(Sql("DELETE FROM report_versions WHERE id = " + id).ok());
  EXPECT_TRUE(svc_->reports().Verify(d->report_id).ok());

  // A new draft after the final becomes an addendum that references it (reason required).
  auto a = svc_->reports().SaveDraft(Reader(), 1, {FullContent("L4-L5 ヘルニア、L5-S1 も軽度")});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->number, 2);
  EXPECT_EQ(svc_->reports().Sign(Reader(), d->report_id, {}).status().field(), "reason");
  SignInput add;
  add.reason = "L5-S1 の所見を追記";
  auto as = svc_->reports().Sign(Reader(), d->report_id, add);
  ASSERT_TRUE(as.ok()) << as.status().ToString();
  EXPECT_EQ(as->kind, VersionKind::kAddendum);
  EXPECT_EQ(as->amends_version_id, s->id);
  EXPECT_EQ(as->reason, add.reason);

  auto r = svc_->reports().Get(Staff(hospital_), d->report_id);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->versions.size(), 2u);
  EXPECT_EQ(r->versions[0].content, s->content);  // the final is untouched
  EXPECT_EQ(r->reader_id, kReader);
  EXPECT_EQ(svc_->reports().Get(Staff(other_), d->report_id).status().code(),
            base::Code::kNotFound);
  EXPECT_EQ(svc_->reports().ForRequest(Reader(), 1)->id, d->report_id);

  // An unsigned draft may still be discarded in SQL; a draft is not part of the history.
  ASSERT_TRUE(svc_->reports().SaveDraft(Reader(), 1, {FullContent("x")}).ok());
  EXPECT_TRUE(Sql("DELETE FROM report_versions WHERE signed_us = 0").ok());

  const auto actions = Actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "report.sign"), 2);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "report.draft"), 4);
  EXPECT_EQ(Events().back().tenant_id, hospital_);
}

TEST_P(VersionsTest, TamperingIsFoundByVerify) {
  MakeRequest(1);
  const int64_t id = SignedReport(1);
  // Drop the guard (as an attacker with DDL rights would) and change the signed text.
  if (GetParam() == Backend::kPostgres) {
    ASSERT_TRUE(Sql("DROP TRIGGER report_versions_guard ON report_versions").ok());
  } else {
    ASSERT_TRUE(Sql("DROP TRIGGER report_versions_signed_no_update").ok());
  }
  ASSERT_TRUE(Sql("UPDATE report_versions SET content = '{\"frame\":1}'").ok());
  EXPECT_EQ(svc_->reports().Verify(id).code(), base::Code::kDataLoss);
}

TEST_P(VersionsTest, PreliminaryThenFinalAndHospitalSeesReleasedOnly) {
  MakeRequest(1);
  auto d = svc_->reports().SaveDraft(Reader(), 1, {FullContent("暫定")});
  ASSERT_TRUE(d.ok());
  SignInput pre;
  pre.final = false;
  pre.check_required = true;  // a preliminary is released at once all the same
  auto p = svc_->reports().Sign(Reader(), d->report_id, pre);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->kind, VersionKind::kPreliminary);
  EXPECT_EQ(p->release, Release::kReleased);
  ASSERT_TRUE(svc_->reports().SaveDraft(Reader(), 1, {FullContent("確定")}).ok());
  SignInput fin;
  fin.check_required = true;
  auto f = svc_->reports().Sign(Reader(), d->report_id, fin);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->release, Release::kAwaitingCheck);
  auto seen = svc_->reports().Get(Staff(hospital_), d->report_id);
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->versions.size(), 1u);  // the preliminary only
  EXPECT_EQ(seen->versions[0].kind, VersionKind::kPreliminary);
  EXPECT_EQ(svc_->reports().Get(Checker(), d->report_id)->versions.size(), 2u);
}

TEST_P(VersionsTest, ConcurrentSignaturesSignOnce) {
  MakeRequest(1);
  auto d = svc_->reports().SaveDraft(Reader(), 1, {FullContent()});
  ASSERT_TRUE(d.ok());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto s = svc_->reports().Sign(Reader(), d->report_id, {});
      if (s.ok()) {
        ++ok;
      } else {
        EXPECT_EQ(s.status().code(), base::Code::kFailedPrecondition) << s.status().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  const auto actions = Actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "report.sign"), 1);
}

TEST_P(VersionsTest, AFailingAuditHookRollsTheSignatureBack) {
  MakeRequest(1);
  auto d = svc_->reports().SaveDraft(Reader(), 1, {FullContent()});
  ASSERT_TRUE(d.ok());
  fail_audit_ = true;
  EXPECT_FALSE(svc_->reports().Sign(Reader(), d->report_id, {}).ok());
  fail_audit_ = false;
  auto r = svc_->reports().Get(Reader(), d->report_id);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->versions.back().signed_);
}

}  // namespace
}  // namespace dokuei::report
