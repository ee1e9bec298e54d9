// The renderable scene built from a SpineModel: an ordered list of items (painter's order), each
// a union of simple signed-distance primitives in its own frame, plus the analytic body outline.
// Tissue properties per contrast (MR T1/T2/STIR, CT HU, X-ray attenuation) live here too.
// Thread safety: immutable after BuildScene(); evaluation functions are pure.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "anatomy.h"
#include "geometry.h"

namespace dokuei::demo {

enum class Tissue : uint8_t {
  kAir,
  kFat,
  kSoft,  // abdominal / pelvic contents, mediastinum
  kMuscle,
  kCortex,
  kMarrow,
  kAnnulus,
  kNucleus,
  kNucleusDegenerated,
  kCsf,
  kCord,
  kRoot,
  kLung,
  kVessel,
  kKidney,
  kEpiduralFat,
  kCount
};

enum class Contrast : uint8_t { kT1, kT2, kStir, kCt, kXray };
// MR signal (arbitrary units), CT HU, or linear attenuation (1/mm) of a tissue.
double TissueValue(Tissue t, Contrast c);

enum class PartKind : uint8_t { kCapsule, kEllipticCapsule, kRoundBox, kEllipsoid, kBody };

// One primitive in its item's local frame.
struct Part {
  PartKind kind = PartKind::kCapsule;
  Vec3 a, b;                                  // capsule end points; centre (a) for the others
  Vec3 ex, ey;                                // elliptic capsule cross-section axes (unit)
  double rx0 = 0, ry0 = 0, rx1 = 0, ry1 = 0;  // capsule radii at a and b (rx only if circular)
  Vec3 half;          // round box half extents, ellipsoid radii, body (w/2, d/2, h/2)
  double round = 0;   // round box / body edge radius
  double shell = -1;  // cortex thickness of this part in a shell item (-1: the item's)
  Mat3 rot;           // part-to-item rotation (box, ellipsoid)
  Aabb box;           // local bounds
};

enum class ItemKind : uint8_t { kSolid, kShell, kDisc };

struct Item {
  ItemKind kind = ItemKind::kSolid;
  Tissue outer = Tissue::kSoft,
         inner = Tissue::kSoft;  // shell: cortex/marrow; disc: annulus/nucleus
  double shell = 1.2;            // cortex thickness
  double soften = 0;             // extra edge blur (mm), e.g. the diffuse nucleus boundary
  Frame frame;
  std::vector<Part> parts;
  Aabb world_box;
  // Discs: endplate frames of the vertebra below (origin at its superior endplate centre) and
  // above (origin at its inferior endplate centre), and their half widths/depths.
  Frame lower, upper;
  double lower_a = 0, lower_b = 0, upper_a = 0, upper_b = 0;
  bool xray = true;  // contributes to radiographs (bones and air only)
};

struct Scene {
  const SpineModel* model = nullptr;
  std::vector<Item> items;  // painter's order
  std::vector<Item> lungs;  // ellipsoids, handled analytically in projections
};

Scene BuildScene(const SpineModel& model);

// Signed distances (mm, negative inside) of an item's outer and inner boundary at world point p.
// For solids inner == outer.
struct Distances {
  double outer, inner;
};
Distances Evaluate(const Item& item, const Vec3& p);
// Same for a solid or shell item with q in the item's local frame, using only the listed parts
// (those that can matter near q: callers pre-select by bounds).
Distances EvaluateLocal(const Item& item, const Vec3& q, const uint16_t* parts, size_t n);
// Distance from q to a box (0 inside).
double BoxDistance(const Aabb& b, const Vec3& q);

// The body layers at p: signed distance to the skin (negative inside) using BodyAt(p.z).
double BodyDistance(const BodySection& s, double x, double y);

// Smooth viscera texture in [-1, 1] (deterministic, ~30 mm features).
double ViscusTexture(const Vec3& p, uint64_t seed);

}  // namespace dokuei::demo
