// Pieces shared by the Encapsulated PDF and the SR writer: the tags they use, coded entries, and
// the patient / study / series / equipment / SOP common modules copied from the source study.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dokuei/dicom/dataset_writer.h"
#include "dokuei/render/dicom_export.h"
#include "dokuei/spine/document.h"

namespace dokuei::render {

constexpr uint32_t Tag(uint16_t g, uint16_t e) { return (uint32_t{g} << 16) | e; }

namespace tag {
inline constexpr uint32_t kSpecificCharacterSet = Tag(0x0008, 0x0005);
inline constexpr uint32_t kInstanceCreationDate = Tag(0x0008, 0x0012);
inline constexpr uint32_t kInstanceCreationTime = Tag(0x0008, 0x0013);
inline constexpr uint32_t kSopClassUid = Tag(0x0008, 0x0016);
inline constexpr uint32_t kSopInstanceUid = Tag(0x0008, 0x0018);
inline constexpr uint32_t kStudyDate = Tag(0x0008, 0x0020);
inline constexpr uint32_t kSeriesDate = Tag(0x0008, 0x0021);
inline constexpr uint32_t kContentDate = Tag(0x0008, 0x0023);
inline constexpr uint32_t kAcquisitionDateTime = Tag(0x0008, 0x002A);
inline constexpr uint32_t kStudyTime = Tag(0x0008, 0x0030);
inline constexpr uint32_t kSeriesTime = Tag(0x0008, 0x0031);
inline constexpr uint32_t kContentTime = Tag(0x0008, 0x0033);
inline constexpr uint32_t kAccessionNumber = Tag(0x0008, 0x0050);
inline constexpr uint32_t kModality = Tag(0x0008, 0x0060);
inline constexpr uint32_t kConversionType = Tag(0x0008, 0x0064);
inline constexpr uint32_t kManufacturer = Tag(0x0008, 0x0070);
inline constexpr uint32_t kInstitutionName = Tag(0x0008, 0x0080);
inline constexpr uint32_t kReferringPhysicianName = Tag(0x0008, 0x0090);
inline constexpr uint32_t kCodeValue = Tag(0x0008, 0x0100);
inline constexpr uint32_t kCodingSchemeIdentificationSequence = Tag(0x0008, 0x0110);
inline constexpr uint32_t kCodingSchemeName = Tag(0x0008, 0x0115);
inline constexpr uint32_t kCodingSchemeResponsibleOrganization = Tag(0x0008, 0x0116);
inline constexpr uint32_t kCodingSchemeDesignator = Tag(0x0008, 0x0102);
inline constexpr uint32_t kCodeMeaning = Tag(0x0008, 0x0104);
inline constexpr uint32_t kMappingResource = Tag(0x0008, 0x0105);
inline constexpr uint32_t kLongCodeValue = Tag(0x0008, 0x0119);
inline constexpr uint32_t kStudyDescription = Tag(0x0008, 0x1030);
inline constexpr uint32_t kSeriesDescription = Tag(0x0008, 0x103E);
inline constexpr uint32_t kReferencedPerformedProcedureStepSequence = Tag(0x0008, 0x1111);
inline constexpr uint32_t kReferencedSeriesSequence = Tag(0x0008, 0x1115);
inline constexpr uint32_t kReferencedSopClassUid = Tag(0x0008, 0x1150);
inline constexpr uint32_t kReferencedSopInstanceUid = Tag(0x0008, 0x1155);
inline constexpr uint32_t kReferencedFrameNumber = Tag(0x0008, 0x1160);
inline constexpr uint32_t kReferencedSopSequence = Tag(0x0008, 0x1199);
inline constexpr uint32_t kPatientName = Tag(0x0010, 0x0010);
inline constexpr uint32_t kPatientId = Tag(0x0010, 0x0020);
inline constexpr uint32_t kPatientBirthDate = Tag(0x0010, 0x0030);
inline constexpr uint32_t kPatientSex = Tag(0x0010, 0x0040);
inline constexpr uint32_t kStudyInstanceUid = Tag(0x0020, 0x000D);
inline constexpr uint32_t kSeriesInstanceUid = Tag(0x0020, 0x000E);
inline constexpr uint32_t kStudyId = Tag(0x0020, 0x0010);
inline constexpr uint32_t kSeriesNumber = Tag(0x0020, 0x0011);
inline constexpr uint32_t kInstanceNumber = Tag(0x0020, 0x0013);
inline constexpr uint32_t kBurnedInAnnotation = Tag(0x0028, 0x0301);
inline constexpr uint32_t kMeasurementUnitsCodeSequence = Tag(0x0040, 0x08EA);
inline constexpr uint32_t kRelationshipType = Tag(0x0040, 0xA010);
inline constexpr uint32_t kVerifyingOrganization = Tag(0x0040, 0xA027);
inline constexpr uint32_t kVerificationDateTime = Tag(0x0040, 0xA030);
inline constexpr uint32_t kValueType = Tag(0x0040, 0xA040);
inline constexpr uint32_t kConceptNameCodeSequence = Tag(0x0040, 0xA043);
inline constexpr uint32_t kContinuityOfContent = Tag(0x0040, 0xA050);
inline constexpr uint32_t kVerifyingObserverSequence = Tag(0x0040, 0xA073);
inline constexpr uint32_t kVerifyingObserverName = Tag(0x0040, 0xA075);
inline constexpr uint32_t kVerifyingObserverIdentificationCodeSequence = Tag(0x0040, 0xA088);
inline constexpr uint32_t kDateTime = Tag(0x0040, 0xA120);
inline constexpr uint32_t kPersonName = Tag(0x0040, 0xA123);
inline constexpr uint32_t kUid = Tag(0x0040, 0xA124);
inline constexpr uint32_t kTextValue = Tag(0x0040, 0xA160);
inline constexpr uint32_t kConceptCodeSequence = Tag(0x0040, 0xA168);
inline constexpr uint32_t kMeasuredValueSequence = Tag(0x0040, 0xA300);
inline constexpr uint32_t kNumericValue = Tag(0x0040, 0xA30A);
inline constexpr uint32_t kPredecessorDocumentsSequence = Tag(0x0040, 0xA360);
inline constexpr uint32_t kPerformedProcedureCodeSequence = Tag(0x0040, 0xA372);
inline constexpr uint32_t kCurrentRequestedProcedureEvidenceSequence = Tag(0x0040, 0xA375);
inline constexpr uint32_t kCompletionFlag = Tag(0x0040, 0xA491);
inline constexpr uint32_t kVerificationFlag = Tag(0x0040, 0xA493);
inline constexpr uint32_t kPreliminaryFlag = Tag(0x0040, 0xA496);
inline constexpr uint32_t kContentTemplateSequence = Tag(0x0040, 0xA504);
inline constexpr uint32_t kContentSequence = Tag(0x0040, 0xA730);
inline constexpr uint32_t kTemplateIdentifier = Tag(0x0040, 0xDB00);
inline constexpr uint32_t kDocumentTitle = Tag(0x0042, 0x0010);
inline constexpr uint32_t kEncapsulatedDocument = Tag(0x0042, 0x0011);
inline constexpr uint32_t kMimeTypeOfEncapsulatedDocument = Tag(0x0042, 0x0012);
inline constexpr uint32_t kEncapsulatedDocumentLength = Tag(0x0042, 0x0015);
inline constexpr uint32_t kGraphicData = Tag(0x0070, 0x0022);
inline constexpr uint32_t kGraphicType = Tag(0x0070, 0x0023);
}  // namespace tag

// A coded entry (Code Value / Coding Scheme Designator / Code Meaning).
struct Code {
  std::string value;
  std::string scheme;
  std::string meaning;
};

// A new sequence item in the objects' character set (UTF-8, ISO_IR 192).
inline dicom::DatasetWriter NewItem() { return dicom::DatasetWriter::Item("ISO_IR 192"); }

// One item of a code sequence (LongCodeValue for values above 16 characters, meaning cut to 64).
dicom::DatasetWriter CodeItem(const Code& code);
std::vector<dicom::DatasetWriter> CodeSequence(const Code& code);

// The UIDs of a new object: the options' or fresh ones (root 2.25).
struct NewUids {
  std::string series;
  std::string instance;
};
NewUids UidsFor(const DicomExportOptions& options);

// Patient, General Study, series (modality, UIDs, number), General Equipment, SOP Common
// (UTF-8), creation and content date/time (from the document's released_at, else the study).
base::Status WriteCommonModules(const spine::Document& doc, const DicomExportOptions& options,
                                const NewUids& uids, const char* sop_class, const char* modality,
                                dicom::DatasetWriter& w);

// A hierarchical SOP instance reference (study -> series -> instances) as one sequence item.
struct SeriesRef {
  std::string series_uid;
  std::vector<std::pair<std::string, std::string>> instances;  // (class, instance)
};
dicom::DatasetWriter StudyReference(const std::string& study_uid,
                                    const std::vector<SeriesRef>& series);

}  // namespace dokuei::render
