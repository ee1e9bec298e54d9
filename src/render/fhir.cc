#include "dokuei/render/fhir.h"

#include <nlohmann/json.hpp>
#include <map>
#include <set>

#include "dokuei/base/random.h"
#include "format.h"
#include "sr_codes.h"

namespace dokuei::render {
namespace {

using json = nlohmann::ordered_json;

std::string NewUrnUuid() {
  std::string h = base::RandomHex(16);
  h[12] = '4';                                                  // version 4
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];  // RFC 4122 variant
  return "urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
         h.substr(16, 4) + "-" + h.substr(20);
}

std::string FhirStatus(const std::string& status) {
  if (status == "addendum") return "appended";
  if (status == "preliminary") return "preliminary";
  return "final";
}

// Observations are re-sent with each version; an addendum may have changed them.
std::string ObservationStatus(const std::string& status) {
  if (status == "addendum") return "amended";
  if (status == "preliminary") return "preliminary";
  return "final";
}

json Coding(const std::string& system, const std::string& code, const std::string& display) {
  json c = {{"system", system}, {"code", code}};
  if (!display.empty()) c["display"] = display;
  return c;
}

json Concept(json coding, const std::string& text = "") {
  json c = {{"coding", json::array({std::move(coding)})}};
  if (!text.empty()) c["text"] = text;
  return c;
}

// YYYYMMDD + HHMMSS -> FHIR dateTime with the hospital's offset; date only without a time.
std::string StudyDateTime(const spine::StudyRef& s, const std::string& tz) {
  if (s.study_date.size() != 8) return "";
  std::string d =
      s.study_date.substr(0, 4) + "-" + s.study_date.substr(4, 2) + "-" + s.study_date.substr(6, 2);
  if (s.study_time.size() < 4) return d;
  std::string t = s.study_time.substr(0, 2) + ":" + s.study_time.substr(2, 2) + ":" +
                  (s.study_time.size() >= 6 ? s.study_time.substr(4, 2) : "00");
  return d + "T" + t + tz;
}

json Quantity(double value, const std::string& unit) {
  std::string code = unit == "ratio" ? "1" : unit;
  return {
      {"value", value}, {"unit", code}, {"system", "http://unitsofmeasure.org"}, {"code", code}};
}

class BundleBuilder {
 public:
  BundleBuilder(const spine::Document& doc, const FhirOptions& o) : doc_(doc), options_(o) {}

  json Subject() const {
    json identifier = {{"value", doc_.study.patient_id}};
    if (!options_.patient_id_system.empty()) identifier["system"] = options_.patient_id_system;
    json s = {{"type", "Patient"}, {"identifier", identifier}};
    const std::string name = DisplayName(doc_.study.patient_name, doc_.lang);
    if (!name.empty()) s["display"] = name;
    return s;
  }

  json Identifier(const std::string& suffix) const {
    return json::array(
        {{{"system", kFhirReportIdentifierSystem}, {"value", options_.report_id + suffix}}});
  }

  json Entry(json resource, const std::string& type, const std::string& identifier_value) {
    const std::string url = NewUrnUuid();
    return {{"fullUrl", url},
            {"resource", std::move(resource)},
            {"request",
             {{"method", "PUT"},
              {"url", type + "?identifier=" + std::string(kFhirReportIdentifierSystem) + "|" +
                          identifier_value}}}};
  }

  json ObservationBase(const std::string& key, json code, const std::string& site) const {
    json o = {
        {"resourceType", "Observation"},
        {"identifier", Identifier("/" + key)},
        {"status", ObservationStatus(doc_.status)},
        {"category",
         json::array({Concept(Coding("http://terminology.hl7.org/CodeSystem/observation-category",
                                     "imaging", "Imaging"))})},
        {"code", std::move(code)},
        {"subject", Subject()}};
    const std::string effective = StudyDateTime(doc_.study, options_.study_timezone);
    if (!effective.empty()) o["effectiveDateTime"] = effective;
    if (!doc_.released_at.empty()) o["issued"] = doc_.released_at;
    if (!site.empty()) {
      o["bodySite"] =
          Concept(Coding(std::string(kFhirCodeSystemBase) + "spine-site", site, site), site);
    }
    return o;
  }

  json Finding(const spine::CodedFinding& f) const {
    const std::string& lang = doc_.lang;
    const std::string label = f.field_label.In(lang).empty() ? f.field : f.field_label.In(lang);
    std::string key = (f.site.empty() ? "global" : f.site) + "/" + f.field;
    if (!f.side.empty()) key += "/" + f.side;
    json o = ObservationBase(
        key,
        Concept(Coding(std::string(kFhirCodeSystemBase) + "spine-field", f.field, label), label),
        f.site);
    if (f.number.has_value()) {
      o["valueQuantity"] = Quantity(*f.number, f.unit);
    } else if (!f.value_code.empty()) {
      const std::string display = f.value_label.In(lang);
      o["valueCodeableConcept"] = Concept(Coding(std::string(kFhirCodeSystemBase) + "spine-value-" +
                                                     (f.value_set.empty() ? f.field : f.value_set),
                                                 f.value_code, display),
                                          display);
    } else {
      o["valueString"] = f.text;
    }
    if (f.side == "left" || f.side == "right") {
      const bool left = f.side == "left";
      o["component"] = json::array(
          {{{"code", Concept(Coding("http://snomed.info/sct", "272741003", "Laterality"))},
            {"valueCodeableConcept",
             Concept(Coding("http://snomed.info/sct", left ? "7771000" : "24028007",
                            left ? "Left" : "Right"))}}});
    }
    return o;
  }

  json MeasurementObservation(const spine::Measurement& m) const {
    json o =
        ObservationBase("measurement/" + m.id,
                        Concept(Coding(std::string(kFhirCodeSystemBase) + "spine-measurement",
                                       m.kind, codes::MeasurementCode(m.kind, doc_.lang).meaning)),
                        m.site);
    o["valueQuantity"] = Quantity(m.value, m.unit);
    if (!m.grade.empty()) {
      o["interpretation"] = json::array({Concept(
          Coding(std::string(kFhirCodeSystemBase) + "spine-grade-" + m.kind, m.grade, m.grade))});
    }
    return o;
  }

  json Report(const json& results, const std::string& pdf) const {
    const spine::StudyRef& s = doc_.study;
    json r = {
        {"resourceType", "DiagnosticReport"},
        {"identifier", Identifier("")},
        {"status", FhirStatus(doc_.status)},
        {"category", json::array({Concept(Coding("http://terminology.hl7.org/CodeSystem/v2-0074",
                                                 "RAD", "Radiology"))})},
        {"code", Concept(Coding("http://loinc.org", "18748-4", "Diagnostic imaging study"),
                         doc_.template_title)},
        {"subject", Subject()}};
    if (!s.accession.empty()) {
      r["basedOn"] =
          json::array({{{"type", "ServiceRequest"},
                        {"identifier",
                         {{"type", Concept(Coding("http://terminology.hl7.org/CodeSystem/v2-0203",
                                                  "ACSN", "Accession ID"))},
                          {"value", s.accession}}}}});
    }
    const std::string effective = StudyDateTime(s, options_.study_timezone);
    if (!effective.empty()) r["effectiveDateTime"] = effective;
    if (!doc_.released_at.empty()) r["issued"] = doc_.released_at;
    json interpreters = json::array();
    for (const spine::Signer& signer : doc_.signers) {
      interpreters.push_back({{"display", signer.name}});
    }
    if (!interpreters.empty()) r["resultsInterpreter"] = interpreters;
    r["result"] = results;
    r["imagingStudy"] = json::array(
        {{{"type", "ImagingStudy"},
          {"identifier", {{"system", "urn:dicom:uid"}, {"value", "urn:oid:" + s.study_uid}}}}});
    std::string conclusion;
    for (const std::string& line : NumberedImpression(doc_)) {
      conclusion += (conclusion.empty() ? "" : "\n") + line;
    }
    if (!conclusion.empty()) r["conclusion"] = conclusion;
    json form = {{"contentType", "application/pdf"},
                 {"language", doc_.lang},
                 {"data", Base64Encode(pdf)},
                 {"title", doc_.template_title + " " + doc_.title}};
    if (!doc_.released_at.empty()) form["creation"] = doc_.released_at;
    r["presentedForm"] = json::array({form});
    return r;
  }

 private:
  const spine::Document& doc_;
  const FhirOptions& options_;
};

}  // namespace

base::Result<std::string> BuildFhirBundle(const spine::Document& doc,
                                          const std::vector<spine::CodedFinding>& findings,
                                          const std::vector<spine::Measurement>& measurements,
                                          const std::string& pdf, const FhirOptions& options) {
  DOKUEI_RETURN_IF_ERROR(CheckDocument(doc));
  if (options.report_id.empty()) return base::InvalidArgument("report_id is required", "report_id");
  if (doc.study.patient_id.empty()) {
    return base::InvalidArgument("the study has no patient ID", "study.patient_id");
  }
  if (doc.study.study_uid.empty()) {
    return base::InvalidArgument("the study has no Study Instance UID", "study.study_uid");
  }
  if (pdf.compare(0, 5, "%PDF-") != 0) return base::InvalidArgument("not a PDF", "pdf");
  BundleBuilder b(doc, options);
  json entries = json::array();
  json results = json::array();
  auto add = [&](json resource, const std::string& key) {
    json entry = b.Entry(std::move(resource), "Observation", options.report_id + "/" + key);
    results.push_back({{"reference", entry["fullUrl"]}});
    entries.push_back(std::move(entry));
  };
  std::set<std::string> keys;
  std::map<std::string, std::string> value_of;  // the value of the first finding of a key
  for (size_t i = 0; i < findings.size(); ++i) {
    json o = b.Finding(findings[i]);
    std::string key =
        o["identifier"][0]["value"].get<std::string>().substr(options.report_id.size() + 1);
    // A multi-valued field (a list of codes, e.g. the X-ray views) gives one finding per value:
    // the value tells them apart.
    if (keys.count(key) != 0 && !findings[i].value_code.empty() &&
        value_of[key] != findings[i].value_code) {
      key += "/" + findings[i].value_code;
      o["identifier"][0]["value"] = options.report_id + "/" + key;
    }
    value_of.emplace(key, findings[i].value_code);
    if (!keys.insert(key).second) {
      return base::InvalidArgument("two findings for " + key,
                                   "findings[" + std::to_string(i) + "]");
    }
    add(std::move(o), key);
  }
  for (const spine::Measurement& m : measurements)
    add(b.MeasurementObservation(m), "measurement/" + m.id);
  json report = b.Entry(b.Report(results, pdf), "DiagnosticReport", options.report_id);
  entries.insert(entries.begin(), std::move(report));
  json bundle = {{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", entries}};
  return bundle.dump(1);
}

}  // namespace dokuei::render
