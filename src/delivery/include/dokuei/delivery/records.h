// Report delivery data model: destinations (DICOM, HL7 MLLP, FHIR), artefacts (bytes plus their
// kind), queue rows with their state and the remote side's last answer, and the Transport seam
// (one per destination kind; real ones in transports.h, fakes in tests).
// Thread safety: plain value types; a Transport must be thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"

namespace dokuei::delivery {

enum class DestinationKind : uint8_t { kDicom, kHl7, kFhir };
std::string_view DestinationKindName(DestinationKind k);  // "dicom", "hl7", "fhir"
std::optional<DestinationKind> DestinationKindFromName(std::string_view name);

struct Destination {
  int64_t id = 0;
  int64_t tenant_id = 0;
  DestinationKind kind = DestinationKind::kDicom;
  std::string name;  // for people: "院内PACS"
  bool enabled = true;
  // DICOM: the PACS's AE title, host, port; tls = associate over DICOM TLS.
  // HL7: host and port of the MLLP receiver.
  std::string ae_title;
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  // FHIR: the server's base URL (the Bundle is POSTed to it) and the bearer token (a secret:
  // stored, sent, never shown).
  std::string url;
  std::string bearer_token;
  base::Timestamp created_at{}, updated_at{};
};

enum class ArtifactKind : uint8_t { kSr, kEncapsulatedPdf, kHl7Oru, kFhirBundle };
std::string_view ArtifactKindName(ArtifactKind k);  // "sr", "pdf", "hl7", "fhir"
std::optional<ArtifactKind> ArtifactKindFromName(std::string_view name);
// The destination kind an artefact goes to.
DestinationKind DestinationFor(ArtifactKind k);

struct Artifact {
  ArtifactKind kind = ArtifactKind::kSr;
  std::string bytes;  // DICOM Part-10 file, HL7 message (ER7), FHIR Bundle JSON
};

enum class DeliveryState : uint8_t { kPending, kSending, kDelivered, kFailed, kGaveUp };
std::string_view DeliveryStateName(DeliveryState s);  // "pending", ..., "failed", "gave_up"
std::optional<DeliveryState> DeliveryStateFromName(std::string_view name);

// What the remote side answered on the last attempt (whichever applies).
struct RemoteAnswer {
  int dimse_status = -1;  // C-STORE-RSP status (0x0000, 0xB0xx, 0xA7xx ...); -1 = none
  std::string ack_code;   // HL7 MSA-1: AA, AE, AR (or CA, CE, CR)
  int http_status = 0;    // FHIR: the HTTP status; 0 = none
  std::string text;       // DIMSE Error Comment, MSA-3 / ERR text, or the HTTP body (shortened)
};

struct DeliveryRow {
  int64_t id = 0;
  int64_t tenant_id = 0;
  int64_t request_id = 0, report_id = 0, version_id = 0;
  int version_number = 0;
  bool addendum = false;
  ArtifactKind artifact = ArtifactKind::kSr;
  int64_t artifact_id = 0;
  std::string artifact_sha256;
  int64_t artifact_bytes = 0;
  int64_t destination_id = 0;
  DestinationKind destination_kind = DestinationKind::kDicom;
  std::string destination_name;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  base::Timestamp created_at{}, updated_at{};
  std::optional<base::Timestamp> next_attempt_at;  // pending / failed / sending (lease end)
  std::optional<base::Timestamp> last_attempt_at, delivered_at;
  std::string last_error;
  RemoteAnswer remote;
};

// The result of one attempt.
struct Outcome {
  enum class Verdict : uint8_t { kDelivered, kRetry, kGiveUp };
  Verdict verdict = Verdict::kRetry;
  std::string error;  // why, for kRetry and kGiveUp
  RemoteAnswer remote;
  static Outcome Delivered(RemoteAnswer r = {}) { return {Verdict::kDelivered, {}, std::move(r)}; }
  static Outcome Retry(std::string e, RemoteAnswer r = {}) {
    return {Verdict::kRetry, std::move(e), std::move(r)};
  }
  static Outcome GiveUp(std::string e, RemoteAnswer r = {}) {
    return {Verdict::kGiveUp, std::move(e), std::move(r)};
  }
};

// Sends one artefact to one destination (blocking, bounded by its own timeouts).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Outcome Send(const Destination& to, const Artifact& artifact, const DeliveryRow& row) = 0;
};

struct Transports {
  Transport* dicom = nullptr;
  Transport* hl7 = nullptr;
  Transport* fhir = nullptr;
};

}  // namespace dokuei::delivery
