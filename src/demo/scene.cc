#include "scene.h"

#include <cmath>
#include <limits>

namespace dokuei::demo {
namespace {

// T1, T2, STIR (MR arbitrary units), CT (HU), X-ray attenuation (1/mm, ~60 keV effective).
constexpr double kTissue[static_cast<int>(Tissue::kCount)][5] = {
    {0, 0, 0, -1000, 0},             // air
    {1500, 1150, 90, -100, 0.0185},  // fat
    {650, 700, 550, 35, 0.0205},     // soft
    {560, 380, 330, 50, 0.0210},     // muscle
    {90, 70, 60, 1300, 0.0550},      // cortex
    {1050, 760, 260, 220, 0.0280},   // marrow
    {520, 330, 260, 90, 0.0210},     // annulus
    {600, 1750, 1500, 60, 0.0205},   // nucleus
    {520, 520, 420, 70, 0.0205},     // degenerated nucleus
    {260, 2000, 1950, 8, 0.0200},    // CSF
    {720, 820, 650, 35, 0.0205},     // cord
    {700, 700, 560, 35, 0.0205},     // nerve root
    {30, 25, 20, -850, 0.0030},      // lung
    {150, 90, 80, 40, 0.0210},       // vessel (flow void on MR)
    {800, 1150, 900, 35, 0.0210},    // kidney
    {1450, 1100, 90, -90, 0.0185},   // epidural fat
};

Part Capsule(Vec3 a, Vec3 b, double r0, double r1 = -1) {
  Part p;
  p.kind = PartKind::kCapsule;
  p.a = a, p.b = b, p.rx0 = r0, p.rx1 = r1 < 0 ? r0 : r1;
  const double r = std::max(p.rx0, p.rx1);
  p.box.Add(a), p.box.Add(b), p.box.Grow(r);
  return p;
}

Part EllipticCapsule(Vec3 a, Vec3 b, Vec3 ex, Vec3 ey, double rx0, double ry0, double rx1,
                     double ry1) {
  Part p;
  p.kind = PartKind::kEllipticCapsule;
  p.a = a, p.b = b, p.ex = Normalize(ex), p.ey = Normalize(ey);
  p.rx0 = rx0, p.ry0 = ry0, p.rx1 = rx1, p.ry1 = ry1;
  const double r = std::max(std::max(rx0, ry0), std::max(rx1, ry1));
  p.box.Add(a), p.box.Add(b), p.box.Grow(r);
  return p;
}

void BoxOfRotated(Part& p) {
  for (int i = 0; i < 8; ++i) {
    const Vec3 c{(i & 1) ? p.half.x : -p.half.x, (i & 2) ? p.half.y : -p.half.y,
                 (i & 4) ? p.half.z : -p.half.z};
    p.box.Add(p.a + p.rot * c);
  }
}

Part RoundBox(Vec3 center, Vec3 half, double round, Mat3 rot = {}) {
  Part p;
  p.kind = PartKind::kRoundBox;
  p.a = center, p.half = half, p.round = round, p.rot = rot;
  BoxOfRotated(p);
  return p;
}

Part Ellipsoid(Vec3 center, Vec3 radii, Mat3 rot = {}) {
  Part p;
  p.kind = PartKind::kEllipsoid;
  p.a = center, p.half = radii, p.rot = rot;
  BoxOfRotated(p);
  return p;
}

Part Body(Vec3 center, double w, double d, double h, Mat3 rot = {}) {
  Part p;
  p.kind = PartKind::kBody;
  p.a = center, p.half = {w / 2, d / 2, h / 2}, p.round = 2.0, p.rot = rot;
  BoxOfRotated(p);
  return p;
}

// Vertebral body / disc cross-section: the mean of an ellipse and a rounded rectangle, which
// gives the flat-walled, rounded outline of a lumbar body. Negative inside.
double SectionDistance(double x, double y, double a, double b) {
  const double m = std::min(a, b);
  const double ell = (std::sqrt((x / a) * (x / a) + (y / b) * (y / b)) - 1.0) * m;
  const double rc = 0.45 * m;
  const double qx = std::abs(x) - (a - rc), qy = std::abs(y) - (b - rc);
  const double ox = std::max(qx, 0.0), oy = std::max(qy, 0.0);
  const double rect = std::sqrt(ox * ox + oy * oy) + std::min(std::max(qx, qy), 0.0) - rc;
  return 0.5 * (ell + rect);
}

double PartDistance(const Part& p, const Vec3& q) {
  switch (p.kind) {
    case PartKind::kCapsule: {
      const Vec3 ba = p.b - p.a, pa = q - p.a;
      const double len2 = Dot(ba, ba);
      const double t = len2 > 0 ? Clamp(Dot(pa, ba) / len2, 0.0, 1.0) : 0.0;
      return Norm(pa - ba * t) - (p.rx0 + (p.rx1 - p.rx0) * t);
    }
    case PartKind::kEllipticCapsule: {
      const Vec3 ba = p.b - p.a, pa = q - p.a;
      const double len2 = Dot(ba, ba);
      const double t = len2 > 0 ? Clamp(Dot(pa, ba) / len2, 0.0, 1.0) : 0.0;
      const Vec3 v = pa - ba * t;
      const double rx = p.rx0 + (p.rx1 - p.rx0) * t, ry = p.ry0 + (p.ry1 - p.ry0) * t;
      const double m = std::min(rx, ry);
      const double vx = Dot(v, p.ex) / rx, vy = Dot(v, p.ey) / ry;
      const double vz = len2 > 0 ? Dot(v, ba) / std::sqrt(len2) / m : 0.0;
      return (std::sqrt(vx * vx + vy * vy + vz * vz) - 1.0) * m;
    }
    case PartKind::kRoundBox: {
      const Vec3 l = p.rot.TMul(q - p.a);
      const double qx = std::abs(l.x) - (p.half.x - p.round);
      const double qy = std::abs(l.y) - (p.half.y - p.round);
      const double qz = std::abs(l.z) - (p.half.z - p.round);
      const Vec3 o{std::max(qx, 0.0), std::max(qy, 0.0), std::max(qz, 0.0)};
      return Norm(o) + std::min(std::max(qx, std::max(qy, qz)), 0.0) - p.round;
    }
    case PartKind::kEllipsoid: {
      const Vec3 l = p.rot.TMul(q - p.a);
      const Vec3 s{l.x / p.half.x, l.y / p.half.y, l.z / p.half.z};
      return (Norm(s) - 1.0) * std::min(p.half.x, std::min(p.half.y, p.half.z));
    }
    case PartKind::kBody: {
      const Vec3 l = p.rot.TMul(q - p.a);
      const double dxy = SectionDistance(l.x, l.y, p.half.x, p.half.y) + p.round;
      const double dz = std::abs(l.z) - p.half.z + p.round;
      const double ox = std::max(dxy, 0.0), oz = std::max(dz, 0.0);
      return std::sqrt(ox * ox + oz * oz) + std::min(std::max(dxy, dz), 0.0) - p.round;
    }
  }
  return std::numeric_limits<double>::max();
}

}  // namespace

double BoxDistance(const Aabb& b, const Vec3& q) {
  const double dx = std::max(std::max(b.lo.x - q.x, q.x - b.hi.x), 0.0);
  const double dy = std::max(std::max(b.lo.y - q.y, q.y - b.hi.y), 0.0);
  const double dz = std::max(std::max(b.lo.z - q.z, q.z - b.hi.z), 0.0);
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

namespace {

void FinishItem(Item& item) {
  item.world_box = Aabb{};
  for (const Part& p : item.parts) {
    for (int i = 0; i < 8; ++i) {
      const Vec3 c{(i & 1) ? p.box.hi.x : p.box.lo.x, (i & 2) ? p.box.hi.y : p.box.lo.y,
                   (i & 4) ? p.box.hi.z : p.box.lo.z};
      item.world_box.Add(item.frame.ToWorld(c));
    }
  }
  item.world_box.Grow(1.0);
}

Item Solid(Tissue t, std::vector<Part> parts, Frame frame = {}) {
  Item item;
  item.kind = ItemKind::kSolid;
  item.outer = item.inner = t;
  item.frame = frame;
  item.parts = std::move(parts);
  item.xray = false;
  FinishItem(item);
  return item;
}

Item Bone(std::vector<Part> parts, Frame frame = {}, double cortex = 1.2) {
  Item item;
  item.kind = ItemKind::kShell;
  item.outer = Tissue::kCortex, item.inner = Tissue::kMarrow;
  item.shell = cortex;
  item.frame = frame;
  item.parts = std::move(parts);
  FinishItem(item);
  return item;
}

// A chain of (elliptic) capsules through points, with per-point radii, as one solid.
std::vector<Part> Tube(const std::vector<Vec3>& pts, const std::vector<Vec3>& ex,
                       const std::vector<Vec3>& ey, const std::vector<double>& rx,
                       const std::vector<double>& ry) {
  std::vector<Part> parts;
  for (size_t i = 0; i + 1 < pts.size(); ++i) {
    if (std::max(rx[i], rx[i + 1]) <= 0.05) continue;
    parts.push_back(EllipticCapsule(pts[i], pts[i + 1], ex[i] + ex[i + 1], ey[i] + ey[i + 1],
                                    std::max(rx[i], 0.05), std::max(ry[i], 0.05),
                                    std::max(rx[i + 1], 0.05), std::max(ry[i + 1], 0.05)));
  }
  return parts;
}

// Solids of one tissue are painted part by part (same result as their union, tighter bounds).
void AddSolid(std::vector<Item>& items, Tissue t, std::vector<Part> parts) {
  for (Part& p : parts) items.push_back(Solid(t, {std::move(p)}));
}

// Posterior elements and body of one vertebra, in its own frame.
std::vector<Part> VertebraParts(const Vertebra& v, int level, double disc_above, double disc_below,
                                bool sacral_s1) {
  const double b2 = v.depth / 2, cw = v.canal_width, ca = v.canal_depth, h = v.height;
  const bool lumbar = level >= kL1 && level <= kL5;
  const bool cervical = v.cervical;
  const double pr = cervical ? 3.0 : lumbar ? (level == kL5 ? 5.5 : 4.5) : 3.5;
  const double ph = cervical ? 4.0 : lumbar ? 7.5 : 6.0;
  const double px = cw / 2 + pr;
  const double zp = 0.15 * h;
  std::vector<Part> parts;
  parts.push_back(Body({0, 0, 0}, v.width, v.depth, h));
  for (double s : {1.0, -1.0}) {
    // Pedicle.
    parts.push_back(EllipticCapsule({s * px, b2 - 3, zp}, {s * px, b2 + ca * 0.8, zp}, {1, 0, 0},
                                    {0, 0, 1}, pr, ph, pr, ph));
    // Lamina, sloping to the midline behind the canal.
    const Vec3 la{s * px, b2 + ca * 0.8, zp - 1}, lb{0, b2 + ca + 3.5, zp - 5};
    const Vec3 dir = Normalize(lb - la);
    const double lam_h = lumbar ? 8 : cervical ? 5 : 6.5;
    parts.push_back(EllipticCapsule(la, lb, {-dir.y, dir.x, 0}, {0, 0, 1}, 3.2, lam_h, 3.2, lam_h));
    // Superior articular process (up to the facet joint at the disc above).
    if (disc_above > 0) {
      parts.push_back(Capsule({s * (px + 1.5), b2 + ca * 0.75, zp + 2},
                              {s * (px + 2.5), b2 + ca * 0.9, h / 2 + disc_above / 2 + 2},
                              lumbar ? 4.2 : 3.5));
    }
    if (sacral_s1) continue;
    // Inferior articular process (down to the facet joint at the disc below).
    parts.push_back(Capsule({s * (px - 1), b2 + ca + 1.5, zp - 6},
                            {s * (px - 0.5), b2 + ca + 2.5, -h / 2 - disc_below / 2 - 2},
                            lumbar ? 3.8 : 3.2));
    // Transverse process.
    if (lumbar) {
      const double tl = level == kL1 ? 18 : level == kL3 ? 28 : level == kL5 ? 20 : 23;
      parts.push_back(Capsule({s * px, b2 + ca * 0.45, zp}, {s * (px + tl), b2 + ca * 0.45 + 3, zp},
                              level == kL5 ? 6.0 : 4.0, level == kL5 ? 5.0 : 3.2));
    } else if (cervical) {
      parts.push_back(Capsule({s * px, b2 - 1, zp}, {s * (px + 9), b2 - 3, zp}, 3.5));
    } else {
      const double tl = level == kT12 ? 9 : 16;
      parts.push_back(Capsule({s * px, b2 + ca * 0.6, zp},
                              {s * (px + tl), b2 + ca * 0.6 + 11, zp + 2}, 4.8, 4.2));
    }
  }
  // Posterior elements are mostly cortical bone.
  for (size_t i = 1; i < parts.size(); ++i) parts[i].shell = cervical ? 1.4 : lumbar ? 2.2 : 1.8;
  // Spinous process (median sacral crest for S1).
  double sl = 32, sh = 20, alpha = 8;
  if (cervical) sl = v.name == "C7" ? 30 : 20, sh = 8, alpha = 20;
  if (!cervical && !lumbar) {
    sl = 36, sh = 11;
    alpha = (level <= 3 || level >= 9) ? 30 : 55;
  }
  if (sacral_s1) sl = 12, sh = 14, alpha = 0;
  const Mat3 rot = RotX(Rad(-alpha));
  const Vec3 base{0, b2 + ca + 3.5, zp - 5};
  parts.push_back(RoundBox(base + rot * Vec3{0, sl / 2, 0}, {3.4, sl / 2, sh / 2}, 2.6, rot));
  parts.back().shell = 1.8;
  return parts;
}

}  // namespace

double TissueValue(Tissue t, Contrast c) {
  return kTissue[static_cast<int>(t)][static_cast<int>(c)];
}

double BodyDistance(const BodySection& s, double x, double y) {
  const double dx = (x - s.center_x) / s.half_width, dy = (y - s.center_y) / s.half_depth;
  const double r = 0.8 * std::sqrt(dx * dx + dy * dy) + 0.2 * std::max(std::abs(dx), std::abs(dy));
  return (r - 1.0) * std::min(s.half_width, s.half_depth);
}

namespace {
double Hash01(int64_t x, int64_t y, int64_t z, uint64_t seed) {
  uint64_t h = seed ^ (static_cast<uint64_t>(x) * 0x9E3779B97F4A7C15ull) ^
               (static_cast<uint64_t>(y) * 0xC2B2AE3D27D4EB4Full) ^
               (static_cast<uint64_t>(z) * 0x165667B19E3779F9ull);
  h ^= h >> 31, h *= 0xBF58476D1CE4E5B9ull, h ^= h >> 27, h *= 0x94D049BB133111EBull, h ^= h >> 31;
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}
}  // namespace

double ViscusTexture(const Vec3& p, uint64_t seed) {
  constexpr double kCell = 22.0;
  const double fx = p.x / kCell, fy = p.y / kCell, fz = p.z / kCell;
  const double ix = std::floor(fx), iy = std::floor(fy), iz = std::floor(fz);
  const double tx = Smooth01(fx - ix), ty = Smooth01(fy - iy), tz = Smooth01(fz - iz);
  const auto x0 = static_cast<int64_t>(ix), y0 = static_cast<int64_t>(iy),
             z0 = static_cast<int64_t>(iz);
  double acc = 0;
  for (int c = 0; c < 8; ++c) {
    const int dx = c & 1, dy = (c >> 1) & 1, dz = (c >> 2) & 1;
    const double w = (dx ? tx : 1 - tx) * (dy ? ty : 1 - ty) * (dz ? tz : 1 - tz);
    acc += w * Hash01(x0 + dx, y0 + dy, z0 + dz, seed);
  }
  return 2.0 * acc - 1.0;
}

Distances Evaluate(const Item& item, const Vec3& p) {
  if (item.kind == ItemKind::kDisc) {
    const Vec3 pl = item.lower.ToLocal(p), pu = item.upper.ToLocal(p);
    const double dz = std::max(-pl.z, pu.z);
    const double span = pl.z - pu.z;
    const double t = span > 1e-6 ? Clamp(pl.z / span, 0.0, 1.0) : 0.5;
    const double x = pl.x + (pu.x - pl.x) * t, y = pl.y + (pu.y - pl.y) * t;
    const double bulge =
        (item.inner == Tissue::kNucleusDegenerated ? 2.5 : 1.0) * std::sin(kPi * t);
    const double a = item.lower_a + (item.upper_a - item.lower_a) * t + bulge;
    const double b = item.lower_b + (item.upper_b - item.lower_b) * t + bulge;
    const double outer = std::max(SectionDistance(x, y, a, b), dz);
    const bool degen = item.inner == Tissue::kNucleusDegenerated;
    const double na = a * (degen ? 0.45 : 0.55), nb = b * (degen ? 0.4 : 0.5);
    const double nxy = SectionDistance(x, y - 0.08 * b, na, nb);
    const double nz = (std::abs(t - 0.5) - (degen ? 0.25 : 0.32)) * std::max(span, 0.0);
    return {outer, std::max(nxy, nz)};
  }
  thread_local std::vector<uint16_t> all;
  all.resize(item.parts.size());
  for (size_t k = 0; k < all.size(); ++k) all[k] = static_cast<uint16_t>(k);
  return EvaluateLocal(item, item.frame.ToLocal(p), all.data(), all.size());
}

Distances EvaluateLocal(const Item& item, const Vec3& q, const uint16_t* parts, size_t n) {
  double d = std::numeric_limits<double>::max(), inner = d;
  for (size_t i = 0; i < n; ++i) {
    const Part& part = item.parts[parts[i]];
    if (n > 1 && BoxDistance(part.box, q) >= d) continue;
    const double dp = PartDistance(part, q);
    d = std::min(d, dp);
    inner = std::min(inner, dp + (part.shell >= 0 ? part.shell : item.shell));
  }
  if (item.kind == ItemKind::kShell) return {d, inner};
  return {d, d};
}

Scene BuildScene(const SpineModel& m) {
  Scene scene;
  scene.model = &m;
  std::vector<Item>& items = scene.items;
  const auto& chain = m.chain();
  const Vertebra& s1 = m.level(kS1);
  const Vec3 s1c = s1.superior.center;
  auto lv = [&](int i) -> const Vertebra& { return m.level(i); };

  // --- Organs and muscles (drawn first; bones paint over them).
  {
    const Vertebra& l1 = lv(kL1);
    for (double s : {1.0, -1.0}) {
      const Vec3 c = l1.frame.ToWorld({s * 72, 14, s > 0 ? -2.0 : -18.0});
      AddSolid(items, Tissue::kKidney, {Ellipsoid(c, {24, 30, 55}, RotZ(Rad(s * 25)))});
    }
  }
  // Lungs: ellipsoids in the thorax.
  {
    const Vertebra& t6 = lv(5);
    const double top = lv(kT1).superior.center.z + 30, bottom = lv(10).frame.origin.z;
    const BodySection bs = m.BodyAt(t6.frame.origin.z);
    for (double s : {1.0, -1.0}) {
      const Vec3 c{t6.frame.origin.x + s * (s > 0 ? 88 : 84), bs.center_y + 6, (top + bottom) / 2};
      Item lung =
          Solid(Tissue::kLung, {Ellipsoid(c, {s > 0 ? 60.0 : 64.0, 78, (top - bottom) / 2})});
      scene.lungs.push_back(lung);
      items.push_back(std::move(lung));
    }
    // The heart (soft tissue) sits in front of the left lower lung field.
    const Vertebra& t8 = lv(7);
    const BodySection hs = m.BodyAt(t8.frame.origin.z);
    Item heart =
        Solid(Tissue::kSoft,
              {Ellipsoid({t8.frame.origin.x + 28, hs.center_y - 35, t8.frame.origin.z - 10},
                         {58, 48, 55}, RotZ(Rad(-20)))});
    scene.lungs.push_back(heart);
    items.push_back(std::move(heart));
  }
  // Muscles: psoas, quadratus lumborum, erector spinae.
  for (double s : {1.0, -1.0}) {
    std::vector<Vec3> pts, ex, ey;
    std::vector<double> rx, ry;
    const double radius[] = {6, 9, 13, 17, 20, 22};
    for (int i = kT12; i <= kL5; ++i) {
      const Vertebra& v = lv(i);
      const double r = radius[i - kT12];
      pts.push_back(v.frame.ToWorld({s * (v.width / 2 + r * 0.7), 2, 0}));
      ex.push_back(v.frame.rot.c0), ey.push_back(v.frame.rot.c1), rx.push_back(r), ry.push_back(r);
    }
    pts.push_back(s1c + Vec3{s * 68, -42, -75});
    ex.push_back({1, 0, 0}), ey.push_back({0, 1, 0}), rx.push_back(20), ry.push_back(16);
    AddSolid(items, Tissue::kMuscle, Tube(pts, ex, ey, rx, ry));

    pts.clear(), ex.clear(), ey.clear(), rx.clear(), ry.clear();
    for (int i = kL1; i <= kL5 - 1; ++i) {
      const Vertebra& v = lv(i);
      pts.push_back(v.frame.ToWorld({s * (v.width / 2 + 40), v.depth / 2 + v.canal_depth / 2, 0}));
      ex.push_back(v.frame.rot.c0), ey.push_back(v.frame.rot.c1);
      rx.push_back(i == kL1 || i == kL5 - 1 ? 10 : 16), ry.push_back(9);
    }
    AddSolid(items, Tissue::kMuscle, Tube(pts, ex, ey, rx, ry));

    pts.clear(), ex.clear(), ey.clear(), rx.clear(), ry.clear();
    for (int i = kT1; i <= kS1; ++i) {
      const Vertebra& v = lv(i);
      const bool lumbar = i >= kL1;
      const double r_lr = i == kT1 ? 12 : i == kS1 ? 15 : lumbar ? 22 : 16;
      const double r_ap = i == kT1 ? 10 : i == kS1 ? 12 : lumbar ? 20 : 14;
      const double y = v.depth / 2 + v.canal_depth + r_ap * 0.75 + 2;
      pts.push_back(v.frame.ToWorld({s * (v.canal_width / 2 + r_lr * 0.8 + 3), y, 0}));
      ex.push_back(v.frame.rot.c0), ey.push_back(v.frame.rot.c1), rx.push_back(r_lr),
          ry.push_back(r_ap);
    }
    AddSolid(items, Tissue::kMuscle, Tube(pts, ex, ey, rx, ry));
  }
  // Great vessels: aorta (left-anterior), IVC (right-anterior), common iliac arteries.
  {
    std::vector<Part> aorta, ivc;
    Vec3 prev, prev_ivc;
    for (int i = 5; i <= kL5 - 1; ++i) {
      const Vertebra& v = lv(i);
      const Vec3 c = v.frame.ToWorld({14, -v.depth / 2 - 13, 0});
      if (i > 5) aorta.push_back(Capsule(prev, c, i <= kT12 ? 11 : 10));
      prev = c;
      if (i >= 10) {
        const Vec3 c2 = v.frame.ToWorld({-21, -v.depth / 2 - 15, 0});
        if (i > 10) ivc.push_back(Capsule(prev_ivc, c2, 10.5));
        prev_ivc = c2;
      }
    }
    for (double s : {1.0, -1.0})
      aorta.push_back(Capsule(prev, s1c + Vec3{s * 42, -40, -35}, 6.5, 6));
    ivc.push_back(
        Capsule(prev_ivc, lv(kL5).frame.ToWorld({-18, -lv(kL5).depth / 2 - 14, 0}), 10.5));
    AddSolid(items, Tissue::kVessel, std::move(aorta));
    AddSolid(items, Tissue::kVessel, std::move(ivc));
  }

  // --- Bones.
  // Ribs (T1..T12) and clavicles.
  for (int i = kT1; i <= kT12; ++i) {
    const Vertebra& v = lv(i);
    const double z0 = v.frame.origin.z;
    const BodySection bs = m.BodyAt(z0);
    const double hw = std::max(bs.cage_half_width, 40.0), hd = std::max(bs.cage_half_depth, 35.0);
    const Vec3 canal = v.frame.ToWorld(v.CanalLocal());
    const double cx = v.frame.origin.x, cy = canal.y + 14 - hd;
    const double psi_end = i == kT12 ? 1.35 : i == 10 ? 1.9 : 2.45;
    const double drop = i == kT1 ? 25 : i == 1 ? 50 : i == kT12 ? 30 : i == 10 ? 55 : 88;
    for (double s : {1.0, -1.0}) {
      std::vector<Part> rib;
      const double r = i == kT1 ? 4.8 : 4.0;
      Vec3 prev = v.frame.ToWorld({s * (v.width / 2 + 1), v.depth / 2 - 3, 0.25 * v.height});
      const Vec3 tp = v.frame.ToWorld(
          {s * (v.canal_width / 2 + 3.5 + 14), v.depth / 2 + v.canal_depth * 0.6 + 9, 2});
      rib.push_back(Capsule(prev, tp, r));
      prev = tp;
      constexpr int kSteps = 10;
      const double psi0 = 0.28;
      for (int k = 1; k <= kSteps; ++k) {
        // Posterior rib nearly horizontal, lateral and anterior parts sloping down.
        const double f = static_cast<double>(k) / kSteps;
        const double psi = psi0 + (psi_end - psi0) * f;
        const Vec3 p{cx + s * hw * std::sin(psi), cy + hd * std::cos(psi),
                     tp.z - drop * std::pow(f, 1.6)};
        rib.push_back(Capsule(prev, p, r));
        prev = p;
      }
      items.push_back(Bone(std::move(rib), {}, 1.0));
    }
  }
  {
    const Vertebra& t1 = lv(kT1);
    const double z = t1.superior.center.z;
    const BodySection bs = m.BodyAt(z - 8);
    const Vec3 canal = t1.frame.ToWorld(t1.CanalLocal());
    const double front = bs.center_y - bs.half_depth + 22;
    for (double s : {1.0, -1.0}) {
      const Vec3 a{t1.frame.origin.x + s * 18, front, z - 6};
      const Vec3 mid{t1.frame.origin.x + s * 75, front + 8, z + 2};
      const Vec3 b{t1.frame.origin.x + s * (bs.half_width - 28), canal.y + 4, z + 14};
      items.push_back(Bone({Capsule(a, mid, 7), Capsule(mid, b, 6.5)}, {}, 1.5));
    }
  }
  // Pelvis and femora.
  for (double s : {1.0, -1.0}) {
    const double x0 = s1.frame.origin.x;
    std::vector<Part> hip;
    // Iliac wing: a curved plate (flattened ellipsoid) with a thick crest along its upper rim.
    const Vec3 wing{x0 + s * 76, s1c.y + 8, s1c.z - 12};
    const Mat3 wing_rot = RotZ(Rad(-s * 32));
    hip.push_back(Ellipsoid(wing, {60, 7.5, 60}, wing_rot));
    Vec3 prev_rim;
    for (int k = 0; k <= 6; ++k) {
      const double a = Rad(20 + 140.0 * k / 6);
      const Vec3 rim = wing + wing_rot * Vec3{57 * std::cos(a), 0, 56 * std::sin(a)};
      if (k > 0) hip.push_back(Capsule(prev_rim, rim, 5.0));
      prev_rim = rim;
    }
    hip.push_back(
        Capsule({x0 + s * 74, s1c.y - 8, s1c.z - 52}, {x0 + s * 88, s1c.y - 40, s1c.z - 98}, 14));
    hip.push_back(
        Capsule({x0 + s * 80, s1c.y - 52, s1c.z - 108}, {x0 + s * 12, s1c.y - 92, s1c.z - 128}, 8));
    hip.push_back(
        Capsule({x0 + s * 12, s1c.y - 92, s1c.z - 128}, {x0 + s * 10, s1c.y - 88, s1c.z - 160}, 9));
    hip.push_back(
        Capsule({x0 + s * 10, s1c.y - 88, s1c.z - 160}, {x0 + s * 55, s1c.y - 40, s1c.z - 170}, 8));
    hip.push_back(Capsule({x0 + s * 55, s1c.y - 40, s1c.z - 170},
                          {x0 + s * 80, s1c.y - 38, s1c.z - 115}, 11));
    items.push_back(Bone(std::move(hip), {}, 1.5));
    std::vector<Part> femur;
    const Vec3 head{x0 + s * 92, s1c.y - 45, s1c.z - 115};
    femur.push_back(Ellipsoid(head, {24, 24, 24}));
    femur.push_back(Capsule(head, {x0 + s * 130, s1c.y - 40, s1c.z - 145}, 14, 13));
    femur.push_back(Ellipsoid({x0 + s * 140, s1c.y - 35, s1c.z - 140}, {14, 16, 21}));
    femur.push_back(Capsule({x0 + s * 130, s1c.y - 40, s1c.z - 150},
                            {x0 + s * 114, s1c.y - 46, s1c.z - 430}, 14, 12));
    items.push_back(Bone(std::move(femur), {}, 2.5));
  }
  // Sacrum below S1: a tapering curved bar through the fused segments, the roof of the sacral
  // canal behind it, and the alae.
  {
    std::vector<Part> sacrum;
    std::vector<const Vertebra*> segs = {&s1};
    for (const Vertebra& v : m.sacral()) segs.push_back(&v);
    for (size_t k = 0; k + 1 < segs.size(); ++k) {
      const Vertebra& a = *segs[k];
      const Vertebra& b = *segs[k + 1];
      const Vec3 pa = k == 0 ? a.inferior.center : a.frame.origin;
      const Vec3 ex = a.frame.rot.c0 + b.frame.rot.c0, ey = a.frame.rot.c1 + b.frame.rot.c1;
      sacrum.push_back(EllipticCapsule(pa, b.frame.origin, ex, ey, a.width / 2 * 0.9, a.depth / 2,
                                       b.width / 2 * 0.9, b.depth / 2));
      const Vec3 ra =
          a.frame.ToWorld({0, a.depth / 2 + a.canal_depth + 3, k == 0 ? -a.height / 4 : 0});
      const Vec3 rb = b.frame.ToWorld({0, b.depth / 2 + b.canal_depth + 3, 0});
      sacrum.push_back(
          EllipticCapsule(ra, rb, ex, ey, a.canal_width / 2 + 4, 3.5, b.canal_width / 2 + 4, 3));
    }
    for (double s : {1.0, -1.0}) {
      sacrum.push_back(Ellipsoid(s1.frame.ToWorld({s * (s1.width / 2 + 18), 6, -8}), {26, 19, 20},
                                 s1.frame.rot));
      const Vertebra& s2 = m.sacral()[0];
      sacrum.push_back(
          Ellipsoid(s2.frame.ToWorld({s * (s2.width / 2 + 12), 4, 0}), {20, 15, 16}, s2.frame.rot));
    }
    items.push_back(Bone(std::move(sacrum)));
  }
  // Vertebrae C5..S1.
  const int first_level = static_cast<int>(m.cervical().size());
  for (int ci = 0; ci < first_level + kNumLevels; ++ci) {
    const Vertebra& v = chain[ci];
    const int level = ci - first_level;
    const double above = ci > 0 ? m.discs()[ci - 1].height : 0;
    const double below = m.discs()[ci].height;
    items.push_back(Bone(VertebraParts(v, level, above, below, level == kS1), v.frame));
  }

  // --- Canal contents: epidural fat, dural sac (CSF), cord, cauda equina; discs in between so
  // that a bulging disc displaces epidural fat but not the dural sac.
  std::vector<Vec3> pts, ex, ey;
  std::vector<double> cw, ca, dw, dd, cord_w, cord_d;
  const int n_canal = first_level + kNumLevels + 2;  // down to S3
  for (int ci = 0; ci < n_canal; ++ci) {
    const Vertebra& v = chain[ci];
    const int level = ci - first_level;
    if (ci == 0) {
      pts.push_back(v.frame.ToWorld(v.CanalLocal() + Vec3{0, 0, 40}));
      ex.push_back(v.frame.rot.c0), ey.push_back(v.frame.rot.c1);
      cw.push_back(v.canal_width / 2), ca.push_back(v.canal_depth / 2);
      dw.push_back(v.canal_width / 2 * 0.72), dd.push_back(v.canal_depth / 2 * 0.72);
      cord_w.push_back(6.5), cord_d.push_back(4.2);
    }
    pts.push_back(v.frame.ToWorld(v.CanalLocal()));
    ex.push_back(v.frame.rot.c0), ey.push_back(v.frame.rot.c1);
    cw.push_back(v.canal_width / 2), ca.push_back(v.canal_depth / 2);
    const double dural = level < kS1 ? 0.72 : level == kS1 ? 0.5 : 0.0;
    dw.push_back(v.canal_width / 2 * dural), dd.push_back(v.canal_depth / 2 * dural);
    double w = 0, d = 0;
    if (level < 0)
      w = 6.5, d = 4.2;
    else if (level < 10)
      w = 4.3, d = 3.4;
    else if (level < kL1)
      w = 4.9, d = 3.9;
    else if (level == kL1)
      w = 2.2, d = 2.0;
    cord_w.push_back(w), cord_d.push_back(d);
  }
  AddSolid(items, Tissue::kEpiduralFat, Tube(pts, ex, ey, cw, ca));
  // Discs.
  for (size_t i = 0; i + 1 < static_cast<size_t>(first_level + kNumLevels); ++i) {
    const Disc& disc = m.discs()[i];
    const Vertebra& up = chain[disc.upper];
    const Vertebra& low = chain[disc.lower];
    Item item;
    item.kind = ItemKind::kDisc;
    item.outer = Tissue::kAnnulus;
    item.inner = disc.degenerated ? Tissue::kNucleusDegenerated : Tissue::kNucleus;
    item.soften = 1.5;
    item.xray = false;
    item.lower = {low.frame.ToWorld({0, 0, low.height / 2}), low.frame.rot};
    item.upper = {up.frame.ToWorld({0, 0, -up.height / 2}), up.frame.rot};
    item.lower_a = low.width / 2, item.lower_b = low.depth / 2;
    item.upper_a = up.width / 2, item.upper_b = up.depth / 2;
    for (int k = 0; k < 8; ++k) {
      const Frame& f = (k & 4) ? item.lower : item.upper;
      const double a = (k & 4) ? item.lower_a : item.upper_a,
                   b = (k & 4) ? item.lower_b : item.upper_b;
      item.world_box.Add(f.ToWorld({(k & 1) ? a : -a, (k & 2) ? b : -b, 0}));
    }
    item.world_box.Grow(4.0);
    items.push_back(std::move(item));
  }
  AddSolid(items, Tissue::kCsf, Tube(pts, ex, ey, dw, dd));
  // Cord: ends in the conus just below L1.
  {
    std::vector<Vec3> cp(pts.begin(), pts.begin() + first_level + kL1 + 2);
    std::vector<Vec3> cex(ex.begin(), ex.begin() + first_level + kL1 + 2);
    std::vector<Vec3> cey(ey.begin(), ey.begin() + first_level + kL1 + 2);
    std::vector<double> rw(cord_w.begin(), cord_w.begin() + first_level + kL1 + 2);
    std::vector<double> rd(cord_d.begin(), cord_d.begin() + first_level + kL1 + 2);
    const Vertebra& l1 = lv(kL1);
    cp.push_back(l1.frame.ToWorld(l1.CanalLocal() + Vec3{0, 0.5, -l1.height / 2 - 2}));
    cex.push_back(l1.frame.rot.c0), cey.push_back(l1.frame.rot.c1), rw.push_back(0.3),
        rd.push_back(0.3);
    AddSolid(items, Tissue::kCord, Tube(cp, cex, cey, rw, rd));
  }
  // Cauda equina: roots lying dorsally in the sac from the conus to S2.
  const double offsets[][2] = {{-1.8, 3.0}, {1.8, 3.0}, {-4.2, 2.0},  {4.2, 2.0},
                               {-5.6, 0.2}, {5.6, 0.2}, {-2.8, -0.8}, {2.8, -0.8}};
  for (const auto& off : offsets) {
    std::vector<Vec3> rp, rex, rey;
    std::vector<double> rr;
    const int from = first_level + kL1 + 1, to = first_level + kS1 + 3;  // pts: L1 .. S2
    for (int k = from; k < to && k < static_cast<int>(pts.size()); ++k) {
      const double scale = std::min(1.0, dw[k] / 7.5);
      rp.push_back(pts[k] + ex[k] * (off[0] * scale) + ey[k] * (off[1] * scale));
      rex.push_back(ex[k]), rey.push_back(ey[k]), rr.push_back(scale > 0.3 ? 0.9 : 0.5);
    }
    AddSolid(items, Tissue::kRoot, Tube(rp, rex, rey, rr, rr));
  }
  return scene;
}

}  // namespace dokuei::demo
