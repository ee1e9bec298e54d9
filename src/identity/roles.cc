// The permission table. Principles (security.md; MEDIS minimum necessary access):
//  - patient data (dicomweb.*) only for the people who send or read studies, never for
//    administrators, coordinators or auditors;
//  - the reading centre's administrators manage every tenant; a hospital's administrators only
//    their own users, tokens and contacts;
//  - auditors read and export the audit trail and nothing else (account.self only lets them
//    change their own password and enrol their second factor);
//  - readers and checkers read studies of their own tenant for now (assignment-based DICOMweb
//    access to the hospitals' studies comes later); reading requests they see across hospitals,
//    narrowed by the workflow to what is assigned to them and the pool they may claim.
#include "dokuei/identity/roles.h"

#include <algorithm>
#include <array>
#include <sstream>

#include "dokuei/identity/records.h"

namespace dokuei::identity {
namespace {

constexpr std::array<Role, 6> kRoles = {Role::kHospitalStaff, Role::kReader,        Role::kChecker,
                                        Role::kCoordinator,   Role::kAdministrator, Role::kAuditor};

struct RoleText {
  Role role;
  std::string_view name, ja, en;
};
constexpr std::array<RoleText, 6> kRoleText = {{
    {Role::kHospitalStaff, "hospital_staff", "依頼医・技師", "Hospital staff"},
    {Role::kReader, "reader", "読影医", "Reader"},
    {Role::kChecker, "checker", "二次読影医・校閲", "Senior reader / checker"},
    {Role::kCoordinator, "coordinator", "オペレーター", "Coordinator"},
    {Role::kAdministrator, "administrator", "管理者", "Administrator"},
    {Role::kAuditor, "auditor", "監査担当者", "Auditor"},
}};

constexpr std::array<PermissionInfo, 35> kPermissions = {{
    {"dicomweb.read", "Search and retrieve studies (QIDO-RS, WADO-RS, WADO-URI)",
     "検査の検索・取得 (QIDO-RS, WADO-RS, WADO-URI)", true},
    {"dicomweb.write", "Store studies (STOW-RS, uploads)", "検査の保存 (STOW-RS, アップロード)",
     true},
    {"dicom.store", "DICOM peer: C-STORE into its tenant", "DICOM 接続先: C-STORE", false},
    {"dicom.find", "DICOM peer: C-FIND in its tenant", "DICOM 接続先: C-FIND", false},
    {"dicom.get", "DICOM peer: C-GET from its tenant", "DICOM 接続先: C-GET", false},
    {"dicom.move", "DICOM peer: C-MOVE to its tenant's peers", "DICOM 接続先: C-MOVE", false},
    {"dicom.commitment", "DICOM peer: storage commitment", "DICOM 接続先: 保管コミットメント",
     false},
    {"tenants.read", "View tenants (hospitals, reading centre)", "施設情報の閲覧", true},
    {"tenants.manage", "Create and change tenants and their policies", "施設の登録・変更", true},
    {"peers.read", "View DICOM AE titles", "DICOM AE タイトルの閲覧", true},
    {"peers.manage", "Add, change and remove DICOM AE titles",
     "DICOM AE タイトルの登録・変更・削除", true},
    {"contacts.read", "View contact people", "連絡先の閲覧", true},
    {"contacts.manage", "Add, change and remove contact people", "連絡先の登録・変更・削除", true},
    {"users.read", "View users and their roles", "利用者と役割の閲覧", true},
    {"users.manage", "Create users, set roles, disable, reset passwords and two-factor enrolment",
     "利用者の登録、役割設定、無効化、パスワードと二要素認証の再設定", true},
    {"tokens.manage", "Create, list and revoke API tokens", "API トークンの発行・一覧・失効", true},
    {"profiles.read", "View published reader profiles", "読影医プロフィールの閲覧", true},
    {"profiles.manage", "Edit any reader profile", "読影医プロフィールの編集", true},
    {"profiles.self", "Edit one's own reader profile", "自分の読影医プロフィールの編集", false},
    {"audit.read", "Search the audit trail", "監査証跡の検索", true},
    {"audit.export", "Export the audit trail", "監査証跡のエクスポート", true},
    {"requests.read", "View reading requests (readers: those assigned to them and the pool they may claim)",
     "読影依頼の閲覧 (読影医は担当分と引き受け可能な分のみ)", true},
    {"requests.create", "Create reading requests and complete or correct their details",
     "読影依頼の作成・内容の補足と訂正", true},
    {"requests.transition", "Move reading requests through the workflow (the state machine decides who)",
     "読影依頼の状態変更 (誰が何をできるかは状態遷移表が決める)", true},
    {"requests.claim", "Claim a reading request from the pool (for oneself)",
     "読影依頼をプールから引き受ける (本人分)", false},
    {"requests.manage", "Assign and reassign readers, see escalations and reader loads",
     "読影医の割り当て・変更、エスカレーションと読影医の負荷の確認", true},
    {"contracts.read", "View hospital contracts (SLA, double reading, check, prices, fees)",
     "契約 (SLA・二次読影・校閲・料金) の閲覧", true},
    {"contracts.manage", "Change hospital contracts", "契約の変更", true},
    {"rosters.read", "View the readers' roster (shifts, absences)", "勤務表 (シフト・休暇) の閲覧",
     true},
    {"rosters.manage", "Add and remove shifts and absences", "勤務表 (シフト・休暇) の登録・削除",
     true},
    {"billing.read", "View monthly billing statements", "月次請求明細の閲覧", true},
    {"destinations.read", "View a hospital's report delivery destinations (without secrets)",
     "レポート配信先の閲覧 (秘密情報を除く)", true},
    {"destinations.manage", "Add, change and remove report delivery destinations (PACS, HL7, FHIR)",
     "レポート配信先 (PACS・HL7・FHIR) の登録・変更・削除", true},
    {"deliveries.manage", "Put report deliveries that gave up back in the queue",
     "配信を断念したレポートの再送", true},
    {"account.self", "Change one's own password, enrol two-factor authentication, sign out",
     "自分のパスワード変更・二要素認証の登録・ログアウト", false},
}};

constexpr std::array<std::string_view, kPermissions.size()> kPermissionNames = [] {
  std::array<std::string_view, kPermissions.size()> out{};
  for (size_t i = 0; i < kPermissions.size(); ++i) out[i] = kPermissions[i].name;
  return out;
}();

struct TableRow {
  Role role;
  TenantKind kind;
  std::string_view permission;
  Scope scope;
};

constexpr Scope kOwn = Scope::kOwnTenant;
constexpr Scope kAny = Scope::kAnyTenant;
constexpr TenantKind kH = TenantKind::kHospital;
constexpr TenantKind kRC = TenantKind::kReadingCentre;

// THE table. Roles absent for a tenant kind (e.g. reader in a hospital) grant nothing there.
constexpr TableRow kTable[] = {
    // Hospital staff: send and read their hospital's studies; see who reads for them.
    {Role::kHospitalStaff, kH, "dicomweb.read", kOwn},
    {Role::kHospitalStaff, kH, "dicomweb.write", kOwn},
    {Role::kHospitalStaff, kH, "tenants.read", kOwn},
    {Role::kHospitalStaff, kH, "contacts.read", kOwn},
    {Role::kHospitalStaff, kH, "profiles.read", kAny},
    {Role::kHospitalStaff, kH, "account.self", kOwn},
    // ... and request readings of their hospital's studies, follow and steer them until reading.
    {Role::kHospitalStaff, kH, "requests.read", kOwn},
    {Role::kHospitalStaff, kH, "requests.create", kOwn},
    {Role::kHospitalStaff, kH, "requests.transition", kOwn},
    // Hospital administrator: the hospital's own people, tokens, contacts; no patient data by
    // this role (give the staff role too where the same person sends studies).
    {Role::kAdministrator, kH, "tenants.read", kOwn},
    {Role::kAdministrator, kH, "peers.read", kOwn},
    {Role::kAdministrator, kH, "contacts.read", kOwn},
    {Role::kAdministrator, kH, "contacts.manage", kOwn},
    {Role::kAdministrator, kH, "users.read", kOwn},
    {Role::kAdministrator, kH, "users.manage", kOwn},
    {Role::kAdministrator, kH, "tokens.manage", kOwn},
    {Role::kAdministrator, kH, "profiles.read", kAny},
    {Role::kAdministrator, kH, "account.self", kOwn},
    {Role::kAdministrator, kH, "contracts.read", kOwn},
    {Role::kAdministrator, kH, "billing.read", kOwn},
    {Role::kAdministrator, kH, "destinations.read", kOwn},
    // Hospital auditor (privacy officer): the hospital's audit trail.
    {Role::kAuditor, kH, "audit.read", kOwn},
    {Role::kAuditor, kH, "audit.export", kOwn},
    {Role::kAuditor, kH, "account.self", kOwn},
    // Reader and checker: read studies of their own tenant, and through their reading assignments
    // the hospitals' studies assigned to them (dicomweb::StudyAccess,
    // docs/design/reader-access.md).
    {Role::kReader, kRC, "dicomweb.read", kOwn},
    {Role::kReader, kRC, "profiles.read", kAny},
    {Role::kReader, kRC, "profiles.self", kOwn},
    {Role::kReader, kRC, "account.self", kOwn},
    // Reading requests of every hospital, narrowed by the workflow to what is assigned to them
    // and the pool they may claim (anything else answers 404 like a missing request).
    {Role::kReader, kRC, "requests.read", kAny},
    {Role::kReader, kRC, "requests.transition", kAny},
    {Role::kReader, kRC, "requests.claim", kAny},
    {Role::kReader, kRC, "rosters.read", kOwn},
    {Role::kChecker, kRC, "dicomweb.read", kOwn},
    {Role::kChecker, kRC, "profiles.read", kAny},
    {Role::kChecker, kRC, "profiles.self", kOwn},
    {Role::kChecker, kRC, "account.self", kOwn},
    {Role::kChecker, kRC, "requests.read", kAny},
    {Role::kChecker, kRC, "requests.transition", kAny},
    {Role::kChecker, kRC, "rosters.read", kOwn},
    // Coordinator: who is who and whom to phone; every hospital's queue, SLA clocks and
    // escalations; assigns and reassigns; keeps the roster.
    {Role::kCoordinator, kRC, "tenants.read", kAny},
    {Role::kCoordinator, kRC, "contacts.read", kAny},
    {Role::kCoordinator, kRC, "users.read", kOwn},
    {Role::kCoordinator, kRC, "profiles.read", kAny},
    {Role::kCoordinator, kRC, "account.self", kOwn},
    {Role::kCoordinator, kRC, "requests.read", kAny},
    {Role::kCoordinator, kRC, "requests.create", kAny},
    {Role::kCoordinator, kRC, "requests.transition", kAny},
    {Role::kCoordinator, kRC, "requests.manage", kAny},
    // ... and follows the delivery of reports to the hospitals, retrying what gave up.
    {Role::kCoordinator, kRC, "destinations.read", kAny},
    {Role::kCoordinator, kRC, "deliveries.manage", kAny},
    {Role::kCoordinator, kRC, "contracts.read", kAny},
    {Role::kCoordinator, kRC, "rosters.read", kOwn},
    {Role::kCoordinator, kRC, "rosters.manage", kOwn},
    // ... and open the study of any reading request (through dicomweb::StudyAccess: studies of
    // requests only, never a hospital's whole archive).
    {Role::kCoordinator, kRC, "dicomweb.read", kOwn},
    // Reading-centre administrator: every tenant's setup, never patient data, never the audit
    // trail (separation of duties: give the auditor role explicitly where needed).
    {Role::kAdministrator, kRC, "tenants.read", kAny},
    {Role::kAdministrator, kRC, "tenants.manage", kAny},
    {Role::kAdministrator, kRC, "peers.read", kAny},
    {Role::kAdministrator, kRC, "peers.manage", kAny},
    {Role::kAdministrator, kRC, "contacts.read", kAny},
    {Role::kAdministrator, kRC, "contacts.manage", kAny},
    {Role::kAdministrator, kRC, "users.read", kAny},
    {Role::kAdministrator, kRC, "users.manage", kAny},
    {Role::kAdministrator, kRC, "tokens.manage", kAny},
    {Role::kAdministrator, kRC, "profiles.read", kAny},
    {Role::kAdministrator, kRC, "profiles.manage", kOwn},
    {Role::kAdministrator, kRC, "account.self", kOwn},
    // ... contracts, prices, rosters and billing, but not the requests (patient data).
    {Role::kAdministrator, kRC, "contracts.read", kAny},
    {Role::kAdministrator, kRC, "contracts.manage", kAny},
    {Role::kAdministrator, kRC, "rosters.read", kOwn},
    {Role::kAdministrator, kRC, "rosters.manage", kOwn},
    {Role::kAdministrator, kRC, "billing.read", kAny},
    // ... and where each hospital's reports are delivered.
    {Role::kAdministrator, kRC, "destinations.read", kAny},
    {Role::kAdministrator, kRC, "destinations.manage", kAny},
    // Reading-centre auditor: the whole audit trail.
    {Role::kAuditor, kRC, "audit.read", kAny},
    {Role::kAuditor, kRC, "audit.export", kAny},
    {Role::kAuditor, kRC, "account.self", kOwn},
};

}  // namespace

std::string_view RoleName(Role r) {
  for (const auto& t : kRoleText)
    if (t.role == r) return t.name;
  return "unknown";
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (const auto& t : kRoleText)
    if (t.name == name) return t.role;
  return std::nullopt;
}

std::string_view RoleLabel(Role r, std::string_view lang) {
  for (const auto& t : kRoleText)
    if (t.role == r) return lang == "en" ? t.en : t.ja;
  return "?";
}

std::span<const Role> AllRoles() { return kRoles; }

std::string_view ScopeName(Scope s) { return s == Scope::kAnyTenant ? "any" : "own"; }

std::string_view TenantKindName(TenantKind k) {
  return k == TenantKind::kReadingCentre ? "reading_centre" : "hospital";
}

std::optional<TenantKind> TenantKindFromName(std::string_view name) {
  if (name == "hospital") return TenantKind::kHospital;
  if (name == "reading_centre" || name == "reading-centre") return TenantKind::kReadingCentre;
  return std::nullopt;
}

bool RoleAllowedIn(Role role, TenantKind kind) {
  switch (role) {
    case Role::kHospitalStaff:
      return kind == TenantKind::kHospital;
    case Role::kReader:
    case Role::kChecker:
    case Role::kCoordinator:
      return kind == TenantKind::kReadingCentre;
    case Role::kAdministrator:
    case Role::kAuditor:
      return true;
  }
  return false;
}

std::vector<PermissionGrant> PermissionsOf(Role role, TenantKind kind) {
  std::vector<PermissionGrant> out;
  if (!RoleAllowedIn(role, kind)) return out;
  for (const auto& row : kTable)
    if (row.role == role && row.kind == kind) out.push_back({row.permission, row.scope});
  return out;
}

std::vector<PermissionGrant> GrantsOf(std::span<const Role> roles, TenantKind kind) {
  std::vector<PermissionGrant> out;
  for (Role r : roles) {
    for (const PermissionGrant& g : PermissionsOf(r, kind)) {
      auto it = std::find_if(out.begin(), out.end(), [&](const PermissionGrant& o) {
        return o.permission == g.permission;
      });
      if (it == out.end()) {
        out.push_back(g);
      } else if (g.scope == Scope::kAnyTenant) {
        it->scope = Scope::kAnyTenant;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const PermissionGrant& a, const PermissionGrant& b) {
    return a.permission < b.permission;
  });
  return out;
}

std::vector<PermissionGrant> PermissionsOfAe(const AeTitle& ae) {
  std::vector<PermissionGrant> out;
  auto add = [&](bool on, std::string_view p) {
    if (on) out.push_back({*CanonicalPermission(p), Scope::kOwnTenant});
  };
  add(ae.allow_store, "dicom.store");
  add(ae.allow_find, "dicom.find");
  add(ae.allow_get, "dicom.get");
  add(ae.allow_move, "dicom.move");
  add(ae.allow_commitment, "dicom.commitment");
  return out;
}

std::optional<PermissionGrant> FindGrant(std::span<const PermissionGrant> grants,
                                         std::string_view permission) {
  std::optional<PermissionGrant> best;
  for (const auto& g : grants) {
    if (g.permission != permission) continue;
    if (!best || g.scope == Scope::kAnyTenant) best = g;
  }
  return best;
}

bool Allows(std::span<const PermissionGrant> grants, std::string_view permission,
            int64_t principal_tenant, int64_t target_tenant) {
  const auto g = FindGrant(grants, permission);
  if (!g) return false;
  return g->scope == Scope::kAnyTenant ||
         (principal_tenant != 0 && principal_tenant == target_tenant);
}

std::span<const std::string_view> AllPermissions() { return kPermissionNames; }
std::span<const PermissionInfo> AllPermissionInfos() { return kPermissions; }

std::optional<std::string_view> CanonicalPermission(std::string_view name) {
  for (std::string_view p : kPermissionNames)
    if (p == name) return p;
  return std::nullopt;
}

bool TwoFactorMandatory(Role r) { return r != Role::kHospitalStaff; }

std::string PermissionTableMarkdown() {
  struct Column {
    Role role;
    TenantKind kind;
    std::string_view title;
  };
  const Column columns[] = {
      {Role::kHospitalStaff, kH, "hospital staff"},
      {Role::kAdministrator, kH, "hospital admin"},
      {Role::kAuditor, kH, "hospital auditor"},
      {Role::kReader, kRC, "reader"},
      {Role::kChecker, kRC, "checker"},
      {Role::kCoordinator, kRC, "coordinator"},
      {Role::kAdministrator, kRC, "centre admin"},
      {Role::kAuditor, kRC, "centre auditor"},
  };
  std::ostringstream out;
  out << "| permission |";
  for (const auto& c : columns) out << ' ' << c.title << " |";
  out << " DICOM peer (AE) | API token |\n|---|";
  for (size_t i = 0; i < std::size(columns); ++i) out << "---|";
  out << "---|---|\n";
  AeTitle all_on;  // every allow_* flag defaults to true
  const auto ae = PermissionsOfAe(all_on);
  for (const PermissionInfo& p : kPermissions) {
    out << "| `" << p.name << "` |";
    for (const auto& c : columns) {
      const auto g = FindGrant(PermissionsOf(c.role, c.kind), p.name);
      out << ' ' << (g ? ScopeName(g->scope) : std::string_view("–")) << " |";
    }
    const bool peer = FindGrant(ae, p.name).has_value();
    out << ' ' << (peer ? "own (per AE flags)" : "–") << " | "
        << (p.token_grantable ? "if the creator holds it" : "–") << " |\n";
  }
  return out.str();
}

}  // namespace dokuei::identity
