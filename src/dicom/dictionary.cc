#include "dictionary.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcvr.h>

#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "dokuei/base/strings.h"
#include "dokuei/dicom/attribute.h"

namespace dokuei::dicom::internal {
namespace {

struct RepeatingEntry {
  uint16_t group_lo, group_hi, element_lo, element_hi;
  DcmDictRangeRestriction group_restriction, element_restriction;
  DictEntry entry;
};

struct Dictionary {
  std::deque<std::string> names;  // stable storage for keywords
  std::unordered_map<uint32_t, DictEntry> by_tag;
  std::vector<RepeatingEntry> repeating;
  std::unordered_map<std::string_view, uint32_t> by_keyword;
};

bool MatchesRestriction(uint16_t v, DcmDictRangeRestriction r) {
  if (r == DcmDictRange_Even) return (v & 1) == 0;
  if (r == DcmDictRange_Odd) return (v & 1) == 1;
  return true;
}

DictEntry MakeEntry(const DcmDictEntry& e, Dictionary& d) {
  DictEntry out;
  const DcmEVR evr = e.getEVR();
  switch (evr) {
    case EVR_ox:
    case EVR_px:
    case EVR_lt:
    case EVR_PixelData:
    case EVR_OverlayData:
      out.vr = vr::kOW;
      break;
    case EVR_xs:
      out.vr = vr::kUS;
      out.us_or_ss = true;
      break;
    case EVR_up:
      out.vr = vr::kUL;
      break;
    case EVR_na:
    case EVR_item:
    case EVR_pixelItem:
    case EVR_pixelSQ:
      out.vr = 0;
      break;
    default: {
      const char* name = DcmVR(evr).getValidVRName();
      out.vr = (name && name[0] && name[1]) ? MakeVr(name[0], name[1]) : vr::kUN;
      if (!IsKnownVr(out.vr)) out.vr = vr::kUN;
    }
  }
  std::string_view name = e.getTagName() ? e.getTagName() : "";
  if (base::StartsWith(name, "RETIRED_")) {
    name.remove_prefix(8);
    out.retired = true;
  }
  d.names.emplace_back(name);
  out.keyword = d.names.back();
  return out;
}

const Dictionary& Dict() {
  static const Dictionary* dict = [] {
    auto* d = new Dictionary();
    DcmDataDictionary& dd = dcmDataDict.wrlock();
    for (auto it = dd.normalBegin(); it != dd.normalEnd(); ++it) {
      const DcmDictEntry* e = *it;
      if (e == nullptr || e->getPrivateCreator() != nullptr) continue;
      uint32_t tag = Tag(e->getGroup(), e->getElement());
      DictEntry entry = MakeEntry(*e, *d);
      d->by_tag.emplace(tag, entry);
      if (!entry.keyword.empty()) d->by_keyword.emplace(entry.keyword, tag);
    }
    for (auto it = dd.repeatingBegin(); it != dd.repeatingEnd(); ++it) {
      const DcmDictEntry* e = *it;
      if (e == nullptr || e->getPrivateCreator() != nullptr) continue;
      RepeatingEntry r{e->getGroup(),
                       e->getUpperGroup(),
                       e->getElement(),
                       e->getUpperElement(),
                       e->getGroupRangeRestriction(),
                       e->getElementRangeRestriction(),
                       MakeEntry(*e, *d)};
      d->repeating.push_back(r);
      if (!r.entry.keyword.empty())
        d->by_keyword.emplace(r.entry.keyword, Tag(r.group_lo, r.element_lo));
    }
    dcmDataDict.wrunlock();
    return d;
  }();
  return *dict;
}

}  // namespace

const DictEntry* LookupTag(uint32_t tag) {
  const Dictionary& d = Dict();
  auto it = d.by_tag.find(tag);
  if (it != d.by_tag.end()) return &it->second;
  const uint16_t g = GroupOf(tag), el = ElementOf(tag);
  for (const RepeatingEntry& r : d.repeating) {
    if (g >= r.group_lo && g <= r.group_hi && el >= r.element_lo && el <= r.element_hi &&
        MatchesRestriction(g, r.group_restriction) && MatchesRestriction(el, r.element_restriction))
      return &r.entry;
  }
  return nullptr;
}

std::optional<uint32_t> LookupKeyword(std::string_view keyword) {
  const Dictionary& d = Dict();
  if (base::StartsWith(keyword, "RETIRED_")) keyword.remove_prefix(8);
  auto it = d.by_keyword.find(keyword);
  if (it == d.by_keyword.end()) return std::nullopt;
  return it->second;
}

Vr ImplicitVr(uint32_t tag, int pixel_representation) {
  const uint16_t g = GroupOf(tag), el = ElementOf(tag);
  if (el == 0) return vr::kUL;  // group length
  if (g & 1) {
    if (el >= 0x0010 && el <= 0x00FF) return vr::kLO;  // private creator
    return vr::kUN;
  }
  const DictEntry* e = LookupTag(tag);
  if (e == nullptr || e->vr == 0) return vr::kUN;
  if (e->us_or_ss) return pixel_representation == 1 ? vr::kSS : vr::kUS;
  return e->vr;
}

std::string KeywordOrTag(uint32_t tag) {
  if (!(GroupOf(tag) & 1)) {
    const DictEntry* e = LookupTag(tag);
    if (e != nullptr && !e->keyword.empty()) return std::string(e->keyword);
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "(%04X,%04X)", GroupOf(tag), ElementOf(tag));
  return buf;
}

}  // namespace dokuei::dicom::internal
