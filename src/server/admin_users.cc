// dokuei admin, part 1: the first administrator, users, two-factor enrolment and API tokens
// (admin_cli.h). Each change is made on an audit::AuditedDatabase with the API's action name
// (tenant.create, user.create, role.change, user.disable, user.enable, totp.reset,
// password.reset, user.unlock, totp.enrol.begin, totp.enrol, token.create, token.revoke), so it
// commits with its audit record or not at all. Records never hold a password, a token or a TOTP
// secret.
#include <algorithm>
#include <string>
#include <vector>

#include "admin_cli.h"
#include "commands.h"
#include "dokuei/base/clock.h"
#include "dokuei/base/strings.h"
#include "dokuei/db/db.h"

namespace dokuei::server::admin {
namespace {

std::string UserDetail(const identity::User& u) {
  return "user " + std::to_string(u.id) + " (" + u.login + ")";
}

std::vector<identity::Role> Sorted(std::vector<identity::Role> roles) {
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  return roles;
}

identity::TwoFactor TwoFactorOn(Cli& cli, db::Database& db) {
  return identity::TwoFactor(db, cli.id().clock(), cli.id().key(), cli.id().options());
}

// Creates a user, recorded as user.create with its id, login and roles (never the password).
base::Result<identity::User> CreateUser(Cli& cli, const identity::NewUser& nu) {
  audit::AuditedDatabase adb(
      cli.id().database(), cli.log(), cli.Event("user.create", nu.tenant_id, ""),
      cli.ChangeOptions([login = nu.login, roles = Sorted(nu.roles)](
                            db::Conn& c, audit::Event& e) -> base::Status {
        // The users row is the only insert with a generated id in Create.
        DOKUEI_ASSIGN_OR_RETURN(const int64_t id, db::LastInsertId(c));
        auto norm = identity::NormalizeLogin(login);
        e.object_detail = "user " + std::to_string(id) + " (" + (norm.ok() ? *norm : login) + ")";
        e.message = "roles: " + RolesText(roles);
        return base::Status::Ok();
      }));
  return AccountsOn(cli.id(), adb).Create(nu);
}

json UserJson(const identity::User& u, const std::string& tenant_code) {
  return {{"id", u.id},
          {"tenant", tenant_code},
          {"login", u.login},
          {"display_name", u.display_name},
          {"email", u.email},
          {"roles", RolesText(u.roles)},
          {"two_factor_enrolled", u.two_factor_enrolled},
          {"two_factor_required", u.two_factor_required},
          {"must_change_password", u.must_change_password},
          {"disabled", u.disabled},
          {"locked", u.locked_until.has_value()}};
}

json TokenJson(const identity::ApiToken& t, const std::string& tenant_code) {
  std::string perms;
  for (const auto& g : t.permissions)
    perms += (perms.empty() ? "" : ",") + identity::FormatPermissionGrant(g);
  json j = {{"id", t.id},
            {"tenant", tenant_code},
            {"name", t.name},
            {"prefix", t.prefix},
            {"permissions", perms},
            {"created_at", Iso(t.created_at)},
            {"expires_at", Iso(t.expires_at)},
            {"revoked", t.revoked_at.has_value()}};
  if (t.last_used_at) j["last_used_at"] = Iso(*t.last_used_at);
  return j;
}

base::Status CreateAdmin(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const std::string login, cli.Need("--login"));
  DOKUEI_ASSIGN_OR_RETURN(const std::string name, cli.Need("--name"));
  auto centre = cli.id().tenants().ReadingCentre();
  bool created_centre = false;
  if (!centre.ok()) {
    if (centre.status().code() != base::Code::kNotFound) return centre.status();
    identity::TenantSpec spec;
    spec.code = cli.args().Get("--centre-code", "reading-centre");
    spec.name = cli.args().Get("--centre-name", "読影センター");
    spec.name_en = "Reading centre";
    spec.kind = identity::TenantKind::kReadingCentre;
    audit::AuditedDatabase adb(cli.id().database(), cli.log(), cli.Event("tenant.create", 0, ""),
                               cli.ChangeOptions(TenantCreated(spec)));
    centre = identity::TenantDirectory(adb, cli.id().clock()).Create(spec);
    if (!centre.ok()) return centre.status();
    created_centre = true;
  }
  const auto [password, one_time] = cli.Password();
  identity::NewUser nu;
  nu.tenant_id = centre->id;
  nu.login = login;
  nu.display_name = name;
  nu.email = cli.args().Get("--email");
  nu.roles = {identity::Role::kAdministrator};
  nu.password = password;
  nu.must_change_password = one_time;
  DOKUEI_ASSIGN_OR_RETURN(const identity::User u, CreateUser(cli, nu));
  json j = {{"tenant", TenantJson(*centre)},
            {"created_tenant", created_centre},
            {"user", UserJson(u, centre->code)}};
  std::string text = std::string(cli.T("読影センター: ", "Reading centre: ")) + centre->code +
                     (created_centre ? cli.T(" (作成しました)", " (created)") : "") + "\n" +
                     cli.T("管理者: ", "Administrator: ") + u.login + "\n";
  if (one_time) {
    j["one_time_password"] = password;
    text += std::string(cli.T("一回限りのパスワード (初回ログインで変更): ",
                              "One-time password (to be changed at first login): ")) +
            password + "\n";
  }
  text += cli.T("二要素認証は初回ログイン時、または `dokuei admin enroll-2fa --login ",
                "Two-factor enrolment happens at first login, or with `dokuei admin enroll-2fa "
                "--login ");
  text += u.login + "`" + cli.T(" で登録します。\n", ".\n");
  cli.Print(j, text);
  return base::Status::Ok();
}

base::Status Enrol(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::User u, cli.UserOpt());
  audit::Event begin = cli.Event("totp.enrol.begin", u.tenant_id, UserDetail(u));
  begin.message = "new TOTP secret issued (not active until confirmed)";
  audit::AuditedDatabase begun(cli.id().database(), cli.log(), std::move(begin),
                               cli.ChangeOptions());
  DOKUEI_ASSIGN_OR_RETURN(const identity::TotpEnrolment e, TwoFactorOn(cli, begun).Begin(u.id));
  cli.Print(
      {{"otpauth_uri", e.otpauth_uri}, {"secret", e.secret_base32}},
      std::string(cli.T("認証アプリに登録してください:\n", "Add this to an authenticator app:\n")) +
          "  " + e.otpauth_uri + "\n  " + cli.T("秘密鍵: ", "secret: ") + e.secret_base32 + "\n" +
          cli.T("表示された 6 桁のコードを入力: ", "Enter the 6-digit code: "));
  const std::string code = ReadLine();
  audit::Event confirm = cli.Event("totp.enrol", u.tenant_id, UserDetail(u));
  confirm.message = "second factor enrolled; recovery codes issued";
  audit::AuditedDatabase confirmed(cli.id().database(), cli.log(), std::move(confirm),
                                   cli.ChangeOptions());
  DOKUEI_ASSIGN_OR_RETURN(const std::vector<std::string> codes,
                          TwoFactorOn(cli, confirmed).Confirm(u.id, code));
  std::string text =
      std::string(cli.T("\n登録しました。回復コード (各 1 回限り、安全に保管):\n",
                        "\nEnrolled. Recovery codes (single use, keep them safe):\n"));
  for (const auto& c : codes) text += "  " + c + "\n";
  cli.Print({{"enrolled", true}, {"recovery_codes", codes}}, text);
  return base::Status::Ok();
}

base::Status UserCreate(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, cli.TenantOpt());
  identity::NewUser nu;
  nu.tenant_id = t.id;
  DOKUEI_ASSIGN_OR_RETURN(nu.login, cli.Need("--login"));
  DOKUEI_ASSIGN_OR_RETURN(nu.display_name, cli.Need("--name"));
  nu.email = cli.args().Get("--email");
  DOKUEI_ASSIGN_OR_RETURN(nu.roles, cli.RolesOpt());
  const auto [password, one_time] = cli.Password();
  nu.password = password;
  nu.must_change_password = one_time;
  DOKUEI_ASSIGN_OR_RETURN(const identity::User u, CreateUser(cli, nu));
  json j = UserJson(u, t.code);
  std::string text = std::string(cli.T("利用者を作成しました: ", "User created: ")) + u.login +
                     " (" + RolesText(u.roles) + ")\n";
  if (one_time) {
    j["one_time_password"] = password;
    text += std::string(cli.T("一回限りのパスワード: ", "One-time password: ")) + password + "\n";
  }
  cli.Print(j, text);
  return base::Status::Ok();
}

base::Status UserList(Cli& cli) {
  std::vector<identity::Tenant> tenants;
  if (cli.args().Has("--tenant")) {
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, cli.TenantOpt());
    tenants.push_back(t);
  } else {
    DOKUEI_ASSIGN_OR_RETURN(tenants, cli.id().tenants().List());
  }
  json arr = json::array();
  std::string text;
  for (const auto& t : tenants) {
    DOKUEI_ASSIGN_OR_RETURN(const auto users, cli.id().accounts().List(t.id));
    for (const auto& u : users) {
      arr.push_back(UserJson(u, t.code));
      text += u.login + "\t" + t.code + "\t" + RolesText(u.roles) + "\t" + u.display_name +
              (u.two_factor_enrolled ? "\t2fa" : "") + (u.disabled ? "\tdisabled" : "") +
              (u.locked_until ? "\tlocked" : "") + "\n";
    }
  }
  cli.Print({{"users", arr}}, text);
  return base::Status::Ok();
}

base::Status UserChange(Cli& cli) {
  const std::string sub = cli.args().words.size() > 1 ? cli.args().words[1] : "";
  DOKUEI_ASSIGN_OR_RETURN(const identity::User u, cli.UserOpt());
  json j = {{"login", u.login}};
  std::string text;
  if (sub == "set-roles") {
    DOKUEI_ASSIGN_OR_RETURN(auto roles, cli.RolesOpt());
    audit::Event e = cli.Event("role.change", u.tenant_id, UserDetail(u));
    e.message = "roles: " + RolesText(u.roles) + " -> " + RolesText(Sorted(roles));
    audit::AuditedDatabase adb(cli.id().database(), cli.log(), std::move(e), cli.ChangeOptions());
    DOKUEI_ASSIGN_OR_RETURN(const identity::User out,
                            AccountsOn(cli.id(), adb).SetRoles(u.tenant_id, u.id, roles));
    j["roles"] = RolesText(out.roles);
    text = std::string(cli.T("役割: ", "Roles: ")) + RolesText(out.roles) + "\n";
  } else if (sub == "disable" || sub == "enable") {
    audit::AuditedDatabase adb(
        cli.id().database(), cli.log(),
        cli.Event(sub == "disable" ? "user.disable" : "user.enable", u.tenant_id, UserDetail(u)),
        cli.ChangeOptions());
    DOKUEI_RETURN_IF_ERROR(
        AccountsOn(cli.id(), adb).SetDisabled(u.tenant_id, u.id, sub == "disable"));
    j["disabled"] = sub == "disable";
    text = sub == "disable" ? cli.T("無効にしました\n", "Disabled\n")
                            : cli.T("有効にしました\n", "Enabled\n");
  } else if (sub == "reset-2fa") {
    audit::AuditedDatabase adb(cli.id().database(), cli.log(),
                               cli.Event("totp.reset", u.tenant_id, UserDetail(u)),
                               cli.ChangeOptions());
    DOKUEI_RETURN_IF_ERROR(TwoFactorOn(cli, adb).Reset(u.tenant_id, u.id));
    j["two_factor_enrolled"] = false;
    text = cli.T("二要素認証を解除しました (次回ログインで再登録)\n",
                 "Two-factor authentication reset (enrol again at next login)\n");
  } else if (sub == "reset-password") {
    const auto [password, one_time] = cli.Password();
    audit::Event e = cli.Event("password.reset", u.tenant_id, UserDetail(u));
    e.message = one_time ? "one-time password issued" : "password set by an administrator";
    audit::AuditedDatabase adb(cli.id().database(), cli.log(), std::move(e), cli.ChangeOptions());
    DOKUEI_RETURN_IF_ERROR(
        AccountsOn(cli.id(), adb).ResetPassword(u.tenant_id, u.id, password, one_time));
    if (one_time) {
      j["one_time_password"] = password;
      text = std::string(cli.T("一回限りのパスワード: ", "One-time password: ")) + password + "\n";
    } else {
      text = cli.T("パスワードを設定しました\n", "Password set\n");
    }
  } else if (sub == "unlock") {
    audit::AuditedDatabase adb(cli.id().database(), cli.log(),
                               cli.Event("user.unlock", u.tenant_id, UserDetail(u)),
                               cli.ChangeOptions());
    DOKUEI_RETURN_IF_ERROR(AccountsOn(cli.id(), adb).Unlock(u.tenant_id, u.id));
    j["locked"] = false;
    text = cli.T("ロックを解除しました\n", "Unlocked\n");
  } else {
    return base::InvalidArgument("unknown user command '" + sub + "' (see --help)");
  }
  cli.Print(j, text);
  return base::Status::Ok();
}

base::Status TokenCreate(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, cli.TenantOpt());
  identity::TokenRequest req;
  req.tenant_id = t.id;
  DOKUEI_ASSIGN_OR_RETURN(req.name, cli.Need("--name"));
  DOKUEI_ASSIGN_OR_RETURN(const std::string perms, cli.Need("--permissions"));
  for (std::string_view p : base::Split(perms, ',')) {
    DOKUEI_ASSIGN_OR_RETURN(const identity::PermissionGrant g, identity::ParsePermissionGrant(p));
    req.permissions.push_back(g);
  }
  auto days = base::ParseUint(cli.args().Get("--expires-days", "90"));
  if (!days || *days == 0 || *days > 397)
    return base::InvalidArgument("--expires-days: 1..397", "expires_at");
  req.expires_at = base::SystemClock().Now() + std::chrono::hours(24 * static_cast<int64_t>(*days));
  audit::Event e = cli.Event("token.create", t.id, "token:" + req.name);
  e.message = "permissions:";
  for (const auto& g : req.permissions) e.message += " " + identity::FormatPermissionGrant(g);
  e.message += "; expires in " + std::to_string(*days) + " days";
  audit::AuditedDatabase adb(cli.id().database(), cli.log(), std::move(e), cli.ChangeOptions());
  identity::Tokens tokens(adb, cli.id().clock(), cli.id().options());
  DOKUEI_ASSIGN_OR_RETURN(const identity::NewToken nt, tokens.Create(req, nullptr));
  json j = TokenJson(nt.token, t.code);
  j["token"] = nt.secret;
  cli.Print(j, std::string(cli.T("API トークン (一度だけ表示されます):\n",
                                 "API token (shown only once):\n")) +
                   "  " + nt.secret + "\n" + cli.T("ID: ", "id: ") + std::to_string(nt.token.id) +
                   "  " + cli.T("有効期限: ", "expires: ") + Iso(nt.token.expires_at) + "\n");
  return base::Status::Ok();
}

base::Status TokenList(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, cli.TenantOpt());
  DOKUEI_ASSIGN_OR_RETURN(const auto tokens, cli.id().tokens().List(t.id));
  json arr = json::array();
  std::string text;
  for (const auto& tk : tokens) {
    const json j = TokenJson(tk, t.code);
    arr.push_back(j);
    text += std::to_string(tk.id) + "\t" + tk.name + "\t" + tk.prefix + "…\t" +
            j["permissions"].get<std::string>() + "\t" + Iso(tk.expires_at) +
            (tk.revoked_at ? "\trevoked" : "") + "\n";
  }
  cli.Print({{"tokens", arr}}, text);
  return base::Status::Ok();
}

base::Status TokenRevoke(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, cli.TenantOpt());
  DOKUEI_ASSIGN_OR_RETURN(const std::string id_text, cli.Need("--id"));
  auto id = base::ParseInt(id_text);
  if (!id) return base::InvalidArgument("--id: a token id", "id");
  audit::AuditedDatabase adb(cli.id().database(), cli.log(),
                             cli.Event("token.revoke", t.id, "token id " + std::to_string(*id)),
                             cli.ChangeOptions());
  identity::Tokens tokens(adb, cli.id().clock(), cli.id().options());
  DOKUEI_RETURN_IF_ERROR(tokens.Revoke(t.id, *id));
  cli.Print({{"revoked", *id}}, std::string(cli.T("失効しました: ", "Revoked: ")) + id_text + "\n");
  return base::Status::Ok();
}
const Command kCommands[] = {
    {"create-admin", "", &CreateAdmin}, {"enroll-2fa", "", &Enrol},
    {"user", "create", &UserCreate},    {"user", "list", &UserList},
    {"user", nullptr, &UserChange},     {"token", "create", &TokenCreate},
    {"token", "list", &TokenList},      {"token", "revoke", &TokenRevoke},
};

}  // namespace

std::span<const Command> UserCommands() { return kCommands; }

}  // namespace dokuei::server::admin
