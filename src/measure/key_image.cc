// Key images (key_image.h): parse the key-image JSON, render the frame with the dicom module,
// draw the annotations and measurement overlays, encode PNG.
#include "dokuei/measure/key_image.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "dokuei/dicom/pixels.h"
#include "notes.h"
#include "raster.h"

namespace dokuei::measure {
namespace {

using Json = nlohmann::json;
using raster::Canvas;
using raster::Rgb;
using raster::Vec;

constexpr Rgb kAnnotationColor = {255, 214, 0};   // yellow: arrows, lines, text
constexpr Rgb kMeasurementColor = {0, 220, 255};  // cyan: measurement overlays
constexpr Rgb kOutline = {0, 0, 0};
constexpr size_t kMaxPoints = 2000;  // all annotations of one key image together

base::Status Bad(const Message& m, std::string field) {
  return base::InvalidArgument(std::string(m.en), std::move(field));
}

base::Status OnlyKeys(const Json& j, std::initializer_list<std::string_view> keys,
                      const std::string& where) {
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::find(keys.begin(), keys.end(), it.key()) == keys.end())
      return Bad(kBadAnnotation, where + (where.empty() ? "" : ".") + it.key());
  return base::Status::Ok();
}

base::Result<std::vector<Point>> ParsePoints(const Json& j, const std::string& field) {
  if (!j.is_array()) return Bad(kBadAnnotation, field);
  std::vector<Point> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& p = j[i];
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number())
      return Bad(kPointNotFinite, field + "[" + std::to_string(i) + "]");
    const Point q{p[0].get<double>(), p[1].get<double>()};
    if (!std::isfinite(q.x) || !std::isfinite(q.y))
      return Bad(kPointNotFinite, field + "[" + std::to_string(i) + "]");
    out.push_back(q);
  }
  return out;
}

base::Result<spine::Measurement> MeasurementFrom(const Json& j, const std::string& field) {
  if (!j.is_object()) return Bad(kBadAnnotation, field);
  spine::Measurement m;
  auto str = [&](const char* key, std::string* out) -> base::Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return base::Status::Ok();
    if (!it->is_string()) return Bad(kBadAnnotation, field + "." + key);
    *out = it->get<std::string>();
    return base::Status::Ok();
  };
  DOKUEI_RETURN_IF_ERROR(str("id", &m.id));
  DOKUEI_RETURN_IF_ERROR(str("kind", &m.kind));
  DOKUEI_RETURN_IF_ERROR(str("instance", &m.sop_instance_uid));
  DOKUEI_RETURN_IF_ERROR(str("unit", &m.unit));
  DOKUEI_RETURN_IF_ERROR(str("grade", &m.grade));
  DOKUEI_RETURN_IF_ERROR(str("site", &m.site));
  DOKUEI_RETURN_IF_ERROR(str("spacing", &m.spacing));
  if (std::find(Kinds().begin(), Kinds().end(), m.kind) == Kinds().end())
    return Bad(kUnknownKind, field + ".kind");
  if (auto it = j.find("value"); it != j.end()) {
    if (!it->is_number()) return Bad(kBadAnnotation, field + ".value");
    m.value = it->get<double>();
  }
  if (auto it = j.find("frame"); it != j.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1)
      return Bad(kBadAnnotation, field + ".frame");
    m.frame = it->get<int>();
  }
  if (!j.contains("points")) return Bad(kPointCount, field + ".points");
  DOKUEI_ASSIGN_OR_RETURN(const auto pts, ParsePoints(j["points"], field + ".points"));
  for (const Point& p : pts) m.points.emplace_back(p.x, p.y);
  return m;
}

base::Result<Annotation> ParseAnnotation(const Json& j, const Json& measurements,
                                         const std::string& field) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    return Bad(kBadAnnotation, field + ".type");
  DOKUEI_RETURN_IF_ERROR(OnlyKeys(j, {"type", "points", "text", "ref", "measurement"}, field));
  Annotation a;
  const std::string type = j["type"].get<std::string>();
  size_t min_points = 2, max_points = 2;
  if (type == "arrow") {
    a.type = Annotation::Type::kArrow;
  } else if (type == "line") {
    a.type = Annotation::Type::kLine;
  } else if (type == "polyline") {
    a.type = Annotation::Type::kPolyline, max_points = 1000;
  } else if (type == "polygon") {
    a.type = Annotation::Type::kPolygon, min_points = 3, max_points = 1000;
  } else if (type == "text") {
    a.type = Annotation::Type::kText, min_points = max_points = 1;
  } else if (type == "measurement") {
    a.type = Annotation::Type::kMeasurement;
    if (j.contains("measurement")) {
      DOKUEI_ASSIGN_OR_RETURN(a.measurement,
                              MeasurementFrom(j["measurement"], field + ".measurement"));
      return a;
    }
    if (!j.contains("ref") || !j["ref"].is_string()) return Bad(kUnknownRef, field + ".ref");
    const std::string ref = j["ref"].get<std::string>();
    if (measurements.is_array())
      for (size_t i = 0; i < measurements.size(); ++i) {
        const Json& m = measurements[i];
        if (!m.is_object() || !m.contains("id") || m["id"] != ref) continue;
        DOKUEI_ASSIGN_OR_RETURN(a.measurement,
                                MeasurementFrom(m, "measurements[" + std::to_string(i) + "]"));
        return a;
      }
    return Bad(kUnknownRef, field + ".ref");
  } else {
    return Bad(kBadAnnotation, field + ".type");
  }
  if (!j.contains("points")) return Bad(kPointCount, field + ".points");
  DOKUEI_ASSIGN_OR_RETURN(a.points, ParsePoints(j["points"], field + ".points"));
  if (a.points.size() < min_points || a.points.size() > max_points)
    return Bad(kPointCount, field + ".points");
  if (auto it = j.find("text"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().size() > 200 ||
        !raster::Drawable(it->get<std::string>()))
      return Bad(kBadText, field + ".text");
    a.text = it->get<std::string>();
  }
  if (a.type == Annotation::Type::kText && a.text.empty()) return Bad(kBadText, field + ".text");
  return a;
}

std::string Upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// The value as drawn: "22.0°", "18.0% I", "12.3 mm", "152.0 mm²", "32.0% G2".
std::string ValueLabel(const spine::Measurement& m) {
  std::string s = Number(m.value);
  if (m.unit == "deg")
    s += "\xC2\xB0";
  else if (m.unit == "%")
    s += "%";
  else if (m.unit == "mm")
    s += " mm";
  else if (m.unit == "mm2")
    s += " mm\xC2\xB2";
  if (!m.grade.empty() && m.grade != "none" && m.grade != "0") {
    if (m.kind == "height_loss")
      s += " G" + m.grade;
    else if (m.kind == "slip")
      s += " " + m.grade;
  }
  return raster::Drawable(s) ? s : Number(m.value);
}

struct Painter {
  Canvas& canvas;
  double sx, sy;  // image pixels -> output pixels
  double width;   // stroke width
  int text_scale;

  Vec Map(Point p) const { return {p.x * sx, p.y * sy}; }
  Vec Map(const std::pair<double, double>& p) const { return {p.first * sx, p.second * sy}; }

  // A stroke with a dark halo so it shows on bright and dark anatomy alike.
  void Line(Vec a, Vec b, const Rgb& color) const {
    raster::StrokeSegment(canvas, a, b, width + 2, kOutline, 0.6);
    raster::StrokeSegment(canvas, a, b, width, color);
  }
  void Text(Vec at, const std::string& text, const Rgb& color) const {
    raster::DrawText(canvas, at, text, text_scale, color);
  }
  void Arrow(Vec tail, Vec head, const Rgb& color) const {
    const double dx = head.x - tail.x, dy = head.y - tail.y, len = std::hypot(dx, dy);
    if (len <= 0) return;
    const double ux = dx / len, uy = dy / len;
    const double head_len = std::min(len * 0.4, width * 6), half = head_len * 0.5;
    const Vec base{head.x - ux * head_len, head.y - uy * head_len};
    Line(tail, base, color);
    const std::vector<Vec> tri = {
        head, {base.x - uy * half, base.y + ux * half}, {base.x + uy * half, base.y - ux * half}};
    for (size_t i = 0; i < 3; ++i)
      raster::StrokeSegment(canvas, tri[i], tri[(i + 1) % 3], 2, kOutline, 0.6);
    raster::FillPolygon(canvas, tri, color);
  }
  // Extends segment a-b by `f` of its length at both ends.
  static std::pair<Vec, Vec> Extend(Vec a, Vec b, double f) {
    const double dx = (b.x - a.x) * f, dy = (b.y - a.y) * f;
    return {{a.x - dx, a.y - dy}, {b.x + dx, b.y + dy}};
  }
  void Tick(Vec at, Vec along, const Rgb& color) const {
    const double len = std::hypot(along.x, along.y);
    if (len <= 0) return;
    const double nx = -along.y / len * width * 3, ny = along.x / len * width * 3;
    Line({at.x - nx, at.y - ny}, {at.x + nx, at.y + ny}, color);
  }

  void Measurement(const spine::Measurement& m) const {
    std::vector<Vec> p;
    for (const auto& q : m.points) p.push_back(Map(q));
    const Rgb c = kMeasurementColor;
    const std::string label = ValueLabel(m);
    const double gap = width * 4;
    if (m.kind == "cobb" && p.size() == 4) {
      // The endplate lines, extended, and from each midpoint a perpendicular towards the other
      // line (the classic drawing: the perpendiculars meet at the Cobb angle).
      const Vec mid[2] = {{(p[0].x + p[1].x) / 2, (p[0].y + p[1].y) / 2},
                          {(p[2].x + p[3].x) / 2, (p[2].y + p[3].y) / 2}};
      const double apart = std::hypot(mid[1].x - mid[0].x, mid[1].y - mid[0].y);
      for (int i = 0; i < 2; ++i) {
        auto [a, b] = Extend(p[2 * i], p[2 * i + 1], 0.25);
        Line(a, b, c);
        const double dx = p[2 * i + 1].x - p[2 * i].x, dy = p[2 * i + 1].y - p[2 * i].y;
        const double len = std::hypot(dx, dy);
        if (len <= 0 || apart <= 0) continue;
        double nx = -dy / len, ny = dx / len;
        const Vec other = mid[1 - i];
        if (nx * (other.x - mid[i].x) + ny * (other.y - mid[i].y) < 0) nx = -nx, ny = -ny;
        Line(mid[i], {mid[i].x + nx * apart * 0.6, mid[i].y + ny * apart * 0.6}, c);
      }
      const double right = std::max({p[0].x, p[1].x, p[2].x, p[3].x});
      Text({right + gap, (p[0].y + p[1].y + p[2].y + p[3].y) / 4 - 3.5 * text_scale}, label, c);
    } else if (m.kind == "slip" && p.size() == 3) {
      Line(p[1], p[2], c);
      const double ux = p[2].x - p[1].x, uy = p[2].y - p[1].y, w2 = ux * ux + uy * uy;
      if (w2 > 0) {
        const double t = ((p[0].x - p[1].x) * ux + (p[0].y - p[1].y) * uy) / w2;
        const Vec foot{p[1].x + t * ux, p[1].y + t * uy};
        Line(p[1], foot, c);
        Line(p[0], foot, c);
        Tick(p[1], {ux, uy}, c);
        Tick(foot, {ux, uy}, c);
      }
      Text({p[0].x + gap, p[0].y - 10.0 * text_scale}, label, c);
    } else if ((m.kind == "canal_ap") && p.size() == 2) {
      Line(p[0], p[1], c);
      const Vec d{p[1].x - p[0].x, p[1].y - p[0].y};
      Tick(p[0], d, c);
      Tick(p[1], d, c);
      Text({std::max(p[0].x, p[1].x) + gap, (p[0].y + p[1].y) / 2 - 3.5 * text_scale}, label, c);
    } else if (m.kind == "dural_area" && p.size() >= 3) {
      double cx = 0, cy = 0, right = -1e300;
      for (size_t i = 0; i < p.size(); ++i) {
        Line(p[i], p[(i + 1) % p.size()], c);
        cx += p[i].x, cy += p[i].y, right = std::max(right, p[i].x);
      }
      Text({right + gap, cy / static_cast<double>(p.size()) - 3.5 * text_scale}, label, c);
    } else if ((m.kind == "height_loss" || m.kind == "disc_height") && p.size() >= 2) {
      double right = -1e300, top = 1e300;
      for (size_t i = 0; i + 1 < p.size(); i += 2) {
        Line(p[i], p[i + 1], c);
        right = std::max({right, p[i].x, p[i + 1].x}), top = std::min({top, p[i].y, p[i + 1].y});
      }
      Text({right + gap, top}, label, c);
    }
  }

  void Draw(const Annotation& a) const {
    std::vector<Vec> p;
    for (const Point& q : a.points) p.push_back(Map(q));
    const Rgb c = kAnnotationColor;
    switch (a.type) {
      case Annotation::Type::kArrow:
        Arrow(p[0], p[1], c);
        break;
      case Annotation::Type::kLine:
      case Annotation::Type::kPolyline:
        for (size_t i = 0; i + 1 < p.size(); ++i) Line(p[i], p[i + 1], c);
        break;
      case Annotation::Type::kPolygon:
        for (size_t i = 0; i < p.size(); ++i) Line(p[i], p[(i + 1) % p.size()], c);
        break;
      case Annotation::Type::kText:
        Text(p[0], Upper(a.text), c);
        return;
      case Annotation::Type::kMeasurement:
        Measurement(a.measurement);
        return;
    }
    // An optional label beside the arrow's tail or the line's last point.
    if (!a.text.empty()) {
      const Vec at = a.type == Annotation::Type::kArrow ? p[0] : p.back();
      Text({at.x + width * 3, at.y - 3.5 * text_scale}, Upper(a.text), c);
    }
  }
};

}  // namespace

base::Result<spine::Measurement> ParseMeasurement(std::string_view text) {
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Bad(kBadAnnotation, "measurement");
  return MeasurementFrom(j, "measurement");
}

std::string MeasurementJson(const spine::Measurement& m) {
  Json points = Json::array();
  for (const auto& [x, y] : m.points) points.push_back({x, y});
  Json j = {{"id", m.id},          {"kind", m.kind},   {"instance", m.sop_instance_uid},
            {"frame", m.frame},    {"points", points}, {"value", m.value},
            {"unit", m.unit},      {"grade", m.grade}, {"site", m.site},
            {"spacing", m.spacing}};
  return j.dump();
}

base::Result<KeyImage> ParseKeyImage(std::string_view key_image_json,
                                     std::string_view measurements_json) {
  const Json j = Json::parse(key_image_json, nullptr, false);
  if (!j.is_object()) return Bad(kBadAnnotation, "key_image");
  const Json measurements = Json::parse(measurements_json, nullptr, false);
  DOKUEI_RETURN_IF_ERROR(
      OnlyKeys(j, {"instance", "frame", "window", "annotations", "caption"}, ""));
  KeyImage k;
  if (auto it = j.find("frame"); it != j.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 100000)
      return Bad(kNoFrame, "frame");
    k.frame = it->get<uint32_t>();
  }
  if (auto it = j.find("window"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return Bad(kBadWindow, "window");
    const Json center = it->value("center", Json()), width = it->value("width", Json());
    if (!center.is_number() || !width.is_number() || width.get<double>() <= 0)
      return Bad(kBadWindow, "window");
    k.window_center = center.get<double>();
    k.window_width = width.get<double>();
  }
  if (auto it = j.find("annotations"); it != j.end()) {
    if (!it->is_array() || it->size() > 200) return Bad(kBadAnnotation, "annotations");
    size_t points = 0;
    for (size_t i = 0; i < it->size(); ++i) {
      DOKUEI_ASSIGN_OR_RETURN(auto a, ParseAnnotation((*it)[i], measurements,
                                                      "annotations[" + std::to_string(i) + "]"));
      points += a.points.size() + a.measurement.points.size();
      // Bounds the drawing work of one request.
      if (points > kMaxPoints) return Bad(kTooManyPoints, "annotations");
      k.annotations.push_back(std::move(a));
    }
  }
  return k;
}

base::Result<std::string> RenderKeyImage(std::span<const uint8_t> part10, const KeyImage& image) {
  if (image.window_width && *image.window_width <= 0) return Bad(kBadWindow, "window");
  DOKUEI_ASSIGN_OR_RETURN(const dicom::ParsedInstance parsed,
                          dicom::ParsePart10(part10, dicom::Limits{}));
  if (!parsed.pixel.present || parsed.pixel.rows == 0 || parsed.pixel.columns == 0)
    return Bad(kNoPixels, "instance");
  if (image.frame < 1 || image.frame > std::max<uint32_t>(1, parsed.pixel.number_of_frames))
    return Bad(kNoFrame, "frame");
  dicom::RenderOptions options;
  options.format = dicom::RenderOptions::Format::kPng;
  options.frame_number = image.frame;
  options.window_center = image.window_center;
  options.window_width = image.window_width;
  options.max_width = image.max_width;
  options.max_height = image.max_height;
  DOKUEI_ASSIGN_OR_RETURN(std::string png, dicom::Render(part10, options));
  if (image.annotations.empty()) return png;
  DOKUEI_ASSIGN_OR_RETURN(Canvas canvas, raster::DecodePng(png));
  const double sx = static_cast<double>(canvas.width) / parsed.pixel.columns;
  const double sy = static_cast<double>(canvas.height) / parsed.pixel.rows;
  const double side = std::min(canvas.width, canvas.height);
  const Painter painter{canvas, sx, sy, std::max(1.5, side / 256.0),
                        std::max(1, static_cast<int>(std::lround(side / 200.0)))};
  for (const Annotation& a : image.annotations) painter.Draw(a);
  return raster::EncodePng(canvas, false);
}

}  // namespace dokuei::measure
