// Hl7Intake: authenticate, map, create, acknowledge (see intake.h).
#include "dokuei/intake/intake.h"

#include <toml++/toml.h>

#include <atomic>
#include <exception>

#include "dokuei/base/random.h"
#include "dokuei/intake/hl7.h"
#include "dokuei/intake/orders.h"

namespace dokuei::intake {
namespace {

std::string AckControlId() { return "DOK" + base::RandomHex(8); }

}  // namespace

base::Result<std::vector<Hl7Sender>> ParseSenderList(std::string_view toml_text) {
  toml::table t;
  try {
    t = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    return base::InvalidArgument(std::string("HL7 sender list: ") + std::string(e.description()));
  }
  std::vector<Hl7Sender> out;
  const toml::array* list = t.at_path("hl7.senders").as_array();
  if (!list) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    const toml::table* e = (*list)[i].as_table();
    const std::string where = "hl7.senders[" + std::to_string(i) + "]";
    if (!e) return base::InvalidArgument(where + ": a table is required");
    Hl7Sender s;
    s.facility = e->get("facility") ? e->get("facility")->value_or(std::string()) : "";
    s.application = e->get("application") ? e->get("application")->value_or(std::string()) : "";
    s.tenant_code = e->get("tenant") ? e->get("tenant")->value_or(std::string()) : "";
    if (const toml::node* id = e->get("tenant_id")) s.tenant_id = id->value_or(int64_t{0});
    if (s.facility.empty()) return base::InvalidArgument(where + ".facility is required");
    if (s.tenant_code.empty() && s.tenant_id <= 0)
      return base::InvalidArgument(where + ": tenant (code) or tenant_id is required");
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<Hl7Sender> ConfigSenderDirectory::Find(std::string_view facility,
                                                     std::string_view facility_uid,
                                                     std::string_view application) {
  for (const Hl7Sender& s : senders_) {
    if (s.facility != facility && (facility_uid.empty() || s.facility != facility_uid)) continue;
    if (!s.application.empty() && s.application != application) continue;
    Hl7Sender out = s;
    if (out.tenant_id <= 0) {
      if (!resolve_) return std::nullopt;
      const std::optional<int64_t> id = resolve_(out.tenant_code);
      if (!id) return std::nullopt;
      out.tenant_id = *id;
    }
    return out;
  }
  return std::nullopt;
}

std::string Hl7Intake::OversizeAck(std::string_view head) {
  Hl7Error e{true,
             Hl7ErrorCode::kApplicationInternalError,
             {"MSH", 1, 0, 0},
             "message too large: split the order or shorten its notes",
             "メッセージが大きすぎます。オーダーを分けるか注記を短くしてください"};
  std::vector<std::string> msh = RawMshFields(head);
  if (msh.size() > 18) msh[18].clear();  // the head may end inside a character: answer in ASCII
  return BuildAck(msh, e, {}, clock_.Now(), AckControlId());
}

Hl7Outcome Hl7Intake::Handle(std::string_view message, std::string_view peer) {
  // Last line of defence for "never a crash": a bug that throws answers AR instead of ending the
  // listener's worker thread (and with it the process).
  try {
    return HandleUnguarded(message, peer);
  } catch (const std::exception& e) {
    Hl7Outcome out;
    Hl7Error err{true,
                 Hl7ErrorCode::kApplicationInternalError,
                 {"MSH", 1, 0, 0},
                 "internal error, please resend later",
                 "内部エラーです。後で再送してください"};
    std::vector<std::string> msh = RawMshFields(message);
    if (msh.size() > 18) msh[18].clear();
    out.ack = BuildAck(msh, err, {}, clock_.Now(), AckControlId());
    out.code = "AR";
    out.error = std::string("internal error: ") + e.what();
    return out;
  }
}

Hl7Outcome Hl7Intake::HandleUnguarded(std::string_view message, std::string_view peer) {
  const base::Timestamp now = clock_.Now();
  Hl7Outcome out;
  auto answer = [&](const std::vector<std::string>& msh, const std::optional<Hl7Error>& err,
                    std::string_view text) {
    out.ack = BuildAck(msh, err, text, now, AckControlId());
    out.code = !err ? "AA" : err->reject ? "AR" : "AE";
    if (err) out.error = err->location.ToString() + ": " + err->message_en;
    return out;
  };
  const std::vector<std::string> raw_msh = RawMshFields(message);
  base::Result<Hl7Message> parsed = ParseHl7(message);
  if (!parsed.ok()) {
    const base::Status& st = parsed.status();
    const bool charset = st.field() == "MSH-18";
    Hl7Error e{true,
               charset ? (st.code() == base::Code::kUnsupported ? Hl7ErrorCode::kTableValueNotFound
                                                                : Hl7ErrorCode::kDataTypeError)
                       : Hl7ErrorCode::kSegmentSequence,
               {"MSH", 1, charset ? 18 : 0, 0},
               st.message(),
               charset ? "文字コード (MSH-18) の扱いに誤りがあります: " + st.message()
                       : "HL7 メッセージとして解釈できません: " + st.message()};
    // An unknown character set is the sender's content error (AE); unreadable framing is AR.
    e.reject = !charset;
    std::vector<std::string> msh = raw_msh;
    if (charset && msh.size() > 18) msh[18].clear();  // answer in ASCII
    return answer(msh, e, {});
  }
  const Hl7Message& m = *parsed;
  const std::vector<std::string>& msh = m.Find("MSH")->fields;
  if (std::optional<Hl7Error> e = CheckOrmHeader(m)) return answer(msh, e, {});

  const Hl7Segment& h = *m.Find("MSH");
  const std::string facility = m.Value(h, 4, 1), facility_uid = m.Value(h, 4, 2);
  const std::optional<Hl7Sender> sender = senders_.Find(facility, facility_uid, m.Value(h, 3, 1));
  if (!sender)
    return answer(msh,
                  Hl7Error{true,
                           Hl7ErrorCode::kUnknownKeyIdentifier,
                           {"MSH", 1, 4, 1},
                           "sending facility '" + facility +
                               "' is not a registered HL7 sender of any hospital",
                           "送信施設 '" + facility + "' は HL7 送信元として登録されていません"},
                  {});

  OrderOrError mapped = OrderFromOrm(m);
  if (!mapped.order) return answer(msh, mapped.error, {});
  const Order& order = *mapped.order;

  workflow::Actor actor;
  actor.tenant_id = sender->tenant_id;
  actor.tenant_kind = identity::TenantKind::kHospital;
  actor.subject = "hl7:" + facility;
  actor.roles = {identity::Role::kHospitalStaff};
  actor.source_address = std::string(peer);
  actor.protocol = "hl7";
  const std::string reason = "HL7 " + m.Value(h, 10);
  OrderReply reply;
  switch (order.control) {
    case OrderControl::kNew:
      reply = NewOrder(actor, order, sender->tenant_id, facility);
      break;
    case OrderControl::kCancel:
      reply = CancelOrder(actor, order, sender->tenant_id, reason);
      break;
    case OrderControl::kChange:
      reply = ChangeOrder(actor, order, sender->tenant_id, reason);
      break;
  }
  out.request_id = reply.request_id;
  return answer(msh, reply.error, reply.text);
}

namespace {

Hl7Error Temporary(const base::Status& st) {
  return {true,
          Hl7ErrorCode::kApplicationInternalError,
          {"MSH", 1, 0, 0},
          "temporary failure, please resend later: " + st.message(),
          "一時的な障害です。後で再送してください"};
}

Hl7Error UnknownPlacer(const Order& o) {
  return {false,
          Hl7ErrorCode::kUnknownKeyIdentifier,
          {"ORC", 1, 2, 1},
          "no reading request has placer order number '" + o.placer_order_number + "'",
          "依頼者オーダー番号 '" + o.placer_order_number + "' の読影依頼はありません"};
}

// The error for a change or cancel the workflow refused because of the request's state.
Hl7Error Locked(const workflow::ReadingRequest& r, std::string_view what_en,
                std::string_view what_ja) {
  const std::string id = std::to_string(r.id);
  const std::string state(workflow::StateName(r.state));
  const bool reported = r.final_at.has_value() || r.state == workflow::State::kDelivered ||
                        r.state == workflow::State::kFinal || r.state == workflow::State::kAddendum;
  if (r.state == workflow::State::kCancelled)
    return {false,
            Hl7ErrorCode::kApplicationRecordLocked,
            {"ORC", 1, 1, 0},
            "reading request " + id + " was cancelled: it cannot be " + std::string(what_en),
            "読影依頼 " + id + " は取消済みのため" + std::string(what_ja) + "できません"};
  if (reported)
    return {false,
            Hl7ErrorCode::kApplicationRecordLocked,
            {"ORC", 1, 1, 0},
            "reading request " + id + " has already been reported (" + state + "): it cannot be " +
                std::string(what_en) + "; contact the reading centre",
            "読影依頼 " + id + " はすでに読影結果が確定しているため" + std::string(what_ja) +
                "できません。読影センターにご連絡ください"};
  return {false,
          Hl7ErrorCode::kApplicationRecordLocked,
          {"ORC", 1, 1, 0},
          "reading request " + id + " is being read (" + state + "): it cannot be " +
              std::string(what_en) + " by message; contact the reading centre",
          "読影依頼 " + id + " は読影中のため" + std::string(what_ja) +
              "できません。読影センターにご連絡ください"};
}

// Not read yet: the details may still change (XO).
bool Changeable(const workflow::ReadingRequest& r) {
  using workflow::State;
  const State s = r.state == State::kOnHold && r.held_from ? *r.held_from : r.state;
  return !r.started_at && (s == State::kReceived || s == State::kReady || s == State::kAssigned);
}

}  // namespace

Hl7Intake::OrderReply Hl7Intake::NewOrder(const workflow::Actor& actor, const Order& order,
                                          int64_t tenant_id, const std::string& facility) {
  OrderReply out;
  workflow::NewRequest nr = order.request;
  nr.tenant_id = tenant_id;
  base::Result<workflow::ReadingRequest> created = requests_.Create(actor, nr);
  if (created.ok()) {
    out.request_id = created->id;
    out.text = "reading request " + std::to_string(created->id) + " created for order " +
               order.placer_order_number;
    return out;
  }
  const base::Status& st = created.status();
  if (st.code() == base::Code::kAlreadyExists && st.field() == "placer_order_number") {
    // A resend (the ACK was lost) finds its request; the same number for another study is an
    // error.
    auto existing = requests_.FindByPlacerOrder(actor, tenant_id, order.placer_order_number);
    if (!existing.ok()) {
      out.error = Temporary(existing.status());
      return out;
    }
    const bool same_study =
        nr.study_uid.empty() || existing->study_uid.empty() || nr.study_uid == existing->study_uid;
    const bool same_accession = nr.order.accession_number.empty() ||
                                existing->order.accession_number.empty() ||
                                nr.order.accession_number == existing->order.accession_number;
    if (same_study && same_accession) {
      out.request_id = existing->id;
      out.text = "order " + order.placer_order_number +
                 " was already received as reading request " + std::to_string(existing->id);
      return out;
    }
    out.error = {false,
                 Hl7ErrorCode::kDuplicateKeyIdentifier,
                 {"ORC", 1, 2, 1},
                 "placer order number '" + order.placer_order_number +
                     "' is already used by reading request " + std::to_string(existing->id) +
                     " for another study",
                 "依頼者オーダー番号 '" + order.placer_order_number +
                     "' は別の検査の読影依頼ですでに使われています"};
    return out;
  }
  switch (st.code()) {
    case base::Code::kAlreadyExists:
    case base::Code::kConflict:
      if (st.field() == "accession_number") {
        out.error = {
            false,
            Hl7ErrorCode::kDuplicateKeyIdentifier,
            {"OBR", 1, 18, 1},
            "an open reading request exists for accession number " + nr.order.accession_number,
            "受付番号 " + nr.order.accession_number + " の読影依頼はすでにあります"};
      } else if (st.field() == "filler_order_number") {
        out.error = {
            false,
            Hl7ErrorCode::kDuplicateKeyIdentifier,
            {"ORC", 1, 3, 1},
            "an open reading request exists for filler order number " +
                nr.order.filler_order_number,
            "実施者オーダー番号 " + nr.order.filler_order_number + " の読影依頼はすでにあります"};
      } else {
        out.error = {false,
                     Hl7ErrorCode::kDuplicateKeyIdentifier,
                     {"ZDS", 1, 1, 1},
                     "an open reading request exists for study " + nr.study_uid,
                     "この検査 (" + nr.study_uid + ") の読影依頼はすでに受け付けています"};
      }
      break;
    case base::Code::kInvalidArgument:
      out.error = {
          false,
          Hl7ErrorCode::kDataTypeError,
          {"OBR", 1, 0, 0},
          "invalid order: " + st.message() + (st.field().empty() ? "" : " (" + st.field() + ")"),
          "オーダー内容が不正です: " + st.message()};
      break;
    case base::Code::kNotFound:
    case base::Code::kPermissionDenied:
      out.error = {true,
                   Hl7ErrorCode::kUnknownKeyIdentifier,
                   {"MSH", 1, 4, 1},
                   "the hospital of sending facility '" + facility + "' is not set up",
                   "送信施設 '" + facility + "' の施設が登録されていません"};
      break;
    default:  // unavailable, internal: the sender may resend later
      out.error = Temporary(st);
      break;
  }
  return out;
}

// The request of the order's placer number in the hospital, or nothing with `out.error` set
// (unknown number: AE 204; a failure of ours: a temporary error the sender may resend).
std::optional<workflow::ReadingRequest> Hl7Intake::PlacedOrder(const workflow::Actor& actor,
                                                              const Order& order,
                                                              int64_t tenant_id,
                                                              OrderReply& out) {
  auto found = requests_.FindByPlacerOrder(actor, tenant_id, order.placer_order_number);
  if (!found.ok()) {
    out.error = found.status().code() == base::Code::kNotFound ? UnknownPlacer(order)
                                                                : Temporary(found.status());
    return std::nullopt;
  }
  out.request_id = found->id;
  return std::move(*found);
}

Hl7Intake::OrderReply Hl7Intake::CancelOrder(const workflow::Actor& actor, const Order& order,
                                             int64_t tenant_id, const std::string& reason) {
  OrderReply out;
  auto found = PlacedOrder(actor, order, tenant_id, out);
  if (!found) return out;
  if (found->state == workflow::State::kCancelled) {  // a resent cancel
    out.text = "reading request " + std::to_string(found->id) + " was already cancelled";
    return out;
  }
  workflow::TransitionOptions o;
  o.expected_version = found->version;
  o.reason = reason;
  auto done = requests_.Transition(actor, found->id, workflow::State::kCancelled, o);
  if (done.ok()) {
    out.text = "reading request " + std::to_string(found->id) + " cancelled (order " +
               order.placer_order_number + ")";
    return out;
  }
  switch (done.status().code()) {
    case base::Code::kFailedPrecondition:
    case base::Code::kPermissionDenied:
      out.error = Locked(*found, "cancelled", "取り消し");
      break;
    default:  // a concurrent change (kConflict) or a failure of ours: resend
      out.error = Temporary(done.status());
      break;
  }
  return out;
}

Hl7Intake::OrderReply Hl7Intake::ChangeOrder(const workflow::Actor& actor, const Order& order,
                                             int64_t tenant_id, const std::string& reason) {
  OrderReply out;
  auto found = PlacedOrder(actor, order, tenant_id, out);
  if (!found) return out;
  if (!Changeable(*found)) {
    out.error = Locked(*found, "changed", "変更");
    return out;
  }
  const workflow::NewRequest& nr = order.request;
  if (!nr.study_uid.empty() && !found->study_uid.empty() && nr.study_uid != found->study_uid) {
    out.error = {false,
                 Hl7ErrorCode::kDataTypeError,
                 {"ZDS", 1, 1, 1},
                 "the change names another study than reading request " +
                     std::to_string(found->id) + " (cancel it and send a new order)",
                 "変更オーダーの検査が読影依頼と一致しません (取り消して新規オーダーを送ってくだ"
                 "さい)"};
    return out;
  }
  // The change replaces what an order carries; what only the portal sets (symptoms, side,
  // priors, attachments, expected series) stays.
  workflow::RequestDetails d = found->details;
  const workflow::RequestDetails& n = nr.details;
  if (order.priority_given) d.priority = n.priority;
  if (!n.clinical_question.empty()) d.clinical_question = n.clinical_question;
  if (n.modality != workflow::Modality::kOther) d.modality = n.modality;
  if (n.region != workflow::Region::kUnspecified) d.region = n.region;
  if (n.desired_return_at) d.desired_return_at = n.desired_return_at;
  workflow::TransitionOptions o;
  o.expected_version = found->version;
  o.reason = reason;
  auto done = requests_.UpdateDetails(actor, found->id, d, o);
  if (done.ok()) {
    out.text = "reading request " + std::to_string(found->id) + " changed (order " +
               order.placer_order_number + ")";
    return out;
  }
  switch (done.status().code()) {
    case base::Code::kFailedPrecondition:
    case base::Code::kPermissionDenied:
      out.error = Locked(*found, "changed", "変更");
      break;
    case base::Code::kInvalidArgument:
      out.error = {false,
                   Hl7ErrorCode::kDataTypeError,
                   {"OBR", 1, 0, 0},
                   "invalid order: " + done.status().message(),
                   "オーダー内容が不正です: " + done.status().message()};
      break;
    default:
      out.error = Temporary(done.status());
      break;
  }
  return out;
}

}  // namespace dokuei::intake
