#include "dokuei/index/query.h"

#include <cstdint>

namespace dokuei::index {

Level LevelOf(Attr a) {
  switch (a) {
    case Attr::kPatientName:
    case Attr::kPatientID:
    case Attr::kIssuerOfPatientID:
    case Attr::kPatientBirthDate:
    case Attr::kPatientSex:
      return Level::kPatient;
    case Attr::kStudyInstanceUID:
    case Attr::kStudyDate:
    case Attr::kStudyTime:
    case Attr::kAccessionNumber:
    case Attr::kStudyID:
    case Attr::kStudyDescription:
    case Attr::kReferringPhysicianName:
    case Attr::kModalitiesInStudy:
      return Level::kStudy;
    case Attr::kSeriesInstanceUID:
    case Attr::kModality:
    case Attr::kSeriesNumber:
    case Attr::kSeriesDescription:
    case Attr::kBodyPartExamined:
    case Attr::kPerformedProcedureStepStartDate:
    case Attr::kPerformedProcedureStepStartTime:
    case Attr::kRequestedProcedureID:
    case Attr::kScheduledProcedureStepID:
      return Level::kSeries;
    case Attr::kSOPInstanceUID:
    case Attr::kSOPClassUID:
    case Attr::kInstanceNumber:
      return Level::kInstance;
  }
  return Level::kInstance;
}

const char* AttrName(Attr a) {
  switch (a) {
    case Attr::kPatientName:
      return "PatientName";
    case Attr::kPatientID:
      return "PatientID";
    case Attr::kIssuerOfPatientID:
      return "IssuerOfPatientID";
    case Attr::kPatientBirthDate:
      return "PatientBirthDate";
    case Attr::kPatientSex:
      return "PatientSex";
    case Attr::kStudyInstanceUID:
      return "StudyInstanceUID";
    case Attr::kStudyDate:
      return "StudyDate";
    case Attr::kStudyTime:
      return "StudyTime";
    case Attr::kAccessionNumber:
      return "AccessionNumber";
    case Attr::kStudyID:
      return "StudyID";
    case Attr::kStudyDescription:
      return "StudyDescription";
    case Attr::kReferringPhysicianName:
      return "ReferringPhysicianName";
    case Attr::kModalitiesInStudy:
      return "ModalitiesInStudy";
    case Attr::kSeriesInstanceUID:
      return "SeriesInstanceUID";
    case Attr::kModality:
      return "Modality";
    case Attr::kSeriesNumber:
      return "SeriesNumber";
    case Attr::kSeriesDescription:
      return "SeriesDescription";
    case Attr::kBodyPartExamined:
      return "BodyPartExamined";
    case Attr::kPerformedProcedureStepStartDate:
      return "PerformedProcedureStepStartDate";
    case Attr::kPerformedProcedureStepStartTime:
      return "PerformedProcedureStepStartTime";
    case Attr::kRequestedProcedureID:
      return "RequestedProcedureID";
    case Attr::kScheduledProcedureStepID:
      return "ScheduledProcedureStepID";
    case Attr::kSOPInstanceUID:
      return "SOPInstanceUID";
    case Attr::kSOPClassUID:
      return "SOPClassUID";
    case Attr::kInstanceNumber:
      return "InstanceNumber";
  }
  return "Unknown";
}

namespace {

// Length of the UTF-8 sequence starting with byte b (1 for malformed lead bytes, so matching
// never stalls).
size_t SeqLen(unsigned char b) {
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 3;
  if ((b & 0xF8) == 0xF0) return 4;
  return 1;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool WildcardMatch(std::string_view pattern, std::string_view value, bool case_insensitive) {
  // Iterative matcher with single backtrack point for the last '*': O(|p|*|v|) worst case.
  size_t p = 0, v = 0;
  size_t star_p = std::string_view::npos, star_v = 0;
  auto eq = [&](char a, char b) { return case_insensitive ? Lower(a) == Lower(b) : a == b; };
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_v = v;
      continue;
    }
    if (p < pattern.size() && pattern[p] == '?') {
      // One character (a whole UTF-8 sequence).
      size_t n = SeqLen(static_cast<unsigned char>(value[v]));
      if (v + n > value.size()) n = value.size() - v;
      v += n;
      ++p;
      continue;
    }
    if (p < pattern.size() && eq(pattern[p], value[v])) {
      ++p;
      ++v;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    // Let the last '*' absorb one more character and retry.
    size_t n = SeqLen(static_cast<unsigned char>(value[star_v]));
    if (star_v + n > value.size()) n = value.size() - star_v;
    star_v += n;
    v = star_v;
    p = star_p;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace dokuei::index
