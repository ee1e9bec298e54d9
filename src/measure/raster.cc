// Drawing primitives and PNG coding for key images (raster.h).
#include "raster.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dokuei::measure::raster {
namespace {

struct Glyph {
  uint32_t code;  // Unicode code point
  const char* rows[7];
};

// 5 x 7 bitmap font.
constexpr Glyph kFont[] = {
    {'0', {" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "}},
    {'1', {"  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
    {'2', {" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"}},
    {'3', {"#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "}},
    {'4', {"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "}},
    {'5', {"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "}},
    {'6', {"  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "}},
    {'7', {"#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "}},
    {'8', {" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "}},
    {'9', {" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "}},
    {'A', {" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"}},
    {'B', {"#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "}},
    {'C', {" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "}},
    {'D', {"#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "}},
    {'E', {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"}},
    {'F', {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "}},
    {'G', {" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"}},
    {'H', {"#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"}},
    {'I', {" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
    {'J', {"  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "}},
    {'K', {"#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"}},
    {'L', {"#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"}},
    {'M', {"#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"}},
    {'N', {"#   #", "#   #", "##  #", "# # #", "#  ##", "#   #", "#   #"}},
    {'O', {" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
    {'P', {"#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "}},
    {'Q', {" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"}},
    {'R', {"#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"}},
    {'S', {" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "}},
    {'T', {"#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'U', {"#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
    {'V', {"#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "}},
    {'W', {"#   #", "#   #", "#   #", "# # #", "# # #", "# # #", " # # "}},
    {'X', {"#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"}},
    {'Y', {"#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'Z', {"#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"}},
    {' ', {"     ", "     ", "     ", "     ", "     ", "     ", "     "}},
    {'.', {"     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "}},
    {',', {"     ", "     ", "     ", "     ", " ##  ", "  #  ", " #   "}},
    {'-', {"     ", "     ", "     ", "#####", "     ", "     ", "     "}},
    {'+', {"     ", "  #  ", "  #  ", "#####", "  #  ", "  #  ", "     "}},
    {'/', {"    #", "    #", "   # ", "  #  ", " #   ", "#    ", "#    "}},
    {':', {"     ", " ##  ", " ##  ", "     ", " ##  ", " ##  ", "     "}},
    {'%', {"##   ", "##  #", "   # ", "  #  ", " #   ", "#  ##", "   ##"}},
    {'(', {"   # ", "  #  ", " #   ", " #   ", " #   ", "  #  ", "   # "}},
    {')', {" #   ", "  #  ", "   # ", "   # ", "   # ", "  #  ", " #   "}},
    {'m', {"     ", "     ", "## # ", "# # #", "# # #", "# # #", "# # #"}},
    {0xB0, {" ##  ", "#  # ", "#  # ", " ##  ", "     ", "     ", "     "}},  // degree
    {0xB2, {"###  ", "   # ", " ##  ", "#    ", "#### ", "     ", "     "}},  // superscript 2
};

const Glyph* Find(uint32_t code) {
  if (code >= 'a' && code <= 'z' && code != 'm') code = code - 'a' + 'A';
  for (const Glyph& g : kFont)
    if (g.code == code) return &g;
  return nullptr;
}

// Code points of UTF-8 text; 0xFFFFFFFF for a malformed sequence.
std::vector<uint32_t> Decode(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      out.push_back(b), ++i;
    } else if ((b & 0xE0) == 0xC0 && i + 1 < s.size()) {
      out.push_back(((b & 0x1Fu) << 6) | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu)), i += 2;
    } else {
      out.push_back(0xFFFFFFFF), ++i;
    }
  }
  return out;
}

double SegmentDistance(Vec p, Vec a, Vec b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

bool Inside(const std::vector<Vec>& poly, double x, double y) {
  bool in = false;
  for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    if ((poly[i].y > y) != (poly[j].y > y) &&
        x < (poly[j].x - poly[i].x) * (y - poly[i].y) / (poly[j].y - poly[i].y) + poly[i].x)
      in = !in;
  }
  return in;
}

void Clip(const Canvas& c, double lo_x, double lo_y, double hi_x, double hi_y, int64_t* x0,
          int64_t* y0, int64_t* x1, int64_t* y1) {
  *x0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(lo_x)));
  *y0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(lo_y)));
  *x1 = std::min<int64_t>(static_cast<int64_t>(c.width) - 1, static_cast<int64_t>(std::ceil(hi_x)));
  *y1 =
      std::min<int64_t>(static_cast<int64_t>(c.height) - 1, static_cast<int64_t>(std::ceil(hi_y)));
}

}  // namespace

void Canvas::Blend(int64_t x, int64_t y, const Rgb& color, double alpha) {
  if (x < 0 || y < 0 || x >= width || y >= height || alpha <= 0) return;
  alpha = std::min(alpha, 1.0);
  uint8_t* p = &rgb[(static_cast<size_t>(y) * width + static_cast<size_t>(x)) * 3];
  for (int k = 0; k < 3; ++k)
    p[k] = static_cast<uint8_t>(std::lround(p[k] * (1 - alpha) + color[k] * alpha));
}

void StrokeSegment(Canvas& c, Vec a, Vec b, double width, const Rgb& color, double opacity) {
  if (!std::isfinite(a.x) || !std::isfinite(a.y) || !std::isfinite(b.x) || !std::isfinite(b.y))
    return;
  const double r = width / 2 + 1;
  int64_t x0, y0, x1, y1;
  Clip(c, std::min(a.x, b.x) - r, std::min(a.y, b.y) - r, std::max(a.x, b.x) + r,
       std::max(a.y, b.y) + r, &x0, &y0, &x1, &y1);
  const double dy = b.y - a.y;
  for (int64_t y = y0; y <= y1; ++y) {
    // Only the pixels of this row within r of the segment: those near the part of the segment
    // whose rows are within r (the bounding box of a long diagonal would be mostly empty).
    double lo = x0, hi = x1;
    if (std::abs(dy) > 1e-9) {
      double t0 = (static_cast<double>(y) - r - a.y) / dy,
             t1 = (static_cast<double>(y) + r - a.y) / dy;
      if (t0 > t1) std::swap(t0, t1);
      t0 = std::max(t0, 0.0), t1 = std::min(t1, 1.0);
      if (t0 > t1) continue;
      const double xa = a.x + t0 * (b.x - a.x), xb = a.x + t1 * (b.x - a.x);
      lo = std::max(lo, std::floor(std::min(xa, xb) - r));
      hi = std::min(hi, std::ceil(std::max(xa, xb) + r));
    }
    for (auto x = static_cast<int64_t>(lo); x <= static_cast<int64_t>(hi); ++x) {
      const double d = SegmentDistance({static_cast<double>(x), static_cast<double>(y)}, a, b);
      const double coverage = std::clamp(width / 2 + 0.5 - d, 0.0, 1.0);
      if (coverage > 0) c.Blend(x, y, color, coverage * opacity);
    }
  }
}

void FillPolygon(Canvas& c, const std::vector<Vec>& points, const Rgb& color, double opacity) {
  if (points.size() < 3) return;
  double lo_x = 1e300, lo_y = 1e300, hi_x = -1e300, hi_y = -1e300;
  for (const Vec& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return;
    lo_x = std::min(lo_x, p.x), lo_y = std::min(lo_y, p.y);
    hi_x = std::max(hi_x, p.x), hi_y = std::max(hi_y, p.y);
  }
  int64_t x0, y0, x1, y1;
  Clip(c, lo_x - 1, lo_y - 1, hi_x + 1, hi_y + 1, &x0, &y0, &x1, &y1);
  for (int64_t y = y0; y <= y1; ++y)
    for (int64_t x = x0; x <= x1; ++x) {
      int hits = 0;
      for (int sy = 0; sy < 4; ++sy)
        for (int sx = 0; sx < 4; ++sx)
          hits += Inside(points, x - 0.375 + 0.25 * sx, y - 0.375 + 0.25 * sy) ? 1 : 0;
      if (hits) c.Blend(x, y, color, opacity * hits / 16.0);
    }
}

bool Drawable(std::string_view text) {
  for (uint32_t code : Decode(text))
    if (Find(code) == nullptr) return false;
  return true;
}

double TextWidth(std::string_view text, int scale) {
  return static_cast<double>(Decode(text).size()) * 6 * scale;
}

bool DrawText(Canvas& c, Vec at, std::string_view text, int scale, const Rgb& color) {
  std::vector<const Glyph*> glyphs;
  for (uint32_t code : Decode(text)) {
    const Glyph* g = Find(code);
    if (g == nullptr) return false;
    glyphs.push_back(g);
  }
  const int64_t left = std::lround(at.x), top = std::lround(at.y);
  // Outline first (each set font pixel grown by `scale` in every direction), then the glyphs.
  for (int pass = 0; pass < 2; ++pass) {
    const Rgb ink = pass == 0 ? Rgb{0, 0, 0} : color;
    const int grow = pass == 0 ? std::max(1, scale / 2) : 0;
    for (size_t i = 0; i < glyphs.size(); ++i)
      for (int row = 0; row < 7; ++row)
        for (int col = 0; col < 5; ++col) {
          if (glyphs[i]->rows[row][col] != '#') continue;
          const int64_t px = left + static_cast<int64_t>(i) * 6 * scale + col * scale;
          const int64_t py = top + row * scale;
          for (int64_t y = py - grow; y < py + scale + grow; ++y)
            for (int64_t x = px - grow; x < px + scale + grow; ++x)
              c.Blend(x, y, ink, pass == 0 ? 0.75 : 1.0);
        }
  }
  return true;
}

base::Result<Canvas> DecodePng(std::string_view png) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, png.data(), png.size()))
    return base::Internal(std::string("rendered image could not be read: ") + image.message);
  image.format = PNG_FORMAT_RGB;
  Canvas c;
  c.width = image.width, c.height = image.height;
  c.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, c.rgb.data(), 0, nullptr)) {
    png_image_free(&image);
    return base::Internal(std::string("rendered image could not be read: ") + image.message);
  }
  return c;
}

base::Result<std::string> EncodePng(const Canvas& c, bool allow_grey) {
  bool grey = allow_grey;
  for (size_t i = 0; grey && i + 2 < c.rgb.size(); i += 3)
    grey = c.rgb[i] == c.rgb[i + 1] && c.rgb[i] == c.rgb[i + 2];
  std::vector<uint8_t> pixels;
  if (grey) {
    pixels.reserve(c.rgb.size() / 3);
    for (size_t i = 0; i < c.rgb.size(); i += 3) pixels.push_back(c.rgb[i]);
  }
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = c.width, image.height = c.height;
  image.format = grey ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  const void* data = grey ? static_cast<const void*>(pixels.data()) : c.rgb.data();
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, data, 0, nullptr))
    return base::Internal(std::string("PNG encoding failed: ") + image.message);
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&image, out.data(), &size, 0, data, 0, nullptr))
    return base::Internal(std::string("PNG encoding failed: ") + image.message);
  out.resize(size);
  return out;
}

}  // namespace dokuei::measure::raster
