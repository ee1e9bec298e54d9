#include "dokuei/demo/phantom.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "dokuei/base/random.h"
#include "dokuei/testing/mem_env.h"
#include "test_part10.h"

namespace dokuei::demo {
namespace {

using Json = nlohmann::json;
using part10::Numbers;
using part10::T;
using part10::Text;

constexpr double kPi = 3.14159265358979323846;

GenerateOptions Small(const std::string& out) {
  GenerateOptions o;
  o.out_dir = out;
  o.matrix = 64;
  o.mr_sagittal_slices = 5;
  o.mr_axial_slices = 7;
  o.ct_slices = 12;
  o.xray_rows = 256;
  o.xray_cols = 128;
  o.threads = 2;
  return o;
}

std::string Read(base::Env& env, const std::string& path) {
  auto r = base::ReadFileToString(env, path);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

Json Truth(base::Env& env, const std::string& dir) {
  return Json::parse(Read(env, dir + "/truth.json"));
}

std::vector<std::string> Files(const Json& truth) {
  std::vector<std::string> files;
  for (const Json& st : truth["studies"])
    for (const Json& se : st["series"])
      for (const Json& in : se["instances"]) files.push_back(in["file"]);
  return files;
}

struct P3 {
  double x, y, z;
};
P3 Pt(const Json& a) { return {a[0].get<double>(), a[1].get<double>(), a[2].get<double>()}; }

const Json& Vertebra(const Json& truth, const std::string& level) {
  for (const Json& v : truth["vertebrae"]) {
    if (v["level"] == level) return v;
  }
  ADD_FAILURE() << "no vertebra " << level;
  return truth["vertebrae"][0];
}

// Angle (degrees) between two 2-D lines given by point pairs.
double LineAngle(double ax, double ay, double bx, double by, double cx, double cy, double dx,
                 double dy) {
  double a = std::atan2(by - ay, bx - ax) - std::atan2(dy - cy, dx - cx);
  a = std::fmod(std::abs(a) * 180 / kPi, 180.0);
  return std::min(a, 180 - a);
}

// Meyerding slip (%) from the posterior-inferior corner of the upper vertebra and the superior
// endplate (posterior, anterior corners) of the lower one; 2-D or 3-D points.
double Slip(const std::vector<double>& upper_post_inf, const std::vector<double>& lower_post,
            const std::vector<double>& lower_ant) {
  double w2 = 0, dot = 0;
  for (size_t i = 0; i < lower_post.size(); ++i) {
    const double u = lower_ant[i] - lower_post[i];
    w2 += u * u;
    dot += (upper_post_inf[i] - lower_post[i]) * u;
  }
  return 100.0 * dot / w2;
}

std::vector<double> V(const Json& a) { return a.get<std::vector<double>>(); }

TEST(PhantomTest, SameSeedGivesIdenticalBytesOtherSeedOtherUids) {
  dokuei::testing::MemEnv env;
  auto a = Generate(Small("/a"), env);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = Generate(Small("/b"), env);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->files, 5 + 5 + 7 + 12 + 2);
  EXPECT_EQ(a->bytes, b->bytes);
  EXPECT_EQ(a->study_uids, b->study_uids);
  const Json truth = Truth(env, "/a");
  for (const std::string& f : Files(truth)) {
    EXPECT_EQ(Read(env, "/a/" + f), Read(env, "/b/" + f)) << f;
  }
  // truth.json differs only in the output directory it records.
  Json ta = truth, tb = Truth(env, "/b");
  ta["options"].erase("out"), tb["options"].erase("out");
  EXPECT_EQ(ta, tb);

  GenerateOptions other = Small("/c");
  other.seed = 2;
  auto c = Generate(other, env);
  ASSERT_TRUE(c.ok());
  std::set<std::string> uids_a;
  for (const std::string& f : Files(truth)) {
    uids_a.insert(Text(part10::ReadPart10(Read(env, "/a/" + f)), T(0x0008, 0x0018)));
  }
  for (const std::string& f : Files(Truth(env, "/c"))) {
    const std::string uid = Text(part10::ReadPart10(Read(env, "/c/" + f)), T(0x0008, 0x0018));
    EXPECT_EQ(uids_a.count(uid), 0u) << uid;
    EXPECT_LE(uid.size(), 64u);
    EXPECT_EQ(uid.rfind("2.25.", 0), 0u);
  }
  for (size_t i = 0; i < a->study_uids.size(); ++i) EXPECT_NE(a->study_uids[i], c->study_uids[i]);
}

TEST(PhantomTest, GeometryTagsAreConsistent) {
  dokuei::testing::MemEnv env;
  GenerateOptions o = Small("/g");
  ASSERT_TRUE(Generate(o, env).ok());
  const Json truth = Truth(env, "/g");
  ASSERT_EQ(truth["studies"].size(), 3u);
  std::set<std::string> frames;
  for (const Json& st : truth["studies"]) {
    std::set<std::string> study_frames;
    for (const Json& se : st["series"]) {
      std::vector<double> prev_pos, prev_iop;
      for (const Json& in : se["instances"]) {
        const auto e = part10::ReadPart10(Read(env, "/g/" + in["file"].get<std::string>()));
        ASSERT_FALSE(e.empty()) << in["file"];
        EXPECT_EQ(Text(e, T(0x0008, 0x0005)), "ISO_IR 192");
        EXPECT_EQ(Text(e, T(0x0010, 0x0010)), o.patient_name);
        EXPECT_EQ(Text(e, T(0x0020, 0x000D)), st["study_instance_uid"]);
        EXPECT_EQ(Text(e, T(0x0020, 0x000E)), se["series_instance_uid"]);
        EXPECT_EQ(Text(e, T(0x0008, 0x0018)), in["sop_instance_uid"]);
        EXPECT_EQ(Text(e, T(0x0002, 0x0010)), "1.2.840.10008.1.2.1");
        const uint16_t rows = part10::U16(e.at(T(0x0028, 0x0010)).value, 0);
        const uint16_t cols = part10::U16(e.at(T(0x0028, 0x0011)).value, 0);
        EXPECT_EQ(e.at(T(0x7FE0, 0x0010)).value.size(), size_t{rows} * cols * 2);
        if (st["modality"] == "DX") {
          EXPECT_EQ(Text(e, T(0x0008, 0x0016)), "1.2.840.10008.5.1.4.1.1.1.1");
          const auto ips = Numbers(e, T(0x0018, 0x1164));
          const auto ps = Numbers(e, T(0x0028, 0x0030));
          const double ermf = Numbers(e, T(0x0018, 0x1114)).at(0);
          EXPECT_GT(ermf, 1.0);
          EXPECT_LT(ermf, 1.3);
          EXPECT_NEAR(ps.at(0), ips.at(0) / ermf, 1e-9);
          EXPECT_NEAR(ermf,
                      Numbers(e, T(0x0018, 0x1110)).at(0) / Numbers(e, T(0x0018, 0x1111)).at(0),
                      1e-9);
          const std::string view = Text(e, T(0x0018, 0x5101));
          EXPECT_EQ(Text(e, T(0x0020, 0x0020)), view == "AP" ? "L\\F" : "P\\F");
          EXPECT_EQ(Text(e, T(0x2050, 0x0020)), "IDENTITY");
          EXPECT_EQ(Text(e, T(0x0028, 0x0004)), "MONOCHROME2");
          continue;
        }
        const std::string frame = Text(e, T(0x0020, 0x0052));
        study_frames.insert(frame);
        const auto pos = Numbers(e, T(0x0020, 0x0032));
        const auto iop = Numbers(e, T(0x0020, 0x0037));
        ASSERT_EQ(pos.size(), 3u);
        ASSERT_EQ(iop.size(), 6u);
        const double n[3] = {iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5],
                             iop[0] * iop[4] - iop[1] * iop[3]};
        EXPECT_NEAR(n[0] * n[0] + n[1] * n[1] + n[2] * n[2], 1.0, 1e-9);
        EXPECT_NEAR(Numbers(e, T(0x0020, 0x1041)).at(0),
                    pos[0] * n[0] + pos[1] * n[1] + pos[2] * n[2], 1e-6);
        const double spacing = Numbers(e, T(0x0018, 0x0088)).at(0);
        EXPECT_GT(Numbers(e, T(0x0018, 0x0050)).at(0), 0);
        if (!prev_pos.empty() && prev_iop == iop) {
          // Consecutive slices of one block: one step of SpacingBetweenSlices along the normal.
          double along = 0, across2 = 0;
          const double d[3] = {pos[0] - prev_pos[0], pos[1] - prev_pos[1], pos[2] - prev_pos[2]};
          along = d[0] * n[0] + d[1] * n[1] + d[2] * n[2];
          across2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] - along * along;
          EXPECT_NEAR(std::abs(along), spacing, 1e-6) << in["file"];
          EXPECT_NEAR(across2, 0, 1e-6) << in["file"];
        }
        if (se["description"] == "SAG T1 TSE" || se["description"] == "SAG T2 TSE") {
          EXPECT_EQ(iop, (std::vector<double>{0, 1, 0, 0, 0, -1}));
        }
        if (st["modality"] == "CT") {
          EXPECT_EQ(iop, (std::vector<double>{1, 0, 0, 0, 1, 0}));
          EXPECT_EQ(Numbers(e, T(0x0028, 0x1052)).at(0), -1024);
          EXPECT_EQ(Text(e, T(0x0028, 0x1054)), "HU");
        }
        prev_pos = pos, prev_iop = iop;
      }
    }
    if (st["modality"] != "DX") {
      EXPECT_EQ(study_frames.size(), 1u);
      EXPECT_EQ(*study_frames.begin(), st["frame_of_reference_uid"]);
      EXPECT_TRUE(frames.insert(*study_frames.begin()).second);
    }
  }
}

TEST(PhantomTest, TruthReproducesCobbAngleAndSlip) {
  dokuei::testing::MemEnv env;
  GenerateOptions o = Small("/t");
  o.cobb_deg = 31.5, o.apex_level = "T12", o.slip_percent = 23.5, o.slip_level = "L5";
  ASSERT_TRUE(Generate(o, env).ok());
  const Json truth = Truth(env, "/t");
  const Json& sc = truth["findings"]["scoliosis"];
  EXPECT_EQ(sc["upper_end_vertebra"], "T9");
  EXPECT_EQ(sc["lower_end_vertebra"], "L2");
  const Json& up = Vertebra(truth, sc["upper_end_vertebra"])["superior"];
  const Json& low = Vertebra(truth, sc["lower_end_vertebra"])["inferior"];
  // In patient coordinates, projected on the coronal (x-z) plane.
  const P3 ul = Pt(up["left"]), ur = Pt(up["right"]), ll = Pt(low["left"]), lr = Pt(low["right"]);
  EXPECT_NEAR(LineAngle(ur.x, ur.z, ul.x, ul.z, lr.x, lr.z, ll.x, ll.z), 31.5, 0.01);
  // In the AP radiograph's pixel coordinates (perspective projection).
  for (const Json& se : truth["studies"][2]["series"]) {
    const Json& px = se["landmarks_px"];
    for (const Json& v : truth["vertebrae"]) {
      for (const char* ep : {"superior", "inferior"}) {
        for (const char* corner : {"anterior", "posterior", "left", "right", "center"}) {
          const auto p = V(px[v["level"].get<std::string>()][ep][corner]);
          EXPECT_GE(p[0], 0);
          EXPECT_LT(p[0], se["columns"].get<double>());
          EXPECT_GE(p[1], 0);
          EXPECT_LT(p[1], se["rows"].get<double>());
        }
      }
    }
    const Json& pu = px[sc["upper_end_vertebra"].get<std::string>()]["superior"];
    const Json& pl = px[sc["lower_end_vertebra"].get<std::string>()]["inferior"];
    if (se["view"] == "AP") {
      EXPECT_NEAR(
          LineAngle(V(pu["right"])[0], V(pu["right"])[1], V(pu["left"])[0], V(pu["left"])[1],
                    V(pl["right"])[0], V(pl["right"])[1], V(pl["left"])[0], V(pl["left"])[1]),
          31.5, 0.01);
    } else {
      const Json& a = px["L5"]["inferior"];
      const Json& b = px["S1"]["superior"];
      EXPECT_NEAR(Slip(V(a["posterior"]), V(b["posterior"]), V(b["anterior"])), 23.5, 1.0);
    }
  }
  const Json& li = truth["findings"]["listhesis"];
  EXPECT_EQ(li["level"], "L5");
  EXPECT_EQ(li["on"], "S1");
  EXPECT_EQ(li["meyerding_grade"], "I");
  EXPECT_NEAR(Slip(V(Vertebra(truth, "L5")["inferior"]["posterior"]),
                   V(Vertebra(truth, "S1")["superior"]["posterior"]),
                   V(Vertebra(truth, "S1")["superior"]["anterior"])),
              23.5, 0.1);
}

TEST(PhantomTest, StraightSpineHasParallelCoronalEndplates) {
  dokuei::testing::MemEnv env;
  GenerateOptions o = Small("/s");
  o.cobb_deg = 0, o.slip_percent = 0;
  ASSERT_TRUE(Generate(o, env).ok());
  const Json truth = Truth(env, "/s");
  for (const Json& v : truth["vertebrae"]) {
    for (const char* ep : {"superior", "inferior"}) {
      EXPECT_NEAR(Pt(v[ep]["left"]).z, Pt(v[ep]["right"]).z, 1e-6) << v["level"];
    }
  }
  EXPECT_EQ(truth["findings"]["listhesis"]["meyerding_grade"], "0");
  EXPECT_EQ(truth["findings"]["scoliosis"]["severity"], "none");
}

// Pixel (stored value) at a fractional position, 3x3 mean.
double Mean3(const part10::Elements& e, double col, double row) {
  const uint16_t cols = part10::U16(e.at(T(0x0028, 0x0011)).value, 0);
  const std::string& px = e.at(T(0x7FE0, 0x0010)).value;
  double sum = 0;
  for (int dr = -1; dr <= 1; ++dr) {
    for (int dc = -1; dc <= 1; ++dc) {
      const size_t i = (static_cast<size_t>(std::lround(row) + dr) * cols +
                        static_cast<size_t>(std::lround(col) + dc));
      sum += part10::U16(px, 2 * i);
    }
  }
  return sum / 9;
}

// Pixel position of p on the slice of `series` closest to it.
std::pair<part10::Elements, std::pair<double, double>> Nearest(base::Env& env, const Json& se,
                                                               const P3& p) {
  double best = 1e30;
  part10::Elements best_e;
  std::pair<double, double> best_px;
  for (const Json& in : se["instances"]) {
    const auto pos = V(in["image_position"]), iop = V(in["image_orientation"]);
    const double spacing = se["pixel_spacing"];
    const double d[3] = {p.x - pos[0], p.y - pos[1], p.z - pos[2]};
    const double n[3] = {iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5],
                         iop[0] * iop[4] - iop[1] * iop[3]};
    const double off = std::abs(d[0] * n[0] + d[1] * n[1] + d[2] * n[2]);
    if (off < best) {
      best = off;
      best_e = part10::ReadPart10(Read(env, "/i/" + in["file"].get<std::string>()));
      best_px = {(d[0] * iop[0] + d[1] * iop[1] + d[2] * iop[2]) / spacing,
                 (d[0] * iop[3] + d[1] * iop[4] + d[2] * iop[5]) / spacing};
    }
  }
  return {best_e, best_px};
}

TEST(PhantomTest, ImagesShowTheAnatomyWhereTheTruthSaysItIs) {
  dokuei::testing::MemEnv env;
  GenerateOptions o = Small("/i");
  o.matrix = 128, o.mr_sagittal_slices = 15;
  ASSERT_TRUE(Generate(o, env).ok());
  const Json truth = Truth(env, "/i");
  const Json& l3 = Vertebra(truth, "L3");
  const Json& t2 = truth["studies"][0]["series"][1];
  ASSERT_EQ(t2["contrast"], "T2");
  // T2: CSF in the canal is bright, the vertebral body is darker.
  auto [sag, canal_px] = Nearest(env, t2, Pt(l3["canal_center"]));
  auto [sag2, body_px] = Nearest(env, t2, Pt(l3["center"]));
  const double csf = Mean3(sag, canal_px.first, canal_px.second);
  const double body = Mean3(sag2, body_px.first, body_px.second);
  EXPECT_GT(csf, 1.5 * body) << "csf " << csf << " body " << body;
  // CT: cancellous bone above 100 HU, CSF near water.
  const Json& ct = truth["studies"][1]["series"][0];
  auto [ct_body, ct_body_px] = Nearest(env, ct, Pt(l3["center"]));
  auto [ct_canal, ct_canal_px] = Nearest(env, ct, Pt(l3["canal_center"]));
  EXPECT_GT(Mean3(ct_body, ct_body_px.first, ct_body_px.second) - 1024, 100);
  EXPECT_LT(std::abs(Mean3(ct_canal, ct_canal_px.first, ct_canal_px.second) - 1024), 60);
  // AP radiograph: the L3 body is brighter than the soft tissue beside it.
  const Json& ap = truth["studies"][2]["series"][0];
  const auto ap_e =
      part10::ReadPart10(Read(env, "/i/" + ap["instances"][0]["file"].get<std::string>()));
  const auto c = V(ap["landmarks_px"]["L3"]["center"]);
  const double beside = Mean3(ap_e, c[0] + 0.4 * ap["columns"].get<double>() / 2, c[1]);
  EXPECT_GT(Mean3(ap_e, c[0], c[1]), beside + 100);
}

TEST(PhantomTest, BenchSetHasTheBenchmarkShape) {
  dokuei::testing::MemEnv env;
  GenerateOptions o;
  o.out_dir = "/bench";
  o.bench_set = true;
  o.bench_mr_slices = 12, o.bench_ct_slices = 7, o.bench_matrix = 32;
  auto r = Generate(o, env);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files, 19);
  EXPECT_EQ(r->study_uids.size(), 2u);
  const Json truth = Truth(env, "/bench");
  EXPECT_EQ(truth["kind"], "bench");
  ASSERT_EQ(truth["studies"][0]["series"].size(), 4u);
  EXPECT_EQ(truth["studies"][0]["series"][3]["instances"].size(), 12u - 3 * 2);
  EXPECT_EQ(truth["studies"][1]["series"][0]["instances"].size(), 7u);
}

TEST(PhantomTest, DcmtkReadsEverySeries) {
  if (std::system("command -v dcmdump >/dev/null 2>&1") != 0) GTEST_SKIP() << "no dcmdump";
  const std::string dir = "/tmp/dokuei_demo_test_" + base::RandomHex(6);
  base::Env& env = base::PosixEnv();
  auto r = Generate(Small(dir), env);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Json truth = Truth(env, dir);
  for (const Json& st : truth["studies"]) {
    for (const Json& se : st["series"]) {
      const std::string file = dir + "/" + se["instances"][0]["file"].get<std::string>();
      FILE* p = popen(("dcmdump -q -dc +E " + file + " 2>&1; echo rc=$?").c_str(), "r");
      ASSERT_NE(p, nullptr);
      std::string out;
      char buf[4096];
      while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
      pclose(p);
      EXPECT_NE(out.find("rc=0"), std::string::npos) << file << "\n" << out;
      EXPECT_EQ(out.find("W: "), std::string::npos) << file << "\n" << out;
      EXPECT_EQ(out.find("E: "), std::string::npos) << file << "\n" << out;
      EXPECT_NE(out.find(st["study_instance_uid"].get<std::string>()), std::string::npos);
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(PhantomTest, OptionsTableAndParsing) {
  const auto docs = DescribeOptions();
  std::map<std::string, std::string> defaults;
  for (const OptionDoc& d : docs) {
    EXPECT_FALSE(d.help.empty()) << d.name;
    defaults[d.name] = d.default_value;
  }
  EXPECT_EQ(defaults.at("cobb-deg"), "22");
  EXPECT_EQ(defaults.at("slip-level"), "L4");
  EXPECT_EQ(defaults.at("bench"), "false");
  EXPECT_EQ(defaults.at("matrix"), "256");
  GenerateOptions o;
  EXPECT_TRUE(SetOption(o, "cobb-deg", "35.5").ok());
  EXPECT_EQ(o.cobb_deg, 35.5);
  EXPECT_TRUE(SetOption(o, "seed", "42").ok());
  EXPECT_EQ(o.seed, 42u);
  EXPECT_TRUE(SetOption(o, "bench", "true").ok());
  EXPECT_TRUE(o.bench_set);
  EXPECT_TRUE(SetOption(o, "patient-name", "Yamada^Hanako=山田^花子").ok());
  EXPECT_EQ(SetOption(o, "matrix", "12x").field(), "matrix");
  EXPECT_EQ(SetOption(o, "bench", "maybe").field(), "bench");
  EXPECT_EQ(SetOption(o, "no-such", "1").code(), base::Code::kInvalidArgument);
}

TEST(PhantomTest, RejectsBadOptionsNamingTheFlag) {
  dokuei::testing::MemEnv env;
  GenerateOptions o = Small("/x");
  o.apex_level = "L9";
  EXPECT_EQ(Generate(o, env).status().field(), "apex-level");
  o = Small("/x");
  o.lang = "de";
  EXPECT_EQ(Generate(o, env).status().field(), "lang");
  o = Small("/x");
  o.out_dir.clear();
  EXPECT_EQ(Generate(o, env).status().field(), "out");
  o = Small("/x");
  o.study_date = "2025-01-15";
  EXPECT_EQ(Generate(o, env).status().field(), "study-date");
}

TEST(PhantomTest, WriteFailuresAreReported) {
  dokuei::testing::MemEnv mem;
  for (int n : {1, 3, 20, 60}) {
    dokuei::testing::FaultEnv env(mem);
    env.FailOperation(n, base::Code::kResourceExhausted, /*sticky=*/true);
    auto r = Generate(Small("/f" + std::to_string(n)), env);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), base::Code::kResourceExhausted) << n;
  }
}

}  // namespace
}  // namespace dokuei::demo
