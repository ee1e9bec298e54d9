// Encapsulated PDF Storage (PS3.3 A.45.1): Patient, General Study, Encapsulated Document Series,
// General Equipment, SC Equipment, Encapsulated Document, SOP Common.
#include "dicom_common.h"
#include "dokuei/render/dicom_export.h"
#include "format.h"

namespace dokuei::render {

base::Result<std::string> EncapsulatePdf(const spine::Document& doc, const std::string& pdf,
                                         const DicomExportOptions& options) {
  DOKUEI_RETURN_IF_ERROR(CheckDocument(doc));
  if (pdf.compare(0, 5, "%PDF-") != 0) {
    return base::InvalidArgument("the document to encapsulate is not a PDF", "pdf");
  }
  const NewUids uids = UidsFor(options);
  dicom::DatasetWriter w;
  DOKUEI_RETURN_IF_ERROR(WriteCommonModules(doc, options, uids, kEncapsulatedPdfStorage, "DOC", w));
  std::string title = doc.template_title.empty() ? doc.title : doc.template_title + " " + doc.title;
  if (doc.status == "addendum") title += doc.lang == "en" ? " (addendum)" : " (追記)";
  const std::string dt = DicomDateTime(doc.released_at);
  w.Set(tag::kSeriesDescription, title)
      .Set(tag::kConversionType, "WSD")
      .Set(tag::kAcquisitionDateTime, dt)
      .Set(tag::kBurnedInAnnotation, "YES")  // the PDF shows the patient's name and ID
      .Set(tag::kDocumentTitle, title)
      .SetSequence(tag::kConceptNameCodeSequence,
                   CodeSequence({"18748-4", "LN", "Diagnostic imaging study"}))
      .Set(tag::kMimeTypeOfEncapsulatedDocument, "application/pdf")
      .SetBytes(tag::kEncapsulatedDocument,
                std::span(reinterpret_cast<const uint8_t*>(pdf.data()), pdf.size()))
      .SetNumber(tag::kEncapsulatedDocumentLength, static_cast<double>(pdf.size()));
  return w.Encode();
}

}  // namespace dokuei::render
