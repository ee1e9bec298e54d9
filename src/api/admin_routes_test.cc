// The administration routes over real HTTP on SQLite and PostgreSQL: CRUD, validation errors
// naming the field, another tenant's objects answered exactly like missing ones, and exactly
// one audit record per change (with the right fields, never a secret).
#include "api_fixture.h"

namespace dokuei::api::testing {
namespace {

// The one audit record a change wrote.
audit::Record Only(const std::vector<audit::Record>& records) {
  EXPECT_EQ(records.size(), 1u);
  return records.empty() ? audit::Record{} : records.front();
}

class AdminApiTest : public ApiTest {};

TEST_P(AdminApiTest, TenantsListedByScope) {
  auto all = Do("centre.admin", "GET", "/api/tenants");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.Json()["tenants"].size(), 3u);
  auto own = Do("sakura.admin", "GET", "/api/tenants");
  ASSERT_EQ(own.status, 200);
  ASSERT_EQ(own.Json()["tenants"].size(), 1u);
  EXPECT_EQ(own.Json()["tenants"][0]["code"], "sakura");
  // Coordinators read every tenant; hospital staff only their own.
  EXPECT_EQ(Do("coord1", "GET", "/api/tenants").Json()["tenants"].size(), 3u);
  EXPECT_EQ(Do("sakura.staff", "GET", "/api/tenants/sakura").status, 200);
  // Auditors hold no tenants.read at all.
  EXPECT_EQ(Do("sakura.auditor", "GET", "/api/tenants").status, 403);
  EXPECT_TRUE(NewRecords().empty()) << "reads of the directory are not audited";
}

TEST_P(AdminApiTest, OtherTenantIsIndistinguishableFromMissing) {
  auto other = Do("sakura.staff", "GET", "/api/tenants/kaede");
  auto missing = Do("sakura.staff", "GET", "/api/tenants/no-such-tenant");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, missing.body);
  EXPECT_EQ(other.headers["Content-Type"], "application/problem+json");
  // Japanese by default, English on request.
  EXPECT_EQ(other.Json()["detail"], "施設が見つかりません");
  auto en = Do("sakura.staff", "GET", "/api/tenants/kaede", nullptr,
               {{"Accept-Language", "en-GB,en;q=0.9"}});
  EXPECT_EQ(en.Json()["detail"], "no such tenant");
}

TEST_P(AdminApiTest, CreateAndChangeTenant) {
  auto r = Do("centre.admin", "POST", "/api/tenants",
              {{"code", "momiji"},
               {"name", "もみじ病院"},
               {"name_en", "Momiji Hospital"},
               {"staff_two_factor_required", true}});
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t id = r.Json()["id"];
  EXPECT_EQ(r.headers["Location"], "/api/tenants/momiji");
  EXPECT_EQ(r.Json()["kind"], "hospital");
  EXPECT_EQ(r.Json()["staff_two_factor_required"], true);
  auto rec = Only(NewRecords());
  EXPECT_EQ(rec.event.action, "tenant.create");
  EXPECT_EQ(rec.event.tenant_id, id);
  EXPECT_EQ(rec.event.actor, "centre.admin");
  EXPECT_EQ(rec.event.actor_tenant_id, centre_.id);
  EXPECT_EQ(rec.event.actor_roles, "administrator");
  EXPECT_EQ(rec.event.protocol, "http");
  EXPECT_EQ(rec.event.source_address, "127.0.0.1");
  EXPECT_EQ(rec.event.object_detail, "tenant " + std::to_string(id) + " (momiji)");

  r = Do("centre.admin", "PATCH", "/api/tenants/momiji",
         {{"enabled", false}, {"dicom_client_certificate_required", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["enabled"], false);
  EXPECT_EQ(r.Json()["dicom_client_certificate_required"], true);
  rec = Only(NewRecords());
  EXPECT_EQ(rec.event.action, "tenant.update");
  EXPECT_EQ(rec.event.tenant_id, id);
  EXPECT_NE(rec.event.message.find("enabled"), std::string::npos);

  // An empty change changes and audits nothing.
  r = Do("centre.admin", "PATCH", "/api/tenants/momiji", json::object());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["enabled"], false);
  EXPECT_TRUE(NewRecords().empty());

  // Hospital administrators cannot create or change tenants.
  EXPECT_EQ(Do("sakura.admin", "POST", "/api/tenants", {{"code", "x1"}, {"name", "x"}}).status,
            403);
  EXPECT_EQ(Do("sakura.admin", "PATCH", "/api/tenants/sakura", {{"name", "x"}}).status, 403);
  EXPECT_TRUE(NewRecords().empty());
}

TEST_P(AdminApiTest, TenantValidationNamesTheField) {
  struct Case {
    json body;
    std::string field;
  };
  const Case cases[] = {
      {{{"code", "Bad Code"}, {"name", "x"}}, "code"},
      {{{"code", "ok-code"}}, "name"},
      {{{"name", "x"}}, "code"},
      {{{"code", "ok-code"}, {"name", "x"}, {"colour", "red"}}, "colour"},
      {{{"code", "ok-code"}, {"name", "x"}, {"kind", "castle"}}, "kind"},
      {{{"code", "ok-code"}, {"name", 5}}, "name"},
      {{{"code", "sakura"}, {"name", "dup"}}, "code"},
  };
  for (const Case& c : cases) {
    auto r = Do("centre.admin", "POST", "/api/tenants", c.body);
    EXPECT_TRUE(r.status == 400 || r.status == 409) << c.body.dump() << " " << r.body;
    EXPECT_EQ(r.Json()["field"], c.field) << c.body.dump() << " " << r.body;
  }
  auto r = Call(server_->port(), "POST", "/api/tenants", "tok-centre.admin", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "body");
  r = Do("centre.admin", "PATCH", "/api/tenants/sakura", {{"kind", "reading_centre"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "kind");
  EXPECT_TRUE(NewRecords().empty()) << "refused changes write nothing";
}

TEST_P(AdminApiTest, UsersCreatedWithOneTimePasswordAndAudited) {
  auto r = Do("sakura.admin", "POST", "/api/tenants/sakura/users",
              {{"login", "Tanaka"}, {"display_name", "田中 花子"}, {"roles", {"hospital_staff"}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json u = r.Json();
  const int64_t id = u["id"];
  const std::string otp = u["one_time_password"];
  EXPECT_FALSE(otp.empty());
  EXPECT_EQ(u["login"], "tanaka");
  EXPECT_EQ(u["must_change_password"], true);
  EXPECT_EQ(u["roles"], json::array({"hospital_staff"}));
  auto rec = Only(NewRecords());
  EXPECT_EQ(rec.event.action, "user.create");
  EXPECT_EQ(rec.event.tenant_id, sakura_.id);
  EXPECT_EQ(rec.event.actor, "sakura.admin");
  EXPECT_EQ(rec.event.object_detail, "user " + std::to_string(id) + " (tanaka)");
  EXPECT_EQ(rec.event.message, "roles: hospital_staff");
  for (const auto& f : {rec.event.object_detail, rec.event.message})
    EXPECT_EQ(f.find(otp), std::string::npos) << "a secret in the audit trail";

  auto list = Do("sakura.admin", "GET", "/api/tenants/sakura/users");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["users"].size(), 4u);
  for (const auto& x : list.Json()["users"]) EXPECT_FALSE(x.contains("one_time_password"));
  auto got = Do("sakura.admin", "GET", "/api/users/" + std::to_string(id));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.Json()["display_name"], "田中 花子");
  EXPECT_TRUE(NewRecords().empty());
}

TEST_P(AdminApiTest, UserValidationNamesTheField) {
  struct Case {
    json body;
    std::string field;
  };
  const Case cases[] = {
      {{{"display_name", "x"}, {"roles", {"hospital_staff"}}}, "login"},
      {{{"login", "a b"}, {"display_name", "x"}, {"roles", {"hospital_staff"}}}, "login"},
      {{{"login", "okuser"}, {"roles", {"hospital_staff"}}}, "display_name"},
      {{{"login", "okuser"}, {"display_name", "x"}}, "roles"},
      {{{"login", "okuser"}, {"display_name", "x"}, {"roles", {"reader"}}}, "roles"},
      {{{"login", "okuser"}, {"display_name", "x"}, {"roles", {"wizard"}}}, "roles"},
      {{{"login", "okuser"},
        {"display_name", "x"},
        {"roles", {"hospital_staff"}},
        {"password", "password"}},
       "password"},
      {{{"login", "sakura.staff"}, {"display_name", "x"}, {"roles", {"hospital_staff"}}}, "login"},
  };
  for (const Case& c : cases) {
    auto r = Do("sakura.admin", "POST", "/api/tenants/sakura/users", c.body);
    EXPECT_TRUE(r.status == 400 || r.status == 409) << c.body.dump() << " " << r.body;
    EXPECT_EQ(r.Json()["field"], c.field) << c.body.dump() << " " << r.body;
  }
  EXPECT_TRUE(NewRecords().empty());
}

TEST_P(AdminApiTest, UsersOfAnotherTenantAreNotFound) {
  const std::string kaede_staff = std::to_string(users_["kaede.staff"].id);
  for (const auto& [method, suffix, body] : std::vector<std::tuple<std::string, std::string, json>>{
           {"GET", "", nullptr},
           {"PATCH", "", {{"display_name", "x"}}},
           {"POST", "/password-reset", nullptr},
           {"POST", "/two-factor/reset", nullptr},
           {"POST", "/unlock", nullptr}}) {
    auto other = Do("sakura.admin", method, "/api/users/" + kaede_staff + suffix, body);
    auto missing = Do("sakura.admin", method, "/api/users/999999" + suffix, body);
    EXPECT_EQ(other.status, 404) << method << suffix;
    EXPECT_EQ(other.body, missing.body) << method << suffix;
  }
  auto other = Do("sakura.admin", "POST", "/api/tenants/kaede/users",
                  {{"login", "intruder"}, {"display_name", "x"}, {"roles", {"hospital_staff"}}});
  auto missing = Do("sakura.admin", "POST", "/api/tenants/nowhere/users",
                    {{"login", "intruder"}, {"display_name", "x"}, {"roles", {"hospital_staff"}}});
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, missing.body);
  EXPECT_EQ(Do("sakura.admin", "GET", "/api/tenants/kaede/users").status, 404);
  // The centre's administrator reaches every tenant.
  EXPECT_EQ(Do("centre.admin", "GET", "/api/users/" + kaede_staff).status, 200);
  EXPECT_TRUE(NewRecords().empty());
}

TEST_P(AdminApiTest, PatchUserAuditsEachKindOfChange) {
  const std::string id = std::to_string(users_["sakura.staff"].id);
  auto r = Do("sakura.admin", "PATCH", "/api/users/" + id,
              {{"display_name", "佐藤 一郎"},
               {"roles", {"hospital_staff", "administrator"}},
               {"enabled", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["display_name"], "佐藤 一郎");
  EXPECT_EQ(r.Json()["roles"], json::array({"hospital_staff", "administrator"}));
  EXPECT_EQ(r.Json()["enabled"], false);
  auto recs = NewRecords();
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].event.action, "user.update");
  EXPECT_EQ(recs[1].event.action, "role.change");
  EXPECT_EQ(recs[1].event.message, "roles: hospital_staff -> hospital_staff,administrator");
  EXPECT_EQ(recs[2].event.action, "user.disable");
  for (const auto& rec : recs) {
    EXPECT_EQ(rec.event.tenant_id, sakura_.id);
    EXPECT_EQ(rec.event.object_detail, "user " + id + " (sakura.staff)");
  }
  r = Do("sakura.admin", "PATCH", "/api/users/" + id, {{"enabled", true}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Only(NewRecords()).event.action, "user.enable");
  // Roles of the other kind of tenant, a login change and wrong types are refused.
  EXPECT_EQ(
      Do("sakura.admin", "PATCH", "/api/users/" + id, {{"roles", {"reader"}}}).Json()["field"],
      "roles");
  EXPECT_EQ(Do("sakura.admin", "PATCH", "/api/users/" + id, {{"login", "other"}}).Json()["field"],
            "login");
  EXPECT_EQ(Do("sakura.admin", "PATCH", "/api/users/" + id, {{"enabled", "no"}}).Json()["field"],
            "enabled");
  EXPECT_TRUE(NewRecords().empty());
  // Hospital staff cannot manage users.
  EXPECT_EQ(Do("sakura.staff", "PATCH", "/api/users/" + id, {{"display_name", "x"}}).status, 403);
}

TEST_P(AdminApiTest, PasswordResetTwoFactorResetAndUnlock) {
  const std::string id = std::to_string(users_["sakura.staff"].id);
  auto r = Do("sakura.admin", "POST", "/api/users/" + id + "/password-reset");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string otp = r.Json()["one_time_password"];
  EXPECT_EQ(r.Json()["must_change_password"], true);
  auto rec = Only(NewRecords());
  EXPECT_EQ(rec.event.action, "password.reset");
  EXPECT_EQ(rec.event.message.find(otp), std::string::npos);
  auto u = stack_.id().accounts().Get(sakura_.id, users_["sakura.staff"].id);
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->must_change_password);

  r = Do("sakura.admin", "POST", "/api/users/" + id + "/password-reset", {{"password", "short"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "password");
  EXPECT_TRUE(NewRecords().empty());

  r = Do("sakura.admin", "POST", "/api/users/" + id + "/two-factor/reset");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["two_factor_enrolled"], false);
  EXPECT_EQ(Only(NewRecords()).event.action, "totp.reset");

  r = Do("sakura.admin", "POST", "/api/users/" + id + "/unlock");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["locked"], false);
  EXPECT_EQ(Only(NewRecords()).event.action, "user.unlock");
}

TEST_P(AdminApiTest, AeTitlesManagedByTheCentreSeenByTheHospital) {
  auto r = Do("centre.admin", "POST", "/api/tenants/sakura/ae-titles",
              {{"ae_title", "SAKURA_CT"},
               {"host", "192.0.2.10"},
               {"port", 104},
               {"allow_move", false},
               {"max_associations", 4},
               {"certificate_sha256", std::string(64, 'a')}});
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t id = r.Json()["id"];
  EXPECT_EQ(r.Json()["allow_move"], false);
  EXPECT_EQ(r.Json()["allow_store"], true);
  auto rec = Only(NewRecords());
  EXPECT_EQ(rec.event.action, "ae.create");
  EXPECT_EQ(rec.event.tenant_id, sakura_.id);
  EXPECT_EQ(rec.event.object_detail, "ae " + std::to_string(id) + " (SAKURA_CT)");

  const std::string path = "/api/ae-titles/" + std::to_string(id);
  EXPECT_EQ(Do("sakura.admin", "GET", "/api/tenants/sakura/ae-titles").Json()["ae_titles"].size(),
            1u);
  EXPECT_EQ(Do("sakura.admin", "GET", path).status, 200);
  EXPECT_EQ(Do("sakura.admin", "PATCH", path, {{"port", 105}}).status, 403);
  auto other = Do("kaede.admin", "GET", path);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, Do("kaede.admin", "GET", "/api/ae-titles/987654").body);

  r = Do("centre.admin", "PATCH", path, {{"port", 70000}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "port");
  r = Do("centre.admin", "PATCH", path, {{"certificate_sha256", "XYZ"}});
  EXPECT_EQ(r.Json()["field"], "certificate_sha256");
  r = Do("centre.admin", "POST", "/api/tenants/kaede/ae-titles", {{"ae_title", "sakura_ct"}});
  EXPECT_EQ(r.Json()["field"], "ae_title") << "AE titles are unique regardless of case";
  EXPECT_TRUE(NewRecords().empty());

  r = Do("centre.admin", "PATCH", path, {{"port", 11112}, {"allow_find", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["port"], 11112);
  EXPECT_EQ(r.Json()["allow_find"], false);
  EXPECT_EQ(r.Json()["host"], "192.0.2.10");
  rec = Only(NewRecords());
  EXPECT_EQ(rec.event.action, "ae.update");
  auto stored = stack_.id().ae_titles().Lookup("SAKURA_CT");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->port, 11112);

  r = Do("centre.admin", "DELETE", path);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(Only(NewRecords()).event.action, "ae.delete");
  EXPECT_EQ(Do("centre.admin", "GET", path).status, 404);
}

TEST_P(AdminApiTest, ContactsOfTheHospital) {
  auto r = Do("sakura.admin", "POST", "/api/tenants/sakura/contacts",
              {{"name", "放射線科 受付"}, {"phone", "+81 3-1234-5678"}, {"role", "受付"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t id = r.Json()["id"];
  auto rec = Only(NewRecords());
  EXPECT_EQ(rec.event.action, "contact.create");
  EXPECT_EQ(rec.event.object_detail, "contact " + std::to_string(id));
  EXPECT_EQ(rec.event.tenant_id, sakura_.id);
  EXPECT_EQ(Do("sakura.staff", "GET", "/api/tenants/sakura/contacts").Json()["contacts"].size(),
            1u);
  const std::string path = "/api/contacts/" + std::to_string(id);
  EXPECT_EQ(Do("sakura.admin", "PATCH", path, {{"phone", "call me"}}).Json()["field"], "phone");
  auto other = Do("kaede.admin", "PATCH", path, {{"name", "x"}});
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, Do("kaede.admin", "PATCH", "/api/contacts/424242", {{"name", "x"}}).body);
  EXPECT_TRUE(NewRecords().empty());
  r = Do("sakura.admin", "PATCH", path, {{"critical_results", false}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["critical_results"], false);
  EXPECT_EQ(r.Json()["name"], "放射線科 受付");
  EXPECT_EQ(Only(NewRecords()).event.action, "contact.update");
  EXPECT_EQ(Do("kaede.admin", "DELETE", path).status, 404);
  EXPECT_EQ(Do("sakura.admin", "DELETE", path).status, 204);
  EXPECT_EQ(Only(NewRecords()).event.action, "contact.delete");
}

TEST_P(AdminApiTest, ReaderProfiles) {
  const json profile = {{"years_of_experience", 18},
                        {"certifications", {"日本医学放射線学会 放射線診断専門医"}},
                        {"subspecialties", {"spine", "msk"}},
                        {"modalities", {"MR", "CT"}},
                        {"languages", {"ja", "en"}},
                        {"biography", "脊椎 MRI を専門とする。"}};
  auto r = Do("reader1", "PUT", "/api/readers/me/profile", profile);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["years_of_experience"], 18);
  auto rec = Only(NewRecords());
  EXPECT_EQ(rec.event.action, "reader_profile.update");
  EXPECT_EQ(rec.event.object_detail, "reader " + std::to_string(users_["reader1"].id));

  // Hospitals see who reads for them.
  auto list = Do("sakura.staff", "GET", "/api/readers");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.Json()["readers"].size(), 1u);
  EXPECT_EQ(list.Json()["readers"][0]["certifications"][0], "日本医学放射線学会 放射線診断専門医");
  const std::string reader = std::to_string(users_["reader1"].id);
  EXPECT_EQ(Do("kaede.admin", "GET", "/api/readers/" + reader).status, 200);

  // The centre's administrator edits anybody's; nobody else can.
  r = Do("centre.admin", "PUT", "/api/readers/" + reader + "/profile",
         {{"years_of_experience", 19}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["certifications"].size(), 0u) << "PUT replaces the profile";
  EXPECT_EQ(Only(NewRecords()).event.action, "reader_profile.update");
  EXPECT_EQ(Do("sakura.admin", "PUT", "/api/readers/" + reader + "/profile", profile).status, 403);
  EXPECT_EQ(Do("reader1", "PUT", "/api/readers/" + reader + "/profile", profile).status, 403);
  EXPECT_EQ(Do("sakura.staff", "PUT", "/api/readers/me/profile", profile).status, 403);
  // Not a reader: the coordinator has no profile to edit.
  EXPECT_EQ(Do("centre.admin", "PUT",
               "/api/readers/" + std::to_string(users_["coord1"].id) + "/profile", profile)
                .status,
            409);
  r = Do("reader1", "PUT", "/api/readers/me/profile", {{"years_of_experience", 200}});
  EXPECT_EQ(r.Json()["field"], "years_of_experience");
  r = Do("reader1", "PUT", "/api/readers/me/profile", {{"modalities", "MR"}});
  EXPECT_EQ(r.Json()["field"], "modalities");
  EXPECT_TRUE(NewRecords().empty());

  // Photos: checked by signature.
  const std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + std::string(32, '\0');
  auto call = Call(server_->port(), "PUT", "/api/readers/me/photo", "tok-reader1", png,
                   {{"Content-Type", "image/png"}});
  ASSERT_EQ(call.status, 204) << call.body;
  EXPECT_EQ(Only(NewRecords()).event.action, "reader_profile.photo");
  auto photo = Do("sakura.staff", "GET", "/api/readers/" + reader + "/photo");
  ASSERT_EQ(photo.status, 200);
  EXPECT_EQ(photo.headers["Content-Type"], "image/png");
  EXPECT_EQ(photo.body, png);
  call = Call(server_->port(), "PUT", "/api/readers/me/photo", "tok-reader1", "GIF89a....",
              {{"Content-Type", "image/gif"}});
  EXPECT_EQ(call.status, 400);
  EXPECT_EQ(call.Json()["field"], "photo");
  call = Call(server_->port(), "PUT", "/api/readers/me/photo", "tok-reader1",
              std::string(600 * 1024, 'x'), {{"Content-Type", "image/png"}});
  EXPECT_EQ(call.status, 400) << "larger than identity's photo limit";
  EXPECT_EQ(call.Json()["field"], "photo");
  call = Call(server_->port(), "PUT", "/api/readers/me/photo", "tok-reader1",
              std::string(2 * 1024 * 1024, 'x'), {{"Content-Type", "image/png"}});
  EXPECT_EQ(call.status, 413) << "refused before the body is read";
  auto big = Do("reader1", "PUT", "/api/readers/me/profile",
                {{"biography", std::string(100 * 1024, 'a')}});
  EXPECT_EQ(big.status, 413);
  EXPECT_TRUE(NewRecords().empty());
}

TEST_P(AdminApiTest, NoChangeWithoutItsAuditRecord) {
  stack_.audit_switch().fail = true;
  auto r = Do("sakura.admin", "POST", "/api/tenants/sakura/users",
              {{"login", "ghost"}, {"display_name", "x"}, {"roles", {"hospital_staff"}}});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.Json()["detail"], "監査記録を書き込めなかったため、変更は行われませんでした");
  r = Do("centre.admin", "PATCH", "/api/tenants/sakura", {{"enabled", false}});
  EXPECT_EQ(r.status, 503);
  stack_.audit_switch().fail = false;
  EXPECT_FALSE(stack_.id().accounts().FindByLogin("ghost").ok());
  auto t = stack_.id().tenants().Get(sakura_.id);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->disabled);
  EXPECT_TRUE(NewRecords().empty());
}

TEST_P(AdminApiTest, NoCredentialsNoData) {
  for (const auto& route : routes_.routes()) {
    std::string path = route.pattern;
    for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"{tenant}", "sakura"}, {"{user}", "1"}, {"{id}", "1"}}) {
      if (auto p = path.find(from); p != std::string::npos) path.replace(p, from.size(), to);
    }
    auto r = Do("", route.method, path);
    EXPECT_EQ(r.status, 401) << route.method << " " << path;
    EXPECT_EQ(r.Json()["status"], 401);
    EXPECT_EQ(r.Json().size(), 4u) << r.body;  // type, title, status, detail: nothing else
  }
}

DOKUEI_API_BACKENDS(AdminApiTest);

}  // namespace
}  // namespace dokuei::api::testing
