// State of one accepted association, shared by the service handlers (server.cc: echo/store and
// the dispatch loop; query.cc: C-FIND; retrieve.cc: C-GET/C-MOVE; commitment.cc: N-ACTION and
// N-EVENT-REPORT). Private to the net layer.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dokuei/dicom/dimse.h"
#include "net/channel.h"
#include "net/command.h"

namespace dokuei::dicom::net {

enum class Service : uint8_t { kNone, kVerification, kStorage, kFind, kGet, kMove, kCommitment };

struct AcceptedContext {
  bool accepted = false;
  Service service = Service::kNone;
  QueryModel model = QueryModel::kStudyRoot;  // kFind/kGet/kMove
  std::string abstract_syntax;
  std::string transfer_syntax;
  bool peer_is_scp = false;  // the requestor accepted to receive C-STOREs (C-GET)
};

// A storage commitment result still to be delivered by N-EVENT-REPORT.
struct PendingReport {
  std::string calling_ae;  // the requestor's AE title (called AE of the report association)
  std::string transaction_uid;
  uint16_t event_type = 1;  // 1: all committed, 2: some failed
  std::string event_info;   // encoded data set (Explicit VR LE)
  std::optional<PeerAddress> destination;
};

// Server-wide services the handlers use (implemented by DimseServer::Impl).
class ServerServices {
 public:
  virtual ~ServerServices() = default;
  virtual const DimseOptions& options() const = 0;
  virtual void CountStore(bool ok) = 0;
  virtual void CountFind() = 0;
  virtual void CountSubOperation() = 0;
  virtual void CountReport() = 0;
  // Delivers a report on a new association (background, with retries).
  virtual void DeliverLater(PendingReport report) = 0;
  virtual bool stopping() const = 0;
};

struct Association {
  Association(ServerServices& s, DimseSession& d, Channel& c) : server(s), session(d), channel(c) {}
  ServerServices& server;
  DimseSession& session;
  Channel& channel;
  std::array<AcceptedContext, 256> contexts{};
  std::string calling_ae;
  std::string called_ae;
  std::string peer;
  // Set by a handler when the association must be aborted (protocol violation).
  bool abort = false;
  // N-EVENT-REPORTs sent on this association and not yet answered, by message ID.
  std::vector<std::pair<uint16_t, PendingReport>> reports_in_flight;
  uint16_t next_message_id = 1;
  uint64_t stored = 0, store_failures = 0, finds = 0, retrieved = 0, commitments = 0;

  const AcceptedContext& context(uint8_t pcid) const { return contexts[pcid]; }
  uint16_t NextMessageId() {
    if (next_message_id == 0) next_message_id = 1;
    return next_message_id++;
  }
};

// Reads a C-CANCEL for `message_id` if one is waiting. Sets assoc.abort on anything else.
bool CancelRequested(Association& assoc, uint16_t message_id);

void HandleFind(Association& assoc, const Command& request, uint8_t pcid);
void HandleRetrieve(Association& assoc, const Command& request, uint8_t pcid);
void HandleAction(Association& assoc, const Command& request, uint8_t pcid);
void HandleEventReportResponse(Association& assoc, const Command& response);
// At the end of the association: reports never acknowledged go to DeliverLater.
void FlushReports(Association& assoc);
// One delivery attempt on a new association; true when the peer answered success.
bool DeliverReport(const DimseOptions& options, const PendingReport& report, std::string* error);

// Drains the data set announced by `request`, if any (for requests answered with a failure
// before their data set was read). False when the association broke.
bool DrainDataSet(Association& assoc, const Command& request, uint8_t pcid);

}  // namespace dokuei::dicom::net
