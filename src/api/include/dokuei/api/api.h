// The JSON API under /api: authentication (login, second factor, sessions, logout, API tokens),
// administration (tenants, users and roles, AE titles, contacts, reader profiles), the audit
// trail (search, export) and the reading workflow (requests, contracts, rosters, billing). Every
// route is in the one http::RouteTable, names its permission, and writes its audit record before it
// answers (docs/design/identity-and-audit.md).
//
//   api::Services s{identity, audit, clock, options};
//   api::RegisterRoutes(routes, s);                     // every /api route
//   auto auth = api::MakeAuthenticator(s, static_tokens);  // session cookie or bearer token
//
// Thread safety: handlers run concurrently; Services must outlive the server.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dokuei/audit/audit.h"
#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/http/auth.h"
#include "dokuei/http/message.h"
#include "dokuei/http/router.h"
#include "dokuei/identity/identity.h"

namespace dokuei::workflow {
class Workflow;
}
namespace dokuei::report {
class ReportService;
class HospitalWebhooks;
}
namespace dokuei::archive {
class QueryService;
class RetrieveService;
}
namespace dokuei::delivery {
class Delivery;
}

namespace dokuei::publish {
class Publisher;
}
namespace dokuei::api {

struct Options {
  // Cookies get the Secure attribute (the server is behind TLS, or TLS-terminated in front).
  bool secure_cookies = true;
  std::string cookie_name = "dokuei_session";
  std::string audit_source_id = "dokuei";  // AuditSourceID of exported DICOM audit messages
};

struct Services {
  identity::Identity& identity;
  audit::AuditLog& audit;
  base::Clock& clock;
  Options options;
  // The reading workflow (requests, contracts, rosters, billing); without it the workflow
  // routes are not registered. Its audit hook must append with audit.AppendIn.
  workflow::Workflow* workflow = nullptr;
  // Reports over the workflow's requests; without it (or without the workflow) the report
  // routes are not registered. Its audit hook must append with audit.AppendIn.
  report::ReportService* reports = nullptr;
  // The archive, for measurements and key images on a request's study (measure_routes.cc);
  // without `retrieve` (or the workflow) those routes answer 503. `query` finds the patient of
  // the render's audit record.
  archive::RetrieveService* retrieve = nullptr;
  archive::QueryService* query = nullptr;
  // Renders signed versions (PDF, document JSON); without it those routes answer 503.
  publish::Publisher* publisher = nullptr;
  // Report delivery (destinations, the outbound queue); without it (or without the workflow)
  // the delivery routes are not registered. On the same database as `audit`.
  delivery::Delivery* delivery = nullptr;
  // Hospitals' critical-result webhooks (PUT /api/tenants/{tenant}/webhook); without it those
  // routes answer 503.
  report::HospitalWebhooks* webhooks = nullptr;
};

// Session cookie (identity sessions), identity API tokens (dok_...), then the configured static
// tokens (tenant + "*"). Records "token.use" and refusals in the audit log.
std::unique_ptr<http::Authenticator> MakeAuthenticator(
    Services& services, std::vector<http::StaticToken> static_tokens);

// Each group, and all of them.
base::Status RegisterAuthRoutes(http::RouteTable& routes, Services& services);   // auth_routes.cc
base::Status RegisterAdminRoutes(http::RouteTable& routes, Services& services);  // admin_routes.cc
base::Status RegisterAuditRoutes(http::RouteTable& routes, Services& services);  // audit_routes.cc
// Reading requests, contracts, rosters, escalations, reader loads, billing (workflow_*.cc).
base::Status RegisterWorkflowRoutes(http::RouteTable& routes, Services& services);
// Reports, reviews, checks, critical results, follow-ups, reader statistics (report_routes.cc).
base::Status RegisterReportRoutes(http::RouteTable& routes, Services& services);
// Measurements and key images of a request's study (measure_routes.cc).
base::Status RegisterMeasureRoutes(http::RouteTable& routes, Services& services);
// Delivery destinations and the delivery status of requests (delivery_routes.cc).
base::Status RegisterDeliveryRoutes(http::RouteTable& routes, Services& services);
base::Status RegisterRoutes(http::RouteTable& routes, Services& services);

// The audit event for a request: actor, actor tenant/user/roles, source address and protocol
// from the request's principal; the caller fills action, outcome, tenant and objects.
audit::Event RequestEvent(const http::Request& request, std::string action);

}  // namespace dokuei::api
