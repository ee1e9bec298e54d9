// HL7 v2.5 ORU^R01 for a signed spine report: MSH, PID, ORC, OBR, the report text as OBX TX
// lines (one per line, escaped: \F\ \S\ \T\ \R\ \E\) and the PDF as one OBX ED
// (^application^pdf^Base64^<data>).
//
//   MSH-18     "UNICODE UTF-8": the text holds names and kanji beyond JIS X 0208 (髙, 﨑) that
//              ISO IR87 cannot carry, and the PDF is ASCII base64 either way.
//   PID-5      one repetition per DICOM PN group: alphabetic (XPN.8 "A"), ideographic ("I"),
//              phonetic ("P"), name type "L".
//   OBR-2/3    placer / filler order number; OBR-18 the accession number (IHE RAD).
//   OBR-25,    final -> F; addendum -> C (the message carries the whole report again and
//   OBX-11     replaces the earlier result, HL7 table 0085 "correction"); preliminary -> P.
//   OBX-3      text by part: findings 18782-3, impression 19005-8, addendum 55107-7 (LOINC);
//              the PDF 18748-4 "Diagnostic imaging study".
// Segments end with CR. Thread safety: pure functions.
#pragma once

#include <string>

#include "dokuei/base/status.h"
#include "dokuei/spine/document.h"

namespace dokuei::render {

struct Hl7Options {
  std::string sending_application = "DOKUEI";
  std::string sending_facility;
  std::string receiving_application;
  std::string receiving_facility;
  std::string message_control_id;    // empty: random
  std::string message_time;          // ISO 8601; empty: the document's released_at
  std::string placer_order_number;   // the hospital's order (ORC-2, OBR-2)
  std::string filler_order_number;   // ours, e.g. the report id (ORC-3, OBR-3)
  std::string patient_id_authority;  // PID-3.4
  std::string processing_id = "P";   // MSH-11: P production, T training, D debugging
};

// kInvalidArgument (field named) without a patient ID or a filler order number, or when the
// document is not a PDF.
base::Result<std::string> BuildOruR01(const spine::Document& doc, const std::string& pdf,
                                      const Hl7Options& options);

}  // namespace dokuei::render
