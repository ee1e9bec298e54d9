#include "dokuei/archive/peers.h"

namespace dokuei::archive {

const DicomPeer* PeerDirectory::FindByAeTitle(std::string_view ae_title) const {
  for (const auto& p : peers_)
    if (p.ae_title == ae_title) return &p;
  return nullptr;
}

const DicomPeer* PeerDirectory::FindDestination(index::TenantId tenant,
                                                std::string_view ae_title) const {
  const DicomPeer* p = FindByAeTitle(ae_title);
  if (!p || p->tenant != tenant || p->port == 0) return nullptr;
  return p;
}

}  // namespace dokuei::archive
