#include <vector>

#include "dokuei/base/random.h"
#include "dokuei/render/hl7.h"
#include "format.h"

namespace dokuei::render {
namespace {

// Escapes the default delimiters (escape character first).
std::string Esc(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\E\\";
        break;
      case '|':
        out += "\\F\\";
        break;
      case '^':
        out += "\\S\\";
        break;
      case '&':
        out += "\\T\\";
        break;
      case '~':
        out += "\\R\\";
        break;
      case '\r':
      case '\n':
        out += "\\.br\\";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? s.npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// A segment from its fields (already escaped); trailing empty fields dropped.
std::string Segment(std::vector<std::string> fields) {
  while (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += '|';
    out += fields[i];
  }
  return out + '\r';
}

// PID-5 from a DICOM PN: one XPN repetition per group.
std::string PatientNames(const std::string& pn) {
  static constexpr const char* kRepresentation[] = {"A", "I", "P"};
  std::string out;
  std::vector<std::string> groups = Split(pn, '=');
  for (size_t g = 0; g < groups.size() && g < 3; ++g) {
    if (groups[g].empty()) continue;
    std::vector<std::string> c = Split(groups[g], '^');
    c.resize(5);  // family, given, middle, prefix, suffix
    const std::string xpn = Esc(c[0]) + "^" + Esc(c[1]) + "^" + Esc(c[2]) + "^" + Esc(c[4]) + "^" +
                            Esc(c[3]) + "^^L^" + kRepresentation[g];
    out += (out.empty() ? "" : "~") + xpn;
  }
  return out;
}

// "鈴木 一郎" -> family and given names (the first space separates them).
std::pair<std::string, std::string> NameParts(const std::string& name) {
  const size_t space = name.find(' ');
  if (space == std::string::npos) return {name, ""};
  return {name.substr(0, space), name.substr(space + 1)};
}

std::string ResultStatus(const std::string& status) {
  if (status == "addendum") return "C";
  if (status == "preliminary") return "P";
  return "F";
}

struct PartCode {
  const char* part;
  const char* sub_id;
  const char* code;
};
constexpr PartCode kParts[] = {
    {"findings", "1", "18782-3^Radiology Study observation (narrative)^LN"},
    {"impression", "2", "19005-8^Radiology Imaging study [Impression] (narrative)^LN"},
    {"addendum", "3", "55107-7^Addendum Document^LN"},
};

}  // namespace

base::Result<std::string> BuildOruR01(const spine::Document& doc, const std::string& pdf,
                                      const Hl7Options& o) {
  DOKUEI_RETURN_IF_ERROR(CheckDocument(doc));
  const spine::StudyRef& s = doc.study;
  if (s.patient_id.empty())
    return base::InvalidArgument("the study has no patient ID", "study.patient_id");
  if (o.filler_order_number.empty()) {
    return base::InvalidArgument("the filler order number is required", "filler_order_number");
  }
  if (pdf.compare(0, 5, "%PDF-") != 0) return base::InvalidArgument("not a PDF", "pdf");
  const std::string status = ResultStatus(doc.status);
  const std::string released = Hl7DateTime(doc.released_at);
  std::string message_time = Hl7DateTime(o.message_time.empty() ? doc.released_at : o.message_time);
  if (message_time.empty()) {
    return base::InvalidArgument("no message time (released_at or message_time)", "message_time");
  }
  const std::string control_id =
      o.message_control_id.empty() ? base::RandomHex(10) : o.message_control_id;
  std::string study_time = s.study_date.size() == 8 ? s.study_date + s.study_time : "";

  std::string msg;
  msg += Segment({"MSH", "^~\\&", Esc(o.sending_application), Esc(o.sending_facility),
                  Esc(o.receiving_application), Esc(o.receiving_facility), message_time, "",
                  "ORU^R01^ORU_R01", Esc(control_id), Esc(o.processing_id), "2.5", "", "", "AL",
                  "NE", "JPN", "UNICODE UTF-8"});
  msg += Segment({"PID", "1", "", Esc(s.patient_id) + "^^^" + Esc(o.patient_id_authority) + "^PI",
                  "", PatientNames(s.patient_name), "", s.patient_birth_date,
                  s.patient_sex.empty() ? "U" : Esc(s.patient_sex)});
  msg += Segment({"ORC", "RE", Esc(o.placer_order_number), Esc(o.filler_order_number), "", "CM"});

  std::vector<std::string> obr(36);
  obr[0] = "OBR";
  obr[1] = "1";
  obr[2] = Esc(o.placer_order_number);
  obr[3] = Esc(o.filler_order_number);
  obr[4] = "18748-4^Diagnostic imaging study^LN";
  obr[7] = study_time;
  obr[18] = Esc(s.accession);
  obr[22] = released;
  obr[24] = "RAD";
  obr[25] = status;
  for (const spine::Signer& signer : doc.signers) {
    auto [family, given] = NameParts(signer.name);
    const std::string ndl =
        "&" + Esc(family) + "&" + Esc(given) + "^" + Hl7DateTime(signer.signed_at);
    if (signer.role == "reader") {
      obr[32] = ndl;
    } else {
      obr[33] += (obr[33].empty() ? "" : "~") + ndl;
    }
  }
  msg += Segment(obr);

  std::string responsible;
  for (const spine::Signer& signer : doc.signers) {
    if (signer.role == "reader") {
      auto [family, given] = NameParts(signer.name);
      responsible = "^" + Esc(family) + "^" + Esc(given);
    }
  }
  int set_id = 0;
  auto obx = [&](const std::string& type, const std::string& code, const std::string& sub_id,
                 const std::string& value) {
    msg += Segment({"OBX", std::to_string(++set_id), type, code, sub_id, value, "", "", "", "", "",
                    status, "", "", released, "", responsible});
  };
  for (const TextLine& line : ReportText(doc)) {
    const PartCode* part = &kParts[0];
    for (const PartCode& p : kParts) {
      if (line.part == p.part) part = &p;
    }
    for (const std::string& l : Split(line.text, '\n')) {
      std::string text = l;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      if (text.empty()) continue;
      obx("TX", part->code, part->sub_id, Esc(text));
    }
  }
  obx("ED", "18748-4^Diagnostic imaging study^LN", "4",
      "^application^pdf^Base64^" + Base64Encode(pdf));
  return msg;
}

}  // namespace dokuei::render
