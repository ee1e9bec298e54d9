// dokuei admin: sets up a fresh installation without the web UI — the reading centre and its
// first administrator, hospitals, AE titles, contacts, users and API tokens — on the same
// database `dokuei serve` uses (same configuration: --config, --data-dir, --index, --postgres...).
// Secrets (one-time passwords, API tokens, TOTP secrets, recovery codes) are printed once and
// never stored in clear. --json prints one JSON object per result for scripts.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "config.h"
#include "dokuei/base/error_table.h"
#include "dokuei/base/strings.h"
#include "dokuei/identity/identity.h"
#include "dokuei/identity/messages.h"
#include "storage.h"

namespace dokuei::server {
namespace {

using nlohmann::json;

// Options of the admin commands; everything else goes to LoadConfig (the serve options).
const std::set<std::string> kValueOptions = {"--login",
                                             "--name",
                                             "--email",
                                             "--code",
                                             "--name-en",
                                             "--kind",
                                             "--tenant",
                                             "--ae",
                                             "--host",
                                             "--port",
                                             "--max-associations",
                                             "--allow",
                                             "--cert-sha256",
                                             "--roles",
                                             "--permissions",
                                             "--expires-days",
                                             "--id",
                                             "--role",
                                             "--phone",
                                             "--centre-code",
                                             "--centre-name",
                                             "--staff-2fa",
                                             "--client-cert",
                                             "--disabled"};
const std::set<std::string> kFlagOptions = {"--json", "--password-stdin", "--check-host",
                                            "--no-critical-results"};

struct Args {
  std::vector<std::string> words;  // "tenant", "create"
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
  std::vector<std::string> config_args;
  bool help = false;

  bool Has(const std::string& k) const { return values.count(k) || flags.count(k); }
  std::string Get(const std::string& k, const std::string& def = "") const {
    auto it = values.find(k);
    return it == values.end() ? def : it->second;
  }
};

base::Result<Args> ParseArgs(const std::vector<std::string>& raw) {
  Args a;
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string arg = raw[i];
    if (arg == "--help" || arg == "-h" || arg == "help") {
      a.help = true;
      continue;
    }
    if (!base::StartsWith(arg, "--")) {
      if (a.words.size() >= 2) return base::InvalidArgument("unexpected argument '" + arg + "'");
      a.words.push_back(arg);
      continue;
    }
    std::string value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos && base::StartsWith(arg, "--")) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    if (kFlagOptions.count(arg)) {
      a.flags.insert(arg);
    } else if (kValueOptions.count(arg)) {
      if (!has_value) {
        if (i + 1 >= raw.size()) return base::InvalidArgument(arg + " needs a value", arg);
        value = raw[++i];
      }
      a.values[arg] = value;
    } else {
      // A serve option (and its value, if it takes one: LoadConfig decides).
      a.config_args.push_back(raw[i]);
      if (!has_value && i + 1 < raw.size() && !base::StartsWith(raw[i + 1], "--") &&
          arg != "--demo") {
        a.config_args.push_back(raw[++i]);
      }
    }
  }
  return a;
}

std::string AdminHelp(const std::string& lang) {
  const bool en = lang == "en";
  std::string out =
      en ? "Usage: dokuei admin <command> [options] [serve options: --config, --data-dir, --index, "
           "--postgres, ...]\n\n"
           "Sets up tenants, people, AE titles and API tokens on the server's database.\n"
           "Secrets are printed once. --json prints machine-readable output.\n\n"
           "Commands:\n"
         : "使い方: dokuei admin <コマンド> [オプション] [serve のオプション: --config, "
           "--data-dir, "
           "--index, --postgres など]\n\n"
           "サーバーのデータベースに施設・利用者・AE タイトル・API トークンを登録します。\n"
           "秘密情報は一度だけ表示されます。--json で機械可読な出力になります。\n\n"
           "コマンド:\n";
  struct Line {
    const char *usage, *ja, *en;
  };
  static const Line kLines[] = {
      {"create-admin --login L --name N [--email E] [--password-stdin]\n"
       "               [--centre-code C] [--centre-name N]",
       "読影センター (なければ作成) と最初の管理者を作成。パスワードは一度だけ表示 "
       "(初回ログインで変更)",
       "create the reading centre (if missing) and its first administrator; prints a one-time\n"
       "      password (changed at first login) unless --password-stdin"},
      {"enroll-2fa --login L",
       "二要素認証を登録: otpauth URI を表示し、標準入力から確認コードを読み、回復コードを表示",
       "enrol two-factor authentication: prints the otpauth URI, reads a code from stdin,\n"
       "      prints the recovery codes"},
      {"tenant create --code C --name N [--name-en E] [--kind hospital|reading-centre]\n"
       "               [--staff-2fa true|false] [--client-cert true|false]",
       "施設 (病院・診療所、読影センター) を作成", "create a tenant (hospital, reading centre)"},
      {"tenant set --code C [--name N] [--name-en E] [--staff-2fa B] [--client-cert B] "
       "[--disabled B]",
       "施設の名前・方針を変更", "change a tenant's names and policies"},
      {"tenant list", "施設の一覧", "list tenants"},
      {"ae add --tenant C --ae AE [--host H] [--port P] [--check-host] [--max-associations N]\n"
       "               [--allow store,find,get,move,commitment] [--cert-sha256 HEX]",
       "DICOM AE タイトルを施設に割り当て", "map a DICOM AE title to a tenant"},
      {"ae list [--tenant C]", "AE タイトルの一覧", "list AE titles"},
      {"ae remove --ae AE", "AE タイトルを削除", "remove an AE title"},
      {"user create --tenant C --login L --name N --roles R1,R2 [--email E] [--password-stdin]",
       "利用者を作成 (役割: hospital_staff, reader, checker, coordinator, administrator, auditor)",
       "create a user (roles: hospital_staff, reader, checker, coordinator, administrator,\n"
       "      auditor)"},
      {"user list [--tenant C]", "利用者の一覧", "list users"},
      {"user set-roles --login L --roles R1,R2", "役割を設定", "set a user's roles"},
      {"user disable|enable --login L", "利用者を無効化・有効化 (無効化でセッション終了)",
       "disable (ends sessions) or enable a user"},
      {"user reset-2fa --login L", "二要素認証を再登録させる (セッション終了)",
       "reset two-factor enrolment (ends sessions)"},
      {"user reset-password --login L [--password-stdin]",
       "パスワードを再設定 (一度だけ表示、次回ログインで変更)",
       "reset the password (one-time password shown once, changed at next login)"},
      {"user unlock --login L", "ロックアウトを解除", "lift a lockout"},
      {"token create --tenant C --name N --permissions P1,P2[:any] [--expires-days 90]",
       "API トークンを発行 (一度だけ表示)", "create an API token (shown once)"},
      {"token list --tenant C", "API トークンの一覧", "list API tokens"},
      {"token revoke --tenant C --id N", "API トークンを失効", "revoke an API token"},
      {"contact add --tenant C --name N [--role R] [--phone P] [--email E] "
       "[--no-critical-results]",
       "連絡先を追加", "add a contact person"},
      {"contact list --tenant C", "連絡先の一覧", "list contact people"},
  };
  for (const Line& l : kLines)
    out += std::string("  ") + l.usage + "\n      " + (en ? l.en : l.ja) + "\n";
  out +=
      en ? "\nPermissions for tokens: see docs/design/permissions.md. The identity key (TOTP\n"
           "secrets at rest) is read from DOKUEI_IDENTITY_KEY_FILE, else <data_dir>/identity.key\n"
           "(created with mode 0600).\n"
         : "\nトークンの権限は docs/design/permissions.md を参照。識別鍵 (TOTP 秘密の暗号化) は\n"
           "DOKUEI_IDENTITY_KEY_FILE、なければ <data_dir>/identity.key (0600 で作成) "
           "から読みます。\n";
  return out;
}

base::Result<bool> ParseBool(const std::string& v, const std::string& field) {
  const std::string l = base::ToLowerAscii(v);
  if (l == "true" || l == "yes" || l == "on" || l == "1") return true;
  if (l == "false" || l == "no" || l == "off" || l == "0") return false;
  return base::InvalidArgument(field + ": expected true or false", field);
}

std::string ReadLine() {
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

std::string Iso(base::Timestamp t) { return base::FormatIso8601(t); }

std::string RolesText(const std::vector<identity::Role>& roles) {
  std::string out;
  for (auto r : roles) out += (out.empty() ? "" : ",") + std::string(identity::RoleName(r));
  return out;
}

json TenantJson(const identity::Tenant& t) {
  return {{"id", t.id},
          {"code", t.code},
          {"name", t.name},
          {"name_en", t.name_en},
          {"kind", identity::TenantKindName(t.kind)},
          {"staff_two_factor_required", t.staff_two_factor_required},
          {"dicom_client_certificate_required", t.dicom_client_certificate_required},
          {"disabled", t.disabled}};
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

json AeJson(const identity::AeTitle& a, const std::string& tenant_code) {
  std::string allow;
  auto add = [&](bool on, const char* n) {
    if (on) allow += (allow.empty() ? "" : ",") + std::string(n);
  };
  add(a.allow_store, "store");
  add(a.allow_find, "find");
  add(a.allow_get, "get");
  add(a.allow_move, "move");
  add(a.allow_commitment, "commitment");
  return {{"id", a.id},
          {"tenant", tenant_code},
          {"ae_title", a.ae_title},
          {"host", a.host},
          {"port", a.port},
          {"check_host", a.check_host},
          {"allow", allow},
          {"max_associations", a.max_associations},
          {"certificate_sha256", a.certificate_sha256}};
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

// Runs one admin command; returns the exit code.
class Admin {
 public:
  Admin(identity::Identity& id, const Args& args, std::string lang)
      : id_(id), a_(args), lang_(std::move(lang)), json_(args.flags.count("--json") > 0) {}

  int Run() {
    const std::string cmd = a_.words.empty() ? "" : a_.words[0];
    const std::string sub = a_.words.size() > 1 ? a_.words[1] : "";
    struct Command {
      const char* cmd;
      const char* sub;  // nullptr: any (user set-roles|disable|enable|reset-2fa|...)
      base::Status (Admin::*run)();
    };
    static const Command kCommands[] = {
        {"create-admin", "", &Admin::CreateAdmin},
        {"enroll-2fa", "", &Admin::Enrol},
        {"tenant", "create", &Admin::TenantCreate},
        {"tenant", "set", &Admin::TenantSet},
        {"tenant", "list", &Admin::TenantList},
        {"ae", "add", &Admin::AeAdd},
        {"ae", "list", &Admin::AeList},
        {"ae", "remove", &Admin::AeRemove},
        {"user", "create", &Admin::UserCreate},
        {"user", "list", &Admin::UserList},
        {"user", nullptr, &Admin::UserChange},
        {"token", "create", &Admin::TokenCreate},
        {"token", "list", &Admin::TokenList},
        {"token", "revoke", &Admin::TokenRevoke},
        {"contact", "add", &Admin::ContactAdd},
        {"contact", "list", &Admin::ContactList},
    };
    const Command* found = nullptr;
    for (const Command& c : kCommands) {
      if (cmd == c.cmd &&
          (c.sub == nullptr || (*c.sub == 0 ? a_.words.size() == 1 : sub == c.sub))) {
        found = &c;
        break;
      }
    }
    if (found == nullptr) {
      std::fprintf(stderr, "%s", AdminHelp(lang_).c_str());
      return 2;
    }
    const base::Status st = (this->*found->run)();
    if (st.ok()) return 0;
    Fail(st);
    return st.code() == base::Code::kInvalidArgument ? 2 : 1;
  }

 private:
  void Fail(const base::Status& st) {
    const std::string text = identity::LocalizedMessage(st, lang_);
    if (json_) {
      json j = {{"error", std::string(base::GetErrorInfo(st.code()).name)}, {"message", text}};
      if (!st.field().empty()) j["field"] = st.field();
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::fprintf(stderr, "dokuei admin: %s%s\n", text.c_str(),
                   st.field().empty() ? "" : (" [" + st.field() + "]").c_str());
    }
  }

  void Print(const json& j, const std::string& text) {
    if (json_) {
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%s", text.c_str());
    }
    std::fflush(stdout);
  }

  const char* T(const char* ja, const char* en) const { return lang_ == "en" ? en : ja; }

  base::Result<std::string> Need(const std::string& opt) const {
    std::string v = a_.Get(opt);
    if (v.empty()) return base::InvalidArgument(opt + " is required", opt.substr(2));
    return v;
  }

  base::Result<identity::Tenant> TenantOpt() {
    DOKUEI_ASSIGN_OR_RETURN(const std::string code, Need("--tenant"));
    return id_.tenants().GetByCode(code);
  }

  base::Result<identity::User> UserOpt() {
    DOKUEI_ASSIGN_OR_RETURN(const std::string login, Need("--login"));
    return id_.accounts().FindByLogin(login);
  }

  std::string CodeOf(int64_t tenant_id) {
    auto t = id_.tenants().Get(tenant_id);
    return t.ok() ? t->code : std::to_string(tenant_id);
  }

  base::Result<std::vector<identity::Role>> RolesOpt() {
    DOKUEI_ASSIGN_OR_RETURN(const std::string text, Need("--roles"));
    std::vector<identity::Role> roles;
    for (std::string_view r : base::Split(text, ',')) {
      auto role = identity::RoleFromName(base::Trim(r));
      if (!role) return base::InvalidArgument("unknown role '" + std::string(r) + "'", "roles");
      roles.push_back(*role);
    }
    return roles;
  }

  // The password from stdin (--password-stdin), or a generated one-time password.
  std::pair<std::string, bool> Password() {
    if (a_.flags.count("--password-stdin")) return {ReadLine(), false};
    return {identity::GeneratePassword(), true};
  }

  base::Status CreateAdmin() {
    DOKUEI_ASSIGN_OR_RETURN(const std::string login, Need("--login"));
    DOKUEI_ASSIGN_OR_RETURN(const std::string name, Need("--name"));
    auto centre = id_.tenants().ReadingCentre();
    bool created_centre = false;
    if (!centre.ok()) {
      if (centre.status().code() != base::Code::kNotFound) return centre.status();
      identity::TenantSpec spec;
      spec.code = a_.Get("--centre-code", "reading-centre");
      spec.name = a_.Get("--centre-name", "読影センター");
      spec.name_en = "Reading centre";
      spec.kind = identity::TenantKind::kReadingCentre;
      centre = id_.tenants().Create(spec);
      if (!centre.ok()) return centre.status();
      created_centre = true;
    }
    const auto [password, one_time] = Password();
    identity::NewUser nu;
    nu.tenant_id = centre->id;
    nu.login = login;
    nu.display_name = name;
    nu.email = a_.Get("--email");
    nu.roles = {identity::Role::kAdministrator};
    nu.password = password;
    nu.must_change_password = one_time;
    DOKUEI_ASSIGN_OR_RETURN(const identity::User u, id_.accounts().Create(nu));
    json j = {{"tenant", TenantJson(*centre)},
              {"created_tenant", created_centre},
              {"user", UserJson(u, centre->code)}};
    std::string text = std::string(T("読影センター: ", "Reading centre: ")) + centre->code +
                       (created_centre ? T(" (作成しました)", " (created)") : "") + "\n" +
                       T("管理者: ", "Administrator: ") + u.login + "\n";
    if (one_time) {
      j["one_time_password"] = password;
      text += std::string(T("一回限りのパスワード (初回ログインで変更): ",
                            "One-time password (to be changed at first login): ")) +
              password + "\n";
    }
    text += T("二要素認証は初回ログイン時、または `dokuei admin enroll-2fa --login ",
              "Two-factor enrolment happens at first login, or with `dokuei admin enroll-2fa "
              "--login ");
    text += u.login + "`" + T(" で登録します。\n", ".\n");
    Print(j, text);
    return base::Status::Ok();
  }

  base::Status Enrol() {
    DOKUEI_ASSIGN_OR_RETURN(const identity::User u, UserOpt());
    DOKUEI_ASSIGN_OR_RETURN(const identity::TotpEnrolment e, id_.two_factor().Begin(u.id));
    Print({{"otpauth_uri", e.otpauth_uri}, {"secret", e.secret_base32}},
          std::string(T("認証アプリに登録してください:\n", "Add this to an authenticator app:\n")) +
              "  " + e.otpauth_uri + "\n  " + T("秘密鍵: ", "secret: ") + e.secret_base32 + "\n" +
              T("表示された 6 桁のコードを入力: ", "Enter the 6-digit code: "));
    const std::string code = ReadLine();
    DOKUEI_ASSIGN_OR_RETURN(const std::vector<std::string> codes,
                            id_.two_factor().Confirm(u.id, code));
    std::string text = std::string(T("\n登録しました。回復コード (各 1 回限り、安全に保管):\n",
                                     "\nEnrolled. Recovery codes (single use, keep them safe):\n"));
    for (const auto& c : codes) text += "  " + c + "\n";
    Print({{"enrolled", true}, {"recovery_codes", codes}}, text);
    return base::Status::Ok();
  }

  base::Status TenantCreate() {
    identity::TenantSpec spec;
    DOKUEI_ASSIGN_OR_RETURN(spec.code, Need("--code"));
    DOKUEI_ASSIGN_OR_RETURN(spec.name, Need("--name"));
    spec.name_en = a_.Get("--name-en");
    const auto kind = identity::TenantKindFromName(a_.Get("--kind", "hospital"));
    if (!kind) return base::InvalidArgument("--kind: hospital or reading-centre", "kind");
    spec.kind = *kind;
    if (a_.Has("--staff-2fa")) {
      DOKUEI_ASSIGN_OR_RETURN(spec.staff_two_factor_required,
                              ParseBool(a_.Get("--staff-2fa"), "staff-2fa"));
    }
    if (a_.Has("--client-cert")) {
      DOKUEI_ASSIGN_OR_RETURN(spec.dicom_client_certificate_required,
                              ParseBool(a_.Get("--client-cert"), "client-cert"));
    }
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, id_.tenants().Create(spec));
    Print(TenantJson(t), std::string(T("施設を作成しました: ", "Tenant created: ")) + t.code +
                             " (id " + std::to_string(t.id) + ")\n");
    return base::Status::Ok();
  }

  base::Status TenantSet() {
    DOKUEI_ASSIGN_OR_RETURN(const std::string code, Need("--code"));
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, id_.tenants().GetByCode(code));
    identity::TenantUpdate u;
    if (a_.Has("--name")) u.name = a_.Get("--name");
    if (a_.Has("--name-en")) u.name_en = a_.Get("--name-en");
    if (a_.Has("--staff-2fa")) {
      DOKUEI_ASSIGN_OR_RETURN(u.staff_two_factor_required,
                              ParseBool(a_.Get("--staff-2fa"), "staff-2fa"));
    }
    if (a_.Has("--client-cert")) {
      DOKUEI_ASSIGN_OR_RETURN(u.dicom_client_certificate_required,
                              ParseBool(a_.Get("--client-cert"), "client-cert"));
    }
    if (a_.Has("--disabled")) {
      DOKUEI_ASSIGN_OR_RETURN(u.disabled, ParseBool(a_.Get("--disabled"), "disabled"));
    }
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant out, id_.tenants().Update(t.id, u));
    Print(TenantJson(out), std::string(T("変更しました: ", "Updated: ")) + out.code + "\n");
    return base::Status::Ok();
  }

  base::Status TenantList() {
    DOKUEI_ASSIGN_OR_RETURN(const auto tenants, id_.tenants().List());
    json arr = json::array();
    std::string text;
    for (const auto& t : tenants) {
      arr.push_back(TenantJson(t));
      text += std::to_string(t.id) + "\t" + t.code + "\t" +
              std::string(identity::TenantKindName(t.kind)) + "\t" + t.name +
              (t.staff_two_factor_required ? "\tstaff-2fa" : "") +
              (t.disabled ? "\tdisabled" : "") + "\n";
    }
    Print({{"tenants", arr}}, text);
    return base::Status::Ok();
  }

  base::Status AeAdd() {
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, TenantOpt());
    identity::AeTitle ae;
    DOKUEI_ASSIGN_OR_RETURN(ae.ae_title, Need("--ae"));
    ae.host = a_.Get("--host");
    if (a_.Has("--port")) {
      auto p = base::ParseUint(a_.Get("--port"));
      if (!p || *p > 65535) return base::InvalidArgument("--port: 0..65535", "port");
      ae.port = static_cast<uint16_t>(*p);
    }
    ae.check_host = a_.flags.count("--check-host") > 0;
    if (a_.Has("--max-associations")) {
      auto n = base::ParseUint(a_.Get("--max-associations"));
      if (!n || *n > 100000) return base::InvalidArgument("--max-associations", "max_associations");
      ae.max_associations = static_cast<uint32_t>(*n);
    }
    if (a_.Has("--allow")) {
      ae.allow_store = ae.allow_find = ae.allow_get = ae.allow_move = ae.allow_commitment = false;
      for (std::string_view s : base::Split(a_.Get("--allow"), ',')) {
        s = base::Trim(s);
        if (s == "store")
          ae.allow_store = true;
        else if (s == "find")
          ae.allow_find = true;
        else if (s == "get")
          ae.allow_get = true;
        else if (s == "move")
          ae.allow_move = true;
        else if (s == "commitment")
          ae.allow_commitment = true;
        else if (s != "echo" && !s.empty())
          return base::InvalidArgument("--allow: store, find, get, move, commitment", "allow");
      }
    }
    ae.certificate_sha256 = a_.Get("--cert-sha256");
    DOKUEI_ASSIGN_OR_RETURN(const identity::AeTitle out, id_.ae_titles().Add(t.id, ae));
    Print(AeJson(out, t.code), std::string(T("AE タイトルを登録しました: ", "AE title added: ")) +
                                   out.ae_title + " -> " + t.code + "\n");
    return base::Status::Ok();
  }

  base::Status AeList() {
    std::vector<identity::Tenant> tenants;
    if (a_.Has("--tenant")) {
      DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, TenantOpt());
      tenants.push_back(t);
    } else {
      DOKUEI_ASSIGN_OR_RETURN(tenants, id_.tenants().List());
    }
    json arr = json::array();
    std::string text;
    for (const auto& t : tenants) {
      DOKUEI_ASSIGN_OR_RETURN(const auto aes, id_.ae_titles().List(t.id));
      for (const auto& ae : aes) {
        const json j = AeJson(ae, t.code);
        arr.push_back(j);
        text += ae.ae_title + "\t" + t.code + "\t" + ae.host + ":" + std::to_string(ae.port) +
                "\t" + j["allow"].get<std::string>() + "\n";
      }
    }
    Print({{"ae_titles", arr}}, text);
    return base::Status::Ok();
  }

  base::Status AeRemove() {
    DOKUEI_ASSIGN_OR_RETURN(const std::string title, Need("--ae"));
    DOKUEI_ASSIGN_OR_RETURN(const identity::AeTitle ae, id_.ae_titles().Lookup(title));
    DOKUEI_RETURN_IF_ERROR(id_.ae_titles().Remove(ae.tenant_id, ae.id));
    Print({{"removed", ae.ae_title}},
          std::string(T("削除しました: ", "Removed: ")) + ae.ae_title + "\n");
    return base::Status::Ok();
  }

  base::Status UserCreate() {
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, TenantOpt());
    identity::NewUser nu;
    nu.tenant_id = t.id;
    DOKUEI_ASSIGN_OR_RETURN(nu.login, Need("--login"));
    DOKUEI_ASSIGN_OR_RETURN(nu.display_name, Need("--name"));
    nu.email = a_.Get("--email");
    DOKUEI_ASSIGN_OR_RETURN(nu.roles, RolesOpt());
    const auto [password, one_time] = Password();
    nu.password = password;
    nu.must_change_password = one_time;
    DOKUEI_ASSIGN_OR_RETURN(const identity::User u, id_.accounts().Create(nu));
    json j = UserJson(u, t.code);
    std::string text = std::string(T("利用者を作成しました: ", "User created: ")) + u.login + " (" +
                       RolesText(u.roles) + ")\n";
    if (one_time) {
      j["one_time_password"] = password;
      text += std::string(T("一回限りのパスワード: ", "One-time password: ")) + password + "\n";
    }
    Print(j, text);
    return base::Status::Ok();
  }

  base::Status UserList() {
    std::vector<identity::Tenant> tenants;
    if (a_.Has("--tenant")) {
      DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, TenantOpt());
      tenants.push_back(t);
    } else {
      DOKUEI_ASSIGN_OR_RETURN(tenants, id_.tenants().List());
    }
    json arr = json::array();
    std::string text;
    for (const auto& t : tenants) {
      DOKUEI_ASSIGN_OR_RETURN(const auto users, id_.accounts().List(t.id));
      for (const auto& u : users) {
        arr.push_back(UserJson(u, t.code));
        text += u.login + "\t" + t.code + "\t" + RolesText(u.roles) + "\t" + u.display_name +
                (u.two_factor_enrolled ? "\t2fa" : "") + (u.disabled ? "\tdisabled" : "") +
                (u.locked_until ? "\tlocked" : "") + "\n";
      }
    }
    Print({{"users", arr}}, text);
    return base::Status::Ok();
  }

  base::Status UserChange() {
    const std::string sub = a_.words.size() > 1 ? a_.words[1] : "";
    DOKUEI_ASSIGN_OR_RETURN(const identity::User u, UserOpt());
    json j = {{"login", u.login}};
    std::string text;
    if (sub == "set-roles") {
      DOKUEI_ASSIGN_OR_RETURN(auto roles, RolesOpt());
      DOKUEI_ASSIGN_OR_RETURN(const identity::User out,
                              id_.accounts().SetRoles(u.tenant_id, u.id, roles));
      j["roles"] = RolesText(out.roles);
      text = std::string(T("役割: ", "Roles: ")) + RolesText(out.roles) + "\n";
    } else if (sub == "disable" || sub == "enable") {
      DOKUEI_RETURN_IF_ERROR(id_.accounts().SetDisabled(u.tenant_id, u.id, sub == "disable"));
      j["disabled"] = sub == "disable";
      text = sub == "disable" ? T("無効にしました\n", "Disabled\n")
                              : T("有効にしました\n", "Enabled\n");
    } else if (sub == "reset-2fa") {
      DOKUEI_RETURN_IF_ERROR(id_.two_factor().Reset(u.tenant_id, u.id));
      j["two_factor_enrolled"] = false;
      text = T("二要素認証を解除しました (次回ログインで再登録)\n",
               "Two-factor authentication reset (enrol again at next login)\n");
    } else if (sub == "reset-password") {
      const auto [password, one_time] = Password();
      DOKUEI_RETURN_IF_ERROR(id_.accounts().ResetPassword(u.tenant_id, u.id, password, one_time));
      if (one_time) {
        j["one_time_password"] = password;
        text = std::string(T("一回限りのパスワード: ", "One-time password: ")) + password + "\n";
      } else {
        text = T("パスワードを設定しました\n", "Password set\n");
      }
    } else if (sub == "unlock") {
      DOKUEI_RETURN_IF_ERROR(id_.accounts().Unlock(u.tenant_id, u.id));
      j["locked"] = false;
      text = T("ロックを解除しました\n", "Unlocked\n");
    } else {
      return base::InvalidArgument("unknown user command '" + sub + "' (see --help)");
    }
    Print(j, text);
    return base::Status::Ok();
  }

  base::Status TokenCreate() {
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, TenantOpt());
    identity::TokenRequest req;
    req.tenant_id = t.id;
    DOKUEI_ASSIGN_OR_RETURN(req.name, Need("--name"));
    DOKUEI_ASSIGN_OR_RETURN(const std::string perms, Need("--permissions"));
    for (std::string_view p : base::Split(perms, ',')) {
      DOKUEI_ASSIGN_OR_RETURN(const identity::PermissionGrant g, identity::ParsePermissionGrant(p));
      req.permissions.push_back(g);
    }
    auto days = base::ParseUint(a_.Get("--expires-days", "90"));
    if (!days || *days == 0 || *days > 397)
      return base::InvalidArgument("--expires-days: 1..397", "expires_at");
    req.expires_at =
        base::SystemClock().Now() + std::chrono::hours(24 * static_cast<int64_t>(*days));
    DOKUEI_ASSIGN_OR_RETURN(const identity::NewToken nt, id_.tokens().Create(req, nullptr));
    json j = TokenJson(nt.token, t.code);
    j["token"] = nt.secret;
    Print(j, std::string(
                 T("API トークン (一度だけ表示されます):\n", "API token (shown only once):\n")) +
                 "  " + nt.secret + "\n" + T("ID: ", "id: ") + std::to_string(nt.token.id) + "  " +
                 T("有効期限: ", "expires: ") + Iso(nt.token.expires_at) + "\n");
    return base::Status::Ok();
  }

  base::Status TokenList() {
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, TenantOpt());
    DOKUEI_ASSIGN_OR_RETURN(const auto tokens, id_.tokens().List(t.id));
    json arr = json::array();
    std::string text;
    for (const auto& tk : tokens) {
      const json j = TokenJson(tk, t.code);
      arr.push_back(j);
      text += std::to_string(tk.id) + "\t" + tk.name + "\t" + tk.prefix + "…\t" +
              j["permissions"].get<std::string>() + "\t" + Iso(tk.expires_at) +
              (tk.revoked_at ? "\trevoked" : "") + "\n";
    }
    Print({{"tokens", arr}}, text);
    return base::Status::Ok();
  }

  base::Status TokenRevoke() {
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, TenantOpt());
    DOKUEI_ASSIGN_OR_RETURN(const std::string id_text, Need("--id"));
    auto id = base::ParseInt(id_text);
    if (!id) return base::InvalidArgument("--id: a token id", "id");
    DOKUEI_RETURN_IF_ERROR(id_.tokens().Revoke(t.id, *id));
    Print({{"revoked", *id}}, std::string(T("失効しました: ", "Revoked: ")) + id_text + "\n");
    return base::Status::Ok();
  }

  base::Status ContactAdd() {
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, TenantOpt());
    identity::Contact k;
    DOKUEI_ASSIGN_OR_RETURN(k.name, Need("--name"));
    k.role = a_.Get("--role");
    k.phone = a_.Get("--phone");
    k.email = a_.Get("--email");
    k.critical_results = a_.flags.count("--no-critical-results") == 0;
    DOKUEI_ASSIGN_OR_RETURN(const identity::Contact out, id_.contacts().Add(t.id, k));
    Print({{"id", out.id}, {"tenant", t.code}, {"name", out.name}},
          std::string(T("連絡先を追加しました: ", "Contact added: ")) + out.name + "\n");
    return base::Status::Ok();
  }

  base::Status ContactList() {
    DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, TenantOpt());
    DOKUEI_ASSIGN_OR_RETURN(const auto contacts, id_.contacts().List(t.id));
    json arr = json::array();
    std::string text;
    for (const auto& k : contacts) {
      arr.push_back({{"id", k.id},
                     {"name", k.name},
                     {"role", k.role},
                     {"phone", k.phone},
                     {"email", k.email},
                     {"critical_results", k.critical_results}});
      text += std::to_string(k.id) + "\t" + k.name + "\t" + k.role + "\t" + k.phone + "\t" +
              k.email + "\n";
    }
    Print({{"contacts", arr}}, text);
    return base::Status::Ok();
  }

  identity::Identity& id_;
  const Args& a_;
  const std::string lang_;
  const bool json_;
};

}  // namespace


int RunAdmin(const std::vector<std::string>& raw_args) {
  const std::string lang = CliLanguage();
  auto args = ParseArgs(raw_args);
  if (!args.ok()) {
    std::fprintf(stderr, "dokuei admin: %s\n", args.status().message().c_str());
    return 2;
  }
  if (args->help || args->words.empty()) {
    std::printf("%s", AdminHelp(lang).c_str());
    return args->help ? 0 : 2;
  }
  bool help = false;
  auto config = LoadConfig(args->config_args, &help);
  if (!config.ok()) {
    std::fprintf(stderr, "dokuei admin: %s\n", config.status().ToString().c_str());
    return 2;
  }
  auto storage = OpenStorage(*config);
  if (!storage.ok()) {
    std::fprintf(stderr, "dokuei admin: %s\n", storage.status().ToString().c_str());
    return 1;
  }
  auto key = LoadIdentityKey(*config);
  if (!key.ok()) {
    std::fprintf(stderr, "dokuei admin: %s\n", key.status().ToString().c_str());
    return 1;
  }
  auto id = identity::OpenIdentity(storage->database, base::SystemClock(), *key);
  if (!id.ok()) {
    std::fprintf(stderr, "dokuei admin: %s\n", id.status().ToString().c_str());
    return 1;
  }
  return Admin(**id, *args, lang).Run();
}

}  // namespace dokuei::server
