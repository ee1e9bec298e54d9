#include "dokuei/api/api.h"

namespace dokuei::api {

base::Status RegisterRoutes(http::RouteTable& routes, Services& services) {
  DOKUEI_RETURN_IF_ERROR(RegisterAuthRoutes(routes, services));
  DOKUEI_RETURN_IF_ERROR(RegisterAdminRoutes(routes, services));
  DOKUEI_RETURN_IF_ERROR(RegisterAuditRoutes(routes, services));
  if (services.workflow != nullptr)
    DOKUEI_RETURN_IF_ERROR(RegisterWorkflowRoutes(routes, services));
  if (services.workflow != nullptr && services.reports != nullptr)
    DOKUEI_RETURN_IF_ERROR(RegisterReportRoutes(routes, services));
  if (services.workflow != nullptr && services.retrieve != nullptr)
    DOKUEI_RETURN_IF_ERROR(RegisterMeasureRoutes(routes, services));
  if (services.workflow != nullptr && services.delivery != nullptr)
    DOKUEI_RETURN_IF_ERROR(RegisterDeliveryRoutes(routes, services));
  return base::Status::Ok();
}

}  // namespace dokuei::api
