// FHIR R4 ServiceRequest (JSON) -> reading request, for the API to route later
// (e.g. POST /api/fhir/ServiceRequest: FromFhirServiceRequest, then Requests::Create with source
// "fhir"; on any error answer FhirOperationOutcome with FhirHttpStatus).
//
//   status            must be "active" (draft, on-hold, revoked, completed, ... are refused)
//   intent            order, original-order, instance-order or filler-order
//   priority          stat -> STAT; asap, urgent -> same day; routine or absent -> routine
//   identifier        the Study Instance UID: system "urn:dicom:uid", value "urn:oid:<uid>"
//                     (required: the images are matched by it); type ACSN -> accession number
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

struct FhirOrder {
  workflow::NewRequest request;  // tenant_id as given, source "fhir"
  std::string patient_id;        // subject.identifier.value (or the reference)
  std::string accession_number;  // identifier of type ACSN
  std::string fhir_id;           // ServiceRequest.id when present
};

// kInvalidArgument (field: FHIRPath of the element, e.g. "ServiceRequest.priority") or
// kUnsupported (a status or intent we do not accept).
base::Result<FhirOrder> FromFhirServiceRequest(std::string_view json, int64_t tenant_id);

// An OperationOutcome (JSON) for a failed intake or a failed Requests::Create: severity error,
// issue code from the status (invalid, required, not-supported, duplicate, forbidden, not-found,
// transient, exception), details.text in Japanese ("ja", default) or English, diagnostics in
// English, expression the element when known.
std::string FhirOperationOutcome(const base::Status& status, std::string_view lang = "ja");
// The HTTP status for that outcome (400, 409, 403, 404, 422, 503, 500).
int FhirHttpStatus(const base::Status& status);

}  // namespace dokuei::intake
