// Pre-sign checks, the anti-miss layer (docs/design/spine-reporting.md, "Validation, checks,
// signing"): errors block signing; warnings need an override with a reason, recorded with the
// signature. Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/spine/document.h"
#include "dokuei/spine/template.h"

namespace dokuei::spine {

struct CheckItem {
  std::string id;     // "level_missing", "condition_missing", ... (see PreSignCheck)
  std::string field;  // "content.levels[L3-L4]"
  Label message;
};

struct CheckResult {
  std::vector<CheckItem> errors;
  std::vector<CheckItem> warnings;
  bool Blocked() const { return !errors.empty(); }
};

// What the checks need to know beyond the content.
struct CheckContext {
  bool critical_recorded = false;  // a critical result is recorded for the report
};

// Errors:
//   invalid            the content does not validate against its template (Validate)
//   level_missing      a required level is neither described nor stated normal
//   condition_missing  one of the five conditions the modality can show is not stated
//                      (at every addressed level for a per-level field)
//   question_unanswered  a clinical question and no impression item with answers_question
//   critical_step      critical_communication.category 1-3 without a recorded critical result
// Warnings:
//   impression_level   the impression names a level or vertebra whose findings are absent or normal
//   impression_side    the impression's side has no abnormal sided finding at its levels
//   slip_grade         slip % (listhesis.percent, slip measurements) disagrees with Meyerding
//   cobb_severity      a Cobb angle disagrees with the stated scoliosis severity
//   height_genant      a height loss disagrees with the Genant grade
//   incidental_critical  an incidental finding has a critical category, the report none
CheckResult PreSignCheck(std::string_view content, const Template& t, const CheckContext& ctx = {});

// Grade rules shared with src/measure: Meyerding from slip % ("none" at 0), scoliosis severity
// from the Cobb angle (<10 none, 10-25 mild, 25-40 moderate, >40 severe), Genant from the height
// loss (<20 "0", 20-25 "1", 25-40 "2", >40 "3"). At a boundary both neighbouring grades agree.
std::string MeyerdingFor(double percent);
std::string CobbSeverityFor(double degrees);
std::string GenantFor(double height_loss_percent);
bool SlipAgrees(double percent, std::string_view grade);
bool CobbAgrees(double degrees, std::string_view severity);
bool GenantAgrees(double height_loss_percent, std::string_view grade);

}  // namespace dokuei::spine
