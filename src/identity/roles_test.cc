// Properties of the permission table (product.md section 2; minimum necessary access) and the
// check that docs/design/permissions.md shows exactly the table in the code.
#include "dokuei/identity/roles.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "dokuei/base/strings.h"
#include "dokuei/identity/records.h"

namespace dokuei::identity {
namespace {

constexpr TenantKind kKinds[] = {TenantKind::kHospital, TenantKind::kReadingCentre};

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

TEST(RolesTest, AuditorHasNothingButTheAuditTrail) {
  for (TenantKind kind : kKinds) {
    const auto grants = PermissionsOf(Role::kAuditor, kind);
    ASSERT_FALSE(grants.empty());
    for (const auto& g : grants) {
      EXPECT_TRUE(StartsWith(g.permission, "audit.") || g.permission == "account.self")
          << g.permission;
    }
    EXPECT_TRUE(FindGrant(grants, "audit.read").has_value());
  }
  // The hospital's auditor sees its own hospital's trail; the centre's auditor every tenant's.
  EXPECT_EQ(FindGrant(PermissionsOf(Role::kAuditor, TenantKind::kHospital), "audit.read")->scope,
            Scope::kOwnTenant);
  EXPECT_EQ(
      FindGrant(PermissionsOf(Role::kAuditor, TenantKind::kReadingCentre), "audit.read")->scope,
      Scope::kAnyTenant);
}

TEST(RolesTest, AdministratorsAndAuditorsHaveNoPatientData) {
  for (TenantKind kind : kKinds) {
    for (Role r : {Role::kAdministrator, Role::kAuditor}) {
      for (const auto& g : PermissionsOf(r, kind)) {
        EXPECT_FALSE(StartsWith(g.permission, "dicomweb.") || StartsWith(g.permission, "dicom."))
            << RoleName(r) << " " << g.permission;
      }
    }
  }
}

// Coordinators open the studies of reading requests (dicomweb::StudyAccess decides which): read
// only, own scope (never "any", which would open every hospital's archive), nothing else.
TEST(RolesTest, CoordinatorsOnlyReadStudiesThroughRequests) {
  std::vector<PermissionGrant> dicom;
  for (const auto& g : PermissionsOf(Role::kCoordinator, TenantKind::kReadingCentre))
    if (StartsWith(g.permission, "dicomweb.") || StartsWith(g.permission, "dicom."))
      dicom.push_back(g);
  EXPECT_EQ(dicom, (std::vector<PermissionGrant>{{"dicomweb.read", Scope::kOwnTenant}}));
}

TEST(RolesTest, NoRoleHoldsDicomPeerPermissions) {
  for (TenantKind kind : kKinds)
    for (Role r : AllRoles())
      for (const auto& g : PermissionsOf(r, kind))
        EXPECT_FALSE(StartsWith(g.permission, "dicom.")) << g.permission;
}

TEST(RolesTest, EveryPermissionIsGrantedToSomeone) {
  std::set<std::string_view> granted;
  for (TenantKind kind : kKinds)
    for (Role r : AllRoles())
      for (const auto& g : PermissionsOf(r, kind)) granted.insert(g.permission);
  for (const auto& g : PermissionsOfAe(AeTitle{})) granted.insert(g.permission);
  for (std::string_view p : AllPermissions()) EXPECT_TRUE(granted.count(p)) << p;
  // And nothing outside the list is granted.
  for (std::string_view p : granted) EXPECT_TRUE(CanonicalPermission(p).has_value()) << p;
}

TEST(RolesTest, PermissionNamesAreUniqueAndDocumented) {
  std::set<std::string_view> names;
  for (const auto& info : AllPermissionInfos()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_FALSE(info.description_en.empty());
    EXPECT_FALSE(info.description_ja.empty());
  }
  EXPECT_EQ(names.size(), AllPermissions().size());
}

TEST(RolesTest, RolesOutsideTheirKindOfTenantGrantNothing) {
  EXPECT_TRUE(PermissionsOf(Role::kReader, TenantKind::kHospital).empty());
  EXPECT_TRUE(PermissionsOf(Role::kChecker, TenantKind::kHospital).empty());
  EXPECT_TRUE(PermissionsOf(Role::kCoordinator, TenantKind::kHospital).empty());
  EXPECT_TRUE(PermissionsOf(Role::kHospitalStaff, TenantKind::kReadingCentre).empty());
  for (TenantKind kind : kKinds)
    for (Role r : AllRoles())
      EXPECT_EQ(RoleAllowedIn(r, kind), !PermissionsOf(r, kind).empty()) << RoleName(r);
}

TEST(RolesTest, HospitalGrantsNeverReachOtherTenantsExceptPublishedProfiles) {
  for (Role r : AllRoles()) {
    for (const auto& g : PermissionsOf(r, TenantKind::kHospital)) {
      if (g.permission == "profiles.read") continue;  // published to every hospital
      EXPECT_EQ(g.scope, Scope::kOwnTenant) << RoleName(r) << " " << g.permission;
    }
  }
}

TEST(RolesTest, ScopesDecideWhichTenantIsReached) {
  const auto centre_admin = PermissionsOf(Role::kAdministrator, TenantKind::kReadingCentre);
  const auto hospital_admin = PermissionsOf(Role::kAdministrator, TenantKind::kHospital);
  EXPECT_TRUE(Allows(centre_admin, "users.manage", 1, 2));
  EXPECT_TRUE(Allows(centre_admin, "tenants.manage", 1, 7));
  EXPECT_FALSE(Allows(centre_admin, "dicomweb.read", 1, 1));
  EXPECT_TRUE(Allows(hospital_admin, "users.manage", 5, 5));
  EXPECT_FALSE(Allows(hospital_admin, "users.manage", 5, 6));
  EXPECT_FALSE(Allows(hospital_admin, "tenants.manage", 5, 5));
  const auto staff = PermissionsOf(Role::kHospitalStaff, TenantKind::kHospital);
  EXPECT_TRUE(Allows(staff, "dicomweb.write", 5, 5));
  EXPECT_FALSE(Allows(staff, "dicomweb.read", 5, 6));
  EXPECT_TRUE(Allows(staff, "profiles.read", 5, 1));
  EXPECT_FALSE(Allows(staff, "users.read", 5, 5));
  // A principal without a tenant reaches nothing with own-tenant grants.
  EXPECT_FALSE(Allows(staff, "dicomweb.read", 0, 0));
}

TEST(RolesTest, GrantsOfSeveralRolesTakeTheWidestScope) {
  const Role roles[] = {Role::kHospitalStaff, Role::kAdministrator};
  const auto g = GrantsOf(roles, TenantKind::kHospital);
  EXPECT_TRUE(FindGrant(g, "dicomweb.write").has_value());
  EXPECT_TRUE(FindGrant(g, "users.manage").has_value());
  EXPECT_TRUE(std::is_sorted(g.begin(), g.end(), [](const auto& a, const auto& b) {
    return a.permission < b.permission;
  }));
  const Role coord_admin[] = {Role::kCoordinator, Role::kAdministrator};
  EXPECT_EQ(FindGrant(GrantsOf(coord_admin, TenantKind::kReadingCentre), "users.read")->scope,
            Scope::kAnyTenant);
}

TEST(RolesTest, AeFlagsGrantDicomPermissions) {
  AeTitle ae;
  ae.allow_get = false;
  ae.allow_move = false;
  const auto g = PermissionsOfAe(ae);
  EXPECT_TRUE(FindGrant(g, "dicom.store").has_value());
  EXPECT_TRUE(FindGrant(g, "dicom.find").has_value());
  EXPECT_FALSE(FindGrant(g, "dicom.get").has_value());
  EXPECT_FALSE(FindGrant(g, "dicom.move").has_value());
  for (const auto& x : g) EXPECT_EQ(x.scope, Scope::kOwnTenant);
}

TEST(RolesTest, TwoFactorIsMandatoryForEveryoneButHospitalStaff) {
  for (Role r : AllRoles()) EXPECT_EQ(TwoFactorMandatory(r), r != Role::kHospitalStaff);
}

TEST(RolesTest, NamesRoundTrip) {
  for (Role r : AllRoles()) {
    EXPECT_EQ(RoleFromName(RoleName(r)), r);
    EXPECT_NE(RoleLabel(r, "ja"), RoleLabel(r, "en"));
  }
  EXPECT_FALSE(RoleFromName("root").has_value());
  EXPECT_EQ(TenantKindFromName("reading_centre"), TenantKind::kReadingCentre);
  EXPECT_EQ(TenantKindFromName(TenantKindName(TenantKind::kHospital)), TenantKind::kHospital);
}

// docs/design/permissions.md embeds the generated table between markers; regenerate it with
// `identity_test --gtest_filter=RolesTest.PermissionDocMatchesTable` output when it changes.
TEST(RolesTest, PermissionDocMatchesTable) {
  const char* src = std::getenv("DOKUEI_SOURCE_DIR");
  if (src == nullptr) GTEST_SKIP() << "DOKUEI_SOURCE_DIR not set";
  std::ifstream f(std::string(src) + "/docs/design/permissions.md");
  ASSERT_TRUE(f) << "docs/design/permissions.md missing";
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  const std::string begin = "<!-- permission-table:begin -->\n";
  const std::string end = "<!-- permission-table:end -->";
  const size_t b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  const std::string table = doc.substr(b + begin.size(), e - b - begin.size());
  EXPECT_EQ(table, PermissionTableMarkdown())
      << "docs/design/permissions.md is out of date; the table should read:\n"
      << PermissionTableMarkdown();
}

}  // namespace
}  // namespace dokuei::identity
