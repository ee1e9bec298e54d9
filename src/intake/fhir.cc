// FHIR R4 ServiceRequest -> reading request (see fhir.h).
#include "dokuei/intake/fhir.h"

#include <nlohmann/json.hpp>

#include "dokuei/base/clock.h"
#include "dokuei/intake/orders.h"

namespace dokuei::intake {
namespace {

using nlohmann::json;
using workflow::Modality;
using workflow::Priority;
using workflow::Region;

base::Status Invalid(std::string message, std::string path) {
  return base::InvalidArgument(std::move(message), "ServiceRequest." + path);
}

std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  return j[key].get<std::string>();
}

// Every text of a CodeableConcept: codes, displays and the text.
std::string ConceptText(const json& cc) {
  std::string out = Str(cc, "text");
  if (cc.is_object() && cc.contains("coding") && cc["coding"].is_array())
    for (const json& c : cc["coding"]) out += " " + Str(c, "code") + " " + Str(c, "display");
  return out;
}

// The human text of a CodeableConcept: text, else the first display.
std::string ConceptLabel(const json& cc) {
  std::string t = Str(cc, "text");
  if (!t.empty()) return t;
  if (cc.is_object() && cc.contains("coding") && cc["coding"].is_array())
    for (const json& c : cc["coding"])
      if (std::string d = Str(c, "display"); !d.empty()) return d;
  return {};
}

// The array at key, or an empty one (a wrong type is ignored here and never throws).
json Arr(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_array()) return j[key];
  return json::array();
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

base::Result<base::Timestamp> DateTime(const json& v, const std::string& path) {
  if (!v.is_string()) return Invalid("a dateTime string is required", path);
  const std::string s = v.get<std::string>();
  // FHIR dateTime with a time must have a zone; a bare date is taken as the end of that JST day.
  if (s.size() == 10) {
    auto d = base::ParseIso8601(s + "T23:59:00+09:00");
    if (d) return *d;
  } else if (auto t = base::ParseIso8601(s)) {
    return *t;
  }
  return Invalid("'" + s + "' is not a FHIR dateTime (YYYY-MM-DDThh:mm:ss+zz:zz)", path);
}

}  // namespace

base::Result<FhirOrder> FromFhirServiceRequest(std::string_view text, int64_t tenant_id) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return base::InvalidArgument("the body is not a JSON object", "ServiceRequest");
  if (Str(j, "resourceType") != "ServiceRequest")
    return base::InvalidArgument("resourceType must be ServiceRequest", "resourceType");
  FhirOrder o;
  o.fhir_id = Str(j, "id");
  workflow::NewRequest& nr = o.request;
  nr.tenant_id = tenant_id;
  nr.source = "fhir";
  workflow::RequestDetails& d = nr.details;

  const std::string status = Str(j, "status");
  if (status.empty()) return Invalid("status is required", "status");
  if (status != "active")
    return base::Unsupported("status '" + status + "' is not accepted: only active orders",
                             "ServiceRequest.status");
  const std::string intent = Str(j, "intent");
  if (intent.empty()) return Invalid("intent is required", "intent");
  if (intent != "order" && intent != "original-order" && intent != "instance-order" &&
      intent != "filler-order")
    return base::Unsupported("intent '" + intent + "' is not accepted: an order is required",
                             "ServiceRequest.intent");

  const std::string priority = Str(j, "priority");
  if (priority == "stat") {
    d.priority = Priority::kStat;
  } else if (priority == "asap" || priority == "urgent") {
    d.priority = Priority::kSameDay;
  } else if (priority.empty() || priority == "routine") {
    d.priority = Priority::kRoutine;
  } else {
    return Invalid("priority '" + priority + "': routine, urgent, asap or stat", "priority");
  }

  if (j.contains("identifier")) {
    if (!j["identifier"].is_array()) return Invalid("identifier must be an array", "identifier");
    for (const json& id : j["identifier"]) {
      if (!id.is_object()) return Invalid("identifier entries must be objects", "identifier");
      const std::string system = Str(id, "system"), value = Str(id, "value");
      const std::string type = id.contains("type") ? ConceptText(id["type"]) : std::string();
      // A code of the identifier's type (v2-0203: ACSN, PLAC, FILL), as a whole word.
      auto has_type = [&](std::string_view code) {
        for (size_t at = type.find(code); at != std::string::npos; at = type.find(code, at + 1)) {
          const bool start = at == 0 || type[at - 1] == ' ';
          const bool end = at + code.size() == type.size() || type[at + code.size()] == ' ';
          if (start && end) return true;
        }
        return false;
      };
      if (system == "urn:dicom:uid") {
        nr.study_uid = value.rfind("urn:oid:", 0) == 0 ? value.substr(8) : value;
      } else if (has_type("ACSN")) {
        o.accession_number = value;
      } else if (has_type("PLAC")) {
        nr.order.placer_order_number = value;
      } else if (has_type("FILL")) {
        nr.order.filler_order_number = value;
      }
    }
  }
  nr.order.accession_number = o.accession_number;
  if (nr.study_uid.empty() && o.accession_number.empty())
    return Invalid(
        "an identifier with system urn:dicom:uid (the Study Instance UID) or of type ACSN (the "
        "accession number) is required",
        "identifier");

  if (!j.contains("subject") || !j["subject"].is_object())
    return Invalid("subject is required", "subject");
  const json& subject = j["subject"];
  if (subject.contains("identifier")) o.patient_id = Str(subject["identifier"], "value");
  if (o.patient_id.empty()) o.patient_id = Str(subject, "reference");
  if (o.patient_id.empty())
    return Invalid("subject needs identifier.value or reference", "subject");
  nr.order.patient_id = o.patient_id;

  if (!j.contains("code") || !j["code"].is_object()) return Invalid("code is required", "code");
  const std::string code = ConceptText(j["code"]);
  for (const json& c : Arr(j["code"], "coding"))
    if (Str(c, "system") == "http://dicom.nema.org/resources/ontology/DCM" &&
        d.modality == Modality::kOther)
      d.modality = workflow::ModalityFromDicom(Str(c, "code"));
  if (d.modality == Modality::kOther) d.modality = ModalityFromText(code);

  std::string sites;
  if (j.contains("bodySite")) {
    if (!j["bodySite"].is_array()) return Invalid("bodySite must be an array", "bodySite");
    for (const json& s : j["bodySite"]) sites += " " + ConceptText(s);
  }
  d.region = RegionFromText(sites);
  if (d.region == Region::kUnspecified) d.region = RegionFromText(code);

  std::string question;
  auto add = [&](const std::string& s) {
    if (!s.empty()) question += (question.empty() ? "" : "\n") + s;
  };
  for (const json& r : Arr(j, "reasonCode")) add(ConceptLabel(r));
  for (const json& n : Arr(j, "note")) add(Str(n, "text"));
  d.clinical_question = Truncate(std::move(question), 4000);

  for (const json& e : Arr(j, "extension")) {
    if (Str(e, "url") != kDesiredReturnExtension) continue;
    if (!e.contains("valueDateTime"))
      return Invalid("the desired-return-time extension needs valueDateTime", "extension");
    DOKUEI_ASSIGN_OR_RETURN(d.desired_return_at, DateTime(e["valueDateTime"], "extension"));
  }
  if (!d.desired_return_at && j.contains("occurrencePeriod") && j["occurrencePeriod"].is_object() &&
      j["occurrencePeriod"].contains("end")) {
    DOKUEI_ASSIGN_OR_RETURN(d.desired_return_at,
                            DateTime(j["occurrencePeriod"]["end"], "occurrencePeriod.end"));
  }
  if (!d.desired_return_at && j.contains("occurrenceDateTime")) {
    DOKUEI_ASSIGN_OR_RETURN(d.desired_return_at,
                            DateTime(j["occurrenceDateTime"], "occurrenceDateTime"));
  }
  return o;
}

std::string ToFhirServiceRequest(const workflow::ReadingRequest& r) {
  using workflow::State;
  json ids = json::array();
  if (!r.study_uid.empty())
    ids.push_back({{"system", "urn:dicom:uid"}, {"value", "urn:oid:" + r.study_uid}});
  auto typed = [&](const char* code, const std::string& value) {
    if (value.empty()) return;
    ids.push_back(
        {{"type", {{"coding", json::array({{{"system", kIdentifierTypeSystem}, {"code", code}}})}}},
         {"value", value}});
  };
  typed("PLAC", r.order.placer_order_number);
  typed("FILL", r.order.filler_order_number);
  typed("ACSN", r.order.accession_number);

  std::string status = "active";
  if (r.state == State::kOnHold) status = "on-hold";
  if (r.state == State::kCancelled) status = "revoked";
  if (r.state == State::kFinal || r.state == State::kDelivered || r.state == State::kAddendum)
    status = "completed";
  const char* priority = r.details.priority == workflow::Priority::kStat      ? "stat"
                         : r.details.priority == workflow::Priority::kSameDay ? "asap"
                                                                              : "routine";
  json j = {{"resourceType", "ServiceRequest"},
            {"id", std::to_string(r.id)},
            {"meta",
             {{"versionId", std::to_string(r.version)},
              {"lastUpdated", base::FormatIso8601(r.updated_at)}}},
            {"status", status},
            {"intent", "order"},
            {"priority", priority},
            {"authoredOn", base::FormatIso8601(r.received_at)}};
  if (!ids.empty()) j["identifier"] = ids;
  const char* dicom = nullptr;
  switch (r.details.modality) {
    case Modality::kMr:
      dicom = "MR";
      break;
    case Modality::kCt:
      dicom = "CT";
      break;
    case Modality::kXray:
      dicom = "DX";
      break;
    case Modality::kOther:
      break;
  }
  json code = {{"text", std::string(workflow::ModalityLabel(r.details.modality, "ja"))}};
  if (dicom)
    code["coding"] = json::array(
        {{{"system", "http://dicom.nema.org/resources/ontology/DCM"}, {"code", dicom}}});
  j["code"] = code;
  const char* site = nullptr;
  switch (r.details.region) {
    case Region::kCervical:
      site = "122494005";
      break;
    case Region::kThoracic:
      site = "122495006";
      break;
    case Region::kLumbar:
      site = "122496007";
      break;
    case Region::kWholeSpine:
      site = "421060004";
      break;
    case Region::kUnspecified:
      break;
  }
  if (site)
    j["bodySite"] = json::array(
        {{{"coding", json::array({{{"system", "http://snomed.info/sct"}, {"code", site}}})},
          {"text", std::string(workflow::RegionLabel(r.details.region, "ja"))}}});
  const std::string& patient = r.order.patient_id;
  if (patient.empty()) {
    j["subject"] = {{"display", "unknown"}};
  } else if (patient.find('/') != std::string::npos) {
    j["subject"] = {{"reference", patient}};
  } else {
    j["subject"] = {{"identifier", {{"value", patient}}}};
  }
  if (!r.details.clinical_question.empty())
    j["reasonCode"] = json::array({{{"text", r.details.clinical_question}}});
  if (r.details.desired_return_at)
    j["extension"] =
        json::array({{{"url", kDesiredReturnExtension},
                      {"valueDateTime", base::FormatIso8601(*r.details.desired_return_at)}}});
  return j.dump();
}

int FhirHttpStatus(const base::Status& st) {
  switch (st.code()) {
    case base::Code::kInvalidArgument:
      return 400;
    case base::Code::kUnsupported:
      return 422;
    case base::Code::kAlreadyExists:
    case base::Code::kConflict:
    case base::Code::kFailedPrecondition:
      return 409;
    case base::Code::kPermissionDenied:
      return 403;
    case base::Code::kUnauthenticated:
      return 401;
    case base::Code::kNotFound:
      return 404;
    case base::Code::kUnavailable:
    case base::Code::kTimeout:
      return 503;
    default:
      return 500;
  }
}

std::string FhirOperationOutcome(const base::Status& st, std::string_view lang) {
  const bool en = lang == "en";
  std::string code = "exception", ja = "処理できませんでした", english = "could not be processed";
  switch (st.code()) {
    case base::Code::kInvalidArgument:
      code = st.message().find("required") != std::string::npos ? "required" : "invalid";
      ja = "ServiceRequest の内容が不正です";
      english = "the ServiceRequest is invalid";
      break;
    case base::Code::kUnsupported:
      code = "not-supported";
      ja = "この ServiceRequest には対応していません";
      english = "this ServiceRequest is not supported";
      break;
    case base::Code::kAlreadyExists:
    case base::Code::kConflict:
      code = "duplicate";
      ja = "この検査の読影依頼はすでにあります";
      english = "an open reading request exists for this study";
      break;
    case base::Code::kPermissionDenied:
    case base::Code::kUnauthenticated:
      code = "forbidden";
      ja = "権限がありません";
      english = "not allowed";
      break;
    case base::Code::kNotFound:
      code = "not-found";
      ja = "見つかりません";
      english = "not found";
      break;
    case base::Code::kUnavailable:
    case base::Code::kTimeout:
      code = "transient";
      ja = "一時的な障害です。後で再送してください";
      english = "temporary failure, please retry";
      break;
    default:
      break;
  }
  json issue = {{"severity", "error"},
                {"code", code},
                {"details", {{"text", en ? english : ja}}},
                {"diagnostics", st.message()}};
  if (!st.field().empty()) issue["expression"] = json::array({st.field()});
  return json{{"resourceType", "OperationOutcome"}, {"issue", json::array({issue})}}.dump();
}

}  // namespace dokuei::intake
