// Accuracy against the ground truth of `dokuei demo generate`: the points are placed on the true
// endplates of truth.json (landmarks_px), the geometry is read from the generated DICOM files,
// and the results must match the angle and slip the phantom was built with:
//   Cobb on the AP radiograph within 0.5 degrees of cobb-deg (and its severity),
//   slip on the mid-sagittal MR within 0.5 % (orthogonal projection) and in millimetres within
//   0.3 mm; on the lateral radiograph within 1 % (perspective), with the Meyerding grade.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dokuei/base/env.h"
#include "dokuei/demo/phantom.h"
#include "dokuei/measure/measure.h"
#include "dokuei/testing/mem_env.h"
#include "test_util.h"

namespace dokuei::measure {
namespace {

using Json = nlohmann::json;
using testutil::Bytes;

struct Case {
  double cobb;
  std::string apex, convexity;
  double slip;
  std::string slip_level;
};

class PhantomTruth : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    demo::GenerateOptions o;
    o.out_dir = "/phantom";
    o.cobb_deg = c.cobb, o.apex_level = c.apex, o.convexity = c.convexity;
    o.slip_percent = c.slip, o.slip_level = c.slip_level;
    o.matrix = 128, o.mr_sagittal_slices = 5, o.mr_axial_slices = 3, o.ct_slices = 4;
    o.xray_rows = 768, o.xray_cols = 384, o.threads = 2;
    auto summary = demo::Generate(o, env_);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    auto text = base::ReadFileToString(env_, summary->truth_path);
    ASSERT_TRUE(text.ok());
    truth_ = Json::parse(*text);
  }

  // The series of `modality` whose field `key` equals `value`.
  const Json& Series(const std::string& modality, const std::string& key,
                     const std::string& value) {
    for (const Json& st : truth_["studies"])
      if (st["modality"] == modality)
        for (const Json& se : st["series"])
          if (se.value(key, std::string()) == value) return se;
    ADD_FAILURE() << "no " << modality << " series with " << key << " " << value;
    static const Json kNull;
    return kNull;
  }

  Geometry GeometryOfFile(const std::string& file) {
    auto bytes = base::ReadFileToString(env_, "/phantom/" + file);
    EXPECT_TRUE(bytes.ok()) << file;
    auto g = ReadGeometry(Bytes(*bytes));
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? *g : Geometry();
  }

  static Point P(const Json& landmark) {
    return {landmark[0].get<double>(), landmark[1].get<double>()};
  }

  testing::MemEnv env_;
  Json truth_;
};

TEST_P(PhantomTruth, CobbOnTheTrueEndplatesOfTheApRadiograph) {
  const Json& scoliosis = truth_["findings"]["scoliosis"];
  const std::string upper = scoliosis["upper_end_vertebra"],
                    lower = scoliosis["lower_end_vertebra"];
  const Json& ap = Series("DX", "view", "AP");
  const Json& marks = ap["landmarks_px"];
  const Geometry g = GeometryOfFile(ap["instances"][0]["file"]);
  // The generated DX carries a geometry-calibrated PixelSpacing (= ImagerPixelSpacing / the
  // magnification at the spine).
  EXPECT_EQ(SpacingName(g.source), "PixelSpacing");
  EXPECT_NEAR(g.row_spacing_mm, ap["pixel_spacing"].get<double>(), 1e-6);
  const Json& top = marks[upper]["superior"];
  const Json& bottom = marks[lower]["inferior"];
  auto r = Compute("cobb", {P(top["right"]), P(top["left"]), P(bottom["right"]), P(bottom["left"])},
                   g, {upper, lower, ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const double built = scoliosis["cobb_deg"];
  EXPECT_NEAR(r->details[0].second, built, 0.5);
  EXPECT_NEAR(r->measurement.value, built, 0.5);
  EXPECT_EQ(r->measurement.grade, scoliosis["severity"].get<std::string>());
  EXPECT_EQ(r->measurement.site, upper + "-" + lower);
  EXPECT_EQ(r->measurement.sop_instance_uid, ap["instances"][0]["sop_instance_uid"]);
}

TEST_P(PhantomTruth, SlipOnTheMidSagittalMrAndTheLateralRadiograph) {
  const Json& listhesis = truth_["findings"]["listhesis"];
  const std::string upper = listhesis["level"], lower = listhesis["on"];
  const double built = listhesis["slip_percent"];
  const std::string grade = listhesis["meyerding_grade"];

  const Json& mr = Series("MR", "contrast", "T2");
  const int reference = mr["reference_instance"];
  const Geometry mr_geometry =
      GeometryOfFile(mr["instances"][static_cast<size_t>(reference - 1)]["file"]);
  EXPECT_EQ(SpacingName(mr_geometry.source), "PixelSpacing");
  const Json& m = mr["landmarks_px"];
  const std::vector<Point> points = {P(m[upper]["inferior"]["posterior"]),
                                     P(m[lower]["superior"]["posterior"]),
                                     P(m[lower]["superior"]["anterior"])};
  auto on_mr = Compute("slip", points, mr_geometry, {upper, lower, ""});
  ASSERT_TRUE(on_mr.ok()) << on_mr.status().ToString();
  EXPECT_NEAR(on_mr->measurement.value, built, 0.5);
  EXPECT_EQ(on_mr->measurement.grade, grade);
  EXPECT_EQ(on_mr->measurement.site, upper + "-" + lower);
  int slip_mm_seen = 0;
  for (const auto& [k, v] : on_mr->details) {
    if (k != "slip_mm") continue;
    ++slip_mm_seen;
    EXPECT_NEAR(v, listhesis["slip_mm"].get<double>(), 0.3);
  }
  EXPECT_EQ(slip_mm_seen, 1);

  const Json& lateral = Series("DX", "view", "LL");
  const Json& x = lateral["landmarks_px"];
  auto on_xray =
      Compute("slip",
              {P(x[upper]["inferior"]["posterior"]), P(x[lower]["superior"]["posterior"]),
               P(x[lower]["superior"]["anterior"])},
              GeometryOfFile(lateral["instances"][0]["file"]), {upper, lower, ""});
  ASSERT_TRUE(on_xray.ok()) << on_xray.status().ToString();
  EXPECT_NEAR(on_xray->measurement.value, built, 1.0);
}

INSTANTIATE_TEST_SUITE_P(Phantoms, PhantomTruth,
                         ::testing::Values(Case{22, "L2", "left", 18, "L4"},
                                           Case{47, "T8", "right", 35, "L5"},
                                           Case{8, "T11", "left", 0, "L4"}));

}  // namespace
}  // namespace dokuei::measure
