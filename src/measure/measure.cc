// The measurements of measure.h: the geometry is plain plane geometry on points converted to
// millimetres (column x column spacing, row x row spacing), so anisotropic pixels give the right
// angles too.
#include "dokuei/measure/measure.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "notes.h"

namespace dokuei::measure {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Points closer than this (pixels or mm) are "the same place".
constexpr double kEpsilon = 1e-6;

base::Status Error(const Message& m, std::string field) {
  return base::InvalidArgument(std::string(m.en), std::move(field));
}

std::string PointField(size_t i) { return "points[" + std::to_string(i) + "]"; }

double Cross(Point o, Point a, Point b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

// Whether segments p1p2 and q1q2 cross (touching at a shared end point does not count).
bool Crosses(Point p1, Point p2, Point q1, Point q2) {
  const double d1 = Cross(q1, q2, p1), d2 = Cross(q1, q2, p2);
  const double d3 = Cross(p1, p2, q1), d4 = Cross(p1, p2, q2);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

// The direction of a line a->b in degrees in (-90, 90]: lines are undirected, so each is turned
// to point to the image's right (or down when vertical).
double LineAngleDeg(Point a, Point b) {
  double dx = b.x - a.x, dy = b.y - a.y;
  if (dx < 0 || (dx == 0 && dy < 0)) dx = -dx, dy = -dy;
  return std::atan2(dy, dx) * 180.0 / kPi;
}

bool IsVertebra(const std::string& s) {
  static const std::regex kRe("C[1-7]|T([1-9]|1[0-2])|L[1-6]|S[1-5]");
  return std::regex_match(s, kRe);
}
bool IsLevel(const std::string& s) {
  const size_t dash = s.find('-');
  return dash != std::string::npos && IsVertebra(s.substr(0, dash)) &&
         IsVertebra(s.substr(dash + 1));
}

base::Result<std::string> SiteOf(const Labels& l, bool pair) {
  if (!l.site.empty()) {
    if (!IsVertebra(l.site) && !IsLevel(l.site)) return Error(kBadLabel, "labels.site");
    return l.site;
  }
  if (!pair) return std::string();
  if (!l.upper.empty() && !IsVertebra(l.upper)) return Error(kBadLabel, "labels.upper");
  if (!l.lower.empty() && !IsVertebra(l.lower)) return Error(kBadLabel, "labels.lower");
  if (l.upper.empty() || l.lower.empty()) return l.upper + l.lower;
  return l.upper + "-" + l.lower;
}

// Heights of the pairs (0,1), (2,3), ... from `first`, each non-zero.
base::Result<std::vector<double>> Heights(const std::vector<Point>& p, size_t first, size_t pairs) {
  std::vector<double> h;
  for (size_t i = 0; i < pairs; ++i) {
    const size_t a = first + 2 * i;
    const double d = std::hypot(p[a + 1].x - p[a].x, p[a + 1].y - p[a].y);
    if (d < kEpsilon) return Error(kCoincident, PointField(a + 1));
    h.push_back(d);
  }
  return h;
}

double Round(double v, int decimals) {
  const double s = std::pow(10.0, decimals);
  const double r = std::round(v * s) / s;
  return r == 0 ? 0.0 : r;
}

}  // namespace

const std::vector<std::string>& Kinds() {
  static const std::vector<std::string> kKinds = {"cobb",       "slip",        "canal_ap",
                                                  "dural_area", "height_loss", "disc_height"};
  return kKinds;
}

base::Result<double> CobbAngleDeg(Point a1, Point a2, Point b1, Point b2) {
  if (std::hypot(a2.x - a1.x, a2.y - a1.y) < kEpsilon) return Error(kCoincident, PointField(1));
  if (std::hypot(b2.x - b1.x, b2.y - b1.y) < kEpsilon) return Error(kCoincident, PointField(3));
  const double len_a = std::hypot(a2.x - a1.x, a2.y - a1.y);
  // The same line twice (both b points on line a) is a mistake, not a 0 degree curve.
  if (std::abs(Cross(a1, a2, b1)) / len_a < kEpsilon &&
      std::abs(Cross(a1, a2, b2)) / len_a < kEpsilon)
    return Error(kSameLine, "points");
  const double d = std::abs(LineAngleDeg(a1, a2) - LineAngleDeg(b1, b2));
  return d;  // in [0, 180): each line's angle is in (-90, 90]
}

base::Result<double> SlipPercent(Point upper_posterior, Point lower_posterior,
                                 Point lower_anterior) {
  const double ux = lower_anterior.x - lower_posterior.x, uy = lower_anterior.y - lower_posterior.y;
  const double w2 = ux * ux + uy * uy;
  if (std::sqrt(w2) < kEpsilon) return Error(kCoincident, PointField(2));
  const double dx = upper_posterior.x - lower_posterior.x,
               dy = upper_posterior.y - lower_posterior.y;
  return 100.0 * (dx * ux + dy * uy) / w2;
}

base::Result<double> Distance(Point a, Point b) {
  const double d = std::hypot(b.x - a.x, b.y - a.y);
  if (d < kEpsilon) return Error(kCoincident, PointField(1));
  return d;
}

base::Result<double> PolygonArea(const std::vector<Point>& p) {
  if (p.size() < 3) return Error(kPointCount, "points");
  const size_t n = p.size();
  for (size_t i = 0; i < n; ++i) {
    const Point a = p[i], b = p[(i + 1) % n];
    if (std::hypot(b.x - a.x, b.y - a.y) < kEpsilon)
      return Error(kCoincident, PointField((i + 1) % n));
    for (size_t j = i + 2; j < n; ++j) {
      if (i == 0 && j == n - 1) continue;  // adjacent through the closing edge
      if (Crosses(a, b, p[j], p[(j + 1) % n])) return Error(kSelfIntersecting, "points");
    }
  }
  double twice = 0;
  for (size_t i = 0; i < n; ++i) twice += p[i].x * p[(i + 1) % n].y - p[(i + 1) % n].x * p[i].y;
  const double area = std::abs(twice) / 2;
  if (area < kEpsilon) return Error(kZeroArea, "points");
  return area;
}

std::string CobbSeverity(double deg) {
  if (deg < 10) return "none";
  if (deg <= 25) return "mild";
  if (deg <= 40) return "moderate";
  return "severe";
}

std::string MeyerdingGrade(double percent) {
  const double p = std::abs(percent);
  if (p <= 1e-9) return "0";
  if (p <= 25) return "I";
  if (p <= 50) return "II";
  if (p <= 75) return "III";
  if (p <= 100) return "IV";
  return "V";
}

std::string GenantGrade(double loss) {
  if (loss < 20) return "0";
  if (loss < 25) return "1";
  if (loss <= 40) return "2";
  return "3";
}

base::Result<Result> Compute(std::string_view kind, const std::vector<Point>& points,
                             const Geometry& g, const Labels& labels, int frame) {
  if (std::find(Kinds().begin(), Kinds().end(), kind) == Kinds().end())
    return Error(kUnknownKind, "kind");
  for (size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return Error(kPointNotFinite, PointField(i));
    // Pixel centres are integers: the image spans [-0.5, size - 0.5].
    if (p.x < -0.5 || p.y < -0.5 || p.x > g.columns - 0.5 || p.y > g.rows - 0.5)
      return Error(kPointOutside, PointField(i));
  }
  auto count = [&](std::initializer_list<size_t> allowed) -> base::Status {
    for (size_t n : allowed)
      if (points.size() == n) return base::Status::Ok();
    return Error(kPointCount, "points");
  };
  const bool mm_kind = kind == "canal_ap" || kind == "dural_area" || kind == "disc_height";
  if (mm_kind && !g.has_spacing()) return Error(kNeedsSpacing, "instance");
  // To millimetres (or pixels without spacing: square pixels assumed).
  const double sx = g.has_spacing() ? g.column_spacing_mm : 1.0;
  const double sy = g.has_spacing() ? g.row_spacing_mm : 1.0;
  std::vector<Point> mm;
  for (const Point& p : points) mm.push_back({p.x * sx, p.y * sy});

  Result r;
  spine::Measurement& m = r.measurement;
  m.kind = std::string(kind);
  m.spacing = std::string(SpacingName(g.source));
  m.sop_instance_uid = g.sop_instance_uid;
  m.frame = frame;
  for (const Point& p : points) m.points.emplace_back(p.x, p.y);
  r.notes = g.notes;

  if (kind == "cobb") {
    DOKUEI_RETURN_IF_ERROR(count({4}));
    DOKUEI_ASSIGN_OR_RETURN(const double deg, CobbAngleDeg(mm[0], mm[1], mm[2], mm[3]));
    DOKUEI_ASSIGN_OR_RETURN(m.site, SiteOf(labels, true));
    m.value = Round(deg, 1), m.unit = "deg", m.grade = CobbSeverity(m.value);
    r.details = {{"angle_deg", deg},
                 {"upper_line_deg", LineAngleDeg(mm[0], mm[1])},
                 {"lower_line_deg", LineAngleDeg(mm[2], mm[3])}};
  } else if (kind == "slip") {
    DOKUEI_RETURN_IF_ERROR(count({3}));
    DOKUEI_ASSIGN_OR_RETURN(const double pct, SlipPercent(mm[0], mm[1], mm[2]));
    DOKUEI_ASSIGN_OR_RETURN(m.site, SiteOf(labels, true));
    m.value = Round(std::abs(pct), 1), m.unit = "%", m.grade = MeyerdingGrade(m.value);
    const double width = std::hypot(mm[2].x - mm[1].x, mm[2].y - mm[1].y);
    r.details = {{"slip_percent_signed", pct}, {"width", width}, {"slip", pct / 100 * width}};
    if (g.has_spacing())
      r.details[1].first = "width_mm", r.details[2].first = "slip_mm";
    else
      r.details[1].first = "width_px", r.details[2].first = "slip_px";
    if (pct < 0 && m.value > 0) r.notes.push_back(kNoteRetrolisthesis);
  } else if (kind == "canal_ap") {
    DOKUEI_RETURN_IF_ERROR(count({2}));
    DOKUEI_ASSIGN_OR_RETURN(const double d, Distance(mm[0], mm[1]));
    DOKUEI_ASSIGN_OR_RETURN(m.site, SiteOf(labels, false));
    m.value = Round(d, 1), m.unit = "mm";
    r.details = {{"distance_mm", d}};
  } else if (kind == "dural_area") {
    if (points.size() < 3) return Error(kPointCount, "points");
    DOKUEI_ASSIGN_OR_RETURN(const double a, PolygonArea(mm));
    DOKUEI_ASSIGN_OR_RETURN(m.site, SiteOf(labels, false));
    m.value = Round(a, 1), m.unit = "mm2";
    r.details = {{"area_mm2", a}};
  } else if (kind == "height_loss") {
    DOKUEI_RETURN_IF_ERROR(count({12}));
    DOKUEI_ASSIGN_OR_RETURN(const auto h, Heights(mm, 0, 6));
    DOKUEI_ASSIGN_OR_RETURN(m.site, SiteOf(labels, false));
    static constexpr const char* kNames[] = {"anterior", "middle", "posterior"};
    const std::string unit = g.has_spacing() ? "_mm" : "_px";
    double worst = 0;
    for (int i = 0; i < 3; ++i) {
      const double loss = 100.0 * (1 - h[i] / h[i + 3]);
      worst = std::max(worst, loss);
      r.details.emplace_back(std::string(kNames[i]) + unit, h[i]);
      r.details.emplace_back(std::string("reference_") + kNames[i] + unit, h[i + 3]);
      r.details.emplace_back(std::string(kNames[i]) + "_loss_percent", loss);
    }
    m.value = Round(worst, 1), m.unit = "%", m.grade = GenantGrade(m.value);
  } else {  // disc_height
    DOKUEI_RETURN_IF_ERROR(count({4, 8, 12}));
    DOKUEI_ASSIGN_OR_RETURN(const auto h, Heights(mm, 0, points.size() / 2));
    DOKUEI_ASSIGN_OR_RETURN(m.site, SiteOf(labels, false));
    const double height = (h[0] + h[1]) / 2;
    m.value = Round(height, 1), m.unit = "mm";
    r.details = {{"anterior_mm", h[0]}, {"posterior_mm", h[1]}, {"height_mm", height}};
    if (h.size() > 2) {
      double sum = 0;
      for (size_t i = 2; i < h.size(); i += 2) sum += (h[i] + h[i + 1]) / 2;
      const double adjacent = sum / static_cast<double>((h.size() - 2) / 2);
      r.details.emplace_back("adjacent_mean_mm", adjacent);
      r.details.emplace_back("loss_percent", 100.0 * (1 - height / adjacent));
    }
  }
  return r;
}

std::string_view JapaneseOf(std::string_view en) {
  static constexpr const Message* kAll[] = {
      &kNoPixels,       &kNoFrame,      &kUnknownKind,   &kPointCount, &kPointOutside,
      &kPointNotFinite, &kCoincident,   &kSameLine,      &kZeroArea,   &kSelfIntersecting,
      &kNeedsSpacing,   &kBadLabel,     &kBadAnnotation, &kUnknownRef, &kBadText,
      &kBadWindow,      &kTooManyPoints};
  for (const Message* m : kAll)
    if (m->en == en) return m->ja;
  return {};
}

}  // namespace dokuei::measure
