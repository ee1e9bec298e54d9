// The one 3-D model of the spine that every synthetic image is rendered from.
//
// Vertebrae T1..S1 (plus C5..C7 and the fused sacral segments below S1 for the whole-spine
// radiographs) are rounded boxes placed along a chain from the sacrum upwards. Each vertebra has
// a rigid frame (origin = body centre, local x = patient left, y = posterior, z = cranial) with
// rotation RotY(coronal tilt) * RotX(sagittal tilt), so the left-right endplate line always
// lies in a coronal plane at one depth: its angle in an AP projection (parallel or perspective
// along y) is exactly the coronal tilt, which makes the Cobb angle exact by construction. The
// anterolisthesis is a translation of the slipped vertebra (and everything above) along the
// superior endplate of the vertebra below, sized so the Meyerding slip is exact.
// Thread safety: immutable after Build(); safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "geometry.h"

namespace dokuei::demo {

// Level indices of the vertebrae with ground truth.
inline constexpr int kT1 = 0;
inline constexpr int kT12 = 11;
inline constexpr int kL1 = 12;
inline constexpr int kL3 = 14;
inline constexpr int kL4 = 15;
inline constexpr int kL5 = 16;
inline constexpr int kS1 = 17;
inline constexpr int kNumLevels = 18;

std::string LevelName(int level);  // "T1".."T12", "L1".."L5", "S1"
std::optional<int> ParseLevel(std::string_view name);

struct Endplate {
  Vec3 center, anterior, posterior, left, right;
};

struct Vertebra {
  std::string name;
  Frame frame;                              // origin: body centre
  double height = 0, width = 0, depth = 0;  // body (mm)
  double canal_width = 0, canal_depth = 0;
  double coronal_tilt_deg = 0, sagittal_tilt_deg = 0;
  Endplate superior, inferior;
  bool cervical = false;  // C5..C7: no posterior detail beyond the basics
  // Canal centre in local coordinates.
  Vec3 CanalLocal() const { return {0, depth / 2 + canal_depth / 2, 0}; }
};

struct Disc {
  int upper = 0;  // index into vertebrae(); the disc lies below it
  int lower = 0;
  double height = 0;  // along the mean endplate normal at the centre
  bool degenerated = false;
  std::string name;  // "L4-L5"
};

struct SpineParams {
  double cobb_deg = 22;
  int apex = 13;  // level index
  bool convex_left = true;
  double slip_percent = 18;
  int slip_level = 15;  // level index; slips on slip_level + 1
};

// Cross-section of the body outline at one height (patient coordinates).
struct BodySection {
  double center_x = 0, center_y = 0;
  double half_width = 150, half_depth = 110;
  double fat = 15, muscle = 10;
  double cage_half_width = 0, cage_half_depth = 0;  // rib cage (thorax), 0 elsewhere
};

class SpineModel {
 public:
  static base::Result<SpineModel> Build(const SpineParams& params);

  const SpineParams& params() const { return params_; }
  // T1..S1 at indices kT1..kS1 (ground-truth levels).
  const std::vector<Vertebra>& levels() const { return levels_; }
  const Vertebra& level(int i) const { return levels_[static_cast<size_t>(i)]; }
  // C5..C7 (top to bottom).
  const std::vector<Vertebra>& cervical() const { return cervical_; }
  // S2..S5 (top to bottom).
  const std::vector<Vertebra>& sacral() const { return sacral_; }
  // Discs between consecutive levels (T1-T2 .. L5-S1), and C5-C6 .. C7-T1 first.
  const std::vector<Disc>& discs() const { return discs_; }
  // All vertebrae top to bottom: C5..C7, T1..S1, S2..S5 (indices used by Disc).
  const std::vector<Vertebra>& chain() const { return chain_; }

  int upper_end() const { return upper_end_; }
  int lower_end() const { return lower_end_; }

  // Cobb angle measured from the landmarks: angle between the superior endplate line of the
  // upper end vertebra and the inferior endplate line of the lower end vertebra, both projected
  // on the coronal (x-z) plane.
  double MeasuredCobbDeg() const;
  // Meyerding slip (%) from the landmarks.
  double MeasuredSlipPercent() const;
  double SlipMm() const;
  double SlipReferenceWidthMm() const;

  BodySection BodyAt(double z) const;
  // Canal centre and spine (body) centre interpolated at height z.
  Vec3 CanalCenterAt(double z) const;
  Vec3 SpineCenterAt(double z) const;
  double top_z() const { return top_z_; }        // top of C5
  double bottom_z() const { return bottom_z_; }  // lower end of the model (thighs)

 private:
  void ComputeLandmarks(Vertebra& v) const;
  double ChainOnce(const std::vector<double>& coronal_deg);
  void Finish();

  SpineParams params_;
  std::vector<Vertebra> chain_, levels_, cervical_, sacral_;
  std::vector<Disc> discs_;
  int upper_end_ = 0, lower_end_ = 0;
  double top_z_ = 0, bottom_z_ = 0;
  // Body-outline lookup table on a 1 mm grid from bottom_z_.
  std::vector<BodySection> body_table_;
  std::vector<Vec3> canal_table_, spine_table_;
};

// Meyerding grade for a slip percentage: "0" (none), "I".."V".
std::string MeyerdingGrade(double slip_percent);

}  // namespace dokuei::demo
