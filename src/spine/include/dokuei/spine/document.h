// The neutral forms a spine report takes between its structured content and its renderers
// (docs/design/spine-reporting.md). The spine module fills them from a report's content and
// template (narrative, coded findings, measurements); src/render turns them into PDF, DICOM SR,
// Encapsulated PDF, FHIR and HL7; src/delivery sends the results. Plain data, no behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dokuei::spine {

// A label in both languages of the product (Japanese default, English on request).
struct Label {
  std::string ja;
  std::string en;
  const std::string& In(std::string_view lang) const { return lang == "en" ? en : ja; }
};

// The study the report reads (from the index and the reading request).
struct StudyRef {
  std::string study_uid;
  std::string accession;
  std::string patient_id;
  std::string patient_name;        // as stored (DICOM PN, may hold ideographic/phonetic groups)
  std::string patient_birth_date;  // YYYYMMDD or empty
  std::string patient_sex;         // M / F / O / empty
  std::string study_date;          // YYYYMMDD
  std::string study_time;          // HHMMSS or empty
  std::string modality;            // CR / DX / CT / MR
  std::string study_description;
  std::string referring_physician;
  std::string hospital;  // the requesting tenant's display name
};

// A key image: one frame of one instance, shown as (図n) / (Fig. n).
struct Figure {
  int number = 0;  // 1-based, the order of content.key_images
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string series_uid;
  int frame = 1;        // 1-based
  std::string caption;  // in the document's language
  std::string png;      // rendered bytes (annotations burnt in); empty if not rendered
};

// A measurement computed from points (src/measure), as stored in content.measurements.
struct Measurement {
  std::string id;    // "m1"
  std::string kind;  // cobb | slip | canal_ap | dural_area | height_loss | disc_height
  double value = 0;
  std::string unit;   // deg | % | mm | mm2 | ratio
  std::string site;   // level "L4-L5" or vertebra "L1" or "T5-T12" for a curve
  std::string grade;  // derived grade code ("moderate", "II", "2"), empty if none
  std::string
      spacing;  // PixelSpacing | ImagerPixelSpacing | ImagerPixelSpacing*magnification | none
  std::string sop_instance_uid;
  int frame = 1;
  std::vector<std::pair<double, double>> points;  // image coordinates (column, row), pixels
};

// One coded finding: a template field's value at a site (for DICOM SR, FHIR Observation, the
// RSNA grid, statistics). Normal values are included: a stated normal is a finding too.
struct CodedFinding {
  std::string site;   // "L4-L5", "L1", or "" for a global field
  std::string side;   // "", "left", "right"
  std::string field;  // template field id, e.g. "canal.lee"
  Label field_label;
  std::string value_code;  // value-set code, or "" for a number / text
  Label value_label;
  std::string value_set;         // value-set id, e.g. "lee_canal"
  std::optional<double> number;  // numeric fields
  std::string unit;              // UCUM for numbers ("mm", "mm2", "deg", "%")
  std::string text;              // free-text fields
  int severity = 0;              // 0 normal .. 3 severe (from the value set)
  std::vector<int> figures;      // key images that show it
};

// Who signed, second-read or checked, with the credentials the hospital sees.
struct Signer {
  std::string role;  // reader | second_reader | checker
  std::string name;
  std::vector<std::string> credentials;  // e.g. "日本医学放射線学会 放射線診断専門医"
  std::string signed_at;                 // ISO 8601 with offset, JST
};

struct Section {
  std::string heading;
  std::vector<std::string> paragraphs;
};

struct LevelRow {
  std::string level;  // as displayed: "L4/5"
  std::string text;   // the level's findings, one sentence or more
};

// The report as a reader of the PDF sees it, in one language.
struct Document {
  std::string lang = "ja";     // ja | en
  std::string title;           // 読影レポート / Radiology report
  std::string template_title;  // e.g. 腰椎MRI
  StudyRef study;
  std::string clinical_question;
  std::vector<Section> sections;        // technique, comparison, alignment, ... in frame order
  std::vector<LevelRow> levels;         // per-level table
  std::vector<std::string> impression;  // ranked, numbered by the renderer
  std::string critical_statement;       // empty when no critical result
  std::vector<Figure> figures;
  std::vector<Signer> signers;
  std::string status;         // final | addendum | preliminary
  std::string addendum_text;  // for an addendum: what was added
  int version = 1;
  std::string released_at;  // ISO 8601, JST
};

}  // namespace dokuei::spine
