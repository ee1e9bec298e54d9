#include "plan.h"

#include <cmath>
#include <cstdio>

#include "dokuei/base/digest.h"

namespace dokuei::demo {
namespace {

std::string Pad(int v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%0*d", width, v);
  return buf;
}

bool IsAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Square plane of n x n pixels, `fov` mm, centred at `center`.
PlaneGeometry Plane(const Vec3& center, const Vec3& row_dir, const Vec3& col_dir, double fov,
                    int n) {
  PlaneGeometry p;
  p.rows = p.cols = n;
  p.spacing = fov / n;
  p.row_dir = row_dir, p.col_dir = col_dir;
  p.origin = center - row_dir * ((n - 1) / 2.0 * p.spacing) - col_dir * ((n - 1) / 2.0 * p.spacing);
  return p;
}

double Round(double v, double step) { return std::round(v / step) * step; }

void AddInstances(SeriesPlan& s, uint64_t seed, const std::string& role, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    s.instance_uids.push_back(DemoUid(seed, role + "/" + std::to_string(i + 1)));
    s.files.push_back(s.dir + "/IM" + Pad(static_cast<int>(i + 1), 4) + ".dcm");
  }
}

struct MrSpec {
  const char* name;
  const char* description;
  Contrast contrast;
  double tr, te, ti;
  int etl;
  double flip;
};

SeriesPlan MrSeries(const MrSpec& spec, int number) {
  SeriesPlan s;
  s.modality = Modality::kMr;
  s.contrast = spec.contrast;
  s.number = number;
  s.description = spec.description;
  s.dir = "MR/" + std::to_string(number) + "_" + spec.name;
  s.tr = spec.tr, s.te = spec.te, s.ti = spec.ti, s.echo_train = spec.etl, s.flip = spec.flip;
  if (spec.contrast == Contrast::kStir) {
    s.scanning_sequence = "SE\\IR", s.sequence_variant = "SK\\SP\\MP", s.scan_options = "IR";
  }
  return s;
}

// Sagittal stack centred on the lumbar spine; instance order along the normal (left to right).
std::vector<PlaneGeometry> SagittalStack(const SpineModel& m, int n, double spacing, int matrix,
                                         double fov) {
  // Centred on the canal at L4, where the listhesis is (the scoliotic apex is off-centre).
  const Vertebra& l4 = m.level(kL4);
  const double x = l4.frame.ToWorld(l4.CanalLocal()).x;
  const double z = 0.5 * (m.level(kT12).frame.origin.z + m.level(kS1).frame.origin.z) - 10;
  std::vector<PlaneGeometry> planes;
  for (int k = 0; k < n; ++k) {
    const double offset = (k - (n - 1) / 2.0) * spacing;  // along the normal (-x)
    planes.push_back(Plane({x - offset, 25, z}, {0, 1, 0}, {0, 0, -1}, fov, matrix));
  }
  return planes;
}

// Axial T2: blocks parallel to each disc L1-L2 .. L5-S1 (angled), or one straight stack.
std::vector<PlaneGeometry> AxialMr(const SpineModel& m, int n, bool angled, int matrix,
                                   double* spacing, double* thickness) {
  std::vector<PlaneGeometry> planes;
  constexpr double kFov = 200;
  if (angled) {
    *spacing = 3.5, *thickness = 3.0;
    constexpr int kDiscs = 5;
    for (int d = 0; d < kDiscs; ++d) {
      const int count = n / kDiscs + (d >= kDiscs - n % kDiscs ? 1 : 0);
      if (count == 0) continue;
      const Vertebra& up = m.level(kL1 + d);
      const Vertebra& low = m.level(kL1 + d + 1);
      const Mat3 rot = RotY(Rad(0.5 * (up.coronal_tilt_deg + low.coronal_tilt_deg))) *
                       RotX(Rad(0.5 * (up.sagittal_tilt_deg + low.sagittal_tilt_deg)));
      const Vec3 center = (up.inferior.center + low.superior.center) * 0.5 + rot * Vec3{0, 30, 0};
      for (int j = 0; j < count; ++j) {
        const double offset = ((count - 1) / 2.0 - j) * *spacing;  // superior to inferior
        planes.push_back(Plane(center + rot.c2 * offset, rot.c0, rot.c1, kFov, matrix));
      }
    }
  } else {
    const double top = m.level(kL1).superior.center.z, bottom = m.level(kS1).superior.center.z;
    *spacing = n > 1 ? Round((top - bottom) / (n - 1), 0.1) : 4.0;
    *thickness = std::min(*spacing, 4.0);
    const Vec3 c = m.CanalCenterAt(0.5 * (top + bottom));
    for (int j = 0; j < n; ++j) {
      const double z = top - j * *spacing;
      const Vec3 cz = m.CanalCenterAt(z);
      planes.push_back(Plane({c.x, cz.y + 10, z}, {1, 0, 0}, {0, 1, 0}, kFov, matrix));
    }
  }
  return planes;
}

std::vector<PlaneGeometry> CtStack(const SpineModel& m, int n, int matrix, double* spacing) {
  const double top = m.level(kT12).superior.center.z + 10;
  const double bottom = m.level(kS1).inferior.center.z - 30;
  *spacing = std::max(0.5, Round((top - bottom) / n, 0.1));
  double x = 0;
  for (int i = kT12; i <= kS1; ++i) x += m.level(i).frame.origin.x;
  x /= (kS1 - kT12 + 1);
  const double y = m.CanalCenterAt(m.level(kL3).frame.origin.z).y - 20;
  std::vector<PlaneGeometry> planes;
  const double start = 0.5 * (top + bottom) + (n - 1) / 2.0 * *spacing;
  for (int k = 0; k < n; ++k) {
    planes.push_back(Plane({x, y, start - k * *spacing}, {1, 0, 0}, {0, 1, 0}, 220, matrix));
  }
  return planes;
}

// Standing radiograph with the detector behind (AP) or at the left side (LL) of the patient.
void XraySeries(const SpineModel& m, bool lateral, int rows, int cols, SeriesPlan* s) {
  const double z_top = m.level(kT1).superior.center.z + 70;
  const double z_bottom = m.level(kS1).superior.center.z - 170;
  double ref_x = 0, ref_y = 0, skin = -1e30, center_y = 0;
  for (int i = kT1; i <= kS1; ++i) {
    const Vec3 c = m.level(i).frame.origin;
    ref_x += c.x, ref_y += c.y;
  }
  ref_x /= kNumLevels, ref_y /= kNumLevels;
  int samples = 0;
  for (double z = z_bottom; z <= z_top; z += 5) {
    const BodySection b = m.BodyAt(z);
    skin = std::max(skin, lateral ? b.center_x + b.half_width : b.center_y + b.half_depth);
    center_y += b.center_y, ++samples;
  }
  center_y /= samples;
  constexpr double kSid = 1800;
  const double z_mid = 0.5 * (z_top + z_bottom);
  ProjectionGeometry g;
  g.rows = rows, g.cols = cols;
  Vec3 det_center;
  if (!lateral) {  // AP: beam anterior -> posterior, detector behind the back.
    const double y_det = skin + 20;
    g.source = {0, y_det - kSid, z_mid};
    det_center = {0, y_det, z_mid};
    g.row_dir = {1, 0, 0}, g.col_dir = {0, 0, -1};  // PatientOrientation L\F
    s->sod = ref_y - g.source.y;
  } else {  // LL: left side against the detector, beam right -> left.
    const double x_det = skin + 20;
    g.source = {x_det - kSid, center_y, z_mid};
    det_center = {x_det, center_y, z_mid};
    g.row_dir = {0, 1, 0}, g.col_dir = {0, 0, -1};  // PatientOrientation P\F
    s->sod = ref_x - g.source.x;
  }
  s->sid = kSid;
  s->magnification = kSid / s->sod;
  g.spacing = std::ceil((z_top - z_bottom) * s->magnification / rows * 1000) / 1000;
  g.detector_origin = det_center - g.row_dir * ((cols - 1) / 2.0 * g.spacing) -
                      g.col_dir * ((rows - 1) / 2.0 * g.spacing);
  s->projection = g;
  s->view = lateral ? "LL" : "AP";
}

}  // namespace

std::string DemoUid(uint64_t seed, const std::string& role) {
  const std::string hex =
      base::Sha256Hex("dokuei-demo-uid/1|" + std::to_string(seed) + "|" + role).substr(0, 32);
  unsigned __int128 v = 0;
  for (char c : hex) v = (v << 4) | static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return "2.25." + digits;
}

base::Result<Plan> MakePlan(const GenerateOptions& o, const SpineModel& m) {
  const bool ja = o.lang == "ja";
  Plan plan;
  char id[32];
  std::snprintf(id, sizeof(id), "DEMO-%06llu", static_cast<unsigned long long>(o.seed % 1000000));
  plan.patient_id = o.patient_id.empty() ? std::string(id) : o.patient_id;
  plan.institution = !o.tenant_hint.empty() ? o.tenant_hint
                     : ja                   ? "Dokuei デモ病院"
                                            : "Dokuei Demo Hospital";
  plan.referring_physician = ja ? "Sato^Hanako=佐藤^花子=さとう^はなこ" : "Sato^Hanako";
  const uint64_t seed = o.seed;
  const std::string prefix = o.bench_set ? "bench/" : "demo/";
  const std::string acc_prefix = o.bench_set ? "B" : "D";
  auto study = [&](Modality mod, const std::string& key, int index, const char* desc_ja,
                   const char* desc_en, const char* time, const char* body) {
    StudyPlan st;
    st.modality = mod;
    st.uid = DemoUid(seed, prefix + key + "/study");
    st.frame_of_reference_uid = DemoUid(seed, prefix + key + "/frame-of-reference");
    st.accession = acc_prefix + Pad(static_cast<int>(seed % 1000000), 6) + Pad(index, 2);
    st.study_id = std::to_string(index);
    st.description = ja ? desc_ja : desc_en;
    st.time = time;
    st.body_part = body;
    return st;
  };

  const int matrix = o.bench_set ? o.bench_matrix : o.matrix;
  constexpr double kSagFov = 280;
  // --- MR study.
  {
    StudyPlan st = study(Modality::kMr, "MR", 1, "腰椎 MRI", "MR LUMBAR SPINE", "103000", "LSPINE");
    const MrSpec t1{"SAG_T1", "SAG T1 TSE", Contrast::kT1, 550, 10, 0, 3, 150};
    const MrSpec t2{"SAG_T2", "SAG T2 TSE", Contrast::kT2, 3500, 100, 0, 17, 150};
    const MrSpec stir{"SAG_STIR", "SAG STIR", Contrast::kStir, 4000, 60, 160, 13, 150};
    const MrSpec ax{"AX_T2", "AX T2 TSE", Contrast::kT2, 4000, 100, 0, 17, 150};
    std::vector<std::pair<MrSpec, int>> sag;
    int n_ax;
    double sag_spacing = 4.4, sag_thickness = 4.0;
    if (o.bench_set) {
      const int q = o.bench_mr_slices / 5;
      sag = {{t1, q}, {t2, q}, {stir, q}};
      n_ax = o.bench_mr_slices - 3 * q;
      sag_spacing = 1.5, sag_thickness = 1.5;
    } else {
      sag = {{t1, o.mr_sagittal_slices}, {t2, o.mr_sagittal_slices}};
      n_ax = o.mr_axial_slices;
    }
    int number = 1;
    const char* times[] = {"103100", "103600", "104200", "104900"};
    for (const auto& [spec, n] : sag) {
      SeriesPlan s = MrSeries(spec, number);
      s.uid = DemoUid(seed, prefix + "MR/series/" + std::to_string(number));
      s.time = times[number - 1];
      s.thickness = sag_thickness, s.spacing_between = sag_spacing;
      s.planes = SagittalStack(m, n, sag_spacing, matrix, kSagFov);
      s.reference_index = (n - 1) / 2;
      AddInstances(s, seed, prefix + "MR/" + std::to_string(number), s.planes.size());
      st.series.push_back(std::move(s));
      ++number;
    }
    SeriesPlan s = MrSeries(ax, number);
    s.uid = DemoUid(seed, prefix + "MR/series/" + std::to_string(number));
    s.time = times[number - 1];
    s.planes = AxialMr(m, n_ax, o.mr_axial_angled && !o.bench_set, matrix, &s.spacing_between,
                       &s.thickness);
    s.reference_index = static_cast<int>(s.planes.size()) / 2;
    AddInstances(s, seed, prefix + "MR/" + std::to_string(number), s.planes.size());
    st.series.push_back(std::move(s));
    plan.studies.push_back(std::move(st));
  }
  // --- CT study.
  {
    StudyPlan st = study(Modality::kCt, "CT", 2, "腰椎 CT", "CT LUMBAR SPINE", "140000", "LSPINE");
    SeriesPlan s;
    s.modality = Modality::kCt;
    s.contrast = Contrast::kCt;
    s.number = 2;
    s.uid = DemoUid(seed, prefix + "CT/series/2");
    s.time = "140200";
    s.planes =
        CtStack(m, o.bench_set ? o.bench_ct_slices : o.ct_slices, matrix, &s.spacing_between);
    s.thickness = s.spacing_between;
    char desc[64];
    std::snprintf(desc, sizeof(desc), "AX BONE %.1f", s.thickness);
    s.description = desc;
    s.dir = "CT/2_AX_BONE";
    s.reference_index = static_cast<int>(s.planes.size()) / 2;
    AddInstances(s, seed, prefix + "CT/2", s.planes.size());
    st.series.push_back(std::move(s));
    plan.studies.push_back(std::move(st));
  }
  // --- Standing whole-spine radiographs: AP and lateral in one study.
  if (!o.bench_set) {
    StudyPlan st = study(Modality::kDx, "DX", 3, "全脊椎 X線 立位 2方向",
                         "XR WHOLE SPINE STANDING 2 VIEWS", "091000", "SPINE");
    for (int k = 0; k < 2; ++k) {
      SeriesPlan s;
      s.modality = Modality::kDx;
      s.contrast = Contrast::kXray;
      s.number = k + 1;
      s.uid = DemoUid(seed, prefix + "DX/series/" + std::to_string(k + 1));
      s.time = k == 0 ? "091100" : "091300";
      s.description = k == 0 ? (ja ? "立位 正面 AP" : "STANDING AP")
                             : (ja ? "立位 側面 LL" : "STANDING LATERAL");
      s.dir = k == 0 ? "DX/1_AP" : "DX/2_LAT";
      XraySeries(m, k == 1, o.xray_rows, o.xray_cols, &s);
      AddInstances(s, seed, prefix + "DX/" + std::to_string(k + 1), 1);
      st.series.push_back(std::move(s));
    }
    plan.studies.push_back(std::move(st));
  }

  plan.utf8 = !IsAscii(o.patient_name) || !IsAscii(plan.institution) ||
              !IsAscii(plan.referring_physician) || !IsAscii(plan.patient_id);
  for (const StudyPlan& st : plan.studies) {
    plan.utf8 = plan.utf8 || !IsAscii(st.description);
    for (const SeriesPlan& s : st.series) plan.utf8 = plan.utf8 || !IsAscii(s.description);
  }
  return plan;
}

}  // namespace dokuei::demo
