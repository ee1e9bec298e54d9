// The index's data model: what is recorded per instance at ingest, and what a search returns.
// All text is UTF-8 (converted from the object's SpecificCharacterSet at ingest). Dates are DICOM
// DA "YYYYMMDD", times TM "HHMMSS[.ffffff]". Person names keep DICOM PN form: up to three
// component groups "Alphabetic=Ideographic=Phonetic", components separated by '^'.
// Thread safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dokuei/base/clock.h"

namespace dokuei::index {

// Every row in the index belongs to exactly one tenant; every read and write names it.
struct TenantId {
  int64_t value = 0;
  auto operator<=>(const TenantId&) const = default;
};

enum class Level : uint8_t { kPatient, kStudy, kSeries, kInstance };

struct PatientAttrs {
  std::string patient_id;
  std::string issuer_of_patient_id;
  std::string patient_name;
  std::string patient_birth_date;
  std::string patient_sex;
};

struct StudyAttrs {
  std::string study_instance_uid;
  std::string study_date;
  std::string study_time;
  std::string accession_number;
  std::string study_id;
  std::string study_description;
  std::string referring_physician_name;
};

// One item of the Request Attributes Sequence (0040,0275) of a series.
struct RequestAttributes {
  std::string requested_procedure_id;       // (0040,1001)
  std::string scheduled_procedure_step_id;  // (0040,0009)
};

struct SeriesAttrs {
  std::string series_instance_uid;
  std::string modality;
  std::optional<int32_t> series_number;
  std::string series_description;
  std::string body_part_examined;
  std::string series_date;
  std::string series_time;
  std::string performed_procedure_step_start_date;
  std::string performed_procedure_step_start_time;
  std::vector<RequestAttributes> request_attributes;
};

struct InstanceAttrs {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string transfer_syntax_uid;
  std::optional<int32_t> instance_number;
  int32_t rows = 0;
  int32_t columns = 0;
  int32_t number_of_frames = 0;  // 0 when the object has no pixel data
  int32_t bits_allocated = 0;    // 0 when unknown (no pixel data, or indexed before schema 3)
};

struct StorageAttrs {
  std::string blob_key;
  uint64_t size_bytes = 0;
  std::string sha256;  // of the stored bytes (the Part-10 file)
  base::Timestamp received_at{};
  std::string source;  // e.g. "dimse:MODALITY1@127.0.0.1", "stow:user", "demo"
};

struct InstanceRecord {
  PatientAttrs patient;
  StudyAttrs study;
  SeriesAttrs series;
  InstanceAttrs instance;
  StorageAttrs storage;
  // DICOM JSON object (PS3.18 F) of the whole instance, large values as BulkDataURI whose value
  // begins with the path below the DICOMweb root ("/studies/…/bulk/…"); the HTTP layer prefixes
  // the base URL when serving.
  std::string metadata_json;
};

enum class PutResult : uint8_t {
  kStored,     // new instance recorded
  kDuplicate,  // identical bytes (same sha256) already stored: nothing changed
  kConflict,   // a different object under an existing SOP Instance UID: kept as a conflict
};

struct PutOutcome {
  PutResult result = PutResult::kStored;
  int64_t conflict_id = 0;        // kConflict: id of the conflict record
  std::string existing_blob_key;  // kDuplicate/kConflict: the blob already indexed
};

struct Counts {
  int32_t patient_related_studies = 0;
  int32_t study_related_series = 0;
  int32_t study_related_instances = 0;
  int32_t series_related_instances = 0;
};

// One match of a search. Fields of levels below the query level are empty.
struct FindRow {
  PatientAttrs patient;
  StudyAttrs study;
  SeriesAttrs series;
  InstanceAttrs instance;
  Counts counts;
  std::string modalities_in_study;   // distinct modalities, '\\'-separated, sorted
  std::string sop_classes_in_study;  // distinct SOP classes, '\\'-separated, sorted
  // Metadata JSON of one representative instance of the matched entity (the instance itself at
  // instance level), for return keys the index has no column for.
  std::string metadata_json;
};

// Where an instance's bytes are, for retrieval.
struct InstanceLocation {
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string sop_instance_uid;
  std::string sop_class_uid;
  std::string transfer_syntax_uid;
  std::string blob_key;
  uint64_t size_bytes = 0;
  std::string sha256;
  int32_t number_of_frames = 0;
};

struct ConflictRecord {
  int64_t id = 0;
  std::string sop_instance_uid;
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string existing_blob_key;
  std::string existing_sha256;
  std::string new_blob_key;
  std::string new_sha256;
  base::Timestamp received_at{};
  std::string source;
};

struct TenantStats {
  int64_t patients = 0, studies = 0, series = 0, instances = 0, bytes = 0, conflicts = 0;
};

}  // namespace dokuei::index
