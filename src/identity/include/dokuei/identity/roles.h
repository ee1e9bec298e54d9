// Roles and permissions: the one table that says who may do what (product.md section 2). A user
// has one tenant and one or more roles; a role grants a fixed set of permissions. Routes and DICOM
// services name the permission they need; nothing else decides.
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
  kAdministrator,  // service operator
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

struct PermissionGrant {
  std::string_view permission;  // e.g. "dicomweb.read"
  Scope scope;
};

// The permissions of a role for a user of a tenant of the given kind (a reading-centre
// administrator manages every hospital; a hospital's administrator only its own).
enum class TenantKind : uint8_t { kHospital, kReadingCentre };
std::vector<PermissionGrant> PermissionsOf(Role role, TenantKind kind);

// Every permission name that exists (for the route table check and the documentation).
std::span<const std::string_view> AllPermissions();

// Roles that must use two-factor authentication regardless of hospital policy.
bool TwoFactorMandatory(Role r);

}  // namespace dokuei::identity
