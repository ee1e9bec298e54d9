#include "dokuei/identity/directory.h"

#include <algorithm>

#include "dokuei/base/strings.h"
#include "msg.h"
#include "util.h"

namespace dokuei::identity {

using base::Status;
using db::Conn;
using db::Row;
using db::TxKind;
using db::Value;
using internal::B;
using internal::I;
using internal::S;
using internal::Us;

Status ValidateTenantCode(std::string_view code) {
  const bool ok = !code.empty() && code.size() <= 64 && code.front() != '-' &&
                  std::all_of(code.begin(), code.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                  });
  return ok ? Status::Ok() : msg::Invalid(msg::kTenantCode, "code");
}

namespace {

Status ValidateNames(const std::string& name, const std::string& name_en) {
  DOKUEI_RETURN_IF_ERROR(internal::CheckText(name, 200, true, msg::kName, "name"));
  return internal::CheckText(name_en, 200, false, msg::kText, "name_en");
}

std::string TenantSelect(std::string_view where) {
  return std::string("SELECT ") + internal::kTenantColumns +
         " FROM tenants t LEFT JOIN identity_tenants i ON i.tenant_id = t.id " + std::string(where);
}

}  // namespace

base::Result<Tenant> TenantDirectory::Create(const TenantSpec& spec) {
  DOKUEI_RETURN_IF_ERROR(ValidateTenantCode(spec.code));
  DOKUEI_RETURN_IF_ERROR(ValidateNames(spec.name, spec.name_en));
  const int64_t now = Us(clock_.Now());
  Tenant out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    int64_t id = 0;
    bool found = false;
    const Value code[] = {spec.code};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c, "SELECT id FROM tenants WHERE code = ?", code, [&](const Row& r) { id = r.Int(0); },
        &found));
    if (found) {
      // Created by the index alone (configuration file): identity adopts it.
      bool has_identity = false;
      const Value p[] = {I(id)};
      DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
          c, "SELECT tenant_id FROM identity_tenants WHERE tenant_id = ?", p, [](const Row&) {},
          &has_identity));
      if (has_identity)
        return msg::Status(base::Code::kAlreadyExists, msg::kTenantCodeTaken, "code");
    }
    if (spec.kind == TenantKind::kReadingCentre) {
      bool exists = false;
      DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
          c, "SELECT tenant_id FROM identity_tenants WHERE kind = 'reading_centre'", {},
          [](const Row&) {}, &exists));
      if (exists) {
        return msg::Status(base::Code::kFailedPrecondition, msg::kSecondReadingCentre, "kind");
      }
    }
    if (found) {
      const Value p[] = {spec.name, I(id)};
      DOKUEI_RETURN_IF_ERROR(c.Exec("UPDATE tenants SET name = ? WHERE id = ?", p));
    } else {
      const Value p[] = {spec.code, spec.name};
      DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
          c,
          "INSERT INTO tenants (code, name) VALUES (?, ?) ON CONFLICT (code) DO NOTHING"
          " RETURNING id",
          p, [&](const Row& r) { id = r.Int(0); }, &found));
      if (!found) return msg::Status(base::Code::kAlreadyExists, msg::kTenantCodeTaken, "code");
    }
    const Value p[] = {I(id),
                       S(TenantKindName(spec.kind)),
                       spec.name_en,
                       B(spec.staff_two_factor_required),
                       B(spec.dicom_client_certificate_required),
                       I(now)};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO identity_tenants (tenant_id, kind, name_en, staff_two_factor_required,"
               " client_certificate_required, disabled, created_at_us)"
               " VALUES (?, ?, ?, ?, ?, 0, ?)",
               p));
    DOKUEI_ASSIGN_OR_RETURN(out, internal::LoadTenant(c, id));
    return Status::Ok();
  }));
  return out;
}

base::Result<Tenant> TenantDirectory::Update(int64_t tenant_id, const TenantUpdate& u) {
  Tenant out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(Tenant t, internal::LoadTenant(c, tenant_id));
    if (u.name) t.name = *u.name;
    if (u.name_en) t.name_en = *u.name_en;
    if (u.staff_two_factor_required) t.staff_two_factor_required = *u.staff_two_factor_required;
    if (u.dicom_client_certificate_required)
      t.dicom_client_certificate_required = *u.dicom_client_certificate_required;
    if (u.disabled) {
      if (*u.disabled && t.kind == TenantKind::kReadingCentre)
        return msg::Status(base::Code::kFailedPrecondition, msg::kReadingCentreDisable, "disabled");
      t.disabled = *u.disabled;
    }
    DOKUEI_RETURN_IF_ERROR(ValidateNames(t.name, t.name_en));
    const Value n[] = {t.name, I(t.id)};
    DOKUEI_RETURN_IF_ERROR(c.Exec("UPDATE tenants SET name = ? WHERE id = ?", n));
    const Value p[] = {I(t.id),
                       S(TenantKindName(t.kind)),
                       t.name_en,
                       B(t.staff_two_factor_required),
                       B(t.dicom_client_certificate_required),
                       B(t.disabled),
                       I(Us(clock_.Now()))};
    DOKUEI_RETURN_IF_ERROR(
        c.Exec("INSERT INTO identity_tenants (tenant_id, kind, name_en, staff_two_factor_required,"
               " client_certificate_required, disabled, created_at_us) VALUES (?, ?, ?, ?, ?, ?, ?)"
               " ON CONFLICT (tenant_id) DO UPDATE SET name_en = excluded.name_en,"
               " staff_two_factor_required = excluded.staff_two_factor_required,"
               " client_certificate_required = excluded.client_certificate_required,"
               " disabled = excluded.disabled",
               p));
    DOKUEI_ASSIGN_OR_RETURN(out, internal::LoadTenant(c, t.id));
    return Status::Ok();
  }));
  return out;
}

base::Result<Tenant> TenantDirectory::Get(int64_t tenant_id) {
  Tenant out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    DOKUEI_ASSIGN_OR_RETURN(out, internal::LoadTenant(c, tenant_id));
    return Status::Ok();
  }));
  return out;
}

base::Result<Tenant> TenantDirectory::GetByCode(const std::string& code) {
  Tenant out;
  bool found = false;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    const Value p[] = {code};
    return internal::QueryRow(
        c, TenantSelect("WHERE t.code = ?"), p,
        [&](const Row& r) { out = internal::DecodeTenant(r); }, &found);
  }));
  if (!found) return msg::Status(base::Code::kNotFound, msg::kTenantNotFound);
  return out;
}

base::Result<std::vector<Tenant>> TenantDirectory::List() {
  std::vector<Tenant> out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    return c.Query(TenantSelect("ORDER BY t.code"), {}, [&](const Row& r) {
      out.push_back(internal::DecodeTenant(r));
      return Status::Ok();
    });
  }));
  return out;
}

base::Result<Tenant> TenantDirectory::ReadingCentre() {
  Tenant out;
  bool found = false;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    return internal::QueryRow(
        c, TenantSelect("WHERE i.kind = 'reading_centre'"), {},
        [&](const Row& r) { out = internal::DecodeTenant(r); }, &found);
  }));
  if (!found) return msg::Status(base::Code::kNotFound, msg::kTenantNotFound);
  return out;
}

// ---- AE titles ------------------------------------------------------------------------------

base::Result<std::string> NormalizeAeTitle(std::string_view ae) {
  size_t b = 0, e = ae.size();
  while (b < e && ae[b] == ' ') ++b;
  while (e > b && ae[e - 1] == ' ') --e;
  const std::string_view t = ae.substr(b, e - b);
  const bool ok = !t.empty() && t.size() <= 16 && std::all_of(t.begin(), t.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7F && c != '\\';
  });
  if (!ok) return msg::Invalid(msg::kAeTitle, "ae_title");
  return std::string(t);
}

namespace {

constexpr char kAeColumns[] =
    "id, tenant_id, ae_title, host, port, check_host, max_associations, allow_store, allow_find,"
    " allow_get, allow_move, allow_commitment, certificate_sha256";

AeTitle DecodeAe(const Row& r) {
  AeTitle a;
  a.id = r.Int(0);
  a.tenant_id = r.Int(1);
  a.ae_title = std::string(r.Str(2));
  a.host = std::string(r.Str(3));
  a.port = static_cast<uint16_t>(r.Int(4));
  a.check_host = r.Int(5) != 0;
  a.max_associations = static_cast<uint32_t>(r.Int(6));
  a.allow_store = r.Int(7) != 0;
  a.allow_find = r.Int(8) != 0;
  a.allow_get = r.Int(9) != 0;
  a.allow_move = r.Int(10) != 0;
  a.allow_commitment = r.Int(11) != 0;
  a.certificate_sha256 = std::string(r.Str(12));
  return a;
}

// Normalises and validates an AE record in place.
Status ValidateAe(AeTitle& a) {
  DOKUEI_ASSIGN_OR_RETURN(a.ae_title, NormalizeAeTitle(a.ae_title));
  const bool host_ok =
      a.host.size() <= 253 && std::all_of(a.host.begin(), a.host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == ':';
      });
  if (!host_ok) return msg::Invalid(msg::kHost, "host");
  if (a.max_associations < 1 || a.max_associations > 1000)
    return msg::Invalid(msg::kMaxAssociations, "max_associations");
  a.certificate_sha256 = base::ToLowerAscii(a.certificate_sha256);
  const bool fp_ok =
      a.certificate_sha256.empty() ||
      (a.certificate_sha256.size() == 64 &&
       std::all_of(a.certificate_sha256.begin(), a.certificate_sha256.end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));
  if (!fp_ok) return msg::Invalid(msg::kFingerprint, "certificate_sha256");
  return Status::Ok();
}

std::vector<Value> AeValues(const AeTitle& a) {
  return {a.ae_title,
          base::ToUpperAscii(a.ae_title),
          a.host,
          I(a.port),
          B(a.check_host),
          I(a.max_associations),
          B(a.allow_store),
          B(a.allow_find),
          B(a.allow_get),
          B(a.allow_move),
          B(a.allow_commitment),
          a.certificate_sha256};
}

}  // namespace

base::Result<AeTitle> AeTitles::Add(int64_t tenant_id, const AeTitle& ae) {
  AeTitle a = ae;
  DOKUEI_RETURN_IF_ERROR(ValidateAe(a));
  a.tenant_id = tenant_id;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_RETURN_IF_ERROR(internal::LoadTenant(c, tenant_id).status());
    std::vector<Value> p = AeValues(a);
    p.insert(p.begin(), I(tenant_id));
    p.push_back(I(Us(clock_.Now())));
    bool inserted = false;
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "INSERT INTO ae_titles (tenant_id, ae_title, ae_key, host, port, check_host,"
        " max_associations, allow_store, allow_find, allow_get, allow_move, allow_commitment,"
        " certificate_sha256, created_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (ae_key) DO NOTHING RETURNING id",
        p, [&](const Row& r) { a.id = r.Int(0); }, &inserted));
    if (!inserted) return msg::Status(base::Code::kAlreadyExists, msg::kAeTitleTaken, "ae_title");
    return Status::Ok();
  }));
  return a;
}

base::Result<AeTitle> AeTitles::Update(int64_t tenant_id, const AeTitle& ae) {
  AeTitle a = ae;
  DOKUEI_RETURN_IF_ERROR(ValidateAe(a));
  a.tenant_id = tenant_id;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    bool taken = false;
    const Value k[] = {base::ToUpperAscii(a.ae_title), I(a.id)};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c, "SELECT id FROM ae_titles WHERE ae_key = ? AND id <> ?", k, [](const Row&) {}, &taken));
    if (taken) return msg::Status(base::Code::kAlreadyExists, msg::kAeTitleTaken, "ae_title");
    std::vector<Value> p = AeValues(a);
    p.push_back(I(a.id));
    p.push_back(I(tenant_id));
    bool updated = false;
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "UPDATE ae_titles SET ae_title = ?, ae_key = ?, host = ?, port = ?, check_host = ?,"
        " max_associations = ?, allow_store = ?, allow_find = ?, allow_get = ?, allow_move = ?,"
        " allow_commitment = ?, certificate_sha256 = ? WHERE id = ? AND tenant_id = ?"
        " RETURNING id",
        p, [](const Row&) {}, &updated));
    if (!updated) return msg::Status(base::Code::kNotFound, msg::kAeNotFound);
    return Status::Ok();
  }));
  return a;
}

Status AeTitles::Remove(int64_t tenant_id, int64_t ae_id) {
  return db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    bool removed = false;
    const Value p[] = {I(ae_id), I(tenant_id)};
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c, "DELETE FROM ae_titles WHERE id = ? AND tenant_id = ? RETURNING id", p,
        [](const Row&) {}, &removed));
    if (!removed) return msg::Status(base::Code::kNotFound, msg::kAeNotFound);
    return Status::Ok();
  });
}

base::Result<std::vector<AeTitle>> AeTitles::List(int64_t tenant_id) {
  std::vector<AeTitle> out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    const Value p[] = {I(tenant_id)};
    return c.Query(
        std::string("SELECT ") + kAeColumns + " FROM ae_titles WHERE tenant_id = ? ORDER BY ae_key",
        p, [&](const Row& r) {
          out.push_back(DecodeAe(r));
          return Status::Ok();
        });
  }));
  return out;
}

base::Result<AeTitle> AeTitles::Lookup(const std::string& ae_title) {
  auto norm = NormalizeAeTitle(ae_title);
  if (!norm.ok()) return msg::Status(base::Code::kNotFound, msg::kAeNotFound);
  AeTitle out;
  bool found = false;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    const Value p[] = {base::ToUpperAscii(*norm)};
    return internal::QueryRow(
        c, std::string("SELECT ") + kAeColumns + " FROM ae_titles WHERE ae_key = ?", p,
        [&](const Row& r) { out = DecodeAe(r); }, &found);
  }));
  // Exact, case-sensitive match (DICOM AE titles are case-sensitive); the key only makes
  // titles differing in case impossible to register twice.
  if (!found || out.ae_title != *norm) return msg::Status(base::Code::kNotFound, msg::kAeNotFound);
  return out;
}

// ---- contacts -------------------------------------------------------------------------------

namespace {

Status ValidateContact(const Contact& k) {
  DOKUEI_RETURN_IF_ERROR(internal::CheckText(k.name, 200, true, msg::kName, "name"));
  DOKUEI_RETURN_IF_ERROR(internal::CheckText(k.role, 100, false, msg::kText, "role"));
  const bool phone_ok =
      k.phone.size() <= 40 && std::all_of(k.phone.begin(), k.phone.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == ' ' || c == '+' || c == '-' || c == '(' || c == ')';
      });
  if (!phone_ok) return msg::Invalid(msg::kPhone, "phone");
  return internal::CheckEmail(k.email);
}

Contact DecodeContact(const Row& r) {
  Contact k;
  k.id = r.Int(0);
  k.tenant_id = r.Int(1);
  k.name = std::string(r.Str(2));
  k.role = std::string(r.Str(3));
  k.phone = std::string(r.Str(4));
  k.email = std::string(r.Str(5));
  k.critical_results = r.Int(6) != 0;
  return k;
}

}  // namespace

base::Result<Contact> Contacts::Add(int64_t tenant_id, const Contact& contact) {
  DOKUEI_RETURN_IF_ERROR(ValidateContact(contact));
  Contact k = contact;
  k.tenant_id = tenant_id;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    DOKUEI_RETURN_IF_ERROR(internal::LoadTenant(c, tenant_id).status());
    const Value p[] = {I(tenant_id), k.name, k.role, k.phone, k.email, B(k.critical_results)};
    bool found = false;
    return internal::QueryRow(
        c,
        "INSERT INTO contacts (tenant_id, name, role, phone, email, critical_results)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        p, [&](const Row& r) { k.id = r.Int(0); }, &found);
  }));
  return k;
}

base::Result<Contact> Contacts::Update(int64_t tenant_id, const Contact& contact) {
  DOKUEI_RETURN_IF_ERROR(ValidateContact(contact));
  Contact k = contact;
  k.tenant_id = tenant_id;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    const Value p[] = {k.name,  k.role,      k.phone, k.email, B(k.critical_results),
                       I(k.id), I(tenant_id)};
    bool found = false;
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c,
        "UPDATE contacts SET name = ?, role = ?, phone = ?, email = ?, critical_results = ?"
        " WHERE id = ? AND tenant_id = ? RETURNING id",
        p, [](const Row&) {}, &found));
    if (!found) return msg::Status(base::Code::kNotFound, msg::kContactNotFound);
    return Status::Ok();
  }));
  return k;
}

Status Contacts::Remove(int64_t tenant_id, int64_t contact_id) {
  return db_.Transact(TxKind::kWrite, [&](Conn& c) -> Status {
    const Value p[] = {I(contact_id), I(tenant_id)};
    bool found = false;
    DOKUEI_RETURN_IF_ERROR(internal::QueryRow(
        c, "DELETE FROM contacts WHERE id = ? AND tenant_id = ? RETURNING id", p, [](const Row&) {},
        &found));
    if (!found) return msg::Status(base::Code::kNotFound, msg::kContactNotFound);
    return Status::Ok();
  });
}

base::Result<std::vector<Contact>> Contacts::List(int64_t tenant_id) {
  std::vector<Contact> out;
  DOKUEI_RETURN_IF_ERROR(db_.Transact(TxKind::kRead, [&](Conn& c) -> Status {
    out.clear();
    const Value p[] = {I(tenant_id)};
    return c.Query(
        "SELECT id, tenant_id, name, role, phone, email, critical_results FROM contacts"
        " WHERE tenant_id = ? ORDER BY id",
        p, [&](const Row& r) {
          out.push_back(DecodeContact(r));
          return Status::Ok();
        });
  }));
  return out;
}

}  // namespace dokuei::identity
