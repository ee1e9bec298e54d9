// Shared by the administration and audit route files (private to the api module): JSON bodies,
// localized problem responses, reading fields with errors that name them, which tenants a
// request reaches, and the options of the audit::AuditedDatabase that appends a change's audit
// record inside the change's own write transaction.
// Thread safety: functions are pure.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/api/api.h"
#include "dokuei/audit/audit.h"
#include "dokuei/audit/audited_database.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/http/message.h"
#include "dokuei/http/router.h"
#include "dokuei/identity/identity.h"

namespace dokuei::api::internal {

using nlohmann::json;

// A user-facing message of the API (the status carries `en`; Localize gives `ja`).
struct ApiMessage {
  std::string_view en;
  std::string_view ja;
};

inline constexpr ApiMessage kBadJson = {"the request body must be a JSON object",
                                        "リクエスト本文は JSON オブジェクトでなければなりません"};
inline constexpr ApiMessage kBadType = {"this field has the wrong type",
                                        "この項目の型が正しくありません"};
inline constexpr ApiMessage kUnknownField = {"this field is not known here",
                                             "この項目は指定できません"};
inline constexpr ApiMessage kRequired = {"this field is required", "この項目は必須です"};
inline constexpr ApiMessage kImmutable = {"this field cannot be changed",
                                          "この項目は変更できません"};
inline constexpr ApiMessage kBadQuery = {"this query parameter is not valid",
                                         "このクエリパラメーターは正しくありません"};
inline constexpr ApiMessage kTenantNotFound = {"no such tenant", "施設が見つかりません"};
inline constexpr ApiMessage kUserNotFound = {"no such user", "利用者が見つかりません"};
inline constexpr ApiMessage kAeNotFound = {"no such AE title", "AE タイトルが見つかりません"};
inline constexpr ApiMessage kContactNotFound = {"no such contact", "連絡先が見つかりません"};
inline constexpr ApiMessage kReaderNotFound = {"no such reader profile",
                                               "読影医のプロフィールが見つかりません"};
inline constexpr ApiMessage kPhotoNotFound = {"no photo", "写真がありません"};
inline constexpr ApiMessage kAuditFailed = {
    "the audit record could not be written, so nothing was changed",
    "監査記録を書き込めなかったため、変更は行われませんでした"};

base::Status Invalid(const ApiMessage& m, std::string field);
base::Status NotFound(const ApiMessage& m);
// The failure of a request whose audit record could not be written (503 when transient).
base::Status AuditFailed(const base::Status& cause);

// The message of `status` in `lang`: the API's own table, then identity's, else the message.
std::string Localize(const base::Status& status, std::string_view lang);

http::Response JsonResponse(int status, const json& body);
// An RFC 7807 problem whose detail is in the request's language.
http::Response Problem(const base::Status& status, std::string_view lang);

// Wraps a handler so that every error becomes a localized problem response.
http::Handler Localized(http::Handler handler);

// Request bodies of the JSON routes are small; a photo is at most IdentityOptions::max_photo_bytes
// (checked by identity), so its route refuses anything far larger before reading it.
inline constexpr uint64_t kJsonBodyLimit = 64 * 1024;
inline constexpr uint64_t kPhotoBodyLimit = 1024 * 1024;

struct RouteSpec {
  const char* method;
  const char* pattern;
  const char* permission;
  const char* summary_ja;
  const char* summary_en;
  http::Handler handler;
  uint64_t body_limit = kJsonBodyLimit;
  std::vector<std::string> produces = {"application/json"};  // for the OpenAPI document
};
base::Status AddRoutes(http::RouteTable& routes, const char* tag, std::vector<RouteSpec> specs);

// The body as a JSON object (400 "body" otherwise); `allowed` lists the accepted members (any
// other member is a 400 naming it).
base::Result<json> ParseObject(const http::Request& request,
                               std::span<const std::string_view> allowed);
inline base::Result<json> ParseObject(const http::Request& request,
                                      std::initializer_list<std::string_view> allowed) {
  return ParseObject(request, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}
// Optional members with their type checked (400 naming the field on a wrong type).
base::Status GetString(const json& body, const char* field, std::optional<std::string>* out);
base::Status GetBool(const json& body, const char* field, std::optional<bool>* out);
base::Status GetInt(const json& body, const char* field, int64_t min, int64_t max,
                    std::optional<int64_t>* out);
base::Status GetStringList(const json& body, const char* field,
                           std::optional<std::vector<std::string>>* out);
base::Result<std::vector<identity::Role>> ParseRoles(const json& roles);

// The route groups of RegisterAdminRoutes, one file each.
base::Status RegisterTenantUserRoutes(http::RouteTable& routes, Services& s);  // admin_routes.cc
base::Status RegisterNetworkRoutes(http::RouteTable& routes, Services& s);     // network_routes.cc
base::Status RegisterReaderRoutes(http::RouteTable& routes, Services& s);      // reader_routes.cc

// A numeric path id; anything else is `not_found` (an id that cannot exist).
base::Result<int64_t> PathId(const http::Request& request, std::string_view name,
                             const ApiMessage& not_found);

// The tenant named by `{tenant}` (its code) if the request's principal reaches it with
// `permission`; otherwise NotFound, exactly as for a code that does not exist.
base::Result<identity::Tenant> PathTenant(Services& s, const http::Request& request,
                                          std::string_view permission);
// The tenants whose objects the principal may name with `permission`: its own first, then every
// other tenant when the grant reaches every tenant.
base::Result<std::vector<int64_t>> ReachableTenants(Services& s, const http::Request& request,
                                                    std::string_view permission);

// JSON forms of identity's records (never a secret).
json TenantJson(const identity::Tenant& t);
json UserJson(const identity::User& u);
json AeJson(const identity::AeTitle& a);
json ContactJson(const identity::Contact& c);
json ProfileJson(const identity::ReaderProfile& p);
std::string RoleList(const std::vector<identity::Role>& roles);

// An audit::AuditedDatabase for one change of a route: its record commits with the change
// (audit/audited_database.h), a second write through it is refused, and a record that cannot be
// written fails the request with kAuditFailed (503 when transient). `finish` may complete the
// event inside the transaction (e.g. the id of the row just inserted: db::LastInsertId).
audit::AuditedDatabase::Options ChangeOptions(audit::AuditedDatabase::Finish finish = {});

}  // namespace dokuei::api::internal
