// The directory of tenants (client hospitals and the one reading centre), their DICOM AE titles
// and their contact people. A tenant is one row in the index's `tenants` table (its id is the
// index's TenantId) plus one in identity_tenants (kind, policies), created in one transaction.
// A tenant the index created alone (older configuration files) reads as a hospital with default
// policies until identity records it (CreateTenant with its code adopts it).
//
// Every call that reads or changes a tenant's data takes the tenant id and filters by it: another
// tenant's AE title or contact is NotFound, exactly like one that does not exist. Authorisation
// (which principal may name which tenant) is the caller's: see Principal::Allows.
// Thread safety: thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/db/db.h"
#include "dokuei/identity/records.h"

namespace dokuei::identity {

struct TenantSpec {
  std::string code;
  std::string name;
  std::string name_en;
  TenantKind kind = TenantKind::kHospital;
  bool staff_two_factor_required = false;
  bool dicom_client_certificate_required = false;
};

// Fields left empty are unchanged.
struct TenantUpdate {
  std::optional<std::string> name, name_en;
  std::optional<bool> staff_two_factor_required, dicom_client_certificate_required, disabled;
};

class TenantDirectory {
 public:
  TenantDirectory(db::Database& db, base::Clock& clock) : db_(db), clock_(clock) {}

  // kAlreadyExists when the code is taken; kFailedPrecondition for a second reading centre.
  base::Result<Tenant> Create(const TenantSpec& spec);
  base::Result<Tenant> Update(int64_t tenant_id, const TenantUpdate& update);
  base::Result<Tenant> Get(int64_t tenant_id);
  base::Result<Tenant> GetByCode(const std::string& code);
  base::Result<std::vector<Tenant>> List();
  // kNotFound until the reading centre has been created.
  base::Result<Tenant> ReadingCentre();

 private:
  db::Database& db_;
  base::Clock& clock_;
};

// DICOM AE titles: 1..16 characters of the DICOM default repertoire without backslash or control
// characters (leading and trailing spaces are not significant and are removed), unique across the
// service regardless of case.
class AeTitles {
 public:
  explicit AeTitles(db::Database& db, base::Clock& clock) : db_(db), clock_(clock) {}

  base::Result<AeTitle> Add(int64_t tenant_id, const AeTitle& ae);     // ae.id/tenant_id ignored
  base::Result<AeTitle> Update(int64_t tenant_id, const AeTitle& ae);  // by ae.id
  base::Status Remove(int64_t tenant_id, int64_t ae_id);
  base::Result<std::vector<AeTitle>> List(int64_t tenant_id);
  // Service-wide lookup by exact title, for the DIMSE layer to find the calling peer's tenant.
  base::Result<AeTitle> Lookup(const std::string& ae_title);

 private:
  db::Database& db_;
  base::Clock& clock_;
};

class Contacts {
 public:
  explicit Contacts(db::Database& db) : db_(db) {}

  base::Result<Contact> Add(int64_t tenant_id, const Contact& contact);
  base::Result<Contact> Update(int64_t tenant_id, const Contact& contact);  // by contact.id
  base::Status Remove(int64_t tenant_id, int64_t contact_id);
  base::Result<std::vector<Contact>> List(int64_t tenant_id);

 private:
  db::Database& db_;
};

// Validation shared with the command line and the API (kInvalidArgument naming the field).
base::Status ValidateTenantCode(std::string_view code);
base::Result<std::string> NormalizeAeTitle(std::string_view ae);

}  // namespace dokuei::identity
