// Ingest parsing: structural walk (object.cc), required UIDs, index attributes, DICOM JSON; and
// the File Meta Information we write in front of data sets received over DIMSE.
#include "dokuei/dicom/parse.h"

#include <algorithm>
#include <cstring>

#include "charset_internal.h"
#include "dictionary.h"
#include "dokuei/base/strings.h"
#include "json_writer.h"
#include "object.h"

namespace dokuei::dicom {
namespace {

using internal::CharsetDecoder;
using internal::DecodedObject;
using internal::Element;
using internal::Walk;

// Our implementation identity (PS3.7 D.3.3.2), a UUID-derived UID (PS3.5 B.2).
constexpr std::string_view kImplementationClassUid = "2.25.302438668759007784624910472704415885445";
constexpr std::string_view kImplementationVersionName = "DOKUEI_01";

base::Status RequireUid(const Walk& walk, uint32_t tag, std::string* out) {
  const std::string keyword = internal::KeywordOrTag(tag);
  const Element* e = internal::FindElement(walk.elements, tag);
  if (e == nullptr) return base::InvalidArgument(keyword + " is missing", keyword);
  std::string_view v = internal::TrimPadding(internal::ValueBytes(walk, *e), internal::vr::kUI);
  if (v.empty()) return base::InvalidArgument(keyword + " is empty", keyword);
  if (!base::IsValidUid(v)) {
    return base::InvalidArgument(keyword + " '" + internal::Printable(v) + "' is not a valid UID",
                                 keyword);
  }
  *out = std::string(v);
  return base::Status::Ok();
}

constexpr uint32_t kIndexTags[] = {
    tags::kSOPClassUID,
    tags::kSOPInstanceUID,
    tags::kStudyDate,
    tags::kSeriesDate,
    tags::kStudyTime,
    tags::kSeriesTime,
    tags::kAccessionNumber,
    tags::kModality,
    tags::kReferringPhysicianName,
    tags::kStudyDescription,
    tags::kSeriesDescription,
    tags::kPatientName,
    tags::kPatientID,
    tags::kIssuerOfPatientID,
    tags::kPatientBirthDate,
    tags::kPatientSex,
    tags::kBodyPartExamined,
    tags::kStudyInstanceUID,
    tags::kSeriesInstanceUID,
    tags::kStudyID,
    tags::kSeriesNumber,
    tags::kInstanceNumber,
    tags::kNumberOfFrames,
    tags::kRows,
    tags::kColumns,
    tags::kPerformedProcedureStepStartDate,
    tags::kPerformedProcedureStepStartTime,
    tags::kRequestAttributesSequence,
};

bool ToAttribute(const Walk& walk, const Element& e, const CharsetDecoder& decoder,
                 Attribute* out) {
  out->tag = e.tag;
  out->vr = internal::VrString(e.vr);
  bool lossy = false;
  if (internal::IsStringVr(e.vr)) {
    internal::DecodeTextValues(internal::ValueBytes(walk, e), e.vr, decoder, &out->values, &lossy);
  } else if (e.vr == internal::vr::kUS || e.vr == internal::vr::kUL) {
    const size_t size = e.vr == internal::vr::kUS ? 2 : 4;
    for (size_t i = 0; i < e.length / size; ++i) {
      if (auto v = internal::ReadUnsigned(walk, e, i)) out->values.push_back(std::to_string(*v));
    }
  }
  return !lossy;
}

void ExtractIndexAttributes(const Walk& walk, const CharsetDecoder& decoder, ParsedInstance* out) {
  bool lossy = false;
  for (uint32_t tag : kIndexTags) {
    const Element* e = internal::FindElement(walk.elements, tag);
    if (e == nullptr) continue;
    Attribute a;
    if (tag == tags::kRequestAttributesSequence) {
      a.tag = tag;
      a.vr = "SQ";
      for (const internal::Item& item : e->items) {
        CharsetDecoder storage;
        const CharsetDecoder& d = internal::DecoderFor(walk, item.elements, decoder, &storage);
        std::vector<Attribute> attrs;
        for (uint32_t t : {tags::kScheduledProcedureStepID, tags::kRequestedProcedureID}) {
          const Element* ie = internal::FindElement(item.elements, t);
          if (ie == nullptr) continue;
          Attribute ia;
          lossy |= !ToAttribute(walk, *ie, d, &ia);
          attrs.push_back(std::move(ia));
        }
        a.items.push_back(std::move(attrs));
      }
    } else {
      lossy |= !ToAttribute(walk, *e, decoder, &a);
    }
    out->index_attributes.push_back(std::move(a));
  }
  std::sort(out->index_attributes.begin(), out->index_attributes.end(),
            [](const Attribute& x, const Attribute& y) { return x.tag < y.tag; });
  if (lossy) out->warnings.push_back("some index attribute characters could not be decoded");
}

base::Result<ParsedInstance> ParseOpened(DecodedObject& obj, const Limits& limits) {
  const Walk& walk = obj.walk;
  ParsedInstance pi;
  pi.transfer_syntax_uid = obj.ts_uid;
  DOKUEI_RETURN_IF_ERROR(RequireUid(walk, tags::kSOPClassUID, &pi.sop_class_uid));
  DOKUEI_RETURN_IF_ERROR(RequireUid(walk, tags::kSOPInstanceUID, &pi.sop_instance_uid));
  DOKUEI_RETURN_IF_ERROR(RequireUid(walk, tags::kStudyInstanceUID, &pi.study_instance_uid));
  DOKUEI_RETURN_IF_ERROR(RequireUid(walk, tags::kSeriesInstanceUID, &pi.series_instance_uid));
  if (!IsStorageSopClass(pi.sop_class_uid)) {
    return base::Unsupported("SOP class " + pi.sop_class_uid + " is not a storage SOP class",
                             "SOPClassUID");
  }
  pi.pixel = obj.pixel;
  pi.warnings = std::move(obj.walk.warnings);
  if (const Element* scs = internal::FindElement(walk.elements, tags::kSpecificCharacterSet)) {
    pi.specific_character_set =
        std::string(internal::TrimPadding(internal::ValueBytes(walk, *scs), internal::vr::kCS));
  }
  CharsetDecoder decoder(pi.specific_character_set);
  if (!decoder.unknown_terms().empty()) {
    pi.warnings.push_back("unknown Specific Character Set term '" + decoder.unknown_terms() +
                          "'; decoded as ISO_IR 100");
  }
  ExtractIndexAttributes(walk, decoder, &pi);
  internal::JsonOptions options;
  options.bulk_prefix = "/studies/" + pi.study_instance_uid + "/series/" + pi.series_instance_uid +
                        "/instances/" + pi.sop_instance_uid + "/bulk/";
  options.bulk_threshold = limits.bulk_threshold_bytes;
  pi.metadata_json.reserve(walk.bytes.size() < 4096 ? 4096 : 8192);
  internal::WriteDatasetJson(walk, decoder, options, &pi.metadata_json, &pi.warnings);
  return pi;
}

void AppendLe16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}

void AppendMetaElement(std::string* out, uint16_t element, const char vr[3], std::string_view value,
                       char pad) {
  AppendLe16(out, 0x0002);
  AppendLe16(out, element);
  out->append(vr, 2);
  std::string v(value);
  if (v.size() & 1) v.push_back(pad);
  if (vr[0] == 'O' && vr[1] == 'B') {
    AppendLe16(out, 0);
    const uint32_t n = static_cast<uint32_t>(v.size());
    AppendLe16(out, static_cast<uint16_t>(n & 0xFFFF));
    AppendLe16(out, static_cast<uint16_t>(n >> 16));
  } else {
    AppendLe16(out, static_cast<uint16_t>(v.size()));
  }
  *out += v;
}

}  // namespace

base::Result<ParsedInstance> ParseDataset(std::span<const uint8_t> dataset, std::string_view ts_uid,
                                          const Limits& limits) {
  DecodedObject obj;
  DOKUEI_RETURN_IF_ERROR(internal::OpenDataset(dataset, ts_uid, limits, &obj));
  return ParseOpened(obj, limits);
}

base::Result<ParsedInstance> ParsePart10(std::span<const uint8_t> file, const Limits& limits) {
  if (file.size() > limits.max_object_bytes) {
    return base::PayloadTooLarge("object of " + std::to_string(file.size()) +
                                 " bytes exceeds the limit of " +
                                 std::to_string(limits.max_object_bytes));
  }
  DOKUEI_ASSIGN_OR_RETURN(internal::FileMeta meta, internal::ReadFileMeta(file));
  if (!meta.has_transfer_syntax || meta.transfer_syntax_uid.empty()) {
    return base::InvalidArgument("File Meta Information has no TransferSyntaxUID (0002,0010)",
                                 "TransferSyntaxUID");
  }
  DecodedObject obj;
  DOKUEI_RETURN_IF_ERROR(internal::OpenDataset(file.subspan(meta.dataset_offset),
                                               meta.transfer_syntax_uid, limits, &obj));
  DOKUEI_ASSIGN_OR_RETURN(ParsedInstance pi, ParseOpened(obj, limits));
  if (!meta.has_sop_instance || meta.media_storage_sop_instance_uid.empty()) {
    return base::InvalidArgument("File Meta Information has no MediaStorageSOPInstanceUID",
                                 "MediaStorageSOPInstanceUID");
  }
  if (meta.media_storage_sop_instance_uid != pi.sop_instance_uid) {
    return base::InvalidArgument("MediaStorageSOPInstanceUID '" +
                                     internal::Printable(meta.media_storage_sop_instance_uid) +
                                     "' in the File Meta Information does not match "
                                     "SOPInstanceUID '" +
                                     pi.sop_instance_uid + "'",
                                 "MediaStorageSOPInstanceUID");
  }
  if (!meta.has_sop_class || meta.media_storage_sop_class_uid.empty()) {
    return base::InvalidArgument("File Meta Information has no MediaStorageSOPClassUID",
                                 "MediaStorageSOPClassUID");
  }
  if (meta.media_storage_sop_class_uid != pi.sop_class_uid) {
    return base::InvalidArgument("MediaStorageSOPClassUID '" +
                                     internal::Printable(meta.media_storage_sop_class_uid) +
                                     "' in the File Meta Information does not match "
                                     "SOPClassUID '" +
                                     pi.sop_class_uid + "'",
                                 "MediaStorageSOPClassUID");
  }
  return pi;
}

std::string BuildFileMeta(std::string_view sop_class_uid, std::string_view sop_instance_uid,
                          std::string_view ts_uid, std::string_view source_ae) {
  std::string group;
  AppendMetaElement(&group, 0x0001, "OB", std::string_view("\x00\x01", 2), '\0');
  AppendMetaElement(&group, 0x0002, "UI", sop_class_uid, '\0');
  AppendMetaElement(&group, 0x0003, "UI", sop_instance_uid, '\0');
  AppendMetaElement(&group, 0x0010, "UI", ts_uid, '\0');
  AppendMetaElement(&group, 0x0012, "UI", kImplementationClassUid, '\0');
  AppendMetaElement(&group, 0x0013, "SH", kImplementationVersionName, ' ');
  std::string_view ae = base::Trim(source_ae);
  if (!ae.empty()) AppendMetaElement(&group, 0x0016, "AE", ae.substr(0, 16), ' ');
  std::string out(128, '\0');
  out += "DICM";
  AppendLe16(&out, 0x0002);
  AppendLe16(&out, 0x0000);
  out += "UL";
  AppendLe16(&out, 4);
  const uint32_t n = static_cast<uint32_t>(group.size());
  AppendLe16(&out, static_cast<uint16_t>(n & 0xFFFF));
  AppendLe16(&out, static_cast<uint16_t>(n >> 16));
  out += group;
  return out;
}

base::Result<size_t> DatasetOffset(std::span<const uint8_t> file) {
  DOKUEI_ASSIGN_OR_RETURN(internal::FileMeta meta, internal::ReadFileMeta(file));
  return static_cast<size_t>(meta.dataset_offset);
}

}  // namespace dokuei::dicom
