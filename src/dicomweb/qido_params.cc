#include "qido_params.h"

#include <algorithm>

#include "dokuei/base/strings.h"

namespace dokuei::dicomweb {
namespace {

namespace t = dicom::tags;

base::Result<std::vector<uint32_t>> ParseAttributePath(std::string_view id,
                                                       const std::string& param) {
  std::vector<uint32_t> path;
  for (std::string_view part : base::Split(id, '.')) {
    auto tag = dicom::ParseTag(base::Trim(part));
    if (!tag) return base::InvalidArgument("unknown attribute in query parameter", param);
    path.push_back(*tag);
  }
  if (path.empty() || path.size() > 2) {
    return base::InvalidArgument("unsupported attribute path in query parameter", param);
  }
  if (path.size() == 2 && dicom::VrForTag(path[0]) != "SQ") {
    return base::InvalidArgument("attribute path must start with a sequence", param);
  }
  return path;
}

std::vector<std::string> SplitValue(std::string_view vr, const std::string& value) {
  std::vector<std::string> out;
  if (value.empty()) return out;
  if (vr == "UI" || vr == "CS") {
    for (std::string_view v : base::Split(value, ',')) {
      for (std::string_view w : base::Split(v, '\\')) {
        std::string_view trimmed = base::Trim(w);
        if (!trimmed.empty()) out.emplace_back(trimmed);
      }
    }
    return out;
  }
  out.push_back(value);
  return out;
}

dicom::Attribute* FindKey(dicom::AttributeList& keys, uint32_t tag) {
  for (auto& a : keys) {
    if (a.tag == tag) return &a;
  }
  return nullptr;
}

base::Status AddUidKey(dicom::AttributeList& keys, uint32_t tag, const std::string& uid,
                       const char* field) {
  if (uid.empty()) return base::Status::Ok();
  if (!base::IsValidUid(uid)) return base::InvalidArgument("not a valid UID", field);
  keys.push_back(dicom::Attribute{tag, "UI", {uid}, {}});
  return base::Status::Ok();
}

}  // namespace

base::Result<QidoParams> ParseQidoParams(const QidoScope& scope, const http::Pairs& query,
                                         uint32_t max_limit) {
  QidoParams out;
  archive::QueryRequest& req = out.request;
  req.level = scope.level;
  req.qido_defaults = true;
  bool have_limit = false;
  uint32_t limit = 0;
  std::vector<uint32_t> seen;
  for (const auto& [name, value] : query) {
    if (name == "includefield") {
      for (std::string_view item : base::Split(value, ',')) {
        item = base::Trim(item);
        if (item.empty()) continue;
        if (item == "all") {
          req.include_all = true;
          continue;
        }
        DOKUEI_ASSIGN_OR_RETURN(auto path, ParseAttributePath(item, name));
        if (std::find(req.include.begin(), req.include.end(), path[0]) == req.include.end()) {
          req.include.push_back(path[0]);
        }
      }
      continue;
    }
    if (name == "fuzzymatching") {
      if (value != "true" && value != "false") {
        return base::InvalidArgument("fuzzymatching must be true or false", name);
      }
      req.fuzzy_names = value == "true";
      continue;
    }
    if (name == "limit" || name == "offset") {
      auto n = base::ParseUint(value);
      if (!n || *n > 0xFFFFFFFFull || (name == "limit" && *n == 0)) {
        return base::InvalidArgument(name + " must be a " +
                                         (name == "limit" ? "positive" : "non-negative") +
                                         " integer",
                                     name);
      }
      if (name == "limit") {
        have_limit = true;
        limit = static_cast<uint32_t>(*n);
      } else {
        req.offset = static_cast<uint32_t>(*n);
      }
      continue;
    }
    DOKUEI_ASSIGN_OR_RETURN(auto path, ParseAttributePath(name, name));
    uint32_t leaf = path.back();
    std::string vr = dicom::VrForTag(leaf);
    if (vr == "SQ" && path.size() == 1 && !value.empty()) {
      return base::InvalidArgument("matching on a whole sequence is not supported", name);
    }
    std::vector<std::string> values = SplitValue(vr, value);
    if (path.size() == 2) {
      dicom::Attribute* seq = FindKey(req.keys, path[0]);
      if (!seq) {
        req.keys.push_back(dicom::Attribute{path[0], "SQ", {}, {dicom::AttributeList{}}});
        seq = &req.keys.back();
      }
      if (seq->items.empty()) seq->items.emplace_back();
      for (const auto& a : seq->items[0]) {
        if (a.tag == leaf) return base::InvalidArgument("query parameter given twice", name);
      }
      seq->items[0].push_back(dicom::Attribute{leaf, vr, std::move(values), {}});
      continue;
    }
    if (std::find(seen.begin(), seen.end(), leaf) != seen.end()) {
      // A repeated UID or code string is a list; anything else is ambiguous.
      dicom::Attribute* existing = FindKey(req.keys, leaf);
      if ((vr != "UI" && vr != "CS") || !existing) {
        return base::InvalidArgument("query parameter given twice", name);
      }
      for (auto& v : values) existing->values.push_back(std::move(v));
      continue;
    }
    seen.push_back(leaf);
    if (vr == "UI") {
      for (const auto& v : values) {
        if (!base::IsValidUid(v)) return base::InvalidArgument("not a valid UID", name);
      }
    }
    req.keys.push_back(dicom::Attribute{leaf, vr, std::move(values), {}});
  }
  DOKUEI_RETURN_IF_ERROR(
      AddUidKey(req.keys, t::kStudyInstanceUID, scope.study_uid, "StudyInstanceUID"));
  DOKUEI_RETURN_IF_ERROR(
      AddUidKey(req.keys, t::kSeriesInstanceUID, scope.series_uid, "SeriesInstanceUID"));
  req.limit = have_limit ? std::min(limit, max_limit) : max_limit;
  out.limit_capped = !have_limit || limit > max_limit;
  return out;
}

}  // namespace dokuei::dicomweb
