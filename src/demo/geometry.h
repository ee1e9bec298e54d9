// Small 3-D vector/matrix helpers for the phantom (private to the demo module).
// Coordinates are DICOM patient coordinates (LPS): +x patient left, +y posterior, +z head.
#pragma once

#include <algorithm>
#include <cmath>

namespace dokuei::demo {

inline constexpr double kPi = 3.14159265358979323846;
inline double Deg(double rad) { return rad * 180.0 / kPi; }
inline double Rad(double deg) { return deg * kPi / 180.0; }

struct Vec3 {
  double x = 0, y = 0, z = 0;
  Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(const Vec3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(double s) const { return {x * s, y * s, z * s}; }
  Vec3 operator-() const { return {-x, -y, -z}; }
  Vec3& operator+=(const Vec3& o) {
    x += o.x, y += o.y, z += o.z;
    return *this;
  }
};
inline double Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline double Norm(const Vec3& a) { return std::sqrt(Dot(a, a)); }
inline Vec3 Normalize(const Vec3& a) { return a * (1.0 / Norm(a)); }
inline Vec3 Lerp(const Vec3& a, const Vec3& b, double t) { return a + (b - a) * t; }

// Rotation matrix; columns are the images of the local x, y, z axes.
struct Mat3 {
  Vec3 c0{1, 0, 0}, c1{0, 1, 0}, c2{0, 0, 1};
  Vec3 operator*(const Vec3& v) const { return c0 * v.x + c1 * v.y + c2 * v.z; }
  Mat3 operator*(const Mat3& o) const { return {(*this) * o.c0, (*this) * o.c1, (*this) * o.c2}; }
  // Transpose applied to v (inverse for a rotation).
  Vec3 TMul(const Vec3& v) const { return {Dot(c0, v), Dot(c1, v), Dot(c2, v)}; }
};

// Rotation about +x by a (right-handed): local +z tilts toward -y (anterior) for a > 0.
inline Mat3 RotX(double a) {
  const double c = std::cos(a), s = std::sin(a);
  return {{1, 0, 0}, {0, c, s}, {0, -s, c}};
}
// Rotation about +y by a: local +x tilts toward -z for a > 0.
inline Mat3 RotY(double a) {
  const double c = std::cos(a), s = std::sin(a);
  return {{c, 0, -s}, {0, 1, 0}, {s, 0, c}};
}
// Rotation about +z by a.
inline Mat3 RotZ(double a) {
  const double c = std::cos(a), s = std::sin(a);
  return {{c, s, 0}, {-s, c, 0}, {0, 0, 1}};
}

// A rigid frame: world = origin + rot * local.
struct Frame {
  Vec3 origin;
  Mat3 rot;
  Vec3 ToWorld(const Vec3& local) const { return origin + rot * local; }
  Vec3 ToLocal(const Vec3& world) const { return rot.TMul(world - origin); }
};

struct Aabb {
  Vec3 lo{1e30, 1e30, 1e30}, hi{-1e30, -1e30, -1e30};
  void Add(const Vec3& p) {
    lo = {std::min(lo.x, p.x), std::min(lo.y, p.y), std::min(lo.z, p.z)};
    hi = {std::max(hi.x, p.x), std::max(hi.y, p.y), std::max(hi.z, p.z)};
  }
  void Grow(double m) {
    lo = lo - Vec3{m, m, m};
    hi = hi + Vec3{m, m, m};
  }
  bool empty() const { return lo.x > hi.x; }
};

inline double Clamp(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }
inline double Smooth01(double t) {
  t = Clamp(t, 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

}  // namespace dokuei::demo
