// ArchiveDimseHandlers: the archive's answer to every DIMSE policy question the network layer
// (dicom::DimseServer) asks. Association policy comes from the PeerDirectory (looked up at each
// association, so AE titles added while the server runs are accepted): an unknown calling
// AE title is refused, a peer with check_host is refused from any other address, and each peer
// has its own limit of concurrent associations. Every session is bound to the calling peer's
// tenant; stores go through Ingest, C-FIND through QueryService, C-GET/C-MOVE and storage
// commitment through RetrieveService -- all of which filter by tenant in the index itself.
// Thread safety: Accept is thread-safe; each session is used by one association thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dokuei/archive/ingest.h"
#include "dokuei/archive/peers.h"
#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/dicom/dimse.h"

namespace dokuei::archive {

class AuditHook;

struct DimseHandlerOptions {
  uint32_t max_find_matches = 10000;  // C-FIND answers at most this many matches
  // When set (it must outlive the handlers): one audit record per refused association
  // ("ae.association.refused"), C-FIND ("study.query"), C-GET / C-MOVE ("study.retrieve") and
  // storage commitment ("study.commitment"), written before the answer (a C-GET / C-MOVE that
  // matches nothing is recorded with no object); if it cannot be written the operation fails.
  // C-STORE records come from Ingest (IngestOptions::audit).
  AuditHook* audit = nullptr;
};

class ArchiveDimseHandlers final : public dicom::DimseHandlers {
 public:
  // Every argument must outlive the handlers and every session they create.
  ArchiveDimseHandlers(const PeerDirectory& peers, Ingest& ingest, QueryService& query,
                       RetrieveService& retrieve, DimseHandlerOptions options = {});
  ~ArchiveDimseHandlers() override;

  base::Result<std::unique_ptr<dicom::DimseSession>> Accept(
      const dicom::AssociationRequest& request, dicom::RefuseReason* refuse_reason) override;

  // Associations currently open with this calling AE title.
  uint32_t OpenAssociations(std::string_view ae_title) const;

  struct State;

 private:
  const PeerDirectory& peers_;
  Ingest& ingest_;
  QueryService& query_;
  RetrieveService& retrieve_;
  DimseHandlerOptions options_;
  std::shared_ptr<State> state_;
};

}  // namespace dokuei::archive
