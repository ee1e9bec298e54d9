// Reading requests: creation (forms and arriving studies), details, transitions, assignment.
#include "requests.h"

#include <algorithm>

#include "dokuei/base/strings.h"

namespace dokuei::workflow::internal {

using base::Status;
using identity::Role;

namespace {

bool IsCoordinator(const Actor& a) {
  return a.system || (a.InReadingCentre() && a.Has(Role::kCoordinator));
}

Status CheckUid(std::string_view uid, const char* field) {
  if (!base::IsValidUid(uid)) return base::InvalidArgument("not a valid DICOM UID", field);
  return Status::Ok();
}

std::optional<int64_t> FindOpenRequest(Conn& c, int64_t tenant_id, std::string_view study_uid,
                                       Status* st) {
  std::optional<int64_t> id;
  const Value p[] = {I(tenant_id), S(study_uid)};
  *st = c.Query(
      "SELECT id FROM workflow_requests WHERE tenant_id = ? AND study_uid = ?"
      " AND state <> 'cancelled' AND study_uid <> ''",
      p, [&](const Row& r) {
        id = r.Int(0);
        return Status::Ok();
      });
  return id;
}

// The open request of the hospital holding an order identifier (`column` is one of ours).
base::Result<std::optional<int64_t>> OpenHolder(Conn& c, int64_t tenant_id, const char* column,
                                                std::string_view value) {
  std::optional<int64_t> id;
  if (value.empty()) return id;
  const Value p[] = {I(tenant_id), S(value)};
  DOKUEI_RETURN_IF_ERROR(c.Query(std::string("SELECT id FROM workflow_requests WHERE tenant_id = ?"
                                             " AND state <> 'cancelled' AND ") +
                                     column + " = ?",
                                 p, [&](const Row& r) {
                                   id = r.Int(0);
                                   return Status::Ok();
                                 }));
  return id;
}

// kAlreadyExists naming the first order identifier an open request other than `except` holds.
Status CheckIdsFree(Conn& c, int64_t tenant_id, const OrderIds& o, int64_t except) {
  struct Field {
    const char* column;
    const std::string& value;
    const char* what;
  };
  for (const Field f : {Field{"placer_order_number", o.placer_order_number, "placer order number"},
                        Field{"filler_order_number", o.filler_order_number, "filler order number"},
                        Field{"accession_number", o.accession_number, "accession number"}}) {
    DOKUEI_ASSIGN_OR_RETURN(const std::optional<int64_t> holder,
                            OpenHolder(c, tenant_id, f.column, f.value));
    if (holder && *holder != except)
      return Status(base::Code::kAlreadyExists,
                    std::string("an open request exists for this ") + f.what + " (" + f.value + ")",
                    f.column);
  }
  return Status::Ok();
}

// Overlays the identifiers given in `from` on `to`.
void MergeIds(OrderIds& to, const OrderIds& from) {
  if (!from.accession_number.empty()) to.accession_number = from.accession_number;
  if (!from.placer_order_number.empty()) to.placer_order_number = from.placer_order_number;
  if (!from.filler_order_number.empty()) to.filler_order_number = from.filler_order_number;
  if (!from.patient_id.empty()) to.patient_id = from.patient_id;
}

// Inserts a new request; returns its id.
base::Result<int64_t> Insert(Conn& c, const NewRequest& nr, const Contract& k, base::Timestamp now,
                             bool details_complete) {
  const auto& d = nr.details;
  const Value p[] = {I(nr.tenant_id),
                     S(nr.study_uid),
                     S(d.clinical_question),
                     S(d.symptoms),
                     S(SideName(d.side)),
                     S(RegionName(d.region)),
                     S(ModalityName(d.modality)),
                     S(PriorityName(d.priority)),
                     I(OptUs(d.desired_return_at)),
                     EncodeList(d.prior_study_uids),
                     EncodeList(d.attachments),
                     I(d.expected_series),
                     S(nr.source),
                     I(details_complete ? 1 : 0),
                     S(StateName(State::kReceived)),
                     I(Us(now)),
                     I(Us(SlaDeadline(k, d.priority, now))),
                     I(Us(now)),
                     S(d.subspecialty),
                     S(nr.order.accession_number),
                     S(nr.order.placer_order_number),
                     S(nr.order.filler_order_number),
                     S(nr.order.patient_id)};
  int64_t id = 0;
  DOKUEI_RETURN_IF_ERROR(c.Query(
      "INSERT INTO workflow_requests (tenant_id, study_uid, clinical_question, symptoms, side,"
      " region, modality, priority, desired_return_us, prior_study_uids, attachments,"
      " expected_series, source, details_complete, state, received_us, due_us, updated_us,"
      " subspecialty, accession_number, placer_order_number, filler_order_number, patient_id)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      p, [&](const Row& r) {
        id = r.Int(0);
        return Status::Ok();
      }));
  return id;
}

}  // namespace

WorkItem ItemFor(const ReadingRequest& r, Step step, const Contract& c) {
  WorkItem w;
  w.request_id = r.id;
  w.step = step;
  w.priority = r.details.priority;
  w.modality = r.details.modality;
  w.region = r.details.region;
  w.received_at = r.received_at;
  w.subspecialty = r.details.subspecialty;
  w.due_at = r.due_at;
  if (step != Step::kFirstRead && r.reader_id != 0) w.exclude.push_back(r.reader_id);
  if (step == Step::kFirstRead) {
    if (r.second_reader_id != 0) w.exclude.push_back(r.second_reader_id);
    if (r.checker_id != 0) w.exclude.push_back(r.checker_id);
  }
  if (step == Step::kSecondRead) w.min_years = c.second_reader_min_years;
  if (step == Step::kCheck && r.second_reader_id != 0) w.exclude.push_back(r.second_reader_id);
  return w;
}

base::Result<Change> AssignSlot(ReadingRequest& r, const Contract& c, const Actor& actor, Slot slot,
                                const ReaderInfo& reader, base::Timestamp now) {
  const int64_t id = reader.user_id;
  switch (slot) {
    case Slot::kReader: {
      if (!Eligible(reader, ItemFor(r, Step::kFirstRead, c)))
        return base::InvalidArgument("this reader may not read this study (credentials)",
                                     "reader_id");
      if (r.state == State::kReady) {
        DOKUEI_ASSIGN_OR_RETURN(const TransitionRule rule,
                                CheckTransition(actor, r, c, State::kAssigned));
        r.reader_id = id;
        ApplyTransition(r, rule, actor, now);
        return Change{"assign", {}};
      }
      if (r.state == State::kAssigned || r.state == State::kReading) {
        if (!IsCoordinator(actor)) return base::PermissionDenied("only coordinators reassign");
        if (r.reader_id == id) return base::FailedPrecondition("already assigned to this reader");
        r.reader_id = id;
        r.state = State::kAssigned;
        r.assigned_at = now;
        r.started_at.reset();
        return Change{"reassign", {}};
      }
      return base::Status(base::Code::kFailedPrecondition,
                          "a reader can be assigned only when the request is ready, assigned or "
                          "being read (it is " +
                              std::string(StateName(r.state)) + ")",
                          "state");
    }
    case Slot::kSecondReader: {
      if (!c.double_reading)
        return base::FailedPrecondition("the hospital's contract has no double reading");
      if (r.final_at || r.state == State::kCancelled || r.state == State::kCheck ||
          r.state == State::kFinal || r.state == State::kDelivered || r.state == State::kAddendum)
        return base::FailedPrecondition("the second read is over for this request");
      if (id == r.reader_id)
        return base::InvalidArgument("the second reader must differ from the first reader",
                                     "reader_id");
      if (reader.years_of_experience < c.second_reader_min_years)
        return base::InvalidArgument("the second reader needs at least " +
                                         std::to_string(c.second_reader_min_years) +
                                         " years of experience",
                                     "reader_id");
      if (!Eligible(reader, ItemFor(r, Step::kSecondRead, c)))
        return base::InvalidArgument("this reader may not second-read this study (credentials)",
                                     "reader_id");
      if (r.second_reader_id == id) return base::FailedPrecondition("already the second reader");
      const bool re = r.second_reader_id != 0;
      r.second_reader_id = id;
      return Change{re ? "reassign_second_reader" : "assign_second_reader", {}};
    }
    case Slot::kChecker: {
      if (!c.check_required)
        return base::FailedPrecondition("the hospital's contract has no report check");
      if (r.final_at || r.state == State::kCancelled || r.state == State::kFinal ||
          r.state == State::kDelivered || r.state == State::kAddendum)
        return base::FailedPrecondition("the check is over for this request");
      if (id == r.reader_id)
        return base::InvalidArgument("the checker must differ from the first reader", "reader_id");
      if (!Eligible(reader, ItemFor(r, Step::kCheck, c)))
        return base::InvalidArgument("this person may not check this report (checker role)",
                                     "reader_id");
      if (r.checker_id == id) return base::FailedPrecondition("already the checker");
      const bool re = r.checker_id != 0;
      r.checker_id = id;
      return Change{re ? "reassign_checker" : "assign_checker", {}};
    }
  }
  return base::Internal("unknown slot");
}

base::Result<ReadingRequest> SqlRequests::Create(const Actor& actor, const NewRequest& nr) {
  if (!IsCoordinator(actor)) {
    if (actor.InReadingCentre() || !actor.Has(Role::kHospitalStaff))
      return base::PermissionDenied("only hospital staff and coordinators create requests");
    if (actor.tenant_id != nr.tenant_id) return base::NotFound("hospital not found");
  }
  if (nr.study_uid.empty() && nr.order.accession_number.empty())
    return base::InvalidArgument(
        "a study UID or an accession number is required (the images are matched by it)",
        "study_uid");
  if (!nr.study_uid.empty()) DOKUEI_RETURN_IF_ERROR(CheckUid(nr.study_uid, "study_uid"));
  DOKUEI_RETURN_IF_ERROR(CheckDetails(nr.details));
  DOKUEI_RETURN_IF_ERROR(CheckOrderIds(nr.order));
  if (nr.source != "portal" && nr.source != "api" && nr.source != "hl7" && nr.source != "fhir" &&
      nr.source != "auto")
    return base::InvalidArgument("source: portal, api, hl7, fhir or auto", "source");
  const base::Timestamp now = ctx_.clock.Now();
  ReadingRequest out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_RETURN_IF_ERROR(CheckTenant(c, nr.tenant_id));
    // The same order again (a resend): reported as such, before any study or accession match.
    if (!nr.order.placer_order_number.empty()) {
      OrderIds placer_only;
      placer_only.placer_order_number = nr.order.placer_order_number;
      DOKUEI_RETURN_IF_ERROR(CheckIdsFree(c, nr.tenant_id, placer_only, 0));
    }
    Status st;
    std::optional<int64_t> existing;
    const char* matched_by = "study_uid";
    if (!nr.study_uid.empty()) {
      existing = FindOpenRequest(c, nr.tenant_id, nr.study_uid, &st);
      DOKUEI_RETURN_IF_ERROR(st);
    }
    if (!existing && !nr.order.accession_number.empty()) {
      // The images may have come first with this accession number and no order yet.
      DOKUEI_ASSIGN_OR_RETURN(
          const std::optional<int64_t> holder,
          OpenHolder(c, nr.tenant_id, "accession_number", nr.order.accession_number));
      if (holder) {
        DOKUEI_ASSIGN_OR_RETURN(const ReadingRequest h, LoadRequest(c, *holder));
        if (h.source == "auto" && !h.details_complete &&
            (nr.study_uid.empty() || nr.study_uid == h.study_uid)) {
          existing = holder;
          matched_by = "accession_number";
        }
      }
    }
    DOKUEI_RETURN_IF_ERROR(CheckIdsFree(c, nr.tenant_id, nr.order, existing.value_or(0)));
    if (existing) {
      // The images came first and created the request: the form completes it (once).
      auto done = MutateIn(ctx_, c, actor, *existing, std::nullopt, now,
                           [&](ReadingRequest& r, const Contract& k) -> base::Result<Change> {
                             if (r.details_complete || r.source != "auto")
                               return Status(base::Code::kAlreadyExists,
                                             "an open request exists for this study", "study_uid");
                             const Modality seen = r.details.modality;
                             r.details = nr.details;
                             if (r.details.modality == Modality::kOther) r.details.modality = seen;
                             MergeIds(r.order, nr.order);
                             r.details_complete = true;
                             r.source = nr.source;
                             r.due_at = SlaDeadline(k, r.details.priority, SlaStart(r));
                             return Change{"complete", std::string("matched by ") + matched_by};
                           });
      if (!done.ok()) {
        // An invisible request (another reader's) must not leak: same answer as a duplicate.
        if (done.status().code() == base::Code::kNotFound)
          return Status(base::Code::kAlreadyExists, "an open request exists for this study",
                        "study_uid");
        return done.status();
      }
      out = *done;
      return Status::Ok();
    }
    DOKUEI_ASSIGN_OR_RETURN(const Contract k, LoadContract(c, nr.tenant_id));
    DOKUEI_ASSIGN_OR_RETURN(const int64_t id, Insert(c, nr, k, now, nr.source != "auto"));
    DOKUEI_ASSIGN_OR_RETURN(out, LoadRequest(c, id));
    DOKUEI_RETURN_IF_ERROR(
        AppendHistory(c, id, now, "create", State::kReceived, State::kReceived, actor, {}));
    if (ctx_.options.audit)
      return ctx_.options.audit(c, MakeEvent(actor, out, "create", "source " + nr.source));
    return Status::Ok();
  }));
  return out;
}

base::Result<ReadingRequest> SqlRequests::FindByPlacerOrder(const Actor& actor, int64_t tenant_id,
                                                            std::string_view placer) {
  if (placer.empty())
    return base::InvalidArgument("a placer order number is required", "placer_order_number");
  std::optional<ReadingRequest> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    out.reset();
    const Value p[] = {I(tenant_id), S(placer)};
    return c.Query(std::string("SELECT ") + kRequestColumns +
                       " FROM workflow_requests r WHERE r.tenant_id = ?"
                       " AND r.placer_order_number = ?"
                       " ORDER BY CASE WHEN r.state = 'cancelled' THEN 1 ELSE 0 END, r.id DESC"
                       " LIMIT 1",
                   p, [&](const Row& row) {
                     out = DecodeRequest(row);
                     return Status::Ok();
                   });
  }));
  if (!out || !Visible(actor, *out)) return base::NotFound("reading request not found");
  return *out;
}

namespace {

// One arrival inside the caller's write transaction.
Status ArrivalIn(const Context& ctx, Conn& c, const Arrival& a, Modality modality,
                 base::Timestamp now, ReadingRequest& out) {
  const Actor system = Actor::System();
  const int64_t tenant_id = a.tenant_id;
  const std::string& study_uid = a.study_uid;
  Status st;
  std::optional<int64_t> id = FindOpenRequest(c, tenant_id, study_uid, &st);
  DOKUEI_RETURN_IF_ERROR(st);
  std::optional<int64_t> accession_holder;
  if (!id && !a.accession_number.empty()) {
    DOKUEI_ASSIGN_OR_RETURN(accession_holder,
                            OpenHolder(c, tenant_id, "accession_number", a.accession_number));
  }
  if (!id && accession_holder) {
    DOKUEI_ASSIGN_OR_RETURN(ReadingRequest order, LoadRequest(c, *accession_holder));
    if (order.study_uid.empty()) {
      // An order that came without its study UID: this study is the one it asked for.
      const Value p[] = {S(study_uid), I(Us(now)), I(order.id)};
      DOKUEI_RETURN_IF_ERROR(
          c.Exec("UPDATE workflow_requests SET study_uid = ?, updated_us = ?,"
                 " version = version + 1 WHERE id = ?",
                 p));
      order.study_uid = study_uid;
      DOKUEI_RETURN_IF_ERROR(AppendHistory(c, order.id, now, "attach", order.state, order.state,
                                           system, "accession number " + a.accession_number));
      if (ctx.options.audit)
        DOKUEI_RETURN_IF_ERROR(ctx.options.audit(
            c, MakeEvent(system, order, "attach",
                         "study attached by accession number " + a.accession_number)));
      id = order.id;
    }
  }
  if (!id) {
    // First instance of a new study: a request the hospital completes later. It keeps the
    // accession number (for the order that may follow) unless an open request already has it.
    NewRequest nr;
    nr.tenant_id = tenant_id;
    nr.study_uid = study_uid;
    nr.details.modality = modality;
    if (!accession_holder && CheckOrderIds(OrderIds{a.accession_number, {}, {}, {}}).ok())
      nr.order.accession_number = a.accession_number;
    nr.source = "auto";
    DOKUEI_ASSIGN_OR_RETURN(const Contract k, LoadContract(c, tenant_id));
    DOKUEI_ASSIGN_OR_RETURN(id, Insert(c, nr, k, now, false));
    DOKUEI_ASSIGN_OR_RETURN(const ReadingRequest created, LoadRequest(c, *id));
    DOKUEI_RETURN_IF_ERROR(
        AppendHistory(c, *id, now, "create", State::kReceived, State::kReceived, system, {}));
    if (ctx.options.audit)
      DOKUEI_RETURN_IF_ERROR(
          ctx.options.audit(c, MakeEvent(system, created, "create", "source auto")));
  }
  int64_t new_series = 0;
  const Value sp[] = {I(*id), S(a.series_uid)};
  DOKUEI_RETURN_IF_ERROR(
      c.Query("INSERT INTO workflow_request_series (request_id, series_uid) VALUES (?, ?)"
              " ON CONFLICT DO NOTHING RETURNING request_id",
              sp, [&](const Row&) {
                new_series = 1;
                return Status::Ok();
              }));
  // Counters are commutative, so concurrent arrivals need no version check; the version still
  // moves so that clients holding an older copy notice. Instances arriving once the study was
  // routed are late: the reader is told.
  const Value up[] = {I(new_series), I(Us(now)), I(Us(now)), S(ModalityName(modality)),
                      I(Us(now)),    I(*id)};
  DOKUEI_RETURN_IF_ERROR(c.Exec(
      "UPDATE workflow_requests SET instance_count = instance_count + 1,"
      " series_count = series_count + ?, last_instance_us = ?,"
      " first_instance_us = CASE WHEN first_instance_us = 0 THEN ? ELSE first_instance_us END,"
      " modality = CASE WHEN modality = 'other' THEN ? ELSE modality END,"
      " late_instances = late_instances + CASE WHEN state = 'received' OR"
      " (state = 'on_hold' AND held_from = 'received') THEN 0 ELSE 1 END,"
      " updated_us = ?, version = version + 1 WHERE id = ?",
      up));
  DOKUEI_ASSIGN_OR_RETURN(out, LoadRequest(c, *id));
  if (out.instance_count == 1 && SlaStart(out) != out.received_at) {
    // The form came before the images: the clock starts now.
    DOKUEI_ASSIGN_OR_RETURN(const Contract k, LoadContract(c, tenant_id));
    out.due_at = SlaDeadline(k, out.details.priority, SlaStart(out));
    const Value dp[] = {I(Us(out.due_at)), I(out.id)};
    DOKUEI_RETURN_IF_ERROR(c.Exec("UPDATE workflow_requests SET due_us = ? WHERE id = ?", dp));
  }
  return Status::Ok();
}

}  // namespace

base::Result<ReadingRequest> SqlRequests::RecordArrival(int64_t tenant_id,
                                                        std::string_view study_uid,
                                                        std::string_view series_uid,
                                                        std::string_view dicom_modality,
                                                        std::string_view accession_number) {
  const Arrival a{tenant_id, std::string(study_uid), std::string(series_uid),
                  std::string(dicom_modality), std::string(accession_number)};
  DOKUEI_ASSIGN_OR_RETURN(std::vector<ReadingRequest> out,
                          RecordArrivals(std::span<const Arrival>(&a, 1)));
  return std::move(out.front());
}

base::Result<std::vector<ReadingRequest>> SqlRequests::RecordArrivals(
    std::span<const Arrival> arrivals) {
  for (const Arrival& a : arrivals) {
    DOKUEI_RETURN_IF_ERROR(CheckUid(a.study_uid, "study_uid"));
    DOKUEI_RETURN_IF_ERROR(CheckUid(a.series_uid, "series_uid"));
  }
  const base::Timestamp now = ctx_.clock.Now();
  std::vector<ReadingRequest> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    out.assign(arrivals.size(), ReadingRequest{});
    for (size_t i = 0; i < arrivals.size(); ++i) {
      const Arrival& a = arrivals[i];
      DOKUEI_RETURN_IF_ERROR(
          ArrivalIn(ctx_, c, a, ModalityFromDicom(a.dicom_modality), now, out[i]));
    }
    return Status::Ok();
  }));
  return out;
}

base::Result<ReadingRequest> SqlRequests::UpdateDetails(const Actor& actor, int64_t id,
                                                        const RequestDetails& d,
                                                        const TransitionOptions& o) {
  DOKUEI_RETURN_IF_ERROR(CheckDetails(d));
  const base::Timestamp now = ctx_.clock.Now();
  base::Result<ReadingRequest> out = base::Internal("unset");
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    out = MutateIn(
        ctx_, c, actor, id, o.expected_version, now,
        [&](ReadingRequest& r, const Contract& k) -> base::Result<Change> {
          const uint32_t rel = RelationsOf(actor, r);
          if ((rel & (Who::kSystem | Who::kCoordinator | Who::kHospital)) == 0)
            return base::PermissionDenied("only the hospital and coordinators change a request");
          if (r.final_at || r.state == State::kCancelled)
            return base::FailedPrecondition(
                "the request is final or cancelled; ask a question on the report");
          const bool priority_changed = d.priority != r.details.priority;
          r.details = d;
          r.details_complete = true;
          if (priority_changed) r.due_at = SlaDeadline(k, d.priority, SlaStart(r));
          return Change{"update", o.reason};
        });
    return out.status();
  }));
  return out;
}

base::Result<std::optional<ReaderInfo>> SqlRequests::PoolCredentials(const Actor& a) {
  if (a.system || !a.InReadingCentre() || a.Has(Role::kCoordinator) ||
      a.Has(Role::kAdministrator) || (!a.Has(Role::kReader) && !a.Has(Role::kChecker)))
    return std::optional<ReaderInfo>();
  DOKUEI_ASSIGN_OR_RETURN(const std::vector<ReaderInfo> readers, ctx_.readers.Readers());
  if (auto me = FindReader(readers, a.user_id)) return me;
  ReaderInfo none;  // not in the directory: no pool at all
  none.user_id = a.user_id;
  none.reads = false;
  return std::optional<ReaderInfo>(none);
}

base::Result<ReadingRequest> SqlRequests::Get(const Actor& actor, int64_t id) {
  DOKUEI_ASSIGN_OR_RETURN(const std::optional<ReaderInfo> me, PoolCredentials(actor));
  std::optional<ReadingRequest> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(ReadingRequest r, LoadRequest(c, id));
    if (!Visible(actor, r)) return Status::Ok();
    // Readers see the part of the pool they may claim.
    if (me && r.state == State::kReady && !Eligible(*me, ItemFor(r, Step::kFirstRead, {})))
      return Status::Ok();
    out = std::move(r);
    return Status::Ok();
  }));
  if (!out) return base::NotFound("reading request not found");
  return *out;
}

base::Result<std::vector<ReadingRequest>> SqlRequests::List(const Actor& actor,
                                                            const RequestFilter& f) {
  std::string sql =
      std::string("SELECT ") + kRequestColumns + " FROM workflow_requests r WHERE 1=1";
  std::vector<Value> p;
  if (!actor.system) {
    if (actor.InReadingCentre()) {
      if (!actor.Has(Role::kCoordinator) && !actor.Has(Role::kAdministrator)) {
        if (!actor.Has(Role::kReader) && !actor.Has(Role::kChecker))
          return base::PermissionDenied("no access to reading requests");
        // The pool they may claim (modalities and regions as Eligible), and what they hold.
        DOKUEI_ASSIGN_OR_RETURN(const std::optional<ReaderInfo> me, PoolCredentials(actor));
        std::string pool = me->reads ? "r.state = 'ready'" : "1 = 0";
        if (me->reads && !me->modalities.empty()) {
          pool += " AND r.modality IN (";
          for (size_t i = 0; i < me->modalities.size(); ++i) {
            pool += i ? ", ?" : "?";
            p.push_back(S(ModalityName(me->modalities[i])));
          }
          pool += ")";
        }
        if (me->reads && !me->regions.empty()) {
          pool += " AND (r.region = '' OR r.region IN (";
          for (size_t i = 0; i < me->regions.size(); ++i) {
            pool += i ? ", ?" : "?";
            p.push_back(S(RegionName(me->regions[i])));
          }
          pool += "))";
        }
        if (me->reads) {
          pool += " AND (r.subspecialty = ''";
          for (const std::string& sub : me->subspecialties) {
            pool += " OR r.subspecialty = ?";
            p.push_back(S(sub));
          }
          pool += ")";
        }
        sql += " AND ((" + pool +
               ") OR r.reader_id = ? OR r.second_reader_id = ? OR r.checker_id = ?)";
        p.insert(p.end(), {I(actor.user_id), I(actor.user_id), I(actor.user_id)});
      }
    } else {
      if (!actor.Has(Role::kHospitalStaff))
        return base::PermissionDenied("no access to reading requests");
      sql += " AND r.tenant_id = ?";
      p.push_back(I(actor.tenant_id));
    }
  }
  if (f.tenant_id != 0) {
    sql += " AND r.tenant_id = ?";
    p.push_back(I(f.tenant_id));
  }
  if (f.state) {
    sql += " AND r.state = ?";
    p.push_back(S(StateName(*f.state)));
  }
  if (f.priority) {
    sql += " AND r.priority = ?";
    p.push_back(S(PriorityName(*f.priority)));
  }
  if (f.holder != 0) {
    sql +=
        " AND ((r.state IN ('assigned', 'reading', 'addendum') AND r.reader_id = ?)"
        " OR (r.state = 'second_read' AND r.second_reader_id = ?)"
        " OR (r.state = 'check' AND r.checker_id = ?))";
    p.insert(p.end(), {I(f.holder), I(f.holder), I(f.holder)});
  }
  if (f.assigned_to != 0) {
    sql += " AND (r.reader_id = ? OR r.second_reader_id = ? OR r.checker_id = ?)";
    p.insert(p.end(), {I(f.assigned_to), I(f.assigned_to), I(f.assigned_to)});
  }
  if (!f.study_uid.empty()) {
    sql += " AND r.study_uid = ?";
    p.push_back(S(f.study_uid));
  }
  sql += " ORDER BY r.due_us, r.id LIMIT ? OFFSET ?";
  p.push_back(I(std::min<uint32_t>(f.limit, 1000)));
  p.push_back(I(f.offset));
  std::vector<ReadingRequest> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    return c.Query(
        sql, p,
        [&](const Row& row) {
          out.push_back(DecodeRequest(row));
          return Status::Ok();
        },
        /*reuse=*/false);
  }));
  return out;
}

base::Result<ReadingRequest> SqlRequests::Transition(const Actor& actor, int64_t id, State to,
                                                     const TransitionOptions& o) {
  // A claim needs the claimer's credentials; read them before the write transaction.
  std::vector<ReaderInfo> readers;
  if (to == State::kAssigned && !actor.system) {
    DOKUEI_ASSIGN_OR_RETURN(readers, ctx_.readers.Readers());
  }
  const base::Timestamp now = ctx_.clock.Now();
  base::Result<ReadingRequest> out = base::Internal("unset");
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    out = MutateIn(ctx_, c, actor, id, o.expected_version, now,
                   [&](ReadingRequest& r, const Contract& k) -> base::Result<Change> {
                     DOKUEI_ASSIGN_OR_RETURN(const TransitionRule rule,
                                             CheckTransition(actor, r, k, to));
                     if (rule.action == "assign")
                       return base::InvalidArgument("name the reader: use Assign", "reader_id");
                     if (rule.action == "claim") {
                       const auto me = FindReader(readers, actor.user_id);
                       if (!me || !Eligible(*me, ItemFor(r, Step::kFirstRead, k)))
                         return base::PermissionDenied(
                             "you may not read this study (modality, region or role)");
                     }
                     ApplyTransition(r, rule, actor, now);
                     return Change{std::string(rule.action), o.reason};
                   });
    return out.status();
  }));
  return out;
}

base::Result<ReadingRequest> SqlRequests::Assign(const Actor& actor, int64_t id, Slot slot,
                                                 int64_t reader_id, const TransitionOptions& o) {
  if (!IsCoordinator(actor)) return base::PermissionDenied("only coordinators assign readers");
  DOKUEI_ASSIGN_OR_RETURN(const std::vector<ReaderInfo> readers, ctx_.readers.Readers());
  const auto reader = FindReader(readers, reader_id);
  if (!reader) return base::InvalidArgument("no such reader", "reader_id");
  const base::Timestamp now = ctx_.clock.Now();
  base::Result<ReadingRequest> out = base::Internal("unset");
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kWrite, [&](Conn& c) -> Status {
    out =
        MutateIn(ctx_, c, actor, id, o.expected_version, now,
                 [&](ReadingRequest& r, const Contract& k) -> base::Result<Change> {
                   DOKUEI_ASSIGN_OR_RETURN(Change ch, AssignSlot(r, k, actor, slot, *reader, now));
                   ch.reason = o.reason;
                   return ch;
                 });
    return out.status();
  }));
  return out;
}

base::Result<std::vector<State>> SqlRequests::Allowed(const Actor& actor, int64_t id) {
  std::vector<State> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(const ReadingRequest r, LoadRequest(c, id));
    if (!Visible(actor, r)) return base::NotFound("reading request not found");
    DOKUEI_ASSIGN_OR_RETURN(const Contract k, LoadContract(c, r.tenant_id));
    out = AllowedTransitions(actor, r, k);
    return Status::Ok();
  }));
  return out;
}

base::Result<std::vector<HistoryEntry>> SqlRequests::History(const Actor& actor, int64_t id) {
  std::vector<HistoryEntry> out;
  DOKUEI_RETURN_IF_ERROR(ctx_.db->Transact(db::TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    DOKUEI_ASSIGN_OR_RETURN(const ReadingRequest r, LoadRequest(c, id));
    if (!Visible(actor, r)) return base::NotFound("reading request not found");
    const Value p[] = {I(id)};
    return c.Query(
        "SELECT at_us, action, from_state, to_state, actor, actor_user_id, reason"
        " FROM workflow_history WHERE request_id = ? ORDER BY id",
        p, [&](const Row& row) {
          HistoryEntry e;
          e.at = base::FromUnixMicros(row.Int(0));
          e.action = std::string(row.Str(1));
          e.from = StateFromName(row.Str(2)).value_or(State::kReceived);
          e.to = StateFromName(row.Str(3)).value_or(State::kReceived);
          e.actor = std::string(row.Str(4));
          e.actor_user_id = row.Int(5);
          e.reason = std::string(row.Str(6));
          out.push_back(std::move(e));
          return Status::Ok();
        });
  }));
  return out;
}

}  // namespace dokuei::workflow::internal
