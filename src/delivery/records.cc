// Names of the delivery enums, and base64 for the artefact column.
#include "dokuei/delivery/records.h"

#include <openssl/evp.h>

#include "sql.h"

namespace dokuei::delivery {

std::string_view DestinationKindName(DestinationKind k) {
  switch (k) {
    case DestinationKind::kDicom:
      return "dicom";
    case DestinationKind::kHl7:
      return "hl7";
    case DestinationKind::kFhir:
      return "fhir";
  }
  return "dicom";
}

std::optional<DestinationKind> DestinationKindFromName(std::string_view n) {
  if (n == "dicom") return DestinationKind::kDicom;
  if (n == "hl7") return DestinationKind::kHl7;
  if (n == "fhir") return DestinationKind::kFhir;
  return std::nullopt;
}

std::string_view ArtifactKindName(ArtifactKind k) {
  switch (k) {
    case ArtifactKind::kSr:
      return "sr";
    case ArtifactKind::kEncapsulatedPdf:
      return "pdf";
    case ArtifactKind::kHl7Oru:
      return "hl7";
    case ArtifactKind::kFhirBundle:
      return "fhir";
  }
  return "sr";
}

std::optional<ArtifactKind> ArtifactKindFromName(std::string_view n) {
  if (n == "sr") return ArtifactKind::kSr;
  if (n == "pdf") return ArtifactKind::kEncapsulatedPdf;
  if (n == "hl7") return ArtifactKind::kHl7Oru;
  if (n == "fhir") return ArtifactKind::kFhirBundle;
  return std::nullopt;
}

DestinationKind DestinationFor(ArtifactKind k) {
  switch (k) {
    case ArtifactKind::kSr:
    case ArtifactKind::kEncapsulatedPdf:
      return DestinationKind::kDicom;
    case ArtifactKind::kHl7Oru:
      return DestinationKind::kHl7;
    case ArtifactKind::kFhirBundle:
      return DestinationKind::kFhir;
  }
  return DestinationKind::kDicom;
}

std::string_view DeliveryStateName(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kSending:
      return "sending";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kFailed:
      return "failed";
    case DeliveryState::kGaveUp:
      return "gave_up";
  }
  return "pending";
}

std::optional<DeliveryState> DeliveryStateFromName(std::string_view n) {
  for (DeliveryState s :
       {DeliveryState::kPending, DeliveryState::kSending, DeliveryState::kDelivered,
        DeliveryState::kFailed, DeliveryState::kGaveUp})
    if (DeliveryStateName(s) == n) return s;
  return std::nullopt;
}

namespace internal {

std::string Base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

base::Result<std::string> FromBase64(std::string_view in) {
  if (in.size() % 4 != 0) return base::DataLoss("stored artefact is not valid base64");
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return base::DataLoss("stored artefact is not valid base64");
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace internal
}  // namespace dokuei::delivery
