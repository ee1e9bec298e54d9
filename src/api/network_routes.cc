// Administration routes, part 2: a tenant's DICOM AE titles and its contact people.
//
//   GET    /api/tenants/{tenant}/ae-titles   peers.read
//   POST   /api/tenants/{tenant}/ae-titles   peers.manage
//   GET    /api/ae-titles/{id}               peers.read
//   PATCH  /api/ae-titles/{id}               peers.manage  (host, port, allow flags, TLS pin, ...)
//   DELETE /api/ae-titles/{id}               peers.manage
//   GET    /api/tenants/{tenant}/contacts    contacts.read
//   POST   /api/tenants/{tenant}/contacts    contacts.manage
//   PATCH  /api/contacts/{id}                contacts.manage
//   DELETE /api/contacts/{id}                contacts.manage
//
// Objects of a tenant the principal's grant does not reach are 404, like missing ones.
#include "route_util.h"

namespace dokuei::api::internal {

namespace {

audit::Event ChangeEvent(const http::Request& req, std::string action, int64_t tenant_id,
                         std::string detail) {
  audit::Event e = RequestEvent(req, std::move(action));
  e.tenant_id = tenant_id;
  e.object_detail = std::move(detail);
  return e;
}

constexpr std::string_view kAeFields[] = {
    "ae_title",   "host",      "port",       "check_host",       "max_associations",  "allow_store",
    "allow_find", "allow_get", "allow_move", "allow_commitment", "certificate_sha256"};

// Overlays the members present in `body` on `ae`.
base::Status ReadAe(const json& body, identity::AeTitle& ae) {
  std::optional<std::string> title, host, cert;
  std::optional<int64_t> port, max_assoc;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "ae_title", &title));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "host", &host));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "certificate_sha256", &cert));
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "port", 0, 65535, &port));
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "max_associations", 1, 1000, &max_assoc));
  if (title) ae.ae_title = *title;
  if (host) ae.host = *host;
  if (cert) ae.certificate_sha256 = *cert;
  if (port) ae.port = static_cast<uint16_t>(*port);
  if (max_assoc) ae.max_associations = static_cast<uint32_t>(*max_assoc);
  struct Flag {
    const char* name;
    bool* value;
  };
  for (Flag f :
       {Flag{"check_host", &ae.check_host}, Flag{"allow_store", &ae.allow_store},
        Flag{"allow_find", &ae.allow_find}, Flag{"allow_get", &ae.allow_get},
        Flag{"allow_move", &ae.allow_move}, Flag{"allow_commitment", &ae.allow_commitment}}) {
    std::optional<bool> v;
    DOKUEI_RETURN_IF_ERROR(GetBool(body, f.name, &v));
    if (v) *f.value = *v;
  }
  return base::Status::Ok();
}

std::string AeDetail(const identity::AeTitle& a) {
  return "ae " + std::to_string(a.id) + " (" + a.ae_title + ")";
}

// The AE title named by {id}, if the principal reaches its tenant with `permission`.
base::Result<identity::AeTitle> PathAe(Services& s, const http::Request& req,
                                       std::string_view permission) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, PathId(req, "id", kAeNotFound));
  DOKUEI_ASSIGN_OR_RETURN(const auto tenants, ReachableTenants(s, req, permission));
  for (int64_t t : tenants) {
    DOKUEI_ASSIGN_OR_RETURN(const auto aes, s.identity.ae_titles().List(t));
    for (const auto& a : aes)
      if (a.id == id) return a;
  }
  return NotFound(kAeNotFound);
}

base::Result<identity::Contact> PathContact(Services& s, const http::Request& req,
                                            std::string_view permission) {
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, PathId(req, "id", kContactNotFound));
  DOKUEI_ASSIGN_OR_RETURN(const auto tenants, ReachableTenants(s, req, permission));
  for (int64_t t : tenants) {
    DOKUEI_ASSIGN_OR_RETURN(const auto contacts, s.identity.contacts().List(t));
    for (const auto& c : contacts)
      if (c.id == id) return c;
  }
  return NotFound(kContactNotFound);
}

// Identity's NotFound for an object that vanished meanwhile reads like ours.
base::Status SameNotFound(base::Status st, const ApiMessage& m) {
  return st.code() == base::Code::kNotFound ? NotFound(m) : st;
}

// ---- AE titles -------------------------------------------------------------------------------

base::Result<http::Response> ListAes(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "peers.read"));
  DOKUEI_ASSIGN_OR_RETURN(const auto aes, s.identity.ae_titles().List(t.id));
  json arr = json::array();
  for (const auto& a : aes) arr.push_back(AeJson(a));
  return JsonResponse(200, {{"ae_titles", arr}});
}

base::Result<http::Response> CreateAe(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "peers.manage"));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, kAeFields));
  if (!body.contains("ae_title")) return Invalid(kRequired, "ae_title");
  identity::AeTitle ae;
  DOKUEI_RETURN_IF_ERROR(ReadAe(body, ae));
  audit::AuditedDatabase adb(s.identity.database(), s.audit,
                             ChangeEvent(req, "ae.create", t.id, ""),
                             ChangeOptions([&](db::Conn& c, audit::Event& e) -> base::Status {
                               // The ae_titles row is the only insert of AeTitles::Add.
                               DOKUEI_ASSIGN_OR_RETURN(const int64_t id, db::LastInsertId(c));
                               auto norm = identity::NormalizeAeTitle(ae.ae_title);
                               e.object_detail = "ae " + std::to_string(id) + " (" +
                                                 (norm.ok() ? *norm : ae.ae_title) + ")";
                               return base::Status::Ok();
                             }));
  identity::AeTitles aes(adb, s.identity.clock());
  DOKUEI_ASSIGN_OR_RETURN(const identity::AeTitle out, aes.Add(t.id, ae));
  http::Response r = JsonResponse(201, AeJson(out));
  r.headers.Set("Location", "/api/ae-titles/" + std::to_string(out.id));
  return r;
}

base::Result<http::Response> GetAe(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::AeTitle a, PathAe(s, req, "peers.read"));
  return JsonResponse(200, AeJson(a));
}

base::Result<http::Response> PatchAe(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(identity::AeTitle a, PathAe(s, req, "peers.manage"));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, kAeFields));
  DOKUEI_RETURN_IF_ERROR(ReadAe(body, a));
  std::string changed;
  for (const auto& [key, value] : body.items()) changed += (changed.empty() ? "" : ",") + key;
  if (changed.empty()) return JsonResponse(200, AeJson(a));  // nothing to change or audit
  audit::Event e = ChangeEvent(req, "ae.update", a.tenant_id, AeDetail(a));
  e.message = "changed: " + changed;
  audit::AuditedDatabase adb(s.identity.database(), s.audit, std::move(e), ChangeOptions());
  identity::AeTitles aes(adb, s.identity.clock());
  auto out = aes.Update(a.tenant_id, a);
  if (!out.ok()) return SameNotFound(out.status(), kAeNotFound);
  return JsonResponse(200, AeJson(*out));
}

base::Result<http::Response> DeleteAe(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::AeTitle a, PathAe(s, req, "peers.manage"));
  audit::AuditedDatabase adb(s.identity.database(), s.audit,
                             ChangeEvent(req, "ae.delete", a.tenant_id, AeDetail(a)),
                             ChangeOptions());
  identity::AeTitles aes(adb, s.identity.clock());
  DOKUEI_RETURN_IF_ERROR(SameNotFound(aes.Remove(a.tenant_id, a.id), kAeNotFound));
  http::Response r;
  r.status = 204;
  return r;
}

// ---- contacts --------------------------------------------------------------------------------

constexpr std::string_view kContactFields[] = {"name", "role", "phone", "email",
                                               "critical_results"};

base::Status ReadContact(const json& body, identity::Contact& c) {
  std::optional<std::string> name, role, phone, email;
  std::optional<bool> critical;
  DOKUEI_RETURN_IF_ERROR(GetString(body, "name", &name));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "role", &role));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "phone", &phone));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "email", &email));
  DOKUEI_RETURN_IF_ERROR(GetBool(body, "critical_results", &critical));
  if (name) c.name = *name;
  if (role) c.role = *role;
  if (phone) c.phone = *phone;
  if (email) c.email = *email;
  if (critical) c.critical_results = *critical;
  return base::Status::Ok();
}

std::string ContactDetail(int64_t id) { return "contact " + std::to_string(id); }

base::Result<http::Response> ListContacts(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "contacts.read"));
  DOKUEI_ASSIGN_OR_RETURN(const auto contacts, s.identity.contacts().List(t.id));
  json arr = json::array();
  for (const auto& c : contacts) arr.push_back(ContactJson(c));
  return JsonResponse(200, {{"contacts", arr}});
}

base::Result<http::Response> CreateContact(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant t, PathTenant(s, req, "contacts.manage"));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, kContactFields));
  if (!body.contains("name")) return Invalid(kRequired, "name");
  identity::Contact k;
  DOKUEI_RETURN_IF_ERROR(ReadContact(body, k));
  audit::AuditedDatabase adb(s.identity.database(), s.audit,
                             ChangeEvent(req, "contact.create", t.id, ""),
                             ChangeOptions([](db::Conn& c, audit::Event& e) -> base::Status {
                               // The contacts row is the only insert of Contacts::Add.
                               DOKUEI_ASSIGN_OR_RETURN(const int64_t id, db::LastInsertId(c));
                               e.object_detail = ContactDetail(id);
                               return base::Status::Ok();
                             }));
  identity::Contacts contacts(adb);
  DOKUEI_ASSIGN_OR_RETURN(const identity::Contact out, contacts.Add(t.id, k));
  return JsonResponse(201, ContactJson(out));
}

base::Result<http::Response> PatchContact(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(identity::Contact k, PathContact(s, req, "contacts.manage"));
  DOKUEI_ASSIGN_OR_RETURN(const json body, ParseObject(req, kContactFields));
  DOKUEI_RETURN_IF_ERROR(ReadContact(body, k));
  std::string changed;
  for (const auto& [key, value] : body.items()) changed += (changed.empty() ? "" : ",") + key;
  if (changed.empty()) return JsonResponse(200, ContactJson(k));  // nothing to change or audit
  audit::Event e = ChangeEvent(req, "contact.update", k.tenant_id, ContactDetail(k.id));
  e.message = "changed: " + changed;
  audit::AuditedDatabase adb(s.identity.database(), s.audit, std::move(e), ChangeOptions());
  identity::Contacts contacts(adb);
  auto out = contacts.Update(k.tenant_id, k);
  if (!out.ok()) return SameNotFound(out.status(), kContactNotFound);
  return JsonResponse(200, ContactJson(*out));
}

base::Result<http::Response> DeleteContact(Services& s, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(const identity::Contact k, PathContact(s, req, "contacts.manage"));
  audit::AuditedDatabase adb(s.identity.database(), s.audit,
                             ChangeEvent(req, "contact.delete", k.tenant_id, ContactDetail(k.id)),
                             ChangeOptions());
  identity::Contacts contacts(adb);
  DOKUEI_RETURN_IF_ERROR(SameNotFound(contacts.Remove(k.tenant_id, k.id), kContactNotFound));
  http::Response r;
  r.status = 204;
  return r;
}

}  // namespace

base::Status RegisterNetworkRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return [&s, fn](http::Request& req) { return fn(s, req); };
  };
  DOKUEI_RETURN_IF_ERROR(
      AddRoutes(routes, "AE titles",
                {
                    {"GET", "/api/tenants/{tenant}/ae-titles", "peers.read",
                     "施設の AE タイトルの一覧", "List a tenant's AE titles", h(ListAes)},
                    {"POST", "/api/tenants/{tenant}/ae-titles", "peers.manage", "AE タイトルを登録",
                     "Add an AE title", h(CreateAe)},
                    {"GET", "/api/ae-titles/{id}", "peers.read", "AE タイトルの詳細",
                     "Get an AE title", h(GetAe)},
                    {"PATCH", "/api/ae-titles/{id}", "peers.manage",
                     "AE タイトルを変更 (ホスト・ポート・許可・TLS 証明書・同時接続数)",
                     "Change an AE title (host, port, allow flags, TLS certificate, associations)",
                     h(PatchAe)},
                    {"DELETE", "/api/ae-titles/{id}", "peers.manage", "AE タイトルを削除",
                     "Remove an AE title", h(DeleteAe)},
                }));
  return AddRoutes(routes, "Contacts",
                   {
                       {"GET", "/api/tenants/{tenant}/contacts", "contacts.read",
                        "施設の連絡先の一覧", "List a tenant's contact people", h(ListContacts)},
                       {"POST", "/api/tenants/{tenant}/contacts", "contacts.manage", "連絡先を追加",
                        "Add a contact person", h(CreateContact)},
                       {"PATCH", "/api/contacts/{id}", "contacts.manage", "連絡先を変更",
                        "Change a contact person", h(PatchContact)},
                       {"DELETE", "/api/contacts/{id}", "contacts.manage", "連絡先を削除",
                        "Remove a contact person", h(DeleteContact)},
                   });
}

}  // namespace dokuei::api::internal
