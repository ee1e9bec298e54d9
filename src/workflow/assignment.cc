// The assignment and escalation engine (pure). See assignment.h for the objective.
#include "dokuei/workflow/assignment.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace dokuei::workflow {
namespace {

double Minutes(base::Duration d) { return static_cast<double>(d.count()) / 60e6; }

int PriorityRank(Priority p) { return static_cast<int>(p); }  // stat 0, same_day 1, routine 2

bool Before(const WorkItem& a, const WorkItem& b) {
  if (a.priority != b.priority) return PriorityRank(a.priority) < PriorityRank(b.priority);
  if (a.due_at != b.due_at) return a.due_at < b.due_at;
  if (a.received_at != b.received_at) return a.received_at < b.received_at;
  if (a.request_id != b.request_id) return a.request_id < b.request_id;
  return a.step < b.step;
}

template <typename T>
bool Contains(const std::vector<T>& v, T x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

double WorkVar(const AssignmentOptions& o, base::Duration work) {
  const double sd = o.time_cv * Minutes(work);
  return sd * sd;
}

// Whether candidate (added risk, finish, id) is better than the current best.
bool Better(const Choice& c, const std::optional<Choice>& best) {
  if (!best) return true;
  constexpr double kRiskEpsilon = 1e-3;  // risks closer than this are a tie: balance the load
  if (c.added_risk < best->added_risk - kRiskEpsilon) return true;
  if (c.added_risk > best->added_risk + kRiskEpsilon) return false;
  if (c.predicted_finish != best->predicted_finish)
    return c.predicted_finish < best->predicted_finish;
  return c.reader_id < best->reader_id;
}

// When `total` work starting now ends, inside the duty periods.
std::optional<base::Timestamp> FinishWithin(const std::vector<Shift>& duty, base::Timestamp now,
                                            base::Duration total) {
  base::Duration left = total;
  for (const Shift& s : duty) {
    if (s.end <= now) continue;
    const base::Timestamp start = std::max(now, s.start);
    const base::Duration avail = s.end - start;
    if (left <= avail) return start + left;
    left -= avail;
  }
  return std::nullopt;
}

// Whether held work q is done before new work of (priority, due): ties go to what was there.
bool AheadOf(const QueuedWork& q, Priority p, base::Timestamp due) {
  if (q.started) return true;
  if (q.priority != p) return PriorityRank(q.priority) < PriorityRank(p);
  return q.due_at <= due;
}

bool AheadOfQueued(const QueuedWork& a, const QueuedWork& b) {
  if (a.started != b.started) return a.started;
  if (a.priority != b.priority) return PriorityRank(a.priority) < PriorityRank(b.priority);
  if (a.due_at != b.due_at) return a.due_at < b.due_at;
  return a.request_id < b.request_id;
}

// The reader's backlog not itemised in the queue (in progress).
base::Duration Untracked(const ReaderLoad& r) {
  base::Duration tracked{};
  for (const QueuedWork& q : r.queue) tracked += q.work;
  return std::max(base::Duration{}, r.backlog - tracked);
}

const ReaderLoad* FindReader(std::span<const ReaderLoad> readers, int64_t id) {
  for (const auto& r : readers)
    if (r.info.user_id == id) return &r;
  return nullptr;
}

}  // namespace

bool Eligible(const ReaderInfo& reader, const WorkItem& item) {
  if (Contains(item.exclude, reader.user_id)) return false;
  switch (item.step) {
    case Step::kFirstRead:
      if (!reader.reads) return false;
      break;
    case Step::kSecondRead:
      if (!reader.reads && !reader.checks) return false;
      break;
    case Step::kCheck:
      if (!reader.checks) return false;
      break;
  }
  if (reader.years_of_experience < item.min_years) return false;
  if (!item.subspecialty.empty() && !Contains(reader.subspecialties, item.subspecialty))
    return false;
  if (!reader.modalities.empty() && !Contains(reader.modalities, item.modality)) return false;
  if (item.region != Region::kUnspecified && !reader.regions.empty() &&
      !Contains(reader.regions, item.region))
    return false;
  return true;
}

bool OnDuty(const ReaderLoad& r, base::Timestamp now) {
  return std::any_of(r.duty.begin(), r.duty.end(),
                     [&](const Shift& s) { return s.start <= now && now < s.end; });
}

base::Duration WorkFor(const AssignmentOptions& o, const ReaderLoad& r, const WorkItem& item) {
  const base::Duration base = ExpectedReadingTime(o.times, item.modality, item.region, item.step);
  const double speed = r.info.speed > 0.05 ? r.info.speed : 1.0;
  return base::Duration(static_cast<int64_t>(static_cast<double>(base.count()) / speed));
}

std::optional<base::Timestamp> PredictFinish(const ReaderLoad& r, base::Timestamp now,
                                             base::Duration work) {
  return FinishWithin(r.duty, now, r.backlog + work);
}

double BreachRisk(base::Timestamp finish, double var_min2, base::Timestamp due) {
  const double slack = Minutes(due - finish);
  if (var_min2 <= 1e-12) return slack < 0 ? 1.0 : 0.0;
  return 0.5 * std::erfc(slack / std::sqrt(2.0 * var_min2));
}

std::optional<Choice> BestReader(base::Timestamp now, const WorkItem& item,
                                 std::span<const ReaderLoad> readers, const AssignmentOptions& o,
                                 bool ignore_cap, bool on_duty_only) {
  std::optional<Choice> best;
  for (const ReaderLoad& r : readers) {
    if (!Eligible(r.info, item) || (on_duty_only && !OnDuty(r, now))) continue;
    const base::Duration work = WorkFor(o, r, item);
    if (!ignore_cap && r.backlog.count() > 0 && r.backlog + work > o.max_backlog) continue;
    // Done before the new work: what is in progress and what ranks before it.
    const base::Duration untracked = Untracked(r);
    base::Duration ahead = untracked;
    double var_ahead = WorkVar(o, untracked);
    for (const QueuedWork& q : r.queue) {
      if (!AheadOf(q, item.priority, item.due_at)) continue;
      ahead += q.work;
      var_ahead += WorkVar(o, q.work);
    }
    const auto finish = FinishWithin(r.duty, now, ahead + work);
    if (!finish) continue;
    Choice c;
    c.request_id = item.request_id;
    c.step = item.step;
    c.reader_id = r.info.user_id;
    c.predicted_finish = *finish;
    c.breach_risk = BreachRisk(*finish, var_ahead + WorkVar(o, work), item.due_at);
    c.added_risk = c.breach_risk;
    // The work it pushes back: each such item finishes `work` later.
    for (const QueuedWork& q : r.queue) {
      if (AheadOf(q, item.priority, item.due_at)) continue;
      base::Duration q_ahead = untracked;
      double q_var = WorkVar(o, untracked) + WorkVar(o, q.work);
      for (const QueuedWork& other : r.queue) {
        if (&other == &q || !AheadOfQueued(other, q)) continue;
        q_ahead += other.work;
        q_var += WorkVar(o, other.work);
      }
      const auto before = FinishWithin(r.duty, now, q_ahead + q.work);
      const auto after = FinishWithin(r.duty, now, q_ahead + q.work + work);
      const double risk_before = before ? BreachRisk(*before, q_var, q.due_at) : 1.0;
      const double risk_after =
          after ? BreachRisk(*after, q_var + WorkVar(o, work), q.due_at) : 1.0;
      c.added_risk += risk_after - risk_before;
    }
    if (Better(c, best)) best = c;
  }
  return best;
}

std::vector<Choice> PlanAssignments(base::Timestamp now, std::vector<WorkItem> items,
                                    std::vector<ReaderLoad>& readers, const AssignmentOptions& o) {
  std::sort(items.begin(), items.end(), Before);
  std::vector<Choice> out;
  for (const WorkItem& item : items) {
    // STAT work is never left in the pool for want of room: it goes to whoever finishes it
    // soonest, queue or not.
    const auto c = BestReader(now, item, readers, o, item.priority == Priority::kStat);
    if (!c) continue;
    for (ReaderLoad& r : readers) {
      if (r.info.user_id != c->reader_id) continue;
      const base::Duration work = WorkFor(o, r, item);
      r.backlog += work;
      r.queue.push_back({item.request_id, item.priority, item.due_at, work, false});
    }
    out.push_back(*c);
  }
  return out;
}

std::vector<EscalationDecision> PlanEscalations(base::Timestamp now, std::span<const OpenWork> open,
                                                std::span<const ReaderLoad> readers_in,
                                                const AssignmentOptions& o) {
  std::vector<ReaderLoad> readers(readers_in.begin(), readers_in.end());
  // Each holder's queue in the order they are expected to work through it.
  std::map<int64_t, std::vector<const OpenWork*>> queues;
  for (const OpenWork& w : open)
    if (w.holder != 0) queues[w.holder].push_back(&w);
  std::map<const OpenWork*, std::optional<base::Timestamp>> finish;
  for (auto& [holder, q] : queues) {
    // What is being read comes first, then the queue by priority and deadline.
    std::sort(q.begin(), q.end(), [](const OpenWork* a, const OpenWork* b) {
      const bool ra = a->state == State::kReading, rb = b->state == State::kReading;
      if (ra != rb) return ra;
      return Before(a->item, b->item);
    });
    const ReaderLoad* r = FindReader(readers, holder);
    ReaderLoad empty;
    if (r) {
      empty.info = r->info;
      empty.duty = r->duty;
    }
    base::Duration cumulative{};
    for (const OpenWork* w : q) {
      cumulative += WorkFor(o, empty, w->item);
      finish[w] = r ? PredictFinish(empty, now, cumulative) : std::nullopt;
    }
  }

  std::vector<EscalationDecision> out;
  for (const OpenWork& w : open) {
    EscalationDecision d;
    d.request_id = w.item.request_id;
    if (now >= w.item.due_at) {
      if (w.escalation_level < 2) {
        d.kind = EscalationKind::kBreached;
        d.from_reader_id = w.holder;
        out.push_back(d);
      }
      continue;
    }
    std::optional<base::Timestamp> predicted;
    bool nobody = false;
    if (w.holder != 0) {
      predicted = finish[&w];
    } else {
      const auto best =
          BestReader(now, w.item, readers, o, /*ignore_cap=*/true, /*on_duty_only=*/false);
      if (best) {
        predicted = best->predicted_finish;
      } else {
        nobody = true;
      }
    }
    d.predicted_finish = predicted;
    const bool at_risk = !predicted || *predicted > w.item.due_at - o.at_risk_margin;
    if (!at_risk) continue;
    if (w.holder != 0 && w.reroutable) {
      WorkItem alt = w.item;
      alt.exclude.push_back(w.holder);
      const auto best = BestReader(now, alt, readers, o, /*ignore_cap=*/true);
      if (best && best->predicted_finish <= w.item.due_at - o.at_risk_margin) {
        d.kind = EscalationKind::kRerouted;
        d.from_reader_id = w.holder;
        d.to_reader_id = best->reader_id;
        d.predicted_finish = best->predicted_finish;
        for (ReaderLoad& r : readers) {
          if (r.info.user_id != best->reader_id) continue;
          const base::Duration work = WorkFor(o, r, w.item);
          r.backlog += work;
          r.queue.push_back({w.item.request_id, w.item.priority, w.item.due_at, work, false});
        }
        out.push_back(d);
        continue;
      }
    }
    if (w.escalation_level >= 1) continue;
    d.kind = nobody ? EscalationKind::kNoReader : EscalationKind::kAtRisk;
    d.from_reader_id = w.holder;
    out.push_back(d);
  }
  return out;
}

}  // namespace dokuei::workflow
