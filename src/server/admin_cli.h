// Private to `dokuei admin` (admin_cmd.cc: options, help, dispatch; admin_users.cc: the first
// administrator, users, 2FA and API tokens; admin_network.cc: tenants, AE titles, contacts).
//
// Cli is one command's run: its options, its output (text or --json), and Change(), the
// audit::AuditedDatabase every change is made on, so that the change and its audit record
// (protocol "cli", actor "cli:<OS login>", the API's action names) commit together or not at
// all. No secret goes into a record.
// Thread safety: one command, one thread.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dokuei/audit/audit.h"
#include "dokuei/audit/audited_database.h"
#include "dokuei/base/status.h"
#include "dokuei/identity/identity.h"

namespace dokuei::server::admin {

using nlohmann::json;

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

class Cli {
 public:
  Cli(identity::Identity& id, audit::AuditLog& log, const Args& args, std::string lang);

  identity::Identity& id() { return id_; }
  audit::AuditLog& log() { return log_; }
  const Args& args() const { return a_; }
  const std::string& lang() const { return lang_; }
  const char* T(const char* ja, const char* en) const { return lang_ == "en" ? en : ja; }

  // Prints `j` with --json, else `text`.
  void Print(const json& j, const std::string& text);
  // The value of a required option (kInvalidArgument naming it when missing).
  base::Result<std::string> Need(const std::string& opt) const;
  base::Result<identity::Tenant> TenantOpt();                  // --tenant CODE
  base::Result<identity::User> UserOpt();                      // --login L
  base::Result<std::vector<identity::Role>> RolesOpt() const;  // --roles R1,R2
  // The password from stdin (--password-stdin), or a generated one-time password (true).
  std::pair<std::string, bool> Password() const;

  // An audit event of this command: actor "cli:<login of the effective user>", protocol "cli".
  audit::Event Event(std::string action, int64_t tenant_id, std::string detail) const;
  // Options of the AuditedDatabase of one change: a second write is refused, and a record that
  // cannot be written fails the command (kUnavailable, "nothing was changed").
  audit::AuditedDatabase::Options ChangeOptions(audit::AuditedDatabase::Finish finish = {}) const;

 private:
  identity::Identity& id_;
  audit::AuditLog& log_;
  const Args& a_;
  const std::string lang_;
  const bool json_;
};

// Services of one change, built on its AuditedDatabase.
inline identity::Accounts AccountsOn(identity::Identity& id, db::Database& db) {
  return identity::Accounts(db, id.clock(), id.hasher(), id.options());
}

struct Command {
  const char* cmd;
  const char* sub;  // "": no subcommand; nullptr: any (user set-roles|disable|...)
  base::Status (*run)(Cli&);
};
std::span<const Command> UserCommands();     // admin_users.cc
std::span<const Command> NetworkCommands();  // admin_network.cc

json TenantJson(const identity::Tenant& t);
std::string RolesText(const std::vector<identity::Role>& roles);
std::string ReadLine();  // one line of stdin, without its end
base::Result<bool> ParseBool(const std::string& v, const std::string& field);
std::string Iso(base::Timestamp t);
// The tenant.create audit event's details, filled inside the transaction (the tenant's id).
audit::AuditedDatabase::Finish TenantCreated(const identity::TenantSpec& spec);

}  // namespace dokuei::server::admin
