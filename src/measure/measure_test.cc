// The measurements: pure geometry against hand-computed values, grades at their thresholds,
// degenerate input, and the spacing chosen for real X-ray and CT files of the shared test data.
#include "dokuei/measure/measure.h"

#include <gtest/gtest.h>

#include <cmath>

#include "dokuei/dicom/parse.h"
#include "test_util.h"

namespace dokuei::measure {
namespace {

using testutil::Bytes;
using testutil::ReadFile;
using testutil::TestData;

Geometry Square(uint32_t size, double spacing) {
  Geometry g;
  g.rows = g.columns = size;
  g.source = spacing > 0 ? SpacingSource::kPixelSpacing : SpacingSource::kNone;
  g.row_spacing_mm = g.column_spacing_mm = spacing;
  g.sop_instance_uid = "1.2.3";
  return g;
}

bool HasNote(const Result& r, std::string_view code) {
  for (const Note& n : r.notes)
    if (n.code == code) return true;
  return false;
}

TEST(Cobb, AngleBetweenLinesWhateverTheOrderOfTheirPoints) {
  // Horizontal line and a line at 45 degrees.
  EXPECT_NEAR(*CobbAngleDeg({0, 0}, {10, 0}, {0, 20}, {10, 30}), 45, 1e-9);
  // The same lines drawn right to left: still 45, not 135.
  EXPECT_NEAR(*CobbAngleDeg({10, 0}, {0, 0}, {10, 30}, {0, 20}), 45, 1e-9);
  // Opposite tilts of 30 degrees each add up: 60.
  const double t = std::tan(30 * M_PI / 180);
  EXPECT_NEAR(*CobbAngleDeg({0, 0}, {10, 10 * t}, {0, 50}, {10, 50 - 10 * t}), 60, 1e-9);
  // Parallel endplates: no curve.
  EXPECT_NEAR(*CobbAngleDeg({0, 0}, {10, 1}, {0, 40}, {10, 41}), 0, 1e-9);
}

TEST(Cobb, DegenerateInputIsRefusedNamingThePoint) {
  auto same = CobbAngleDeg({5, 5}, {5, 5}, {0, 20}, {10, 30});
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.status().field(), "points[1]");
  auto same_b = CobbAngleDeg({0, 0}, {10, 0}, {3, 3}, {3, 3});
  EXPECT_EQ(same_b.status().field(), "points[3]");
  auto one_line = CobbAngleDeg({0, 0}, {10, 10}, {20, 20}, {30, 30});
  ASSERT_FALSE(one_line.ok());
  EXPECT_EQ(one_line.status().message(), "the two endplate lines are the same line");
}

TEST(Cobb, SeverityAtTheThresholds) {
  EXPECT_EQ(CobbSeverity(9.9), "none");
  EXPECT_EQ(CobbSeverity(10), "mild");
  EXPECT_EQ(CobbSeverity(25), "mild");
  EXPECT_EQ(CobbSeverity(25.1), "moderate");
  EXPECT_EQ(CobbSeverity(40), "moderate");
  EXPECT_EQ(CobbSeverity(40.1), "severe");
}

TEST(Cobb, AnisotropicPixelsAreConvertedBeforeTheAngle) {
  // Columns 1 mm apart, rows 2 mm apart: a line 10 columns across and 5 rows down is at 45
  // degrees in millimetres (10 mm by 10 mm), not at 26.6 as in pixels.
  Geometry g = Square(100, 1);
  g.row_spacing_mm = 2;
  auto r = Compute("cobb", {{10, 10}, {20, 10}, {10, 40}, {20, 45}}, g, {"T5", "T12", ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->measurement.value, 45.0);
  EXPECT_EQ(r->measurement.grade, "severe");
  EXPECT_EQ(r->measurement.site, "T5-T12");
  EXPECT_EQ(r->measurement.unit, "deg");
  EXPECT_EQ(r->measurement.spacing, "PixelSpacing");
}

TEST(Slip, PercentOfTheLowerEndplateWidthAndMeyerding) {
  // Lower endplate from (100, 200) (posterior) to (60, 200) (anterior): 40 wide; the upper
  // corner 8 towards anterior: 20 %.
  EXPECT_NEAR(*SlipPercent({92, 195}, {100, 200}, {60, 200}), 20, 1e-9);
  EXPECT_NEAR(*SlipPercent({104, 195}, {100, 200}, {60, 200}), -10, 1e-9);  // backwards
  EXPECT_FALSE(SlipPercent({92, 195}, {100, 200}, {100, 200}).ok());
  EXPECT_EQ(MeyerdingGrade(0), "0");
  EXPECT_EQ(MeyerdingGrade(18), "I");
  EXPECT_EQ(MeyerdingGrade(25), "I");
  EXPECT_EQ(MeyerdingGrade(25.1), "II");
  EXPECT_EQ(MeyerdingGrade(75.1), "IV");
  EXPECT_EQ(MeyerdingGrade(101), "V");
}

TEST(Slip, ComputeGivesMillimetresAndFlagsRetrolisthesis) {
  auto r = Compute("slip", {{104, 195}, {100, 200}, {60, 200}}, Square(300, 0.5), {"L4", "L5", ""});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->measurement.value, 10.0);
  EXPECT_EQ(r->measurement.grade, "I");
  EXPECT_EQ(r->measurement.site, "L4-L5");
  EXPECT_TRUE(HasNote(*r, "retrolisthesis"));
  bool found = false;
  for (const auto& [k, v] : r->details)
    if (k == "slip_mm") {
      found = true;
      EXPECT_NEAR(v, -2.0, 1e-9);  // 10 % of 20 mm, backwards
    }
  EXPECT_TRUE(found);
}

TEST(Area, ShoelaceInMillimetres) {
  EXPECT_NEAR(*PolygonArea({{0, 0}, {10, 0}, {10, 10}, {0, 10}}), 100, 1e-9);
  EXPECT_NEAR(*PolygonArea({{0, 0}, {0, 10}, {10, 10}, {10, 0}}), 100, 1e-9);  // either winding
  EXPECT_EQ(PolygonArea({{0, 0}, {10, 10}, {10, 0}, {0, 10}}).status().message(),
            "the outline crosses itself");
  EXPECT_EQ(PolygonArea({{0, 0}, {5, 5}, {10, 10}}).status().message(),
            "the outline encloses no area (its points are on a line)");
  EXPECT_EQ(PolygonArea({{0, 0}, {5, 5}}).status().field(), "points");
  // A 20 x 10 pixel rectangle with 0.5 mm columns and 0.25 mm rows: 10 mm x 2.5 mm.
  Geometry g = Square(100, 0.5);
  g.row_spacing_mm = 0.25;
  auto r = Compute("dural_area", {{10, 10}, {30, 10}, {30, 20}, {10, 20}}, g, {"", "", "L4-L5"});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->measurement.value, 25.0);
  EXPECT_EQ(r->measurement.unit, "mm2");
  EXPECT_EQ(r->measurement.site, "L4-L5");
}

TEST(HeightLoss, LargestLossAgainstTheNeighbourGivesGenant) {
  // Vertebra heights anterior 14, middle 20, posterior 24; neighbour 25 everywhere:
  // losses 44 %, 20 %, 4 % -> 44 %, Genant 3.
  std::vector<Point> p = {{10, 10}, {10, 24}, {20, 10}, {20, 30}, {30, 10}, {30, 34},
                          {10, 50}, {10, 75}, {20, 50}, {20, 75}, {30, 50}, {30, 75}};
  auto r = Compute("height_loss", p, Square(100, 1), {"", "", "L1"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->measurement.value, 44.0);
  EXPECT_EQ(r->measurement.grade, "3");
  EXPECT_EQ(r->measurement.unit, "%");
  EXPECT_EQ(GenantGrade(19.9), "0");
  EXPECT_EQ(GenantGrade(20), "1");
  EXPECT_EQ(GenantGrade(25), "2");
  EXPECT_EQ(GenantGrade(40), "2");
  EXPECT_EQ(GenantGrade(40.1), "3");
  // A ratio: allowed without spacing, flagged.
  auto px = Compute("height_loss", p, Square(100, 0), {});
  ASSERT_TRUE(px.ok());
  EXPECT_EQ(px->measurement.spacing, "none");
  EXPECT_DOUBLE_EQ(px->measurement.value, 44.0);
  EXPECT_EQ(Compute("height_loss", {p.begin(), p.begin() + 6}, Square(100, 1), {}).status().field(),
            "points");
}

TEST(DiscHeight, MeanOfAnteriorAndPosteriorAndLossAgainstAdjacent) {
  // Disc 12 anterior, 8 posterior (10 mm at 1 mm/px); adjacent discs 12 and 13 mean 12.5 mm:
  // loss 20 %.
  std::vector<Point> p = {{10, 10}, {10, 22}, {30, 10}, {30, 18},   // the disc
                          {10, 40}, {10, 54}, {30, 40}, {30, 50},   // above: 14 / 10
                          {10, 60}, {10, 75}, {30, 60}, {30, 71}};  // below: 15 / 11
  Geometry g = Geometry(Square(100, 1));
  auto r = Compute("disc_height", p, g, {"", "", "L4-L5"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->measurement.value, 10.0);
  double loss = -1;
  for (const auto& [k, v] : r->details)
    if (k == "loss_percent") loss = v;
  EXPECT_NEAR(loss, 20.0, 1e-9);
}

TEST(Compute, RefusesMillimetresWithoutSpacingAndBadInput) {
  auto mm = Compute("canal_ap", {{1, 1}, {1, 20}}, Square(64, 0), {});
  EXPECT_EQ(mm.status().message(),
            "this measurement is in millimetres but the image has no pixel spacing");
  EXPECT_EQ(Compute("length", {{1, 1}, {1, 20}}, Square(64, 1), {}).status().field(), "kind");
  EXPECT_EQ(Compute("canal_ap", {{1, 1}, {1, 64}}, Square(64, 1), {}).status().field(),
            "points[1]");
  EXPECT_EQ(Compute("canal_ap", {{1, 1}, {1, NAN}}, Square(64, 1), {}).status().field(),
            "points[1]");
  EXPECT_EQ(Compute("canal_ap", {{1, 1}}, Square(64, 1), {}).status().field(), "points");
  EXPECT_EQ(Compute("canal_ap", {{1, 1}, {1, 1}}, Square(64, 1), {}).status().field(), "points[1]");
  EXPECT_EQ(Compute("cobb", {{1, 1}, {9, 1}, {1, 9}, {9, 12}}, Square(64, 1), {"L9", "L3", ""})
                .status()
                .field(),
            "labels.upper");
  // Every message a user can meet has its Japanese text.
  EXPECT_FALSE(JapaneseOf(mm.status().message()).empty());
}

// ---- the spacing rules on crafted attributes ----------------------------------------------

dicom::ParsedInstance Instance(const std::string& metadata_json) {
  dicom::ParsedInstance p;
  p.sop_instance_uid = "1.2.3";
  p.pixel.present = true;
  p.pixel.rows = 1000, p.pixel.columns = 800, p.pixel.number_of_frames = 1;
  p.metadata_json = metadata_json;
  return p;
}

TEST(Spacing, ProjectionOrderOfPreference) {
  // Estimated magnification 1.25: 0.2 / 1.25 = 0.16 mm.
  auto emf = GeometryOf(Instance(R"({"00080060": {"vr": "CS", "Value": ["DX"]},
      "00181164": {"vr": "DS", "Value": [0.2, 0.2]}, "00181114": {"vr": "DS", "Value": [1.25]},
      "00181110": {"vr": "DS", "Value": [1000]}, "00181111": {"vr": "DS", "Value": [500]}})"));
  ASSERT_TRUE(emf.ok()) << emf.status().ToString();
  EXPECT_EQ(SpacingName(emf->source), "ImagerPixelSpacing*magnification");
  EXPECT_DOUBLE_EQ(emf->column_spacing_mm, 0.16);
  EXPECT_DOUBLE_EQ(emf->magnification, 1.25);
  EXPECT_TRUE(emf->notes.empty());
  // No estimate: source-to-detector 1800, source-to-patient 1500 -> magnification 1.2.
  auto distances = GeometryOf(Instance(R"({"00080060": {"vr": "CS", "Value": ["CR"]},
      "00181164": {"vr": "DS", "Value": [0.24, 0.18]},
      "00181110": {"vr": "DS", "Value": [1800]}, "00181111": {"vr": "DS", "Value": [1500]}})"));
  ASSERT_TRUE(distances.ok());
  EXPECT_EQ(SpacingName(distances->source), "ImagerPixelSpacing*magnification");
  EXPECT_DOUBLE_EQ(distances->row_spacing_mm, 0.2);
  EXPECT_DOUBLE_EQ(distances->column_spacing_mm, 0.15);
  // A calibrated PixelSpacing wins over the estimate; an uncalibrated one does not.
  const std::string both = R"("00080060": {"vr": "CS", "Value": ["DX"]},
      "00280030": {"vr": "DS", "Value": [0.1, 0.1]},
      "00181164": {"vr": "DS", "Value": [0.2, 0.2]}, "00181114": {"vr": "DS", "Value": [1.25]})";
  auto calibrated =
      GeometryOf(Instance("{" + both + R"(, "00280A02": {"vr": "CS", "Value": ["GEOMETRY"]}})"));
  EXPECT_EQ(SpacingName(calibrated->source), "PixelSpacing");
  EXPECT_DOUBLE_EQ(calibrated->row_spacing_mm, 0.1);
  auto uncalibrated = GeometryOf(Instance("{" + both + "}"));
  EXPECT_EQ(SpacingName(uncalibrated->source), "ImagerPixelSpacing*magnification");
  // Nonsense values are not spacing: one value, zero, a string that is not a number.
  for (const char* bad : {R"([0.2])", R"([0, 0])", R"(["x", "y"])", R"([-0.2, 0.2])"}) {
    auto g = GeometryOf(Instance(std::string(R"({"00080060": {"vr": "CS", "Value": ["CT"]},
        "00280030": {"vr": "DS", "Value": )") +
                                 bad + "}}"));
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(SpacingName(g->source), "none") << bad;
  }
}

TEST(Spacing, CrossSectionalUsesTheFramesPixelMeasures) {
  // Per-frame 0.5 for frame 2 overrides the shared 0.8; frame 1 has no per-frame value.
  dicom::ParsedInstance p = Instance(R"({"00080060": {"vr": "CS", "Value": ["MR"]},
      "52009229": {"vr": "SQ", "Value": [{"00289110": {"vr": "SQ", "Value": [
          {"00280030": {"vr": "DS", "Value": [0.8, 0.8]}}]}}]},
      "52009230": {"vr": "SQ", "Value": [{}, {"00289110": {"vr": "SQ", "Value": [
          {"00280030": {"vr": "DS", "Value": [0.5, 0.5]}}]}}]}})");
  p.pixel.number_of_frames = 2;
  EXPECT_DOUBLE_EQ(GeometryOf(p, 1)->row_spacing_mm, 0.8);
  EXPECT_DOUBLE_EQ(GeometryOf(p, 2)->row_spacing_mm, 0.5);
  EXPECT_EQ(GeometryOf(p, 3).status().field(), "frame");
}

// ---- real files ----------------------------------------------------------------------------

base::Result<Geometry> FileGeometry(const std::string& relative) {
  const std::string bytes = ReadFile(TestData() / relative);
  if (bytes.empty()) return base::NotFound("missing test data: " + relative);
  return ReadGeometry(Bytes(bytes));
}

TEST(RealFiles, FiducialCalibratedPixelSpacingWinsOverTheMagnifiedImagerSpacing) {
  // Clunie's MG object: PixelSpacing 0.25 (FIDUCIAL) vs ImagerPixelSpacing 0.5 with estimated
  // magnification 1.5 (0.333). 100 columns -> 100 x 0.25 = 25.0 mm.
  auto g = FileGeometry("spine_xray_nearest/clunie_MG_pixelspacing_vs_imagerpixelspacing.dcm");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(SpacingName(g->source), "PixelSpacing");
  EXPECT_DOUBLE_EQ(g->column_spacing_mm, 0.25);
  EXPECT_TRUE(g->notes.empty());
  auto r = Compute("canal_ap", {{100, 200}, {200, 200}}, *g, {});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->measurement.value, 25.0);
  EXPECT_EQ(r->measurement.spacing, "PixelSpacing");
}

TEST(RealFiles, DxWithoutMagnificationUsesImagerSpacingRowThenColumn) {
  // highdicom DX: ImagerPixelSpacing 1.2 (rows) \ 1.2012 (columns), DistanceSourceToDetector
  // but no DistanceSourceToPatient, PixelSpacing not calibrated: the detector spacing, flagged.
  // 100 columns across: 100 x 1.2012 = 120.12 mm -> 120.1; 100 rows down: 120.0 mm.
  auto g = FileGeometry("spine_xray_nearest/highdicom_dx_image_chest_small.dcm");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_TRUE(g->projection);
  EXPECT_EQ(SpacingName(g->source), "ImagerPixelSpacing");
  EXPECT_DOUBLE_EQ(g->row_spacing_mm, 1.2);
  EXPECT_NEAR(g->column_spacing_mm, 1.2012, 1e-9);
  auto across = Compute("canal_ap", {{10, 50}, {110, 50}}, *g, {});
  auto down = Compute("canal_ap", {{50, 10}, {50, 110}}, *g, {});
  ASSERT_TRUE(across.ok() && down.ok());
  EXPECT_DOUBLE_EQ(across->measurement.value, 120.1);
  EXPECT_DOUBLE_EQ(down->measurement.value, 120.0);
  EXPECT_EQ(across->measurement.spacing, "ImagerPixelSpacing");
  EXPECT_TRUE(HasNote(*across, "spacing_at_detector"));
}

TEST(RealFiles, CrWithZeroSpacingMeasuresAnglesInPixelsAndRefusesMillimetres) {
  // WG04 RG1 CR chest: PixelSpacing 0.000\0.000 and no ImagerPixelSpacing.
  auto g = FileGeometry("spine_xray_nearest/wg04_RG1_J2KI_cr_chest_monochrome1.dcm");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(SpacingName(g->source), "none");
  auto cobb = Compute("cobb", {{800, 600}, {1000, 600}, {800, 1200}, {1000, 1300}}, *g, {});
  ASSERT_TRUE(cobb.ok());
  EXPECT_DOUBLE_EQ(cobb->measurement.value, 26.6);  // atan(100 / 200) = 26.57 degrees
  EXPECT_EQ(cobb->measurement.spacing, "none");
  EXPECT_TRUE(HasNote(*cobb, "spacing_none"));
  EXPECT_FALSE(Compute("canal_ap", {{800, 600}, {800, 700}}, *g, {}).ok());
}

TEST(RealFiles, CrWithOnlyPixelSpacingIsUsedAndFlaggedAsAtTheDetector) {
  // WG04 RG2 CR (hip, L4-S1): PixelSpacing 0.2 uncalibrated, no ImagerPixelSpacing. A disc of
  // 50 px anterior and 40 px posterior: (10 + 8) / 2 = 9.0 mm.
  auto g = FileGeometry("spine_xray_nearest/wg04_RG2_JPLL_cr_hip_lumbosacral.dcm");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(SpacingName(g->source), "PixelSpacing");
  auto r = Compute("disc_height", {{800, 500}, {800, 550}, {900, 505}, {900, 545}}, *g, {});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->measurement.value, 9.0);
  EXPECT_TRUE(HasNote(*r, "spacing_at_detector"));
}

TEST(RealFiles, CtIgnoresSourceDistancesAndMeasuresAreaWithPixelSpacing) {
  // TotalSegmentator CT (JPEG 2000): PixelSpacing 0.9765625 and DistanceSourceToDetector/Patient
  // (which mean nothing for the reconstructed slice). A 20 x 20 px square:
  // 400 x 0.9765625^2 = 381.47 mm2 -> 381.5.
  const auto dir = TestData() / "spine_ct/totalsegmentator_ct_fixed_uids";
  std::filesystem::path first;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (first.empty() || e.path() < first) first = e.path();
  ASSERT_FALSE(first.empty());
  const std::string bytes = ReadFile(first);
  auto g = ReadGeometry(Bytes(bytes));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(SpacingName(g->source), "PixelSpacing");
  EXPECT_DOUBLE_EQ(g->magnification, 1.0);
  auto r = Compute("dural_area", {{250, 250}, {270, 250}, {270, 270}, {250, 270}}, *g, {});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->measurement.value, 381.5);
  EXPECT_EQ(g->sop_instance_uid, r->measurement.sop_instance_uid);
  // A canal 20 px deep: 20 x 0.9765625 = 19.53 mm -> 19.5.
  auto canal = Compute("canal_ap", {{256, 300}, {256, 320}}, *g, {"", "", "T12"});
  ASSERT_TRUE(canal.ok());
  EXPECT_DOUBLE_EQ(canal->measurement.value, 19.5);
}

TEST(RealFiles, EnhancedMrTakesTheSpacingOfTheFramesFunctionalGroup) {
  // Enhanced MR (63 frames) with PixelSpacing only in the functional groups: 2.23256 mm.
  // 10 px -> 22.3256 mm -> 22.3.
  const std::string bytes = ReadFile(TestData() / "mr/dcm_qa_sag_enhanced_multiframe/0063.dcm");
  ASSERT_FALSE(bytes.empty());
  auto g = ReadGeometry(Bytes(bytes), 30);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->frames, 63u);
  EXPECT_EQ(SpacingName(g->source), "PixelSpacing");
  EXPECT_DOUBLE_EQ(g->row_spacing_mm, 2.23256);
  auto r = Compute("canal_ap", {{40, 30}, {40, 40}}, *g, {}, 30);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->measurement.value, 22.3);
  EXPECT_EQ(r->measurement.frame, 30);
  EXPECT_EQ(ReadGeometry(Bytes(bytes), 64).status().field(), "frame");
}

TEST(RealFiles, FrameOutsideTheObjectIsRefused) {
  auto g = ReadGeometry(
      Bytes(ReadFile(TestData() / "spine_xray_nearest/highdicom_dx_image_chest_small.dcm")), 2);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().field(), "frame");
}

}  // namespace
}  // namespace dokuei::measure
