// The transition table (pure): every invalid transition is refused with the allowed ones, every
// rule is authorised for exactly the actors it names, and the design note shows the table.
#include "dokuei/workflow/state_machine.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace dokuei::workflow {
namespace {

using identity::Role;
using identity::TenantKind;

constexpr int64_t kHospitalId = 2;
constexpr int64_t kReaderId = 11, kSecondId = 12, kCheckerId = 13, kOtherReaderId = 20;

Actor Person(int64_t tenant, TenantKind kind, int64_t user, std::vector<Role> roles) {
  Actor a;
  a.tenant_id = tenant;
  a.tenant_kind = kind;
  a.user_id = user;
  a.subject = "u" + std::to_string(user);
  a.roles = std::move(roles);
  return a;
}

struct NamedActor {
  std::string name;
  Actor actor;
  uint32_t relations;  // what the actor is to the fixture request, written out by hand
};

std::vector<NamedActor> Actors() {
  const auto rc = TenantKind::kReadingCentre;
  return {
      {"system", Actor::System(), Who::kSystem},
      {"coordinator", Person(1, rc, 50, {Role::kCoordinator}), Who::kCoordinator},
      {"staff", Person(kHospitalId, TenantKind::kHospital, 60, {Role::kHospitalStaff}),
       Who::kHospital},
      {"other hospital staff", Person(3, TenantKind::kHospital, 61, {Role::kHospitalStaff}), 0},
      {"hospital admin", Person(kHospitalId, TenantKind::kHospital, 62, {Role::kAdministrator}), 0},
      {"centre admin", Person(1, rc, 63, {Role::kAdministrator}), 0},
      {"auditor", Person(1, rc, 64, {Role::kAuditor}), 0},
      {"other reader", Person(1, rc, kOtherReaderId, {Role::kReader}), Who::kAnyReader},
      {"assigned reader", Person(1, rc, kReaderId, {Role::kReader}),
       Who::kAnyReader | Who::kAssignedReader},
      {"second reader", Person(1, rc, kSecondId, {Role::kChecker}),
       Who::kAnyReader | Who::kSecondReader},
      {"checker", Person(1, rc, kCheckerId, {Role::kChecker}), Who::kAnyReader | Who::kChecker},
  };
}

ReadingRequest RequestIn(State s, std::optional<State> held_from = std::nullopt) {
  ReadingRequest r;
  r.id = 7;
  r.tenant_id = kHospitalId;
  r.state = s;
  r.held_from = held_from;
  r.reader_id = kReaderId;
  r.second_reader_id = kSecondId;
  r.checker_id = kCheckerId;
  return r;
}

std::vector<Contract> AllContracts() {
  std::vector<Contract> out;
  for (bool dbl : {false, true}) {
    for (bool chk : {false, true}) {
      Contract c;
      c.double_reading = dbl;
      c.check_required = chk;
      out.push_back(c);
    }
  }
  return out;
}

bool RuleApplies(const TransitionRule& rule, const ReadingRequest& r, const Contract& c) {
  if (rule.from != r.state) return false;
  if (rule.guard == Guard::kResume) return r.held_from == rule.to;
  return GuardHolds(rule.guard, r, c);
}

TEST(StateMachineTest, RelationsAreWhatTheActorIsToTheRequest) {
  const ReadingRequest r = RequestIn(State::kReading);
  for (const auto& a : Actors()) EXPECT_EQ(RelationsOf(a.actor, r), a.relations) << a.name;
}

TEST(StateMachineTest, EveryInvalidTransitionIsRefusedWithTheAllowedOnes) {
  int invalid = 0;
  for (const Contract& c : AllContracts()) {
    for (int from = 0; from < kStateCount; ++from) {
      for (std::optional<State> held :
           {std::optional<State>(), std::optional(State::kReading), std::optional(State::kReady)}) {
        if (static_cast<State>(from) != State::kOnHold && held) continue;
        const ReadingRequest r = RequestIn(static_cast<State>(from), held);
        for (int to = 0; to < kStateCount; ++to) {
          bool valid = false;
          for (const auto& rule : TransitionTable())
            if (rule.to == static_cast<State>(to) && RuleApplies(rule, r, c)) valid = true;
          int ok = 0;
          for (const auto& a : Actors()) {
            auto res = CheckTransition(a.actor, r, c, static_cast<State>(to));
            if (res.ok()) {
              ++ok;
              EXPECT_TRUE(valid);
              continue;
            }
            const auto code = res.status().code();
            EXPECT_EQ(code, valid ? base::Code::kPermissionDenied : base::Code::kFailedPrecondition)
                << StateName(r.state) << " -> " << StateName(static_cast<State>(to)) << " by "
                << a.name;
            EXPECT_NE(res.status().message().find("(allowed: "), std::string::npos);
            // The allowed list is exactly what AllowedTransitions says for this actor.
            std::string expected;
            for (State s : AllowedTransitions(a.actor, r, c)) {
              if (!expected.empty()) expected += ", ";
              expected += StateName(s);
            }
            if (expected.empty()) expected = "none";
            EXPECT_NE(res.status().message().find("(allowed: " + expected + ")"), std::string::npos)
                << res.status().message();
          }
          if (valid) {
            EXPECT_GT(ok, 0) << StateName(r.state) << " -> " << StateName(static_cast<State>(to));
          } else {
            ++invalid;
          }
        }
      }
    }
  }
  // 4 contracts x (10 states + on_hold twice... ) x 11 targets: most pairs are invalid.
  EXPECT_GT(invalid, 400);
}

TEST(StateMachineTest, EachRuleIsAuthorisedForExactlyTheActorsItNames) {
  for (const auto& rule : TransitionTable()) {
    // A request and contract where this rule applies.
    Contract c;
    c.double_reading = rule.guard == Guard::kDoubleReading;
    c.check_required = rule.guard == Guard::kCheckNoDouble || rule.guard == Guard::kCheckRequired;
    std::optional<State> held;
    if (rule.from == State::kOnHold)
      held = rule.guard == Guard::kResume ? rule.to : State::kReading;
    const ReadingRequest r = RequestIn(rule.from, held);
    ASSERT_TRUE(RuleApplies(rule, r, c)) << rule.action;
    for (const auto& a : Actors()) {
      // Expected from the hand-written relations and every rule sharing (from, to).
      bool expected = false;
      for (const auto& other : TransitionTable())
        if (other.to == rule.to && RuleApplies(other, r, c) && (other.who & a.relations))
          expected = true;
      auto res = CheckTransition(a.actor, r, c, rule.to);
      EXPECT_EQ(res.ok(), expected) << rule.action << " " << StateName(rule.from) << " -> "
                                    << StateName(rule.to) << " by " << a.name;
      if (!res.ok()) {
        EXPECT_EQ(res.status().code(), base::Code::kPermissionDenied) << a.name;
      }
    }
  }
}

TEST(StateMachineTest, SpotChecks) {
  const Contract plain;
  Contract dbl;
  dbl.double_reading = true;
  const auto actors = Actors();
  auto by = [&](std::string_view name) {
    for (const auto& a : actors)
      if (a.name == name) return a.actor;
    return Actor{};
  };
  // The first reader signs only without double reading or check; with double reading, submits.
  EXPECT_TRUE(
      CheckTransition(by("assigned reader"), RequestIn(State::kReading), plain, State::kFinal)
          .ok());
  auto r = CheckTransition(by("assigned reader"), RequestIn(State::kReading), dbl, State::kFinal);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("(allowed: ready, second_read)"), std::string::npos)
      << r.status().message();
  // Another reader cannot sign what someone else holds.
  EXPECT_EQ(CheckTransition(by("other reader"), RequestIn(State::kReading), plain, State::kFinal)
                .status()
                .code(),
            base::Code::kPermissionDenied);
  // The hospital cannot start reading; a hospital can cancel before reading only.
  EXPECT_FALSE(
      CheckTransition(by("staff"), RequestIn(State::kAssigned), plain, State::kReading).ok());
  EXPECT_TRUE(
      CheckTransition(by("staff"), RequestIn(State::kReady), plain, State::kCancelled).ok());
  EXPECT_FALSE(
      CheckTransition(by("staff"), RequestIn(State::kReading), plain, State::kCancelled).ok());
  // Nothing leaves cancelled; nothing goes back from delivered except an addendum.
  EXPECT_TRUE(AllowedTransitions(by("coordinator"), RequestIn(State::kCancelled), plain).empty());
  EXPECT_EQ(AllowedTransitions(by("assigned reader"), RequestIn(State::kDelivered), plain),
            std::vector<State>{State::kAddendum});
  // Resume goes back only where it was held.
  EXPECT_TRUE(CheckTransition(by("coordinator"), RequestIn(State::kOnHold, State::kReading), plain,
                              State::kReading)
                  .ok());
  EXPECT_FALSE(CheckTransition(by("coordinator"), RequestIn(State::kOnHold, State::kReading), plain,
                               State::kCheck)
                   .ok());
  // Actions name audit records.
  EXPECT_EQ(CheckTransition(by("other reader"), RequestIn(State::kReady), plain, State::kAssigned)
                ->action,
            "claim");
  EXPECT_EQ(
      CheckTransition(by("coordinator"), RequestIn(State::kReady), plain, State::kAssigned)->action,
      "assign");
}

TEST(StateMachineTest, DesignNoteShowsTheTable) {
  const char* src = std::getenv("DOKUEI_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  std::ifstream in(std::string(src) + "/docs/design/workflow.md");
  ASSERT_TRUE(in) << "docs/design/workflow.md missing";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const std::string begin = "<!-- transition-table:begin -->\n";
  const std::string end = "<!-- transition-table:end -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), TransitionTableMarkdown())
      << "paste this table into docs/design/workflow.md:\n"
      << TransitionTableMarkdown();
}

}  // namespace
}  // namespace dokuei::workflow
