// Identity data model: tenants (hospitals and the reading centre), their AE titles and contacts,
// users with roles, reader profiles, API tokens and the Principal that a session or token
// authenticates into. Secrets are never stored in clear and never appear in these records:
// passwords as argon2id hashes, tokens, session ids and recovery codes as SHA-256 hashes, TOTP
// secrets encrypted.
// Thread safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/identity/roles.h"

namespace dokuei::identity {

struct Tenant {
  int64_t id = 0;    // the same id the index uses (index::TenantId)
  std::string code;  // "sakura-clinic": [a-z0-9-], 1..64, unique
  std::string name;  // display name (Japanese as given)
  std::string name_en;
  TenantKind kind = TenantKind::kHospital;
  bool staff_two_factor_required = false;  // policy for hospital staff (others always)
  bool dicom_client_certificate_required = false;
  bool disabled = false;  // users and tokens of a disabled tenant cannot authenticate
  base::Timestamp created_at{};
};

struct Contact {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string name, role, phone, email;
  bool critical_results = true;  // notified of critical findings (workflow issue)
};

// A DICOM application entity of a tenant (modality, PACS, gateway). Replaces [[dicom.peers]].
struct AeTitle {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string ae_title;  // 1..16 characters, unique across the service (case-insensitively)
  std::string host;      // for C-MOVE destinations and storage-commitment reports
  uint16_t port = 0;
  bool check_host = false;
  uint32_t max_associations = 8;
  bool allow_store = true, allow_find = true, allow_get = true, allow_move = true,
       allow_commitment = true;
  // With DICOM TLS: SHA-256 fingerprint (64 lowercase hex) of the client certificate this AE must
  // present; empty = any certificate from the tenant's trusted CA.
  std::string certificate_sha256;
};

struct User {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string login;  // unique across the service, stored lowercase
  std::string display_name;
  std::string email;
  std::vector<Role> roles;
  bool two_factor_enrolled = false;
  // Whether the user must have a second factor (a mandatory role, or hospital staff of a
  // hospital whose policy requires it).
  bool two_factor_required = false;
  bool must_change_password = false;  // set by administrators' resets and one-time passwords
  bool disabled = false;
  base::Timestamp created_at{};
  std::optional<base::Timestamp> last_login_at;
  std::optional<base::Timestamp> locked_until;  // set while the account is locked out
};

// The published credentials of a reader (product.md: hospitals see who reads for them).
struct ReaderProfile {
  int64_t user_id = 0;
  std::string display_name;  // from the user (read-only here)
  int years_of_experience = 0;
  std::vector<std::string> certifications;  // e.g. "日本医学放射線学会 放射線診断専門医"
  std::vector<std::string> subspecialties;  // "spine", "msk", "neuro"
  std::vector<std::string> modalities;      // "CR", "DX", "CT", "MR"
  std::vector<std::string> languages;       // "ja", "en"
  std::string biography;
  bool has_photo = false;  // the photo itself: ReaderProfiles::GetPhoto
  base::Timestamp updated_at{};
};

struct Photo {
  std::string content_type;  // image/jpeg, image/png or image/webp
  std::string bytes;
};

struct ApiToken {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string name;
  std::vector<PermissionGrant> permissions;  // never more than the creator held
  base::Timestamp created_at{};
  base::Timestamp expires_at{};
  std::optional<base::Timestamp> revoked_at;
  std::optional<base::Timestamp> last_used_at;
  int64_t created_by = 0;  // user id; 0 = the `dokuei admin` command line
  std::string prefix;      // the first characters of the token ("dok_ab12cd"), to recognise it
};

// Who is calling: what a session or an API token authenticates into. The API layer turns it
// into the HTTP Principal; the audit layer records subject, tenant and roles.
struct Principal {
  int64_t tenant_id = 0;
  TenantKind tenant_kind = TenantKind::kHospital;
  std::string tenant_code;
  int64_t user_id = 0;   // 0 for API tokens
  int64_t token_id = 0;  // 0 for sessions
  std::string subject;   // the login, or "token:<name>"
  std::string display_name;
  std::vector<Role> roles;              // empty for tokens
  std::vector<PermissionGrant> grants;  // sorted by permission name
  // A session whose password must be changed first holds only account.self until it is.
  bool must_change_password = false;

  bool Allows(std::string_view permission, int64_t target_tenant) const {
    return identity::Allows(grants, permission, tenant_id, target_tenant);
  }
};

}  // namespace dokuei::identity
