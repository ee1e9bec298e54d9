// THE transition table of reading requests. Every change of state goes through CheckTransition;
// docs/design/workflow.md embeds TransitionTableMarkdown() and a test keeps them equal.
#include "dokuei/workflow/state_machine.h"

#include <algorithm>

namespace dokuei::workflow {
namespace {

using S = State;
using G = Guard;
constexpr uint32_t kSys = Who::kSystem;
constexpr uint32_t kCoord = Who::kCoordinator;
constexpr uint32_t kHosp = Who::kHospital;

// Order matters only where two rules share (from, to): the first one whose guard holds and whose
// Who matches the actor names the action (e.g. "resume" before "requeue").
constexpr TransitionRule kTable[] = {
    // Routing: the study is complete (the engine), or the coordinator routes it by hand.
    {S::kReceived, S::kReady, kSys | kCoord, G::kNone, "ready"},
    // Assignment: by the engine or a coordinator (Requests::Assign names the reader), or a reader
    // claiming from the pool for themself.
    {S::kReady, S::kAssigned, kSys | kCoord, G::kNone, "assign"},
    {S::kReady, S::kAssigned, Who::kAnyReader, G::kNone, "claim"},
    // The assigned reader opens it (the lock), or gives it back to the pool.
    {S::kAssigned, S::kReading, Who::kAssignedReader, G::kNone, "start"},
    {S::kAssigned, S::kReady, Who::kAssignedReader | kCoord | kSys, G::kNone, "release"},
    {S::kReading, S::kReady, Who::kAssignedReader | kCoord, G::kNone, "release"},
    // The first reader finishes: to the second reader, the checker, or signs.
    {S::kReading, S::kSecondRead, Who::kAssignedReader, G::kDoubleReading, "submit"},
    {S::kReading, S::kCheck, Who::kAssignedReader, G::kCheckNoDouble, "submit"},
    {S::kReading, S::kFinal, Who::kAssignedReader, G::kNeitherDoubleNorCheck, "sign"},
    // Second read (二次読影): confirm, or return to the first reader.
    {S::kSecondRead, S::kCheck, Who::kSecondReader, G::kCheckRequired, "confirm"},
    {S::kSecondRead, S::kFinal, Who::kSecondReader, G::kNoCheck, "confirm"},
    {S::kSecondRead, S::kReading, Who::kSecondReader, G::kNone, "return"},
    // Report check (校閲): approve, or return to the first reader.
    {S::kCheck, S::kFinal, Who::kChecker, G::kNone, "approve"},
    {S::kCheck, S::kReading, Who::kChecker, G::kNone, "return"},
    // Delivery and addenda (nothing signed is overwritten: an addendum is a new version).
    {S::kFinal, S::kDelivered, kSys | kCoord, G::kNone, "deliver"},
    {S::kFinal, S::kAddendum, Who::kAssignedReader, G::kNone, "addendum"},
    {S::kDelivered, S::kAddendum, Who::kAssignedReader, G::kNone, "addendum"},
    {S::kAddendum, S::kFinal, Who::kAssignedReader, G::kNone, "sign_addendum"},
    // Hold: the hospital before reading starts, the coordinator at any open step.
    {S::kReceived, S::kOnHold, kHosp | kCoord, G::kNone, "hold"},
    {S::kReady, S::kOnHold, kHosp | kCoord, G::kNone, "hold"},
    {S::kAssigned, S::kOnHold, kCoord, G::kNone, "hold"},
    {S::kReading, S::kOnHold, kCoord, G::kNone, "hold"},
    {S::kSecondRead, S::kOnHold, kCoord, G::kNone, "hold"},
    {S::kCheck, S::kOnHold, kCoord, G::kNone, "hold"},
    // Resume where it was held (the holder keeps the lock), or back to the pool.
    {S::kOnHold, S::kReceived, kHosp | kCoord, G::kResume, "resume"},
    {S::kOnHold, S::kReady, kHosp | kCoord, G::kResume, "resume"},
    {S::kOnHold, S::kAssigned, kCoord, G::kResume, "resume"},
    {S::kOnHold, S::kReading, kCoord, G::kResume, "resume"},
    {S::kOnHold, S::kSecondRead, kCoord, G::kResume, "resume"},
    {S::kOnHold, S::kCheck, kCoord, G::kResume, "resume"},
    {S::kOnHold, S::kReady, kCoord, G::kNone, "requeue"},
    // Cancel: the hospital until a reader holds it, the coordinator until it is final.
    {S::kReceived, S::kCancelled, kHosp | kCoord, G::kNone, "cancel"},
    {S::kReady, S::kCancelled, kHosp | kCoord, G::kNone, "cancel"},
    {S::kOnHold, S::kCancelled, kHosp | kCoord, G::kNone, "cancel"},
    {S::kAssigned, S::kCancelled, kCoord, G::kNone, "cancel"},
    {S::kReading, S::kCancelled, kCoord, G::kNone, "cancel"},
    {S::kSecondRead, S::kCancelled, kCoord, G::kNone, "cancel"},
    {S::kCheck, S::kCancelled, kCoord, G::kNone, "cancel"},
};

bool Reads(const Actor& a) {
  return a.InReadingCentre() && (a.Has(identity::Role::kReader) || a.Has(identity::Role::kChecker));
}

std::string_view GuardText(Guard g) {
  switch (g) {
    case G::kNone:
      return "";
    case G::kDoubleReading:
      return "double reading";
    case G::kCheckNoDouble:
      return "no double reading, check";
    case G::kNeitherDoubleNorCheck:
      return "no double reading, no check";
    case G::kCheckRequired:
      return "check";
    case G::kNoCheck:
      return "no check";
    case G::kResume:
      return "held from that state";
  }
  return "";
}

std::string WhoText(uint32_t who) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {Who::kSystem, "system"},
      {Who::kCoordinator, "coordinator"},
      {Who::kHospital, "hospital staff"},
      {Who::kAnyReader, "any reader (self)"},
      {Who::kAssignedReader, "assigned reader"},
      {Who::kSecondReader, "second reader"},
      {Who::kChecker, "checker"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((who & bit) == 0) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

std::span<const TransitionRule> TransitionTable() { return kTable; }

uint32_t RelationsOf(const Actor& a, const ReadingRequest& r) {
  if (a.system) return Who::kSystem;
  uint32_t rel = 0;
  if (a.InReadingCentre() && a.Has(identity::Role::kCoordinator)) rel |= Who::kCoordinator;
  if (!a.InReadingCentre() && a.Has(identity::Role::kHospitalStaff) && a.tenant_id == r.tenant_id)
    rel |= Who::kHospital;
  if (Reads(a) && a.user_id != 0) {
    rel |= Who::kAnyReader;
    if (a.user_id == r.reader_id) rel |= Who::kAssignedReader;
    if (a.user_id == r.second_reader_id) rel |= Who::kSecondReader;
    if (a.user_id == r.checker_id) rel |= Who::kChecker;
  }
  return rel;
}

bool GuardHolds(Guard g, const ReadingRequest& r, const Contract& c) {
  switch (g) {
    case G::kNone:
      return true;
    case G::kDoubleReading:
      return c.double_reading;
    case G::kCheckNoDouble:
      return !c.double_reading && c.check_required;
    case G::kNeitherDoubleNorCheck:
      return !c.double_reading && !c.check_required;
    case G::kCheckRequired:
      return c.check_required;
    case G::kNoCheck:
      return !c.check_required;
    case G::kResume:
      return false;  // needs the target: see Applies
  }
  return false;
}

namespace {

bool Applies(const TransitionRule& rule, const ReadingRequest& r, const Contract& c) {
  if (rule.from != r.state) return false;
  if (rule.guard == G::kResume) return r.held_from.has_value() && *r.held_from == rule.to;
  return GuardHolds(rule.guard, r, c);
}

std::string StateList(const std::vector<State>& states) {
  std::string out;
  for (State s : states) {
    if (!out.empty()) out += ", ";
    out += StateName(s);
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::vector<State> AllowedTransitions(const Actor& actor, const ReadingRequest& r,
                                      const Contract& c) {
  const uint32_t rel = RelationsOf(actor, r);
  std::vector<State> out;
  for (const auto& rule : kTable) {
    if (!Applies(rule, r, c) || (rule.who & rel) == 0) continue;
    if (std::find(out.begin(), out.end(), rule.to) == out.end()) out.push_back(rule.to);
  }
  return out;
}

base::Result<TransitionRule> CheckTransition(const Actor& actor, const ReadingRequest& r,
                                             const Contract& c, State to) {
  const uint32_t rel = RelationsOf(actor, r);
  bool exists = false;
  for (const auto& rule : kTable) {
    if (rule.to != to || !Applies(rule, r, c)) continue;
    exists = true;
    if (rule.who & rel) return rule;
  }
  const std::string head = "request " + std::to_string(r.id) + ": " +
                           std::string(StateName(r.state)) + " -> " + std::string(StateName(to));
  const std::string allowed = " (allowed: " + StateList(AllowedTransitions(actor, r, c)) + ")";
  if (exists) return base::PermissionDenied(head + " is not allowed for this user" + allowed);
  return base::Status(base::Code::kFailedPrecondition,
                      head + " is not a valid transition" + allowed, "state");
}

std::string TransitionTableMarkdown() {
  std::string out =
      "| from | to | action (audit `request.<action>`) | who | contract condition |\n"
      "|---|---|---|---|---|\n";
  for (const auto& rule : kTable) {
    out += "| " + std::string(StateName(rule.from)) + " | " + std::string(StateName(rule.to)) +
           " | " + std::string(rule.action) + " | " + WhoText(rule.who) + " | " +
           std::string(GuardText(rule.guard)) + " |\n";
  }
  return out;
}

}  // namespace dokuei::workflow
