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
    Hl7Error err{true, Hl7ErrorCode::kApplicationInternalError, {"MSH", 1, 0, 0},
                 "internal error, please resend later", "内部エラーです。後で再送してください"};
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
  workflow::NewRequest nr = mapped.order->request;
  nr.tenant_id = sender->tenant_id;

  workflow::Actor actor;
  actor.tenant_id = sender->tenant_id;
  actor.tenant_kind = identity::TenantKind::kHospital;
  actor.subject = "hl7:" + facility;
  actor.roles = {identity::Role::kHospitalStaff};
  actor.source_address = std::string(peer);
  actor.protocol = "hl7";
  base::Result<workflow::ReadingRequest> created = requests_.Create(actor, nr);
  if (created.ok()) {
    out.request_id = created->id;
    return answer(msh, std::nullopt,
                  "reading request " + std::to_string(created->id) + " created for order " +
                      mapped.order->placer_order_number);
  }
  const base::Status& st = created.status();
  Hl7Error e;
  switch (st.code()) {
    case base::Code::kAlreadyExists:
    case base::Code::kConflict:
      e = {false,
           Hl7ErrorCode::kDuplicateKeyIdentifier,
           {"ZDS", 1, 1, 1},
           "an open reading request exists for study " + nr.study_uid,
           "この検査 (" + nr.study_uid + ") の読影依頼はすでに受け付けています"};
      break;
    case base::Code::kInvalidArgument:
      e = {false,
           Hl7ErrorCode::kDataTypeError,
           {"OBR", 1, 0, 0},
           "invalid order: " + st.message() + (st.field().empty() ? "" : " (" + st.field() + ")"),
           "オーダー内容が不正です: " + st.message()};
      break;
    case base::Code::kNotFound:
    case base::Code::kPermissionDenied:
      e = {true,
           Hl7ErrorCode::kUnknownKeyIdentifier,
           {"MSH", 1, 4, 1},
           "the hospital of sending facility '" + facility + "' is not set up",
           "送信施設 '" + facility + "' の施設が登録されていません"};
      break;
    default:  // unavailable, internal: the sender may resend later
      e = {true,
           Hl7ErrorCode::kApplicationInternalError,
           {"MSH", 1, 0, 0},
           "temporary failure, please resend later: " + st.message(),
           "一時的な障害です。後で再送してください"};
      break;
  }
  return answer(msh, e, {});
}

}  // namespace dokuei::intake
