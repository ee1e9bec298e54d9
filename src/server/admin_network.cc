// dokuei admin, part 2: tenants, AE titles and contacts (admin_cli.h). Each change is made on
// an audit::AuditedDatabase with the API's action name (tenant.create, tenant.update, ae.create,
// ae.delete, contact.create), so it commits with its audit record or not at all.
#include <string>
#include <string_view>

#include "admin_cli.h"
#include "dokuei/base/strings.h"
#include "dokuei/db/db.h"

namespace dokuei::server::admin {
namespace {

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

base::Status TenantCreate(Cli& cli) {
  identity::TenantSpec spec;
  DOKUEI_ASSIGN_OR_RETURN(spec.code, cli.Need("--code"));
  DOKUEI_ASSIGN_OR_RETURN(spec.name, cli.Need("--name"));
  spec.name_en = cli.args().Get("--name-en");
  const auto kind = identity::TenantKindFromName(cli.args().Get("--kind", "hospital"));
  if (!kind) return base::InvalidArgument("--kind: hospital or reading-centre", "kind");
  spec.kind = *kind;
  if (cli.args().Has("--staff-2fa")) {
    DOKUEI_ASSIGN_OR_RETURN(spec.staff_two_factor_required,
                            ParseBool(cli.args().Get("--staff-2fa"), "staff-2fa"));
  }
  if (cli.args().Has("--client-cert")) {
    DOKUEI_ASSIGN_OR_RETURN(spec.dicom_client_certificate_required,
                            ParseBool(cli.args().Get("--client-cert"), "client-cert"));
  }
  audit::AuditedDatabase adb(cli.id().database(), cli.log(), cli.Event("tenant.create", 0, ""),
                             cli.ChangeOptions(TenantCreated(spec)));
  identity::TenantDirectory tenants(adb, cli.id().clock());
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, tenants.Create(spec));
  cli.Print(TenantJson(t), std::string(cli.T("施設を作成しました: ", "Tenant created: ")) + t.code +
                               " (id " + std::to_string(t.id) + ")\n");
  return base::Status::Ok();
}

base::Status TenantSet(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const std::string code, cli.Need("--code"));
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, cli.id().tenants().GetByCode(code));
  identity::TenantUpdate u;
  std::string changed;  // the API's field names
  auto note = [&](const char* opt, const char* field) {
    if (cli.args().Has(opt)) changed += (changed.empty() ? "" : ",") + std::string(field);
  };
  note("--name", "name");
  note("--name-en", "name_en");
  note("--staff-2fa", "staff_two_factor_required");
  note("--client-cert", "dicom_client_certificate_required");
  note("--disabled", "enabled");
  if (cli.args().Has("--name")) u.name = cli.args().Get("--name");
  if (cli.args().Has("--name-en")) u.name_en = cli.args().Get("--name-en");
  if (cli.args().Has("--staff-2fa")) {
    DOKUEI_ASSIGN_OR_RETURN(u.staff_two_factor_required,
                            ParseBool(cli.args().Get("--staff-2fa"), "staff-2fa"));
  }
  if (cli.args().Has("--client-cert")) {
    DOKUEI_ASSIGN_OR_RETURN(u.dicom_client_certificate_required,
                            ParseBool(cli.args().Get("--client-cert"), "client-cert"));
  }
  if (cli.args().Has("--disabled")) {
    DOKUEI_ASSIGN_OR_RETURN(u.disabled, ParseBool(cli.args().Get("--disabled"), "disabled"));
  }
  if (changed.empty()) {  // nothing to change or audit
    cli.Print(TenantJson(t), std::string(cli.T("変更なし: ", "Unchanged: ")) + t.code + "\n");
    return base::Status::Ok();
  }
  audit::Event e =
      cli.Event("tenant.update", t.id, "tenant " + std::to_string(t.id) + " (" + t.code + ")");
  e.message = "changed: " + changed;
  audit::AuditedDatabase adb(cli.id().database(), cli.log(), std::move(e), cli.ChangeOptions());
  identity::TenantDirectory tenants(adb, cli.id().clock());
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant out, tenants.Update(t.id, u));
  cli.Print(TenantJson(out), std::string(cli.T("変更しました: ", "Updated: ")) + out.code + "\n");
  return base::Status::Ok();
}

base::Status TenantList(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const auto tenants, cli.id().tenants().List());
  json arr = json::array();
  std::string text;
  for (const auto& t : tenants) {
    arr.push_back(TenantJson(t));
    text += std::to_string(t.id) + "\t" + t.code + "\t" +
            std::string(identity::TenantKindName(t.kind)) + "\t" + t.name +
            (t.staff_two_factor_required ? "\tstaff-2fa" : "") + (t.disabled ? "\tdisabled" : "") +
            "\n";
  }
  cli.Print({{"tenants", arr}}, text);
  return base::Status::Ok();
}

base::Status AeAdd(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, cli.TenantOpt());
  identity::AeTitle ae;
  DOKUEI_ASSIGN_OR_RETURN(ae.ae_title, cli.Need("--ae"));
  ae.host = cli.args().Get("--host");
  if (cli.args().Has("--port")) {
    auto p = base::ParseUint(cli.args().Get("--port"));
    if (!p || *p > 65535) return base::InvalidArgument("--port: 0..65535", "port");
    ae.port = static_cast<uint16_t>(*p);
  }
  ae.check_host = cli.args().flags.count("--check-host") > 0;
  if (cli.args().Has("--max-associations")) {
    auto n = base::ParseUint(cli.args().Get("--max-associations"));
    if (!n || *n > 100000) return base::InvalidArgument("--max-associations", "max_associations");
    ae.max_associations = static_cast<uint32_t>(*n);
  }
  if (cli.args().Has("--allow")) {
    ae.allow_store = ae.allow_find = ae.allow_get = ae.allow_move = ae.allow_commitment = false;
    for (std::string_view s : base::Split(cli.args().Get("--allow"), ',')) {
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
  ae.certificate_sha256 = cli.args().Get("--cert-sha256");
  audit::AuditedDatabase adb(cli.id().database(), cli.log(), cli.Event("ae.create", t.id, ""),
                             cli.ChangeOptions([&](db::Conn& c, audit::Event& e) -> base::Status {
                               // The ae_titles row is the only insert of AeTitles::Add.
                               DOKUEI_ASSIGN_OR_RETURN(const int64_t id, db::LastInsertId(c));
                               auto norm = identity::NormalizeAeTitle(ae.ae_title);
                               e.object_detail = "ae " + std::to_string(id) + " (" +
                                                 (norm.ok() ? *norm : ae.ae_title) + ")";
                               return base::Status::Ok();
                             }));
  identity::AeTitles aes(adb, cli.id().clock());
  DOKUEI_ASSIGN_OR_RETURN(const identity::AeTitle out, aes.Add(t.id, ae));
  cli.Print(AeJson(out, t.code),
            std::string(cli.T("AE タイトルを登録しました: ", "AE title added: ")) + out.ae_title +
                " -> " + t.code + "\n");
  return base::Status::Ok();
}

base::Status AeList(Cli& cli) {
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
    DOKUEI_ASSIGN_OR_RETURN(const auto aes, cli.id().ae_titles().List(t.id));
    for (const auto& ae : aes) {
      const json j = AeJson(ae, t.code);
      arr.push_back(j);
      text += ae.ae_title + "\t" + t.code + "\t" + ae.host + ":" + std::to_string(ae.port) + "\t" +
              j["allow"].get<std::string>() + "\n";
    }
  }
  cli.Print({{"ae_titles", arr}}, text);
  return base::Status::Ok();
}

base::Status AeRemove(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const std::string title, cli.Need("--ae"));
  DOKUEI_ASSIGN_OR_RETURN(const identity::AeTitle ae, cli.id().ae_titles().Lookup(title));
  audit::AuditedDatabase adb(cli.id().database(), cli.log(),
                             cli.Event("ae.delete", ae.tenant_id,
                                       "ae " + std::to_string(ae.id) + " (" + ae.ae_title + ")"),
                             cli.ChangeOptions());
  DOKUEI_RETURN_IF_ERROR(identity::AeTitles(adb, cli.id().clock()).Remove(ae.tenant_id, ae.id));
  cli.Print({{"removed", ae.ae_title}},
            std::string(cli.T("削除しました: ", "Removed: ")) + ae.ae_title + "\n");
  return base::Status::Ok();
}

base::Status ContactAdd(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, cli.TenantOpt());
  identity::Contact k;
  DOKUEI_ASSIGN_OR_RETURN(k.name, cli.Need("--name"));
  k.role = cli.args().Get("--role");
  k.phone = cli.args().Get("--phone");
  k.email = cli.args().Get("--email");
  k.critical_results = cli.args().flags.count("--no-critical-results") == 0;
  audit::AuditedDatabase adb(cli.id().database(), cli.log(), cli.Event("contact.create", t.id, ""),
                             cli.ChangeOptions([](db::Conn& c, audit::Event& e) -> base::Status {
                               // The contacts row is the only insert of Contacts::Add.
                               DOKUEI_ASSIGN_OR_RETURN(const int64_t id, db::LastInsertId(c));
                               e.object_detail = "contact " + std::to_string(id);
                               return base::Status::Ok();
                             }));
  identity::Contacts contacts(adb);
  DOKUEI_ASSIGN_OR_RETURN(const identity::Contact out, contacts.Add(t.id, k));
  cli.Print({{"id", out.id}, {"tenant", t.code}, {"name", out.name}},
            std::string(cli.T("連絡先を追加しました: ", "Contact added: ")) + out.name + "\n");
  return base::Status::Ok();
}

base::Status ContactList(Cli& cli) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, cli.TenantOpt());
  DOKUEI_ASSIGN_OR_RETURN(const auto contacts, cli.id().contacts().List(t.id));
  json arr = json::array();
  std::string text;
  for (const auto& k : contacts) {
    arr.push_back({{"id", k.id},
                   {"name", k.name},
                   {"role", k.role},
                   {"phone", k.phone},
                   {"email", k.email},
                   {"critical_results", k.critical_results}});
    text += std::to_string(k.id) + "\t" + k.name + "\t" + k.role + "\t" + k.phone + "\t" + k.email +
            "\n";
  }
  cli.Print({{"contacts", arr}}, text);
  return base::Status::Ok();
}
const Command kCommands[] = {
    {"tenant", "create", &TenantCreate},
    {"tenant", "set", &TenantSet},
    {"tenant", "list", &TenantList},
    {"ae", "add", &AeAdd},
    {"ae", "list", &AeList},
    {"ae", "remove", &AeRemove},
    {"contact", "add", &ContactAdd},
    {"contact", "list", &ContactList},
};

}  // namespace

std::span<const Command> NetworkCommands() { return kCommands; }

}  // namespace dokuei::server::admin
