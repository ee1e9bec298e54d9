// Outgoing associations (we are the requestor): C-MOVE destinations and storage commitment
// reports. TCP_NODELAY is set on the socket; the transfer syntaxes proposed are chosen by the
// caller.
// Thread safety: one thread per ScuAssociation.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/dicom/dimse.h"
#include "net/channel.h"

struct T_ASC_Association;
struct T_ASC_Network;

namespace dokuei::dicom::net {

struct ProposedContext {
  std::string abstract_syntax;
  std::vector<std::string> transfer_syntaxes;
  bool we_are_scp = false;  // SCP/SCU role selection: we act as SCP (N-EVENT-REPORT)
};

class ScuAssociation {
 public:
  static base::Result<std::unique_ptr<ScuAssociation>> Connect(
      const DimseOptions& options, const PeerAddress& peer,
      const std::vector<ProposedContext>& contexts);
  ~ScuAssociation();  // aborts if not released

  // Accepted context for (abstract syntax, transfer syntax), or 0. An empty transfer syntax
  // matches any.
  uint8_t FindContext(const std::string& abstract_syntax, const std::string& ts) const;
  std::string ContextTransferSyntax(uint8_t pcid) const;
  Channel& channel() { return *channel_; }
  void Release();

 private:
  ScuAssociation() = default;
  T_ASC_Network* network_ = nullptr;
  T_ASC_Association* assoc_ = nullptr;
  std::unique_ptr<Channel> channel_;
  bool released_ = false;
};

// Sends one instance (the data set part of `part10`, starting at `dataset_offset`) as a
// C-STORE-RQ on `pcid` and waits for the C-STORE-RSP (answering nothing else). Returns the
// response status, or an error when the association broke.
struct StoreRequest {
  uint8_t pcid = 0;
  uint16_t message_id = 0;
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string move_originator_ae;  // empty for C-GET
  uint16_t move_originator_id = 0;
};
base::Status SendStoreRequest(Channel& channel, const StoreRequest& request,
                              std::span<const uint8_t> dataset);

// Waits for the C-STORE-RSP to `message_id` on `channel`. On the requesting association
// (C-GET) a C-CANCEL for `cancel_for` may arrive first: it sets *cancel (when not null). Returns
// the status (and the Error Comment in *comment when not null), or nullopt when the association
// broke (*error says why).
std::optional<uint16_t> AwaitStoreResponse(Channel& channel, uint16_t message_id,
                                           uint16_t cancel_for, bool* cancel, std::string* error,
                                           std::string* comment = nullptr);

// Where the data set starts in a Part-10 file (after the preamble and group 0002), checked.
base::Result<size_t> Part10DatasetOffset(std::string_view file);

}  // namespace dokuei::dicom::net
