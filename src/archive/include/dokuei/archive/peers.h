// PeerDirectory: the DICOM application entities this archive talks to: those of the
// configuration file, then those of a PeerSource (identity's AE titles, managed while the server
// runs). A calling AE title found in neither is refused at association. Each peer belongs to one
// tenant (the hospital whose modality or PACS it is); what it sends is stored in that tenant, what
// it queries and retrieves is that tenant's only, and it may only name C-MOVE destinations of that
// same tenant.
// Thread safety: thread-safe (the configured list is immutable; the source must be thread-safe).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/index/records.h"

namespace dokuei::archive {

struct DicomPeer {
  std::string ae_title;
  std::string host;      // where to connect for C-MOVE / storage commitment reports
  uint16_t port = 0;     // 0: we never connect to it
  std::string tenant_code;
  index::TenantId tenant;
  bool allow_store = true;
  bool allow_find = true;
  bool allow_get = true;
  bool allow_move = true;
  bool allow_commitment = true;
  bool check_host = false;          // refuse associations from any other address than `host`
  uint32_t max_associations = 8;    // concurrent associations with this calling AE
  // DICOM TLS. tls_required: associations from this AE over plain TCP are refused, and ours to
  // it (C-MOVE, storage commitment reports) use TLS (to `port`, its TLS port).
  bool tls_required = false;
  // Associations from this AE must present a client certificate verified by our CA (the
  // tenant's policy, identity::Tenant::dicom_client_certificate_required).
  bool client_certificate_required = false;
  // Pin: the SHA-256 fingerprint of the one client certificate this AE may present (64 hex
  // digits; colons and case as `openssl x509 -fingerprint -sha256` prints them are accepted).
  // Empty: any certificate the CA verifies.
  std::string certificate_sha256;
};

// Peers looked up by AE title at association time (e.g. identity's AE titles).
class PeerSource {
 public:
  virtual ~PeerSource() = default;
  // The peer calling itself `ae_title`; nullopt when unknown (or disabled); an error when the
  // source cannot answer (the association is then refused).
  virtual base::Result<std::optional<DicomPeer>> Lookup(std::string_view ae_title) = 0;
};

class PeerDirectory {
 public:
  PeerDirectory() = default;
  // `source` (optional) must outlive the directory; configured peers take precedence over it.
  explicit PeerDirectory(std::vector<DicomPeer> peers, PeerSource* source = nullptr)
      : peers_(std::move(peers)), source_(source) {}
  base::Result<std::optional<DicomPeer>> Find(std::string_view ae_title) const;
  // The C-MOVE destination `ae_title` if it belongs to `tenant` and has a port, else nullopt.
  std::optional<DicomPeer> FindDestination(index::TenantId tenant, std::string_view ae_title) const;
  const std::vector<DicomPeer>& configured() const { return peers_; }

 private:
  std::vector<DicomPeer> peers_;
  PeerSource* source_ = nullptr;
};

}  // namespace dokuei::archive
