// Administration routes, part 3: the published profiles of the reading centre's readers
// (product.md: hospitals see who reads for them) and their photos.
//
//   GET /api/readers                     profiles.read    (every reader serving the caller)
//   GET /api/readers/{user}              profiles.read
//   GET /api/readers/{user}/photo        profiles.read
//   PUT /api/readers/me/profile          profiles.self    (a reader's own profile)
//   PUT /api/readers/me/photo            profiles.self
//   PUT /api/readers/{user}/profile      profiles.manage  (the reading centre's administrators)
//   PUT /api/readers/{user}/photo        profiles.manage
//
// One's own profile and anybody's are separate routes so that each route names exactly one
// permission. Profiles belong to the reading centre: a grant that does not reach it answers 404.
#include "route_util.h"

namespace dokuei::api::internal {

namespace {

audit::Event ProfileEvent(const http::Request& req, std::string action, int64_t tenant_id,
                          int64_t user_id) {
  audit::Event e = RequestEvent(req, std::move(action));
  e.tenant_id = tenant_id;
  e.object_detail = "reader " + std::to_string(user_id);
  return e;
}

base::Status SameNotFound(base::Status st, const ApiMessage& m) {
  return st.code() == base::Code::kNotFound ? NotFound(m) : st;
}

// The reading centre, if `permission` reaches it.
base::Result<identity::Tenant> Centre(Services& s, const http::Request& req,
                                      std::string_view permission) {
  auto centre = s.identity.tenants().ReadingCentre();
  if (!centre.ok()) return SameNotFound(centre.status(), kReaderNotFound);
  if (!req.principal.Reaches(permission, centre->id)) return NotFound(kReaderNotFound);
  return centre;
}

base::Result<http::Response> ListReaders(Services& s, http::Request& req) {
  auto centre = Centre(s, req, "profiles.read");
  json arr = json::array();
  if (centre.ok()) {
    DOKUEI_ASSIGN_OR_RETURN(const auto profiles, s.identity.profiles().List());
    for (const auto& p : profiles) arr.push_back(ProfileJson(p));
  } else if (centre.status().code() != base::Code::kNotFound) {
    return centre.status();
  }
  return JsonResponse(200, {{"readers", arr}});
}

base::Result<http::Response> GetReader(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(Centre(s, req, "profiles.read").status());
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, PathId(req, "user", kReaderNotFound));
  auto p = s.identity.profiles().Get(id);
  if (!p.ok()) return SameNotFound(p.status(), kReaderNotFound);
  return JsonResponse(200, ProfileJson(*p));
}

base::Result<http::Response> GetPhoto(Services& s, http::Request& req) {
  DOKUEI_RETURN_IF_ERROR(Centre(s, req, "profiles.read").status());
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, PathId(req, "user", kReaderNotFound));
  auto photo = s.identity.profiles().GetPhoto(id);
  if (!photo.ok()) return SameNotFound(photo.status(), kPhotoNotFound);
  http::Response r = http::Response::Bytes(200, photo->content_type, std::move(photo->bytes));
  r.headers.Set("Cache-Control", "private, max-age=300");
  r.headers.Set("X-Content-Type-Options", "nosniff");
  return r;
}

// Whose profile a PUT changes: the caller (me) or {user} of the reading centre.
base::Result<std::pair<int64_t, int64_t>> Target(Services& s, const http::Request& req, bool self,
                                                 std::string_view permission) {
  if (self) {
    if (req.principal.user_id == 0 || !req.principal.Reaches(permission, req.principal.tenant_id))
      return NotFound(kReaderNotFound);
    return std::pair{req.principal.tenant_id, req.principal.user_id};
  }
  DOKUEI_ASSIGN_OR_RETURN(const identity::Tenant centre, Centre(s, req, permission));
  DOKUEI_ASSIGN_OR_RETURN(const int64_t id, PathId(req, "user", kReaderNotFound));
  return std::pair{centre.id, id};
}

base::Result<http::Response> PutProfile(Services& s, http::Request& req, bool self,
                                        std::string_view permission) {
  DOKUEI_ASSIGN_OR_RETURN(const auto target, Target(s, req, self, permission));
  const auto [tenant_id, user_id] = target;
  DOKUEI_ASSIGN_OR_RETURN(
      const json body, ParseObject(req, {"years_of_experience", "certifications", "subspecialties",
                                         "modalities", "languages", "biography"}));
  std::optional<int64_t> years;
  std::optional<std::vector<std::string>> certs, subs, mods, langs;
  std::optional<std::string> bio;
  DOKUEI_RETURN_IF_ERROR(GetInt(body, "years_of_experience", 0, 80, &years));
  DOKUEI_RETURN_IF_ERROR(GetStringList(body, "certifications", &certs));
  DOKUEI_RETURN_IF_ERROR(GetStringList(body, "subspecialties", &subs));
  DOKUEI_RETURN_IF_ERROR(GetStringList(body, "modalities", &mods));
  DOKUEI_RETURN_IF_ERROR(GetStringList(body, "languages", &langs));
  DOKUEI_RETURN_IF_ERROR(GetString(body, "biography", &bio));
  // PUT replaces the whole profile: a missing member is empty.
  identity::ReaderProfile p;
  p.years_of_experience = static_cast<int>(years.value_or(0));
  p.certifications = certs.value_or(std::vector<std::string>{});
  p.subspecialties = subs.value_or(std::vector<std::string>{});
  p.modalities = mods.value_or(std::vector<std::string>{});
  p.languages = langs.value_or(std::vector<std::string>{});
  p.biography = bio.value_or("");
  audit::AuditedDatabase adb(s.identity.database(), s.audit,
                             ProfileEvent(req, "reader_profile.update", tenant_id, user_id),
                             ChangeOptions());
  identity::ReaderProfiles profiles(adb, s.identity.clock(), s.identity.options());
  auto out = profiles.Put(tenant_id, user_id, p);
  if (!out.ok()) return SameNotFound(out.status(), kReaderNotFound);
  return JsonResponse(200, ProfileJson(*out));
}

base::Result<http::Response> PutPhoto(Services& s, http::Request& req, bool self,
                                      std::string_view permission) {
  DOKUEI_ASSIGN_OR_RETURN(const auto target, Target(s, req, self, permission));
  const auto [tenant_id, user_id] = target;
  identity::Photo photo;
  photo.content_type = std::string(req.Header("Content-Type"));
  photo.bytes = req.body;
  audit::AuditedDatabase adb(s.identity.database(), s.audit,
                             ProfileEvent(req, "reader_profile.photo", tenant_id, user_id),
                             ChangeOptions());
  identity::ReaderProfiles profiles(adb, s.identity.clock(), s.identity.options());
  DOKUEI_RETURN_IF_ERROR(
      SameNotFound(profiles.SetPhoto(tenant_id, user_id, photo), kReaderNotFound));
  http::Response r;
  r.status = 204;
  return r;
}

}  // namespace

base::Status RegisterReaderRoutes(http::RouteTable& routes, Services& s) {
  auto h = [&s](base::Result<http::Response> (*fn)(Services&, http::Request&)) -> http::Handler {
    return [&s, fn](http::Request& req) { return fn(s, req); };
  };
  auto put = [&s](auto fn, bool self, const char* permission) -> http::Handler {
    return [&s, fn, self, permission](http::Request& req) { return fn(s, req, self, permission); };
  };
  return AddRoutes(
      routes, "Readers",
      {
          {"GET", "/api/readers", "profiles.read", "読影医の一覧 (経験年数・専門医資格・専門領域)",
           "List the readers (experience, board certifications, subspecialties)", h(ListReaders)},
          {"GET", "/api/readers/{user}", "profiles.read", "読影医のプロフィール",
           "Get a reader's profile", h(GetReader)},
          {"GET",
           "/api/readers/{user}/photo",
           "profiles.read",
           "読影医の写真",
           "Get a reader's photo",
           h(GetPhoto),
           kJsonBodyLimit,
           {"image/jpeg", "image/png", "image/webp"}},
          {"PUT", "/api/readers/me/profile", "profiles.self", "自分のプロフィールを更新",
           "Update one's own reader profile", put(PutProfile, true, "profiles.self")},
          {"PUT", "/api/readers/me/photo", "profiles.self", "自分の写真を更新 (JPEG・PNG・WebP)",
           "Update one's own photo (JPEG, PNG, WebP)", put(PutPhoto, true, "profiles.self"),
           kPhotoBodyLimit},
          {"PUT", "/api/readers/{user}/profile", "profiles.manage", "読影医のプロフィールを更新",
           "Update a reader's profile", put(PutProfile, false, "profiles.manage")},
          {"PUT", "/api/readers/{user}/photo", "profiles.manage",
           "読影医の写真を更新 (JPEG・PNG・WebP)", "Update a reader's photo (JPEG, PNG, WebP)",
           put(PutPhoto, false, "profiles.manage"), kPhotoBodyLimit},
      });
}

}  // namespace dokuei::api::internal
