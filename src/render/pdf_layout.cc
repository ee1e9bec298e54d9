#include "pdf_layout.h"

#include "dokuei/render/pdf.h"

namespace dokuei::render {

Typesetter::Typesetter(cairo_t* cr, const std::string& lang) : cr_(cr) {
  context_ = pango_cairo_create_context(cr);
  pango_context_set_language(context_, pango_language_from_string(lang == "en" ? "en" : "ja"));
  // Metrics in PDF points, independent of the screen resolution pango would assume.
  pango_cairo_context_set_resolution(context_, 72.0);
  cairo_font_options_t* fo = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(context_, fo);
  cairo_font_options_destroy(fo);
}

Typesetter::~Typesetter() { g_object_unref(context_); }

namespace {

PangoFontDescription* Font(const TextStyle& style) {
  PangoFontDescription* d = pango_font_description_new();
  pango_font_description_set_family(d, kPdfFontFamily);
  pango_font_description_set_absolute_size(d, style.size * PANGO_SCALE);
  pango_font_description_set_weight(d, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  return d;
}

}  // namespace

std::string Typesetter::ResolvedFamily() {
  PangoFontDescription* d = Font(TextStyle{});
  PangoFont* font = pango_context_load_font(context_, d);
  pango_font_description_free(d);
  if (font == nullptr) return "";
  PangoFontDescription* got = pango_font_describe(font);
  const char* family = pango_font_description_get_family(got);
  std::string out = family != nullptr ? family : "";
  pango_font_description_free(got);
  g_object_unref(font);
  return out;
}

PangoLayout* Typesetter::Layout(const std::string& text, const TextStyle& style, double width) {
  PangoLayout* layout = pango_layout_new(context_);
  PangoFontDescription* d = Font(style);
  pango_layout_set_font_description(layout, d);
  pango_font_description_free(d);
  if (width > 0) {
    pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  }
  pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
  return layout;
}

double Typesetter::Height(const std::string& text, const TextStyle& style, double width) {
  PangoLayout* layout = Layout(text, style, width);
  PangoRectangle logical;
  pango_layout_get_extents(layout, nullptr, &logical);
  g_object_unref(layout);
  return static_cast<double>(logical.height) / PANGO_SCALE;
}

double Typesetter::Width(const std::string& text, const TextStyle& style) {
  PangoLayout* layout = Layout(text, style, -1);
  PangoRectangle logical;
  pango_layout_get_extents(layout, nullptr, &logical);
  g_object_unref(layout);
  return static_cast<double>(logical.width) / PANGO_SCALE;
}

void Typesetter::Draw(const std::string& text, const TextStyle& style, double width, double x,
                      double y) {
  PangoLayout* layout = Layout(text, style, width);
  cairo_save(cr_);
  cairo_set_source_rgb(cr_, style.r, style.g, style.b);
  cairo_move_to(cr_, x, y);
  pango_cairo_update_context(cr_, context_);
  pango_cairo_show_layout(cr_, layout);
  cairo_restore(cr_);
  g_object_unref(layout);
}

std::vector<std::string> Typesetter::Lines(const std::string& text, const TextStyle& style,
                                           double width) {
  std::vector<std::string> out;
  PangoLayout* layout = Layout(text, style, width);
  const int n = pango_layout_get_line_count(layout);
  for (int i = 0; i < n; ++i) {
    PangoLayoutLine* line = pango_layout_get_line_readonly(layout, i);
    std::string s =
        text.substr(static_cast<size_t>(line->start_index), static_cast<size_t>(line->length));
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    out.push_back(std::move(s));
  }
  g_object_unref(layout);
  if (out.empty()) out.emplace_back();
  return out;
}

std::vector<std::vector<Placed>> Paginate(const std::vector<Block>& blocks) {
  std::vector<std::vector<Placed>> pages(1);
  double y = kTop;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    const bool at_top = pages.back().empty();
    double need = (at_top ? 0 : b.space_before) + b.height;
    if (b.keep_with_next && i + 1 < blocks.size()) {
      need += blocks[i + 1].space_before + blocks[i + 1].height;
    }
    if (!at_top && y + need > kBottom) {
      pages.emplace_back();
      y = kTop;
      if (b.header >= 0 && b.header != static_cast<int>(i - 1)) {
        pages.back().push_back({b.header, y});
        y += blocks[static_cast<size_t>(b.header)].height;
      }
    }
    if (!pages.back().empty()) y += b.space_before;
    pages.back().push_back({static_cast<int>(i), y});
    y += b.height;
  }
  return pages;
}

}  // namespace dokuei::render
