#include "anatomy.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dokuei::demo {
namespace {

double CoronalAngleDeg(const Endplate& e) {
  return Deg(std::atan2(e.left.z - e.right.z, e.left.x - e.right.x));
}

TEST(SpineModelTest, LevelNames) {
  EXPECT_EQ(LevelName(kT1), "T1");
  EXPECT_EQ(LevelName(kT12), "T12");
  EXPECT_EQ(LevelName(kL1), "L1");
  EXPECT_EQ(LevelName(kL5), "L5");
  EXPECT_EQ(LevelName(kS1), "S1");
  EXPECT_EQ(ParseLevel("L4"), 15);
  EXPECT_EQ(ParseLevel("t11"), 10);
  EXPECT_FALSE(ParseLevel("L6").has_value());
  EXPECT_FALSE(ParseLevel("").has_value());
}

TEST(SpineModelTest, MeyerdingGrades) {
  EXPECT_EQ(MeyerdingGrade(0), "0");
  EXPECT_EQ(MeyerdingGrade(18), "I");
  EXPECT_EQ(MeyerdingGrade(25), "I");
  EXPECT_EQ(MeyerdingGrade(30), "II");
  EXPECT_EQ(MeyerdingGrade(60), "III");
  EXPECT_EQ(MeyerdingGrade(90), "IV");
  EXPECT_EQ(MeyerdingGrade(101), "V");
}

class CobbTest : public ::testing::TestWithParam<std::tuple<double, int, bool>> {};

TEST_P(CobbTest, CobbAndSlipAreExactByConstruction) {
  const auto [cobb, apex, left] = GetParam();
  SpineParams p;
  p.cobb_deg = cobb, p.apex = apex, p.convex_left = left, p.slip_percent = 27, p.slip_level = kL4;
  auto m = SpineModel::Build(p);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_NEAR(m->MeasuredCobbDeg(), cobb, 1e-9);
  EXPECT_NEAR(m->MeasuredSlipPercent(), 27, 1e-9);
  // The end vertebrae are the most tilted ones of their side of the curve.
  const double top = CoronalAngleDeg(m->level(m->upper_end()).superior);
  const double bottom = CoronalAngleDeg(m->level(m->lower_end()).inferior);
  for (int i = kT1; i <= kS1; ++i) {
    const double a = CoronalAngleDeg(m->level(i).superior);
    EXPECT_LE(std::abs(a), std::abs(top) + 1e-9) << LevelName(i);
    EXPECT_LE(std::abs(a), std::abs(bottom) + 1e-9) << LevelName(i);
  }
  // Left/right endplate corners lie at one depth (exact angle in a projection along y).
  for (int i = kT1; i <= kS1; ++i) {
    EXPECT_NEAR(m->level(i).superior.left.y, m->level(i).superior.right.y, 1e-9);
  }
  // Convexity: the apex is displaced towards the convex side relative to the end vertebrae.
  const double apex_x = m->level(apex).frame.origin.x;
  const double ends_x =
      0.5 * (m->level(m->upper_end()).frame.origin.x + m->level(m->lower_end()).frame.origin.x);
  if (cobb > 0) {
    EXPECT_EQ(apex_x > ends_x, left);
  }
}

INSTANTIATE_TEST_SUITE_P(Curves, CobbTest,
                         ::testing::Values(std::make_tuple(22.0, 13, true),
                                           std::make_tuple(45.0, 7, false),
                                           std::make_tuple(12.5, 14, true),
                                           std::make_tuple(0.0, 13, true),
                                           std::make_tuple(60.0, 1, true)));

TEST(SpineModelTest, StraightSpineHasParallelCoronalEndplates) {
  SpineParams p;
  p.cobb_deg = 0;
  auto m = SpineModel::Build(p);
  ASSERT_TRUE(m.ok());
  for (int i = kT1; i <= kS1; ++i) {
    EXPECT_NEAR(CoronalAngleDeg(m->level(i).superior), 0, 1e-12);
    EXPECT_NEAR(CoronalAngleDeg(m->level(i).inferior), 0, 1e-12);
    EXPECT_NEAR(m->level(i).frame.origin.x, 0, 1e-9);
  }
}

TEST(SpineModelTest, NoSlipMeansAlignedPosteriorWall) {
  SpineParams p;
  p.slip_percent = 0;
  auto m = SpineModel::Build(p);
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->MeasuredSlipPercent(), 0, 1e-9);
}

TEST(SpineModelTest, AnatomyIsPlausible) {
  auto m = SpineModel::Build(SpineParams{});
  ASSERT_TRUE(m.ok());
  // Vertebrae stack upwards with positive disc gaps; lumbar lordosis ~50 degrees.
  for (int i = kT1; i < kS1; ++i) {
    EXPECT_GT(m->level(i).inferior.center.z, m->level(i + 1).superior.center.z) << LevelName(i);
  }
  EXPECT_NEAR(m->level(kS1).sagittal_tilt_deg - m->level(kL1).sagittal_tilt_deg, 50, 1e-9);
  // L3 is the origin in z; T1 is 400-600 mm above S1; the spine lies inside the body.
  EXPECT_NEAR(m->level(kL3).frame.origin.z, 0, 1e-9);
  const double height = m->level(kT1).superior.center.z - m->level(kS1).superior.center.z;
  EXPECT_GT(height, 400);
  EXPECT_LT(height, 600);
  for (int i = kT1; i <= kS1; ++i) {
    const Vec3 c = m->level(i).frame.origin;
    const BodySection b = m->BodyAt(c.z);
    EXPECT_LT(std::abs(c.x - b.center_x), b.half_width - 60) << LevelName(i);
    const Vec3 canal = m->level(i).frame.ToWorld(m->level(i).CanalLocal());
    EXPECT_LT(canal.y, b.center_y + b.half_depth - 30) << LevelName(i);
    EXPECT_GT(c.y, b.center_y - b.half_depth + 60) << LevelName(i);
  }
  // A 22 degree curve shifts the apex by a visible amount; T1 stays roughly over S1.
  EXPECT_GT(m->level(13).frame.origin.x - m->level(kS1).frame.origin.x, 5);
  EXPECT_LT(std::abs(m->level(kT1).frame.origin.x - m->level(kS1).frame.origin.x), 15);
}

TEST(SpineModelTest, RejectsBadParameters) {
  SpineParams p;
  p.apex = kL5;
  EXPECT_EQ(SpineModel::Build(p).status().field(), "apex-level");
  p = {};
  p.cobb_deg = -1;
  EXPECT_FALSE(SpineModel::Build(p).ok());
  p = {};
  p.slip_level = kS1;
  EXPECT_EQ(SpineModel::Build(p).status().field(), "slip-level");
}

}  // namespace
}  // namespace dokuei::demo
