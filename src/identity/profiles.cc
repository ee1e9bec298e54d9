// Reader profiles: the published credentials of the reading centre's readers and checkers.
#include <algorithm>

#include "dokuei/identity/accounts.h"
#include "msg.h"
#include "util.h"

namespace dokuei::identity {

using base::Status;
using db::Conn;
using db::Row;
using db::TxKind;
using db::Value;
using internal::I;
using internal::S;
using internal::Us;

namespace {

// A profile is visible when its user is enabled, belongs to the (enabled) reading centre and
// reads (reader or checker).
constexpr char kPublished[] =
    " JOIN users u ON u.id = p.user_id"
    " JOIN identity_tenants i ON i.tenant_id = u.tenant_id"
    " WHERE u.disabled = 0 AND i.kind = 'reading_centre' AND i.disabled = 0"
    " AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id"
    " AND r.role IN ('reader', 'checker'))";

constexpr char kProfileColumns[] =
    "p.user_id, u.display_name, p.years_of_experience, p.certifications, p.subspecialties,"
    " p.modalities, p.languages, p.biography, p.updated_at_us,"
    " (SELECT COUNT(*) FROM reader_photos ph WHERE ph.user_id = p.user_id)";

ReaderProfile DecodeProfile(const Row& r) {
  ReaderProfile p;
  p.user_id = r.Int(0);
  p.display_name = std::string(r.Str(1));
  p.years_of_experience = static_cast<int>(r.Int(2));
  p.certifications = internal::DecodeStringList(r.Str(3));
  p.subspecialties = internal::DecodeStringList(r.Str(4));
  p.modalities = internal::DecodeStringList(r.Str(5));
  p.languages = internal::DecodeStringList(r.Str(6));
  p.biography = std::string(r.Str(7));
  p.updated_at = internal::FromUs(r.Int(8));
  p.has_photo = r.Int(9) != 0;
  return p;
}

Status CheckList(const std::vector<std::string>& v, const char* field) {
  if (v.size() > 20) return msg::Invalid(msg::kList, field);
  for (const auto& s : v)
    if (!internal::IsCleanText(s, 100, true)) return msg::Invalid(msg::kList, field);
  return Status::Ok();
}

// The user must be a reader or checker of the reading centre, in tenant_id.
Status CheckReader(Conn& c, int64_t tenant_id, int64_t user_id, base::Timestamp now) {
  DOKUEI_ASSIGN_OR_RETURN(const User u, internal::LoadUser(c, tenant_id, user_id, now));
  DOKUEI_ASSIGN_OR_RETURN(const Tenant t, internal::LoadTenant(c, u.tenant_id));
  const bool reads = std::any_of(u.roles.begin(), u.roles.end(),
                                 [](Role r) { return r == Role::kReader || r == Role::kChecker; });
  if (t.kind != TenantKind::kReadingCentre || !reads)
    return msg::Status(base::Code::kFailedPrecondition, msg::kNotReader);
  return Status::Ok();
}

bool PhotoSignatureMatches(const Photo& photo) {
  const std::string_view b = photo.bytes;
  if (photo.content_type == "image/jpeg") return b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF";
  if (photo.content_type == "image/png") return b.substr(0, 8) == "\x89PNG\r\n\x1A\n";
  if (photo.content_type == "image/webp")
    return b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP";
  return false;
}

}  // namespace

base::Result<ReaderProfile> ReaderProfiles::Put(int64_t tenant_id, int64_t user_id,
                                                const ReaderProfile& p) {
  if (p.years_of_experience < 0 || p.years_of_experience > 80)
    return msg::Invalid(msg::kYears, "years_of_experience");
  DOKUEI_RETURN_IF_ERROR(CheckList(p.certifications, "certifications"));
  DOKUEI_RETURN_IF_ERROR(CheckList(p.subspecialties, "subspecialties"));
  DOKUEI_RETURN_IF_ERROR(CheckList(p.modalities, "modalities"));
  DOKUEI_RETURN_IF_ERROR(CheckList(p.languages, "languages"));
  if (!internal::IsCleanText(p.biography, 4000, false, /*allow_newlines=*/true))
    return msg::Invalid(msg::kText, "biography");
  const base::Timestamp now = clock_.Now();
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_RETURN_IF_ERROR(CheckReader(c, tenant_id, user_id, now));
    const Value v[] = {I(user_id),
                       I(tenant_id),
                       I(p.years_of_experience),
                       internal::EncodeStringList(p.certifications),
                       internal::EncodeStringList(p.subspecialties),
                       internal::EncodeStringList(p.modalities),
                       internal::EncodeStringList(p.languages),
                       p.biography,
                       I(Us(now))};
    return c.Exec(
        "INSERT INTO reader_profiles (user_id, tenant_id, years_of_experience, certifications,"
        " subspecialties, modalities, languages, biography, updated_at_us)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
        " years_of_experience = excluded.years_of_experience,"
        " certifications = excluded.certifications, subspecialties = excluded.subspecialties,"
        " modalities = excluded.modalities, languages = excluded.languages,"
        " biography = excluded.biography, updated_at_us = excluded.updated_at_us",
        v);
  }));
  return Get(user_id);
}

base::Result<ReaderProfile> ReaderProfiles::Get(int64_t user_id) {
  ReaderProfile out;
  bool found = false;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    const Value p[] = {I(user_id)};
    return internal::QueryRow(
        c,
        std::string("SELECT ") + kProfileColumns + " FROM reader_profiles p" + kPublished +
            " AND p.user_id = ?",
        p, [&](const Row& r) { out = DecodeProfile(r); }, &found);
  }));
  if (!found) return msg::Status(base::Code::kNotFound, msg::kProfileNotFound);
  return out;
}

base::Result<std::vector<ReaderProfile>> ReaderProfiles::List() {
  std::vector<ReaderProfile> out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    return c.Query(std::string("SELECT ") + kProfileColumns + " FROM reader_profiles p" +
                       kPublished + " ORDER BY u.display_name, p.user_id",
                   {}, [&](const Row& r) {
                     out.push_back(DecodeProfile(r));
                     return Status::Ok();
                   });
  }));
  return out;
}

Status ReaderProfiles::SetPhoto(int64_t tenant_id, int64_t user_id, const Photo& photo) {
  if (photo.bytes.size() > options_.max_photo_bytes) return msg::Invalid(msg::kPhotoSize, "photo");
  if (!PhotoSignatureMatches(photo)) return msg::Invalid(msg::kPhotoType, "photo");
  const base::Timestamp now = clock_.Now();
  const std::string data = internal::Base64(photo.bytes);
  return db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_RETURN_IF_ERROR(CheckReader(c, tenant_id, user_id, now));
    const Value p[] = {I(user_id), photo.content_type, data};
    return c.Exec(
        "INSERT INTO reader_photos (user_id, content_type, data) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type,"
        " data = excluded.data",
        p);
  });
}

Status ReaderProfiles::RemovePhoto(int64_t tenant_id, int64_t user_id) {
  return db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    bool found = false;
    const Value p[] = {I(user_id), I(tenant_id)};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "DELETE FROM reader_photos WHERE user_id = ?"
        " AND user_id IN (SELECT id FROM users WHERE tenant_id = ?) RETURNING user_id",
        p, [](const Row&) {}, &found));
    if (!found) return msg::Status(base::Code::kNotFound, msg::kPhotoNotFound);
    return Status::Ok();
  });
}

base::Result<Photo> ReaderProfiles::GetPhoto(int64_t user_id) {
  Photo out;
  std::string data;
  bool found = false;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    const Value p[] = {I(user_id)};
    return internal::QueryRow(
        c,
        std::string("SELECT ph.content_type, ph.data FROM reader_photos ph"
                    " JOIN reader_profiles p ON p.user_id = ph.user_id") +
            kPublished + " AND ph.user_id = ?",
        p,
        [&](const Row& r) {
          out.content_type = std::string(r.Str(0));
          data = std::string(r.Str(1));
        },
        &found);
  }));
  if (!found) return msg::Status(base::Code::kNotFound, msg::kPhotoNotFound);
  auto bytes = internal::FromBase64(data);
  if (!bytes) return base::DataLoss("identity: stored photo is not valid base64");
  out.bytes = std::move(*bytes);
  return out;
}

}  // namespace dokuei::identity
