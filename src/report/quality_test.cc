// Double reading (RADPEER and resolution), the report check, per-reader statistics.
#include "report_test_util.h"

namespace dokuei::report {
namespace {

using QualityTest = ReportTest;
DOKUEI_REPORT_BACKENDS(QualityTest);

TEST_P(QualityTest, CheckApprovesOrReturnsBeforeRelease) {
  MakeRequest(1);
  SignInput in;
  in.check_required = true;
  const int64_t id = SignedReport(1, in);
  auto v1 = svc_->reports().Get(Checker(), id)->versions.back();
  EXPECT_EQ(v1.release, Release::kAwaitingCheck);
  EXPECT_EQ(svc_->reports().Get(Staff(hospital_), id).status().code(), base::Code::kNotFound);
  // No new draft while the check is pending; the reader cannot check their own report.
  EXPECT_EQ(svc_->reports().SaveDraft(Reader(), 1, {FullContent()}).status().code(),
            base::Code::kFailedPrecondition);
  EXPECT_EQ(svc_->quality().Check(Reader(), v1.id, {}).status().code(),
            base::Code::kPermissionDenied);
  EXPECT_EQ(svc_->quality().Check(Checker(), v1.id, {false, ""}).status().field(), "comments");
  auto ret = svc_->quality().Check(Checker(), v1.id, {false, "L4-L5 の左右が逆です"});
  ASSERT_TRUE(ret.ok()) << ret.status().ToString();
  EXPECT_EQ(svc_->reports().Get(Checker(), id)->versions.back().release, Release::kReturned);
  EXPECT_EQ(svc_->quality().Check(Checker(), v1.id, {}).status().code(),
            base::Code::kFailedPrecondition);  // decided once
  // The reader corrects in a new version (the returned one stays in the history) and signs.
  ASSERT_TRUE(svc_->reports().SaveDraft(Reader(), 1, {FullContent("左 L4-L5")}).ok());
  auto v2 = svc_->reports().Sign(Reader(), id, in);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->kind, VersionKind::kFinal);
  EXPECT_EQ(v2->release, Release::kAwaitingCheck);
  ASSERT_TRUE(svc_->quality().Check(Checker(), v2->id, {true, ""}).ok());
  auto seen = svc_->reports().Get(Staff(hospital_), id);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  ASSERT_EQ(seen->versions.size(), 1u);
  EXPECT_EQ(seen->versions[0].id, v2->id);
  auto checks = svc_->quality().Checks(Coordinator(), id);
  ASSERT_TRUE(checks.ok());
  ASSERT_EQ(checks->size(), 2u);
  EXPECT_FALSE((*checks)[0].approved);
  EXPECT_EQ((*checks)[0].comments, "L4-L5 の左右が逆です");
  const auto actions = Actions();
  EXPECT_NE(std::find(actions.begin(), actions.end(), "report.check_return"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "report.check_approve"), actions.end());
}

TEST_P(QualityTest, SecondReadThenCheckThenRelease) {
  MakeRequest(1);
  SignInput in;
  in.double_reading = true;
  in.check_required = true;
  const int64_t id = SignedReport(1, in);
  const Version v = svc_->reports().Get(Checker(), id)->versions.back();
  EXPECT_EQ(v.release, Release::kAwaitingSecondRead);
  EXPECT_EQ(svc_->quality().Check(Checker(), v.id, {}).status().code(),
            base::Code::kFailedPrecondition);  // the second read comes first
  ASSERT_TRUE(svc_->quality().Review(Second(), v.id, {}).ok());
  EXPECT_EQ(svc_->reports().Get(Checker(), id)->versions.back().release, Release::kAwaitingCheck);
  ASSERT_TRUE(svc_->quality().Check(Checker(), v.id, {}).ok());
  EXPECT_EQ(svc_->reports().Get(Staff(hospital_), id)->versions.back().release, Release::kReleased);
}

TEST_P(QualityTest, SecondReaderReturnsToTheFirstReader) {
  MakeRequest(1);
  SignInput in;
  in.double_reading = true;
  const int64_t id = SignedReport(1, in);
  const Version v = svc_->reports().Get(Second(), id)->versions.back();
  ReviewInput ri;
  ri.score = Radpeer::k3b;
  ri.return_to_reader = true;
  ri.comment = "L4-L5 の馬尾圧迫が未記載";
  auto rv = svc_->quality().Review(Second(), v.id, ri);
  ASSERT_TRUE(rv.ok()) << rv.status().ToString();
  EXPECT_TRUE(rv->returned);
  EXPECT_EQ(svc_->reports().Get(Reader(), id)->versions.back().release, Release::kReturned);
  EXPECT_EQ(svc_->reports().Get(Staff(hospital_), id).status().code(), base::Code::kNotFound);
  ASSERT_TRUE(svc_->reports().SaveDraft(Reader(), 1, {FullContent("馬尾圧迫")}).ok());
  auto v2 = svc_->reports().Sign(Reader(), id, in);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->release, Release::kAwaitingSecondRead);
  ASSERT_TRUE(svc_->quality().Review(Second(), v2->id, {}).ok());
  EXPECT_EQ(svc_->reports().Get(Staff(hospital_), id)->versions.back().id, v2->id);
  // A released version cannot be taken back by a later review.
  MakeRequest(2);
  const int64_t id2 = SignedReport(2);
  const Version released = svc_->reports().Get(Second(), id2)->versions.back();
  EXPECT_EQ(svc_->quality().Review(Second(), released.id, ri).status().code(),
            base::Code::kFailedPrecondition);
}

TEST_P(QualityTest, DoubleReadingScoresResolvesAndCounts) {
  MakeRequest(1, std::chrono::minutes(40));
  SignInput in;
  in.double_reading = true;
  const int64_t id = SignedReport(1, in);
  const Version v = svc_->reports().Get(Second(), id)->versions.back();
  EXPECT_EQ(v.release, Release::kAwaitingSecondRead);
  EXPECT_EQ(svc_->quality().Review(Checker(), v.id, {}).status().code(),
            base::Code::kPermissionDenied);  // not the second reader of this request
  ReviewInput ri;
  ri.mode = ReviewMode::kIndependent;
  ri.score = Radpeer::k2b;
  ri.content = FullContent("L4-L5 高度狭窄", "severe");
  EXPECT_EQ(svc_->quality().Review(Second(), v.id, ri).status().field(), "comment");
  ri.comment = "中心管狭窄は高度";
  auto rv = svc_->quality().Review(Second(), v.id, ri);
  ASSERT_TRUE(rv.ok()) << rv.status().ToString();
  EXPECT_EQ(rv->reviewee_id, kReader);
  EXPECT_EQ(rv->score, Radpeer::k2b);
  EXPECT_EQ(rv->differences,
            (std::vector<std::string>{"/impression/0/text", "/levels/L4-L5/canal"}));
  EXPECT_EQ(svc_->quality().Review(Second(), v.id, ri).status().code(), base::Code::kAlreadyExists);
  EXPECT_EQ(svc_->reports().Get(Reader(), id)->versions.back().release, Release::kReleased);

  // Settled by an addendum of the first reader.
  ASSERT_TRUE(svc_->reports().SaveDraft(Reader(), 1, {ri.content}).ok());
  SignInput add;
  add.reason = "二次読影により狭窄度を修正";
  auto a = svc_->reports().Sign(Reader(), id, add);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(
      svc_->quality().Resolve(Reader(), rv->id, {Resolution::kAmended, "", v.id}).status().field(),
      "version_id");
  auto res = svc_->quality().Resolve(Reader(), rv->id, {Resolution::kAmended, "追記済み", a->id});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->resolution, Resolution::kAmended);
  EXPECT_EQ(res->resolution_version_id, a->id);
  EXPECT_EQ(
      svc_->quality().Resolve(Second(), rv->id, {Resolution::kFirstUpheld, "", 0}).status().code(),
      base::Code::kFailedPrecondition);

  // A second request: concur.
  MakeRequest(2, std::chrono::minutes(20));
  const int64_t id2 = SignedReport(2, in);
  const Version v2 = svc_->reports().Get(Second(), id2)->versions.back();
  ASSERT_TRUE(svc_->quality().Review(Second(), v2.id, {}).ok());

  StatsQuery q;
  q.from = clock_.Now() - std::chrono::hours(1);
  q.to = clock_.Now() + std::chrono::seconds(1);
  auto stats = svc_->quality().Stats(Coordinator(), q);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  const ReaderStats* first = nullptr;
  const ReaderStats* second = nullptr;
  for (const auto& s : *stats) {
    if (s.reader_id == kReader) first = &s;
    if (s.reader_id == kSecond) second = &s;
  }
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->reports, 2);
  EXPECT_EQ(first->addenda, 1);
  EXPECT_EQ(first->turnaround_count, 2);
  EXPECT_DOUBLE_EQ(first->turnaround_mean_s, 30 * 60.0);  // 40 and 20 minutes
  EXPECT_EQ(first->reviewed, 2);
  EXPECT_EQ(first->score_counts[0], 1);
  EXPECT_EQ(first->score_counts[2], 1);
  EXPECT_DOUBLE_EQ(first->discrepancy_rate, 0.5);
  EXPECT_DOUBLE_EQ(first->significant_rate, 0.5);
  EXPECT_EQ(second->reviews_given, 2);
  // A reader sees their own statistics only.
  auto own = svc_->quality().Stats(Reader(), q);
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ((*own)[0].reader_id, kReader);
  q.reader_id = kSecond;
  EXPECT_EQ(svc_->quality().Stats(Reader(), q).status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(svc_->quality().Stats(Staff(hospital_), q).status().code(), base::Code::kNotFound);
}

}  // namespace
}  // namespace dokuei::report
