// Key images: the PNG decodes, has the instance's size (or the requested one), the annotations
// change the pixels under them (and nothing far from them), windows apply, and bad annotations
// are refused naming the field.
#include "dokuei/measure/key_image.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace dokuei::measure {
namespace {

using testutil::Bytes;
using testutil::DecodePng;
using testutil::ReadFile;
using testutil::TestData;

class KeyImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // highdicom DX: 211 columns x 169 rows, MONOCHROME1.
    file_ = ReadFile(TestData() / "spine_xray_nearest/highdicom_dx_image_chest_small.dcm");
    ASSERT_FALSE(file_.empty());
  }
  testutil::Decoded Render(const KeyImage& k) {
    auto png = RenderKeyImage(Bytes(file_), k);
    EXPECT_TRUE(png.ok()) << png.status().ToString();
    return png.ok() ? DecodePng(*png) : testutil::Decoded();
  }
  static int Diff(const testutil::Decoded& a, const testutil::Decoded& b, uint32_t x, uint32_t y) {
    int d = 0;
    for (int k = 0; k < 3; ++k) d += std::abs(int{a.At(x, y)[k]} - int{b.At(x, y)[k]});
    return d;
  }
  std::string file_;
};

TEST_F(KeyImageTest, PlainRenderHasTheInstanceSize) {
  const auto plain = Render({});
  ASSERT_TRUE(plain.ok);
  EXPECT_EQ(plain.width, 211u);
  EXPECT_EQ(plain.height, 169u);
}

TEST_F(KeyImageTest, ArrowChangesThePixelsUnderItOnly) {
  const auto plain = Render({});
  KeyImage k;
  auto parsed = ParseKeyImage(R"({"instance": "1.2", "frame": 1,
      "annotations": [{"type": "arrow", "points": [[20, 20], [100, 100]]}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const auto arrow = Render(*parsed);
  ASSERT_TRUE(plain.ok && arrow.ok);
  ASSERT_EQ(arrow.width, plain.width);
  // On the shaft, near the head, and at the tip the arrow is drawn (yellow: red > blue).
  for (uint32_t t : {30u, 60u, 97u}) {
    EXPECT_GT(Diff(arrow, plain, t, t), 60) << "at " << t;
    EXPECT_GT(int{arrow.At(t, t)[0]}, int{arrow.At(t, t)[2]} + 100) << "at " << t;
  }
  // Far from it nothing changed.
  EXPECT_EQ(Diff(arrow, plain, 180, 20), 0);
  EXPECT_EQ(Diff(arrow, plain, 20, 150), 0);
}

TEST_F(KeyImageTest, ScaledRenderScalesTheAnnotationsToo) {
  KeyImage k;
  k.max_width = 100;
  const auto plain = Render(k);
  k.annotations.push_back({Annotation::Type::kLine, {{0, 84}, {210, 84}}, "", {}});
  const auto line = Render(k);
  ASSERT_TRUE(plain.ok && line.ok);
  EXPECT_EQ(line.width, 100u);
  EXPECT_EQ(line.height, 80u);  // 169 x 100 / 211 = 80.1
  // Row 84 of the instance is row 40 of the output.
  EXPECT_GT(Diff(line, plain, 50, 40), 60);
  EXPECT_EQ(Diff(line, plain, 50, 10), 0);
}

TEST_F(KeyImageTest, MeasurementOverlayByReferenceWithItsValue) {
  const std::string measurements = R"([{"id": "m1", "kind": "cobb", "instance": "1.2",
      "frame": 1, "points": [[30, 40], [120, 50], [30, 120], [120, 100]], "value": 18.9,
      "unit": "deg", "grade": "mild", "site": "T5-T12", "spacing": "ImagerPixelSpacing"}])";
  auto k =
      ParseKeyImage(R"({"annotations": [{"type": "measurement", "ref": "m1"}]})", measurements);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  ASSERT_EQ(k->annotations.size(), 1u);
  EXPECT_EQ(k->annotations[0].measurement.kind, "cobb");
  const auto plain = Render({});
  const auto overlay = Render(*k);
  ASSERT_TRUE(overlay.ok);
  EXPECT_GT(Diff(overlay, plain, 75, 45), 60);   // on the upper endplate line
  EXPECT_GT(Diff(overlay, plain, 75, 110), 60);  // on the lower one
  // The value is written to the right of the lines (x > 120): some pixels there changed.
  int changed = 0;
  for (uint32_t y = 60; y < 100; ++y)
    for (uint32_t x = 125; x < 210; ++x) changed += Diff(overlay, plain, x, y) > 60 ? 1 : 0;
  EXPECT_GT(changed, 20);
}

TEST_F(KeyImageTest, WindowFromTheContentOverridesTheInstances) {
  const auto own = Render({});
  KeyImage k;
  k.window_center = 60, k.window_width = 40;
  const auto narrow = Render(k);
  ASSERT_TRUE(own.ok && narrow.ok);
  int differing = 0;
  for (uint32_t y = 0; y < own.height; y += 8)
    for (uint32_t x = 0; x < own.width; x += 8) differing += Diff(own, narrow, x, y) > 0 ? 1 : 0;
  EXPECT_GT(differing, 50);
  k.window_width = 0;
  EXPECT_EQ(RenderKeyImage(Bytes(file_), k).status().field(), "window");
}

TEST_F(KeyImageTest, BadAnnotationsAreRefusedNamingTheField) {
  EXPECT_EQ(ParseKeyImage(R"({"annotations": [{"type": "circle", "points": [[1, 1], [2, 2]]}]})")
                .status()
                .field(),
            "annotations[0].type");
  EXPECT_EQ(
      ParseKeyImage(R"({"annotations": [{"type": "arrow", "points": [[1, 1]]}]})").status().field(),
      "annotations[0].points");
  EXPECT_EQ(
      ParseKeyImage(R"({"annotations": [{"type": "measurement", "ref": "m9"}]})").status().field(),
      "annotations[0].ref");
  EXPECT_EQ(
      ParseKeyImage(R"({"annotations": [{"type": "text", "points": [[1, 1]], "text": "右"}]})")
          .status()
          .field(),
      "annotations[0].text");
  EXPECT_EQ(ParseKeyImage(R"({"window": {"center": 40}})").status().field(), "window");
  EXPECT_EQ(ParseKeyImage(R"({"frame": 0})").status().field(), "frame");
  EXPECT_EQ(ParseKeyImage(R"({"colour": "red"})").status().field(), "colour");
  std::string many = R"({"annotations": [)";
  for (int i = 0; i < 3; ++i) {
    many += i ? "," : "";
    many += R"({"type": "polyline", "points": [)";
    for (int j = 0; j < 800; ++j) many += (j ? ",[" : "[") + std::to_string(j % 200) + ",5]";
    many += "]}";
  }
  EXPECT_EQ(ParseKeyImage(many + "]}").status().field(), "annotations");
  KeyImage k;
  k.frame = 2;
  EXPECT_EQ(RenderKeyImage(Bytes(file_), k).status().field(), "frame");
}

TEST_F(KeyImageTest, TextLabelIsDrawn) {
  auto k = ParseKeyImage(
      R"({"annotations": [{"type": "text", "points": [[10, 10]], "text": "L4-5 disc 12 mm"}]})");
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  const auto plain = Render({});
  const auto text = Render(*k);
  int changed = 0;
  for (uint32_t y = 10; y < 20; ++y)
    for (uint32_t x = 10; x < 110; ++x) changed += Diff(text, plain, x, y) > 60 ? 1 : 0;
  EXPECT_GT(changed, 40);
}

TEST(MeasurementJson, RoundTrip) {
  spine::Measurement m;
  m.id = "m1", m.kind = "slip", m.sop_instance_uid = "1.2.3", m.frame = 2, m.value = 18.2;
  m.unit = "%", m.grade = "I", m.site = "L4-L5", m.spacing = "PixelSpacing";
  m.points = {{1.5, 2}, {3, 4}, {5, 6}};
  auto back = ParseMeasurement(MeasurementJson(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, "m1");
  EXPECT_EQ(back->frame, 2);
  EXPECT_EQ(back->points, m.points);
  EXPECT_EQ(back->grade, "I");
  EXPECT_EQ(back->spacing, "PixelSpacing");
}

}  // namespace
}  // namespace dokuei::measure
