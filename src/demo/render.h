// Image synthesis from a Scene: planar slices (MR, CT) and perspective radiographs (X-ray), plus
// the acquisition models (MR coil shading and Rician noise, CT noise, radiograph processing).
// Deterministic: the same inputs give the same pixels (noise comes from a seeded generator).
// Thread safety: pure functions; distinct images may be rendered concurrently.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "geometry.h"
#include "scene.h"

namespace dokuei::demo {

// One planar image in patient coordinates (DICOM Image Plane module semantics).
struct PlaneGeometry {
  Vec3 origin;         // centre of the first transmitted pixel = ImagePositionPatient
  Vec3 row_dir;        // direction of increasing column index (first triplet of IOP)
  Vec3 col_dir;        // direction of increasing row index (second triplet of IOP)
  double spacing = 1;  // square pixels (mm)
  int rows = 256, cols = 256;
  Vec3 Normal() const { return Cross(row_dir, col_dir); }
  Vec3 Pixel(double col, double row) const {
    return origin + row_dir * (col * spacing) + col_dir * (row * spacing);
  }
  // (column, row, signed distance from the plane along Normal()).
  Vec3 Project(const Vec3& p) const {
    const Vec3 d = p - origin;
    return {Dot(d, row_dir) / spacing, Dot(d, col_dir) / spacing, Dot(d, Normal())};
  }
};

// A radiograph: point source, flat detector.
struct ProjectionGeometry {
  Vec3 source;
  Vec3 detector_origin;  // centre of pixel (0,0) on the detector plane
  Vec3 row_dir, col_dir;
  double spacing = 0.75;  // ImagerPixelSpacing
  int rows = 1024, cols = 512;
  // Detector pixel coordinates (column, row) of the perspective image of p.
  std::pair<double, double> Project(const Vec3& p) const;
};

// Tissue values (MR units / HU) for one plane; row-major rows*cols. edge_px widens the
// anti-aliased boundaries (slight blur).
std::vector<float> RenderPlane(const Scene& scene, const PlaneGeometry& plane, Contrast contrast,
                               double edge_px, uint64_t texture_seed);

// MR acquisition: posterior spine-coil sensitivity, Rician noise (sigma in signal units), and
// quantisation to 12 bits.
std::vector<uint16_t> AcquireMr(const Scene& scene, const PlaneGeometry& plane,
                                const std::vector<float>& signal, double sigma, uint64_t seed);
// CT: Gaussian noise (HU) and storage as HU + 1024 in 12 bits.
std::vector<uint16_t> AcquireCt(const std::vector<float>& hu, double sigma, uint64_t seed);

// Line integrals of attenuation (dimensionless) for every detector pixel.
std::vector<float> ProjectXray(const Scene& scene, const ProjectionGeometry& geometry);
// "For presentation" processing: log image (already), unsharp masking, quantum noise, mapping to
// 12 bits with bone bright (MONOCHROME2).
std::vector<uint16_t> ProcessRadiograph(const std::vector<float>& line_integrals, int rows,
                                        int cols, uint64_t seed);

// Deterministic pseudo-random numbers (splitmix64) and approximately normal deviates.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
  double Normal();

 private:
  uint64_t state_;
};

}  // namespace dokuei::demo
