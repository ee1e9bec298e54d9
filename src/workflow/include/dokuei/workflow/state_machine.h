// The reading-request state machine: ONE table of transitions (from, to, who may make it, the
// contract condition it needs, the action name used in audit records "request.<action>").
// docs/design/workflow.md prints the table; a test keeps the two equal (TransitionTableMarkdown).
//
// Who is a relation to the request, not only a role: "the assigned reader" is the reader role AND
// the request's reader_id, so a reader can only move what they hold (the lock).
// Thread safety: immutable data and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/workflow/records.h"

namespace dokuei::workflow {

// Bit flags of who may make a transition.
struct Who {
  static constexpr uint32_t kSystem = 1u << 0;       // the engine (routing, assignment, delivery)
  static constexpr uint32_t kCoordinator = 1u << 1;  // reading-centre coordinator (any request)
  static constexpr uint32_t kHospital = 1u << 2;     // staff of the request's hospital
  static constexpr uint32_t kAnyReader = 1u << 3;    // a reader or checker claiming for themself
  static constexpr uint32_t kAssignedReader = 1u << 4;  // the request's reader_id
  static constexpr uint32_t kSecondReader = 1u << 5;    // the request's second_reader_id
  static constexpr uint32_t kChecker = 1u << 6;         // the request's checker_id
};

// Contract-dependent conditions on a transition.
enum class Guard : uint8_t {
  kNone,
  kDoubleReading,          // contract.double_reading
  kCheckNoDouble,          // !double_reading && check_required
  kNeitherDoubleNorCheck,  // !double_reading && !check_required
  kCheckRequired,          // check_required
  kNoCheck,                // !check_required
  kResume,                 // on_hold -> the state it was held from
};

struct TransitionRule {
  State from, to;
  uint32_t who;  // Who flags
  Guard guard;
  std::string_view action;  // "claim", "sign", ... (audit action "request.<action>")
};

std::span<const TransitionRule> TransitionTable();

// The relations of an actor to a request, as Who flags.
uint32_t RelationsOf(const Actor& actor, const ReadingRequest& r);

bool GuardHolds(Guard g, const ReadingRequest& r, const Contract& c);

// The rule that lets `actor` move `r` to `to` under contract `c`, or:
//  - kFailedPrecondition (409) when no rule leads from r.state to `to` under this contract; the
//    message names the transitions this actor may make ("allowed: final, on_hold");
//  - kPermissionDenied (403) when a rule exists but not for this actor.
base::Result<TransitionRule> CheckTransition(const Actor& actor, const ReadingRequest& r,
                                             const Contract& c, State to);

// The states `actor` may move `r` to now (empty when none).
std::vector<State> AllowedTransitions(const Actor& actor, const ReadingRequest& r,
                                      const Contract& c);

// "from → to (who; condition)" as a Markdown table, for docs/design/workflow.md.
std::string TransitionTableMarkdown();

}  // namespace dokuei::workflow
