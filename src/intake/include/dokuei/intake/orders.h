// Orders from hospital systems mapped to reading requests: HL7 v2 ORM^O01 (this header) and
// FHIR R4 ServiceRequest (fhir.h) both become a workflow::NewRequest. Also the mapping of
// procedure codes and texts to modality and region shared by both.
//
// ORM^O01 (v2.3-2.5; segments MSH, PID, PV1, ORC, OBR, NTE, and ZDS as IHE Scheduled Workflow
// uses it):
//   order control     ORC-1: NW (new), CA (cancel), XO (change); others (SC status, ...) refused
//   patient id        PID-3.1 (first repetition)          required
//   placer order      ORC-2.1, else OBR-2.1               required (CA and XO find the request)
//   filler order      ORC-3.1, else OBR-3.1
//   accession number  OBR-18.1 (IHE), else the filler order number unless it is a UID
//   study UID         ZDS-1.1, else an OBR-3/18/19/20 value that is a DICOM UID; may be absent
//                     when the accession number is given (the study is matched by it)
//   modality          OBR-24 (CT, MR, CR, DX, ...), else from OBR-4 code/text
//   region            from OBR-4 code/text, OBR-15 / OBR-46 (cervical, thoracic, lumbar, whole)
//   priority          ORC-7.6, else OBR-27.6, else OBR-5: S = STAT, A = same day, R = routine
//                     (T timing critical = STAT; P pre-op and C callback = routine)
//   clinical question OBR-13, OBR-31 text, NTE-3 of the order (joined by line breaks)
//   desired return    TQ1-8 end date/time, else ORC-7.5, else OBR-27.5 (HL7 DTM; no zone: JST)
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dokuei/base/status.h"
#include "dokuei/intake/hl7.h"
#include "dokuei/workflow/records.h"

namespace dokuei::intake {

// HL7 table 0357 (message error condition codes) used in ERR-3.
enum class Hl7ErrorCode : int {
  kSegmentSequence = 100,
  kRequiredFieldMissing = 101,
  kDataTypeError = 102,
  kTableValueNotFound = 103,
  kUnsupportedMessageType = 200,
  kUnsupportedEventCode = 201,
  kUnsupportedProcessingId = 202,
  kUnsupportedVersionId = 203,
  kUnknownKeyIdentifier = 204,
  kDuplicateKeyIdentifier = 205,
  kApplicationRecordLocked = 206,
  kApplicationInternalError = 207,
};
std::string_view Hl7ErrorText(Hl7ErrorCode c);  // "Required field missing", ...

// Why an order was refused, for the ACK: AE (the content is wrong: do not resend as is) or AR
// (the message was rejected: unsupported, unknown sender, or we failed: may be resent).
struct Hl7Error {
  bool reject = false;  // AR rather than AE
  Hl7ErrorCode code = Hl7ErrorCode::kApplicationInternalError;
  Hl7Location location;
  std::string message_en, message_ja;
};

enum class OrderControl : uint8_t {
  kNew,     // NW: create the request
  kCancel,  // CA: cancel the request of the placer order number
  kChange,  // XO: replace the request's details while it has not been read
};

struct Order {
  OrderControl control = OrderControl::kNew;
  // Header.
  std::string control_id;                             // MSH-10
  std::string sending_application, sending_facility;  // MSH-3.1, MSH-4.1
  std::string sending_facility_uid;                   // MSH-4.2 (universal id, e.g. an OID)
  // Patient and order identifiers (also in request.order, which the workflow stores).
  std::string patient_id, patient_name;  // patient_name: PID-5 family^given as "family given"
  std::string placer_order_number, filler_order_number, accession_number;
  std::string procedure_code, procedure_text;  // OBR-4.1, OBR-4.2
  bool priority_given = false;                 // a priority field was present (XO keeps it else)
  workflow::NewRequest request;                // tenant_id left 0: the sender decides it
};

// Maps a parsed ORM^O01 (already checked to be one) to an order, or the error for the ACK.
struct OrderOrError {
  std::optional<Order> order;
  Hl7Error error;
};
OrderOrError OrderFromOrm(const Hl7Message& m);

// Checks MSH-9 (ORM^O01), MSH-10 (present) and MSH-12 (2.x): the error for an AR, or nullopt.
std::optional<Hl7Error> CheckOrmHeader(const Hl7Message& m);

// The ACK answering a message whose raw MSH fields are `msh` (RawMshFields: works even when the
// message could not be parsed). AA when `error` is empty, else AE/AR with an ERR segment
// (ERR-2 location, ERR-3 code from table 0357, ERR-4 severity E, ERR-7 English diagnostic,
// ERR-8 Japanese user message when the message's character set can carry it). Encoded in the
// character set of the message (MSH-18 echoed); `control_id` is MSH-10 of the ACK itself.
std::string BuildAck(const std::vector<std::string>& msh, const std::optional<Hl7Error>& error,
                     std::string_view text, base::Timestamp now, std::string_view control_id);

// Modality and region from procedure codes and texts (English, Japanese, DICOM modality codes,
// SNOMED CT body structures); kOther / kUnspecified when nothing matches.
workflow::Modality ModalityFromText(std::string_view text);
workflow::Region RegionFromText(std::string_view text);

}  // namespace dokuei::intake
