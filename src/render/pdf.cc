#include "dokuei/render/pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <memory>

#include "format.h"
#include "pdf_layout.h"

namespace dokuei::render {
namespace {

constexpr TextStyle kBody{9.5};
constexpr TextStyle kBold{9.5, true};
constexpr TextStyle kSmall{7.5, false, 0.3, 0.3, 0.3};
constexpr TextStyle kLabel{8.5, false, 0.25, 0.25, 0.25};
constexpr TextStyle kH1{12, true, 0.05, 0.2, 0.45};
constexpr TextStyle kH2{10.5, true};
constexpr TextStyle kTitle{17, true};
constexpr TextStyle kCritical{10, true, 0.7, 0.0, 0.0};
constexpr double kPad = 5;
constexpr double kFigureWidth = (kContentWidth - 12) / 2;
constexpr double kFigureHeight = 190;

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct PngReader {
  const std::string* bytes;
  size_t pos = 0;
};

cairo_status_t ReadFromString(void* closure, unsigned char* data, unsigned int length) {
  auto* r = static_cast<PngReader*>(closure);
  if (r->bytes->size() - r->pos < length) return CAIRO_STATUS_READ_ERROR;
  std::copy_n(r->bytes->data() + r->pos, length, data);
  r->pos += length;
  return CAIRO_STATUS_SUCCESS;
}

base::Result<Surface> DecodePng(const std::string& png, const std::string& field) {
  static constexpr char kSignature[] = "\x89PNG\r\n\x1a\n";
  if (png.size() < 8 || png.compare(0, 8, kSignature, 8) != 0) {
    return base::InvalidArgument("key image is not a PNG", field);
  }
  PngReader reader{&png};
  Surface s(cairo_image_surface_create_from_png_stream(ReadFromString, &reader));
  if (cairo_surface_status(s.get()) != CAIRO_STATUS_SUCCESS) {
    return base::InvalidArgument(std::string("key image PNG cannot be decoded: ") +
                                     cairo_status_to_string(cairo_surface_status(s.get())),
                                 field);
  }
  return s;
}

void Rect(cairo_t* cr, double x, double y, double w, double h, double gray_fill, double line = 0.6,
          double lr = 0.55, double lg = 0.55, double lb = 0.55) {
  cairo_save(cr);
  cairo_rectangle(cr, x, y, w, h);
  if (gray_fill < 1.0) {
    cairo_set_source_rgb(cr, gray_fill, gray_fill, gray_fill);
    cairo_fill_preserve(cr);
  }
  if (line > 0) {
    cairo_set_source_rgb(cr, lr, lg, lb);
    cairo_set_line_width(cr, line);
    cairo_stroke(cr);
  } else {
    cairo_new_path(cr);
  }
  cairo_restore(cr);
}

// Builds the blocks of one report.
class Composer {
 public:
  Composer(Typesetter& ts, const spine::Document& doc, const std::vector<Surface>& images)
      : ts_(ts), cr_(ts.cr()), doc_(doc), lang_(doc.lang), images_(images) {}

  std::vector<Block> Compose() {
    Header();
    Addendum();
    ClinicalQuestion();
    Sections();
    Levels();
    Impression();
    Critical();
    Figures();
    Signers();
    return std::move(blocks_);
  }

 private:
  std::string T(const char* key) const { return Text(key, lang_); }

  int Add(Block b) {
    blocks_.push_back(std::move(b));
    return static_cast<int>(blocks_.size()) - 1;
  }

  void Heading(const std::string& text, const TextStyle& style, double space_before) {
    const double h = ts_.Height(text, style, kContentWidth) + 4;
    Add({h, space_before, true, -1, [this, text, style, h](double x, double y) {
           ts_.Draw(text, style, kContentWidth - 6, x + 6, y);
           cairo_save(cr_);
           cairo_set_source_rgb(cr_, style.r, style.g, style.b);
           cairo_rectangle(cr_, x, y + 1, 2.5, h - 5);
           cairo_fill(cr_);
           if (style.size >= kH1.size) {
             cairo_set_line_width(cr_, 0.5);
             cairo_move_to(cr_, x, y + h - 1);
             cairo_line_to(cr_, x + kContentWidth, y + h - 1);
             cairo_stroke(cr_);
           }
           cairo_restore(cr_);
         }});
  }

  // A paragraph as one block per wrapped line, so that it can break across pages.
  void Paragraph(const std::string& text, const TextStyle& style, double indent,
                 double space_before) {
    const double width = kContentWidth - indent;
    bool first = true;
    for (const std::string& line : ts_.Lines(text, style, width)) {
      const double h = ts_.Height(line.empty() ? " " : line, style, -1) + 1.5;
      Add({h, first ? space_before : 0, false, -1, [this, line, style, indent](double x, double y) {
             ts_.Draw(line, style, -1, x + indent, y);
           }});
      first = false;
    }
  }

  // A table row: cells of given widths, text wrapped inside, gray label cells.
  struct Cell {
    std::string text;
    TextStyle style;
    double width;
    double fill = 1.0;
  };
  Block Row(std::vector<Cell> cells, double space_before = 0) {
    double h = 0;
    for (const Cell& c : cells) h = std::max(h, ts_.Height(c.text, c.style, c.width - 2 * kPad));
    h += 2 * kPad - 1;
    return {h, space_before, false, -1, [this, cells, h](double x, double y) {
              double cx = x;
              for (const Cell& c : cells) {
                Rect(cr_, cx, y, c.width, h, c.fill);
                ts_.Draw(c.text, c.style, c.width - 2 * kPad, cx + kPad, y + kPad - 0.5);
                cx += c.width;
              }
            }};
  }

  void Header() {
    std::string title =
        doc_.template_title.empty() ? doc_.title : doc_.template_title + " " + doc_.title;
    const double th = ts_.Height(title, kTitle, kContentWidth - 120) + 6;
    const std::string status = StatusLabel(doc_.status, lang_);
    Add({th, 0, false, -1, [this, title, status](double x, double y) {
           ts_.Draw(title, kTitle, kContentWidth - 120, x, y);
           const double w = ts_.Width(status, kH2) + 16;
           const bool final_like = doc_.status != "preliminary";
           cairo_save(cr_);
           cairo_rectangle(cr_, x + kContentWidth - w, y + 2, w, 20);
           if (final_like) {
             cairo_set_source_rgb(cr_, 0.05, 0.2, 0.45);
           } else {
             cairo_set_source_rgb(cr_, 0.6, 0.4, 0.0);
           }
           cairo_fill(cr_);
           cairo_restore(cr_);
           TextStyle white = kH2;
           white.r = white.g = white.b = 1;
           ts_.Draw(status, white, -1, x + kContentWidth - w + 8, y + 4);
         }});
    if (!doc_.study.hospital.empty()) {
      Paragraph(T("hospital") + ": " + doc_.study.hospital, kBold, 0, 2);
    }
    const spine::StudyRef& s = doc_.study;
    std::string birth = DisplayDate(s.patient_birth_date, lang_);
    const int age = AgeAt(s.patient_birth_date, s.study_date);
    if (age >= 0) birth += " (" + std::to_string(age) + T("age_suffix") + ")";
    std::string study_date = DisplayDate(s.study_date, lang_);
    if (!s.study_time.empty()) study_date += " " + DisplayTime(s.study_time);
    std::string version = lang_ == "en" ? "v" + std::to_string(doc_.version)
                                        : "第" + std::to_string(doc_.version) + "版";
    if (!doc_.released_at.empty()) version += "  " + DisplayDateTime(doc_.released_at, lang_);
    const double lw = 70, vw = kContentWidth / 2 - lw;
    const double lf = 0.92;
    auto pair_row = [&](const char* l1, std::string v1, const char* l2, std::string v2,
                        double space_before) {
      Add(Row({{T(l1), kLabel, lw, lf},
               {std::move(v1), kBody, vw},
               {T(l2), kLabel, lw, lf},
               {std::move(v2), kBody, vw}},
              space_before));
    };
    pair_row("patient_name", DisplayName(s.patient_name, lang_), "patient_id", s.patient_id, 6);
    pair_row("sex", SexLabel(s.patient_sex, lang_), "birth_date", birth, 0);
    pair_row("study_date", study_date, "modality", s.modality, 0);
    pair_row("study_description", s.study_description, "accession", s.accession, 0);
    pair_row("referring", DisplayName(s.referring_physician, lang_), "released", version, 0);
  }

  // A framed box with a label line and a text; the text's lines stay together.
  void Box(const std::string& label, const TextStyle& label_style, const std::string& text,
           const TextStyle& text_style, double fill_r, double fill_g, double fill_b, double line_r,
           double line_g, double line_b, double line_width) {
    const double inner = kContentWidth - 2 * (kPad + 2);
    const double lh = ts_.Height(label, label_style, inner);
    const double h = lh + 2 + ts_.Height(text, text_style, inner) + 2 * (kPad + 2);
    if (h > (kBottom - kTop) * 0.6) {
      // Too tall to move whole to the next page: unframed, so that its lines can break.
      Heading(label, label_style, 10);
      Paragraph(text, text_style, 8, 2);
      return;
    }
    Add({h, 10, false, -1, [=, this](double x, double y) {
           cairo_save(cr_);
           cairo_rectangle(cr_, x, y, kContentWidth, h);
           cairo_set_source_rgb(cr_, fill_r, fill_g, fill_b);
           cairo_fill_preserve(cr_);
           cairo_set_source_rgb(cr_, line_r, line_g, line_b);
           cairo_set_line_width(cr_, line_width);
           cairo_stroke(cr_);
           cairo_restore(cr_);
           ts_.Draw(label, label_style, inner, x + kPad + 2, y + kPad + 2);
           ts_.Draw(text, text_style, inner, x + kPad + 2, y + kPad + 4 + lh);
         }});
  }

  void Addendum() {
    if (doc_.status != "addendum" || doc_.addendum_text.empty()) return;
    std::string label = T("addendum");
    if (!doc_.released_at.empty()) label += "  " + DisplayDateTime(doc_.released_at, lang_);
    Box(label, kH2, doc_.addendum_text, kBody, 1.0, 0.97, 0.86, 0.75, 0.55, 0.0, 1.2);
  }

  void ClinicalQuestion() {
    if (doc_.clinical_question.empty()) return;
    Box(T("clinical_question"), kBold, doc_.clinical_question, kBody, 0.95, 0.96, 0.98, 0.45, 0.5,
        0.6, 0.8);
  }

  void Sections() {
    if (doc_.sections.empty()) return;
    Heading(T("findings"), kH1, 14);
    for (const spine::Section& s : doc_.sections) {
      Heading(s.heading, kH2, 7);
      for (const std::string& p : s.paragraphs) Paragraph(p, kBody, 8, 2);
    }
  }

  void Levels() {
    if (doc_.levels.empty()) return;
    Heading(T("level_table"), kH2, 10);
    const double lw = 62;
    Block header =
        Row({{T("level"), kBold, lw, 0.88}, {T("finding"), kBold, kContentWidth - lw, 0.88}}, 2);
    header.keep_with_next = true;
    const int header_index = Add(std::move(header));
    for (const spine::LevelRow& r : doc_.levels) {
      Block row = Row({{r.level, kBold, lw, 0.96}, {r.text, kBody, kContentWidth - lw}});
      row.header = header_index;
      Add(std::move(row));
    }
  }

  void Impression() {
    if (doc_.impression.empty()) return;
    Heading(T("impression"), kH1, 14);
    for (size_t i = 0; i < doc_.impression.size(); ++i) {
      const std::string number = std::to_string(i + 1) + ".";
      const std::string text = doc_.impression[i];
      const double indent = 20;
      const double h = ts_.Height(text, kBold, kContentWidth - indent) + 3;
      Add({h, 3, false, -1, [this, number, text, indent](double x, double y) {
             ts_.Draw(number, kBold, -1, x + 4, y);
             ts_.Draw(text, kBold, kContentWidth - indent, x + indent, y);
           }});
    }
  }

  void Critical() {
    if (doc_.critical_statement.empty()) return;
    Box("■ " + T("critical"), kCritical, doc_.critical_statement, kBold, 1.0, 0.92, 0.92, 0.75, 0.0,
        0.0, 1.6);
  }

  void Figures() {
    if (doc_.figures.empty()) return;
    Heading(T("key_images"), kH1, 14);
    for (size_t i = 0; i < doc_.figures.size(); i += 2) {
      double caption_h = 0;
      std::vector<size_t> row;
      for (size_t k = i; k < std::min(i + 2, doc_.figures.size()); ++k) {
        row.push_back(k);
        caption_h = std::max(caption_h, ts_.Height(CaptionOf(k), kBody, kFigureWidth));
      }
      const double h = kFigureHeight + 4 + caption_h;
      Add({h, 8, false, -1, [this, row](double x, double y) {
             double cx = x;
             for (size_t k : row) {
               DrawFigure(k, cx, y);
               ts_.Draw(CaptionOf(k), kBody, kFigureWidth, cx, y + kFigureHeight + 3);
               cx += kFigureWidth + 12;
             }
           }});
    }
  }

  std::string CaptionOf(size_t k) const {
    const spine::Figure& f = doc_.figures[k];
    const int n = f.number > 0 ? f.number : static_cast<int>(k) + 1;
    return T("figure") + std::to_string(n) + "  " + f.caption;
  }

  void DrawFigure(size_t k, double x, double y) {
    Rect(cr_, x, y, kFigureWidth, kFigureHeight, 0.0, 0.6);
    cairo_surface_t* img = images_[k].get();
    if (img == nullptr) {
      TextStyle gray = kSmall;
      gray.r = gray.g = gray.b = 0.8;
      ts_.Draw(T("no_image"), gray, -1, x + 8, y + 8);
      return;
    }
    const double iw = cairo_image_surface_get_width(img);
    const double ih = cairo_image_surface_get_height(img);
    const double scale = std::min(kFigureWidth / iw, kFigureHeight / ih);
    cairo_save(cr_);
    cairo_translate(cr_, x + (kFigureWidth - iw * scale) / 2, y + (kFigureHeight - ih * scale) / 2);
    cairo_scale(cr_, scale, scale);
    cairo_set_source_surface(cr_, img, 0, 0);
    cairo_paint(cr_);
    cairo_restore(cr_);
  }

  void Signers() {
    if (doc_.signers.empty()) return;
    Heading(T("signatures"), kH1, 14);
    const double rw = 78, tw = 128, nw = kContentWidth - rw - tw;
    for (const spine::Signer& s : doc_.signers) {
      std::string who = s.name;
      for (size_t i = 0; i < s.credentials.size(); ++i) {
        who += (i == 0 ? "\n" : lang_ == "en" ? "; " : "・") + s.credentials[i];
      }
      Add(Row({{RoleLabel(s.role, lang_), kLabel, rw, 0.92},
               {who, kBody, nw},
               {DisplayDateTime(s.signed_at, lang_), kBody, tw}},
              0));
    }
  }

  Typesetter& ts_;
  cairo_t* cr_;
  const spine::Document& doc_;
  const std::string lang_;
  const std::vector<Surface>& images_;
  std::vector<Block> blocks_;
};

void RunningHeaderAndFooter(Typesetter& ts, const spine::Document& doc, int page, int pages) {
  const std::string& lang = doc.lang;
  const spine::StudyRef& s = doc.study;
  std::string left = doc.title + "  " + DisplayName(s.patient_name, lang) + "  ID " + s.patient_id;
  if (!s.accession.empty()) left += "  " + Text("accession", lang) + " " + s.accession;
  if (page > 1) ts.Draw(left, kSmall, kContentWidth, kMargin, 26);
  cairo_t* cr = ts.cr();
  cairo_save(cr);
  cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
  cairo_set_line_width(cr, 0.4);
  cairo_move_to(cr, kMargin, kBottom + 12);
  cairo_line_to(cr, kPageWidth - kMargin, kBottom + 12);
  cairo_stroke(cr);
  cairo_restore(cr);
  ts.Draw(s.hospital, kSmall, kContentWidth / 2, kMargin, kBottom + 16);
  const std::string number = std::to_string(page) + " / " + std::to_string(pages);
  ts.Draw(number, kLabel, -1, (kPageWidth - ts.Width(number, kLabel)) / 2, kBottom + 16);
}

}  // namespace

base::Result<std::string> RenderPdf(const spine::Document& doc) {
  DOKUEI_RETURN_IF_ERROR(CheckDocument(doc));
  std::vector<Surface> images;
  for (size_t i = 0; i < doc.figures.size(); ++i) {
    if (doc.figures[i].png.empty()) {
      images.emplace_back();
      continue;
    }
    DOKUEI_ASSIGN_OR_RETURN(
        Surface s, DecodePng(doc.figures[i].png, "figures[" + std::to_string(i + 1) + "].png"));
    images.push_back(std::move(s));
  }

  std::string out;
  Surface surface(
      cairo_pdf_surface_create_for_stream(AppendToString, &out, kPageWidth, kPageHeight));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return base::Internal("cairo PDF surface: " +
                          std::string(cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE,
                                 (doc.template_title + " " + doc.title).c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "Dokuei");
  if (!doc.released_at.empty()) {
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE,
                                   doc.released_at.c_str());
  }
  cairo_t* cr = cairo_create(surface.get());
  base::Status status;
  {
    Typesetter ts(cr, doc.lang);
    const std::string family = ts.ResolvedFamily();
    if (family != kPdfFontFamily) {
      status = base::FailedPrecondition(std::string("the report font ") + kPdfFontFamily +
                                        " is not installed (Debian package fonts-ipaexfont); "
                                        "fontconfig resolves it to '" +
                                        family + "'");
    } else {
      Composer composer(ts, doc, images);  // the blocks' draw functions refer to it
      std::vector<Block> blocks = composer.Compose();
      std::vector<std::vector<Placed>> pages = Paginate(blocks);
      for (size_t p = 0; p < pages.size(); ++p) {
        for (const Placed& placed : pages[p]) blocks[placed.block].draw(kMargin, placed.y);
        RunningHeaderAndFooter(ts, doc, static_cast<int>(p) + 1, static_cast<int>(pages.size()));
        cairo_show_page(cr);
      }
    }
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface.get());
  if (!status.ok()) return status;
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return base::Internal("cairo PDF output: " +
                          std::string(cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  return out;
}

}  // namespace dokuei::render
