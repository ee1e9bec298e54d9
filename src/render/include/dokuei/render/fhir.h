// FHIR R4 form of a signed spine report: a transaction Bundle with one DiagnosticReport and one
// Observation per coded finding and per measurement, each written by a conditional update on its
// identifier, so that sending an addendum replaces the earlier version instead of adding one.
//
//   DiagnosticReport.status   final -> final, addendum -> appended, preliminary -> preliminary
//   .code                     LOINC 18748-4 "Diagnostic imaging study"; category v2-0074 RAD
//   .subject                  Patient by identifier (the hospital's patient ID)
//   .basedOn                  ServiceRequest by the accession number (identifier type ACSN)
//   .imagingStudy             ImagingStudy by identifier urn:dicom:uid / urn:oid:<Study UID>
//   .conclusion               the numbered impression
//   .presentedForm            the PDF, base64, contentType application/pdf
//   .result                   the Observations (urn:uuid references inside the Bundle)
//   Observation               code = template field or measurement kind (Dokuei code systems),
//                             bodySite = level, valueCodeableConcept / valueQuantity (UCUM) /
//                             valueString; side as a component (SNOMED CT laterality)
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/spine/document.h"

namespace dokuei::render {

inline constexpr const char* kFhirCodeSystemBase = "https://dokuei.jp/fhir/CodeSystem/";
inline constexpr const char* kFhirReportIdentifierSystem = "https://dokuei.jp/fhir/sid/report";

struct FhirOptions {
  std::string report_id;          // stable over versions: the identifier of the DiagnosticReport
  std::string patient_id_system;  // the hospital's patient ID namespace (may be empty)
  std::string study_timezone = "+09:00";  // StudyDate/Time carry none; the hospital's offset
};

// The Bundle as JSON text. kInvalidArgument (field named) without report_id, patient ID or
// Study UID, or with an empty PDF.
base::Result<std::string> BuildFhirBundle(const spine::Document& doc,
                                          const std::vector<spine::CodedFinding>& findings,
                                          const std::vector<spine::Measurement>& measurements,
                                          const std::string& pdf, const FhirOptions& options);

}  // namespace dokuei::render
