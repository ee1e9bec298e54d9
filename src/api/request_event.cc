// RequestEvent lives apart from RegisterRoutes so that the route groups (and their tests) link
// without every group being present.
#include "dokuei/api/api.h"

namespace dokuei::api {

audit::Event RequestEvent(const http::Request& request, std::string action) {
  audit::Event e;
  e.action = std::move(action);
  const http::Principal& p = request.principal;
  e.actor = p.subject;
  e.actor_user_id = p.user_id;
  e.actor_tenant_id = p.tenant_id;
  for (const auto& r : p.roles) {
    if (!e.actor_roles.empty()) e.actor_roles += ',';
    e.actor_roles += r;
  }
  std::string_view addr = request.remote_address;
  // "127.0.0.1:5342" / "[::1]:5342" -> the address alone
  if (!addr.empty() && addr.front() == '[') {
    addr = addr.substr(1, addr.find(']') == std::string_view::npos ? addr.size() - 1
                                                                     : addr.find(']') - 1);
  } else if (auto colon = addr.rfind(':');
             colon != std::string_view::npos && addr.find(':') == colon) {
    addr = addr.substr(0, colon);
  }
  e.source_address = std::string(addr);
  e.protocol = "http";
  return e;
}

}  // namespace dokuei::api
