// Private helpers shared by the api module's route files: JSON bodies in and out, problem
// statuses in the caller's language, cookies, and conversions between identity's and http's
// Principal.
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "dokuei/base/status.h"
#include "dokuei/http/message.h"
#include "dokuei/http/router.h"
#include "dokuei/identity/messages.h"
#include "dokuei/identity/records.h"

namespace dokuei::api::auth_internal {

using Json = nlohmann::json;

// Messages of the api module itself (identity's come from identity::AllMessages()).
inline constexpr identity::Message kBadJson = {"the request body must be a JSON object",
                                               "リクエスト本文は JSON オブジェクトにしてください"};
inline constexpr identity::Message kJsonOnly = {
    "send the body as JSON (Content-Type: application/json)",
    "本文は JSON で送ってください (Content-Type: application/json)"};
inline constexpr identity::Message kMissingField = {"a required field is missing or empty",
                                                    "必須の項目がないか空です"};
inline constexpr identity::Message kWrongType = {"a field has the wrong type",
                                                 "項目の型が正しくありません"};
inline constexpr identity::Message kTenantNotFound = {"no such tenant",
                                                      "指定された施設は見つかりません"};
inline constexpr identity::Message kTokenNotFound = {"no such API token",
                                                     "指定された API トークンは見つかりません"};
inline constexpr identity::Message kAuditUnavailable = {
    "the audit trail could not be written; nothing was changed, try again later",
    "監査ログを書き込めなかったため処理を中止しました。しばらくしてから再度お試しください"};
inline constexpr identity::Message kChallengeExpired = {
    "the sign-in step has expired or is unknown; sign in again",
    "ログイン手続きの有効期限が切れたか、無効です。もう一度ログインしてください"};
inline constexpr identity::Message kWrongCode = {
    "the code is not correct (or was already used)",
    "確認コードが正しくないか、すでに使用されています"};
inline constexpr identity::Message kAddressThrottled = {
    "too many failed sign-ins from this network; try again later",
    "このネットワークからのログイン失敗が多すぎます。しばらくしてから再度お試しください"};
inline constexpr identity::Message kExpiryDays = {
    "expires_in_days must be a whole number of days from 1 to 397",
    "expires_in_days は 1 から 397 までの日数で指定してください"};

// A Status whose message is `m` in `lang`.
base::Status Error(base::Code code, const identity::Message& m, std::string_view lang,
                   std::string field = {});
// The status with its message translated to `lang` when it is one of identity's (or ours).
base::Status Localized(const base::Status& status, std::string_view lang);
// Wraps a handler so that every error it returns is localized for the request's language.
http::Handler Localizing(http::Handler handler);

// The request body as a JSON object (kInvalidArgument otherwise). The Content-Type must be
// application/json (kUnsupported otherwise): an HTML form cannot send that cross-site without a
// CORS preflight, so a forged sign-in (login CSRF) cannot reach the routes that need no cookie.
base::Result<Json> ParseBody(const http::Request& request);
// A string member; `required` makes a missing or empty one an error naming the field.
base::Result<std::string> StringField(const Json& body, const char* name, bool required,
                                      std::string_view lang);

http::Response JsonResponse(int status, const Json& body);

// The value of cookie `name` in a Cookie header ("a=1; dokuei_session=xyz"), or "".
std::string CookieValue(std::string_view cookie_header, std::string_view name);

http::Principal ToHttpPrincipal(const identity::Principal& p);
// The grants of an http Principal in identity's form (for Tokens::Create's creator check).
// Permissions that are not in identity's table (e.g. a static token's "*") grant nothing.
identity::Principal ToIdentityPrincipal(const http::Principal& p);

std::string Iso(base::Timestamp t);
Json OptionalIso(const std::optional<base::Timestamp>& t);

}  // namespace dokuei::api::auth_internal
