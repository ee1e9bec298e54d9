// Private: what every DICOMweb handler shares.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/executor.h"
#include "dokuei/dicom/attribute.h"
#include "dokuei/dicomweb/dicomweb.h"
#include "dokuei/http/message.h"
#include "dokuei/index/records.h"

namespace dokuei::dicomweb {

struct Context {
  Context(Services s, Options o) : services(s), options(std::move(o)) {}
  Services services;
  Options options;
  // Validates and stores STOW-RS parts while the following parts arrive (never waits on the
  // server's executor, so it cannot deadlock with it).
  std::unique_ptr<base::ThreadPool> finisher;
};

index::TenantId TenantOf(const http::Request& req);

// "<scheme>://<host><root>", or the configured base URL. The Host header is used only when it is
// a plain host[:port] (it ends up inside JSON and URLs).
std::string BaseUrl(const http::Request& req, const Options& options);

// Writes the request's audit record (actor from the principal; study UIDs, object count, SOP
// class and patients of `locations`, or of `query_matches`) when an audit hook is configured.
// kUnavailable when it cannot be written: the caller must then fail the request.
// `tenant` is the tenant that holds the data (the caller's, or the one a StudyAccess granted).
base::Status AuditAccess(Context& ctx, const http::Request& req, std::string action,
                         const std::vector<index::InstanceLocation>& locations,
                         index::TenantId tenant);
base::Status AuditQuery(Context& ctx, const http::Request& req,
                        const std::vector<dicom::AttributeList>& matches);

// A path UID: InvalidArgument naming `field` unless it is a syntactically valid UID.
base::Status CheckUid(std::string_view uid, const char* field);

// The same body for "does not exist" and "belongs to another tenant".
base::Status Normalize(const base::Status& st);

http::Response JsonResponse(std::string body, std::string content_type);
// Adds `Warning: 299 <host> "<text>"` (RFC 7234 5.5).
void AddWarning(const http::Request& req, std::string_view text, http::Response& res);

}  // namespace dokuei::dicomweb

namespace dokuei::dicomweb {

// A read (GET) route under the DICOMweb root.
http::Route ReadRoute(const Context& ctx, std::string suffix, http::Handler handler,
                      std::string summary_ja, std::string summary_en,
                      std::vector<std::string> produces);

// Registration of each resource group (one file each).
base::Status RegisterStow(http::RouteTable& routes, const std::shared_ptr<Context>& ctx);
base::Status RegisterQido(http::RouteTable& routes, const std::shared_ptr<Context>& ctx);
base::Status RegisterWado(http::RouteTable& routes, const std::shared_ptr<Context>& ctx);
base::Status RegisterFrames(http::RouteTable& routes, const std::shared_ptr<Context>& ctx);
base::Status RegisterRendered(http::RouteTable& routes, const std::shared_ptr<Context>& ctx);
base::Status RegisterWadoUri(http::RouteTable& routes, const std::shared_ptr<Context>& ctx);

}  // namespace dokuei::dicomweb
