// Identity data model: tenants (hospitals and the reading centre), their AE titles and contacts,
// users with roles, reader profiles, sessions and API tokens. Secrets are never stored in clear:
// passwords as argon2id hashes, tokens and session ids as SHA-256 hashes, TOTP secrets encrypted.
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
  int64_t id = 0;  // the same id the index uses (index::TenantId)
  std::string code;  // "sakura-clinic"
  std::string name;  // display name (Japanese as given)
  std::string name_en;
  TenantKind kind = TenantKind::kHospital;
  bool staff_two_factor_required = false;  // policy for hospital staff (others always)
  bool dicom_client_certificate_required = false;
  bool disabled = false;
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
  std::string ae_title;
  std::string host;  // for C-MOVE destinations and storage-commitment reports
  uint16_t port = 0;
  bool check_host = false;
  uint32_t max_associations = 8;
  bool allow_store = true, allow_find = true, allow_get = true, allow_move = true,
       allow_commitment = true;
  // With DICOM TLS: SHA-256 fingerprint (hex) of the client certificate this AE must present;
  // empty = any certificate from the tenant's trusted CA.
  std::string certificate_sha256;
};

struct User {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string login;  // unique across the service
  std::string display_name;
  std::string email;
  std::vector<Role> roles;
  bool two_factor_enrolled = false;
  bool disabled = false;
  base::Timestamp created_at{};
  std::optional<base::Timestamp> locked_until;
};

// The published credentials of a reader (product.md: hospitals see who reads for them).
struct ReaderProfile {
  int64_t user_id = 0;
  int years_of_experience = 0;
  std::vector<std::string> certifications;  // e.g. "日本医学放射線学会 放射線診断専門医"
  std::vector<std::string> subspecialties;  // "spine", "msk", "neuro"
  std::vector<std::string> modalities;      // "CR", "DX", "CT", "MR"
  std::vector<std::string> languages;       // "ja", "en"
  std::string biography;
  std::string photo_content_type;           // empty: no photo
  std::string photo;                        // bytes (bounded size)
};

struct ApiToken {
  int64_t id = 0;
  int64_t tenant_id = 0;
  std::string name;
  std::vector<std::string> permissions;  // subset of what the creating user may grant
  base::Timestamp created_at{};
  base::Timestamp expires_at{};
  std::optional<base::Timestamp> revoked_at;
  std::optional<base::Timestamp> last_used_at;
  int64_t created_by = 0;
};

}  // namespace dokuei::identity
