// Billing on every backend: exactly one charge per delivered request at the contract's flat price
// for its modality, priced at first delivery; cancelled requests are not charged; statements
// follow the JST calendar month.
#include "workflow_test_util.h"

namespace dokuei::workflow {
namespace {

using base::Code;

class BillingTest : public WorkflowTest {
 protected:
  // A request read and delivered now.
  ReadingRequest Deliver(int n, Modality m) {
    const ReadingRequest r = Ready(n, m);
    EXPECT_TRUE(Req().Transition(Reader(kJunior), r.id, State::kAssigned).ok());
    EXPECT_TRUE(Req().Transition(Reader(kJunior), r.id, State::kReading).ok());
    EXPECT_TRUE(Req().Transition(Reader(kJunior), r.id, State::kFinal).ok());
    auto d = Req().Transition(Coordinator(), r.id, State::kDelivered);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : r;
  }
  Actor HospitalAdmin(int64_t tenant) {
    Actor a = Staff(tenant);
    a.roles = {identity::Role::kAdministrator};
    return a;
  }
};
DOKUEI_WORKFLOW_BACKENDS(BillingTest);

TEST_P(BillingTest, OneChargePerDeliveredRequestByJapanMonth) {
  PutContract(false, false);  // X-ray 1,500, CT 5,000, MRI 8,000 yen; no fees
  clock_.Set(Jst(2026, 11, 30, 23, 30));
  const ReadingRequest mr = Deliver(1, Modality::kMr);
  // An addendum and a second delivery do not charge again.
  ASSERT_TRUE(Req().Transition(Reader(kJunior), mr.id, State::kAddendum).ok());
  ASSERT_TRUE(Req().Transition(Reader(kJunior), mr.id, State::kFinal).ok());
  ASSERT_TRUE(Req().Transition(Coordinator(), mr.id, State::kDelivered).ok());
  // Cancelled and undelivered requests are not charged.
  const ReadingRequest xr = Ready(2, Modality::kXray);
  ASSERT_TRUE(Req().Transition(Staff(hospital_), xr.id, State::kCancelled).ok());
  Ready(3, Modality::kCt);
  // 00:30 JST on 1 December is still 30 November in UTC: December's statement.
  clock_.Set(Jst(2026, 12, 1, 0, 30));
  const ReadingRequest ct = Deliver(4, Modality::kCt);
  // A later price change does not touch what was charged.
  Contract c = *wf_->contracts().Get(hospital_);
  c.price_mr = 20000;
  c.monthly_fee = 30000;
  ASSERT_TRUE(wf_->contracts().Put(Admin(), c).ok());

  auto nov = wf_->billing().Monthly(Admin(), hospital_, 2026, 11);
  ASSERT_TRUE(nov.ok()) << nov.status().ToString();
  ASSERT_EQ(nov->charges.size(), 1u);
  EXPECT_EQ(nov->charges[0].request_id, mr.id);
  EXPECT_EQ(nov->charges[0].price, 8000);
  EXPECT_EQ(nov->charges[0].modality, Modality::kMr);
  EXPECT_EQ(nov->charges[0].delivered_at, Jst(2026, 11, 30, 23, 30));
  ASSERT_EQ(nov->subtotals.size(), 1u);
  EXPECT_EQ(nov->subtotals[0].count, 1);
  EXPECT_EQ(nov->monthly_fee, 30000);  // the contract's fee now
  EXPECT_EQ(nov->total, 8000 + 30000);
  auto dec = wf_->billing().Monthly(HospitalAdmin(hospital_), hospital_, 2026, 12);
  ASSERT_TRUE(dec.ok()) << dec.status().ToString();
  ASSERT_EQ(dec->charges.size(), 1u);
  EXPECT_EQ(dec->charges[0].request_id, ct.id);
  EXPECT_EQ(dec->charges[0].price, 5000);
  EXPECT_TRUE(wf_->billing().Monthly(Admin(), hospital_, 2026, 10)->charges.empty());
  EXPECT_TRUE(wf_->billing().Monthly(Admin(), other_hospital_, 2026, 11)->charges.empty());

  // Who may see statements.
  EXPECT_EQ(
      wf_->billing().Monthly(HospitalAdmin(other_hospital_), hospital_, 2026, 11).status().code(),
      Code::kNotFound);
  EXPECT_EQ(wf_->billing().Monthly(Staff(hospital_), hospital_, 2026, 11).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(wf_->billing().Monthly(Coordinator(), hospital_, 2026, 11).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(wf_->billing().Monthly(Admin(), hospital_, 2026, 13).status().field(), "month");
  EXPECT_EQ(wf_->billing().Monthly(Admin(), 99999, 2026, 11).status().code(), Code::kNotFound);
}

TEST_P(BillingTest, ChargesToTheSecondOfTheJapanMonthAndExactSums) {
  PutContract(false, false);  // X-ray 1,500, CT 5,000, MRI 8,000 yen
  // 23:59:59 JST on 30 November is November; 00:00:00 JST on 1 December is December.
  clock_.Set(Jst(2026, 11, 30, 23, 59, 59));
  const ReadingRequest last = Deliver(1, Modality::kMr);
  clock_.Set(Jst(2026, 12, 1, 0, 0, 0));
  const ReadingRequest first = Deliver(2, Modality::kCt);
  for (int i = 0; i < 3; ++i) Deliver(10 + i, Modality::kXray);
  Deliver(20, Modality::kMr);
  const ReadingRequest cancelled = Ready(30, Modality::kMr);
  ASSERT_TRUE(Req().Transition(Coordinator(), cancelled.id, State::kCancelled).ok());

  auto nov = wf_->billing().Monthly(Admin(), hospital_, 2026, 11);
  ASSERT_TRUE(nov.ok()) << nov.status().ToString();
  ASSERT_EQ(nov->charges.size(), 1u);
  EXPECT_EQ(nov->charges[0].request_id, last.id);
  EXPECT_EQ(nov->total, 8000);
  auto dec = wf_->billing().Monthly(Admin(), hospital_, 2026, 12);
  ASSERT_TRUE(dec.ok()) << dec.status().ToString();
  ASSERT_EQ(dec->charges.size(), 5u);
  EXPECT_EQ(dec->charges[0].request_id, first.id);
  EXPECT_EQ(dec->charges[0].delivered_at, Jst(2026, 12, 1, 0, 0, 0));
  for (const Charge& ch : dec->charges) EXPECT_NE(ch.request_id, cancelled.id);
  ASSERT_EQ(dec->subtotals.size(), 3u);  // X-ray, CT, MRI in enum order
  EXPECT_EQ(dec->subtotals[0].modality, Modality::kXray);
  EXPECT_EQ(dec->subtotals[0].count, 3);
  EXPECT_EQ(dec->subtotals[0].amount, 4500);
  EXPECT_EQ(dec->subtotals[1].amount, 5000);
  EXPECT_EQ(dec->subtotals[2].amount, 8000);
  EXPECT_EQ(dec->initial_fee, 0);
  EXPECT_EQ(dec->monthly_fee, 0);
  EXPECT_EQ(dec->total, 4500 + 5000 + 8000);
}

TEST_P(BillingTest, InitialFeeInTheStartMonthMonthlyFeeFromIt) {
  Contract c;
  c.tenant_id = hospital_;
  c.price_mr = 8000;
  c.initial_fee = 100000;
  c.monthly_fee = 30000;
  // Without a start date: the monthly fee every month, never the initial fee.
  ASSERT_TRUE(wf_->contracts().Put(Admin(), c).ok());
  auto before = wf_->billing().Monthly(Admin(), hospital_, 2026, 9);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->initial_fee, 0);
  EXPECT_EQ(before->monthly_fee, 30000);
  EXPECT_FALSE(before->contract_start_day.has_value());

  c.start_day = DayOfDate(2026, 11, 30);  // the last day of the month
  ASSERT_TRUE(wf_->contracts().Put(Admin(), c).ok());
  EXPECT_EQ(wf_->contracts().Get(hospital_)->start_day, DayOfDate(2026, 11, 30));
  clock_.Set(Jst(2026, 11, 30, 12, 0));
  Deliver(1, Modality::kMr);
  auto oct = wf_->billing().Monthly(Admin(), hospital_, 2026, 10);
  auto nov = wf_->billing().Monthly(Admin(), hospital_, 2026, 11);
  auto dec = wf_->billing().Monthly(Admin(), hospital_, 2026, 12);
  auto jan = wf_->billing().Monthly(Admin(), hospital_, 2027, 1);
  ASSERT_TRUE(oct.ok() && nov.ok() && dec.ok() && jan.ok());
  EXPECT_EQ(oct->initial_fee + oct->monthly_fee + oct->total, 0);
  EXPECT_EQ(nov->initial_fee, 100000);
  EXPECT_EQ(nov->monthly_fee, 30000);
  EXPECT_EQ(nov->total, 100000 + 30000 + 8000);
  EXPECT_EQ(nov->contract_start_day, DayOfDate(2026, 11, 30));
  EXPECT_EQ(dec->initial_fee, 0);
  EXPECT_EQ(dec->monthly_fee, 30000);
  EXPECT_EQ(dec->total, 30000);
  EXPECT_EQ(jan->total, 30000);

  c.start_day = DayOfDate(1999, 12, 31);
  EXPECT_EQ(wf_->contracts().Put(Admin(), c).status().field(), "start_date");
}

}  // namespace
}  // namespace dokuei::workflow
