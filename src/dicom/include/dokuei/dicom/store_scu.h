// StoreScu: sends Part-10 files to a DICOM peer with C-STORE (we are the requestor), on the same
// association code that the C-MOVE sub-operations use (net::ScuAssociation, SendStoreRequest,
// AwaitStoreResponse). One association per call; each file is proposed in its own transfer syntax
// and sent exactly as stored (the data set bytes after the file meta group, unchanged), so the
// receiver's copy is byte-identical to ours.
// Thread safety: thread-safe (one association per call, nothing shared).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/dicom/dimse.h"

namespace dokuei::dicom {

// The C-STORE-RSP of one file: Status (0x0000 success, 0xB0xx warning, else failure) and the
// Error Comment (0000,0902) when the peer sent one.
struct StoreResponse {
  std::string sop_instance_uid;
  DimseStatus status;
  bool accepted() const { return status.code == 0x0000 || (status.code & 0xF000) == 0xB000; }
};

// Associates with `peer` as options.ae_title (timeouts, PDU size and TLS from `options`), sends
// every file, releases. Returns one response per file, in order. kInvalidArgument when a file is
// not a Part-10 file with SOP class, instance and transfer syntax in its meta group;
// kUnavailable when the peer cannot be reached, rejects the association, accepts no
// presentation context for a file (the message names the SOP class), or the association breaks
// before a response.
base::Result<std::vector<StoreResponse>> StoreScu(
    const DimseOptions& options, const PeerAddress& peer,
    const std::vector<std::string_view>& part10_files);

}  // namespace dokuei::dicom
