// Formatting shared by the renderers: names, dates, labels in ja / en, the report text as lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/spine/document.h"

namespace dokuei::render {

// The display form of a DICOM PN: ja -> ideographic group (with the phonetic group in
// parentheses when present), en -> alphabetic group; '^' become spaces. Falls back to any
// non-empty group.
std::string DisplayName(std::string_view pn, std::string_view lang);
// "YYYYMMDD" -> "2026/11/25" (ja) or "2026-11-25" (en); anything else unchanged.
std::string DisplayDate(std::string_view yyyymmdd, std::string_view lang);
// "HHMMSS" -> "10:30".
std::string DisplayTime(std::string_view hhmmss);
// ISO 8601 "2026-11-25T10:30:00+09:00" -> "2026/11/25 10:30 (+09:00)" style short form.
std::string DisplayDateTime(std::string_view iso, std::string_view lang);
// Age in whole years at the study date, or -1 when either date is missing or malformed.
int AgeAt(std::string_view birth_yyyymmdd, std::string_view at_yyyymmdd);
std::string SexLabel(std::string_view sex, std::string_view lang);
std::string RoleLabel(std::string_view role, std::string_view lang);
std::string StatusLabel(std::string_view status, std::string_view lang);
// A fixed label of the layout ("patient", "impression", ...) in the language.
std::string Text(std::string_view key, std::string_view lang);

// The checks every renderer makes first: lang ja / en, status final / addendum / preliminary,
// an addendum with its text. kInvalidArgument naming the field.
base::Status CheckDocument(const spine::Document& doc);

// ISO 8601 date-time -> DICOM DT "YYYYMMDDHHMMSS+ZZZZ" (offset kept when given); "" if malformed.
std::string DicomDateTime(std::string_view iso);
// ISO 8601 date-time -> HL7 DTM "YYYYMMDDHHMMSS+ZZZZ" (same form as DICOM DT).
inline std::string Hl7DateTime(std::string_view iso) { return DicomDateTime(iso); }

// The report as plain text lines in reading order (clinical question, sections, levels,
// impression, critical statement, addendum), for HL7 OBX TX and FHIR text. Each part is tagged
// so that HL7 can give it its own observation identifier.
struct TextLine {
  std::string part;  // "findings" | "impression" | "addendum"
  std::string text;
};
std::vector<TextLine> ReportText(const spine::Document& doc);

// Standard base64 (RFC 4648, with padding, no line breaks).
std::string Base64Encode(std::string_view bytes);

// The impression as numbered lines "1. ...".
std::vector<std::string> NumberedImpression(const spine::Document& doc);

}  // namespace dokuei::render
