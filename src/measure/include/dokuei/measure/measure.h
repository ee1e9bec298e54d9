// Spine measurements computed from points placed on one frame of an instance, in patient
// millimetres through the instance's Geometry (geometry.h). Points are image coordinates
// (column, row) in pixels, (0, 0) the centre of the first pixel, as in spine::Measurement.
//
//   kind         points (in this order)                                     value, unit, grade
//   cobb         a1 a2 (upper end vertebra's superior endplate),             deg; none/mild/
//                b1 b2 (lower end vertebra's inferior endplate)              moderate/severe
//   slip         upper vertebra's posterior-inferior corner, lower           %; Meyerding 0, I-V
//                vertebra's posterior-superior corner, its anterior-
//                superior corner (the lower endplate width)
//   canal_ap     anterior and posterior canal wall                           mm
//   dural_area   the dural sac outline, 3 or more points                     mm2
//   height_loss  vertebra: anterior top, bottom; middle top, bottom;         % (largest loss);
//                posterior top, bottom; then the same 6 of the neighbour     Genant 0-3
//   disc_height  disc: anterior top, bottom; posterior top, bottom; then     mm (mean of anterior
//                the same 4 of one or two adjacent discs (optional)          and posterior)
//
// Severity and grades: Cobb < 10 none, <= 25 mild, <= 40 moderate, else severe; Meyerding
// <= 25 % I, <= 50 II, <= 75 III, <= 100 IV, else V (0 when no slip); Genant < 20 % 0, < 25 1,
// <= 40 2, else 3. Without pixel spacing, angles and ratios are computed in pixels (square
// pixels assumed, flagged by a note) and millimetre measurements are refused.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/measure/geometry.h"
#include "dokuei/spine/document.h"

namespace dokuei::measure {

struct Point {
  double x = 0;  // column
  double y = 0;  // row
};

// Labels of the sites: `upper` and `lower` (vertebrae, e.g. "T5", "T12") for cobb and slip,
// giving site "T5-T12"; `site` (vertebra or level, e.g. "L1", "L4-L5") for the others (and an
// explicit site for cobb and slip).
struct Labels {
  std::string upper, lower, site;
};

// What Compute returns: the measurement as content.measurements stores it, the parts it was
// computed from (e.g. "slip_mm", "width_mm", "anterior_loss_percent") and caveats.
struct Result {
  spine::Measurement measurement;
  std::vector<std::pair<std::string, double>> details;
  std::vector<Note> notes;
};

const std::vector<std::string>& Kinds();

// The pure computations, in millimetres (or pixels when the caller has no spacing).
// kInvalidArgument naming the point ("points[2]") for degenerate input.
base::Result<double> CobbAngleDeg(Point a1, Point a2, Point b1, Point b2);
// Signed slip: positive = anterolisthesis (towards the anterior corner).
base::Result<double> SlipPercent(Point upper_posterior, Point lower_posterior,
                                 Point lower_anterior);
base::Result<double> Distance(Point a, Point b);
base::Result<double> PolygonArea(const std::vector<Point>& outline);

std::string CobbSeverity(double deg);
std::string MeyerdingGrade(double percent);
std::string GenantGrade(double loss_percent);

// The measurement of `kind` from `points` (image pixels) on `frame` of the instance described
// by `geometry`. Errors name the field: "kind", "points", "points[i]", "labels.upper".
base::Result<Result> Compute(std::string_view kind, const std::vector<Point>& points,
                             const Geometry& geometry, const Labels& labels, int frame = 1);

// The Japanese text of one of this module's English messages ("" when it is not one).
std::string_view JapaneseOf(std::string_view english);

}  // namespace dokuei::measure
