// Identity-backed DICOM peers for `dokuei serve`.
#include <spdlog/spdlog.h>

#include "serve_parts.h"

namespace dokuei::server {

identity::IdentityOptions IdentityOptionsFrom(const Config& config) {
  identity::IdentityOptions o;
  o.session_idle = std::chrono::minutes(config.session_idle_minutes);
  o.session_absolute = std::chrono::hours(config.session_absolute_hours);
  return o;
}

archive::DicomPeer PeerFromAe(const identity::AeTitle& ae, const identity::Tenant& tenant) {
  archive::DicomPeer p;
  p.ae_title = ae.ae_title;
  p.host = ae.host;
  p.port = ae.port;
  p.tenant_code = tenant.code;
  p.tenant = index::TenantId{tenant.id};
  p.allow_store = ae.allow_store;
  p.allow_find = ae.allow_find;
  p.allow_get = ae.allow_get;
  p.allow_move = ae.allow_move;
  p.allow_commitment = ae.allow_commitment;
  p.check_host = ae.check_host;
  p.max_associations = ae.max_associations;
  p.client_certificate_required = tenant.dicom_client_certificate_required;
  p.certificate_sha256 = ae.certificate_sha256;
  p.tls_required = p.client_certificate_required || !p.certificate_sha256.empty();
  return p;
}

base::Result<std::optional<archive::DicomPeer>> IdentityPeerSource::Lookup(
    std::string_view ae_title) {
  const auto now = clock_.Monotonic();
  const std::string key(ae_title);
  {
    std::lock_guard l(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.expires > now) return it->second.peer;
  }
  std::optional<archive::DicomPeer> peer;
  auto ae = identity_.ae_titles().Lookup(key);
  if (ae.ok()) {
    DOKUEI_ASSIGN_OR_RETURN(identity::Tenant tenant, identity_.tenants().Get(ae->tenant_id));
    if (!tenant.disabled) peer = PeerFromAe(*ae, tenant);
  } else if (ae.status().code() != base::Code::kNotFound &&
             ae.status().code() != base::Code::kInvalidArgument) {
    return ae.status();
  }
  std::lock_guard l(mu_);
  // Bounded: unknown titles are cached too, and anyone can make those up.
  if (cache_.size() >= 4096) cache_.clear();
  cache_[key] = {peer, now + ttl_};
  return peer;
}

base::Result<bool> HasAdministratorWithTwoFactor(identity::Identity& identity) {
  auto centre = identity.tenants().ReadingCentre();
  if (!centre.ok()) {
    if (centre.status().code() == base::Code::kNotFound) return false;
    return centre.status();
  }
  if (centre->disabled) return false;
  DOKUEI_ASSIGN_OR_RETURN(std::vector<identity::User> users, identity.accounts().List(centre->id));
  for (const auto& u : users) {
    if (u.disabled || !u.two_factor_enrolled) continue;
    for (identity::Role r : u.roles)
      if (r == identity::Role::kAdministrator) return true;
  }
  return false;
}

}  // namespace dokuei::server
