// The codes of the spine SR (table in docs/design/spine-reporting.md, "Report outputs"): DCM,
// SCT, LN, UMLS and UCUM where a standard code exists, the private scheme 99DOKUEI otherwise.
#pragma once

#include <string>
#include <string_view>

#include "dicom_common.h"
#include "dokuei/spine/document.h"

namespace dokuei::render::codes {

inline const Code kImagingMeasurementReport{"126000", "DCM", "Imaging Measurement Report"};
inline const Code kLanguage{"121049", "DCM", "Language of Content Item and Descendants"};
inline const Code kObserverType{"121005", "DCM", "Observer Type"};
inline const Code kPerson{"121006", "DCM", "Person"};
inline const Code kPersonObserverName{"121008", "DCM", "Person Observer Name"};
inline const Code kProcedureReported{"121058", "DCM", "Procedure reported"};
inline const Code kImageLibrary{"111028", "DCM", "Image Library"};
inline const Code kImageLibraryGroup{"126200", "DCM", "Image Library Group"};
inline const Code kImagingMeasurements{"126010", "DCM", "Imaging Measurements"};
inline const Code kMeasurementGroup{"125007", "DCM", "Measurement Group"};
inline const Code kTrackingIdentifier{"112039", "DCM", "Tracking Identifier"};
inline const Code kTrackingUid{"112040", "DCM", "Tracking Unique Identifier"};
inline const Code kFindingSite{"363698007", "SCT", "Finding Site"};
inline const Code kLaterality{"272741003", "SCT", "Laterality"};
inline const Code kLeft{"7771000", "SCT", "Left"};
inline const Code kRight{"24028007", "SCT", "Right"};
inline const Code kQualitativeEvaluations{"C0034375", "UMLS", "Qualitative Evaluations"};
inline const Code kHistory{"121060", "DCM", "History"};
inline const Code kImpression{"121073", "DCM", "Impression"};
inline const Code kSourceOfMeasurement{"121112", "DCM", "Source of Measurement"};
inline const Code kAddendum{"55107-7", "LN", "Addendum Document"};
inline const Code kCriticalResult{"CRITICAL", "99DOKUEI", "Critical result communicated"};
inline const Code kReportVersion{"VERSION", "99DOKUEI", "Report version"};

// RFC 5646 language of the document.
Code LanguageCode(std::string_view lang);
// The procedure reported for a modality (SCT): MR, CT, radiography.
Code ProcedureCode(std::string_view modality);
// A level ("L4-L5") or vertebra ("L1") as finding site (99DOKUEI).
Code SiteCode(std::string_view site);
// The template field as concept name (99DOKUEI, meaning = the label in the document's language).
Code FieldCode(const spine::CodedFinding& f, std::string_view lang);
// The value code: "<value_set>:<code>" (99DOKUEI).
Code ValueCode(const spine::CodedFinding& f, std::string_view lang);
// A measurement kind as concept name (99DOKUEI).
Code MeasurementCode(std::string_view kind, std::string_view lang);
// A measurement grade as value (99DOKUEI "<kind>.grade:<grade>").
Code GradeCode(std::string_view kind, std::string_view grade);
inline const Code kGrade{"GRADE", "99DOKUEI", "Grade"};
// UCUM unit of a unit as stored ("deg", "%", "mm", "mm2", "ratio"); scheme "" if unknown.
Code UnitCode(std::string_view unit);

}  // namespace dokuei::render::codes
