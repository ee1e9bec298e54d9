// The state machine through the database on every backend, data-driven: a request is driven to
// each state along legal paths, then every target state is tried by every kind of actor. The
// outcome must be what the transition table (CheckTransition) and the visibility rule say:
// refused changes leave the request untouched (same version, no history, no audit record), and
// allowed ones land in the target state.
#include <functional>
#include <map>

#include "store.h"
#include "workflow_test_util.h"

namespace dokuei::workflow {
namespace {

using base::Code;

class TransitionsTest : public WorkflowTest {
 protected:
  // A new CT request driven to `s` (contract: double reading and check).
  ReadingRequest Drive(State s) {
    const ReadingRequest r = MakeRequest(next_++, Modality::kCt);
    auto step = [&](const Actor& a, State to) {
      auto res = Req().Transition(a, r.id, to);
      EXPECT_TRUE(res.ok()) << StateName(to) << ": " << res.status().ToString();
    };
    auto assign = [&](Slot slot, int64_t who) {
      auto res = Req().Assign(Coordinator(), r.id, slot, who);
      EXPECT_TRUE(res.ok()) << res.status().ToString();
    };
    const std::map<State, std::function<void()>> paths = {
        {State::kReceived, [] {}},
        {State::kReady, [&] { step(Coordinator(), State::kReady); }},
        {State::kAssigned,
         [&] {
           step(Coordinator(), State::kReady);
           assign(Slot::kReader, kJunior);
         }},
        {State::kReading,
         [&] {
           paths_.at(State::kAssigned)();
           step(Reader(kJunior), State::kReading);
         }},
        {State::kSecondRead,
         [&] {
           paths_.at(State::kReading)();
           step(Reader(kJunior), State::kSecondRead);
           assign(Slot::kSecondReader, kSenior);
         }},
        {State::kCheck,
         [&] {
           paths_.at(State::kSecondRead)();
           step(Reader(kSenior), State::kCheck);
           assign(Slot::kChecker, kChecker);
         }},
        {State::kFinal,
         [&] {
           paths_.at(State::kCheck)();
           step(Reader(kChecker), State::kFinal);
         }},
        {State::kDelivered,
         [&] {
           paths_.at(State::kFinal)();
           step(Coordinator(), State::kDelivered);
         }},
        {State::kAddendum,
         [&] {
           paths_.at(State::kDelivered)();
           step(Reader(kJunior), State::kAddendum);
         }},
        {State::kOnHold,
         [&] {
           paths_.at(State::kReading)();
           step(Coordinator(), State::kOnHold);
         }},
        {State::kCancelled,
         [&] {
           step(Coordinator(), State::kReady);
           step(Coordinator(), State::kCancelled);
         }},
    };
    paths_ = paths;
    paths_.at(s)();
    auto out = Req().Get(Coordinator(), r.id);
    EXPECT_TRUE(out.ok());
    EXPECT_EQ(out->state, s);
    return out.ok() ? *out : r;
  }

  size_t EventsAbout(const std::string& study_uid) {
    size_t n = 0;
    for (const auto& e : Events()) n += !e.study_uids.empty() && e.study_uids[0] == study_uid;
    return n;
  }

  std::map<State, std::function<void()>> paths_;
  int next_ = 1;
};
DOKUEI_WORKFLOW_BACKENDS(TransitionsTest);

TEST_P(TransitionsTest, EveryStateTargetAndActorAsTheTableSays) {
  PutContract(/*double_reading=*/true, /*check=*/true);
  Actor hospital_auditor = Staff(hospital_);
  hospital_auditor.roles = {identity::Role::kAuditor};
  const std::vector<std::pair<std::string, Actor>> actors = {
      {"system", Actor::System()},
      {"coordinator", Coordinator()},
      {"centre admin", Admin()},
      {"staff", Staff(hospital_)},
      {"other hospital staff", Staff(other_hospital_)},
      {"hospital auditor", hospital_auditor},
      {"first reader", Reader(kJunior)},
      {"second reader", Reader(kSenior)},
      {"checker", Reader(kChecker)},
      {"other reader", Reader(kCtOnly)},
      {"other senior", Reader(kMidSenior)},
  };
  const Contract k = *wf_->contracts().Get(hospital_);
  int allowed = 0, refused = 0;
  for (int from = 0; from < kStateCount; ++from) {
    const State s = static_cast<State>(from);
    const ReadingRequest r = Drive(s);
    const size_t history = Req().History(Coordinator(), r.id)->size();
    const size_t events = EventsAbout(r.study_uid);
    for (int to = 0; to < kStateCount; ++to) {
      const State t = static_cast<State>(to);
      for (const auto& [name, actor] : actors) {
        // What the table and the visibility rule say.
        std::optional<Code> expected;
        if (!internal::Visible(actor, r)) {
          expected = Code::kNotFound;
        } else if (auto rule = CheckTransition(actor, r, k, t); !rule.ok()) {
          expected = rule.status().code();
        } else if (rule->action == "assign") {
          expected = Code::kInvalidArgument;  // Assign names the reader
        } else if (rule->action == "claim" && !actor.Has(identity::Role::kReader)) {
          expected = Code::kPermissionDenied;  // no first-read credentials
        }
        const std::string what =
            std::string(StateName(s)) + " -> " + std::string(StateName(t)) + " by " + name;
        if (expected) {
          auto res = Req().Transition(actor, r.id, t);
          ASSERT_FALSE(res.ok()) << what;
          EXPECT_EQ(res.status().code(), *expected) << what << ": " << res.status().ToString();
          ++refused;
        } else {
          const ReadingRequest fresh = Drive(s);
          auto res = Req().Transition(actor, fresh.id, t);
          ASSERT_TRUE(res.ok()) << what << ": " << res.status().ToString();
          EXPECT_EQ(res->state, t) << what;
          EXPECT_EQ(res->version, fresh.version + 1) << what;
          ++allowed;
        }
      }
    }
    // Nothing refused left a trace on the request.
    auto after = Req().Get(Coordinator(), r.id);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->version, r.version) << StateName(s);
    EXPECT_EQ(after->state, s);
    EXPECT_EQ(Req().History(Coordinator(), r.id)->size(), history) << StateName(s);
    EXPECT_EQ(EventsAbout(r.study_uid), events) << StateName(s);
  }
  std::printf("%d allowed, %d refused transitions checked\n", allowed, refused);
  EXPECT_GT(allowed, 30);
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace dokuei::workflow
