// Request rows, history, audit events and the one mutation path (MutateIn).
#include "store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "dokuei/base/strings.h"

namespace dokuei::workflow::internal {

using base::Status;

std::string EncodeList(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

std::vector<std::string> DecodeList(std::string_view json) {
  std::vector<std::string> out;
  if (json.empty()) return out;
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (const auto& e : j)
    if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

namespace {

// Valid UTF-8 without control characters (newlines and tabs allowed), at most max_bytes.
bool CleanText(std::string_view s, size_t max_bytes) {
  if (s.size() > max_bytes) return false;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7F) return false;
      ++i;
      continue;
    }
    const int n = c >= 0xC2 && c < 0xE0    ? 1
                  : c >= 0xE0 && c < 0xF0  ? 2
                  : c >= 0xF0 && c <= 0xF4 ? 3
                                           : -1;
    if (n < 0 || i + static_cast<size_t>(n) >= s.size()) return false;
    for (int k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

Status CheckDetails(const RequestDetails& d) {
  if (!CleanText(d.clinical_question, 12000))
    return base::InvalidArgument("clinical question: invalid or too long text",
                                 "clinical_question");
  if (!CleanText(d.symptoms, 6000))
    return base::InvalidArgument("symptoms: invalid or too long text", "symptoms");
  if (d.prior_study_uids.size() > 50)
    return base::InvalidArgument("at most 50 prior studies", "prior_study_uids");
  for (const auto& uid : d.prior_study_uids)
    if (!base::IsValidUid(uid))
      return base::InvalidArgument("prior study: not a valid UID", "prior_study_uids");
  if (d.attachments.size() > 20)
    return base::InvalidArgument("at most 20 attachments", "attachments");
  for (const auto& a : d.attachments)
    if (a.empty() || !CleanText(a, 1024) || a.find('\n') != std::string::npos)
      return base::InvalidArgument("attachment: invalid reference", "attachments");
  if (!CleanText(d.subspecialty, 64) || d.subspecialty.find('\n') != std::string::npos)
    return base::InvalidArgument("subspecialty: at most 64 characters", "subspecialty");
  if (d.expected_series < 0 || d.expected_series > 1000)
    return base::InvalidArgument("expected series: 0..1000", "expected_series");
  return Status::Ok();
}

Status CheckOrderIds(const OrderIds& o) {
  struct Field {
    const std::string& value;
    const char* name;
  };
  for (const Field f :
       {Field{o.accession_number, "accession_number"},
        Field{o.placer_order_number, "placer_order_number"},
        Field{o.filler_order_number, "filler_order_number"}, Field{o.patient_id, "patient_id"}}) {
    if (!CleanText(f.value, 64) || f.value.find_first_of("\r\n\t") != std::string::npos ||
        f.value != base::Trim(f.value))
      return base::InvalidArgument(std::string(f.name) +
                                       ": at most 64 characters on one line, without leading or "
                                       "trailing spaces",
                                   f.name);
  }
  return Status::Ok();
}

const char kRequestColumns[] =
    "r.id, r.tenant_id, r.study_uid, r.clinical_question, r.symptoms, r.side, r.region,"
    " r.modality, r.priority, r.desired_return_us, r.prior_study_uids, r.attachments,"
    " r.expected_series, r.source, r.details_complete, r.state, r.held_from, r.version,"
    " r.reader_id, r.second_reader_id, r.checker_id, r.instance_count, r.series_count,"
    " r.late_instances, r.first_instance_us, r.last_instance_us, r.received_us, r.due_us,"
    " r.ready_us, r.assigned_us, r.started_us, r.final_us, r.delivered_us, r.updated_us,"
    " r.escalation_level, r.subspecialty, r.accession_number, r.placer_order_number,"
    " r.filler_order_number, r.patient_id";

ReadingRequest DecodeRequest(const Row& row) {
  ReadingRequest r;
  r.id = row.Int(0);
  r.tenant_id = row.Int(1);
  r.study_uid = std::string(row.Str(2));
  r.details.clinical_question = std::string(row.Str(3));
  r.details.symptoms = std::string(row.Str(4));
  r.details.side = SideFromName(row.Str(5)).value_or(Side::kNone);
  r.details.region = RegionFromName(row.Str(6)).value_or(Region::kUnspecified);
  r.details.modality = ModalityFromName(row.Str(7)).value_or(Modality::kOther);
  r.details.priority = PriorityFromName(row.Str(8)).value_or(Priority::kRoutine);
  r.details.desired_return_at = FromOptUs(row.Int(9));
  r.details.prior_study_uids = DecodeList(row.Str(10));
  r.details.attachments = DecodeList(row.Str(11));
  r.details.expected_series = static_cast<int>(row.Int(12));
  r.source = std::string(row.Str(13));
  r.details_complete = row.Int(14) != 0;
  r.state = StateFromName(row.Str(15)).value_or(State::kReceived);
  if (!row.Str(16).empty()) r.held_from = StateFromName(row.Str(16));
  r.version = row.Int(17);
  r.reader_id = row.Int(18);
  r.second_reader_id = row.Int(19);
  r.checker_id = row.Int(20);
  r.instance_count = row.Int(21);
  r.series_count = row.Int(22);
  r.late_instances = row.Int(23);
  r.first_instance_at = FromOptUs(row.Int(24));
  r.last_instance_at = FromOptUs(row.Int(25));
  r.received_at = base::FromUnixMicros(row.Int(26));
  r.due_at = base::FromUnixMicros(row.Int(27));
  r.ready_at = FromOptUs(row.Int(28));
  r.assigned_at = FromOptUs(row.Int(29));
  r.started_at = FromOptUs(row.Int(30));
  r.final_at = FromOptUs(row.Int(31));
  r.delivered_at = FromOptUs(row.Int(32));
  r.updated_at = base::FromUnixMicros(row.Int(33));
  r.escalation_level = static_cast<int>(row.Int(34));
  r.details.subspecialty = std::string(row.Str(35));
  r.order.accession_number = std::string(row.Str(36));
  r.order.placer_order_number = std::string(row.Str(37));
  r.order.filler_order_number = std::string(row.Str(38));
  r.order.patient_id = std::string(row.Str(39));
  return r;
}

base::Result<ReadingRequest> LoadRequest(Conn& c, int64_t id) {
  std::optional<ReadingRequest> out;
  const Value p[] = {I(id)};
  DOKUEI_RETURN_IF_ERROR(
      c.Query(std::string("SELECT ") + kRequestColumns + " FROM workflow_requests r WHERE r.id = ?",
              p, [&](const Row& row) {
                out = DecodeRequest(row);
                return Status::Ok();
              }));
  if (!out) return base::NotFound("reading request not found");
  return *out;
}

Status WriteRequest(Conn& c, ReadingRequest& r) {
  const auto& d = r.details;
  const Value p[] = {S(d.clinical_question),
                     S(d.symptoms),
                     S(SideName(d.side)),
                     S(RegionName(d.region)),
                     S(ModalityName(d.modality)),
                     S(PriorityName(d.priority)),
                     I(OptUs(d.desired_return_at)),
                     EncodeList(d.prior_study_uids),
                     EncodeList(d.attachments),
                     I(d.expected_series),
                     I(r.details_complete ? 1 : 0),
                     S(StateName(r.state)),
                     S(r.held_from ? StateName(*r.held_from) : ""),
                     I(r.reader_id),
                     I(r.second_reader_id),
                     I(r.checker_id),
                     I(r.instance_count),
                     I(r.series_count),
                     I(r.late_instances),
                     I(OptUs(r.first_instance_at)),
                     I(OptUs(r.last_instance_at)),
                     I(Us(r.due_at)),
                     I(OptUs(r.ready_at)),
                     I(OptUs(r.assigned_at)),
                     I(OptUs(r.started_at)),
                     I(OptUs(r.final_at)),
                     I(OptUs(r.delivered_at)),
                     I(Us(r.updated_at)),
                     I(r.escalation_level),
                     S(d.subspecialty),
                     S(r.source),
                     S(r.study_uid),
                     S(r.order.accession_number),
                     S(r.order.placer_order_number),
                     S(r.order.filler_order_number),
                     S(r.order.patient_id),
                     I(r.id),
                     I(r.version)};
  bool written = false;
  DOKUEI_RETURN_IF_ERROR(c.Query(
      "UPDATE workflow_requests SET clinical_question = ?, symptoms = ?, side = ?, region = ?,"
      " modality = ?, priority = ?, desired_return_us = ?, prior_study_uids = ?, attachments = ?,"
      " expected_series = ?, details_complete = ?, state = ?, held_from = ?, reader_id = ?,"
      " second_reader_id = ?, checker_id = ?, instance_count = ?, series_count = ?,"
      " late_instances = ?, first_instance_us = ?, last_instance_us = ?, due_us = ?,"
      " ready_us = ?, assigned_us = ?, started_us = ?, final_us = ?, delivered_us = ?,"
      " updated_us = ?, escalation_level = ?, subspecialty = ?, source = ?, study_uid = ?,"
      " accession_number = ?, placer_order_number = ?, filler_order_number = ?, patient_id = ?,"
      " version = version + 1"
      " WHERE id = ? AND version = ? RETURNING version",
      p, [&](const Row& row) {
        written = true;
        r.version = row.Int(0);
        return Status::Ok();
      }));
  if (!written) {
    return base::Conflict("reading request " + std::to_string(r.id) +
                          " was changed by someone else; reload and retry");
  }
  return Status::Ok();
}

base::Result<Contract> LoadContract(Conn& c, int64_t tenant_id) {
  Contract k;
  k.tenant_id = tenant_id;
  const Value p[] = {I(tenant_id)};
  DOKUEI_RETURN_IF_ERROR(
      c.Query("SELECT stat_minutes, same_day_cutoff_minute, same_day_deadline_minute, routine_days,"
              " routine_deadline_minute, double_reading, check_required, second_reader_min_years,"
              " price_xray, price_ct, price_mr, price_other, initial_fee, monthly_fee, updated_us,"
              " start_day"
              " FROM workflow_contracts WHERE tenant_id = ?",
              p, [&](const Row& r) {
                k.stat_minutes = static_cast<int>(r.Int(0));
                k.same_day_cutoff_minute = static_cast<int>(r.Int(1));
                k.same_day_deadline_minute = static_cast<int>(r.Int(2));
                k.routine_days = static_cast<int>(r.Int(3));
                k.routine_deadline_minute = static_cast<int>(r.Int(4));
                k.double_reading = r.Int(5) != 0;
                k.check_required = r.Int(6) != 0;
                k.second_reader_min_years = static_cast<int>(r.Int(7));
                k.price_xray = r.Int(8);
                k.price_ct = r.Int(9);
                k.price_mr = r.Int(10);
                k.price_other = r.Int(11);
                k.initial_fee = r.Int(12);
                k.monthly_fee = r.Int(13);
                k.updated_at = base::FromUnixMicros(r.Int(14));
                if (r.Int(15) >= 0) k.start_day = r.Int(15);
                return Status::Ok();
              }));
  return k;
}

Status CheckTenant(Conn& c, int64_t tenant_id) {
  bool found = false;
  const Value p[] = {I(tenant_id)};
  DOKUEI_RETURN_IF_ERROR(c.Query("SELECT 1 FROM tenants WHERE id = ?", p, [&](const Row&) {
    found = true;
    return Status::Ok();
  }));
  return found ? Status::Ok() : Status(base::Code::kNotFound, "hospital not found", "tenant_id");
}

bool Visible(const Actor& a, const ReadingRequest& r) {
  using identity::Role;
  if (a.system) return true;
  if (a.InReadingCentre()) {
    if (a.Has(Role::kCoordinator) || a.Has(Role::kAdministrator)) return true;
    if (a.Has(Role::kReader) || a.Has(Role::kChecker)) {
      return r.state == State::kReady ||
             (a.user_id != 0 && (a.user_id == r.reader_id || a.user_id == r.second_reader_id ||
                                 a.user_id == r.checker_id));
    }
    return false;
  }
  return a.Has(Role::kHospitalStaff) && a.tenant_id == r.tenant_id;
}

audit::Event MakeEvent(const Actor& actor, const ReadingRequest& r, std::string_view action,
                       std::string message) {
  audit::Event e = ActorEvent(actor, "request." + std::string(action), r.tenant_id);
  if (!r.study_uid.empty()) e.study_uids = {r.study_uid};
  e.object_detail = "reading request " + std::to_string(r.id);
  e.message = std::move(message);
  return e;
}

audit::Event MakeAdminEvent(const Actor& actor, std::string_view action, int64_t tenant_id,
                            std::string detail) {
  ReadingRequest none;
  none.tenant_id = tenant_id;
  audit::Event e = MakeEvent(actor, none, "", {});
  e.action = std::string(action);
  e.study_uids.clear();
  e.object_detail = std::move(detail);
  return e;
}

Status AuditIn(const Context& ctx, Conn& c, const audit::Event& e) {
  if (!ctx.options.audit) return Status::Ok();
  return ctx.options.audit(c, e);
}

Status AppendHistory(Conn& c, int64_t request_id, base::Timestamp at, std::string_view action,
                     State from, State to, const Actor& actor, std::string_view reason) {
  const Value p[] = {I(request_id),    I(Us(at)),        S(action),        S(StateName(from)),
                     S(StateName(to)), S(actor.subject), I(actor.user_id), S(reason)};
  return c.Exec(
      "INSERT INTO workflow_history (request_id, at_us, action, from_state, to_state, actor,"
      " actor_user_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      p);
}

base::Result<ReadingRequest> MutateIn(const Context& ctx, Conn& c, const Actor& actor, int64_t id,
                                      std::optional<int64_t> expected_version, base::Timestamp now,
                                      const MutateFn& fn) {
  DOKUEI_ASSIGN_OR_RETURN(ReadingRequest r, LoadRequest(c, id));
  if (!Visible(actor, r)) return base::NotFound("reading request not found");
  if (expected_version && *expected_version != r.version) {
    return base::Conflict("reading request " + std::to_string(id) + " is at version " +
                          std::to_string(r.version) + ", not " + std::to_string(*expected_version));
  }
  DOKUEI_ASSIGN_OR_RETURN(const Contract k, LoadContract(c, r.tenant_id));
  const State from = r.state;
  DOKUEI_ASSIGN_OR_RETURN(const Change ch, fn(r, k));
  r.updated_at = now;
  DOKUEI_RETURN_IF_ERROR(WriteRequest(c, r));
  if (r.state == State::kDelivered && from != State::kDelivered) {
    // Exactly one charge per delivered request, at the contract's flat price for its modality.
    const Value p[] = {I(r.id),
                       I(r.tenant_id),
                       S(r.study_uid),
                       S(ModalityName(r.details.modality)),
                       I(k.PriceOf(r.details.modality)),
                       I(OptUs(r.delivered_at))};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO workflow_charges (request_id, tenant_id, study_uid, modality, price,"
               " delivered_us) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING",
               p));
  }
  DOKUEI_RETURN_IF_ERROR(AppendHistory(c, r.id, now, ch.action, from, r.state, actor, ch.reason));
  if (ctx.options.audit) {
    std::string msg = std::string(StateName(from)) + " -> " + std::string(StateName(r.state));
    if (r.Holder() != 0) msg += " (holder " + std::to_string(r.Holder()) + ")";
    if (!ch.reason.empty()) msg += ": " + ch.reason;
    DOKUEI_RETURN_IF_ERROR(ctx.options.audit(c, MakeEvent(actor, r, ch.action, std::move(msg))));
  }
  return r;
}

void ApplyTransition(ReadingRequest& r, const TransitionRule& rule, const Actor& actor,
                     base::Timestamp now) {
  const State from = r.state;
  r.state = rule.to;
  if (from == State::kOnHold) r.held_from.reset();
  switch (rule.to) {
    case State::kReady:
      if (from == State::kReceived) {
        r.ready_at = now;
      } else if (!(from == State::kOnHold && rule.action == "resume")) {
        // Back to the pool: nobody holds it any more.
        r.reader_id = r.second_reader_id = r.checker_id = 0;
        r.assigned_at.reset();
        r.started_at.reset();
      }
      break;
    case State::kAssigned:
      if (rule.action == "claim") r.reader_id = actor.user_id;
      if (from == State::kReady) r.assigned_at = now;
      break;
    case State::kReading:
      if (from == State::kAssigned) r.started_at = now;
      break;
    // The first signature and delivery are what the SLA measures; addenda are in the history.
    case State::kFinal:
      if (!r.final_at) r.final_at = now;
      break;
    case State::kDelivered:
      if (!r.delivered_at) r.delivered_at = now;
      break;
    case State::kOnHold:
      r.held_from = from;
      break;
    default:
      break;
  }
}

ReaderLoad* FindLoad(std::vector<ReaderLoad>& loads, int64_t reader_id) {
  for (auto& l : loads)
    if (l.info.user_id == reader_id) return &l;
  return nullptr;
}

std::optional<ReaderInfo> FindReader(const std::vector<ReaderInfo>& readers, int64_t id) {
  for (const auto& r : readers)
    if (r.user_id == id) return r;
  return std::nullopt;
}

}  // namespace dokuei::workflow::internal

namespace dokuei::workflow {

audit::Event ActorEvent(const Actor& actor, std::string action, int64_t tenant_id) {
  audit::Event e;
  e.action = std::move(action);
  e.tenant_id = tenant_id;
  e.actor = actor.subject;
  e.actor_user_id = actor.user_id;
  e.actor_tenant_id = actor.tenant_id;
  for (identity::Role role : actor.roles) {
    if (!e.actor_roles.empty()) e.actor_roles += ",";
    e.actor_roles += identity::RoleName(role);
  }
  e.source_address = actor.source_address;
  e.protocol = actor.system ? "system" : actor.protocol;
  return e;
}

}  // namespace dokuei::workflow
