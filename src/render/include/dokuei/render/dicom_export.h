// DICOM forms of a signed spine report, in the patient and study of the source study and a new
// series: the rendered PDF as Encapsulated PDF Storage and the structured content as a
// Comprehensive SR in the style of TID 1500 (Imaging Measurement Report): observer context, the
// procedure reported, one measurement group per level (finding site, finding code + value
// code), measurements with UCUM units and the points they were taken from on the key images,
// the impression and, for an addendum, the addendum text and the predecessor document.
// Codes: DCM / SCT / LN / UCUM where they exist, the private scheme 99DOKUEI otherwise (the table
// is in docs/design/spine-reporting.md, "Report outputs"). Files are Part-10, Explicit VR Little
// Endian, SpecificCharacterSet ISO_IR 192 (UTF-8).
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/spine/document.h"

namespace dokuei::render {

inline constexpr const char* kEncapsulatedPdfStorage = "1.2.840.10008.5.1.4.1.1.104.1";
inline constexpr const char* kComprehensiveSrStorage = "1.2.840.10008.5.1.4.1.1.88.33";

// An instance of the source study that a measurement points at but that is not a key image.
struct InstanceRef {
  std::string series_uid;
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

// An earlier DICOM object this one supersedes (the SR or PDF of the version an addendum amends).
struct PriorObject {
  std::string series_uid;
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

struct DicomExportOptions {
  // New UIDs for this object; empty: generated (base::NewDicomUid, root 2.25).
  std::string series_uid;
  std::string sop_instance_uid;
  int series_number = 9001;
  int instance_number = 1;
  std::string manufacturer = "Dokuei";
  std::string institution;                // the reading service's name (VerifyingOrganization)
  std::vector<InstanceRef> instances;     // lookup for measurement instances beyond the figures
  std::vector<PriorObject> predecessors;  // required for an addendum (status "addendum")
};

// Encapsulated PDF Storage holding `pdf` byte for byte (EncapsulatedDocumentLength gives the
// length before the even-length pad). kInvalidArgument when pdf does not start with "%PDF-".
base::Result<std::string> EncapsulatePdf(const spine::Document& doc, const std::string& pdf,
                                         const DicomExportOptions& options = {});

// Comprehensive SR. kInvalidArgument naming the item for a measurement whose instance is
// unknown, a figure without SOP class/instance, an addendum without a predecessor, or a study
// without StudyInstanceUID.
base::Result<std::string> BuildSr(const spine::Document& doc,
                                  const std::vector<spine::CodedFinding>& findings,
                                  const std::vector<spine::Measurement>& measurements,
                                  const DicomExportOptions& options = {});

}  // namespace dokuei::render
