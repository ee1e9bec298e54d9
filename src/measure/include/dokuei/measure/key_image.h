// Key images: one frame of an instance rendered to PNG with the report's annotations burnt in.
// Decoding and windowing are the dicom module's (dicom::Render: the requested window, else the
// instance's WindowCenter/Width, else min/max; MONOCHROME1 inverted); the annotations are drawn
// anti-aliased onto the rendered pixels (RGB when there is any annotation, so that overlays can
// be coloured; grey otherwise) and the result is encoded as PNG with libpng.
//
// Annotations are in image pixel coordinates (column, row) of the instance, whatever the output
// scale. Text uses a built-in bitmap font: letters (shown upper case), digits, space and
// . , - + / : % ( ) (a measurement's value adds ° and ²).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/measure/measure.h"
#include "dokuei/spine/document.h"

namespace dokuei::measure {

struct Annotation {
  enum class Type { kArrow, kLine, kPolyline, kPolygon, kText, kMeasurement };
  Type type = Type::kArrow;
  std::vector<Point> points;       // arrow: tail, head; line: 2; polyline: >= 2; polygon: >= 3;
                                   // text: 1 (top left of the text)
  std::string text;                // kText; optional label near the end of an arrow or line
  spine::Measurement measurement;  // kMeasurement: drawn by kind, with its value
};

struct KeyImage {
  uint32_t frame = 1;
  std::optional<double> window_center, window_width;
  uint32_t max_width = 0, max_height = 0;  // 0: natural size; otherwise fit (never upscaled)
  std::vector<Annotation> annotations;
};

// The key-image JSON of content.key_images (docs/design/spine-reporting.md):
//   {"instance", "frame", "window": {"center", "width"}, "annotations": [...], "caption"}
// An annotation {"type": "measurement", "ref": "m1"} takes the measurement with that id from
// `measurements` (content.measurements: a JSON array); {"type": "measurement", "measurement":
// {...}} carries it inline. Errors name the field ("annotations[2].points").
base::Result<KeyImage> ParseKeyImage(std::string_view key_image_json,
                                     std::string_view measurements_json = "[]");
// A measurement as stored in content.measurements, and back.
base::Result<spine::Measurement> ParseMeasurement(std::string_view json);
std::string MeasurementJson(const spine::Measurement& m);

// PNG bytes of `image` drawn on the Part-10 file `part10`. Points outside the image are drawn
// clipped. kInvalidArgument for a frame that does not exist or a bad window.
base::Result<std::string> RenderKeyImage(std::span<const uint8_t> part10, const KeyImage& image);

}  // namespace dokuei::measure
