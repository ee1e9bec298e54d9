// FindQuery: a search over the index, already parsed from C-FIND identifiers or QIDO-RS
// parameters by the archive layer. Conditions are ANDed. Matching follows PS3.4 C.2.2.2:
// single value, wildcard (* and ?), range, list of UIDs; plus fuzzy person-name matching.
// Thread safety: plain value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dokuei/index/records.h"

namespace dokuei::index {

// Attributes the index can match on (each has a column). Matching on anything else is done, or
// refused, above the index.
enum class Attr : uint8_t {
  // Patient
  kPatientName,
  kPatientID,
  kIssuerOfPatientID,
  kPatientBirthDate,
  kPatientSex,
  // Study
  kStudyInstanceUID,
  kStudyDate,
  kStudyTime,
  kAccessionNumber,
  kStudyID,
  kStudyDescription,
  kReferringPhysicianName,
  kModalitiesInStudy,  // matches when any series of the study has one of the listed modalities
  // Series
  kSeriesInstanceUID,
  kModality,
  kSeriesNumber,
  kSeriesDescription,
  kBodyPartExamined,
  kPerformedProcedureStepStartDate,
  kPerformedProcedureStepStartTime,
  kRequestedProcedureID,       // RequestAttributesSequence item attribute (sequence matching)
  kScheduledProcedureStepID,   // RequestAttributesSequence item attribute (sequence matching)
  // Instance
  kSOPInstanceUID,
  kSOPClassUID,
  kInstanceNumber,
};

Level LevelOf(Attr a);
const char* AttrName(Attr a);  // DICOM keyword, e.g. "PatientName"

struct Condition {
  enum class Kind : uint8_t {
    kEquals,    // exact (case-sensitive except PN, which is case-insensitive)
    kWildcard,  // value contains * or ?
    kRange,     // low and/or high (inclusive); empty means open
    kList,      // any of values (UID list matching, or a multi-valued CS like ModalitiesInStudy)
    kFuzzy,     // person name: every word of value is a prefix of some name component (any group)
  };
  Attr attr;
  Kind kind = Kind::kEquals;
  std::string value;
  std::string low, high;
  std::vector<std::string> values;
};

struct FindQuery {
  Level level = Level::kStudy;
  // On attributes of `level` or of a level above it; a condition below `level` is an error
  // (except kModalitiesInStudy at study level).
  std::vector<Condition> conditions;
  uint32_t limit = 0;   // 0: no limit (callers cap it)
  uint32_t offset = 0;
  // Find only: false leaves FindRow::metadata_json empty, for callers whose answer comes wholly
  // from columns (saves reading and parsing kilobytes per row).
  bool with_metadata = true;
};

// For a person-name condition: whether `pattern` (with * and ?) matches `name`. Exposed so the
// archive layer and both backends agree on semantics; backends may use SQL for the same result.
bool WildcardMatch(std::string_view pattern, std::string_view value, bool case_insensitive);

}  // namespace dokuei::index
