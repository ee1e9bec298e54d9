#include "dokuei/archive/peers.h"

namespace dokuei::archive {

base::Result<std::optional<DicomPeer>> PeerDirectory::Find(std::string_view ae_title) const {
  for (const auto& p : peers_)
    if (p.ae_title == ae_title) return std::optional<DicomPeer>(p);
  if (source_ == nullptr) return std::optional<DicomPeer>();
  return source_->Lookup(ae_title);
}

std::optional<DicomPeer> PeerDirectory::FindDestination(index::TenantId tenant,
                                                        std::string_view ae_title) const {
  auto p = Find(ae_title);
  if (!p.ok() || !p->has_value() || (*p)->tenant != tenant || (*p)->port == 0) return std::nullopt;
  return std::move(*p);
}

}  // namespace dokuei::archive
