#include "query_keys.h"

#include <array>

#include "dokuei/base/strings.h"
#include "dokuei/dicom/attribute.h"

namespace dokuei::archive {
namespace {

namespace t = dicom::tags;
using index::Attr;

constexpr std::array<IndexedKey, 23> kKeys = {{
    {t::kPatientName, Attr::kPatientName, ValueKind::kPersonName},
    {t::kPatientID, Attr::kPatientID, ValueKind::kText},
    {t::kIssuerOfPatientID, Attr::kIssuerOfPatientID, ValueKind::kText},
    {t::kPatientBirthDate, Attr::kPatientBirthDate, ValueKind::kDate},
    {t::kPatientSex, Attr::kPatientSex, ValueKind::kCodeList},
    {t::kStudyInstanceUID, Attr::kStudyInstanceUID, ValueKind::kUid},
    {t::kStudyDate, Attr::kStudyDate, ValueKind::kDate},
    {t::kStudyTime, Attr::kStudyTime, ValueKind::kTime},
    {t::kAccessionNumber, Attr::kAccessionNumber, ValueKind::kText},
    {t::kStudyID, Attr::kStudyID, ValueKind::kText},
    {t::kStudyDescription, Attr::kStudyDescription, ValueKind::kText},
    {t::kReferringPhysicianName, Attr::kReferringPhysicianName, ValueKind::kPersonName},
    {t::kModalitiesInStudy, Attr::kModalitiesInStudy, ValueKind::kCodeList},
    {t::kSeriesInstanceUID, Attr::kSeriesInstanceUID, ValueKind::kUid},
    {t::kModality, Attr::kModality, ValueKind::kCodeList},
    {t::kSeriesNumber, Attr::kSeriesNumber, ValueKind::kInteger},
    {t::kSeriesDescription, Attr::kSeriesDescription, ValueKind::kText},
    {t::kBodyPartExamined, Attr::kBodyPartExamined, ValueKind::kText},
    {t::kPerformedProcedureStepStartDate, Attr::kPerformedProcedureStepStartDate,
     ValueKind::kDate},
    {t::kPerformedProcedureStepStartTime, Attr::kPerformedProcedureStepStartTime,
     ValueKind::kTime},
    {t::kSOPInstanceUID, Attr::kSOPInstanceUID, ValueKind::kUid},
    {t::kSOPClassUID, Attr::kSOPClassUID, ValueKind::kUid},
    {t::kInstanceNumber, Attr::kInstanceNumber, ValueKind::kInteger},
}};

constexpr std::array<IndexedKey, 2> kRequestKeys = {{
    {t::kRequestedProcedureID, Attr::kRequestedProcedureID, ValueKind::kText},
    {t::kScheduledProcedureStepID, Attr::kScheduledProcedureStepID, ValueKind::kText},
}};

bool HasWildcard(std::string_view v) {
  return v.find('*') != std::string_view::npos || v.find('?') != std::string_view::npos;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool IsDate(std::string_view s) { return s.size() == 8 && AllDigits(s); }

// TM: HH[MM[SS[.F{1,6}]]] (also accepts the old HH:MM:SS form by stripping colons).
std::optional<std::string> NormaliseTime(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ':') out.push_back(c);
  std::string_view v = out;
  auto dot = v.find('.');
  std::string_view whole = v.substr(0, dot);
  if (whole.size() != 2 && whole.size() != 4 && whole.size() != 6) return std::nullopt;
  if (!AllDigits(whole)) return std::nullopt;
  if (dot != std::string_view::npos) {
    std::string_view frac = v.substr(dot + 1);
    if (whole.size() != 6 || frac.empty() || frac.size() > 6 || !AllDigits(frac))
      return std::nullopt;
  }
  return out;
}

// The latest time a reduced-precision TM stands for: "11" -> "115959.999999".
std::string TimeUpper(const std::string& t) {
  static const std::string kMax = "235959.999999";
  if (t.size() >= kMax.size()) return t;
  if (t.size() == 6) return t + ".999999";
  if (t.find('.') != std::string::npos) return t + std::string(kMax.size() - t.size(), '9');
  return t + kMax.substr(t.size());
}

std::vector<std::string> SplitList(std::string_view v) {
  std::vector<std::string> out;
  for (auto part : base::Split(v, '\\'))
    for (auto p2 : base::Split(part, ',')) {
      auto trimmed = base::Trim(p2);
      if (!trimmed.empty()) out.emplace_back(trimmed);
    }
  return out;
}

// Equality for one value, list matching for several.
std::optional<index::Condition> OneOf(index::Condition c, std::vector<std::string> list) {
  if (list.size() == 1) {
    c.kind = index::Condition::Kind::kEquals;
    c.value = std::move(list[0]);
  } else {
    c.kind = index::Condition::Kind::kList;
    c.values = std::move(list);
  }
  return c;
}

base::Status Bad(std::string_view keyword, const std::string& why) {
  return base::InvalidArgument(std::string(keyword) + ": " + why, std::string(keyword));
}

}  // namespace

const IndexedKey* FindIndexedKey(uint32_t tag) {
  for (const auto& k : kKeys)
    if (k.tag == tag) return &k;
  return nullptr;
}

const IndexedKey* FindRequestAttributesKey(uint32_t tag) {
  for (const auto& k : kRequestKeys)
    if (k.tag == tag) return &k;
  return nullptr;
}

base::Result<std::optional<index::Condition>> MakeCondition(const IndexedKey& key,
                                                            std::string_view raw, bool fuzzy,
                                                            std::string_view keyword) {
  std::string_view v = base::Trim(raw);
  if (v.empty() || v == "*") return std::optional<index::Condition>();
  index::Condition c;
  c.attr = key.attr;
  switch (key.kind) {
    case ValueKind::kUid: {
      if (HasWildcard(v)) return Bad(keyword, "wildcards are not allowed in UID matching");
      auto list = SplitList(v);
      for (const auto& uid : list)
        if (!base::IsValidUid(uid)) return Bad(keyword, "'" + uid + "' is not a valid UID");
      return OneOf(std::move(c), std::move(list));
    }
    case ValueKind::kDate: {
      auto dash = v.find('-');
      if (dash == std::string_view::npos) {
        if (!IsDate(v)) return Bad(keyword, "expected a date YYYYMMDD or a range A-B");
        c.kind = index::Condition::Kind::kEquals;
        c.value = std::string(v);
        return std::optional<index::Condition>(std::move(c));
      }
      std::string_view lo = v.substr(0, dash), hi = v.substr(dash + 1);
      if ((lo.empty() && hi.empty()) || (!lo.empty() && !IsDate(lo)) ||
          (!hi.empty() && !IsDate(hi)))
        return Bad(keyword, "expected a date range YYYYMMDD-YYYYMMDD (either end may be open)");
      if (!lo.empty() && !hi.empty() && lo > hi)
        return Bad(keyword, "the range starts after it ends");
      c.kind = index::Condition::Kind::kRange;
      c.low = std::string(lo);
      c.high = std::string(hi);
      return std::optional<index::Condition>(std::move(c));
    }
    case ValueKind::kTime: {
      auto dash = v.find('-');
      std::string_view lo = dash == std::string_view::npos ? v : v.substr(0, dash);
      std::string_view hi = dash == std::string_view::npos ? v : v.substr(dash + 1);
      std::optional<std::string> l, h;
      if (!lo.empty() && !(l = NormaliseTime(lo)))
        return Bad(keyword, "expected a time HHMMSS[.ffffff] or a range A-B");
      if (!hi.empty() && !(h = NormaliseTime(hi)))
        return Bad(keyword, "expected a time HHMMSS[.ffffff] or a range A-B");
      if (!l && !h) return Bad(keyword, "empty time range");
      c.kind = index::Condition::Kind::kRange;
      c.low = l ? *l : "";
      c.high = h ? TimeUpper(*h) : "";
      return std::optional<index::Condition>(std::move(c));
    }
    case ValueKind::kPersonName:
      if (fuzzy && !HasWildcard(v)) {
        c.kind = index::Condition::Kind::kFuzzy;
      } else {
        c.kind = HasWildcard(v) ? index::Condition::Kind::kWildcard
                                : index::Condition::Kind::kEquals;
      }
      c.value = std::string(v);
      return std::optional<index::Condition>(std::move(c));
    case ValueKind::kText:
      c.kind = HasWildcard(v) ? index::Condition::Kind::kWildcard
                              : index::Condition::Kind::kEquals;
      c.value = std::string(v);
      return std::optional<index::Condition>(std::move(c));
    case ValueKind::kInteger: {
      auto list = SplitList(v);
      for (const auto& n : list)
        if (!base::ParseInt(n)) return Bad(keyword, "'" + n + "' is not an integer");
      return OneOf(std::move(c), std::move(list));
    }
    case ValueKind::kCodeList: {
      if (HasWildcard(v)) {
        c.kind = index::Condition::Kind::kWildcard;
        c.value = std::string(v);
        return std::optional<index::Condition>(std::move(c));
      }
      auto list = SplitList(v);
      return OneOf(std::move(c), std::move(list));
    }
  }
  return Bad(keyword, "unsupported matching");
}

}  // namespace dokuei::archive
