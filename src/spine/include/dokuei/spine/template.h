// Spine report templates (docs/design/spine-reporting.md, "Template files"): value sets and one
// template per modality x region, plain data loaded from templates/spine/*.json (embedded in the
// binary at build time, so a running server never depends on a path). Old versions stay loadable
// so that old reports still validate.
// Thread safety: a loaded Catalog is immutable and may be shared between threads.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/spine/document.h"

namespace dokuei::spine {

struct ValueDef {
  std::string code;
  Label label;
  Label phrase;      // what the narrative writes; empty -> the label
  int severity = 0;  // 0 normal .. 3 severe
};

struct ValueSet {
  std::string id;
  Label label;
  std::vector<ValueDef> values;
  const ValueDef* Find(std::string_view code) const;
};

enum class FieldType : uint8_t { kCode, kNumber, kBoolean, kText, kCodes };

struct FieldDef {
  std::string id;  // "canal.lee"
  FieldType type = FieldType::kCode;
  Label label;
  std::string value_set;  // kCode / kCodes
  bool sided = false;     // {"left": v, "right": v}
  std::string unit;       // kNumber
  std::optional<double> min;
  std::optional<double> max;
  // Level fields only: the levels where the field applies (a whole-spine template's Kang grade
  // at C2-C3 .. C7-T1); empty = every level of the template.
  std::vector<std::string> levels;

  bool AppliesAt(std::string_view level) const {
    if (levels.empty()) return true;
    for (const std::string& l : levels)
      if (l == level) return true;
    return false;
  }
};

struct Template {
  using ValueSets = std::map<std::string, ValueSet, std::less<>>;
  std::string id;        // "mr-lumbar"
  std::string version;   // "1"
  std::string modality;  // XR | CT | MR
  std::string region;    // cervical | thoracic | lumbar | whole
  Label title;
  std::vector<std::string> levels;  // "L1-L2" ... in cranio-caudal order
  std::vector<std::string> required_levels;
  std::vector<std::string> vertebrae;  // "L1" ...
  // Section name (a frame section: "technique", "alignment", "levels", ...) -> its fields. Two
  // sections describe list items inside a frame section: "curve" (each of alignment.curves, a
  // scoliosis curve) and "vertebra" (each of vertebrae.items, keyed by "vertebra").
  std::map<std::string, std::vector<FieldDef>> sections;
  // Condition ("scoliosis", "canal_stenosis", "disc_herniation", "spondylolysis_listhesis",
  // "spondylosis_deformans") -> field paths that state it ("alignment.scoliosis",
  // "levels/canal.grade"). Absent: the modality cannot show it.
  std::map<std::string, std::vector<std::string>> conditions;

  // The catalog's value sets (shared, immutable), so that a template alone resolves its codes.
  std::shared_ptr<const ValueSets> value_sets;

  const FieldDef* Field(std::string_view section, std::string_view id) const;
  const ValueSet* Set(std::string_view id) const;
  // The value a code field holds, or null (unknown field, not a code field, unknown code).
  const ValueDef* Value(std::string_view section, std::string_view field,
                        std::string_view code) const;
};

class Catalog {
 public:
  // The templates and value sets built into the binary.
  static const Catalog& Builtin();
  // From a directory holding value-sets.json and the template files (tests, tools).
  // kInvalidArgument naming the file and the field when a file is malformed: unknown keys,
  // duplicate ids or codes, a value_set reference that does not resolve, a condition naming a
  // field the template lacks, levels or vertebrae out of order.
  static base::Result<std::shared_ptr<const Catalog>> LoadDir(const std::string& dir);
  // From (file name, text) pairs; what LoadDir and Builtin use.
  static base::Result<std::shared_ptr<const Catalog>> Load(
      const std::vector<std::pair<std::string, std::string>>& files);

  const Template* Find(std::string_view id, std::string_view version) const;
  const Template* Latest(std::string_view id) const;
  // The template for a study: modality (CR/DX/XR -> XR) and region.
  const Template* For(std::string_view modality, std::string_view region) const;
  const ValueSet* Set(std::string_view id) const;
  std::vector<const Template*> All() const;

  // Implementation detail, public for the loader.
  Template::ValueSets value_sets;
  std::vector<Template> templates;
};

}  // namespace dokuei::spine
