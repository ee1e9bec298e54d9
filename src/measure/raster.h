// An RGB canvas with anti-aliased strokes, filled polygons and bitmap text, and PNG in and out
// (libpng's simplified API). Private to the measure module.
// Thread safety: a Canvas is a value; functions are pure.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"

namespace dokuei::measure::raster {

using Rgb = std::array<uint8_t, 3>;

struct Vec {
  double x = 0, y = 0;  // pixel centres at integers
};

struct Canvas {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3
  // Mixes `color` into pixel (x, y) with coverage `alpha` in [0, 1]; outside pixels are ignored.
  void Blend(int64_t x, int64_t y, const Rgb& color, double alpha);
};

// Stroke of `width` pixels from a to b, anti-aliased by the distance of each pixel centre.
void StrokeSegment(Canvas& c, Vec a, Vec b, double width, const Rgb& color, double opacity = 1);
// Filled polygon (even-odd), anti-aliased by 4 x 4 supersampling.
void FillPolygon(Canvas& c, const std::vector<Vec>& points, const Rgb& color, double opacity = 1);
// Text from the built-in 5 x 7 font, each font pixel `scale` x `scale`, top left at `at`, with a
// dark outline. Characters: A-Z, 0-9, space, . , - + / : % ( ), "m", "°", "²" (UTF-8); lower-case
// letters other than "m" are drawn upper case. Returns false (drawing nothing) for any other.
bool DrawText(Canvas& c, Vec at, std::string_view text, int scale, const Rgb& color);
// Whether DrawText can draw `text` after upper-casing it.
bool Drawable(std::string_view text);
// Width in pixels of `text` at `scale`.
double TextWidth(std::string_view text, int scale);

base::Result<Canvas> DecodePng(std::string_view png);
// RGB PNG, or grey when every pixel is grey and `allow_grey`.
base::Result<std::string> EncodePng(const Canvas& c, bool allow_grey);

}  // namespace dokuei::measure::raster
