// Private: what the authentication route files (auth_routes.cc, me_routes.cc, token_routes.cc)
// share: the session cookie, the signed-in user's JSON, and recording an audit event outside an
// identity transaction (Append; the request fails when it cannot be written).
#pragma once

#include <string>

#include "common.h"
#include "dokuei/api/api.h"
#include "dokuei/audit/audited_database.h"

namespace dokuei::api::auth_internal {

inline constexpr identity::Message kUserOnly = {
    "this route is for a signed-in person (session), not for API tokens",
    "この操作はログインした利用者のみ行えます (API トークンでは使えません)"};

base::Status RegisterMeRoutes(http::RouteTable& routes, Services& services);
base::Status RegisterTokenRoutes(http::RouteTable& routes, Services& services);

// Adds a route with tag "Authentication" and localized errors.
base::Status AddAuthRoute(http::RouteTable& routes, std::string method, std::string pattern,
                          std::string permission, std::string summary_ja, std::string summary_en,
                          http::Handler handler, bool authenticate = true);

// Set-Cookie values: a new session, and the deletion of the cookie.
std::string SessionCookie(const Options& options, std::string_view session_id);
std::string ClearedCookie(const Options& options);

// {"id","login","display_name","tenant":{"id","code","kind"},"roles":[...],
//  "must_change_password"}
Json PrincipalUserJson(const identity::Principal& p);
// [{"permission":"users.read","scope":"any"}, ...]
Json GrantsJson(const identity::Principal& p);

// Options of the audit::AuditedDatabase under an authentication route's identity operation: the
// record goes with the first write transaction that succeeds (and, with `required_statement`,
// ran it: an operation that writes something else on failure, such as a failed-attempt counter,
// then gets no success record); later writes pass through. When adb.appended() is false
// afterwards the route records the operation itself (Record).
audit::AuditedDatabase::Options AuditOptions(std::string required_statement = {});

// Appends `event`; kUnavailable (localized) when the audit log cannot take it.
base::Status Record(Services& services, audit::Event event, std::string_view lang);

// kPermissionDenied unless the request was made by a person (user id set: sessions only).
base::Status RequireUser(const http::Request& request);

}  // namespace dokuei::api::auth_internal
