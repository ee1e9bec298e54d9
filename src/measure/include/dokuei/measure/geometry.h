// The pixel geometry a measurement needs: the size of the image and how many millimetres a
// pixel step is along a row and along a column, read from the instance's own DICOM attributes
// with the dicom module (never typed by the reader). Which attribute was used is kept, because
// the report states it:
//   CT, MR and others   PixelSpacing (top level, else the Pixel Measures functional group of
//                       the frame, else the shared one)
//   projection X-ray    1. PixelSpacing when PixelSpacingCalibrationType says it was calibrated
//   (CR, DX, MG, RF,    2. ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor
//    XA, IO, PX or      3. ImagerPixelSpacing x DistanceSourceToPatient / DistanceSourceToDetector
//    ImagerPixelSpacing 4. ImagerPixelSpacing alone, then an uncalibrated PixelSpacing: at the
//    present)              detector, so distances are magnified (a warning says so)
//   nothing usable      "none": angles and ratios in pixels (flagged), millimetres refused.
// PixelSpacing and ImagerPixelSpacing are "row spacing \ column spacing": the first value is the
// distance between adjacent rows (a step down a column), the second between adjacent columns.
// Thread safety: pure functions on value types.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/dicom/parse.h"

namespace dokuei::measure {

enum class SpacingSource { kNone, kPixelSpacing, kImagerPixelSpacing, kImagerMagnification };
// "none" | "PixelSpacing" | "ImagerPixelSpacing" | "ImagerPixelSpacing*magnification"
// (spine::Measurement::spacing).
std::string_view SpacingName(SpacingSource source);

// A caveat that travels with a result, in both languages of the product.
struct Note {
  std::string code;  // "spacing_none" | "spacing_at_detector" | "retrolisthesis" | ...
  std::string en;
  std::string ja;
};

struct Geometry {
  std::string sop_instance_uid;
  std::string modality;
  uint32_t rows = 0, columns = 0, frames = 1;
  bool projection = false;  // projection radiograph (spacing at the detector unless corrected)
  SpacingSource source = SpacingSource::kNone;
  double row_spacing_mm = 0;     // between adjacent rows: first value of the attribute
  double column_spacing_mm = 0;  // between adjacent columns: second value
  double magnification = 1;      // the factor divided out of ImagerPixelSpacing (1 if none)
  std::vector<Note> notes;       // e.g. spacing at the detector, no spacing

  bool has_spacing() const { return source != SpacingSource::kNone; }
};

// From a parsed instance (ParsePart10 / ParseDataset); `frame` is 1-based and selects the
// per-frame Pixel Measures of an enhanced multi-frame object. kInvalidArgument for a frame
// outside the object or an object without pixel data.
base::Result<Geometry> GeometryOf(const dicom::ParsedInstance& instance, uint32_t frame = 1);
// From a Part-10 file.
base::Result<Geometry> ReadGeometry(std::span<const uint8_t> part10, uint32_t frame = 1);

}  // namespace dokuei::measure
