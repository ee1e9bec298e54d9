#include "dokuei/archive/query.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "dokuei/base/strings.h"
#include "metadata_attrs.h"
#include "query_keys.h"

namespace dokuei::archive {
namespace {

namespace t = dicom::tags;
using index::Level;

const char* LevelName(Level l) {
  switch (l) {
    case Level::kPatient: return "PATIENT";
    case Level::kStudy: return "STUDY";
    case Level::kSeries: return "SERIES";
    case Level::kInstance: return "IMAGE";
  }
  return "?";
}

// Keys that steer the query itself rather than match anything.
bool IsControlKey(uint32_t tag) {
  return tag == t::kQueryRetrieveLevel || tag == t::kSpecificCharacterSet ||
         tag == t::kRetrieveAETitle || tag == t::kInstanceAvailability ||
         tag == t::kTimezoneOffsetFromUTC || tag == t::kRetrieveURL ||
         tag == t::kNumberOfPatientRelatedStudies || tag == t::kNumberOfStudyRelatedSeries ||
         tag == t::kNumberOfStudyRelatedInstances || tag == t::kNumberOfSeriesRelatedInstances ||
         tag == t::kSOPClassesInStudy;
}

std::string Joined(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += '\\';
    out += values[i];
  }
  return out;
}

bool HasMatchingValue(const dicom::Attribute& a) {
  if (!a.items.empty()) return true;
  for (const auto& v : a.values) {
    auto t = base::Trim(v);
    if (!t.empty() && t != "*") return true;
  }
  return false;
}

std::string Describe(uint32_t tag) {
  std::string kw = dicom::KeywordForTag(tag);
  return fmt::format("({:04X},{:04X}){}{}", dicom::GroupOf(tag), dicom::ElementOf(tag),
                     kw.empty() ? "" : " ", kw);
}

const std::vector<uint32_t>& DefaultTags(Level level) {
  static const std::vector<uint32_t> kPatient = {
      t::kSpecificCharacterSet, t::kPatientName, t::kPatientID, t::kIssuerOfPatientID,
      t::kPatientBirthDate, t::kPatientSex, t::kNumberOfPatientRelatedStudies};
  static const std::vector<uint32_t> kStudy = {
      t::kSpecificCharacterSet, t::kStudyDate, t::kStudyTime, t::kAccessionNumber,
      t::kInstanceAvailability, t::kModalitiesInStudy, t::kReferringPhysicianName,
      t::kStudyDescription, t::kPatientName, t::kPatientID, t::kPatientBirthDate, t::kPatientSex,
      t::kStudyInstanceUID, t::kStudyID, t::kNumberOfStudyRelatedSeries,
      t::kNumberOfStudyRelatedInstances};
  static const std::vector<uint32_t> kSeries = {
      t::kSpecificCharacterSet, t::kModality, t::kSeriesDescription, t::kBodyPartExamined,
      t::kStudyInstanceUID, t::kSeriesInstanceUID, t::kSeriesNumber,
      t::kNumberOfSeriesRelatedInstances, t::kPerformedProcedureStepStartDate,
      t::kPerformedProcedureStepStartTime, t::kRequestAttributesSequence};
  static const std::vector<uint32_t> kInstance = {
      t::kSpecificCharacterSet, t::kSOPClassUID, t::kSOPInstanceUID, t::kInstanceAvailability,
      t::kStudyInstanceUID, t::kSeriesInstanceUID, t::kInstanceNumber, t::kRows, t::kColumns,
      t::kBitsAllocated, t::kNumberOfFrames};
  switch (level) {
    case Level::kPatient: return kPatient;
    case Level::kStudy: return kStudy;
    case Level::kSeries: return kSeries;
    case Level::kInstance: return kInstance;
  }
  return kStudy;
}

// Builds the answer for one match.
class RowAnswer {
 public:
  RowAnswer(const index::FindRow& row, Level level) : row_(row), level_(level),
                                                        metadata_(row.metadata_json) {}

  // The attribute for `tag`; nullopt when it is unknown for this match.
  std::optional<dicom::Attribute> Get(uint32_t tag) {
    dicom::Attribute a;
    a.tag = tag;
    a.vr = dicom::VrForTag(tag);
    // BitsAllocated of rows indexed before the column existed is 0: answer from the metadata.
    if (Column(tag, &a) && !(tag == t::kBitsAllocated && a.values.empty())) return a;
    if (const dicom::Attribute* m = metadata_.Get(tag)) return *m;
    return std::nullopt;
  }

  // Whether every one of `tags` is answered from index columns at `level`.
  static bool AllFromColumns(const std::set<uint32_t>& tags, Level level) {
    index::FindRow empty;
    RowAnswer probe(empty, level);
    dicom::Attribute scratch;
    for (uint32_t tag : tags)
      if (!probe.Column(tag, &scratch)) return false;
    return true;
  }

  MetadataAttrs& metadata() { return metadata_; }

 private:
  static void Set(dicom::Attribute* a, const std::string& v) {
    if (!v.empty()) a->values.push_back(v);
  }
  static void SetInt(dicom::Attribute* a, std::optional<int32_t> v) {
    if (v) a->values.push_back(std::to_string(*v));
  }
  static void SetList(dicom::Attribute* a, const std::string& joined) {
    if (joined.empty()) return;
    for (auto v : base::Split(joined, '\\')) a->values.emplace_back(v);
  }

  bool AtLeast(Level l) const { return level_ >= l; }

  bool Column(uint32_t tag, dicom::Attribute* a) {
    const auto& p = row_.patient;
    const auto& st = row_.study;
    const auto& se = row_.series;
    const auto& in = row_.instance;
    switch (tag) {
      case t::kSpecificCharacterSet: Set(a, "ISO_IR 192"); return true;
      case t::kPatientName: Set(a, p.patient_name); return true;
      case t::kPatientID: Set(a, p.patient_id); return true;
      case t::kIssuerOfPatientID: Set(a, p.issuer_of_patient_id); return true;
      case t::kPatientBirthDate: Set(a, p.patient_birth_date); return true;
      case t::kPatientSex: Set(a, p.patient_sex); return true;
      case t::kInstanceAvailability: Set(a, "ONLINE"); return true;
      case t::kNumberOfPatientRelatedStudies:
        if (level_ != Level::kPatient) return false;
        SetInt(a, row_.counts.patient_related_studies);
        return true;
    }
    if (!AtLeast(Level::kStudy)) return false;
    switch (tag) {
      case t::kStudyInstanceUID: Set(a, st.study_instance_uid); return true;
      case t::kStudyDate: Set(a, st.study_date); return true;
      case t::kStudyTime: Set(a, st.study_time); return true;
      case t::kAccessionNumber: Set(a, st.accession_number); return true;
      case t::kStudyID: Set(a, st.study_id); return true;
      case t::kStudyDescription: Set(a, st.study_description); return true;
      case t::kReferringPhysicianName: Set(a, st.referring_physician_name); return true;
      case t::kModalitiesInStudy: SetList(a, row_.modalities_in_study); return true;
      case t::kSOPClassesInStudy: SetList(a, row_.sop_classes_in_study); return true;
      case t::kNumberOfStudyRelatedSeries:
        if (level_ != Level::kStudy) return false;
        SetInt(a, row_.counts.study_related_series);
        return true;
      case t::kNumberOfStudyRelatedInstances:
        if (level_ != Level::kStudy) return false;
        SetInt(a, row_.counts.study_related_instances);
        return true;
    }
    if (!AtLeast(Level::kSeries)) return false;
    switch (tag) {
      case t::kSeriesInstanceUID: Set(a, se.series_instance_uid); return true;
      case t::kModality: Set(a, se.modality); return true;
      case t::kSeriesNumber: SetInt(a, se.series_number); return true;
      case t::kSeriesDescription: Set(a, se.series_description); return true;
      case t::kBodyPartExamined: Set(a, se.body_part_examined); return true;
      case t::kSeriesDate: Set(a, se.series_date); return true;
      case t::kSeriesTime: Set(a, se.series_time); return true;
      case t::kPerformedProcedureStepStartDate:
        Set(a, se.performed_procedure_step_start_date);
        return true;
      case t::kPerformedProcedureStepStartTime:
        Set(a, se.performed_procedure_step_start_time);
        return true;
      case t::kRequestAttributesSequence:
        a->vr = "SQ";
        for (const auto& ra : se.request_attributes) {
          dicom::AttributeList item;
          if (!ra.scheduled_procedure_step_id.empty())
            item.push_back({t::kScheduledProcedureStepID, "SH", {ra.scheduled_procedure_step_id}, {}});
          if (!ra.requested_procedure_id.empty())
            item.push_back({t::kRequestedProcedureID, "SH", {ra.requested_procedure_id}, {}});
          a->items.push_back(std::move(item));
        }
        return true;
      case t::kNumberOfSeriesRelatedInstances:
        if (level_ != Level::kSeries) return false;
        SetInt(a, row_.counts.series_related_instances);
        return true;
    }
    if (!AtLeast(Level::kInstance)) return false;
    switch (tag) {
      case t::kSOPClassUID: Set(a, in.sop_class_uid); return true;
      case t::kSOPInstanceUID: Set(a, in.sop_instance_uid); return true;
      case t::kInstanceNumber: SetInt(a, in.instance_number); return true;
      case t::kRows:
        if (in.rows) SetInt(a, in.rows);
        return true;
      case t::kColumns:
        if (in.columns) SetInt(a, in.columns);
        return true;
      case t::kNumberOfFrames:
        if (in.number_of_frames) SetInt(a, in.number_of_frames);
        return true;
      case t::kBitsAllocated:
        if (in.bits_allocated) SetInt(a, in.bits_allocated);
        return true;
    }
    return false;
  }

  const index::FindRow& row_;
  Level level_;
  MetadataAttrs metadata_;
};

}  // namespace

base::Result<index::FindQuery> QueryService::ToIndexQuery(const QueryRequest& request,
                                                          std::vector<std::string>* warnings) {
  index::FindQuery q;
  q.level = request.level;
  q.limit = request.limit;
  q.offset = request.offset;
  auto add = [&](const IndexedKey& key, const std::string& value,
                 std::string_view keyword) -> base::Status {
    DOKUEI_ASSIGN_OR_RETURN(auto cond, MakeCondition(key, value, request.fuzzy_names, keyword));
    if (!cond) return base::Status::Ok();
    if (index::LevelOf(cond->attr) > q.level) {
      return base::InvalidArgument(
          std::string(keyword) + ": matching on a " + LevelName(index::LevelOf(cond->attr)) +
              " attribute is not allowed in a " + LevelName(q.level) + " level query",
          std::string(keyword));
    }
    q.conditions.push_back(std::move(*cond));
    return base::Status::Ok();
  };
  for (const dicom::Attribute& key : request.keys) {
    if (IsControlKey(key.tag)) continue;
    std::string keyword = dicom::KeywordForTag(key.tag);
    if (keyword.empty()) keyword = dicom::TagHex(key.tag);
    if (key.tag == t::kRequestAttributesSequence) {
      for (const auto& item : key.items) {
        for (const auto& sub : item) {
          const IndexedKey* ik = FindRequestAttributesKey(sub.tag);
          if (!ik) {
            if (HasMatchingValue(sub) && warnings)
              warnings->push_back("matching on " + Describe(sub.tag) +
                                  " in RequestAttributesSequence is not supported; ignored");
            continue;
          }
          DOKUEI_RETURN_IF_ERROR(add(*ik, Joined(sub.values), dicom::KeywordForTag(sub.tag)));
        }
      }
      continue;
    }
    const IndexedKey* ik = FindIndexedKey(key.tag);
    // Modality at study level means "a study with a series of this modality".
    if (key.tag == t::kModality && request.level == Level::kStudy)
      ik = FindIndexedKey(t::kModalitiesInStudy);
    if (!ik) {
      if (HasMatchingValue(key) && warnings)
        warnings->push_back("matching on " + Describe(key.tag) + " is not supported; ignored");
      continue;
    }
    if (!HasMatchingValue(key)) continue;
    std::string value = Joined(key.values);
    if (ik->kind == ValueKind::kPersonName && value.find('=') != std::string::npos) {
      // "Alphabetic=Ideographic=Phonetic": each non-empty group must match (e.g. "=山田*").
      for (auto group : base::Split(value, '='))
        if (!base::Trim(group).empty())
          DOKUEI_RETURN_IF_ERROR(add(*ik, std::string(group), keyword));
      continue;
    }
    // A matching value below the query level is an error; a return key there is just ignored.
    DOKUEI_RETURN_IF_ERROR(add(*ik, value, keyword));
  }
  return q;
}

base::Result<QueryResult> QueryService::Find(index::TenantId tenant,
                                             const QueryRequest& request) {
  QueryResult result;
  DOKUEI_ASSIGN_OR_RETURN(index::FindQuery q, ToIndexQuery(request, &result.warnings));

  std::set<uint32_t> wanted;
  for (const auto& k : request.keys) wanted.insert(k.tag);
  if (request.qido_defaults)
    for (uint32_t tag : DefaultTags(request.level)) wanted.insert(tag);
  for (uint32_t tag : request.include) wanted.insert(tag);
  wanted.erase(t::kQueryRetrieveLevel);
  wanted.erase(t::kRetrieveAETitle);
  wanted.erase(t::kRetrieveURL);
  q.with_metadata = request.include_all || !RowAnswer::AllFromColumns(wanted, request.level);
  DOKUEI_ASSIGN_OR_RETURN(std::vector<index::FindRow> rows, index_.Find(tenant, q));

  result.matches.reserve(rows.size());
  for (const index::FindRow& row : rows) {
    RowAnswer answer(row, request.level);
    std::map<uint32_t, dicom::Attribute> out;
    if (request.include_all) {
      for (const auto& [tag, attr] : answer.metadata().All())
        if (dicom::GroupOf(tag) != 0x0002 && tag != t::kPixelData) out[tag] = attr;
    }
    for (uint32_t tag : wanted) {
      auto a = answer.Get(tag);
      if (a) {
        out[tag] = std::move(*a);
      } else if (!request.qido_defaults) {
        // C-FIND: every requested key is answered, zero-length when unknown. QIDO omits them.
        out[tag] = dicom::Attribute{tag, dicom::VrForTag(tag), {}, {}};
      }
    }
    dicom::AttributeList list;
    list.reserve(out.size());
    for (auto& [tag, attr] : out) list.push_back(std::move(attr));
    result.matches.push_back(std::move(list));
  }
  return result;
}

}  // namespace dokuei::archive
