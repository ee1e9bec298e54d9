// FHIR R4 ServiceRequest (JSON) <-> reading request, for the API (POST /api/fhir/ServiceRequest:
// FromFhirServiceRequest, then Requests::Create with source "fhir"; on any error answer
// FhirOperationOutcome with FhirHttpStatus; GET answers ToFhirServiceRequest).
//
//   status            must be "active" (draft, on-hold, revoked, completed, ... are refused)
//   intent            order, original-order, instance-order or filler-order
//   priority          stat -> STAT; asap, urgent -> same day; routine or absent -> routine
//   identifier        the Study Instance UID: system "urn:dicom:uid", value "urn:oid:<uid>";
//                     type (v2-0203) ACSN -> accession number, PLAC -> placer order number,
//                     FILL -> filler order number. The study UID or the accession number is
//                     required (the images are matched by it).
//   code              modality and region from codings (DICOM modality codes, display, text)
//   subject           required: identifier.value (patient id) or a reference
//   reasonCode, note  the clinical question (text or coding display, notes joined)
//   bodySite          region (SNOMED CT cervical/thoracic/lumbar spine, vertebral column; text)
//   desired return    extension kDesiredReturnExtension (valueDateTime), else
//                     occurrencePeriod.end, else occurrenceDateTime
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "dokuei/base/status.h"
#include "dokuei/workflow/records.h"

namespace dokuei::intake {

inline constexpr std::string_view kDesiredReturnExtension =
    "https://dokuei.jp/fhir/StructureDefinition/desired-return-time";

inline constexpr std::string_view kIdentifierTypeSystem =
    "http://terminology.hl7.org/CodeSystem/v2-0203";

struct FhirOrder {
  workflow::NewRequest request;  // tenant_id as given, source "fhir"; identifiers in .order
  std::string patient_id;        // subject.identifier.value (or the reference)
  std::string accession_number;  // identifier of type ACSN
  std::string fhir_id;           // ServiceRequest.id when present
};

// kInvalidArgument (field: FHIRPath of the element, e.g. "ServiceRequest.priority") or
// kUnsupported (a status or intent we do not accept).
base::Result<FhirOrder> FromFhirServiceRequest(std::string_view json, int64_t tenant_id);

// A reading request as a ServiceRequest (JSON): id = the request id, meta.versionId, the
// identifiers (study UID, PLAC, FILL, ACSN), status from the state (active; on-hold; revoked when
// cancelled; completed once final), intent order, priority, code (DICOM modality), bodySite
// (SNOMED CT), subject (the patient id as a reference or an identifier), authoredOn (reception),
// reasonCode (the clinical question), the desired return time extension.
std::string ToFhirServiceRequest(const workflow::ReadingRequest& r);

// An OperationOutcome (JSON) for a failed intake or a failed Requests::Create: severity error,
// issue code from the status (invalid, required, not-supported, duplicate, forbidden, not-found,
// transient, exception), details.text in Japanese ("ja", default) or English, diagnostics in
// English, expression the element when known.
std::string FhirOperationOutcome(const base::Status& status, std::string_view lang = "ja");
// The HTTP status for that outcome (400, 409, 403, 404, 422, 503, 500).
int FhirHttpStatus(const base::Status& status);

}  // namespace dokuei::intake
