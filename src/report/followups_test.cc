// Follow-up questions: routed to the original reader or a covering one, answered with a threaded
// addendum.
#include "report_test_util.h"

namespace dokuei::report {
namespace {

using FollowUpTest = ReportTest;
DOKUEI_REPORT_BACKENDS(FollowUpTest);

TEST_P(FollowUpTest, RoutedToTheOriginalOrACoveringReaderAndThreaded) {
  bool absent = false;
  options_.covering = [&](int64_t original, int64_t) -> base::Result<int64_t> {
    return absent ? kCovering : original;
  };
  Open();
  MakeRequest(1);
  const int64_t id = SignedReport(1);
  EXPECT_EQ(svc_->followups().Ask(Staff(other_), id, "?").status().code(), base::Code::kNotFound);
  EXPECT_EQ(svc_->followups().Ask(Staff(hospital_), id, "").status().field(), "text");
  auto q1 = svc_->followups().Ask(Staff(hospital_), id, "L5-S1 はどうですか?");
  ASSERT_TRUE(q1.ok()) << q1.status().ToString();
  EXPECT_EQ(q1->routed_to, kReader);
  EXPECT_FALSE(q1->covering);
  ASSERT_EQ(q1->messages.size(), 1u);
  ASSERT_EQ(svc_->followups().Inbox(Reader())->size(), 1u);

  // The reader answers with an addendum, threaded on the question.
  ASSERT_TRUE(svc_->reports().SaveDraft(Reader(), 1, {FullContent("L5-S1 軽度膨隆")}).ok());
  SignInput add;
  add.reason = "ご質問への回答";
  auto a = svc_->reports().Sign(Reader(), id, add);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(svc_->followups().Post(Reader(kCovering), q1->id, "x").status().code(),
            base::Code::kNotFound);
  auto ans = svc_->followups().Post(Reader(), q1->id, "追記しました", a->id);
  ASSERT_TRUE(ans.ok()) << ans.status().ToString();
  EXPECT_TRUE(ans->from_reading_centre);
  EXPECT_TRUE(svc_->followups().Inbox(Reader())->empty());

  // The original reader is absent: the next question goes to the covering reader.
  absent = true;
  auto q2 = svc_->followups().Ask(Staff(hospital_), id, "手術適応について");
  ASSERT_TRUE(q2.ok());
  EXPECT_EQ(q2->routed_to, kCovering);
  EXPECT_TRUE(q2->covering);
  ASSERT_EQ(svc_->followups().Inbox(Reader(kCovering))->size(), 1u);
  ASSERT_TRUE(svc_->followups().Post(Reader(kCovering), q2->id, "脊椎外科へご相談ください").ok());
  ASSERT_TRUE(svc_->followups().Post(Staff(hospital_), q2->id, "ありがとうございました").ok());

  auto thread = svc_->followups().Thread(Staff(hospital_), id);
  ASSERT_TRUE(thread.ok()) << thread.status().ToString();
  ASSERT_EQ(thread->size(), 2u);
  ASSERT_EQ((*thread)[0].messages.size(), 2u);
  EXPECT_EQ((*thread)[0].messages[1].addendum_version_id, a->id);
  EXPECT_TRUE((*thread)[0].answered);
  ASSERT_EQ((*thread)[1].messages.size(), 3u);
  EXPECT_TRUE(svc_->followups().Thread(Reader(kCovering), id).ok());
  const auto actions = Actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "report.question"), 2);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "report.answer"), 2);
}

TEST_P(FollowUpTest, NoQuestionBeforeRelease) {
  MakeRequest(1);
  SignInput in;
  in.check_required = true;
  const int64_t id = SignedReport(1, in);
  EXPECT_EQ(svc_->followups().Ask(Staff(hospital_), id, "?").status().code(),
            base::Code::kNotFound);
}

}  // namespace
}  // namespace dokuei::report
