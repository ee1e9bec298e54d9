// In-memory DimseHandlers for the network-layer tests: known AE titles, per-AE limits, a store
// that keeps the received bytes, canned C-FIND matches and retrieve items.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "dokuei/dicom/dimse.h"

namespace dokuei::dimse_test {

struct StoredObject {
  std::string sop_class, transfer_syntax, bytes;
};

class FakeHandlers : public dicom::DimseHandlers {
 public:
  FakeHandlers() = default;

  base::Result<std::unique_ptr<dicom::DimseSession>> Accept(const dicom::AssociationRequest& r,
                                                            dicom::RefuseReason* reason) override;

  std::mutex mu;
  std::set<std::string> known_aes = {"MODALITY", "LIMITED", "VIEWER"};
  std::map<std::string, uint32_t> limits = {{"LIMITED", 1}};
  std::map<std::string, uint32_t> open;                    // guarded by mu
  std::map<std::string, StoredObject> stored;              // by SOP Instance UID
  std::vector<dicom::AttributeList> matches;               // C-FIND answers
  std::vector<dicom::QueryIdentifier> queries;             // what C-FIND/C-GET/C-MOVE asked
  std::vector<std::string> retrieve_files;                 // Part-10 paths Locate returns
  std::map<std::string, dicom::PeerAddress> destinations;  // C-MOVE destinations
  std::optional<dicom::PeerAddress> report_destination;
  uint64_t max_object_bytes = 64ull << 20;
  std::atomic<int> sessions_alive{0};
};

}  // namespace dokuei::dimse_test
