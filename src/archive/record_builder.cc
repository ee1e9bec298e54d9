#include "record_builder.h"

#include "dokuei/base/strings.h"

namespace dokuei::archive {
namespace {

namespace t = dicom::tags;

std::string First(const dicom::AttributeList& list, uint32_t tag) {
  const dicom::Attribute* a = dicom::Find(list, tag);
  if (!a || a->values.empty()) return {};
  return a->values.front();
}

std::optional<int32_t> Int(const dicom::AttributeList& list, uint32_t tag) {
  auto v = base::ParseInt(base::Trim(First(list, tag)));
  if (!v || *v < INT32_MIN || *v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(*v);
}

}  // namespace

index::InstanceRecord BuildRecord(const dicom::ParsedInstance& parsed,
                                  index::StorageAttrs storage) {
  const dicom::AttributeList& a = parsed.index_attributes;
  index::InstanceRecord r;
  r.patient.patient_id = First(a, t::kPatientID);
  r.patient.issuer_of_patient_id = First(a, t::kIssuerOfPatientID);
  r.patient.patient_name = First(a, t::kPatientName);
  r.patient.patient_birth_date = First(a, t::kPatientBirthDate);
  r.patient.patient_sex = First(a, t::kPatientSex);

  r.study.study_instance_uid = parsed.study_instance_uid;
  r.study.study_date = First(a, t::kStudyDate);
  r.study.study_time = First(a, t::kStudyTime);
  r.study.accession_number = First(a, t::kAccessionNumber);
  r.study.study_id = First(a, t::kStudyID);
  r.study.study_description = First(a, t::kStudyDescription);
  r.study.referring_physician_name = First(a, t::kReferringPhysicianName);

  r.series.series_instance_uid = parsed.series_instance_uid;
  r.series.modality = First(a, t::kModality);
  r.series.series_number = Int(a, t::kSeriesNumber);
  r.series.series_description = First(a, t::kSeriesDescription);
  r.series.body_part_examined = First(a, t::kBodyPartExamined);
  r.series.series_date = First(a, t::kSeriesDate);
  r.series.series_time = First(a, t::kSeriesTime);
  r.series.performed_procedure_step_start_date = First(a, t::kPerformedProcedureStepStartDate);
  r.series.performed_procedure_step_start_time = First(a, t::kPerformedProcedureStepStartTime);
  if (const dicom::Attribute* seq = dicom::Find(a, t::kRequestAttributesSequence)) {
    for (const auto& item : seq->items) {
      index::RequestAttributes ra;
      ra.requested_procedure_id = First(item, t::kRequestedProcedureID);
      ra.scheduled_procedure_step_id = First(item, t::kScheduledProcedureStepID);
      if (!ra.requested_procedure_id.empty() || !ra.scheduled_procedure_step_id.empty())
        r.series.request_attributes.push_back(std::move(ra));
    }
  }

  r.instance.sop_class_uid = parsed.sop_class_uid;
  r.instance.sop_instance_uid = parsed.sop_instance_uid;
  r.instance.transfer_syntax_uid = parsed.transfer_syntax_uid;
  r.instance.instance_number = Int(a, t::kInstanceNumber);
  r.instance.rows = parsed.pixel.rows;
  r.instance.columns = parsed.pixel.columns;
  r.instance.bits_allocated = parsed.pixel.present ? parsed.pixel.bits_allocated : 0;
  r.instance.number_of_frames =
      parsed.pixel.present ? static_cast<int32_t>(std::max<uint32_t>(1, parsed.pixel.number_of_frames))
                           : 0;
  r.storage = std::move(storage);
  r.metadata_json = parsed.metadata_json;
  return r;
}

}  // namespace dokuei::archive
