// Comprehensive SR in the style of TID 1500 (see dicom_export.h). The content tree is built as
// plain Items and then encoded with src/dicom's DatasetWriter.
#include <algorithm>
#include <map>
#include <set>

#include "dicom_common.h"
#include "dokuei/base/random.h"
#include "dokuei/render/dicom_export.h"
#include "format.h"
#include "sr_codes.h"

namespace dokuei::render {
namespace {

struct Item {
  std::string rel;   // CONTAINS, HAS OBS CONTEXT, HAS CONCEPT MOD, INFERRED FROM, SELECTED FROM
  std::string type;  // CONTAINER, CODE, TEXT, NUM, PNAME, UIDREF, IMAGE, SCOORD
  Code name;         // empty value: no name name (IMAGE in a library)
  Code code;         // CODE
  std::string text;  // TEXT, PNAME, UIDREF
  double number = 0;
  Code unit;  // NUM
  std::string sop_class, sop_instance;
  int frame = 0;                // IMAGE: referenced frame (multi-frame only)
  std::vector<double> graphic;  // SCOORD POLYLINE, column/row pairs
  std::vector<Item> children;
};

Item Container(std::string rel, Code name) {
  return {.rel = std::move(rel), .type = "CONTAINER", .name = std::move(name)};
}
Item CodeItem(std::string rel, Code name, Code value) {
  return {.rel = std::move(rel), .type = "CODE", .name = std::move(name), .code = std::move(value)};
}
Item TextItem(std::string rel, Code name, std::string text, std::string type = "TEXT") {
  return {.rel = std::move(rel),
          .type = std::move(type),
          .name = std::move(name),
          .text = std::move(text)};
}
Item ImageItem(std::string rel, Code name, std::string cls, std::string inst, int frame) {
  return {.rel = std::move(rel),
          .type = "IMAGE",
          .name = std::move(name),
          .sop_class = std::move(cls),
          .sop_instance = std::move(inst),
          .frame = frame};
}

// "鈴木 一郎" -> "=鈴木^一郎" (ideographic group), "Suzuki Ichiro" -> "Suzuki^Ichiro".
std::string PersonName(const std::string& name) {
  std::string pn = name;
  const bool ascii = std::all_of(pn.begin(), pn.end(), [](char c) { return (c & 0x80) == 0; });
  // Japanese names are written family name first; the first space separates the components.
  const size_t space = pn.find(' ');
  if (space != std::string::npos) pn = pn.substr(0, space) + "^" + pn.substr(space + 1);
  for (char& c : pn) {
    if (c == ' ') c = '^';
  }
  return ascii ? pn : "=" + pn;
}

void Encode(const Item& item, dicom::DatasetWriter& w) {
  if (!item.rel.empty()) w.Set(tag::kRelationshipType, item.rel);
  w.Set(tag::kValueType, item.type);
  if (!item.name.value.empty()) {
    w.SetSequence(tag::kConceptNameCodeSequence, CodeSequence(item.name));
  }
  if (item.type == "CONTAINER") {
    w.Set(tag::kContinuityOfContent, "SEPARATE");
  } else if (item.type == "CODE") {
    w.SetSequence(tag::kConceptCodeSequence, CodeSequence(item.code));
  } else if (item.type == "TEXT") {
    w.Set(tag::kTextValue, item.text);
  } else if (item.type == "PNAME") {
    w.Set(tag::kPersonName, item.text);
  } else if (item.type == "UIDREF") {
    w.Set(tag::kUid, item.text);
  } else if (item.type == "NUM") {
    std::vector<dicom::DatasetWriter> mv;
    mv.push_back(NewItem());
    mv[0]
        .SetNumber(tag::kNumericValue, item.number)
        .SetSequence(tag::kMeasurementUnitsCodeSequence, CodeSequence(item.unit));
    w.SetSequence(tag::kMeasuredValueSequence, std::move(mv));
  } else if (item.type == "IMAGE") {
    std::vector<dicom::DatasetWriter> ref;
    ref.push_back(NewItem());
    ref[0]
        .Set(tag::kReferencedSopClassUid, item.sop_class)
        .Set(tag::kReferencedSopInstanceUid, item.sop_instance);
    if (item.frame > 1) ref[0].SetNumber(tag::kReferencedFrameNumber, item.frame);
    w.SetSequence(tag::kReferencedSopSequence, std::move(ref));
  } else if (item.type == "SCOORD") {
    w.Set(tag::kGraphicType, "POLYLINE").SetNumbers(tag::kGraphicData, item.graphic);
  }
  if (!item.children.empty()) {
    std::vector<dicom::DatasetWriter> children;
    for (const Item& child : item.children) {
      children.push_back(NewItem());
      Encode(child, children.back());
    }
    w.SetSequence(tag::kContentSequence, std::move(children));
  }
}

struct Instance {
  std::string series, cls;
};

class SrBuilder {
 public:
  SrBuilder(const spine::Document& doc, const std::vector<spine::CodedFinding>& findings,
            const std::vector<spine::Measurement>& measurements, const DicomExportOptions& o)
      : doc_(doc), findings_(findings), measurements_(measurements), options_(o) {}

  base::Result<Item> Build() {
    DOKUEI_RETURN_IF_ERROR(IndexInstances());
    const std::string& lang = doc_.lang;
    Item root = Container("", codes::kImagingMeasurementReport);
    root.children.push_back(
        CodeItem("HAS CONCEPT MOD", codes::kLanguage, codes::LanguageCode(lang)));
    for (const spine::Signer& s : doc_.signers) {
      root.children.push_back(CodeItem("HAS OBS CONTEXT", codes::kObserverType, codes::kPerson));
      root.children.push_back(
          TextItem("HAS OBS CONTEXT", codes::kPersonObserverName, PersonName(s.name), "PNAME"));
    }
    root.children.push_back(CodeItem("HAS CONCEPT MOD", codes::kProcedureReported,
                                     codes::ProcedureCode(doc_.study.modality)));
    if (!doc_.clinical_question.empty()) {
      root.children.push_back(TextItem("CONTAINS", codes::kHistory, doc_.clinical_question));
    }
    if (!doc_.figures.empty()) {
      Item library = Container("CONTAINS", codes::kImageLibrary);
      Item group = Container("CONTAINS", codes::kImageLibraryGroup);
      for (const spine::Figure& f : doc_.figures) {
        group.children.push_back(
            ImageItem("CONTAINS", {}, f.sop_class_uid, f.sop_instance_uid, f.frame));
      }
      library.children.push_back(std::move(group));
      root.children.push_back(std::move(library));
    }
    root.children.push_back(Measurements());
    Item qualitative = Container("CONTAINS", codes::kQualitativeEvaluations);
    for (const spine::CodedFinding& f : findings_) {
      if (f.site.empty()) qualitative.children.push_back(Finding(f));
    }
    if (!qualitative.children.empty()) root.children.push_back(std::move(qualitative));
    for (const std::string& line : NumberedImpression(doc_)) {
      root.children.push_back(TextItem("CONTAINS", codes::kImpression, line));
    }
    if (!doc_.critical_statement.empty()) {
      root.children.push_back(
          TextItem("CONTAINS", codes::kCriticalResult, doc_.critical_statement));
    }
    if (doc_.status == "addendum") {
      root.children.push_back(TextItem("CONTAINS", codes::kAddendum, doc_.addendum_text));
    }
    return root;
  }

  // Every referenced instance grouped by series, for the evidence sequence.
  std::vector<SeriesRef> Evidence() const {
    std::map<std::string, SeriesRef> by_series;
    for (const std::string& inst : referenced_) {
      const Instance& i = instances_.at(inst);
      SeriesRef& s = by_series[i.series];
      s.series_uid = i.series;
      s.instances.emplace_back(i.cls, inst);
    }
    std::vector<SeriesRef> out;
    for (auto& [uid, s] : by_series) out.push_back(std::move(s));
    return out;
  }

 private:
  base::Status IndexInstances() {
    for (size_t i = 0; i < doc_.figures.size(); ++i) {
      const spine::Figure& f = doc_.figures[i];
      if (f.sop_class_uid.empty() || f.sop_instance_uid.empty() || f.series_uid.empty()) {
        return base::InvalidArgument("a key image needs its series, SOP class and instance UID",
                                     "figures[" + std::to_string(i + 1) + "]");
      }
      instances_[f.sop_instance_uid] = {f.series_uid, f.sop_class_uid};
      referenced_.insert(f.sop_instance_uid);
    }
    for (const InstanceRef& r : options_.instances) {
      instances_.emplace(r.sop_instance_uid, Instance{r.series_uid, r.sop_class_uid});
    }
    for (const spine::Measurement& m : measurements_) {
      if (!instances_.contains(m.sop_instance_uid)) {
        return base::InvalidArgument("measurement " + m.id + " is on instance '" +
                                         m.sop_instance_uid +
                                         "', which is neither a key image nor a known instance",
                                     "measurements[" + m.id + "].instance");
      }
      referenced_.insert(m.sop_instance_uid);
    }
    return base::Status::Ok();
  }

  const spine::Figure* FigureNumber(int n) const {
    for (const spine::Figure& f : doc_.figures) {
      if (f.number == n) return &f;
    }
    return n >= 1 && n <= static_cast<int>(doc_.figures.size()) ? &doc_.figures[n - 1] : nullptr;
  }

  Item Finding(const spine::CodedFinding& f) const {
    const std::string& lang = doc_.lang;
    Item item;
    if (f.number.has_value()) {
      item = {.rel = "CONTAINS",
              .type = "NUM",
              .name = codes::FieldCode(f, lang),
              .number = *f.number,
              .unit = codes::UnitCode(f.unit)};
    } else if (!f.value_code.empty()) {
      item = CodeItem("CONTAINS", codes::FieldCode(f, lang), codes::ValueCode(f, lang));
    } else {
      item = TextItem("CONTAINS", codes::FieldCode(f, lang), f.text);
    }
    if (f.side == "left" || f.side == "right") {
      item.children.push_back(CodeItem("HAS CONCEPT MOD", codes::kLaterality,
                                       f.side == "left" ? codes::kLeft : codes::kRight));
    }
    for (int n : f.figures) {
      if (const spine::Figure* fig = FigureNumber(n)) {
        item.children.push_back(ImageItem("INFERRED FROM", codes::kSourceOfMeasurement,
                                          fig->sop_class_uid, fig->sop_instance_uid, fig->frame));
      }
    }
    return item;
  }

  Item MeasurementItem(const spine::Measurement& m) const {
    Item num{.rel = "CONTAINS",
             .type = "NUM",
             .name = codes::MeasurementCode(m.kind, doc_.lang),
             .number = m.value,
             .unit = codes::UnitCode(m.unit)};
    if (!m.grade.empty()) {
      num.children.push_back(
          CodeItem("HAS CONCEPT MOD", codes::kGrade, codes::GradeCode(m.kind, m.grade)));
    }
    const Instance& inst = instances_.at(m.sop_instance_uid);
    Item scoord{.rel = "INFERRED FROM", .type = "SCOORD", .name = codes::kSourceOfMeasurement};
    for (const auto& [x, y] : m.points) {
      scoord.graphic.push_back(x);
      scoord.graphic.push_back(y);
    }
    scoord.children.push_back(
        ImageItem("SELECTED FROM", {}, inst.cls, m.sop_instance_uid, m.frame));
    if (!scoord.graphic.empty()) {
      num.children.push_back(std::move(scoord));
    } else {
      num.children.push_back(ImageItem("INFERRED FROM", codes::kSourceOfMeasurement, inst.cls,
                                       m.sop_instance_uid, m.frame));
    }
    return num;
  }

  Item Measurements() const {
    std::vector<std::string> sites;
    auto note = [&](const std::string& s) {
      if (!s.empty() && std::find(sites.begin(), sites.end(), s) == sites.end()) sites.push_back(s);
    };
    for (const spine::CodedFinding& f : findings_) note(f.site);
    for (const spine::Measurement& m : measurements_) note(m.site);
    Item all = Container("CONTAINS", codes::kImagingMeasurements);
    for (const std::string& site : sites) {
      Item group = Container("CONTAINS", codes::kMeasurementGroup);
      group.children.push_back(TextItem("HAS OBS CONTEXT", codes::kTrackingIdentifier, site));
      group.children.push_back(
          TextItem("HAS OBS CONTEXT", codes::kTrackingUid, base::NewDicomUid(), "UIDREF"));
      group.children.push_back(
          CodeItem("HAS CONCEPT MOD", codes::kFindingSite, codes::SiteCode(site)));
      for (const spine::CodedFinding& f : findings_) {
        if (f.site == site) group.children.push_back(Finding(f));
      }
      for (const spine::Measurement& m : measurements_) {
        if (m.site == site) group.children.push_back(MeasurementItem(m));
      }
      all.children.push_back(std::move(group));
    }
    return all;
  }

  const spine::Document& doc_;
  const std::vector<spine::CodedFinding>& findings_;
  const std::vector<spine::Measurement>& measurements_;
  const DicomExportOptions& options_;
  std::map<std::string, Instance> instances_;
  std::set<std::string> referenced_;
};

}  // namespace

base::Result<std::string> BuildSr(const spine::Document& doc,
                                  const std::vector<spine::CodedFinding>& findings,
                                  const std::vector<spine::Measurement>& measurements,
                                  const DicomExportOptions& options) {
  DOKUEI_RETURN_IF_ERROR(CheckDocument(doc));
  if (doc.status == "addendum" && options.predecessors.empty()) {
    return base::InvalidArgument("an addendum SR must name the document it amends", "predecessors");
  }
  SrBuilder builder(doc, findings, measurements, options);
  DOKUEI_ASSIGN_OR_RETURN(Item root, builder.Build());

  const NewUids uids = UidsFor(options);
  dicom::DatasetWriter w;
  DOKUEI_RETURN_IF_ERROR(WriteCommonModules(doc, options, uids, kComprehensiveSrStorage, "SR", w));
  std::string title = codes::kImagingMeasurementReport.meaning;
  if (doc.status == "addendum") title += " (addendum)";
  w.Set(tag::kSeriesDescription, title);
  w.SetSequence(tag::kReferencedPerformedProcedureStepSequence, {});
  const bool signed_report = doc.status != "preliminary" && !doc.signers.empty();
  w.Set(tag::kCompletionFlag, doc.status == "preliminary" ? "PARTIAL" : "COMPLETE")
      .Set(tag::kVerificationFlag, signed_report ? "VERIFIED" : "UNVERIFIED")
      .Set(tag::kPreliminaryFlag, doc.status == "preliminary" ? "PRELIMINARY" : "FINAL");
  if (signed_report) {
    std::vector<dicom::DatasetWriter> observers;
    for (const spine::Signer& s : doc.signers) {
      const std::string dt = DicomDateTime(s.signed_at);
      if (dt.empty()) {
        return base::InvalidArgument("signer " + s.name + " has no valid signing time",
                                     "signers.signed_at");
      }
      observers.push_back(NewItem());
      observers.back()
          .Set(tag::kVerifyingObserverName, PersonName(s.name))
          .SetSequence(tag::kVerifyingObserverIdentificationCodeSequence, {})
          .Set(tag::kVerifyingOrganization,
               options.institution.empty() ? options.manufacturer : options.institution)
          .Set(tag::kVerificationDateTime, dt);
    }
    w.SetSequence(tag::kVerifyingObserverSequence, std::move(observers));
  }
  if (!options.predecessors.empty()) {
    std::vector<SeriesRef> series;
    for (const PriorObject& p : options.predecessors) {
      series.push_back({p.series_uid, {{p.sop_class_uid, p.sop_instance_uid}}});
    }
    std::vector<dicom::DatasetWriter> items;
    items.push_back(StudyReference(doc.study.study_uid, series));
    w.SetSequence(tag::kPredecessorDocumentsSequence, std::move(items));
  }
  w.SetSequence(tag::kPerformedProcedureCodeSequence,
                CodeSequence(codes::ProcedureCode(doc.study.modality)));
  const std::vector<SeriesRef> evidence = builder.Evidence();
  if (!evidence.empty()) {
    std::vector<dicom::DatasetWriter> items;
    items.push_back(StudyReference(doc.study.study_uid, evidence));
    w.SetSequence(tag::kCurrentRequestedProcedureEvidenceSequence, std::move(items));
  }
  // The private scheme is declared in the SOP Common module (PS3.3 C.12.1.1.2).
  std::vector<dicom::DatasetWriter> schemes;
  schemes.push_back(NewItem());
  schemes.back()
      .Set(tag::kCodingSchemeDesignator, "99DOKUEI")
      .Set(tag::kCodingSchemeName, "Dokuei spine report fields, values, sites and measurements")
      .Set(tag::kCodingSchemeResponsibleOrganization, options.manufacturer);
  w.SetSequence(tag::kCodingSchemeIdentificationSequence, std::move(schemes));
  std::vector<dicom::DatasetWriter> tmpl;
  tmpl.push_back(NewItem());
  tmpl[0].Set(tag::kMappingResource, "DCMR").Set(tag::kTemplateIdentifier, "1500");
  w.SetSequence(tag::kContentTemplateSequence, std::move(tmpl));
  Encode(root, w);
  return w.Encode();
}

}  // namespace dokuei::render
