// RouteTable: the declarative list of every HTTP route the server answers. Each route names its
// method, path pattern ("/dicom-web/studies/{study}/series/{series}", a final "{name*}" matches the
// rest of the path), handler, required permission, whether it needs authentication (default yes),
// its request body limit and a one-line summary in Japanese and English. The table drives the
// router and the OpenAPI document; nothing is served that is not in the table.
// Thread safety: build the table before the server starts; afterwards it is read-only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/http/message.h"

namespace dokuei::http {

// Runs on the Executor; an error Status becomes an RFC 7807 problem response.
using Handler = std::function<base::Result<Response>(Request&)>;
// For streaming request bodies: called after authentication, before any body byte is read (so it
// can refuse a wrong Content-Type cheaply). The consumer then receives the body.
using StreamHandler = std::function<base::Result<std::unique_ptr<BodyConsumer>>(Request&)>;

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/dicom-web/studies/{study}"
  Handler handler;                // exactly one of handler / stream_handler
  StreamHandler stream_handler;
  std::string permission;         // e.g. "dicomweb.read"; empty: any authenticated principal
  bool authenticate = true;       // false only for public routes (health, version)
  uint64_t body_limit = 0;        // 0: the server's default body limit
  std::string summary_ja;
  std::string summary_en;
  std::string tag;                // OpenAPI grouping, e.g. "DICOMweb"
  std::vector<std::string> produces;  // media types for the OpenAPI document
};

struct RouteMatch {
  const Route* route = nullptr;  // null: no route for this method
  Pairs params;
  std::vector<std::string> allowed_methods;  // methods whose pattern matches the path (for 405)
};

class RouteTable {
 public:
  // InvalidArgument for a malformed pattern or a duplicate (method, pattern).
  base::Status Add(Route route);
  // Among routes matching the path, literal segments win over parameters, left to right.
  RouteMatch Match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    std::string text;
    bool param = false;
    bool rest = false;
  };
  std::vector<Route> routes_;
  std::vector<std::vector<Segment>> compiled_;
};

struct OpenApiInfo {
  std::string title = "Dokuei API";
  std::string version = "0.1.0";
  std::string lang = "en";  // language of summaries ("ja" or "en"); the other goes to x-summary-*
};
// OpenAPI 3.0 document (JSON) of the table: paths, parameters, bearer security on authenticated
// routes, problem responses from base::AllErrors().
std::string OpenApiDocument(const RouteTable& table, const OpenApiInfo& info);

}  // namespace dokuei::http
