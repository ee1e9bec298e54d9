// The order life cycle through Hl7Intake on every backend, with the samples in testdata/: a
// cancel (ORC-1 CA) found by its placer order number, refused once the request is being read or
// reported; a change (XO) before reading; unknown placer numbers; a resend answered with its
// request; an order without its study matched by accession number when the study arrives, and a
// study that came first completed by the later order.
#include <gtest/gtest.h>

#include "dokuei/intake/intake.h"
#include "dokuei/intake/orders.h"
#include "intake_test_util.h"

namespace dokuei::intake {
namespace {

using workflow::Priority;
using workflow::State;

constexpr char kLumbarStudy[] = "1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778001";

std::string ErrOf(const std::string& ack) {
  for (const std::string& s : Segments(ack))
    if (s.rfind("ERR|", 0) == 0) return s;
  return {};
}

class IntakeOrdersTest : public IntakeDbTest {
 protected:
  workflow::ReadingRequest Only() {
    const auto all = All();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? workflow::ReadingRequest{} : all[0];
  }
  // Drives the request to `to` through the state machine (the images arrive, the system routes,
  // the reader reads; signing and delivery when asked).
  void Drive(int64_t id, State to) {
    auto& rq = wf_->requests();
    const workflow::Actor system = workflow::Actor::System();
    workflow::Actor reader;
    reader.tenant_kind = identity::TenantKind::kReadingCentre;
    reader.user_id = kReaderId;
    reader.subject = "reader";
    reader.roles = {identity::Role::kReader};
    ASSERT_TRUE(rq.RecordArrival(sakura_, kLumbarStudy, "1.2.3.4.5", "MR").ok());
    ASSERT_TRUE(rq.Transition(system, id, State::kReady).ok());
    ASSERT_TRUE(rq.Assign(system, id, workflow::Slot::kReader, kReaderId).ok());
    ASSERT_TRUE(rq.Transition(reader, id, State::kReading).ok());
    if (to == State::kReading) return;
    ASSERT_TRUE(rq.Transition(reader, id, State::kFinal).ok());
    ASSERT_TRUE(rq.Transition(system, id, State::kDelivered).ok());
  }
  std::vector<std::string> Actions() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const audit::Event& e : events_) out.push_back(e.action);
    return out;
  }
};
INSTANTIATE_TEST_SUITE_P(Backends, IntakeOrdersTest,
                         ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile,
                                           Backend::kPostgres),
                         BackendName);

TEST_P(IntakeOrdersTest, ACancelFindsTheOrderByItsPlacerNumber) {
  const Hl7Outcome nw = intake_->Handle(Sample("orm_o01_utf8_lumbar_mr_stat.hl7"));
  ASSERT_EQ(nw.code, "AA") << nw.error;
  EXPECT_EQ(Only().order.placer_order_number, "ORD-2026-0001");
  const Hl7Outcome ca = intake_->Handle(Sample("orm_o01_cancel_lumbar_mr.hl7"), "10.0.0.7");
  ASSERT_EQ(ca.code, "AA") << ca.error << "\n" << ca.ack;
  EXPECT_EQ(ca.request_id, nw.request_id);
  EXPECT_NE(ca.ack.find("MSA|AA|MSG00004|reading request " + std::to_string(nw.request_id) +
                        " cancelled"),
            std::string::npos)
      << ca.ack;
  EXPECT_EQ(Only().state, State::kCancelled);
  EXPECT_EQ(Actions(), (std::vector<std::string>{"request.create", "request.cancel"}));
  {
    std::lock_guard lock(mu_);
    EXPECT_EQ(events_[1].actor, "hl7:SAKURA_HP");
    EXPECT_EQ(events_[1].source_address, "10.0.0.7");
    EXPECT_NE(events_[1].message.find("HL7 MSG00004"), std::string::npos);
  }
  // A resent cancel changes nothing and is acknowledged.
  const Hl7Outcome again = intake_->Handle(Sample("orm_o01_cancel_lumbar_mr.hl7"));
  EXPECT_EQ(again.code, "AA");
  EXPECT_NE(again.ack.find("already cancelled"), std::string::npos);
  EXPECT_EQ(Actions().size(), 2u);
  // A change of the cancelled order is refused.
  const Hl7Outcome xo = intake_->Handle(Sample("orm_o01_change_lumbar_mr.hl7"));
  EXPECT_EQ(xo.code, "AE");
  EXPECT_NE(ErrOf(xo.ack).find("|206^"), std::string::npos) << xo.ack;
  EXPECT_NE(ErrOf(xo.ack).find("was cancelled"), std::string::npos) << xo.ack;
  // The cancelled order frees the study: the hospital may order it again.
  EXPECT_EQ(intake_->Handle(Sample("orm_o01_utf8_lumbar_mr_stat.hl7")).code, "AA");
  EXPECT_EQ(All().size(), 2u);
}

TEST_P(IntakeOrdersTest, ACancelOfADeliveredOrReadRequestIsRefusedWithTheReason) {
  const Hl7Outcome nw = intake_->Handle(Sample("orm_o01_utf8_lumbar_mr_stat.hl7"));
  ASSERT_EQ(nw.code, "AA") << nw.error;
  Drive(nw.request_id, State::kReading);
  Hl7Outcome ca = intake_->Handle(Sample("orm_o01_cancel_lumbar_mr.hl7"));
  EXPECT_EQ(ca.code, "AE");
  EXPECT_NE(ErrOf(ca.ack).find("ORC^1^1^1^|206^Application record locked"), std::string::npos)
      << ca.ack;
  EXPECT_NE(ErrOf(ca.ack).find("is being read (reading)"), std::string::npos) << ca.ack;
  EXPECT_EQ(Only().state, State::kReading);
  const workflow::Actor reader = [] {
    workflow::Actor a;
    a.tenant_kind = identity::TenantKind::kReadingCentre;
    a.user_id = kReaderId;
    a.roles = {identity::Role::kReader};
    return a;
  }();
  ASSERT_TRUE(wf_->requests().Transition(reader, nw.request_id, State::kFinal).ok());
  ASSERT_TRUE(
      wf_->requests().Transition(workflow::Actor::System(), nw.request_id, State::kDelivered).ok());
  const size_t audited = Actions().size();
  ca = intake_->Handle(Sample("orm_o01_cancel_lumbar_mr.hl7"));
  EXPECT_EQ(ca.code, "AE");
  EXPECT_NE(ErrOf(ca.ack).find("has already been reported (delivered): it cannot be cancelled"),
            std::string::npos)
      << ca.ack;
  EXPECT_EQ(Only().state, State::kDelivered);
  EXPECT_EQ(Actions().size(), audited);  // nothing changed, nothing audited
}

TEST_P(IntakeOrdersTest, AChangeBeforeReadingUpdatesTheRequest) {
  const Hl7Outcome nw = intake_->Handle(Sample("orm_o01_utf8_lumbar_mr_stat.hl7"));
  ASSERT_EQ(nw.code, "AA") << nw.error;
  const workflow::ReadingRequest before = Only();
  EXPECT_EQ(before.details.priority, Priority::kStat);
  clock_.Advance(std::chrono::minutes(5));
  const Hl7Outcome xo = intake_->Handle(Sample("orm_o01_change_lumbar_mr.hl7"));
  ASSERT_EQ(xo.code, "AA") << xo.error << "\n" << xo.ack;
  EXPECT_EQ(xo.request_id, nw.request_id);
  const workflow::ReadingRequest after = Only();
  EXPECT_EQ(after.details.priority, Priority::kSameDay);
  EXPECT_EQ(after.details.clinical_question, "腰痛と右下肢のしびれ。膀胱直腸障害なし (再確認)");
  ASSERT_TRUE(after.details.desired_return_at.has_value());
  EXPECT_EQ(base::FormatIso8601(*after.details.desired_return_at), "2026-11-25T08:00:00.000000Z");
  EXPECT_EQ(after.details.modality, workflow::Modality::kMr);
  EXPECT_EQ(after.study_uid, kLumbarStudy);
  // The deadline follows the priority from the same clock start (reception), not the change.
  EXPECT_GT(after.due_at, before.due_at);
  EXPECT_EQ(Actions(), (std::vector<std::string>{"request.create", "request.update"}));

  // Once a reader has opened it, a change is refused and nothing changes.
  Drive(nw.request_id, State::kReading);
  const Hl7Outcome late = intake_->Handle(Sample("orm_o01_change_lumbar_mr.hl7"));
  EXPECT_EQ(late.code, "AE");
  EXPECT_NE(ErrOf(late.ack).find("|206^"), std::string::npos) << late.ack;
  EXPECT_NE(ErrOf(late.ack).find("cannot be changed"), std::string::npos) << late.ack;
  // A UTF-8 sender gets the Japanese text in ERR-8.
  EXPECT_NE(ErrOf(late.ack).find("読影中のため変更できません"), std::string::npos) << late.ack;
  EXPECT_EQ(Only().details.clinical_question, after.details.clinical_question);
}

TEST_P(IntakeOrdersTest, AResendFindsItsRequestAndAPlacerNumberOfAnotherStudyIsRefused) {
  const Hl7Outcome nw = intake_->Handle(Sample("orm_o01_utf8_lumbar_mr_stat.hl7"));
  ASSERT_EQ(nw.code, "AA") << nw.error;
  const Hl7Outcome resent = intake_->Handle(Sample("orm_o01_utf8_lumbar_mr_stat.hl7"));
  EXPECT_EQ(resent.code, "AA");
  EXPECT_EQ(resent.request_id, nw.request_id);
  EXPECT_NE(resent.ack.find("was already received as reading request"), std::string::npos);
  // The same placer number for another study.
  std::string other = Sample("orm_o01_utf8_lumbar_mr_stat.hl7");
  other.replace(other.find("778001^SAKURA_RIS^Application"), 6, "778099");
  const Hl7Outcome clash = intake_->Handle(other);
  EXPECT_EQ(clash.code, "AE");
  EXPECT_NE(ErrOf(clash.ack).find("ORC^1^2^1^1|205^"), std::string::npos) << clash.ack;
  EXPECT_EQ(All().size(), 1u);
  EXPECT_EQ(Actions().size(), 1u);
}

TEST_P(IntakeOrdersTest, AnOrderBeforeItsStudyIsMatchedByAccessionNumber) {
  const Hl7Outcome nw = intake_->Handle(Sample("orm_o01_accession_only_lumbar_ct.hl7"));
  ASSERT_EQ(nw.code, "AA") << nw.error << "\n" << nw.ack;
  EXPECT_EQ(Only().study_uid, "");
  EXPECT_EQ(Only().order.accession_number, "ACC-9006");
  auto arrived =
      wf_->requests().RecordArrival(sakura_, "1.2.392.200036.9116.2.5.1.37.99.6",
                                    "1.2.392.200036.9116.2.5.1.37.99.6.1", "CT", "ACC-9006");
  ASSERT_TRUE(arrived.ok()) << arrived.status().ToString();
  EXPECT_EQ(arrived->id, nw.request_id);
  const workflow::ReadingRequest r = Only();
  EXPECT_EQ(r.study_uid, "1.2.392.200036.9116.2.5.1.37.99.6");
  EXPECT_EQ(r.instance_count, 1);
  EXPECT_EQ(r.source, "hl7");
  EXPECT_EQ(Actions(), (std::vector<std::string>{"request.create", "request.attach"}));
}

TEST_P(IntakeOrdersTest, AStudyBeforeItsOrderIsCompletedByIt) {
  auto arrived =
      wf_->requests().RecordArrival(sakura_, "1.2.392.200036.9116.2.5.1.37.99.6",
                                    "1.2.392.200036.9116.2.5.1.37.99.6.1", "CT", "ACC-9006");
  ASSERT_TRUE(arrived.ok()) << arrived.status().ToString();
  const Hl7Outcome nw = intake_->Handle(Sample("orm_o01_accession_only_lumbar_ct.hl7"));
  ASSERT_EQ(nw.code, "AA") << nw.error << "\n" << nw.ack;
  EXPECT_EQ(nw.request_id, arrived->id);
  const workflow::ReadingRequest r = Only();
  EXPECT_TRUE(r.details_complete);
  EXPECT_EQ(r.source, "hl7");
  EXPECT_EQ(r.order.placer_order_number, "ORD-2026-0006");
  EXPECT_EQ(r.order.patient_id, "P0012347");
  EXPECT_EQ(Actions(), (std::vector<std::string>{"request.create", "request.complete"}));
}

}  // namespace
}  // namespace dokuei::intake
