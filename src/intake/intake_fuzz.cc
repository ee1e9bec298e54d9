// libFuzzer target: arbitrary bytes as an HL7 v2 message (parse, header checks, ORM mapping, ACK)
// and as a FHIR ServiceRequest. Nothing may crash, leak or trip a sanitizer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dokuei/base/clock.h"
#include "dokuei/intake/fhir.h"
#include "dokuei/intake/hl7.h"
#include "dokuei/intake/orders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dokuei;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const base::Timestamp now = base::FromUnixMicros(0);
  auto m = intake::ParseHl7(bytes);
  if (m.ok()) {
    std::optional<intake::Hl7Error> header = intake::CheckOrmHeader(*m);
    intake::OrderOrError order = intake::OrderFromOrm(*m);
    (void)intake::BuildAck(m->Find("MSH")->fields, order.order ? header : order.error, "ok", now,
                           "F1");
    for (const intake::Hl7Segment& s : m->segments())
      for (int f = 0; f < 8; ++f) (void)m->Value(s, f, 2, 1, 2);
  } else {
    (void)intake::BuildAck(intake::RawMshFields(bytes), std::nullopt, "x", now, "F2");
  }
  auto fhir = intake::FromFhirServiceRequest(bytes, 1);
  if (!fhir.ok()) (void)intake::FhirOperationOutcome(fhir.status());
  return 0;
}
