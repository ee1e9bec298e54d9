#include "dokuei/identity/tokens.h"

#include <algorithm>

#include "dokuei/base/digest.h"
#include "dokuei/base/strings.h"
#include "msg.h"
#include "util.h"

namespace dokuei::identity {

using base::Status;
using db::Conn;
using db::Row;
using db::TxKind;
using db::Value;
using internal::I;
using internal::Us;

namespace {

constexpr std::string_view kPrefix = "dok_";
constexpr size_t kSecretChars = 43;  // 256 bits, base64url

bool LooksLikeToken(std::string_view s) {
  if (s.size() != kPrefix.size() + kSecretChars || !base::StartsWith(s, kPrefix)) return false;
  return std::all_of(s.begin() + kPrefix.size(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::string EncodeGrants(const std::vector<PermissionGrant>& grants) {
  std::string out;
  for (const auto& g : grants) {
    if (!out.empty()) out += ',';
    out += FormatPermissionGrant(g);
  }
  return out;
}

std::vector<PermissionGrant> DecodeGrants(std::string_view text) {
  std::vector<PermissionGrant> out;
  if (text.empty()) return out;
  for (std::string_view part : base::Split(text, ',')) {
    auto g = ParsePermissionGrant(part);
    if (g.ok()) out.push_back(*g);  // a permission removed from the table is dropped
  }
  return out;
}

constexpr char kTokenColumns[] =
    "id, tenant_id, name, permissions, created_at_us, expires_at_us, revoked_at_us,"
    " last_used_at_us, created_by, prefix";

ApiToken DecodeToken(const Row& r) {
  ApiToken t;
  t.id = r.Int(0);
  t.tenant_id = r.Int(1);
  t.name = std::string(r.Str(2));
  t.permissions = DecodeGrants(r.Str(3));
  t.created_at = internal::FromUs(r.Int(4));
  t.expires_at = internal::FromUs(r.Int(5));
  if (r.Int(6) != 0) t.revoked_at = internal::FromUs(r.Int(6));
  if (r.Int(7) != 0) t.last_used_at = internal::FromUs(r.Int(7));
  t.created_by = r.Int(8);
  t.prefix = std::string(r.Str(9));
  return t;
}

// What some role of a tenant of this kind holds (the ceiling for tokens made on the command
// line, which has no creator).
std::optional<PermissionGrant> KindCeiling(TenantKind kind, std::string_view permission) {
  std::optional<PermissionGrant> best;
  for (Role r : AllRoles()) {
    const auto g = FindGrant(PermissionsOf(r, kind), permission);
    if (g && (!best || g->scope == Scope::kAnyTenant)) best = g;
  }
  return best;
}

}  // namespace

base::Result<PermissionGrant> ParsePermissionGrant(std::string_view text) {
  text = base::Trim(text);
  std::string_view name = text, scope;
  if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
    name = text.substr(0, colon);
    scope = text.substr(colon + 1);
  }
  const auto canonical = CanonicalPermission(name);
  if (!canonical || (scope != "" && scope != "own" && scope != "any"))
    return msg::Invalid(msg::kUnknownPermission, "permissions");
  return PermissionGrant{*canonical, scope == "any" ? Scope::kAnyTenant : Scope::kOwnTenant};
}

std::string FormatPermissionGrant(const PermissionGrant& g) {
  std::string out(g.permission);
  if (g.scope == Scope::kAnyTenant) out += ":any";
  return out;
}

base::Result<NewToken> Tokens::Create(const TokenRequest& req, const Principal* creator) {
  DOKUEI_RETURN_IF_ERROR(internal::CheckText(req.name, 100, true, msg::kTokenName, "name"));
  if (req.permissions.empty()) return msg::Invalid(msg::kTokenNoPermissions, "permissions");
  const base::Timestamp now = clock_.Now();
  if (req.expires_at <= now || req.expires_at > now + base::Duration(options_.token_max_lifetime))
    return msg::Invalid(msg::kTokenExpiry, "expires_at");
  // Canonical, de-duplicated (widest scope) grants.
  std::vector<PermissionGrant> grants;
  for (const PermissionGrant& g : req.permissions) {
    const auto canonical = CanonicalPermission(g.permission);
    const auto info = std::find_if(AllPermissionInfos().begin(), AllPermissionInfos().end(),
                                   [&](const PermissionInfo& i) { return i.name == g.permission; });
    if (!canonical || info == AllPermissionInfos().end() || !info->token_grantable)
      return msg::Invalid(msg::kUnknownPermission, "permissions");
    auto it = std::find_if(grants.begin(), grants.end(),
                           [&](const PermissionGrant& o) { return o.permission == *canonical; });
    if (it == grants.end()) {
      grants.push_back({*canonical, g.scope});
    } else if (g.scope == Scope::kAnyTenant) {
      it->scope = Scope::kAnyTenant;
    }
  }
  std::sort(grants.begin(), grants.end(),
            [](const auto& a, const auto& b) { return a.permission < b.permission; });

  NewToken out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(const Tenant tenant, internal::LoadTenant(c, req.tenant_id));
    if (creator && !creator->Allows("tokens.manage", tenant.id))
      return msg::Status(base::Code::kPermissionDenied, msg::kTokenNotAllowed, "tenant");
    for (const PermissionGrant& g : grants) {
      std::optional<PermissionGrant> held;
      bool reaches = false;
      if (creator) {
        held = FindGrant(creator->grants, g.permission);
        reaches = held && (held->scope == Scope::kAnyTenant || creator->tenant_id == tenant.id);
        if (g.scope == Scope::kAnyTenant)
          reaches = reaches && held->scope == Scope::kAnyTenant && creator->tenant_id == tenant.id;
      } else {
        held = KindCeiling(tenant.kind, g.permission);
        reaches = held && (g.scope == Scope::kOwnTenant || held->scope == Scope::kAnyTenant);
      }
      if (!reaches)
        return msg::Status(base::Code::kPermissionDenied, msg::kTokenExceedsCreator, "permissions");
    }
    out.secret = std::string(kPrefix) + internal::RandomToken(32);
    ApiToken& t = out.token;
    t = ApiToken();
    t.tenant_id = tenant.id;
    t.name = req.name;
    t.permissions = grants;
    t.created_at = now;
    t.expires_at = req.expires_at;
    t.created_by = creator ? creator->user_id : 0;
    t.prefix = out.secret.substr(0, 10);
    const Value p[] = {I(t.tenant_id), base::Sha256Hex(out.secret), t.prefix,
                       t.name,         EncodeGrants(grants),        I(t.created_by),
                       I(Us(now)),     I(Us(t.expires_at))};
    bool inserted = false;
    return internal::QueryRow(
        c,
        "INSERT INTO api_tokens (tenant_id, token_hash, prefix, name, permissions, created_by,"
        " created_at_us, expires_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        p, [&](const Row& r) { t.id = r.Int(0); }, &inserted);
  }));
  return out;
}

base::Result<Principal> Tokens::Verify(std::string_view secret) {
  const auto invalid = msg::Status(base::Code::kUnauthenticated, msg::kTokenInvalid);
  if (!LooksLikeToken(secret)) return invalid;
  const base::Timestamp now = clock_.Now();
  const std::string hash = base::Sha256Hex(secret);
  ApiToken t;
  Tenant tenant;
  bool found = false;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    const Value p[] = {hash};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c, std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE token_hash = ?", p,
        [&](const Row& r) { t = DecodeToken(r); }, &found));
    if (found) {
      DOKUEI_ASSIGN_OR_RETURN(tenant, internal::LoadTenant(c, t.tenant_id));
    }
    return Status::Ok();
  }));
  if (!found || t.revoked_at || t.expires_at <= now || tenant.disabled) return invalid;
  const int64_t last = t.last_used_at ? Us(*t.last_used_at) : 0;
  if (Us(now) - last >= base::Duration(options_.session_touch_interval).count()) {
    DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) {
      const Value p[] = {I(Us(now)), I(t.id)};
      return c.Exec("UPDATE api_tokens SET last_used_at_us = ? WHERE id = ?", p);
    }));
  }
  Principal p;
  p.tenant_id = tenant.id;
  p.tenant_kind = tenant.kind;
  p.tenant_code = tenant.code;
  p.token_id = t.id;
  p.subject = "token:" + t.name;
  p.display_name = t.name;
  p.grants = t.permissions;
  return p;
}

Status Tokens::Revoke(int64_t tenant_id, int64_t token_id) {
  return db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    bool found = false;
    const Value p[] = {I(Us(clock_.Now())), I(token_id), I(tenant_id)};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "UPDATE api_tokens SET revoked_at_us = CASE WHEN revoked_at_us = 0 THEN ?"
        " ELSE revoked_at_us END WHERE id = ? AND tenant_id = ? RETURNING id",
        p, [](const Row&) {}, &found));
    if (!found) return msg::Status(base::Code::kNotFound, msg::kTokenNotFound);
    return Status::Ok();
  });
}

base::Result<std::vector<ApiToken>> Tokens::List(int64_t tenant_id) {
  std::vector<ApiToken> out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    const Value p[] = {I(tenant_id)};
    return c.Query(
        std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE tenant_id = ? ORDER BY id",
        p, [&](const Row& r) {
          out.push_back(DecodeToken(r));
          return Status::Ok();
        });
  }));
  return out;
}

base::Result<ApiToken> Tokens::Get(int64_t tenant_id, int64_t token_id) {
  ApiToken out;
  bool found = false;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    const Value p[] = {I(token_id), I(tenant_id)};
    return internal::QueryRow(
        c,
        std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE id = ? AND tenant_id = ?",
        p, [&](const Row& r) { out = DecodeToken(r); }, &found);
  }));
  if (!found) return msg::Status(base::Code::kNotFound, msg::kTokenNotFound);
  return out;
}

}  // namespace dokuei::identity
