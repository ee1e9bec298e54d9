// The narrative of a spine report (docs/design/spine-reporting.md, "Narrative"): turns a report's
// structured content, read through its template and the catalog's value sets, into the
// `spine::Document` the renderers lay out — findings section by section in the frame's order, a
// per-level table, an impression that answers the clinical question first, incidental findings
// with their advice and the critical-result statement, in Japanese (default) or English.
// Narrate does not replace spine::Validate: it refuses content it cannot read (unknown field,
// value outside its value set, wrong JSON type) with an error naming the field, so that nothing
// the reader coded is silently left out of the text.
// Thread safety: a pure function of its arguments; the catalog and template are only read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/spine/document.h"
#include "dokuei/spine/template.h"

namespace dokuei::spine {

// What the document needs beyond the content: the study, who signed, the version.
struct NarrativeInput {
  StudyRef study;
  std::vector<Signer> signers;
  std::string status = "final";  // final | addendum | preliminary
  std::string addendum_text;     // for an addendum: what was added
  int version = 1;
  std::string released_at;       // ISO 8601, JST
  // Rendered key images (src/measure), numbered as content.key_images. Optional: figures missing
  // here are built from content.key_images; an empty caption is taken from the content.
  std::vector<Figure> figures;
};

// `content_json` is the report content (frame 1) written against `tmpl`; value sets are looked
// up in `catalog`. `lang` is "ja" or "en". kInvalidArgument naming the field
// ("content.levels[L4-L5].foramen.lee.right") when the content cannot be read.
base::Result<Document> Narrate(std::string_view content_json, const Template& tmpl,
                               const Catalog& catalog, const NarrativeInput& input,
                               std::string_view lang);

// How a level or a span of vertebrae is written: "L4-L5" -> "L4/5" (ja) or "L4-5" (en);
// "L5-S1" -> "L5/S1" / "L5-S1"; a span that is not one disc ("T5-T12") -> "T5–T12".
std::string LevelDisplay(std::string_view level, std::string_view lang);

}  // namespace dokuei::spine
