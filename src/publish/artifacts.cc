// Publisher::Artifacts: the coded forms of a signed version for delivery, with UIDs derived
// from (report, version) so that they are stable and an addendum can name its predecessors.
#include <string>

#include "dokuei/base/digest.h"
#include "dokuei/publish/publish.h"
#include "dokuei/render/dicom_export.h"
#include "dokuei/render/fhir.h"
#include "dokuei/render/hl7.h"
#include "dokuei/render/pdf.h"
#include "publish_internal.h"

namespace dokuei::publish {

std::string DerivedUid(std::string_view what, int64_t report_id, int64_t version_id) {
  const std::string hex = base::Sha256Hex("dokuei:" + std::string(what) + ":" +
                                          std::to_string(report_id) + ":" +
                                          std::to_string(version_id));
  unsigned __int128 v = 0;
  for (size_t i = 0; i < 32; ++i) {
    const char c = hex[i];
    v = (v << 4) | static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return "2.25." + digits;
}

base::Result<std::vector<Artifact>> Publisher::Artifacts(int64_t report_id, int64_t version_id) {
  DOKUEI_ASSIGN_OR_RETURN(Assembled a, Assemble(report_id, version_id, "ja"));
  // Frame-only content (no template, issue 4's reports) has nothing coded to deliver: it is
  // released in the app only.
  if (!a.structured) return std::vector<Artifact>{};
  DOKUEI_ASSIGN_OR_RETURN(std::string pdf, render::RenderPdf(a.out.document));

  render::DicomExportOptions dicom;
  dicom.series_uid = DerivedUid("series", report_id, 0);
  dicom.series_number = 9001;
  dicom.instance_number = a.version.number;
  dicom.institution = s_.service_name;
  for (const auto& i : a.measured)
    dicom.instances.push_back({i.series_uid, i.sop_class_uid, i.sop_instance_uid});
  if (a.version.amends_version_id != 0) {
    const int64_t prior = a.version.amends_version_id;
    dicom.predecessors.push_back({dicom.series_uid, render::kComprehensiveSrStorage,
                                  DerivedUid("sr", report_id, prior)});
    dicom.predecessors.push_back({dicom.series_uid, render::kEncapsulatedPdfStorage,
                                  DerivedUid("pdf", report_id, prior)});
  }
  std::vector<Artifact> out;
  {
    render::DicomExportOptions o = dicom;
    o.sop_instance_uid = DerivedUid("sr", report_id, version_id);
    DOKUEI_ASSIGN_OR_RETURN(
        std::string sr,
        render::BuildSr(a.out.document, a.out.findings, a.out.measurements, o));
    out.push_back({ArtifactKind::kSr, std::move(sr)});
  }
  {
    render::DicomExportOptions o = dicom;
    o.sop_instance_uid = DerivedUid("pdf", report_id, version_id);
    o.predecessors.clear();  // an Encapsulated PDF has no predecessor sequence
    DOKUEI_ASSIGN_OR_RETURN(std::string encapsulated,
                            render::EncapsulatePdf(a.out.document, pdf, o));
    out.push_back({ArtifactKind::kEncapsulatedPdf, std::move(encapsulated)});
  }
  {
    render::Hl7Options o;
    o.sending_facility = s_.service_name;
    o.placer_order_number = a.out.placer_order_number;
    o.filler_order_number = "R" + std::to_string(report_id);
    DOKUEI_ASSIGN_OR_RETURN(std::string oru, render::BuildOruR01(a.out.document, pdf, o));
    out.push_back({ArtifactKind::kHl7Oru, std::move(oru)});
  }
  {
    render::FhirOptions o;
    o.report_id = "R" + std::to_string(report_id);
    DOKUEI_ASSIGN_OR_RETURN(
        std::string bundle,
        render::BuildFhirBundle(a.out.document, a.out.findings, a.out.measurements, pdf, o));
    out.push_back({ArtifactKind::kFhirBundle, std::move(bundle)});
  }
  return out;
}

}  // namespace dokuei::publish
