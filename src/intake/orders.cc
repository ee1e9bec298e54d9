// ORM^O01 -> reading request, ACK building, and procedure text mapping (see orders.h).
#include "dokuei/intake/orders.h"

#include <algorithm>
#include <cctype>

#include "dokuei/base/clock.h"

namespace dokuei::intake {
namespace {

using workflow::Modality;
using workflow::Priority;
using workflow::Region;

constexpr size_t kMaxQuestionChars = 4000;  // workflow's limit for clinical_question

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// ASCII words of a text, upper case (non-ASCII bytes and punctuation separate words).
std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80 && std::isalnum(c)) {
      cur.push_back(static_cast<char>(std::toupper(c)));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool HasWord(const std::vector<std::string>& words, std::initializer_list<std::string_view> any) {
  for (const auto& w : words)
    for (std::string_view a : any)
      if (w == a) return true;
  return false;
}

bool Contains(std::string_view text, std::initializer_list<std::string_view> any) {
  for (std::string_view a : any)
    if (text.find(a) != std::string_view::npos) return true;
  return false;
}

// A DICOM UID: digits and dots, components without leading zeros, at most 64 characters, and at
// least three components (so that accession numbers such as "12345" do not pass).
bool LooksLikeUid(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '.' || s.back() == '.') return false;
  int dots = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (s[i - 1] == '.') return false;
      ++dots;
    } else if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    } else if (s[i] == '0' && (i == 0 || s[i - 1] == '.') && i + 1 < s.size() && s[i + 1] != '.') {
      return false;
    }
  }
  return dots >= 2;
}

// UTF-8 prefix of at most n code points.
std::string Truncate(std::string s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (count++ == n) {
      s.resize(i);
      break;
    }
  }
  return s;
}

Hl7Error Error(bool reject, Hl7ErrorCode code, Hl7Location loc, std::string en, std::string ja) {
  return Hl7Error{reject, code, std::move(loc), std::move(en), std::move(ja)};
}

std::optional<Priority> PriorityFromCode(std::string_view code) {
  const std::string c = Upper(code);
  if (c == "S" || c == "T" || c == "STAT") return Priority::kStat;
  if (c == "A" || c == "ASAP") return Priority::kSameDay;
  if (c == "R" || c == "P" || c == "C" || c == "ROUTINE") return Priority::kRoutine;
  return std::nullopt;
}

// An HL7 DTM (YYYYMMDD[HH[MM[SS[.S+]]]][+/-ZZZZ]) as a time; without a zone it is Japan time,
// a bare date the end of that day (23:59 JST).
std::optional<base::Timestamp> FromHl7Time(std::string_view v) {
  std::string digits, zone = "+09:00";
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) digits.push_back(v[i++]);
  if (i < v.size() && v[i] == '.') {
    ++i;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  }
  if (i < v.size()) {
    const std::string_view z = v.substr(i);
    if (z.size() != 5 || (z[0] != '+' && z[0] != '-') ||
        !std::all_of(z.begin() + 1, z.end(), [](char c) { return std::isdigit(c); }))
      return std::nullopt;
    zone = std::string(z.substr(0, 3)) + ":" + std::string(z.substr(3));
  }
  if (digits.size() == 8) digits += "2359";
  if (digits.size() != 12 && digits.size() != 14) return std::nullopt;
  if (digits.size() == 12) digits += "00";
  const std::string iso = digits.substr(0, 4) + "-" + digits.substr(4, 2) + "-" +
                          digits.substr(6, 2) + "T" + digits.substr(8, 2) + ":" +
                          digits.substr(10, 2) + ":" + digits.substr(12, 2) + zone;
  return base::ParseIso8601(iso);
}

// "yyyymmddhhmmss+0900" in Japan time (HL7 DTM).
std::string Hl7Time(base::Timestamp t) {
  const base::Timestamp jst = t + std::chrono::hours(9);
  return base::FormatDicomDate(jst) + base::FormatDicomTime(jst).substr(0, 6) + "+0900";
}

// A raw MSH field safe to echo: printable ASCII only (anything else is dropped).
std::string Safe(const std::vector<std::string>& msh, size_t i) {
  if (i >= msh.size()) return {};
  for (unsigned char c : msh[i])
    if (c < 0x20 || c >= 0x7F) return {};
  return msh[i];
}

}  // namespace

std::string_view Hl7ErrorText(Hl7ErrorCode c) {
  switch (c) {
    case Hl7ErrorCode::kSegmentSequence:
      return "Segment sequence error";
    case Hl7ErrorCode::kRequiredFieldMissing:
      return "Required field missing";
    case Hl7ErrorCode::kDataTypeError:
      return "Data type error";
    case Hl7ErrorCode::kTableValueNotFound:
      return "Table value not found";
    case Hl7ErrorCode::kUnsupportedMessageType:
      return "Unsupported message type";
    case Hl7ErrorCode::kUnsupportedEventCode:
      return "Unsupported event code";
    case Hl7ErrorCode::kUnsupportedProcessingId:
      return "Unsupported processing id";
    case Hl7ErrorCode::kUnsupportedVersionId:
      return "Unsupported version id";
    case Hl7ErrorCode::kUnknownKeyIdentifier:
      return "Unknown key identifier";
    case Hl7ErrorCode::kDuplicateKeyIdentifier:
      return "Duplicate key identifier";
    case Hl7ErrorCode::kApplicationRecordLocked:
      return "Application record locked";
    case Hl7ErrorCode::kApplicationInternalError:
      return "Application internal error";
  }
  return "Application internal error";
}

Modality ModalityFromText(std::string_view text) {
  const std::vector<std::string> w = Words(text);
  if (HasWord(w, {"MR", "MRI", "MRA", "NMR"}) || Contains(text, {"ＭＲ", "磁気共鳴"}))
    return Modality::kMr;
  if (HasWord(w, {"CT", "MDCT"}) || Contains(text, {"ＣＴ"})) return Modality::kCt;
  if (HasWord(w,
              {"CR", "DX", "DR", "RF", "XR", "XP", "RAD", "RADIOGRAPH", "RADIOGRAPHY", "XRAY"}) ||
      Upper(text).find("X-RAY") != std::string::npos ||
      Contains(text, {"単純", "レントゲン", "X線", "Ｘ線", "一般撮影", "X-P", "Ｘ－Ｐ"}))
    return Modality::kXray;
  return Modality::kOther;
}

Region RegionFromText(std::string_view text) {
  const std::string u = Upper(text);
  if (Contains(text, {"全脊椎", "全脊柱", "421060004"}) ||
      Contains(u, {"WHOLE SPINE", "ENTIRE SPINE", "TOTAL SPINE", "WHOLE-SPINE", "WHOLESPINE"}))
    return Region::kWholeSpine;
  const bool cervical = Contains(text, {"頸椎", "頚椎", "122494005"}) ||
                        Contains(u, {"CERVICAL", "C-SPINE", "CSPINE"});
  const bool thoracic =
      Contains(text, {"胸椎", "122495006"}) || Contains(u, {"THORACIC", "T-SPINE", "TSPINE"});
  const bool lumbar = Contains(text, {"腰椎", "122496007"}) ||
                      Contains(u, {"LUMBAR", "L-SPINE", "LSPINE", "LUMBOSACRAL"});
  const int n = int{cervical} + int{thoracic} + int{lumbar};
  if (n >= 2) return Region::kWholeSpine;  // more than one region: read (and timed) as whole
  if (cervical) return Region::kCervical;
  if (thoracic) return Region::kThoracic;
  if (lumbar) return Region::kLumbar;
  return Region::kUnspecified;
}

std::optional<Hl7Error> CheckOrmHeader(const Hl7Message& m) {
  const Hl7Segment& msh = *m.Find("MSH");
  const std::string type = m.Value(msh, 9, 1), event = m.Value(msh, 9, 2);
  if (type != "ORM")
    return Error(true, Hl7ErrorCode::kUnsupportedMessageType, {"MSH", 1, 9, 1},
                 "message type '" + type + "' is not supported (ORM^O01 only)",
                 "メッセージ型 '" + type + "' には対応していません (ORM^O01 のみ)");
  if (event != "O01")
    return Error(true, Hl7ErrorCode::kUnsupportedEventCode, {"MSH", 1, 9, 2},
                 "event '" + event + "' is not supported (ORM^O01 only)",
                 "イベント '" + event + "' には対応していません (ORM^O01 のみ)");
  if (m.Value(msh, 10).empty())
    return Error(true, Hl7ErrorCode::kRequiredFieldMissing, {"MSH", 1, 10, 0},
                 "MSH-10 message control id is required",
                 "MSH-10 (メッセージ制御 ID) がありません");
  const std::string version = m.Value(msh, 12, 1);
  if (version.size() < 3 || version.substr(0, 2) != "2.")
    return Error(true, Hl7ErrorCode::kUnsupportedVersionId, {"MSH", 1, 12, 0},
                 "version '" + version + "' is not supported (2.3 to 2.5)",
                 "バージョン '" + version + "' には対応していません (2.3〜2.5)");
  return std::nullopt;
}

OrderOrError OrderFromOrm(const Hl7Message& m) {
  OrderOrError out;
  auto fail = [&](Hl7ErrorCode code, Hl7Location loc, std::string en, std::string ja) {
    out.error = Error(false, code, std::move(loc), std::move(en), std::move(ja));
    return out;
  };
  const Hl7Segment& msh = *m.Find("MSH");
  Order o;
  o.control_id = m.Value(msh, 10);
  o.sending_application = m.Value(msh, 3, 1);
  o.sending_facility = m.Value(msh, 4, 1);
  o.sending_facility_uid = m.Value(msh, 4, 2);

  const Hl7Segment* pid = m.Find("PID");
  const Hl7Segment* orc = m.Find("ORC");
  const Hl7Segment* obr = m.Find("OBR");
  if (!pid)
    return fail(Hl7ErrorCode::kSegmentSequence, {"PID", 1, 0, 0}, "PID segment missing",
                "PID セグメントがありません");
  if (!orc)
    return fail(Hl7ErrorCode::kSegmentSequence, {"ORC", 1, 0, 0}, "ORC segment missing",
                "ORC セグメントがありません");
  if (!obr)
    return fail(Hl7ErrorCode::kSegmentSequence, {"OBR", 1, 0, 0}, "OBR segment missing",
                "OBR セグメントがありません");
  if (m.Find("ORC", 2) || m.Find("OBR", 2))
    return fail(Hl7ErrorCode::kSegmentSequence, {"ORC", 2, 0, 0},
                "one order per message (a second ORC/OBR was found)",
                "1 メッセージにつき 1 オーダーです (2 つ目の ORC/OBR があります)");

  o.patient_id = m.Value(*pid, 3, 1);
  if (o.patient_id.empty())
    return fail(Hl7ErrorCode::kRequiredFieldMissing, {"PID", 1, 3, 1},
                "PID-3 patient identifier is required", "PID-3 (患者 ID) がありません");
  o.patient_name = m.Value(*pid, 5, 1);
  if (std::string given = m.Value(*pid, 5, 2); !given.empty()) o.patient_name += " " + given;

  const std::string control = Upper(m.Value(*orc, 1));
  if (control == "NW") {
    o.control = OrderControl::kNew;
  } else if (control == "CA") {
    o.control = OrderControl::kCancel;
  } else if (control == "XO") {
    o.control = OrderControl::kChange;
  } else {
    return fail(Hl7ErrorCode::kTableValueNotFound, {"ORC", 1, 1, 0},
                "ORC-1 order control '" + control +
                    "' is not supported: NW (new), CA (cancel) and XO (change) only; status "
                    "messages are not accepted",
                "ORC-1 (オーダー制御) '" + control +
                    "' には対応していません。新規 (NW)・取消 (CA)・変更 (XO) のみです。状態通知は"
                    "受け付けていません");
  }
  o.placer_order_number = m.Value(*orc, 2, 1);
  if (o.placer_order_number.empty()) o.placer_order_number = m.Value(*obr, 2, 1);
  if (o.placer_order_number.empty())
    return fail(Hl7ErrorCode::kRequiredFieldMissing, {"ORC", 1, 2, 1},
                "ORC-2 (or OBR-2) placer order number is required",
                "ORC-2 (または OBR-2) の依頼者オーダー番号がありません");
  o.filler_order_number = m.Value(*orc, 3, 1);
  if (o.filler_order_number.empty()) o.filler_order_number = m.Value(*obr, 3, 1);
  o.accession_number = m.Value(*obr, 18, 1);
  if (o.accession_number.empty() && !LooksLikeUid(o.filler_order_number))
    o.accession_number = o.filler_order_number;
  o.request.order = {o.accession_number, o.placer_order_number, o.filler_order_number,
                     o.patient_id};
  o.request.source = "hl7";

  // Study Instance UID: ZDS-1 (IHE), else an OBR field holding a UID; without one, the study is
  // matched by its accession number when it arrives.
  std::string uid;
  if (const Hl7Segment* zds = m.Find("ZDS")) uid = m.Value(*zds, 1, 1);
  if (uid.empty())
    for (int f : {3, 18, 19, 20})
      if (std::string v = m.Value(*obr, f, 1); LooksLikeUid(v)) {
        uid = v;
        break;
      }
  if (uid.empty() && o.accession_number.empty() && o.control != OrderControl::kCancel)
    return fail(Hl7ErrorCode::kRequiredFieldMissing, {"ZDS", 1, 1, 1},
                "ZDS-1 Study Instance UID or OBR-18 accession number is required (the images are "
                "matched by it)",
                "ZDS-1 (Study Instance UID) または OBR-18 (受付番号) がありません (画像との照合に"
                "必要です)");
  if (!uid.empty() && !LooksLikeUid(uid))
    return fail(Hl7ErrorCode::kDataTypeError, {"ZDS", 1, 1, 1},
                "ZDS-1 '" + uid + "' is not a valid DICOM UID",
                "ZDS-1 '" + uid + "' は DICOM UID として不正です");
  o.request.study_uid = uid;

  workflow::RequestDetails& d = o.request.details;
  o.procedure_code = m.Value(*obr, 4, 1);
  o.procedure_text = m.Value(*obr, 4, 2);
  const std::string procedure = o.procedure_code + " " + o.procedure_text + " " +
                                m.Value(*obr, 4, 4) + " " + m.Value(*obr, 4, 5);
  if (std::string dicom = Upper(m.Value(*obr, 24, 1)); !dicom.empty())
    d.modality = workflow::ModalityFromDicom(dicom);
  if (d.modality == Modality::kOther) d.modality = ModalityFromText(procedure);
  d.region = RegionFromText(procedure + " " + m.Value(*obr, 15, 1) + " " + m.Value(*obr, 15, 2) +
                            " " + m.Value(*obr, 46, 1) + " " + m.Value(*obr, 46, 2));

  // Priority: ORC-7.6, OBR-27.6, TQ1-9, OBR-5.
  struct Source {
    const Hl7Segment* seg;
    int field, component;
  };
  const Hl7Segment* tq1 = m.Find("TQ1");
  for (const Source& s :
       {Source{orc, 7, 6}, Source{obr, 27, 6}, Source{tq1, 9, 1}, Source{obr, 5, 1}}) {
    if (!s.seg) continue;
    const std::string code = m.Value(*s.seg, s.field, s.component);
    if (code.empty()) continue;
    const std::optional<Priority> p = PriorityFromCode(code);
    if (!p)
      return fail(Hl7ErrorCode::kTableValueNotFound, {s.seg->id, 1, s.field, s.component},
                  s.seg->id + "-" + std::to_string(s.field) + " priority '" + code +
                      "' is not one of S (STAT), A (ASAP: same day), R (routine)",
                  s.seg->id + "-" + std::to_string(s.field) + " の優先度 '" + code +
                      "' が不正です (S: 緊急、A: 当日、R: 通常)");
    d.priority = *p;
    o.priority_given = true;
    break;
  }

  // Desired return time: TQ1-8 (end date/time), ORC-7.5, OBR-27.5.
  for (const Source& s : {Source{tq1, 8, 1}, Source{orc, 7, 5}, Source{obr, 27, 5}}) {
    if (!s.seg) continue;
    const std::string v = m.Value(*s.seg, s.field, s.component);
    if (v.empty()) continue;
    const std::optional<base::Timestamp> t = FromHl7Time(v);
    if (!t)
      return fail(Hl7ErrorCode::kDataTypeError, {s.seg->id, 1, s.field, s.component},
                  s.seg->id + "-" + std::to_string(s.field) + " end date/time '" + v +
                      "' is not an HL7 date/time (YYYYMMDDHHMM[SS][+ZZZZ])",
                  s.seg->id + "-" + std::to_string(s.field) + " の終了日時 '" + v +
                      "' が日時として不正です");
    d.desired_return_at = *t;
    break;
  }

  // Clinical question: OBR-13, OBR-31 (text or code text), the NTE segments of the order.
  std::vector<std::string> parts;
  if (std::string v = m.Value(*obr, 13); !v.empty()) parts.push_back(v);
  for (int r = 0; r < m.Repetitions(*obr, 31); ++r) {
    std::string v = m.Value(*obr, 31, 2, r);
    if (v.empty()) v = m.Value(*obr, 31, 1, r);
    if (!v.empty()) parts.push_back(v);
  }
  bool after_order = false;
  for (const Hl7Segment& s : m.segments()) {
    if (s.id == "ORC" || s.id == "OBR") after_order = true;
    if (s.id != "NTE" || !after_order) continue;
    for (int r = 0; r < m.Repetitions(s, 3); ++r)
      if (std::string v = m.Value(s, 3, 1, r); !v.empty()) parts.push_back(v);
  }
  std::string question;
  for (const std::string& p : parts) question += (question.empty() ? "" : "\n") + p;
  d.clinical_question = Truncate(std::move(question), kMaxQuestionChars);
  out.order = std::move(o);
  return out;
}

std::string BuildAck(const std::vector<std::string>& msh, const std::optional<Hl7Error>& error,
                     std::string_view text, base::Timestamp now, std::string_view control_id) {
  const std::string charset = Safe(msh, 18);
  std::string version = Safe(msh, 12);
  if (version.empty()) version = "2.5";
  std::string processing = Safe(msh, 11);
  if (processing.empty()) processing = "P";
  const bool japanese = [&] {
    auto c = DicomCharsetOf(charset);
    return c.ok() && !c->empty();
  }();
  const Hl7Delimiters d;
  // Without a character set the ACK is ASCII: other characters (a facility name quoted in a
  // message) become '?'.
  auto text_of = [&](std::string_view t) {
    std::string out = Hl7Escape(t, d);
    if (!japanese)
      for (char& c : out)
        if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    return out;
  };
  std::string ack = "MSH|^~\\&|DOKUEI|DOKUEI|" + Safe(msh, 3) + "|" + Safe(msh, 4) + "|" +
                    Hl7Time(now) + "||ACK^O01^ACK|" + std::string(control_id) + "|" + processing +
                    "|" + version + "||||||" + (japanese ? charset : std::string()) + "\r";
  const std::string code = !error ? "AA" : error->reject ? "AR" : "AE";
  ack += "MSA|" + code + "|" + Safe(msh, 10) + "|" +
         text_of(error ? std::string_view(error->message_en) : text) + "\r";
  if (error) {
    const Hl7Location& l = error->location;
    ack += "ERR||" + l.segment + "^" + std::to_string(l.sequence) + "^" +
           (l.field ? std::to_string(l.field) : std::string()) + "^" + (l.field ? "1" : "") + "^" +
           (l.component ? std::to_string(l.component) : std::string()) + "|" +
           std::to_string(static_cast<int>(error->code)) + "^" +
           std::string(Hl7ErrorText(error->code)) + "^HL70357|E|||" + text_of(error->message_en) +
           "|" + text_of(japanese ? error->message_ja : error->message_en) + "\r";
  }
  if (!japanese) return ack;
  auto encoded = EncodeHl7(ack, charset);
  if (encoded.ok()) return *encoded;
  // A character the set cannot carry: answer in ASCII instead.
  std::vector<std::string> ascii = msh;
  if (ascii.size() > 18) ascii[18].clear();
  return BuildAck(ascii, error, text, now, control_id);
}

}  // namespace dokuei::intake
