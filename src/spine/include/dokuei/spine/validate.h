// Checking a report's content against its template (docs/design/spine-reporting.md, "Validation,
// checks, signing"), and what is derived from valid content: coded findings and the RSNA 2024
// lumbar grid. Content is the report's JSON text (the common frame of report/content.h).
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/spine/document.h"
#include "dokuei/spine/template.h"

namespace dokuei::spine {

// One problem in the content, naming the field: "content.levels[L4-L5].foramen.lee.right".
struct Problem {
  std::string field;
  Label message;
};

// The measurement kinds src/measure computes (content.measurements[].kind).
inline constexpr std::string_view kMeasurementKinds[] = {
    "cobb", "slip", "canal_ap", "dural_area", "height_loss", "disc_height"};

// Every problem of the content inside the frame: unknown fields, values outside their value set,
// numbers out of range, levels or vertebrae not in the region, sided fields without both sides,
// `normal` with other fields, figure indexes without a key image, measurements of unknown kind,
// annotations referring to unknown measurements. Content naming no template has nothing to check;
// an unknown template or version is one problem at content.template.
std::vector<Problem> Validate(std::string_view content, const Catalog& catalog);
std::vector<Problem> Validate(std::string_view content, const Template& t);

// The coded findings of valid content (one per field value, per side for sided fields; stated
// normal levels give no field findings but one "normal" finding per level), in template order.
base::Result<std::vector<CodedFinding>> ExtractFindings(std::string_view content,
                                                        const Template& t);

// The RSNA 2024 lumbar spine degenerative classification grid: 5 conditions x L1-L2 .. L5-S1.
struct GridCell {
  std::string row_id;     // "spinal_canal_stenosis_l4_l5" (the challenge's row naming)
  std::string condition;  // "spinal_canal_stenosis", "left_neural_foraminal_narrowing", ...
  std::string level;      // "L4-L5"
  std::string severity;   // "normal_mild" | "moderate" | "severe" | "" (not stated)
  std::string source;     // the field it came from ("canal.grade", "foramen.lee.left", "normal")
};
// From an MR lumbar report (kFailedPrecondition for any other template).
base::Result<std::vector<GridCell>> RsnaLumbarGrid(std::string_view content, const Template& t);

}  // namespace dokuei::spine
