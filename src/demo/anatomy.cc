#include "anatomy.h"

#include <array>
#include <cmath>

namespace dokuei::demo {
namespace {

// Per-level dimensions (mm) and standing sagittal tilts (degrees; + = endplate normal tilted
// anteriorly), T1..S1. Values are typical adult figures, rounded.
constexpr std::array<double, kNumLevels> kHeight = {
    14, 15, 15.5, 16.5, 17, 18, 19, 19.5, 20.5, 21.5, 22.5, 23, 24.5, 25.5, 26, 26, 25, 28};
constexpr std::array<double, kNumLevels> kWidth = {26, 26, 26.5, 27, 28, 29.5, 31, 32, 34,
                                                   36, 38, 40,   42, 44, 46,   48, 50, 48};
constexpr std::array<double, kNumLevels> kDepth = {16, 17,   18, 20, 21, 22.5, 24, 25, 26,
                                                   27, 28.5, 30, 31, 32, 33,   34, 34, 32};
constexpr std::array<double, kNumLevels> kCanalWidth = {17, 16.5, 16, 16, 16,   16, 16, 16, 16.5,
                                                        17, 17.5, 18, 21, 21.5, 22, 23, 24, 22};
constexpr std::array<double, kNumLevels> kCanalDepth = {14,   14, 14, 14, 14, 14,   14,   14, 14.5,
                                                        14.5, 15, 15, 16, 16, 15.5, 15.5, 16, 12};
// Disc below each level (T1-T2 .. L5-S1); S1 has none.
constexpr std::array<double, kNumLevels> kDiscBelow = {4, 4, 4.5, 4.5, 5, 5,  5,  5.5, 5.5,
                                                       6, 6, 7,   8,   9, 10, 11, 10,  0};
constexpr std::array<double, kNumLevels> kSagittal = {26, 24,  21,  18,  14, 10, 6,  2,  -2,
                                                      -6, -10, -12, -10, -6, 0,  10, 22, 40};

struct Extra {
  const char* name;
  double height, width, depth, canal_w, canal_d, sagittal, gap_below;
};
constexpr std::array<Extra, 3> kCervical = {{{"C5", 13, 20, 15, 24, 14, 2, 4.5},
                                             {"C6", 13.5, 22, 15.5, 24, 14, 10, 4.5},
                                             {"C7", 14, 24, 16, 23, 14, 18, 4}}};
// Fused sacral segments: negative gaps make the bodies overlap (fused bone).
constexpr std::array<Extra, 4> kSacral = {{{"S2", 24, 42, 26, 18, 8, 50, -3},
                                           {"S3", 20, 32, 21, 14, 6, 62, -3},
                                           {"S4", 16, 24, 16, 10, 5, 75, -3},
                                           {"S5", 12, 16, 12, 6, 4, 88, -3}}};
constexpr int kNumCervical = 3;
constexpr int kChainS1 = kNumCervical + kS1;

double Interp(const std::vector<std::pair<double, double>>& knots, double z) {
  if (z <= knots.front().first) return knots.front().second;
  if (z >= knots.back().first) return knots.back().second;
  for (size_t i = 1; i < knots.size(); ++i) {
    if (z <= knots[i].first) {
      const double t = (z - knots[i - 1].first) / (knots[i].first - knots[i - 1].first);
      return knots[i - 1].second + (knots[i].second - knots[i - 1].second) * t;
    }
  }
  return knots.back().second;
}

}  // namespace

std::string LevelName(int level) {
  if (level < 12) return "T" + std::to_string(level + 1);
  if (level < 17) return "L" + std::to_string(level - 11);
  return "S1";
}

std::optional<int> ParseLevel(std::string_view name) {
  for (int i = 0; i < kNumLevels; ++i) {
    const std::string n = LevelName(i);
    if (name.size() == n.size() && (name[0] == n[0] || name[0] == n[0] + 32) &&
        name.substr(1) == std::string_view(n).substr(1)) {
      return i;
    }
  }
  return std::nullopt;
}

std::string MeyerdingGrade(double slip_percent) {
  if (slip_percent <= 1e-9) return "0";
  if (slip_percent <= 25) return "I";
  if (slip_percent <= 50) return "II";
  if (slip_percent <= 75) return "III";
  if (slip_percent <= 100) return "IV";
  return "V";
}

base::Result<SpineModel> SpineModel::Build(const SpineParams& p) {
  if (!(p.cobb_deg >= 0 && p.cobb_deg <= 80)) {
    return base::InvalidArgument("cobb angle must be within 0..80 degrees", "cobb-deg");
  }
  if (p.apex < 1 || p.apex > kL5 - 1) {
    return base::InvalidArgument("apex level must be between T2 and L4", "apex-level");
  }
  if (!(p.slip_percent >= 0 && p.slip_percent <= 100)) {
    return base::InvalidArgument("slip percent must be within 0..100", "slip-percent");
  }
  if (p.slip_level < kT1 || p.slip_level > kL5) {
    return base::InvalidArgument("slip level must be between T1 and L5", "slip-level");
  }
  SpineModel m;
  m.params_ = p;
  m.upper_end_ = std::max(kT1, p.apex - 3);
  m.lower_end_ = std::min(kL5, p.apex + 2);

  // Chain: C5..C7, T1..S1, S2..S5 with dimensions and sagittal tilts.
  for (const Extra& e : kCervical) {
    Vertebra v;
    v.name = e.name;
    v.height = e.height, v.width = e.width, v.depth = e.depth;
    v.canal_width = e.canal_w, v.canal_depth = e.canal_d, v.sagittal_tilt_deg = e.sagittal;
    v.cervical = true;
    m.chain_.push_back(v);
  }
  for (int i = 0; i < kNumLevels; ++i) {
    Vertebra v;
    v.name = LevelName(i);
    v.height = kHeight[i], v.width = kWidth[i], v.depth = kDepth[i];
    v.canal_width = kCanalWidth[i], v.canal_depth = kCanalDepth[i];
    v.sagittal_tilt_deg = kSagittal[i];
    m.chain_.push_back(v);
  }
  for (const Extra& e : kSacral) {
    Vertebra v;
    v.name = e.name;
    v.height = e.height, v.width = e.width, v.depth = e.depth;
    v.canal_width = e.canal_w, v.canal_depth = e.canal_d, v.sagittal_tilt_deg = e.sagittal;
    m.chain_.push_back(v);
  }
  // Discs (gap below each chain element, negative in the fused sacrum).
  for (size_t i = 0; i + 1 < m.chain_.size(); ++i) {
    Disc d;
    d.upper = static_cast<int>(i), d.lower = static_cast<int>(i + 1);
    const int level = static_cast<int>(i) - kNumCervical;
    if (i < static_cast<size_t>(kNumCervical)) {
      d.height = kCervical[i].gap_below;
    } else if (level < kS1) {
      d.height = kDiscBelow[static_cast<size_t>(level)];
    } else {
      d.height = kSacral[i - kChainS1].gap_below;  // fused: overlapping bodies
    }
    if (level == p.slip_level && p.slip_percent > 0) {
      d.degenerated = true;
      d.height *= 0.65;  // degenerative listhesis: narrowed, desiccated disc
    }
    d.name = m.chain_[i].name + "-" + m.chain_[i + 1].name;
    m.discs_.push_back(d);
  }

  // Coronal tilts: a cosine profile from +/-C/2 at the upper end vertebra through 0 at the apex
  // to -/+C/2 at the lower end vertebra; tilts beyond the end vertebrae are smaller in magnitude
  // (so the end vertebrae stay the most tilted), fading to 0 at S1 and forming a compensatory
  // curve above that brings T1 back over S1 when possible.
  const double top = (p.convex_left ? -1.0 : 1.0) * p.cobb_deg / 2;
  const int u = m.upper_end_, a = p.apex, l = m.lower_end_;
  auto tilts = [&](double beta) {
    std::vector<double> t(kNumLevels, 0.0);
    for (int k = 0; k < kNumLevels; ++k) {
      if (k >= u && k <= l) {
        const double s = k <= a ? 0.5 * (k - u) / (a - u) : 0.5 + 0.5 * (k - a) / double(l - a);
        t[k] = top * std::cos(kPi * s);
      } else if (k > l) {
        t[k] = -top * (1.0 - double(k - l) / (kS1 - l));
      } else {
        const double x = double(u - k) / (u + 1);
        t[k] = top * ((1 - x) * (1 - x) - beta * std::sin(kPi * x));
      }
    }
    return t;
  };
  double beta = 0;
  if (p.cobb_deg > 0 && u > 0) {
    double lo = 0, hi = 0.7;
    const double f_lo = m.ChainOnce(tilts(lo)), f_hi = m.ChainOnce(tilts(hi));
    if ((f_lo < 0) != (f_hi < 0)) {
      double flo = f_lo;
      for (int it = 0; it < 40; ++it) {
        const double mid = 0.5 * (lo + hi);
        const double fm = m.ChainOnce(tilts(mid));
        if ((fm < 0) == (flo < 0)) {
          lo = mid, flo = fm;
        } else {
          hi = mid;
        }
      }
      beta = 0.5 * (lo + hi);
    } else {
      beta = std::abs(f_lo) <= std::abs(f_hi) ? lo : hi;
    }
  }
  m.ChainOnce(tilts(beta));
  m.Finish();
  return m;
}

double SpineModel::ChainOnce(const std::vector<double>& coronal_deg) {
  const int n = static_cast<int>(chain_.size());
  for (int i = 0; i < n; ++i) {
    Vertebra& v = chain_[i];
    const int level = i - kNumCervical;
    v.coronal_tilt_deg = (level >= 0 && level < kNumLevels) ? coronal_deg[level] : 0.0;
    v.frame.rot = RotY(Rad(v.coronal_tilt_deg)) * RotX(Rad(v.sagittal_tilt_deg));
  }
  // S1's superior endplate centre at the origin; then upwards.
  Vertebra& s1 = chain_[kChainS1];
  s1.frame.origin = Vec3{} - s1.frame.rot.c2 * (s1.height / 2);
  for (int i = kChainS1 - 1; i >= 0; --i) {
    const Vertebra& low = chain_[i + 1];
    Vertebra& cur = chain_[i];
    const Vec3 s_low = low.frame.origin + low.frame.rot.c2 * (low.height / 2);
    const Vec3 n = Normalize(low.frame.rot.c2 + cur.frame.rot.c2);
    const Vec3 inf = s_low + n * discs_[i].height;
    cur.frame.origin = inf + cur.frame.rot.c2 * (cur.height / 2);
    if (i - kNumCervical == params_.slip_level) {
      // Place the slipped vertebra so that its posterior-inferior corner lies exactly
      // slip% * W ahead of the lower vertebra's posterior-superior corner, measured along that
      // vertebra's superior endplate (Meyerding).
      const Vec3 post_inf = cur.frame.ToWorld({0, cur.depth / 2, -cur.height / 2});
      const Vec3 p_low = s_low + low.frame.rot * Vec3{0, low.depth / 2, 0};
      const Vec3 a_low = s_low + low.frame.rot * Vec3{0, -low.depth / 2, 0};
      const double w = Norm(a_low - p_low);
      const Vec3 dir = (a_low - p_low) * (1.0 / w);
      const double now = Dot(post_inf - p_low, dir);
      cur.frame.origin += dir * (params_.slip_percent / 100.0 * w - now);
    }
  }
  for (int i = kChainS1 + 1; i < n; ++i) {
    const Vertebra& up = chain_[i - 1];
    Vertebra& cur = chain_[i];
    const Vec3 i_up = up.frame.origin - up.frame.rot.c2 * (up.height / 2);
    const Vec3 nrm = Normalize(up.frame.rot.c2 + cur.frame.rot.c2);
    const Vec3 sup = i_up - nrm * discs_[i - 1].height;
    cur.frame.origin = sup - cur.frame.rot.c2 * (cur.height / 2);
  }
  return chain_[kNumCervical + kT1].frame.origin.x - chain_[kChainS1].frame.origin.x;
}

void SpineModel::ComputeLandmarks(Vertebra& v) const {
  for (int s = 0; s < 2; ++s) {
    const double z = s == 0 ? v.height / 2 : -v.height / 2;
    Endplate& e = s == 0 ? v.superior : v.inferior;
    e.center = v.frame.ToWorld({0, 0, z});
    e.anterior = v.frame.ToWorld({0, -v.depth / 2, z});
    e.posterior = v.frame.ToWorld({0, v.depth / 2, z});
    e.left = v.frame.ToWorld({v.width / 2, 0, z});
    e.right = v.frame.ToWorld({-v.width / 2, 0, z});
  }
}

void SpineModel::Finish() {
  // Key heights before translation.
  auto lv = [&](int level) -> Vertebra& { return chain_[kNumCervical + level]; };
  // Body outline knots: z relative to landmarks; values: half width, half depth, canal-to-back
  // distance, fat, muscle wall, rib cage half width and half depth.
  const Vertebra& l3 = lv(kL3);
  const double back_l3 = 72, half_depth_l3 = 108;
  const Vec3 canal_l3 = l3.frame.ToWorld(l3.CanalLocal());
  const Vec3 shift{0, -(canal_l3.y + back_l3 - half_depth_l3), -l3.frame.origin.z};
  for (Vertebra& v : chain_) {
    v.frame.origin += shift;
    ComputeLandmarks(v);
  }
  cervical_.assign(chain_.begin(), chain_.begin() + kNumCervical);
  levels_.assign(chain_.begin() + kNumCervical, chain_.begin() + kChainS1 + 1);
  sacral_.assign(chain_.begin() + kChainS1 + 1, chain_.end());

  const double z_s1 = lv(kS1).superior.center.z;
  const double z_t1 = lv(kT1).superior.center.z;
  top_z_ = chain_.front().superior.center.z + 60;
  bottom_z_ = z_s1 - 420;

  // Canal and spine centre tables on a 1 mm grid (linear between vertebra centres).
  std::vector<std::pair<double, Vec3>> canal, spine;
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) {
    canal.push_back({it->frame.origin.z, it->frame.ToWorld(it->CanalLocal())});
    spine.push_back({it->frame.origin.z, it->frame.origin});
  }
  auto interp3 = [](const std::vector<std::pair<double, Vec3>>& k, double z) {
    if (z <= k.front().first) return k.front().second;
    if (z >= k.back().first) return k.back().second;
    for (size_t i = 1; i < k.size(); ++i) {
      if (z <= k[i].first) {
        const double t = (z - k[i - 1].first) / (k[i].first - k[i - 1].first);
        return Lerp(k[i - 1].second, k[i].second, t);
      }
    }
    return k.back().second;
  };
  const double zt12 = lv(kT12).frame.origin.z, zt8 = lv(7).frame.origin.z;
  const double zt4 = lv(3).frame.origin.z, zl3 = lv(kL3).frame.origin.z;
  const std::vector<std::pair<double, double>> half_width = {
      {z_s1 - 400, 165}, {z_s1 - 110, 180}, {z_s1 + 40, 160}, {zl3, 148},     {zt12, 155},
      {zt8, 165},        {zt4, 172},        {z_t1, 190},      {z_t1 + 25, 70}};
  const std::vector<std::pair<double, double>> half_depth = {
      {z_s1 - 400, 105}, {z_s1 - 110, 112}, {z_s1 + 40, 110}, {zl3, half_depth_l3}, {zt12, 110},
      {zt8, 112},        {zt4, 102},        {z_t1, 80},       {z_t1 + 25, 58}};
  const std::vector<std::pair<double, double>> back = {
      {z_s1 - 400, 80}, {z_s1 - 110, 75}, {z_s1, 62}, {zl3, back_l3},
      {zt12, 68},       {zt8, 62},        {z_t1, 55}, {z_t1 + 25, 45}};
  const std::vector<std::pair<double, double>> fat = {
      {z_s1 - 110, 20}, {zl3, 16}, {zt8, 13}, {z_t1, 11}, {z_t1 + 25, 7}};
  const std::vector<std::pair<double, double>> muscle = {
      {z_s1 - 400, 40}, {z_s1 - 110, 14}, {zl3, 9}, {zt8, 10}, {z_t1, 22}, {z_t1 + 25, 12}};
  const std::vector<std::pair<double, double>> cage_w = {
      {zt12 - 30, 0}, {zt12, 118}, {zt8, 128}, {zt4, 110}, {z_t1, 62}, {z_t1 + 10, 0}};
  const std::vector<std::pair<double, double>> cage_d = {
      {zt12 - 30, 0}, {zt12, 92}, {zt8, 95}, {zt4, 78}, {z_t1, 45}, {z_t1 + 10, 0}};

  const int n = static_cast<int>(std::ceil(top_z_ - bottom_z_)) + 1;
  body_table_.resize(static_cast<size_t>(n));
  canal_table_.resize(static_cast<size_t>(n));
  spine_table_.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double z = bottom_z_ + i;
    // Below S1 the body outline follows S1, not the sacral curve.
    const double z_ref = std::max(z, lv(kS1).frame.origin.z);
    const Vec3 c = interp3(canal, z_ref);
    const Vec3 s = interp3(spine, z_ref);
    canal_table_[i] = interp3(canal, z);
    spine_table_[i] = interp3(spine, z);
    BodySection& b = body_table_[i];
    b.half_width = Interp(half_width, z);
    b.half_depth = Interp(half_depth, z);
    b.center_x = 0.6 * s.x;
    b.center_y = c.y + Interp(back, z) - b.half_depth;
    b.fat = Interp(fat, z);
    b.muscle = Interp(muscle, z);
    b.cage_half_width = Interp(cage_w, z);
    b.cage_half_depth = Interp(cage_d, z);
  }
}

namespace {
template <typename T>
T Lookup(const std::vector<T>& table, double bottom, double z) {
  const double f = Clamp(z - bottom, 0.0, static_cast<double>(table.size() - 1));
  const size_t i = static_cast<size_t>(f);
  if (i + 1 >= table.size()) return table.back();
  const double t = f - static_cast<double>(i);
  if constexpr (std::is_same_v<T, Vec3>) {
    return Lerp(table[i], table[i + 1], t);
  } else {
    T r = table[i];
    const T& b = table[i + 1];
    r.center_x += (b.center_x - r.center_x) * t;
    r.center_y += (b.center_y - r.center_y) * t;
    r.half_width += (b.half_width - r.half_width) * t;
    r.half_depth += (b.half_depth - r.half_depth) * t;
    r.fat += (b.fat - r.fat) * t;
    r.muscle += (b.muscle - r.muscle) * t;
    r.cage_half_width += (b.cage_half_width - r.cage_half_width) * t;
    r.cage_half_depth += (b.cage_half_depth - r.cage_half_depth) * t;
    return r;
  }
}
}  // namespace

BodySection SpineModel::BodyAt(double z) const { return Lookup(body_table_, bottom_z_, z); }
Vec3 SpineModel::CanalCenterAt(double z) const { return Lookup(canal_table_, bottom_z_, z); }
Vec3 SpineModel::SpineCenterAt(double z) const { return Lookup(spine_table_, bottom_z_, z); }

double SpineModel::MeasuredCobbDeg() const {
  const Endplate& top = level(upper_end_).superior;
  const Endplate& bottom = level(lower_end_).inferior;
  const double a1 = std::atan2(top.left.z - top.right.z, top.left.x - top.right.x);
  const double a2 = std::atan2(bottom.left.z - bottom.right.z, bottom.left.x - bottom.right.x);
  return std::abs(Deg(a1 - a2));
}

double SpineModel::SlipReferenceWidthMm() const {
  const Endplate& lower = level(params_.slip_level + 1).superior;
  return Norm(lower.anterior - lower.posterior);
}

double SpineModel::SlipMm() const {
  const Endplate& lower = level(params_.slip_level + 1).superior;
  const Vec3 dir = Normalize(lower.anterior - lower.posterior);
  return Dot(level(params_.slip_level).inferior.posterior - lower.posterior, dir);
}

double SpineModel::MeasuredSlipPercent() const { return 100.0 * SlipMm() / SlipReferenceWidthMm(); }

}  // namespace dokuei::demo
