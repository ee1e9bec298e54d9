// The common frame of a spine report (spine-reporting.md, "Common frame"): the top-level sections
// every modality and region shares, with their JSON types. Templates (issue 5) add the fields
// inside the sections; here only the frame is checked. A draft may leave sections out; a report
// is signed only with every section present and a non-empty impression.
//
//   {"frame": 1, "template": {"id": "mr-lumbar", "version": "1"},       (template optional)
//    "clinical_question": "...", "technique": {...}, "comparison": {...}, "numbering": {...},
//    "alignment": {...}, "vertebrae": {...}, "levels": [{"level": "L4-L5", ...}],
//    "cord": {...}, "paraspinal": {...}, "incidental": [{...}], "impression": [{"text": "..."}],
//    "critical_communication": {...}}
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"

namespace dokuei::report {

enum class FrameCheck : uint8_t { kDraft, kSigning };

// Parses and checks `json`; returns the canonical form (sorted keys, compact UTF-8) that is
// stored and signed. kInvalidArgument naming the field ("content.levels[2].level") otherwise.
base::Result<std::string> ValidateContent(std::string_view json, FrameCheck check);

// JSON pointers (RFC 6901) of the leaves where two contents differ (added, removed or changed),
// sorted; "levels" entries are matched by their "level" value, not their position.
std::vector<std::string> CompareContent(std::string_view a, std::string_view b);

}  // namespace dokuei::report
