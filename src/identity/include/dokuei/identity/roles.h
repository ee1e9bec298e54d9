// Roles and permissions: the one table that says who may do what (product.md section 2). A user
// has one tenant and one or more roles; a role grants a fixed set of permissions, depending on the
// kind of tenant the user belongs to. DICOM peers (AE titles) hold the dicom.* permissions their
// configuration allows; API tokens hold a subset of their creator's. Routes and DICOM services name
// the permission they need; nothing else decides. docs/design/permissions.md is generated from
// this table (PermissionTableMarkdown) and a test keeps the two equal.
// Thread safety: immutable data.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dokuei::identity {

enum class Role : uint8_t {
  kHospitalStaff,  // 依頼医 / 技師: sends studies, reads reports of its hospital
  kReader,         // 読影医
  kChecker,        // 二次読影医 / 校閲
  kCoordinator,    // オペレーター
  kAdministrator,  // service operator (reading centre) or a hospital's own administrator
  kAuditor,        // privacy officer: the audit trail and nothing else
};

// Stable machine names ("hospital_staff", "reader", ...), and ja/en labels for the UI.
std::string_view RoleName(Role r);
std::optional<Role> RoleFromName(std::string_view name);
std::string_view RoleLabel(Role r, std::string_view lang);
std::span<const Role> AllRoles();

// Permission names used by routes and services. Scope says which tenant's data a permission
// reaches: kOwnTenant = the principal's tenant only; kAnyTenant = every tenant (reading-centre
// operations such as managing hospitals; auditing for the reading centre's auditors).
enum class Scope : uint8_t { kOwnTenant, kAnyTenant };
std::string_view ScopeName(Scope s);  // "own", "any"

struct PermissionGrant {
  std::string_view permission;  // e.g. "dicomweb.read"; always points into the static table
  Scope scope;
  bool operator==(const PermissionGrant&) const = default;
};

enum class TenantKind : uint8_t { kHospital, kReadingCentre };
std::string_view TenantKindName(TenantKind k);  // "hospital", "reading_centre"
std::optional<TenantKind> TenantKindFromName(std::string_view name);

// Whether a user of a tenant of this kind may hold the role (hospitals: staff, administrator,
// auditor; the reading centre: reader, checker, coordinator, administrator, auditor).
bool RoleAllowedIn(Role role, TenantKind kind);

// The permissions of a role for a user of a tenant of the given kind (a reading-centre
// administrator manages every hospital; a hospital's administrator only its own). Empty when the
// role is not allowed in that kind of tenant.
std::vector<PermissionGrant> PermissionsOf(Role role, TenantKind kind);

// Union over roles; when two roles grant the same permission the wider scope wins. Sorted by
// permission name.
std::vector<PermissionGrant> GrantsOf(std::span<const Role> roles, TenantKind kind);

// What an AE title's allow_* flags grant its peer (own tenant): dicom.store, dicom.find, ...
struct AeTitle;
std::vector<PermissionGrant> PermissionsOfAe(const AeTitle& ae);

// Whether `grants` (of a principal in `principal_tenant`) reach `permission` on `target_tenant`.
bool Allows(std::span<const PermissionGrant> grants, std::string_view permission,
            int64_t principal_tenant, int64_t target_tenant);
// The grant for `permission`, if any.
std::optional<PermissionGrant> FindGrant(std::span<const PermissionGrant> grants,
                                         std::string_view permission);

// Every permission that exists (for the route table check and the documentation), with a short
// description; `token_grantable` is false for permissions only DICOM peers or only people hold.
struct PermissionInfo {
  std::string_view name;
  std::string_view description_en;
  std::string_view description_ja;
  bool token_grantable;
};
std::span<const std::string_view> AllPermissions();
std::span<const PermissionInfo> AllPermissionInfos();
// The canonical (static) name for a permission, or nullopt when it does not exist.
std::optional<std::string_view> CanonicalPermission(std::string_view name);

// Roles that must use two-factor authentication regardless of hospital policy (every role but
// hospital staff, for whom the hospital's policy decides).
bool TwoFactorMandatory(Role r);

// The permission table as Markdown (docs/design/permissions.md embeds it between markers).
std::string PermissionTableMarkdown();

}  // namespace dokuei::identity
