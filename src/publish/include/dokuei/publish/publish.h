// Publishing a signed report version: everything a hospital receives, built from the signed
// content and nothing else that can change afterwards.
//
//   Publisher pub({&reports, &workflow, &query, &retrieve, &identity});
//   auto doc = pub.Render(report_id, version_id, "ja");   // Document + findings + PDF
//   auto out = pub.Artifacts(report_id, version_id);      // SR, Encapsulated PDF, ORU, FHIR
//
// The document is assembled from the version's content (narrative through its template), the
// reading request (hospital, clinical question, order numbers), the study as the index holds it
// (patient, study), the key images rendered from the archived instances, and the signers with
// their published credentials (reader, second reader, checker). DICOM UIDs of the SR and the
// Encapsulated PDF are derived from (report, version), so rendering again gives the same objects
// and an addendum names its predecessors without storing them.
// Thread safety: thread-safe if the services given are (they are, in the server).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/spine/document.h"
#include "dokuei/spine/template.h"

namespace dokuei::report {
class ReportService;
struct Report;
}
namespace dokuei::workflow {
class Workflow;
}
namespace dokuei::archive {
class QueryService;
class RetrieveService;
}
namespace dokuei::identity {
class Identity;
}

namespace dokuei::publish {

struct Sources {
  report::ReportService* reports = nullptr;
  workflow::Workflow* workflow = nullptr;
  archive::QueryService* query = nullptr;
  archive::RetrieveService* retrieve = nullptr;
  identity::Identity* identity = nullptr;
  const spine::Catalog* catalog = nullptr;  // null: spine::Catalog::Builtin()
  std::string service_name = "Dokuei";      // the reading service (SR VerifyingOrganization)
};

struct Rendered {
  spine::Document document;
  std::vector<spine::CodedFinding> findings;
  std::vector<spine::Measurement> measurements;
  std::string pdf;
  int64_t tenant_id = 0;
  int64_t request_id = 0;
  std::string placer_order_number;
  std::string template_id;  // empty when the content names no template
};

enum class ArtifactKind : uint8_t { kSr, kEncapsulatedPdf, kHl7Oru, kFhirBundle };

struct Artifact {
  ArtifactKind kind;
  std::string bytes;
};

// The DICOM UID of an object Dokuei makes for (report, version): "2.25." + 128 bits of
// SHA-256 over the inputs, so it is the same every time. `what`: "sr", "pdf", "series".
std::string DerivedUid(std::string_view what, int64_t report_id, int64_t version_id);

struct Assembled;

class Publisher {
 public:
  explicit Publisher(Sources sources);

  // The version as the hospital sees it, in `lang` ("ja" or "en"). kNotFound for an unknown
  // report or version; kFailedPrecondition for a version that is not signed; kInvalidArgument
  // (naming the field) for content the narrative cannot read.
  base::Result<Rendered> Render(int64_t report_id, int64_t version_id, std::string_view lang);

  // The four artefacts of a signed version (in Japanese, the service language): Comprehensive
  // SR, Encapsulated PDF, HL7 ORU^R01 and the FHIR transaction Bundle. None for content that
  // names no template (frame-only reports are released in the app only).
  base::Result<std::vector<Artifact>> Artifacts(int64_t report_id, int64_t version_id);

 private:
  base::Result<Assembled> Assemble(int64_t report_id, int64_t version_id, std::string_view lang);
  Sources s_;
};

}  // namespace dokuei::publish

namespace dokuei::publish {

// Hands a report's released versions over for delivery (the server: delivery::ReleaseReport,
// which enqueues each released final and addendum once, its artefacts from Publisher).
using ReleaseSink = std::function<base::Status(const report::Report&)>;

struct ReleaseTickResult {
  int released = 0;  // requests moved to delivered
  int failed = 0;    // left in final, tried again next tick
};

// The release step: every request in state final (its report's latest version released: signed,
// reviewed and checked as the contract asks) is handed to the sink, then moves to delivered as
// the system. A crash between the two hands the version over again on
// the next tick (the sink is idempotent), so nothing released is ever left undelivered.
class Releaser {
 public:
  Releaser(report::ReportService& reports, workflow::Workflow& workflow, ReleaseSink sink)
      : reports_(reports), workflow_(workflow), sink_(std::move(sink)) {}
  base::Result<ReleaseTickResult> Tick();

 private:
  report::ReportService& reports_;
  workflow::Workflow& workflow_;
  ReleaseSink sink_;
};

}  // namespace dokuei::publish
