// Attribute: a DCMTK-free, UTF-8 view of DICOM attributes used to pass identifiers and results
// between the DIMSE/DICOMweb edges and the archive (C-FIND identifiers, QIDO parameters, query
// results). Person names keep PN form "Alphabetic=Ideographic=Phonetic".
// Thread safety: plain value types; the dictionary functions are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokuei::dicom {

constexpr uint32_t Tag(uint16_t group, uint16_t element) {
  return (static_cast<uint32_t>(group) << 16) | element;
}
constexpr uint16_t GroupOf(uint32_t tag) { return static_cast<uint16_t>(tag >> 16); }
constexpr uint16_t ElementOf(uint32_t tag) { return static_cast<uint16_t>(tag & 0xFFFF); }

struct Attribute {
  uint32_t tag = 0;
  std::string vr;                   // two letters, e.g. "PN"
  std::vector<std::string> values;  // UTF-8; empty = zero-length (universal matching / no value)
  std::vector<std::vector<Attribute>> items;  // for SQ
};
using AttributeList = std::vector<Attribute>;

// Data dictionary (DCMTK's, loaded once).
std::optional<uint32_t> TagForKeyword(std::string_view keyword);
std::string KeywordForTag(uint32_t tag);  // "" if unknown
std::string VrForTag(uint32_t tag);       // "UN" if unknown
// "PatientName", "00100010" or "0010,0010" -> tag.
std::optional<uint32_t> ParseTag(std::string_view text);
std::string TagHex(uint32_t tag);  // "00100010"

const Attribute* Find(const AttributeList& list, uint32_t tag);

// Well-known tags used across modules.
namespace tags {
inline constexpr uint32_t kSpecificCharacterSet = Tag(0x0008, 0x0005);
inline constexpr uint32_t kSOPClassUID = Tag(0x0008, 0x0016);
inline constexpr uint32_t kSOPInstanceUID = Tag(0x0008, 0x0018);
inline constexpr uint32_t kStudyDate = Tag(0x0008, 0x0020);
inline constexpr uint32_t kSeriesDate = Tag(0x0008, 0x0021);
inline constexpr uint32_t kStudyTime = Tag(0x0008, 0x0030);
inline constexpr uint32_t kSeriesTime = Tag(0x0008, 0x0031);
inline constexpr uint32_t kAccessionNumber = Tag(0x0008, 0x0050);
inline constexpr uint32_t kQueryRetrieveLevel = Tag(0x0008, 0x0052);
inline constexpr uint32_t kRetrieveAETitle = Tag(0x0008, 0x0054);
inline constexpr uint32_t kInstanceAvailability = Tag(0x0008, 0x0056);
inline constexpr uint32_t kModality = Tag(0x0008, 0x0060);
inline constexpr uint32_t kModalitiesInStudy = Tag(0x0008, 0x0061);
inline constexpr uint32_t kSOPClassesInStudy = Tag(0x0008, 0x0062);
inline constexpr uint32_t kReferringPhysicianName = Tag(0x0008, 0x0090);
inline constexpr uint32_t kTimezoneOffsetFromUTC = Tag(0x0008, 0x0201);
inline constexpr uint32_t kStudyDescription = Tag(0x0008, 0x1030);
inline constexpr uint32_t kSeriesDescription = Tag(0x0008, 0x103E);
inline constexpr uint32_t kRetrieveURL = Tag(0x0008, 0x1190);
inline constexpr uint32_t kPatientName = Tag(0x0010, 0x0010);
inline constexpr uint32_t kPatientID = Tag(0x0010, 0x0020);
inline constexpr uint32_t kIssuerOfPatientID = Tag(0x0010, 0x0021);
inline constexpr uint32_t kPatientBirthDate = Tag(0x0010, 0x0030);
inline constexpr uint32_t kPatientSex = Tag(0x0010, 0x0040);
inline constexpr uint32_t kBodyPartExamined = Tag(0x0018, 0x0015);
inline constexpr uint32_t kStudyInstanceUID = Tag(0x0020, 0x000D);
inline constexpr uint32_t kSeriesInstanceUID = Tag(0x0020, 0x000E);
inline constexpr uint32_t kStudyID = Tag(0x0020, 0x0010);
inline constexpr uint32_t kSeriesNumber = Tag(0x0020, 0x0011);
inline constexpr uint32_t kInstanceNumber = Tag(0x0020, 0x0013);
inline constexpr uint32_t kNumberOfPatientRelatedStudies = Tag(0x0020, 0x1200);
inline constexpr uint32_t kNumberOfStudyRelatedSeries = Tag(0x0020, 0x1206);
inline constexpr uint32_t kNumberOfStudyRelatedInstances = Tag(0x0020, 0x1208);
inline constexpr uint32_t kNumberOfSeriesRelatedInstances = Tag(0x0020, 0x1209);
inline constexpr uint32_t kSamplesPerPixel = Tag(0x0028, 0x0002);
inline constexpr uint32_t kPhotometricInterpretation = Tag(0x0028, 0x0004);
inline constexpr uint32_t kNumberOfFrames = Tag(0x0028, 0x0008);
inline constexpr uint32_t kRows = Tag(0x0028, 0x0010);
inline constexpr uint32_t kColumns = Tag(0x0028, 0x0011);
inline constexpr uint32_t kBitsAllocated = Tag(0x0028, 0x0100);
inline constexpr uint32_t kPerformedProcedureStepStartDate = Tag(0x0040, 0x0244);
inline constexpr uint32_t kPerformedProcedureStepStartTime = Tag(0x0040, 0x0245);
inline constexpr uint32_t kScheduledProcedureStepID = Tag(0x0040, 0x0009);
inline constexpr uint32_t kRequestedProcedureID = Tag(0x0040, 0x1001);
inline constexpr uint32_t kRequestAttributesSequence = Tag(0x0040, 0x0275);
inline constexpr uint32_t kPixelData = Tag(0x7FE0, 0x0010);
}  // namespace tags

}  // namespace dokuei::dicom
