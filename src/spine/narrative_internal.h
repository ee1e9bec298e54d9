// Private to the narrative (narrative*.cc): the findings read from the content, and the
// language helpers that write them.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/spine/document.h"
#include "dokuei/spine/template.h"

namespace dokuei::spine::narrative {

using nlohmann::json;

// One stated field (or a group of fields that read as one sentence), written in one language.
struct Finding {
  std::string section;       // "alignment", "levels", ...
  std::string site;          // the level ("L4-L5") for the levels section, else ""
  std::string field;         // template field id of the main field
  int severity = 0;          // 0 normal .. 3 severe (value sets; a present boolean is 1)
  bool abnormal = false;     // worth stating inside an abnormal level and in the impression
  std::string side;          // "", "left", "right", "both"
  std::string noun;          // noun phrase without verb: "右傍中心性の椎間板突出"
  std::string stated;        // the noun as its sentence opens it ("右に…"); empty: noun
  std::string extras;        // what follows in parentheses: numbers, measurements
  std::string fixed;         // a complete sentence (normal values, texts); empty: stated
  std::string condition;     // one of the template's conditions, or ""
  std::vector<std::string> names;  // field and value labels: how free text may name it
  std::vector<int> figures;  // key images cited after the sentence
  int order = 0;             // position in the document
  bool most_severe = false;  // the reader flagged its level as the most severe
};

// A measurement of content.measurements, with the key images that show it.
struct Measured {
  std::string id, kind, unit, site, grade, spacing;
  double value = 0;
  std::vector<int> figures;
};

// ---- language (narrative_text.cc) ----

bool En(std::string_view lang);
// "L4-L5" -> "L4/5" / "L4-5"; vertebra "L1" unchanged; other spans with an en dash.
std::string SiteDisplay(std::string_view site, std::string_view lang);
// "(図1)" / "(Fig. 1)", "(図1、図2)" / "(Figs. 1 and 2)"; "" when empty.
std::string FigureRef(const std::vector<int>& figures, std::string_view lang);
// "a", "aとb" / "a and b", "a、b、c" / "a, b and c".
std::string JoinNouns(const std::vector<std::string>& nouns, std::string_view lang);
// "a、b" / "a; b" (the items of a parenthesis).
std::string JoinList(const std::vector<std::string>& items, std::string_view lang);
std::string Paren(std::string_view inner, std::string_view lang);  // "(x)" / " (x)"; "" if empty
std::string Capitalize(std::string_view s);
// A label without its trailing parenthesis: "椎間孔狭窄 (Lee分類)" -> "椎間孔狭窄".
std::string StripParen(std::string_view label);
// Whether a Japanese phrase is already a clause with its own ending (…ます, …なし, …。).
bool IsClauseJa(std::string_view phrase);
// A phrase as a noun: "神経根を圧排" -> "神経根の圧排"; other phrases unchanged.
std::string NounFormJa(std::string_view phrase);
// Ends a sentence: adds "。" / "." unless there already is one.
std::string EndSentence(std::string s, std::string_view lang);
// "{noun}を認めます(extras)(図1)。" / "{Noun} (extras) (Fig. 1)."
// The parenthesis after a finding: its extras and figures in one.
std::string ExtrasAndFigures(std::string_view extras, const std::vector<int>& figures,
                             std::string_view lang);
std::string StateFinding(std::string_view noun, std::string_view extras,
                         const std::vector<int>& figures, std::string_view lang);
std::string FormatNumber(double v);
std::string UnitDisplay(std::string_view unit);  // mm2 -> mm², deg -> °
// "2025-03-12" / "20250312" -> "2025年3月12日" / "2025-03-12"; "" when not a date.
std::string DateDisplay(std::string_view date, std::string_view lang);
// ISO 8601 with an offset -> "2026年11月25日 10:42" / "2026-11-25 10:42 JST" in JST.
std::string JstDisplay(std::string_view iso, std::string_view lang);
// "すべり率18%(Meyerding I度)" / "slip 18% (Meyerding grade I)"; with_grade false leaves the
// grade out (the sentence it is attached to states it).
std::string CiteMeasurement(const Measured& m, std::string_view lang, bool with_grade);
// The measurement group a kind belongs to inside a level ("slip" -> "listhesis").
std::string_view MeasurementGroup(std::string_view kind);
std::string SpacingStatement(const std::vector<std::string>& spacings, std::string_view lang);
// The names of the product's five conditions (and "" for others).
std::string ConditionName(std::string_view condition, std::string_view lang);
// A free text as written: a string, or {"ja": …, "en": …} in the document's language.
std::string FreeText(const json& v, std::string_view lang);

// The finding's sentence with its extras and figures: "…を認めます(…)(図1)。".
std::string Sentence(const Finding& f, std::string_view lang);

// ---- reading the content (narrative_fields.cc) ----

struct Context {
  const Template& tmpl;
  const Catalog& catalog;
  std::string lang;
  // Measurements not yet cited, by where they are written: a level, a vertebra, "vertebrae"
  // or "alignment". Readers take out what they cite.
  std::map<std::string, std::vector<Measured>> measurements_by_site;
  size_t figure_count = 0;
  int next_order = 0;
};

// The findings of one frame section (an object of field id -> value) or of one level entry.
// `where` names the object in errors ("content.alignment", "content.levels[L4-L5]"); `site` is
// the level for a level entry. Unknown fields, wrong types and codes outside the value set are
// errors. Measurements at the site are attached to the findings of their group.
base::Result<std::vector<Finding>> ReadFields(Context& ctx, std::string_view section,
                                              const json& object, std::string_view where,
                                              std::string_view site);
// The figures list of an object ("figures": [1, 2]), checked against the key images.
base::Result<std::vector<int>> ReadFigures(const Context& ctx, const json& object,
                                           std::string_view where);

// ---- list items inside sections (narrative_items.cc) ----

// alignment.curves: one finding per scoliosis curve, "右凸の中等度の側弯(Cobb角28.4°、T5–T12、
// 頂椎T9)"; a cobb measurement over the same end vertebrae is cited and taken out of the
// alignment's measurements.
base::Result<std::vector<Finding>> ReadCurves(Context& ctx, const json& curves);
// vertebrae.items: the findings of each vertebra ({"vertebra": "L1", ...}), with the
// measurements made on it.
base::Result<std::vector<Finding>> ReadVertebraItems(Context& ctx, const json& items);

// ---- the impression (narrative_impression.cc) ----

struct Question {
  std::vector<std::string> levels;      // "L4-L5"
  std::vector<std::string> vertebrae;   // "L1"
  std::string side;                     // "", "left", "right", "both"
  std::vector<std::string> conditions;  // template conditions the question names
  std::vector<std::string> topics;      // field id fragments ("opll", "fracture", "cord")
};
Question ParseQuestion(std::string_view text, const Template& tmpl);

struct ReaderItem {
  std::string text;
  std::vector<std::string> levels;
  bool answers_question = false;
  std::vector<int> figures;
};

// The impression lines: the reader's items (the one that answers the question first), the
// answer to the clinical question when no item of the reader gives it, the most severe findings
// the reader did not write about, and the incidental findings that carry advice.
std::vector<std::string> BuildImpression(const std::vector<ReaderItem>& reader,
                                         const std::vector<Finding>& findings,
                                         const Question& question,
                                         const std::vector<std::string>& stated_levels,
                                         const std::vector<std::string>& incidental_lines,
                                         std::string_view lang);

}  // namespace dokuei::spine::narrative
