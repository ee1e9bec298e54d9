#include "sr_codes.h"

namespace dokuei::render::codes {

Code LanguageCode(std::string_view lang) {
  if (lang == "en") return {"en", "RFC5646", "English"};
  return {"ja", "RFC5646", "Japanese"};
}

Code ProcedureCode(std::string_view modality) {
  if (modality == "MR") return {"113091000", "SCT", "Magnetic resonance imaging"};
  if (modality == "CT") return {"77477000", "SCT", "Computerized axial tomography"};
  return {"363680008", "SCT", "Radiographic imaging procedure"};
}

Code SiteCode(std::string_view site) {
  const bool level = site.find('-') != std::string_view::npos;
  return {std::string(site), "99DOKUEI",
          std::string(site) + (level ? " spinal segment" : " vertebra")};
}

Code FieldCode(const spine::CodedFinding& f, std::string_view lang) {
  std::string meaning = f.field_label.In(lang);
  if (meaning.empty()) meaning = f.field;
  return {f.field, "99DOKUEI", meaning};
}

Code ValueCode(const spine::CodedFinding& f, std::string_view lang) {
  std::string meaning = f.value_label.In(lang);
  if (meaning.empty()) meaning = f.value_code;
  return {(f.value_set.empty() ? f.field : f.value_set) + ":" + f.value_code, "99DOKUEI", meaning};
}

Code MeasurementCode(std::string_view kind, std::string_view lang) {
  struct Entry {
    const char* kind;
    const char* ja;
    const char* en;
  };
  static constexpr Entry kKinds[] = {
      {"cobb", "Cobb角", "Cobb angle"},
      {"slip", "すべり率", "Slip percentage"},
      {"canal_ap", "脊柱管前後径", "Canal AP diameter"},
      {"dural_area", "硬膜管面積", "Dural sac area"},
      {"height_loss", "椎体高減少率", "Vertebral height loss"},
      {"disc_height", "椎間板高", "Disc height"},
  };
  for (const Entry& e : kKinds) {
    if (kind == e.kind) return {std::string("M.") + e.kind, "99DOKUEI", lang == "en" ? e.en : e.ja};
  }
  return {"M." + std::string(kind), "99DOKUEI", std::string(kind)};
}

Code GradeCode(std::string_view kind, std::string_view grade) {
  return {std::string(kind) + ".grade:" + std::string(grade), "99DOKUEI", std::string(grade)};
}

Code UnitCode(std::string_view unit) {
  if (unit == "deg") return {"deg", "UCUM", "degree"};
  if (unit == "%") return {"%", "UCUM", "percent"};
  if (unit == "mm") return {"mm", "UCUM", "millimeter"};
  if (unit == "mm2") return {"mm2", "UCUM", "square millimeter"};
  if (unit == "ratio" || unit == "1" || unit.empty()) return {"1", "UCUM", "no units"};
  return {std::string(unit), "", std::string(unit)};
}

}  // namespace dokuei::render::codes
