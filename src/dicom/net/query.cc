// C-FIND SCP: identifier in, one pending response per match, final status; C-CANCEL honoured
// between matches.
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdatset.h"
#include "net/association.h"
#include "net/identifier.h"
#include "net/log.h"

namespace dokuei::dicom::net {
namespace {

void SendFinal(Association& assoc, const Command& request, uint8_t pcid, uint16_t status,
               const std::string& comment) {
  Command rsp = MakeResponse(cmd::kCFindRsp, request, status, comment, false);
  rsp.SetUid(el::kAffectedSopClass, request.Text(el::kAffectedSopClass));
  if (!assoc.channel.SendCommand(pcid, rsp).ok()) assoc.abort = true;
}

}  // namespace

void HandleFind(Association& assoc, const Command& request, uint8_t pcid) {
  const AcceptedContext& ctx = assoc.context(pcid);
  ++assoc.finds;
  assoc.server.CountFind();
  if (!request.has_data_set()) {
    SendFinal(assoc, request, pcid, 0xA900, "C-FIND request without an identifier");
    return;
  }
  std::string bytes, error;
  ReadResult r = assoc.channel.ReceiveSmallDataSet(pcid, kMaxIdentifierBytes, &bytes, &error);
  if (r != ReadResult::kOk) {
    if (r == ReadResult::kProtocol && error == "data set too large") {
      SendFinal(assoc, request, pcid, 0xC000, "identifier larger than 1 MiB");
      return;
    }
    assoc.abort = true;
    return;
  }
  if (ctx.service != Service::kFind || request.Text(el::kAffectedSopClass) != ctx.abstract_syntax) {
    SendFinal(assoc, request, pcid, 0x0122, "SOP class does not match the presentation context");
    return;
  }
  auto dataset = ParseSmallDataSet(bytes, ctx.transfer_syntax);
  if (!dataset.ok()) {
    SendFinal(assoc, request, pcid, 0xC000, dataset.status().message());
    return;
  }
  std::string charset;
  uint16_t failure = 0xC000;
  auto identifier = DecodeIdentifier(**dataset, ctx.model, &charset, &failure);
  if (!identifier.ok()) {
    SendFinal(assoc, request, pcid, failure, identifier.status().message());
    return;
  }
  const std::string& retrieve_ae = assoc.server.options().ae_title;
  uint16_t message_id = request.message_id();
  bool cancelled = false;
  uint64_t matches = 0;
  DimseStatus final_status = assoc.session.Find(*identifier, [&](const AttributeList& match) {
    auto encoded = EncodeMatch(match, identifier->level, retrieve_ae, charset, ctx.transfer_syntax);
    if (!encoded.ok()) {
      spdlog::warn("dimse {}: cannot encode a C-FIND match: {}", assoc.calling_ae,
                   encoded.status().message());
      return true;  // skip this one
    }
    Command rsp = MakeResponse(cmd::kCFindRsp, request, 0xFF00, "", true);
    rsp.SetUid(el::kAffectedSopClass, request.Text(el::kAffectedSopClass));
    std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(encoded->data()),
                                  encoded->size());
    if (!assoc.channel.SendMessage(pcid, rsp, data).ok()) {
      assoc.abort = true;
      return false;
    }
    ++matches;
    if (CancelRequested(assoc, message_id)) {
      cancelled = !assoc.abort;
      return false;
    }
    return true;
  });
  if (assoc.abort) return;
  if (cancelled) {
    SendFinal(assoc, request, pcid, 0xFE00, "");
    return;
  }
  if (!final_status.ok()) {
    spdlog::info("dimse {}: C-FIND failed: 0x{:04X} {}", assoc.calling_ae, final_status.code,
                 final_status.error_comment);
  }
  SendFinal(assoc, request, pcid, final_status.code, final_status.error_comment);
}

}  // namespace dokuei::dicom::net
