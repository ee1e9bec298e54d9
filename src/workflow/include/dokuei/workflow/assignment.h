// The assignment engine as pure functions, so the server's dispatcher and the capacity simulator
// (`dokuei simulate`) run the same code on real or simulated time.
//
// Objective: for each piece of work (a ready request's first read, a second read, a check),
// pick the eligible reader on shift that minimises the risk of missing SLA deadlines given the
// work each reader holds and expected reading times: the probability that this work ends after
// its deadline plus the probability it adds to the work it pushes back in that reader's queue
// (readers work in progress first, then by priority and deadline); ties go to the reader who
// finishes earliest (load balancing), then to the lowest id (determinism). Work is
// taken in priority order (STAT, same-day, routine), then by deadline. A reader never gets more
// than `max_backlog` of queued work: the rest stays in the pool, so a STAT arriving later or a
// reader coming on shift can still take it. docs/design/workflow.md has the reasoning.
// Thread safety: pure functions (PlanAssignments updates the ReaderLoad values it is given).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/workflow/records.h"
#include "dokuei/workflow/sla.h"

namespace dokuei::workflow {

struct AssignmentOptions {
  ReadingTimes times;
  base::Duration max_backlog = std::chrono::minutes(45);
  // A request is at risk when its predicted finish is later than due - margin.
  base::Duration at_risk_margin = std::chrono::minutes(10);
  // Coefficient of variation of one reading time (reading times vary; the risk model sums the
  // variances of the queued work ahead and the work itself).
  double time_cv = 0.4;
};

// A piece of work a reader already holds. Readers work in progress first, then by priority and
// deadline (the order the worklist shows), so new work may go ahead of what is queued.
struct QueuedWork {
  int64_t request_id = 0;
  Priority priority = Priority::kRoutine;
  base::Timestamp due_at{};
  base::Duration work{};  // expected remaining, at the reader's speed
  bool started = false;   // being read: ahead of everything
};

// A reader as the engine sees them now: credentials, the rest of their duty (shifts minus
// absences, sorted, non-overlapping) and the work they already hold.
struct ReaderLoad {
  ReaderInfo info;
  std::vector<Shift> duty;
  // Expected remaining work held, at the reader's speed (the backlog cap looks at this). The part
  // not itemised in `queue` counts as in progress, ahead of any new work.
  base::Duration backlog{};
  std::vector<QueuedWork> queue;
};

struct WorkItem {
  int64_t request_id = 0;
  Step step = Step::kFirstRead;
  Priority priority = Priority::kRoutine;
  Modality modality = Modality::kOther;
  Region region = Region::kUnspecified;
  base::Timestamp received_at{}, due_at{};
  std::vector<int64_t>
      exclude;               // readers who may not take it (the first reader, for a second read)
  int min_years = 0;         // seniority rule (second reads)
  std::string subspecialty;  // required of the reader when not empty
};

struct Choice {
  int64_t request_id = 0;
  Step step = Step::kFirstRead;
  int64_t reader_id = 0;
  base::Timestamp predicted_finish{};
  double breach_risk = 0;  // probability of finishing after due_at
  // What the choice costs: breach_risk plus the risk it adds to work queued behind it with that
  // reader (the quantity minimised).
  double added_risk = 0;
};

// Credentials: modality, region, role for the step (first reads: reader; second reads: reader or
// checker with min_years; checks: checker), not excluded.
bool Eligible(const ReaderInfo& reader, const WorkItem& item);
bool OnDuty(const ReaderLoad& r, base::Timestamp now);
// The expected work of `item` for this reader (reading time / speed).
base::Duration WorkFor(const AssignmentOptions& o, const ReaderLoad& r, const WorkItem& item);
// When `r` finishes `work` done after their whole backlog, working only inside their duty;
// nullopt when their remaining duty is too short.
std::optional<base::Timestamp> PredictFinish(const ReaderLoad& r, base::Timestamp now,
                                             base::Duration work);
// Probability that work with mean finish `finish` and variance `var_min2` ends after `due`.
double BreachRisk(base::Timestamp finish, double var_min2, base::Timestamp due);

// Orders items (priority, due, reception, id) and assigns each to the best eligible reader on
// duty with room in their backlog; items nobody can take are left out. Adds the chosen work to
// the readers' backlogs.
std::vector<Choice> PlanAssignments(base::Timestamp now, std::vector<WorkItem> items,
                                    std::vector<ReaderLoad>& readers, const AssignmentOptions& o);
// The best reader for one item, without changing anything. `ignore_cap`: the backlog cap does
// not apply; `on_duty_only = false`: readers coming on duty later count too (their finish is
// predicted from their next duty), which is how escalation judges work waiting in the pool.
std::optional<Choice> BestReader(base::Timestamp now, const WorkItem& item,
                                 std::span<const ReaderLoad> readers, const AssignmentOptions& o,
                                 bool ignore_cap = false, bool on_duty_only = true);

// Escalation: what to do with a request that is open (not final) at `now`.
struct OpenWork {
  WorkItem item;
  State state = State::kReady;
  int64_t holder = 0;        // 0 = in the pool
  bool reroutable = false;   // assigned but not opened: may move to another reader
  int escalation_level = 0;  // what was already raised (0 none, 1 at risk, 2 breached)
};

struct EscalationDecision {
  int64_t request_id = 0;
  EscalationKind kind = EscalationKind::kAtRisk;
  int64_t from_reader_id = 0, to_reader_id = 0;
  std::optional<base::Timestamp> predicted_finish;
};

// Per open request: breached (due passed, once); otherwise predicted finish (the holder's queue
// in priority order, or for pool work the best reader on duty now or later) later than due -
// margin: reroute when it is reroutable and a reader on duty finishes in time, else alert the
// coordinator (at risk, or no reader when nobody with the credentials is on the roster before the
// deadline), once per level.
std::vector<EscalationDecision> PlanEscalations(base::Timestamp now, std::span<const OpenWork> open,
                                                std::span<const ReaderLoad> readers,
                                                const AssignmentOptions& o);

}  // namespace dokuei::workflow
