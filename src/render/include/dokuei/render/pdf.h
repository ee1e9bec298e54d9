// The report PDF: an A4 Japanese 読影レポート (or an English radiology report when the document's
// lang is "en") laid out from a spine::Document with cairo and pango. Header (hospital, patient,
// study), the clinical question box, the sections, the per-level table, the numbered impression,
// the critical-result statement, key images in a grid with captions (図1 …), the signers with
// their credentials and times, the status (確定 / 追記 with the addendum text) and "n / N" page
// numbers; long reports break across pages (the level table repeats its header).
//
// The font is IPAexGothic (Debian fonts-ipaexfont), embedded as a subset (bold is synthesised);
// characters outside it (beyond JIS X 0213, e.g. 𠮷) fall back to Noto Sans CJK JP
// (fonts-noto-cjk). Rendering fails with kFailedPrecondition when IPAexGothic is not installed
// rather than writing boxes or another family. Why this font: docs/design/spine-reporting.md.
// Output is deterministic for a given Document (the PDF creation date is released_at).
// Thread safety: RenderPdf may be called concurrently (each call has its own cairo surface).
#pragma once

#include <string>

#include "dokuei/base/status.h"
#include "dokuei/spine/document.h"

namespace dokuei::render {

inline constexpr const char* kPdfFontFamily = "IPAexGothic";

// The PDF bytes. kInvalidArgument (field named, e.g. "figures[2].png") for a key image that is
// not a PNG or a lang other than ja/en; kFailedPrecondition when the font is missing.
base::Result<std::string> RenderPdf(const spine::Document& doc);

}  // namespace dokuei::render
