// OpenAPI 3.0 document generated from the route table and the error table.
#include <map>
#include <nlohmann/json.hpp>

#include "dokuei/base/error_table.h"
#include "dokuei/base/strings.h"
#include "dokuei/http/problem.h"
#include "dokuei/http/router.h"

namespace dokuei::http {

std::string OpenApiDocument(const RouteTable& table, const OpenApiInfo& info) {
  using nlohmann::json;
  json doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = {{"title", info.title}, {"version", info.version}};
  json paths = json::object();
  json problem_responses = json::object();
  for (const auto& e : base::AllErrors()) {
    if (e.http_status < 400) continue;
    std::string key = std::to_string(e.http_status);
    if (problem_responses.contains(key)) continue;
    problem_responses[key] = {
        {"description", info.lang == "ja" ? std::string(e.title_ja) : std::string(e.title_en)},
        {"content",
         {{std::string(kProblemContentType), {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
  }

  for (const Route& r : table.routes()) {
    // "{name*}" (rest of the path) is written as a plain "{name}" parameter.
    std::string path;
    json params = json::array();
    for (std::string_view seg : base::Split(std::string_view(r.pattern).substr(1), '/')) {
      path += '/';
      if (seg.size() >= 2 && seg.front() == '{') {
        std::string name(seg.substr(1, seg.size() - 2));
        if (!name.empty() && name.back() == '*') name.pop_back();
        path += "{" + name + "}";
        params.push_back({{"name", name},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", "string"}}}});
      } else {
        path += seg;
      }
    }
    json op;
    op["summary"] = info.lang == "ja" ? r.summary_ja : r.summary_en;
    op["x-summary-ja"] = r.summary_ja;
    op["x-summary-en"] = r.summary_en;
    op["operationId"] = base::ToLowerAscii(r.method) + path;
    if (!r.tag.empty()) op["tags"] = json::array({r.tag});
    if (!params.empty()) op["parameters"] = params;
    if (!r.permission.empty()) op["x-permission"] = r.permission;
    if (r.authenticate) {
      op["security"] = json::array({{{"bearerAuth", json::array()}}});
    } else {
      op["security"] = json::array();
    }
    if (r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
      op["x-body-limit"] = r.body_limit;
    }
    json responses = json::object();
    json ok = {{"description", "OK"}};
    if (!r.produces.empty()) {
      json content = json::object();
      for (const auto& mt : r.produces) content[mt] = json::object();
      ok["content"] = content;
    }
    responses["200"] = ok;
    for (auto& [code, resp] : problem_responses.items()) {
      if (!r.authenticate && (code == "401" || code == "403")) continue;
      responses[code] = resp;
    }
    op["responses"] = responses;
    paths[path][base::ToLowerAscii(r.method)] = op;
  }
  doc["paths"] = paths;
  json types = json::array();
  for (const auto& e : base::AllErrors()) types.push_back(std::string(e.name));
  doc["components"]["schemas"]["Problem"] = {
      {"type", "object"},
      {"required", json::array({"type", "title", "status"})},
      {"properties",
       {{"type", {{"type", "string"}, {"format", "uri"}}},
        {"title", {{"type", "string"}}},
        {"status", {{"type", "integer"}}},
        {"detail", {{"type", "string"}}},
        {"field", {{"type", "string"}}}}},
      {"x-problem-types", types}};
  doc["components"]["securitySchemes"]["bearerAuth"] = {{"type", "http"}, {"scheme", "bearer"}};
  return doc.dump(2);
}

}  // namespace dokuei::http
