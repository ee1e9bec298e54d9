// The dispatcher: routes complete studies, assigns pool work with the engine, escalates
// predicted breaches, all at the injected clock's time. Each change is its own conditional write
// (MutateIn with the version read here), so several servers may tick at once: the loser of a
// race skips that request until the next tick.
#include "dispatcher.h"

#include <algorithm>

#include "contracts_rosters.h"
#include "requests.h"

namespace dokuei::workflow::internal {

using base::Status;

namespace {

// A change that lost a race (or saw a state it no longer applies to) is skipped, not an error.
bool Skippable(const Status& st) {
  return st.code() == base::Code::kConflict || st.code() == base::Code::kFailedPrecondition ||
         st.code() == base::Code::kNotFound;
}

// How far ahead the engine looks at the roster (a routine request is due within two days).
constexpr base::Duration kHorizon = std::chrono::hours(24 * 3);

bool Open(State s) {
  return s == State::kReady || s == State::kAssigned || s == State::kReading ||
         s == State::kSecondRead || s == State::kCheck;
}

}  // namespace

base::Result<SqlDispatcher::Snapshot> SqlDispatcher::Load(base::Timestamp now) {
  Snapshot snap;
  DOKUEI_ASSIGN_OR_RETURN(const std::vector<ReaderInfo> readers, ctx_.readers.Readers());
  std::vector<Shift> shifts;
  std::vector<Absence> absences;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    snap.requests.clear();
    snap.contracts.clear();
    shifts.clear();
    absences.clear();
    DOKUEI_RETURN_IF_ERROR(
        c.Query(std::string("SELECT ") + kRequestColumns +
                    " FROM workflow_requests r WHERE r.state IN ('received', 'ready', 'assigned',"
                    " 'reading', 'second_read', 'check', 'addendum') ORDER BY r.id",
                {}, [&](const Row& row) {
                  snap.requests.push_back(DecodeRequest(row));
                  return Status::Ok();
                }));
    for (const ReadingRequest& r : snap.requests) {
      if (snap.contracts.count(r.tenant_id)) continue;
      DOKUEI_ASSIGN_OR_RETURN(snap.contracts[r.tenant_id], LoadContract(c, r.tenant_id));
    }
    const Value p[] = {I(Us(now)), I(Us(now + kHorizon))};
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT id, reader_id, start_us, end_us FROM workflow_shifts"
                " WHERE end_us > ? AND start_us < ?",
                p, [&](const Row& r) {
                  Shift s;
                  s.id = r.Int(0);
                  s.reader_id = r.Int(1);
                  s.start = base::FromUnixMicros(r.Int(2));
                  s.end = base::FromUnixMicros(r.Int(3));
                  shifts.push_back(s);
                  return Status::Ok();
                }));
    return c.Query(
        "SELECT id, reader_id, start_us, end_us FROM workflow_absences"
        " WHERE end_us > ? AND start_us < ?",
        p, [&](const Row& r) {
          Absence a;
          a.id = r.Int(0);
          a.reader_id = r.Int(1);
          a.start = base::FromUnixMicros(r.Int(2));
          a.end = base::FromUnixMicros(r.Int(3));
          absences.push_back(a);
          return Status::Ok();
        });
  }));
  for (const ReaderInfo& info : readers) {
    ReaderLoad load;
    load.info = info;
    load.duty = DutyOf(info.user_id, shifts, absences);
    snap.loads.push_back(std::move(load));
  }
  // What each reader already holds, with what is left of the study they are reading.
  const AssignmentOptions& o = ctx_.options.assignment;
  for (const ReadingRequest& r : snap.requests) {
    const int64_t holder = r.Holder();
    if (holder == 0) continue;
    ReaderLoad* load = FindLoad(snap.loads, holder);
    if (!load) continue;
    const Step step = r.state == State::kSecondRead ? Step::kSecondRead
                      : r.state == State::kCheck    ? Step::kCheck
                                                    : Step::kFirstRead;
    base::Duration work = WorkFor(o, *load, ItemFor(r, step, snap.contracts[r.tenant_id]));
    if (r.state == State::kReading && r.started_at) {
      const base::Duration done = now - *r.started_at;
      work = std::max(work - done, work / 5);
    }
    load->backlog += work;
    load->queue.push_back({r.id, r.details.priority, r.due_at, work,
                           r.state == State::kReading || r.state == State::kAddendum});
  }
  return snap;
}

base::Result<TickReport> SqlDispatcher::Tick() {
  const base::Timestamp now = ctx_.clock.Now();
  const Actor system = Actor::System();
  TickReport report;
  DOKUEI_ASSIGN_OR_RETURN(Snapshot snap, Load(now));

  // 1. Completeness: received -> ready.
  for (ReadingRequest& r : snap.requests) {
    if (r.state != State::kReceived || !IsComplete(ctx_.options.completeness, r, now)) continue;
    auto res =
        Mutate(system, r, now, [&](ReadingRequest& m, const Contract& k) -> base::Result<Change> {
          DOKUEI_ASSIGN_OR_RETURN(const TransitionRule rule,
                                  CheckTransition(system, m, k, State::kReady));
          ApplyTransition(m, rule, system, now);
          return Change{std::string(rule.action), {}};
        });
    if (res.ok()) {
      r = *res;  // assigned below in the same tick
      ++report.readied;
    } else if (!Skippable(res.status())) {
      return res.status();
    }
  }

  // 2. Assignment: first reads of ready requests, second readers and checkers still missing.
  std::vector<WorkItem> items;
  for (const ReadingRequest& r : snap.requests) {
    const Contract& k = snap.contracts[r.tenant_id];
    if (r.state == State::kReady) items.push_back(ItemFor(r, Step::kFirstRead, k));
    if (r.state == State::kSecondRead && r.second_reader_id == 0)
      items.push_back(ItemFor(r, Step::kSecondRead, k));
    if (r.state == State::kCheck && r.checker_id == 0) items.push_back(ItemFor(r, Step::kCheck, k));
  }
  const auto choices = PlanAssignments(now, std::move(items), snap.loads, ctx_.options.assignment);
  for (const Choice& choice : choices) {
    auto it = std::find_if(snap.requests.begin(), snap.requests.end(),
                           [&](const ReadingRequest& r) { return r.id == choice.request_id; });
    const ReaderLoad* load = FindLoad(snap.loads, choice.reader_id);
    if (it == snap.requests.end() || !load) continue;
    const Slot slot = choice.step == Step::kFirstRead    ? Slot::kReader
                      : choice.step == Step::kSecondRead ? Slot::kSecondReader
                                                         : Slot::kChecker;
    auto res = Mutate(system, *it, now, [&](ReadingRequest& m, const Contract& k) {
      return AssignSlot(m, k, system, slot, load->info, now);
    });
    if (res.ok()) {
      *it = *res;
      ++report.assigned;
    } else if (!Skippable(res.status())) {
      return res.status();
    }
  }

  // 3. Escalation, on the state after this tick's changes.
  DOKUEI_ASSIGN_OR_RETURN(snap, Load(now));
  std::vector<OpenWork> open;
  for (const ReadingRequest& r : snap.requests) {
    if (!Open(r.state)) continue;
    const Contract& k = snap.contracts[r.tenant_id];
    OpenWork w;
    const Step step = r.state == State::kSecondRead ? Step::kSecondRead
                      : r.state == State::kCheck    ? Step::kCheck
                                                    : Step::kFirstRead;
    w.item = ItemFor(r, step, k);
    w.state = r.state;
    w.holder = r.Holder();
    w.reroutable = r.state == State::kAssigned;
    w.escalation_level = r.escalation_level;
    open.push_back(std::move(w));
  }
  const auto decisions = PlanEscalations(now, open, snap.loads, ctx_.options.assignment);
  for (const EscalationDecision& d : decisions) {
    auto it = std::find_if(snap.requests.begin(), snap.requests.end(),
                           [&](const ReadingRequest& r) { return r.id == d.request_id; });
    if (it == snap.requests.end()) continue;
    auto st = Escalate(*it, d, now);
    if (st.ok())
      ++report.escalations;
    else if (!Skippable(st))
      return st;
  }
  return report;
}

base::Result<ReadingRequest> SqlDispatcher::Mutate(const Actor& actor, const ReadingRequest& seen,
                                                   base::Timestamp now, const MutateFn& fn) {
  base::Result<ReadingRequest> out = base::Internal("unset");
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    out = MutateIn(ctx_, c, actor, seen.id, seen.version, now, fn);
    return out.status();
  }));
  return out;
}

Status SqlDispatcher::Escalate(const ReadingRequest& seen, const EscalationDecision& d,
                               base::Timestamp now) {
  const Actor system = Actor::System();
  std::string detail;
  switch (d.kind) {
    case EscalationKind::kRerouted:
      detail = "reader " + std::to_string(d.from_reader_id) +
               " would miss the deadline; moved to " + std::to_string(d.to_reader_id);
      break;
    case EscalationKind::kAtRisk:
      detail = "predicted to finish after the SLA deadline";
      break;
    case EscalationKind::kNoReader:
      detail = "no reader with the credentials is on duty";
      break;
    case EscalationKind::kBreached:
      detail = "the SLA deadline passed before the report was final";
      break;
  }
  if (d.predicted_finish)
    detail += " (predicted finish " + base::FormatIso8601(*d.predicted_finish) + ")";
  return ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    auto r = MutateIn(ctx_, c, system, seen.id, seen.version, now,
                      [&](ReadingRequest& m, const Contract&) -> base::Result<Change> {
                        switch (d.kind) {
                          case EscalationKind::kRerouted:
                            if (m.state != State::kAssigned || m.reader_id != d.from_reader_id)
                              return base::FailedPrecondition("no longer reroutable");
                            m.reader_id = d.to_reader_id;
                            m.assigned_at = now;
                            return Change{"reroute", detail};
                          case EscalationKind::kAtRisk:
                          case EscalationKind::kNoReader:
                            m.escalation_level = std::max(m.escalation_level, 1);
                            return Change{"escalate", detail};
                          case EscalationKind::kBreached:
                            m.escalation_level = 2;
                            return Change{"breach", detail};
                        }
                        return base::Internal("unknown escalation");
                      });
    DOKUEI_RETURN_IF_ERROR(r.status());
    const Value p[] = {
        I(seen.tenant_id),   I(seen.id),        I(Us(now)), S(EscalationKindName(d.kind)),
        I(d.from_reader_id), I(d.to_reader_id), S(detail)};
    return c.Exec(
        "INSERT INTO workflow_escalations (tenant_id, request_id, at_us, kind, from_reader_id,"
        " to_reader_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
        p);
  });
}

base::Result<std::vector<Escalation>> SqlDispatcher::Escalations(int64_t tenant_id,
                                                                 uint32_t limit) {
  std::vector<Escalation> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    const Value p[] = {I(tenant_id), I(tenant_id), I(std::min<uint32_t>(limit, 1000))};
    return c.Query(
        "SELECT id, tenant_id, request_id, at_us, kind, from_reader_id, to_reader_id, detail"
        " FROM workflow_escalations WHERE (? = 0 OR tenant_id = ?) ORDER BY id DESC LIMIT ?",
        p, [&](const Row& r) {
          Escalation e;
          e.id = r.Int(0);
          e.tenant_id = r.Int(1);
          e.request_id = r.Int(2);
          e.at = base::FromUnixMicros(r.Int(3));
          e.kind = EscalationKindFromName(r.Str(4)).value_or(EscalationKind::kAtRisk);
          e.from_reader_id = r.Int(5);
          e.to_reader_id = r.Int(6);
          e.detail = std::string(r.Str(7));
          out.push_back(std::move(e));
          return Status::Ok();
        });
  }));
  return out;
}

base::Result<std::vector<ReaderLoad>> SqlDispatcher::Loads() {
  DOKUEI_ASSIGN_OR_RETURN(Snapshot snap, Load(ctx_.clock.Now()));
  return snap.loads;
}

}  // namespace dokuei::workflow::internal
