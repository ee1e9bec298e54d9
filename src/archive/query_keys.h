// The attributes the index can match on and how their values are written: the table that turns
// a DICOM key into an index condition.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "dokuei/base/status.h"
#include "dokuei/index/query.h"

namespace dokuei::archive {

enum class ValueKind : uint8_t { kUid, kDate, kTime, kPersonName, kText, kInteger, kCodeList };

struct IndexedKey {
  uint32_t tag;
  index::Attr attr;
  ValueKind kind;
};

// The indexed key for a top-level tag, if any.
const IndexedKey* FindIndexedKey(uint32_t tag);
// Keys inside Request Attributes Sequence items (sequence matching).
const IndexedKey* FindRequestAttributesKey(uint32_t tag);

// Turns a matching value into a condition; nullopt for universal matching (empty or "*").
// Errors name the attribute.
base::Result<std::optional<index::Condition>> MakeCondition(const IndexedKey& key,
                                                            std::string_view value, bool fuzzy,
                                                            std::string_view keyword);

}  // namespace dokuei::archive
