// Contracts per hospital and the readers' rosters (shifts, absences).
#include "contracts_rosters.h"

namespace dokuei::workflow::internal {

using base::Status;
using identity::Role;

namespace {

bool CentreAdmin(const Actor& a) {
  return a.system || (a.InReadingCentre() && a.Has(Role::kAdministrator));
}
bool RosterManager(const Actor& a) {
  return CentreAdmin(a) || (a.InReadingCentre() && a.Has(Role::kCoordinator));
}

Status CheckMinute(int m, const char* field) {
  if (m < 0 || m >= 24 * 60) return base::InvalidArgument("minute of day: 0..1439", field);
  return Status::Ok();
}

Status CheckContract(const Contract& c) {
  if (c.tenant_id <= 0) return base::InvalidArgument("hospital required", "tenant_id");
  if (c.stat_minutes < 1 || c.stat_minutes > 7 * 24 * 60)
    return base::InvalidArgument("STAT deadline: 1 minute to 7 days", "stat_minutes");
  DOKUEI_RETURN_IF_ERROR(CheckMinute(c.same_day_cutoff_minute, "same_day_cutoff_minute"));
  DOKUEI_RETURN_IF_ERROR(CheckMinute(c.same_day_deadline_minute, "same_day_deadline_minute"));
  DOKUEI_RETURN_IF_ERROR(CheckMinute(c.routine_deadline_minute, "routine_deadline_minute"));
  if (c.routine_days < 0 || c.routine_days > 30)
    return base::InvalidArgument("routine deadline: 0..30 days", "routine_days");
  if (c.second_reader_min_years < 0 || c.second_reader_min_years > 80)
    return base::InvalidArgument("seniority: 0..80 years", "second_reader_min_years");
  for (int64_t v :
       {c.price_xray, c.price_ct, c.price_mr, c.price_other, c.initial_fee, c.monthly_fee})
    if (v < 0 || v > 100'000'000)
      return base::InvalidArgument("prices: 0..100,000,000 yen", "price");
  if (c.start_day &&
      (*c.start_day < DayOfDate(2000, 1, 1) || *c.start_day > DayOfDate(9999, 12, 31)))
    return base::InvalidArgument("start date: 2000-01-01..9999-12-31", "start_date");
  return Status::Ok();
}

Status CheckPeriod(int64_t reader_id, base::Timestamp start, base::Timestamp end) {
  if (reader_id <= 0) return base::InvalidArgument("reader required", "reader_id");
  if (end <= start) return base::InvalidArgument("the end must be after the start", "end");
  if (end - start > std::chrono::hours(24 * 62))
    return base::InvalidArgument("at most 62 days at once", "end");
  return Status::Ok();
}

}  // namespace

base::Result<Contract> SqlContracts::Put(const Actor& actor, const Contract& c) {
  if (!CentreAdmin(actor))
    return base::PermissionDenied("only reading-centre administrators change contracts");
  DOKUEI_RETURN_IF_ERROR(CheckContract(c));
  Contract out = c;
  out.updated_at = ctx_.clock.Now();
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& conn) -> Status {
    DOKUEI_RETURN_IF_ERROR(CheckTenant(conn, c.tenant_id));
    const Value p[] = {I(c.tenant_id),
                       I(c.stat_minutes),
                       I(c.same_day_cutoff_minute),
                       I(c.same_day_deadline_minute),
                       I(c.routine_days),
                       I(c.routine_deadline_minute),
                       I(c.double_reading ? 1 : 0),
                       I(c.check_required ? 1 : 0),
                       I(c.second_reader_min_years),
                       I(c.price_xray),
                       I(c.price_ct),
                       I(c.price_mr),
                       I(c.price_other),
                       I(c.initial_fee),
                       I(c.monthly_fee),
                       I(Us(out.updated_at)),
                       I(c.start_day.value_or(-1))};
    DOKUEI_RETURN_IF_ERROR(conn.Exec(
        "INSERT INTO workflow_contracts (tenant_id, stat_minutes, same_day_cutoff_minute,"
        " same_day_deadline_minute, routine_days, routine_deadline_minute, double_reading,"
        " check_required, second_reader_min_years, price_xray, price_ct, price_mr, price_other,"
        " initial_fee, monthly_fee, updated_us, start_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET stat_minutes = "
        "excluded.stat_minutes,"
        " same_day_cutoff_minute = excluded.same_day_cutoff_minute,"
        " same_day_deadline_minute = excluded.same_day_deadline_minute,"
        " routine_days = excluded.routine_days,"
        " routine_deadline_minute = excluded.routine_deadline_minute,"
        " double_reading = excluded.double_reading, check_required = excluded.check_required,"
        " second_reader_min_years = excluded.second_reader_min_years,"
        " price_xray = excluded.price_xray, price_ct = excluded.price_ct,"
        " price_mr = excluded.price_mr, price_other = excluded.price_other,"
        " initial_fee = excluded.initial_fee, monthly_fee = excluded.monthly_fee,"
        " updated_us = excluded.updated_us, start_day = excluded.start_day",
        p));
    return AuditIn(ctx_, conn,
                   MakeAdminEvent(actor, "contract.update", c.tenant_id,
                                  "contract of tenant " + std::to_string(c.tenant_id) +
                                      (c.double_reading ? ": double reading" : "") +
                                      (c.check_required ? ", check" : "")));
  }));
  return out;
}

base::Result<Contract> SqlContracts::Get(int64_t tenant_id) {
  Contract out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(out, LoadContract(c, tenant_id));
    return Status::Ok();
  }));
  return out;
}

namespace {

// A reader's shift or absence: one row of `table` (workflow_shifts / workflow_absences) with its
// period and one more text column, audited as roster.<kind>_add in the same transaction.
base::Result<int64_t> AddPeriod(const Context& ctx, const Actor& actor, std::string_view kind,
                                std::string_view table, std::string_view column,
                                int64_t reader_id, base::Timestamp start, base::Timestamp end,
                                const std::string& text) {
  if (!RosterManager(actor)) return base::PermissionDenied("only coordinators change rosters");
  DOKUEI_RETURN_IF_ERROR(CheckPeriod(reader_id, start, end));
  int64_t id = 0;
  DOKUEI_RETURN_IF_ERROR(ctx.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    const Value p[] = {I(reader_id), I(Us(start)), I(Us(end)), S(text)};
    DOKUEI_RETURN_IF_ERROR(c.Query("INSERT INTO " + std::string(table) +
                                       " (reader_id, start_us, end_us, " + std::string(column) +
                                       ") VALUES (?, ?, ?, ?) RETURNING id",
                                   p, [&](const Row& r) {
                                     id = r.Int(0);
                                     return Status::Ok();
                                   }));
    return AuditIn(ctx, c,
                   MakeAdminEvent(actor, "roster." + std::string(kind) + "_add", actor.tenant_id,
                                  std::string(kind) + " " + std::to_string(id) + " of reader " +
                                      std::to_string(reader_id) + ": " +
                                      base::FormatIso8601(start) + " - " +
                                      base::FormatIso8601(end)));
  }));
  return id;
}

Status RemovePeriod(const Context& ctx, const Actor& actor, std::string_view kind,
                    std::string_view table, int64_t id) {
  if (!RosterManager(actor)) return base::PermissionDenied("only coordinators change rosters");
  return ctx.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    bool found = false;
    const Value p[] = {I(id)};
    DOKUEI_RETURN_IF_ERROR(c.Query("DELETE FROM " + std::string(table) +
                                       " WHERE id = ? RETURNING id",
                                   p, [&](const Row&) {
                                     found = true;
                                     return Status::Ok();
                                   }));
    if (!found) return base::NotFound(std::string(kind) + " not found");
    return AuditIn(ctx, c,
                   MakeAdminEvent(actor, "roster." + std::string(kind) + "_remove",
                                  actor.tenant_id, std::string(kind) + " " + std::to_string(id)));
  });
}

}  // namespace

base::Result<Shift> SqlRosters::AddShift(const Actor& actor, const Shift& s) {
  Shift out = s;
  DOKUEI_ASSIGN_OR_RETURN(out.id, AddPeriod(ctx_, actor, "shift", "workflow_shifts",
                                            "display_time_zone", s.reader_id, s.start, s.end,
                                            s.display_time_zone));
  return out;
}

Status SqlRosters::RemoveShift(const Actor& actor, int64_t id) {
  return RemovePeriod(ctx_, actor, "shift", "workflow_shifts", id);
}

base::Result<Absence> SqlRosters::AddAbsence(const Actor& actor, const Absence& a) {
  Absence out = a;
  DOKUEI_ASSIGN_OR_RETURN(out.id, AddPeriod(ctx_, actor, "absence", "workflow_absences",
                                            "reason", a.reader_id, a.start, a.end, a.reason));
  return out;
}

Status SqlRosters::RemoveAbsence(const Actor& actor, int64_t id) {
  return RemovePeriod(ctx_, actor, "absence", "workflow_absences", id);
}

base::Result<std::vector<Shift>> SqlRosters::Shifts(base::Timestamp from, base::Timestamp to) {
  std::vector<Shift> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    const Value p[] = {I(Us(from)), I(Us(to))};
    return c.Query(
        "SELECT id, reader_id, start_us, end_us, display_time_zone FROM workflow_shifts"
        " WHERE end_us > ? AND start_us < ? ORDER BY start_us, id",
        p, [&](const Row& r) {
          Shift s;
          s.id = r.Int(0);
          s.reader_id = r.Int(1);
          s.start = base::FromUnixMicros(r.Int(2));
          s.end = base::FromUnixMicros(r.Int(3));
          s.display_time_zone = std::string(r.Str(4));
          out.push_back(std::move(s));
          return Status::Ok();
        });
  }));
  return out;
}

base::Result<std::vector<Absence>> SqlRosters::Absences(base::Timestamp from, base::Timestamp to) {
  std::vector<Absence> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    const Value p[] = {I(Us(from)), I(Us(to))};
    return c.Query(
        "SELECT id, reader_id, start_us, end_us, reason FROM workflow_absences"
        " WHERE end_us > ? AND start_us < ? ORDER BY start_us, id",
        p, [&](const Row& r) {
          Absence a;
          a.id = r.Int(0);
          a.reader_id = r.Int(1);
          a.start = base::FromUnixMicros(r.Int(2));
          a.end = base::FromUnixMicros(r.Int(3));
          a.reason = std::string(r.Str(4));
          out.push_back(std::move(a));
          return Status::Ok();
        });
  }));
  return out;
}

std::vector<Shift> DutyOf(int64_t reader_id, const std::vector<Shift>& shifts,
                          const std::vector<Absence>& absences) {
  std::vector<Shift> out;
  for (const Shift& s : shifts) {
    if (s.reader_id != reader_id) continue;
    std::vector<Shift> pieces = {s};
    for (const Absence& a : absences) {
      if (a.reader_id != reader_id) continue;
      std::vector<Shift> next;
      for (const Shift& p : pieces) {
        if (a.end <= p.start || a.start >= p.end) {
          next.push_back(p);
          continue;
        }
        if (a.start > p.start) {
          Shift left = p;
          left.end = a.start;
          next.push_back(left);
        }
        if (a.end < p.end) {
          Shift right = p;
          right.start = a.end;
          next.push_back(right);
        }
      }
      pieces = std::move(next);
    }
    out.insert(out.end(), pieces.begin(), pieces.end());
  }
  std::sort(out.begin(), out.end(),
            [](const Shift& a, const Shift& b) { return a.start < b.start; });
  // Merge overlapping or touching shifts so that PredictFinish never counts time twice.
  std::vector<Shift> merged;
  for (const Shift& s : out) {
    if (!merged.empty() && s.start <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, s.end);
    } else {
      merged.push_back(s);
    }
  }
  return merged;
}

}  // namespace dokuei::workflow::internal
