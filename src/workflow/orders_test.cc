// Order identifiers on every backend: an order without a Study Instance UID gets its study when
// the study arrives (matched by accession number), a study that came first gets the later order
// merged into its auto-created request (by accession number), accession, placer and filler
// numbers are unique among a hospital's open requests, and a placer number finds its request.
#include <atomic>
#include <thread>

#include "workflow_test_util.h"

namespace dokuei::workflow {
namespace {

using base::Code;

class OrdersTest : public WorkflowTest {
 protected:
  NewRequest Order(std::string accession, std::string placer, std::string study = {}) {
    NewRequest nr;
    nr.tenant_id = hospital_;
    nr.study_uid = std::move(study);
    nr.source = "hl7";
    nr.details.modality = Modality::kMr;
    nr.details.region = Region::kLumbar;
    nr.details.priority = Priority::kStat;
    nr.details.clinical_question = "腰痛";
    nr.order.accession_number = std::move(accession);
    nr.order.placer_order_number = std::move(placer);
    nr.order.filler_order_number = "F-" + nr.order.placer_order_number;
    nr.order.patient_id = "P0012345";
    return nr;
  }
  std::vector<std::string> Actions(int64_t id) {
    std::vector<std::string> out;
    auto h = Req().History(Coordinator(), id);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    if (h.ok())
      for (const HistoryEntry& e : *h) out.push_back(e.action);
    return out;
  }
};
DOKUEI_WORKFLOW_BACKENDS(OrdersTest);

TEST_P(OrdersTest, AnOrderWithoutItsStudyGetsTheStudyWithItsAccessionNumber) {
  auto order = Req().Create(Staff(hospital_), Order("ACC-1", "ORD-1"));
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  EXPECT_EQ(order->study_uid, "");
  EXPECT_EQ(order->order.accession_number, "ACC-1");
  EXPECT_EQ(order->order.placer_order_number, "ORD-1");
  EXPECT_EQ(order->order.filler_order_number, "F-ORD-1");
  EXPECT_EQ(order->order.patient_id, "P0012345");
  EXPECT_TRUE(order->details_complete);
  // Another study of another accession number makes a request of its own.
  auto other = Req().RecordArrival(hospital_, Uid(2), Uid(2) + ".1", "CT", "ACC-2");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_NE(other->id, order->id);
  EXPECT_EQ(other->order.accession_number, "ACC-2");  // kept for an order that may follow

  clock_.Advance(std::chrono::minutes(10));
  auto first = Req().RecordArrival(hospital_, Uid(1), Uid(1) + ".1", "MR", "ACC-1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->id, order->id);
  EXPECT_EQ(first->study_uid, Uid(1));
  EXPECT_EQ(first->instance_count, 1);
  // The SLA clock starts with the first image (the order came before it).
  EXPECT_EQ(first->due_at, clock_.Now() + std::chrono::minutes(60));
  // Later instances are found by the study UID, with or without the accession number.
  auto second = Req().RecordArrival(hospital_, Uid(1), Uid(1) + ".2", "MR", "");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->id, order->id);
  EXPECT_EQ(second->instance_count, 2);
  EXPECT_EQ(second->series_count, 2);

  auto all = Req().List(Coordinator(), {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  EXPECT_EQ(Actions(order->id), (std::vector<std::string>{"create", "attach"}));
  bool audited = false;
  for (const audit::Event& e : Events())
    if (e.action == "request.attach") {
      audited = true;
      EXPECT_EQ(e.study_uids, std::vector<std::string>{Uid(1)});
      EXPECT_EQ(e.actor, "system:workflow");
    }
  EXPECT_TRUE(audited);
}

TEST_P(OrdersTest, AStudyThatCameFirstGetsTheLaterOrderMerged) {
  auto arrived = Req().RecordArrival(hospital_, Uid(1), Uid(1) + ".1", "MR", "ACC-1");
  ASSERT_TRUE(arrived.ok()) << arrived.status().ToString();
  EXPECT_EQ(arrived->source, "auto");
  EXPECT_FALSE(arrived->details_complete);
  // By accession number (the order has no study UID).
  auto merged = Req().Create(Staff(hospital_), Order("ACC-1", "ORD-1"));
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->id, arrived->id);
  EXPECT_EQ(merged->study_uid, Uid(1));
  EXPECT_TRUE(merged->details_complete);
  EXPECT_EQ(merged->source, "hl7");
  EXPECT_EQ(merged->details.priority, Priority::kStat);
  EXPECT_EQ(merged->order.placer_order_number, "ORD-1");
  EXPECT_EQ(merged->order.patient_id, "P0012345");
  EXPECT_EQ(Actions(arrived->id), (std::vector<std::string>{"create", "complete"}));
  // A second order for it is a duplicate, by placer number or by accession number.
  auto again = Req().Create(Staff(hospital_), Order("ACC-1", "ORD-1"));
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(again.status().field(), "placer_order_number");
  auto other = Req().Create(Staff(hospital_), Order("ACC-1", "ORD-9"));
  EXPECT_EQ(other.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(other.status().field(), "accession_number");

  // By study UID, with the order's accession number stored.
  ASSERT_TRUE(Req().RecordArrival(hospital_, Uid(2), Uid(2) + ".1", "CT").ok());
  auto by_uid = Req().Create(Staff(hospital_), Order("ACC-2", "ORD-2", Uid(2)));
  ASSERT_TRUE(by_uid.ok()) << by_uid.status().ToString();
  EXPECT_EQ(by_uid->study_uid, Uid(2));
  EXPECT_EQ(by_uid->order.accession_number, "ACC-2");
  EXPECT_EQ(by_uid->details.modality, Modality::kMr);  // the order's word wins over "CT"
  auto all = Req().List(Coordinator(), {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
}

TEST_P(OrdersTest, OrderNumbersAreUniqueAmongAHospitalsOpenRequests) {
  auto a = Req().Create(Staff(hospital_), Order("ACC-1", "ORD-1", Uid(1)));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto dup_placer = Req().Create(Staff(hospital_), Order("ACC-2", "ORD-1", Uid(2)));
  EXPECT_EQ(dup_placer.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(dup_placer.status().field(), "placer_order_number");
  NewRequest filler = Order("ACC-3", "ORD-3", Uid(3));
  filler.order.filler_order_number = "F-ORD-1";
  EXPECT_EQ(Req().Create(Staff(hospital_), filler).status().field(), "filler_order_number");
  // Another hospital has numbers of its own.
  NewRequest momiji = Order("ACC-1", "ORD-1", Uid(1));
  momiji.tenant_id = other_hospital_;
  ASSERT_TRUE(Req().Create(Staff(other_hospital_), momiji).ok());

  auto found = Req().FindByPlacerOrder(Staff(hospital_), hospital_, "ORD-1");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->id, a->id);
  EXPECT_EQ(Req().FindByPlacerOrder(Staff(other_hospital_), hospital_, "ORD-1").status().code(),
            Code::kNotFound);
  EXPECT_EQ(Req().FindByPlacerOrder(Staff(hospital_), hospital_, "ORD-404").status().code(),
            Code::kNotFound);

  // A cancelled order frees its numbers; the placer number then finds the open request first.
  ASSERT_TRUE(Req().Transition(Staff(hospital_), a->id, State::kCancelled).ok());
  EXPECT_EQ(Req().FindByPlacerOrder(Staff(hospital_), hospital_, "ORD-1")->state,
            State::kCancelled);
  auto b = Req().Create(Staff(hospital_), Order("ACC-1", "ORD-1", Uid(1)));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(Req().FindByPlacerOrder(Staff(hospital_), hospital_, "ORD-1")->id, b->id);
}

TEST_P(OrdersTest, BadIdentifiersAreRefusedAndNothingStored) {
  NewRequest none = Order("", "ORD-1");
  EXPECT_EQ(Req().Create(Staff(hospital_), none).status().field(), "study_uid");
  NewRequest newline = Order("ACC-1", "ORD\n1");
  EXPECT_EQ(Req().Create(Staff(hospital_), newline).status().field(), "placer_order_number");
  NewRequest long_acc = Order(std::string(65, 'A'), "ORD-1");
  EXPECT_EQ(Req().Create(Staff(hospital_), long_acc).status().field(), "accession_number");
  NewRequest spaced = Order("ACC-1", "ORD-1");
  spaced.order.patient_id = " P1";
  EXPECT_EQ(Req().Create(Staff(hospital_), spaced).status().field(), "patient_id");
  EXPECT_TRUE(Req().List(Coordinator(), {})->empty());
  EXPECT_TRUE(Events().empty());
}

TEST_P(OrdersTest, AnAccessionNumberOfAnotherStudyIsNotTakenTwice) {
  // The order names its study and accession number; a different study with the same accession
  // number gets a request of its own, without the accession number (it is the order's).
  auto order = Req().Create(Staff(hospital_), Order("ACC-1", "ORD-1", Uid(1)));
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  auto stray = Req().RecordArrival(hospital_, Uid(9), Uid(9) + ".1", "MR", "ACC-1");
  ASSERT_TRUE(stray.ok()) << stray.status().ToString();
  EXPECT_NE(stray->id, order->id);
  EXPECT_EQ(stray->order.accession_number, "");
  EXPECT_EQ(Req().Get(Coordinator(), order->id)->study_uid, Uid(1));
}

TEST_P(OrdersTest, TheSameOrderSentFourTimesAtOnceMakesOneRequest) {
  // An interface engine (or two API clients) sending the same order concurrently: exactly one
  // request; the others are told the order exists (and find it by its placer number). The
  // orders name no study, so only the order-number indexes stand between them and duplicates.
  for (int round = 0; round < 3; ++round) {
    const std::string placer = "ORD-C" + std::to_string(round);
    const NewRequest nr = Order("ACC-C" + std::to_string(round), placer);
    std::atomic<bool> go{false};
    std::atomic<int> created{0}, exists{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        auto r = Req().Create(Staff(hospital_), nr);
        if (r.ok()) {
          ++created;
        } else if (r.status().code() == Code::kAlreadyExists) {
          ++exists;
        } else {
          ADD_FAILURE() << r.status().ToString();
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(created.load(), 1);
    EXPECT_EQ(exists.load(), 3);
    auto found = Req().FindByPlacerOrder(Staff(hospital_), hospital_, placer);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_EQ(found->order.accession_number, "ACC-C" + std::to_string(round));
  }
  EXPECT_EQ(Req().List(Coordinator(), {})->size(), 3u);
}

}  // namespace
}  // namespace dokuei::workflow
