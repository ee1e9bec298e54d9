// truth.json: what was generated and the ground truth for measurement tools.
#include <cmath>
#include <nlohmann/json.hpp>

#include "plan.h"

namespace dokuei::demo {
namespace {

using Json = nlohmann::ordered_json;

// v rounded to `decimals` decimal places (dividing by a power of ten gives the double nearest
// to the decimal value, so JSON shows "5.066" rather than "5.0659999999999998").
double R(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  const double r = std::round(v * scale) / scale;
  return r == 0 ? 0.0 : r;  // no "-0"
}
Json Mm(const Vec3& p) { return Json::array({R(p.x, 6), R(p.y, 6), R(p.z, 6)}); }
Json Dir(const Vec3& p) { return Json::array({R(p.x, 9), R(p.y, 9), R(p.z, 9)}); }

const char* ContrastName(Contrast c) {
  switch (c) {
    case Contrast::kT1:
      return "T1";
    case Contrast::kT2:
      return "T2";
    case Contrast::kStir:
      return "STIR";
    case Contrast::kCt:
      return "CT";
    case Contrast::kXray:
      return "XRAY";
  }
  return "";
}

// Calls f(json_path_parts, point) for every landmark of a vertebra.
template <typename F>
Json LandmarkTable(const SpineModel& m, F&& project) {
  Json out = Json::object();
  for (int i = kT1; i <= kS1; ++i) {
    const Vertebra& v = m.level(i);
    Json lv = Json::object();
    lv["center"] = project(v.frame.origin);
    lv["canal_center"] = project(v.frame.ToWorld(v.CanalLocal()));
    for (int s = 0; s < 2; ++s) {
      const Endplate& e = s == 0 ? v.superior : v.inferior;
      Json ep = Json::object();
      ep["center"] = project(e.center);
      ep["anterior"] = project(e.anterior);
      ep["posterior"] = project(e.posterior);
      ep["left"] = project(e.left);
      ep["right"] = project(e.right);
      lv[s == 0 ? "superior" : "inferior"] = std::move(ep);
    }
    out[v.name] = std::move(lv);
  }
  return out;
}

Json Endplates(const Endplate& e) {
  return Json{{"center", Mm(e.center)},
              {"anterior", Mm(e.anterior)},
              {"posterior", Mm(e.posterior)},
              {"left", Mm(e.left)},
              {"right", Mm(e.right)}};
}

std::string Severity(double cobb) {
  if (cobb < 10) return "none";
  if (cobb <= 25) return "mild";
  if (cobb <= 40) return "moderate";
  return "severe";
}

}  // namespace

std::string TruthJson(const GenerateOptions& o, const Plan& plan, const SpineModel& m) {
  Json j;
  j["format"] = "dokuei-demo-truth/1";
  j["kind"] = o.bench_set ? "bench" : "demo";
  Json opts = Json::object();
  for (const OptionDoc& d : DescribeOptions()) opts[d.name] = nullptr;
  // Current values (DescribeOptions() gives defaults; re-read the actual ones).
  opts["out"] = o.out_dir;
  opts["seed"] = o.seed;
  opts["cobb-deg"] = o.cobb_deg;
  opts["apex-level"] = o.apex_level;
  opts["convexity"] = o.convexity;
  opts["slip-percent"] = o.slip_percent;
  opts["slip-level"] = o.slip_level;
  opts["mr-sagittal-slices"] = o.mr_sagittal_slices;
  opts["mr-axial-slices"] = o.mr_axial_slices;
  opts["mr-axial-angled"] = o.mr_axial_angled;
  opts["ct-slices"] = o.ct_slices;
  opts["matrix"] = o.matrix;
  opts["xray-rows"] = o.xray_rows;
  opts["xray-cols"] = o.xray_cols;
  opts["patient-name"] = o.patient_name;
  opts["patient-id"] = o.patient_id;
  opts["patient-birth-date"] = o.patient_birth_date;
  opts["patient-sex"] = o.patient_sex;
  opts["study-date"] = o.study_date;
  opts["lang"] = o.lang;
  opts["tenant-hint"] = o.tenant_hint;
  opts["bench"] = o.bench_set;
  opts["bench-mr-slices"] = o.bench_mr_slices;
  opts["bench-ct-slices"] = o.bench_ct_slices;
  opts["bench-matrix"] = o.bench_matrix;
  opts["threads"] = o.threads;
  j["options"] = std::move(opts);
  j["tenant_hint"] = o.tenant_hint;
  j["coordinate_system"] =
      "DICOM patient coordinates (LPS: +x left, +y posterior, +z head), mm; one model, shared by "
      "all studies (MR and CT have their own FrameOfReferenceUID but the same coordinates)";
  j["patient"] = {{"name", o.patient_name},
                  {"id", plan.patient_id},
                  {"birth_date", o.patient_birth_date},
                  {"sex", o.patient_sex}};

  const SpineParams& p = m.params();
  Json findings;
  findings["scoliosis"] = {{"cobb_deg", p.cobb_deg},
                           {"measured_cobb_deg", R(m.MeasuredCobbDeg(), 9)},
                           {"upper_end_vertebra", LevelName(m.upper_end())},
                           {"upper_endplate", "superior"},
                           {"lower_end_vertebra", LevelName(m.lower_end())},
                           {"lower_endplate", "inferior"},
                           {"apex", LevelName(p.apex)},
                           {"convexity", p.convex_left ? "left" : "right"},
                           {"severity", Severity(p.cobb_deg)},
                           {"measured_on", "AP radiograph (coronal plane)"}};
  findings["listhesis"] = {{"level", LevelName(p.slip_level)},
                           {"on", LevelName(p.slip_level + 1)},
                           {"direction", p.slip_percent > 0 ? "antero" : "none"},
                           {"type", p.slip_percent > 0 ? "degenerative" : "none"},
                           {"slip_percent", p.slip_percent},
                           {"measured_slip_percent", R(m.MeasuredSlipPercent(), 9)},
                           {"slip_mm", R(m.SlipMm(), 6)},
                           {"reference_width_mm", R(m.SlipReferenceWidthMm(), 6)},
                           {"meyerding_grade", MeyerdingGrade(p.slip_percent)},
                           {"definition",
                            "posterior-inferior corner of the slipped vertebra relative to the "
                            "posterior-superior corner of the one below, along that vertebra's "
                            "superior endplate, divided by its width"}};
  Json degenerated = Json::array();
  for (const Disc& d : m.discs()) {
    if (d.degenerated) degenerated.push_back(d.name);
  }
  findings["degenerated_discs"] = std::move(degenerated);
  j["findings"] = std::move(findings);

  Json vertebrae = Json::array();
  for (int i = kT1; i <= kS1; ++i) {
    const Vertebra& v = m.level(i);
    vertebrae.push_back({{"level", v.name},
                         {"center", Mm(v.frame.origin)},
                         {"canal_center", Mm(v.frame.ToWorld(v.CanalLocal()))},
                         {"coronal_tilt_deg", R(v.coronal_tilt_deg, 9)},
                         {"sagittal_tilt_deg", R(v.sagittal_tilt_deg, 9)},
                         {"height_mm", v.height},
                         {"width_mm", v.width},
                         {"depth_mm", v.depth},
                         {"superior", Endplates(v.superior)},
                         {"inferior", Endplates(v.inferior)}});
  }
  j["vertebrae"] = std::move(vertebrae);
  Json discs = Json::array();
  for (const Disc& d : m.discs()) {
    if (d.height <= 0) continue;  // fused sacral segments
    discs.push_back(
        {{"level", d.name}, {"height_mm", R(d.height, 6)}, {"degenerated", d.degenerated}});
  }
  j["discs"] = std::move(discs);

  Json studies = Json::array();
  for (const StudyPlan& st : plan.studies) {
    Json js;
    js["modality"] = st.modality == Modality::kMr   ? "MR"
                     : st.modality == Modality::kCt ? "CT"
                                                    : "DX";
    js["study_instance_uid"] = st.uid;
    js["accession_number"] = st.accession;
    js["study_id"] = st.study_id;
    js["description"] = st.description;
    if (st.modality != Modality::kDx) js["frame_of_reference_uid"] = st.frame_of_reference_uid;
    Json series = Json::array();
    for (const SeriesPlan& s : st.series) {
      Json jr;
      jr["series_instance_uid"] = s.uid;
      jr["series_number"] = s.number;
      jr["description"] = s.description;
      jr["dir"] = s.dir;
      jr["contrast"] = ContrastName(s.contrast);
      Json instances = Json::array();
      for (size_t i = 0; i < s.size(); ++i) {
        Json ji = {{"instance_number", i + 1},
                   {"sop_instance_uid", s.instance_uids[i]},
                   {"file", s.files[i]}};
        if (s.modality != Modality::kDx) {
          const PlaneGeometry& g = s.planes[i];
          ji["image_position"] = Mm(g.origin);
          ji["image_orientation"] =
              Json::array({R(g.row_dir.x, 9), R(g.row_dir.y, 9), R(g.row_dir.z, 9),
                           R(g.col_dir.x, 9), R(g.col_dir.y, 9), R(g.col_dir.z, 9)});
        }
        instances.push_back(std::move(ji));
      }
      if (s.modality == Modality::kDx) {
        const ProjectionGeometry& g = s.projection;
        jr["view"] = s.view;
        jr["rows"] = g.rows, jr["columns"] = g.cols;
        jr["imager_pixel_spacing"] = g.spacing;
        jr["pixel_spacing"] = R(g.spacing / s.magnification, 9);
        jr["distance_source_to_detector"] = s.sid;
        jr["distance_source_to_patient"] = R(s.sod, 6);
        jr["magnification"] = R(s.magnification, 9);
        jr["source"] = Mm(g.source);
        jr["detector_origin"] = Mm(g.detector_origin);
        jr["detector_row_direction"] = Dir(g.row_dir);
        jr["detector_column_direction"] = Dir(g.col_dir);
        jr["landmarks_px_format"] = "[column, row] of the perspective projection";
        jr["landmarks_px"] = LandmarkTable(m, [&](const Vec3& p) {
          const auto [c, r] = g.Project(p);
          return Json::array({R(c, 4), R(r, 4)});
        });
      } else {
        const PlaneGeometry& g0 = s.planes.front();
        jr["rows"] = g0.rows, jr["columns"] = g0.cols;
        jr["pixel_spacing"] = R(g0.spacing, 9);
        jr["slice_thickness"] = R(s.thickness, 6);
        jr["spacing_between_slices"] = R(s.spacing_between, 6);
        const bool sagittal = std::abs(g0.Normal().x) > 0.9;
        jr["reference_instance"] = s.reference_index + 1;
        jr["landmarks_px_format"] =
            sagittal ? "[column, row, instance_number, off_plane_mm] projected orthogonally onto "
                       "the reference (mid-sagittal) instance"
                     : "[column, row, instance_number, off_plane_mm] projected onto the nearest "
                       "slice";
        jr["landmarks_px"] = LandmarkTable(m, [&](const Vec3& p) {
          size_t best = static_cast<size_t>(s.reference_index);
          if (!sagittal) {
            double d = 1e30;
            for (size_t k = 0; k < s.planes.size(); ++k) {
              const double off = std::abs(s.planes[k].Project(p).z);
              if (off < d) d = off, best = k;
            }
          }
          const Vec3 q = s.planes[best].Project(p);
          return Json::array({R(q.x, 4), R(q.y, 4), best + 1, R(q.z, 4)});
        });
      }
      jr["instances"] = std::move(instances);
      series.push_back(std::move(jr));
    }
    js["series"] = std::move(series);
    studies.push_back(std::move(js));
  }
  j["studies"] = std::move(studies);
  return j.dump(1) + "\n";
}

}  // namespace dokuei::demo
