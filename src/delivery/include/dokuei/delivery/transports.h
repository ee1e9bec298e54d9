// The real transports of report delivery, each on the project's existing client:
//   - DICOM: dicom::StoreScu (the C-STORE SCU of the C-MOVE sub-operations). Success (0x0000)
//     and warnings (0xB0xx) are delivered; a failure status, a refused association or presentation
//     context, or an unreachable peer is retried, with the Error Comment recorded.
//   - HL7: intake::MllpSend. MSA-1 AA (or CA) delivered; AE (CE) retried; AR (CR) gave_up with
//     MSA-3 / ERR text; no or unparsable reply retried.
//   - FHIR: report::PostHttp (the webhook client): POST of the transaction Bundle to the base URL
//     as application/fhir+json with "Authorization: Bearer <token>". 2xx delivered; 408, 429 and
//     5xx retried; other 4xx gave_up; network and TLS errors retried.
// Thread safety: thread-safe (no shared mutable state).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "dokuei/delivery/records.h"
#include "dokuei/dicom/dimse.h"

namespace dokuei::delivery {

// `options` supplies our calling AE title, timeouts and (for destinations marked tls) the DICOM
// TLS files; its listening fields are not used.
std::unique_ptr<Transport> DicomTransport(dicom::DimseOptions options);

std::unique_ptr<Transport> MllpTransport(
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

struct FhirOptions {
  std::string ca_file;  // empty: the system's trust store
  std::chrono::seconds timeout{30};
};
std::unique_ptr<Transport> FhirTransport(FhirOptions options = {});

// The HL7 acknowledgement code (MSA-1) and text (MSA-3, else ERR-8, else ERR-3) of a reply;
// kInvalidArgument when it is no HL7 message with an MSA segment.
struct Hl7Ack {
  std::string code, text;
};
base::Result<Hl7Ack> ParseAck(std::string_view reply);

}  // namespace dokuei::delivery
