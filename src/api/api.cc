// RegisterRoutes alone in this file: it names every route group, so linking it needs all of them
// (auth_routes.cc, admin_routes.cc, audit_routes.cc); RequestEvent lives in request_event.cc so
// that a binary or test using one group links without the others.
#include "dokuei/api/api.h"

namespace dokuei::api {

base::Status RegisterRoutes(http::RouteTable& routes, Services& services) {
  DOKUEI_RETURN_IF_ERROR(RegisterAuthRoutes(routes, services));
  DOKUEI_RETURN_IF_ERROR(RegisterAdminRoutes(routes, services));
  DOKUEI_RETURN_IF_ERROR(RegisterAuditRoutes(routes, services));
  return base::Status::Ok();
}

}  // namespace dokuei::api
