#include "dokuei/archive/retrieve.h"

#include <map>

#include "dokuei/base/strings.h"

namespace dokuei::archive {
namespace {

index::Condition Equals(index::Attr attr, std::string_view v) {
  index::Condition c;
  c.attr = attr;
  c.kind = index::Condition::Kind::kEquals;
  c.value = std::string(v);
  return c;
}

base::Result<index::FindQuery> UidQuery(std::string_view study, std::string_view series,
                                        std::string_view sop) {
  index::FindQuery q;
  auto check = [](std::string_view uid, const char* field) -> base::Status {
    if (!uid.empty() && !base::IsValidUid(uid))
      return base::InvalidArgument(std::string(field) + " is not a valid UID", field);
    return base::Status::Ok();
  };
  DOKUEI_RETURN_IF_ERROR(check(study, "StudyInstanceUID"));
  DOKUEI_RETURN_IF_ERROR(check(series, "SeriesInstanceUID"));
  DOKUEI_RETURN_IF_ERROR(check(sop, "SOPInstanceUID"));
  q.level = index::Level::kStudy;
  if (!study.empty()) q.conditions.push_back(Equals(index::Attr::kStudyInstanceUID, study));
  if (!series.empty()) {
    q.level = index::Level::kSeries;
    q.conditions.push_back(Equals(index::Attr::kSeriesInstanceUID, series));
  }
  if (!sop.empty()) {
    q.level = index::Level::kInstance;
    q.conditions.push_back(Equals(index::Attr::kSOPInstanceUID, sop));
  }
  if (q.conditions.empty()) return base::InvalidArgument("no UID given", "StudyInstanceUID");
  return q;
}

void AppendWithAbsoluteBulkUris(std::string& out, std::string_view json,
                                std::string_view base_url) {
  static constexpr std::string_view kKey = "\"BulkDataURI\":\"";
  size_t pos = 0;
  while (true) {
    size_t hit = json.find(kKey, pos);
    if (hit == std::string_view::npos) {
      out.append(json.substr(pos));
      return;
    }
    size_t value_start = hit + kKey.size();
    out.append(json.substr(pos, value_start - pos));
    if (value_start < json.size() && json[value_start] == '/') out.append(base_url);
    pos = value_start;
  }
}

}  // namespace

base::Result<std::vector<index::InstanceLocation>> RetrieveService::Locate(
    index::TenantId tenant, std::string_view study_uid, std::string_view series_uid,
    std::string_view sop_uid) {
  DOKUEI_ASSIGN_OR_RETURN(index::FindQuery q, UidQuery(study_uid, series_uid, sop_uid));
  DOKUEI_ASSIGN_OR_RETURN(auto found, index_.Locate(tenant, q));
  if (found.empty()) return base::NotFound("no such study, series or instance");
  return found;
}

base::Result<std::vector<index::InstanceLocation>> RetrieveService::Locate(
    index::TenantId tenant, const QueryRequest& request) {
  std::vector<std::string> warnings;
  DOKUEI_ASSIGN_OR_RETURN(index::FindQuery q, query_.ToIndexQuery(request, &warnings));
  if (q.conditions.empty())
    return base::InvalidArgument("a retrieve needs at least one unique key (a UID)",
                                 "StudyInstanceUID");
  q.limit = 0;
  q.offset = 0;
  return index_.Locate(tenant, q);
}

base::Result<std::unique_ptr<blob::BlobReader>> RetrieveService::Open(
    const index::InstanceLocation& location) {
  auto reader = blobs_.Open(location.blob_key);
  if (!reader.ok()) {
    if (reader.status().code() == base::Code::kNotFound)
      return base::DataLoss("stored object " + location.sop_instance_uid + " is missing");
    return reader.status();
  }
  if ((*reader)->Size() != location.size_bytes)
    return base::DataLoss("stored object " + location.sop_instance_uid + " has the wrong size");
  return std::move(*reader);
}

base::Result<std::string> RetrieveService::ReadAll(const index::InstanceLocation& location) {
  DOKUEI_ASSIGN_OR_RETURN(auto reader, Open(location));
  std::string out(reader->Size(), '\0');
  DOKUEI_ASSIGN_OR_RETURN(
      size_t n, reader->Read(0, {reinterpret_cast<uint8_t*>(out.data()), out.size()}));
  if (n != out.size())
    return base::DataLoss("stored object " + location.sop_instance_uid + " is truncated");
  return out;
}

base::Result<std::string> RetrieveService::MetadataJson(index::TenantId tenant,
                                                        std::string_view study_uid,
                                                        std::string_view series_uid,
                                                        std::string_view sop_uid,
                                                        std::string_view dicomweb_base_url) {
  DOKUEI_ASSIGN_OR_RETURN(index::FindQuery q, UidQuery(study_uid, series_uid, sop_uid));
  DOKUEI_ASSIGN_OR_RETURN(std::vector<std::string> docs, index_.Metadata(tenant, q));
  if (docs.empty()) return base::NotFound("no such study, series or instance");
  size_t total = 2;
  for (const auto& d : docs) total += d.size() + 1 + 64;
  std::string out;
  out.reserve(total);
  out.push_back('[');
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i) out.push_back(',');
    AppendWithAbsoluteBulkUris(out, docs[i], dicomweb_base_url);
  }
  out.push_back(']');
  return out;
}

base::Result<CommitmentResult> RetrieveService::Commitment(
    index::TenantId tenant, const std::vector<SopReference>& references) {
  CommitmentResult result;
  if (references.empty()) return result;
  index::FindQuery q;
  q.level = index::Level::kInstance;
  index::Condition c;
  c.attr = index::Attr::kSOPInstanceUID;
  c.kind = index::Condition::Kind::kList;
  for (const auto& r : references)
    if (base::IsValidUid(r.sop_instance_uid)) c.values.push_back(r.sop_instance_uid);
  std::map<std::string, index::InstanceLocation> held;
  if (!c.values.empty()) {
    q.conditions.push_back(std::move(c));
    DOKUEI_ASSIGN_OR_RETURN(auto found, index_.Locate(tenant, q));
    for (auto& loc : found) held.emplace(loc.sop_instance_uid, std::move(loc));
  }
  constexpr uint16_t kNoSuchObjectInstance = 0x0112;
  constexpr uint16_t kClassInstanceConflict = 0x0119;
  constexpr uint16_t kProcessingFailure = 0x0110;
  for (const auto& ref : references) {
    auto it = held.find(ref.sop_instance_uid);
    if (it == held.end()) {
      result.failed.emplace_back(ref, kNoSuchObjectInstance);
    } else if (it->second.sop_class_uid != ref.sop_class_uid) {
      result.failed.emplace_back(ref, kClassInstanceConflict);
    } else if (!Open(it->second).ok()) {
      result.failed.emplace_back(ref, kProcessingFailure);
    } else {
      result.committed.push_back(ref);
    }
  }
  return result;
}

}  // namespace dokuei::archive
