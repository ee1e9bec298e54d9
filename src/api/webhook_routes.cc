// A hospital's critical-result webhook (tag "Reports"), kept by the reading centre's
// administrators (tenants.manage):
//
//   GET    /api/tenants/{tenant}/webhook   {"url", "updated_at", "updated_by"} (never the secret)
//   PUT    /api/tenants/{tenant}/webhook   {"url", "secret"}: https (http only to loopback),
//                                          secret 16..256 characters, sealed at rest
//   DELETE /api/tenants/{tenant}/webhook
//
// Only hospitals have one (the reading centre's code is a 400 naming "tenant": the caller sees
// every tenant anyway). A hospital without a webhook answers GET with {"url": null,
// "secret_set": false}; DELETE is idempotent (204 either way). Changes are audited by the library
// ("tenant.webhook_set", "tenant.webhook_remove") in their own transaction.
#include "dokuei/report/webhooks.h"
#include "report_util.h"

namespace dokuei::api::internal {

namespace {

inline constexpr ApiMessage kNotAHospital = {"only hospitals have a critical-result webhook",
                                             "緊急所見の Webhook は病院にのみ設定できます"};
inline constexpr ApiMessage kNoWebhooks = {
    "critical-result webhooks are not available on this server",
    "このサーバーでは緊急所見の Webhook を設定できません"};

inline constexpr ApiMessage kBadUrl = {
    "the webhook URL must be https://host[:port]/path (plain http only to this machine)",
    "Webhook の URL は https://ホスト[:ポート]/パス の形式にしてください (http "
    "はこのサーバー自身宛てのみ)"};
inline constexpr ApiMessage kBadSecret = {"the secret must have 16 to 256 characters",
                                          "シークレットは 16 文字以上 256 文字以下にしてください"};

base::Result<report::HospitalWebhooks*> WebhooksOf(Services& s) {
  if (s.webhooks == nullptr)
    return base::Status(base::Code::kUnavailable, std::string(kNoWebhooks.en));
  return s.webhooks;
}

base::Result<identity::Tenant> Hospital(Services& s, const http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "tenants.manage"));
  if (t.kind != identity::TenantKind::kHospital) return Invalid(kNotAHospital, "tenant");
  return t;
}

json SettingJson(const identity::Tenant& t, const report::WebhookSetting& w) {
  return {{"tenant", t.code},
          {"url", w.url},
          {"secret_set", true},
          {"updated_at", base::FormatIso8601(w.updated_at)},
          {"updated_by", w.updated_by}};
}

base::Result<http::Response> GetWebhook(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(auto* hooks, WebhooksOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const auto t, Hospital(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const auto w, hooks->Get(t.id));
  if (!w) return JsonResponse(200, {{"tenant", t.code}, {"url", nullptr}, {"secret_set", false}});
  return JsonResponse(200, SettingJson(t, *w));
}

base::Result<http::Response> PutWebhook(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(auto* hooks, WebhooksOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const auto t, Hospital(s, req));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, {"url", "secret"}));
  std::optional<std::string> url, secret;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "url", &url));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "secret", &secret));
  if (!url) return Invalid(kRequired, "url");
  if (!secret) return Invalid(kRequired, "secret");
  if (!report::ValidateWebhookUrl(*url).ok()) return Invalid(kBadUrl, "url");
  if (secret->size() < 16 || secret->size() > 256) return Invalid(kBadSecret, "secret");
  DOKUEI_ASSIGN_OR_RETURN(const auto w, hooks->Put(ActorOf(req), t.id, *url, *secret));
  return JsonResponse(200, SettingJson(t, w));
}

base::Result<http::Response> DeleteWebhook(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(auto* hooks, WebhooksOf(s));
  DOKUEI_ASSIGN_OR_RETURN(const auto t, Hospital(s, req));
  auto st = hooks->Remove(ActorOf(req), t.id);
  if (st.code() != base::Code::kNotFound) DOKUEI_RETURN_IF_ERROR(st);  // none: already so
  http::Response r;
  r.status = 204;
  return r;
}

}  // namespace

base::Status RegisterWebhookRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return WorkflowLocalized([&s, fn](http::Request& req) { return fn(s, req); });
  };
  return AddRoutes(
      routes, "Reports",
      {
          {"GET", "/api/tenants/{tenant}/webhook", "tenants.manage",
           "病院の緊急所見 Webhook の設定 (シークレットは返しません)",
           "A hospital's critical-result webhook (never the secret)", h(GetWebhook)},
          {"PUT", "/api/tenants/{tenant}/webhook", "tenants.manage",
           "病院の緊急所見 Webhook を設定 (https 必須、シークレットは 16 文字以上)",
           "Set a hospital's critical-result webhook (https, secret of 16+ characters)",
           h(PutWebhook)},
          {"DELETE", "/api/tenants/{tenant}/webhook", "tenants.manage",
           "病院の緊急所見 Webhook を削除", "Remove a hospital's critical-result webhook",
           h(DeleteWebhook)},
      });
}

}  // namespace dokuei::api::internal
