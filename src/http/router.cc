#include "dokuei/http/router.h"

#include <algorithm>

#include "dokuei/base/strings.h"

namespace dokuei::http {
namespace {

// Path segments after the leading '/'; a single trailing '/' is ignored.
std::vector<std::string_view> PathSegments(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return {};
  return base::Split(path, '/');
}

}  // namespace

base::Status RouteTable::Add(Route route) {
  if (route.pattern.empty() || route.pattern.front() != '/') {
    return base::InvalidArgument("route pattern must start with '/': " + route.pattern);
  }
  if (static_cast<bool>(route.handler) == static_cast<bool>(route.stream_handler)) {
    return base::InvalidArgument("route needs exactly one of handler/stream_handler: " +
                                 route.pattern);
  }
  if (route.method.empty()) return base::InvalidArgument("route without method: " + route.pattern);
  std::vector<Segment> segs;
  auto parts = PathSegments(route.pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    Segment s;
    if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
      std::string_view name = p.substr(1, p.size() - 2);
      if (!name.empty() && name.back() == '*') {
        if (i + 1 != parts.size()) {
          return base::InvalidArgument("rest parameter must be last: " + route.pattern);
        }
        s.rest = true;
        name.remove_suffix(1);
      }
      if (name.empty()) return base::InvalidArgument("empty parameter name: " + route.pattern);
      s.param = true;
      s.text = std::string(name);
    } else {
      if (p.empty() || p.find_first_of("{}") != std::string_view::npos) {
        return base::InvalidArgument("malformed route pattern: " + route.pattern);
      }
      s.text = std::string(p);
    }
    segs.push_back(std::move(s));
  }
  for (const auto& r : routes_) {
    if (r.method == route.method && r.pattern == route.pattern) {
      return base::InvalidArgument("duplicate route: " + route.method + " " + route.pattern);
    }
  }
  routes_.push_back(std::move(route));
  compiled_.push_back(std::move(segs));
  return base::Status::Ok();
}

RouteMatch RouteTable::Match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  auto parts = PathSegments(path);
  std::vector<std::string> decoded;
  decoded.reserve(parts.size());
  for (auto p : parts) {
    auto d = PercentDecode(p, false);
    if (!d) return result;  // undecodable: matches nothing
    decoded.push_back(std::move(*d));
  }
  std::vector<int> best_score;
  for (size_t r = 0; r < routes_.size(); ++r) {
    const auto& segs = compiled_[r];
    std::vector<int> score;
    Pairs params;
    bool ok = true;
    size_t i = 0;
    for (; i < segs.size() && ok; ++i) {
      const Segment& s = segs[i];
      if (s.rest) {
        if (i >= decoded.size()) {
          ok = false;
          break;
        }
        std::string rest;
        for (size_t k = i; k < decoded.size(); ++k) {
          if (k > i) rest += '/';
          rest += decoded[k];
        }
        params.emplace_back(s.text, std::move(rest));
        score.push_back(0);
        i = decoded.size();
        break;
      }
      if (i >= decoded.size()) {
        ok = false;
        break;
      }
      if (s.param) {
        if (decoded[i].empty()) ok = false;
        params.emplace_back(s.text, decoded[i]);
        score.push_back(1);
      } else {
        if (decoded[i] != s.text) ok = false;
        score.push_back(2);
      }
    }
    if (!ok) continue;
    bool ends_with_rest = !segs.empty() && segs.back().rest;
    if (!ends_with_rest && segs.size() != decoded.size()) continue;
    const Route& route = routes_[r];
    if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), route.method) ==
        result.allowed_methods.end()) {
      result.allowed_methods.push_back(route.method);
    }
    if (route.method != method) continue;
    if (result.route == nullptr || score > best_score) {
      result.route = &route;
      result.params = std::move(params);
      best_score = std::move(score);
    }
  }
  return result;
}

}  // namespace dokuei::http
