// Geometry from the instance's DICOM JSON (the dicom module's ParsedInstance::metadata_json):
// which spacing, and why (include/dokuei/measure/geometry.h).
#include "dokuei/measure/geometry.h"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "notes.h"

namespace dokuei::measure {
namespace {

using Json = nlohmann::json;

constexpr const char* kModality = "00080060";
constexpr const char* kPixelSpacing = "00280030";
constexpr const char* kImagerPixelSpacing = "00181164";
constexpr const char* kCalibrationType = "00280A02";
constexpr const char* kMagnification = "00181114";
constexpr const char* kSourceToDetector = "00181110";
constexpr const char* kSourceToPatient = "00181111";
constexpr const char* kSharedGroups = "52009229";
constexpr const char* kPerFrameGroups = "52009230";
constexpr const char* kPixelMeasures = "00289110";

// The numbers of an attribute (DS values are JSON numbers, or strings when not valid DS).
std::vector<double> Numbers(const Json& object, const char* tag) {
  std::vector<double> out;
  auto it = object.find(tag);
  if (it == object.end() || !it->is_object()) return out;
  auto v = it->find("Value");
  if (v == it->end() || !v->is_array()) return out;
  for (const Json& x : *v) {
    if (x.is_number()) {
      out.push_back(x.get<double>());
    } else if (x.is_string()) {
      const std::string s = x.get<std::string>();
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      if (end != s.c_str()) out.push_back(d);
    }
  }
  return out;
}

std::string Text(const Json& object, const char* tag) {
  auto it = object.find(tag);
  if (it == object.end() || !it->is_object()) return {};
  auto v = it->find("Value");
  if (v == it->end() || !v->is_array() || v->empty() || !(*v)[0].is_string()) return {};
  return (*v)[0].get<std::string>();
}

// A usable row\column spacing: two positive finite values (some devices write 0\0).
std::optional<std::pair<double, double>> Spacing(const Json& object, const char* tag) {
  const std::vector<double> v = Numbers(object, tag);
  if (v.size() != 2) return std::nullopt;
  for (double d : v)
    if (!std::isfinite(d) || d <= 0 || d > 1000) return std::nullopt;
  return std::pair{v[0], v[1]};
}

const Json* Item(const Json& object, const char* tag, size_t index) {
  auto it = object.find(tag);
  if (it == object.end() || !it->is_object()) return nullptr;
  auto v = it->find("Value");
  if (v == it->end() || !v->is_array() || v->size() <= index || !(*v)[index].is_object())
    return nullptr;
  return &(*v)[index];
}

// PixelSpacing of an enhanced object: the frame's Pixel Measures, else the shared one.
std::optional<std::pair<double, double>> FunctionalGroupSpacing(const Json& ds, uint32_t frame) {
  for (const Json* group : {Item(ds, kPerFrameGroups, frame - 1), Item(ds, kSharedGroups, 0)}) {
    if (group == nullptr) continue;
    if (const Json* m = Item(*group, kPixelMeasures, 0))
      if (auto s = Spacing(*m, kPixelSpacing)) return s;
  }
  return std::nullopt;
}

bool IsProjectionModality(std::string_view m) {
  for (std::string_view p : {"CR", "DX", "MG", "RF", "XA", "IO", "PX", "RG", "DF", "DS"})
    if (m == p) return true;
  return false;
}

double Positive(const Json& ds, const char* tag) {
  const std::vector<double> v = Numbers(ds, tag);
  return !v.empty() && std::isfinite(v[0]) && v[0] > 0 ? v[0] : 0;
}

}  // namespace

std::string_view SpacingName(SpacingSource source) {
  switch (source) {
    case SpacingSource::kNone:
      return "none";
    case SpacingSource::kPixelSpacing:
      return "PixelSpacing";
    case SpacingSource::kImagerPixelSpacing:
      return "ImagerPixelSpacing";
    case SpacingSource::kImagerMagnification:
      return "ImagerPixelSpacing*magnification";
  }
  return "none";
}

base::Result<Geometry> GeometryOf(const dicom::ParsedInstance& instance, uint32_t frame) {
  if (!instance.pixel.present || instance.pixel.rows == 0 || instance.pixel.columns == 0)
    return base::InvalidArgument(std::string(kNoPixels.en), "instance");
  Geometry g;
  g.sop_instance_uid = instance.sop_instance_uid;
  g.rows = instance.pixel.rows;
  g.columns = instance.pixel.columns;
  g.frames = std::max<uint32_t>(1, instance.pixel.number_of_frames);
  if (frame < 1 || frame > g.frames)
    return base::InvalidArgument(std::string(kNoFrame.en), "frame");
  const Json ds = Json::parse(instance.metadata_json, nullptr, false);
  if (!ds.is_object()) return base::Internal("the instance's metadata is not a JSON object");
  g.modality = Text(ds, kModality);
  const auto pixel = Spacing(ds, kPixelSpacing);
  const auto imager = Spacing(ds, kImagerPixelSpacing);
  g.projection = IsProjectionModality(g.modality) || ds.contains(kImagerPixelSpacing);
  auto use = [&g](SpacingSource source, std::pair<double, double> s, double magnification) {
    g.source = source;
    g.row_spacing_mm = s.first / magnification;
    g.column_spacing_mm = s.second / magnification;
    g.magnification = magnification;
  };
  if (!g.projection) {
    if (pixel) {
      use(SpacingSource::kPixelSpacing, *pixel, 1);
    } else if (auto fg = FunctionalGroupSpacing(ds, frame)) {
      use(SpacingSource::kPixelSpacing, *fg, 1);
    }
  } else {
    const bool calibrated = !Text(ds, kCalibrationType).empty();
    const double emf = Positive(ds, kMagnification);
    const double sid = Positive(ds, kSourceToDetector), sod = Positive(ds, kSourceToPatient);
    if (pixel && calibrated) {
      use(SpacingSource::kPixelSpacing, *pixel, 1);
    } else if (imager && emf >= 1 && emf < 10) {
      use(SpacingSource::kImagerMagnification, *imager, emf);
    } else if (imager && sid > 0 && sod > 0 && sid >= sod && sid / sod < 10) {
      use(SpacingSource::kImagerMagnification, *imager, sid / sod);
    } else if (imager) {
      use(SpacingSource::kImagerPixelSpacing, *imager, 1);
      g.notes.push_back(kNoteAtDetector);
    } else if (pixel) {
      use(SpacingSource::kPixelSpacing, *pixel, 1);
      g.notes.push_back(kNoteAtDetector);
    }
  }
  if (!g.has_spacing()) g.notes.push_back(kNoteNoSpacing);
  return g;
}

base::Result<Geometry> ReadGeometry(std::span<const uint8_t> part10, uint32_t frame) {
  DOKUEI_ASSIGN_OR_RETURN(const dicom::ParsedInstance parsed,
                          dicom::ParsePart10(part10, dicom::Limits{}));
  return GeometryOf(parsed, frame);
}

}  // namespace dokuei::measure
