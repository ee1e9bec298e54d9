#include "dicom_common.h"

#include "dokuei/base/random.h"
#include "format.h"

namespace dokuei::render {

dicom::DatasetWriter CodeItem(const Code& code) {
  dicom::DatasetWriter w = NewItem();
  w.Set(code.value.size() > 16 ? tag::kLongCodeValue : tag::kCodeValue, code.value);
  w.Set(tag::kCodingSchemeDesignator, code.scheme);
  // LO holds 64 characters (not bytes); cut on a UTF-8 boundary.
  std::string meaning;
  size_t chars = 0;
  for (size_t i = 0; i < code.meaning.size() && chars < 64; ++chars) {
    size_t n = 1;
    const auto c = static_cast<unsigned char>(code.meaning[i]);
    if (c >= 0xF0)
      n = 4;
    else if (c >= 0xE0)
      n = 3;
    else if (c >= 0xC0)
      n = 2;
    meaning += code.meaning.substr(i, n);
    i += n;
  }
  w.Set(tag::kCodeMeaning, meaning);
  return w;
}

std::vector<dicom::DatasetWriter> CodeSequence(const Code& code) {
  std::vector<dicom::DatasetWriter> items;
  items.push_back(CodeItem(code));
  return items;
}

NewUids UidsFor(const DicomExportOptions& options) {
  return {options.series_uid.empty() ? base::NewDicomUid() : options.series_uid,
          options.sop_instance_uid.empty() ? base::NewDicomUid() : options.sop_instance_uid};
}

base::Status WriteCommonModules(const spine::Document& doc, const DicomExportOptions& options,
                                const NewUids& uids, const char* sop_class, const char* modality,
                                dicom::DatasetWriter& w) {
  const spine::StudyRef& s = doc.study;
  if (s.study_uid.empty())
    return base::InvalidArgument("the study has no StudyInstanceUID", "study.study_uid");
  std::string dt = DicomDateTime(doc.released_at);
  if (dt.empty()) dt = s.study_date + (s.study_time.empty() ? "000000" : s.study_time);
  const std::string date = dt.substr(0, 8), time = dt.substr(8, 6);
  w.Set(tag::kSpecificCharacterSet, "ISO_IR 192")
      .Set(tag::kSopClassUid, sop_class)
      .Set(tag::kSopInstanceUid, uids.instance)
      .Set(tag::kInstanceCreationDate, date)
      .Set(tag::kInstanceCreationTime, time)
      .Set(tag::kPatientName, s.patient_name)
      .Set(tag::kPatientId, s.patient_id)
      .Set(tag::kPatientBirthDate, s.patient_birth_date)
      .Set(tag::kPatientSex, s.patient_sex)
      .Set(tag::kStudyInstanceUid, s.study_uid)
      .Set(tag::kStudyDate, s.study_date)
      .Set(tag::kStudyTime, s.study_time)
      .Set(tag::kReferringPhysicianName, s.referring_physician)
      .Set(tag::kStudyId, "")
      .Set(tag::kAccessionNumber, s.accession)
      .Set(tag::kModality, modality)
      .Set(tag::kSeriesInstanceUid, uids.series)
      .SetNumber(tag::kSeriesNumber, options.series_number)
      .Set(tag::kSeriesDate, date)
      .Set(tag::kSeriesTime, time)
      .Set(tag::kManufacturer, options.manufacturer)
      .SetNumber(tag::kInstanceNumber, options.instance_number)
      .Set(tag::kContentDate, date)
      .Set(tag::kContentTime, time);
  if (!s.study_description.empty()) w.Set(tag::kStudyDescription, s.study_description);
  if (!options.institution.empty()) w.Set(tag::kInstitutionName, options.institution);
  return w.status();
}

dicom::DatasetWriter StudyReference(const std::string& study_uid,
                                    const std::vector<SeriesRef>& series) {
  std::vector<dicom::DatasetWriter> series_items;
  for (const SeriesRef& sr : series) {
    std::vector<dicom::DatasetWriter> sops;
    for (const auto& [cls, inst] : sr.instances) {
      sops.push_back(NewItem());
      sops.back().Set(tag::kReferencedSopClassUid, cls).Set(tag::kReferencedSopInstanceUid, inst);
    }
    series_items.push_back(NewItem());
    series_items.back()
        .Set(tag::kSeriesInstanceUid, sr.series_uid)
        .SetSequence(tag::kReferencedSopSequence, std::move(sops));
  }
  dicom::DatasetWriter w = NewItem();
  w.Set(tag::kStudyInstanceUid, study_uid)
      .SetSequence(tag::kReferencedSeriesSequence, std::move(series_items));
  return w;
}

}  // namespace dokuei::render
