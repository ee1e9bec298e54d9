#include "net/scu.h"

#include <cstring>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmnet/assoc.h"
#include "dcmtk/dcmnet/cond.h"
#include "net/command.h"
#include "net/tls.h"

namespace dokuei::dicom::net {

base::Result<std::unique_ptr<ScuAssociation>> ScuAssociation::Connect(
    const DimseOptions& options, const PeerAddress& peer,
    const std::vector<ProposedContext>& contexts) {
  if (contexts.empty() || contexts.size() > 128) {
    return base::InvalidArgument("between 1 and 128 presentation contexts can be proposed");
  }
  std::unique_ptr<TlsLayer> tls_layer;
  if (peer.tls) {
    if (!options.tls) {
      return base::FailedPrecondition(peer.ae_title +
                                      " is reached over TLS but DICOM TLS is not configured");
    }
    // A fresh layer per association (C-MOVE sub-associations and reports are rare enough):
    // nothing shared between threads, and certificate files replaced on disk take effect.
    auto made = MakeRequestorTlsLayer(*options.tls, static_cast<int>(options.acse_timeout.count()));
    if (!made.ok()) return made.status();
    tls_layer = std::move(made).value();
  }
  std::unique_ptr<ScuAssociation> s(new ScuAssociation());
  OFCondition c = ASC_initializeNetwork(
      NET_REQUESTOR, 0, static_cast<int>(options.acse_timeout.count()), &s->network_);
  if (c.bad()) return base::Internal(std::string("ASC_initializeNetwork: ") + c.text());
  if (tls_layer) ASC_setTransportLayer(s->network_, tls_layer.release(), 1);  // owned
  T_ASC_Parameters* params = nullptr;
  c = ASC_createAssociationParameters(&params, static_cast<long>(options.max_pdu_bytes));
  if (c.bad()) return base::Internal(std::string("association parameters: ") + c.text());
  ASC_setTransportLayerType(params, peer.tls ? OFTrue : OFFalse);
  ASC_setAPTitles(params, options.ae_title.c_str(), peer.ae_title.c_str(), nullptr);
  std::string address = peer.host + ":" + std::to_string(peer.port);
  ASC_setPresentationAddresses(params, "localhost", address.c_str());
  for (size_t i = 0; i < contexts.size(); ++i) {
    const auto& pc = contexts[i];
    std::vector<const char*> ts;
    for (const auto& t : pc.transfer_syntaxes) ts.push_back(t.c_str());
    c = ASC_addPresentationContext(params, static_cast<T_ASC_PresentationContextID>(1 + 2 * i),
                                   pc.abstract_syntax.c_str(), ts.data(),
                                   static_cast<int>(ts.size()),
                                   pc.we_are_scp ? ASC_SC_ROLE_SCP : ASC_SC_ROLE_DEFAULT);
    if (c.bad()) {
      ASC_destroyAssociationParameters(&params);
      return base::Internal(std::string("presentation context: ") + c.text());
    }
  }
  c = ASC_requestAssociation(s->network_, params, &s->assoc_);
  if (c.bad()) {
    if (s->assoc_ == nullptr) ASC_destroyAssociationParameters(&params);
    if (c == DUL_ASSOCIATIONREJECTED) {
      return base::Unavailable(peer.ae_title + " rejected the association");
    }
    return base::Unavailable("cannot associate with " + peer.ae_title + " at " + address + ": " +
                             c.text());
  }
  SetNoDelay(AssociationSocket(s->assoc_));
  // The handshake and negotiation ran under the ACSE timeout; from now on the DIMSE timeout.
  if (peer.tls) {
    SetSocketTimeouts(AssociationSocket(s->assoc_),
                      static_cast<int>(options.dimse_timeout.count()));
  }
  if (ASC_countAcceptedPresentationContexts(s->assoc_->params) == 0) {
    return base::Unavailable(peer.ae_title + " accepted no presentation context");
  }
  s->channel_ =
      std::make_unique<Channel>(s->assoc_, static_cast<int>(options.dimse_timeout.count()));
  return s;
}

ScuAssociation::~ScuAssociation() {
  if (assoc_ != nullptr) {
    if (!released_) ASC_abortAssociation(assoc_);
    ASC_destroyAssociation(&assoc_);
  }
  if (network_ != nullptr) ASC_dropNetwork(&network_);
}

void ScuAssociation::Release() {
  if (assoc_ == nullptr || released_) return;
  if (ASC_releaseAssociation(assoc_).good()) released_ = true;
}

uint8_t ScuAssociation::FindContext(const std::string& abstract_syntax,
                                    const std::string& ts) const {
  int n = ASC_countPresentationContexts(assoc_->params);
  for (int i = 0; i < n; ++i) {
    T_ASC_PresentationContext pc;
    if (ASC_getPresentationContext(assoc_->params, i, &pc).bad()) continue;
    if (pc.resultReason != ASC_P_ACCEPTANCE) continue;
    if (abstract_syntax != pc.abstractSyntax) continue;
    if (!ts.empty() && ts != pc.acceptedTransferSyntax) continue;
    return pc.presentationContextID;
  }
  return 0;
}

std::string ScuAssociation::ContextTransferSyntax(uint8_t pcid) const {
  T_ASC_PresentationContext pc;
  if (ASC_findAcceptedPresentationContext(assoc_->params, pcid, &pc).bad()) return {};
  return pc.acceptedTransferSyntax;
}

base::Status SendStoreRequest(Channel& channel, const StoreRequest& request,
                              std::span<const uint8_t> dataset) {
  Command rq(cmd::kCStoreRq);
  rq.SetUid(el::kAffectedSopClass, request.sop_class_uid);
  rq.SetUs(el::kMessageId, request.message_id);
  rq.SetUs(el::kPriority, 0);
  rq.SetUs(el::kDataSetType, 0x0000);
  rq.SetUid(el::kAffectedSopInstance, request.sop_instance_uid);
  if (!request.move_originator_ae.empty()) {
    rq.SetText(el::kMoveOriginatorAe, request.move_originator_ae);
    rq.SetUs(el::kMoveOriginatorId, request.move_originator_id);
  }
  return channel.SendMessage(request.pcid, rq, dataset);
}

std::optional<uint16_t> AwaitStoreResponse(Channel& channel, uint16_t message_id,
                                           uint16_t cancel_for, bool* cancel, std::string* error,
                                           std::string* comment) {
  for (;;) {
    Command c;
    uint8_t pcid = 0;
    ReadResult r = channel.ReceiveCommand(&c, &pcid, error);
    if (r != ReadResult::kOk) return std::nullopt;
    if (c.field() == cmd::kCStoreRsp &&
        c.Us(el::kMessageIdBeingRespondedTo).value_or(0) == message_id) {
      if (comment != nullptr) *comment = c.Text(el::kErrorComment);
      return c.status();
    }
    if (cancel != nullptr && c.field() == cmd::kCCancelRq &&
        c.Us(el::kMessageIdBeingRespondedTo).value_or(0) == cancel_for) {
      *cancel = true;
      continue;
    }
    *error = "unexpected command while waiting for a C-STORE response";
    return std::nullopt;
  }
}

base::Result<size_t> Part10DatasetOffset(std::string_view file) {
  if (file.size() < 132 || std::memcmp(file.data() + 128, "DICM", 4) != 0) {
    return base::DataLoss("stored object is not a Part-10 file");
  }
  const auto* p = reinterpret_cast<const uint8_t*>(file.data());
  size_t pos = 132;
  while (pos + 8 <= file.size()) {
    uint16_t group = static_cast<uint16_t>(p[pos] | (p[pos + 1] << 8));
    if (group != 0x0002) break;
    char vr[2] = {static_cast<char>(p[pos + 4]), static_cast<char>(p[pos + 5])};
    bool long_form = (vr[0] == 'O' || vr[0] == 'U' || (vr[0] == 'S' && vr[1] == 'Q') ||
                      (vr[0] == 'S' && vr[1] == 'V')) &&
                     !(vr[0] == 'U' && vr[1] == 'I') && !(vr[0] == 'U' && vr[1] == 'L') &&
                     !(vr[0] == 'U' && vr[1] == 'S');
    uint64_t len;
    size_t header;
    if (long_form) {
      if (pos + 12 > file.size()) return base::DataLoss("truncated file meta information");
      len = static_cast<uint64_t>(p[pos + 8]) | (static_cast<uint64_t>(p[pos + 9]) << 8) |
            (static_cast<uint64_t>(p[pos + 10]) << 16) | (static_cast<uint64_t>(p[pos + 11]) << 24);
      header = 12;
    } else {
      len = static_cast<uint64_t>(p[pos + 6] | (p[pos + 7] << 8));
      header = 8;
    }
    if (len > file.size() - pos - header) return base::DataLoss("truncated file meta information");
    pos += header + static_cast<size_t>(len);
  }
  return pos;
}

}  // namespace dokuei::dicom::net
