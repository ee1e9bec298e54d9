// dokuei admin: sets up a fresh installation without the web UI — the reading centre and its
// first administrator, hospitals, AE titles, contacts, users and API tokens — on the same
// database `dokuei serve` uses (same configuration: --config, --data-dir, --index, --postgres...).
// Secrets (one-time passwords, API tokens, TOTP secrets, recovery codes) are printed once and
// never stored in clear. --json prints one JSON object per result for scripts.
// Every change is audited like the API's (admin_cli.h): if its record cannot be written, nothing
// changes and the command fails.
// This file: options, help, dispatch and what the commands share; the commands are in
// admin_users.cc and admin_network.cc.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "admin_cli.h"
#include "commands.h"
#include "config.h"
#include "dokuei/audit/audit.h"
#include "dokuei/base/error_table.h"
#include "dokuei/base/strings.h"
#include "dokuei/identity/identity.h"
#include "dokuei/identity/messages.h"
#include "storage.h"

namespace dokuei::server {
namespace admin {

namespace {

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

}  // namespace

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

audit::AuditedDatabase::Finish TenantCreated(const identity::TenantSpec& spec) {
  return [code = spec.code, kind = spec.kind](db::Conn& c, audit::Event& e) -> base::Status {
    const db::Value p[] = {code};
    DOKUEI_RETURN_IF_ERROR(
        c.Query("SELECT id FROM tenants WHERE code = ?", p, [&](const db::Row& r) {
          e.tenant_id = r.Int(0);
          return base::Status::Ok();
        }));
    e.object_detail = "tenant " + std::to_string(e.tenant_id) + " (" + code + ")";
    e.message = std::string("kind ") + std::string(identity::TenantKindName(kind));
    return base::Status::Ok();
  };
}

Cli::Cli(identity::Identity& id, audit::AuditLog& log, const Args& args, std::string lang)
    : id_(id), log_(log), a_(args), lang_(std::move(lang)), json_(args.flags.count("--json") > 0) {}

void Cli::Print(const json& j, const std::string& text) {
  if (json_) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s", text.c_str());
  }
  std::fflush(stdout);
}

base::Result<std::string> Cli::Need(const std::string& opt) const {
  std::string v = a_.Get(opt);
  if (v.empty()) return base::InvalidArgument(opt + " is required", opt.substr(2));
  return v;
}

base::Result<identity::Tenant> Cli::TenantOpt() {
  DOKUEI_ASSIGN_OR_RETURN(const std::string code, Need("--tenant"));
  return id_.tenants().GetByCode(code);
}

base::Result<identity::User> Cli::UserOpt() {
  DOKUEI_ASSIGN_OR_RETURN(const std::string login, Need("--login"));
  return id_.accounts().FindByLogin(login);
}

base::Result<std::vector<identity::Role>> Cli::RolesOpt() const {
  DOKUEI_ASSIGN_OR_RETURN(const std::string text, Need("--roles"));
  std::vector<identity::Role> roles;
  for (std::string_view r : base::Split(text, ',')) {
    auto role = identity::RoleFromName(base::Trim(r));
    if (!role) return base::InvalidArgument("unknown role '" + std::string(r) + "'", "roles");
    roles.push_back(*role);
  }
  return roles;
}

std::pair<std::string, bool> Cli::Password() const {
  if (a_.flags.count("--password-stdin")) return {ReadLine(), false};
  return {identity::GeneratePassword(), true};
}

audit::Event Cli::Event(std::string action, int64_t tenant_id, std::string detail) const {
  audit::Event e;
  e.action = std::move(action);
  e.tenant_id = tenant_id;
  e.actor = CliActor();
  e.protocol = "cli";
  e.object_detail = std::move(detail);
  return e;
}

audit::AuditedDatabase::Options Cli::ChangeOptions(audit::AuditedDatabase::Finish finish) const {
  audit::AuditedDatabase::Options o;
  o.finish = std::move(finish);
  o.after_record = audit::AuditedDatabase::AfterRecord::kRefuse;  // one change, one record
  const std::string what = T("監査記録を書き込めなかったため、変更は行われませんでした",
                             "the audit record could not be written, so nothing was changed");
  o.on_append_failure = [what](const base::Status& cause) {
    return base::Status(base::Code::kUnavailable, what + " (" + cause.message() + ")");
  };
  return o;
}

namespace {

void Fail(const Cli& cli, bool json_out, const base::Status& st) {
  const std::string text = identity::LocalizedMessage(st, cli.lang());
  if (json_out) {
    json j = {{"error", std::string(base::GetErrorInfo(st.code()).name)}, {"message", text}};
    if (!st.field().empty()) j["field"] = st.field();
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::fprintf(stderr, "dokuei admin: %s%s\n", text.c_str(),
                 st.field().empty() ? "" : (" [" + st.field() + "]").c_str());
  }
}

// Runs the command the words name; returns the exit code.
int Run(Cli& cli) {
  const Args& a = cli.args();
  const std::string cmd = a.words.empty() ? "" : a.words[0];
  const std::string sub = a.words.size() > 1 ? a.words[1] : "";
  const Command* found = nullptr;
  for (auto table : {UserCommands(), NetworkCommands()}) {
    for (const Command& c : table) {
      if (found == nullptr && cmd == c.cmd &&
          (c.sub == nullptr || (*c.sub == 0 ? a.words.size() == 1 : sub == c.sub))) {
        found = &c;
      }
    }
  }
  if (found == nullptr) {
    std::fprintf(stderr, "%s", AdminHelp(cli.lang()).c_str());
    return 2;
  }
  const base::Status st = found->run(cli);
  if (st.ok()) return 0;
  Fail(cli, a.flags.count("--json") > 0, st);
  return st.code() == base::Code::kInvalidArgument ? 2 : 1;
}

}  // namespace
}  // namespace admin

int RunAdmin(const std::vector<std::string>& raw_args) {
  const std::string lang = CliLanguage();
  auto args = admin::ParseArgs(raw_args);
  if (!args.ok()) {
    std::fprintf(stderr, "dokuei admin: %s\n", args.status().message().c_str());
    return 2;
  }
  if (args->help || args->words.empty()) {
    std::printf("%s", admin::AdminHelp(lang).c_str());
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
  auto log = audit::OpenAuditLog(storage->database, base::SystemClock());
  if (!log.ok()) {
    std::fprintf(stderr, "dokuei admin: %s\n", log.status().ToString().c_str());
    return 1;
  }
  admin::Cli cli(**id, **log, *args, lang);
  return admin::Run(cli);
}

}  // namespace dokuei::server
