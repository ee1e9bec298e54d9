// --demo in identity: the demo hospital (its calling AE title as an identity AE title), the
// reading centre and one user per typical role, with generated passwords kept in
// <data_dir>/demo-logins.txt (mode 0600) so a restart shows the same logins. Readers,
// administrators and auditors must enrol a second factor at their first login (by design).
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <map>

#include "dokuei/base/env.h"
#include "dokuei/base/random.h"
#include "dokuei/base/strings.h"
#include "serve_parts.h"

namespace dokuei::server {
namespace {

// 20 characters from a 56-letter alphabet without look-alikes (about 116 bits).
std::string GeneratePassword() {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::string out;
  while (out.size() < 20) {
    uint8_t b = 0;
    base::RandomBytes(&b, 1);
    if (b >= 256 - 256 % kAlphabet.size()) continue;  // no modulo bias
    out.push_back(kAlphabet[b % kAlphabet.size()]);
  }
  return out;
}

base::Result<identity::Tenant> EnsureTenant(identity::Identity& id, identity::TenantSpec spec) {
  if (spec.kind == identity::TenantKind::kReadingCentre) {
    auto centre = id.tenants().ReadingCentre();
    if (centre.ok() || centre.status().code() != base::Code::kNotFound) return centre;
  }
  auto existing = id.tenants().GetByCode(spec.code);
  // A tenant only the index knows (an older configuration) is adopted by Create.
  if (existing.ok()) {
    auto adopted = id.tenants().Create(spec);
    if (adopted.ok()) return adopted;
    return existing;
  }
  return id.tenants().Create(spec);
}

struct DemoUser {
  const char* login;
  bool centre;
  identity::Role role;
  const char* role_ja;
  const char* role_en;
  const char* name;
};

constexpr DemoUser kUsers[] = {
    {"demo-tech", false, identity::Role::kHospitalStaff, "病院の診療放射線技師",
     "hospital technologist", "デモ 技師"},
    {"demo-reader", true, identity::Role::kReader, "読影医", "reader (radiologist)", "デモ 読影医"},
    {"demo-admin", true, identity::Role::kAdministrator, "読影センター管理者",
     "reading-centre administrator", "デモ 管理者"},
    {"demo-auditor", true, identity::Role::kAuditor, "監査担当", "auditor", "デモ 監査担当"},
};

}  // namespace

base::Result<DemoIdentity> PrepareDemoIdentity(const Config& config, identity::Identity& id,
                                               const std::string& hospital_code,
                                               const std::string& hospital_name,
                                               const std::string& calling_ae, uint16_t move_port) {
  identity::TenantSpec hs;
  hs.code = hospital_code;
  hs.name = hospital_name;
  hs.name_en = "Demo Hospital";
  DOKUEI_ASSIGN_OR_RETURN(identity::Tenant hospital, EnsureTenant(id, hs));
  identity::TenantSpec cs;
  cs.code = "demo-reading-centre";
  cs.name = "デモ読影センター";
  cs.name_en = "Demo Reading Centre";
  cs.kind = identity::TenantKind::kReadingCentre;
  DOKUEI_ASSIGN_OR_RETURN(identity::Tenant centre, EnsureTenant(id, cs));

  if (auto ae = id.ae_titles().Lookup(calling_ae); !ae.ok()) {
    if (ae.status().code() != base::Code::kNotFound) return ae.status();
    identity::AeTitle a;
    a.ae_title = calling_ae;
    a.host = "127.0.0.1";
    a.port = move_port;
    DOKUEI_RETURN_IF_ERROR(id.ae_titles().Add(hospital.id, a).status());
  }

  DemoIdentity out;
  out.credentials_file = config.data_dir + "/demo-logins.txt";
  // login -> password, from an earlier start.
  std::map<std::string, std::string> known;
  if (auto text = base::ReadFileToString(base::PosixEnv(), out.credentials_file); text.ok()) {
    for (auto line : base::Split(*text, '\n')) {
      auto fields = base::Split(line, '\t');
      if (fields.size() >= 2) known[std::string(fields[0])] = std::string(fields[1]);
    }
  }
  bool changed = false;
  for (const DemoUser& u : kUsers) {
    DemoLogin login{u.login, u.role_ja, u.role_en, ""};
    auto existing = id.accounts().FindByLogin(u.login);
    if (existing.ok()) {
      if (auto it = known.find(u.login); it != known.end()) login.password = it->second;
    } else if (existing.status().code() == base::Code::kNotFound) {
      identity::NewUser nu;
      nu.tenant_id = u.centre ? centre.id : hospital.id;
      nu.login = u.login;
      nu.display_name = u.name;
      nu.roles = {u.role};
      nu.password = GeneratePassword();
      DOKUEI_RETURN_IF_ERROR(id.accounts().Create(nu).status());
      login.password = nu.password;
      changed = true;
    } else {
      return existing.status();
    }
    out.logins.push_back(std::move(login));
  }
  if (changed) {
    std::string text;
    for (const auto& l : out.logins)
      if (!l.password.empty()) text += l.login + "\t" + l.password + "\t" + l.role_en + "\n";
    const std::string tmp = out.credentials_file + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return base::Internal("cannot write " + tmp);
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), out.credentials_file.c_str()) != 0)
      return base::Internal("cannot write " + out.credentials_file);
  }
  return out;
}

}  // namespace dokuei::server
