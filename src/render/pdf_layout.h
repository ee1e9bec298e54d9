// A small flow layout for the report PDF: blocks of measured height placed top to bottom on A4
// pages, moved whole to the next page when they do not fit (paragraphs are split into lines
// before, so only short blocks move), with keep-with-next for headings and a repeated header
// row for tables. Text is laid out by pango on the cairo context of the PDF surface.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <functional>
#include <string>
#include <vector>

namespace dokuei::render {

inline constexpr double kPageWidth = 595.276;  // A4 in points
inline constexpr double kPageHeight = 841.890;
inline constexpr double kMargin = 42.0;                // ~15 mm
inline constexpr double kTop = 56.0;                   // below the running header
inline constexpr double kBottom = kPageHeight - 50.0;  // above the footer
inline constexpr double kContentWidth = kPageWidth - 2 * kMargin;

struct TextStyle {
  double size = 9.5;  // points
  bool bold = false;
  double r = 0, g = 0, b = 0;
};

// Text drawing and measuring on one cairo context with the report font.
class Typesetter {
 public:
  Typesetter(cairo_t* cr, const std::string& lang);
  ~Typesetter();
  Typesetter(const Typesetter&) = delete;
  Typesetter& operator=(const Typesetter&) = delete;

  // The family pango actually resolves the report font to (to detect a missing font).
  std::string ResolvedFamily();
  // A wrapped layout (width <= 0: no wrapping); the caller unrefs it with g_object_unref.
  PangoLayout* Layout(const std::string& text, const TextStyle& style, double width);
  double Height(const std::string& text, const TextStyle& style, double width);
  double Width(const std::string& text, const TextStyle& style);
  void Draw(const std::string& text, const TextStyle& style, double width, double x, double y);
  // The text split into the lines pango wraps it into at this width (each a substring).
  std::vector<std::string> Lines(const std::string& text, const TextStyle& style, double width);

  cairo_t* cr() const { return cr_; }

 private:
  cairo_t* cr_;
  PangoContext* context_;
};

struct Block {
  double height = 0;
  double space_before = 0;
  bool keep_with_next = false;
  int header = -1;  // index of a table header block repeated when this row starts a page
  std::function<void(double x, double y)> draw;
};

struct Placed {
  int block;
  double y;
};

// Page by page, the blocks with their y positions.
std::vector<std::vector<Placed>> Paginate(const std::vector<Block>& blocks);

}  // namespace dokuei::render
