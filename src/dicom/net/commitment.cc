// Storage Commitment Push Model SCP (PS3.4 J): N-ACTION-RQ in, N-ACTION-RSP out, then the
// N-EVENT-REPORT-RQ with the result -- on the requesting association while it is open, else on a
// new association to the requestor's configured address (ServerServices::DeliverLater).
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdatset.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcitem.h"
#include "dcmtk/dcmdata/dcsequen.h"
#include "net/association.h"
#include "net/identifier.h"
#include "net/log.h"
#include "net/scu.h"

namespace dokuei::dicom::net {
namespace {

constexpr const char* kCommitmentPush = "1.2.840.10008.1.20.1";
constexpr const char* kCommitmentInstance = "1.2.840.10008.1.20.1.1";
constexpr const char* kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char* kImplicitLE = "1.2.840.10008.1.2";

void SendActionResponse(Association& assoc, const Command& request, uint8_t pcid, uint16_t status,
                        const std::string& comment) {
  Command rsp = MakeResponse(cmd::kNActionRsp, request, status, comment, false);
  rsp.SetUid(el::kAffectedSopClass, request.Text(el::kRequestedSopClass));
  rsp.SetUid(el::kAffectedSopInstance, request.Text(el::kRequestedSopInstance));
  if (status == 0) rsp.SetUs(el::kActionTypeId, request.Us(el::kActionTypeId).value_or(1));
  if (!assoc.channel.SendCommand(pcid, rsp).ok()) assoc.abort = true;
}

void AppendRef(DcmSequenceOfItems* seq, const SopRef& ref, std::optional<uint16_t> reason) {
  auto* item = new DcmItem();
  item->putAndInsertString(DCM_ReferencedSOPClassUID, ref.sop_class_uid.c_str());
  item->putAndInsertString(DCM_ReferencedSOPInstanceUID, ref.sop_instance_uid.c_str());
  if (reason) item->putAndInsertUint16(DCM_FailureReason, *reason);
  seq->append(item);
}

Command EventReportRequest(uint16_t message_id, uint16_t event_type) {
  Command rq(cmd::kNEventReportRq);
  rq.SetUid(el::kAffectedSopClass, kCommitmentPush);
  rq.SetUs(el::kMessageId, message_id);
  rq.SetUs(el::kDataSetType, 0x0000);
  rq.SetUid(el::kAffectedSopInstance, kCommitmentInstance);
  rq.SetUs(el::kEventTypeId, event_type);
  return rq;
}

}  // namespace

void HandleAction(Association& assoc, const Command& request, uint8_t pcid) {
  const AcceptedContext& ctx = assoc.context(pcid);
  std::string info, error;
  if (request.has_data_set()) {
    ReadResult r = assoc.channel.ReceiveSmallDataSet(pcid, kMaxActionInfoBytes, &info, &error);
    if (r != ReadResult::kOk) {
      assoc.abort = true;
      return;
    }
  }
  if (ctx.service != Service::kCommitment ||
      request.Text(el::kRequestedSopClass) != kCommitmentPush) {
    SendActionResponse(assoc, request, pcid, 0x0118, "no such SOP class");
    return;
  }
  if (request.Text(el::kRequestedSopInstance) != kCommitmentInstance) {
    SendActionResponse(assoc, request, pcid, 0x0117, "invalid SOP instance");
    return;
  }
  if (request.Us(el::kActionTypeId).value_or(0) != 1) {
    SendActionResponse(assoc, request, pcid, 0x0123, "no such action type");
    return;
  }
  if (info.empty()) {
    SendActionResponse(assoc, request, pcid, 0x0120, "action information missing");
    return;
  }
  auto ds = ParseSmallDataSet(info, ctx.transfer_syntax);
  if (!ds.ok()) {
    SendActionResponse(assoc, request, pcid, 0x0115, ds.status().message());
    return;
  }
  OFString transaction;
  if ((*ds)->findAndGetOFString(DCM_TransactionUID, transaction).bad() || transaction.empty()) {
    SendActionResponse(assoc, request, pcid, 0x0120, "TransactionUID (0008,1195) missing");
    return;
  }
  std::vector<SopRef> refs;
  DcmSequenceOfItems* seq = nullptr;
  if ((*ds)->findAndGetSequence(DCM_ReferencedSOPSequence, seq).good() && seq != nullptr) {
    for (unsigned long i = 0; i < seq->card(); ++i) {
      OFString cls, inst;
      seq->getItem(i)->findAndGetOFString(DCM_ReferencedSOPClassUID, cls);
      seq->getItem(i)->findAndGetOFString(DCM_ReferencedSOPInstanceUID, inst);
      refs.push_back({cls.c_str(), inst.c_str()});
    }
  }
  if (refs.empty()) {
    SendActionResponse(assoc, request, pcid, 0x0120, "ReferencedSOPSequence (0008,1199) empty");
    return;
  }
  SendActionResponse(assoc, request, pcid, 0x0000, "");
  if (assoc.abort) return;
  ++assoc.commitments;

  CommitmentOutcome outcome;
  auto result = assoc.session.Commit(refs);
  if (result.ok()) {
    outcome = std::move(result).value();
  } else {
    spdlog::warn("dimse {}: storage commitment {} could not be checked: {}", assoc.calling_ae,
                 transaction.c_str(), result.status().message());
    for (const auto& r : refs) outcome.failed.push_back({r, 0x0110});
  }
  DcmDataset event;
  event.putAndInsertString(DCM_TransactionUID, transaction.c_str());
  event.putAndInsertString(DCM_RetrieveAETitle, assoc.server.options().ae_title.c_str());
  if (!outcome.committed.empty()) {
    auto* ok_seq = new DcmSequenceOfItems(DCM_ReferencedSOPSequence);
    for (const auto& r : outcome.committed) AppendRef(ok_seq, r, std::nullopt);
    event.insert(ok_seq, OFTrue);
  }
  if (!outcome.failed.empty()) {
    auto* bad_seq = new DcmSequenceOfItems(DCM_FailedSOPSequence);
    for (const auto& [r, reason] : outcome.failed) AppendRef(bad_seq, r, reason);
    event.insert(bad_seq, OFTrue);
  }
  PendingReport report;
  report.calling_ae = assoc.calling_ae;
  report.transaction_uid = transaction.c_str();
  report.event_type = outcome.failed.empty() ? 1 : 2;
  auto explicit_le = WriteDataSet(event, kExplicitLE);
  auto here = WriteDataSet(event, ctx.transfer_syntax);
  if (!explicit_le.ok() || !here.ok()) {
    spdlog::error("dimse {}: cannot encode storage commitment report", assoc.calling_ae);
    return;
  }
  report.event_info = std::move(explicit_le).value();
  // Deliver on this association now; if the requestor releases before answering, the report
  // goes out again on a new association (FlushReports).
  uint16_t id = assoc.NextMessageId();
  Command rq = EventReportRequest(id, report.event_type);
  std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(here->data()), here->size());
  if (!assoc.channel.SendMessage(pcid, rq, data).ok()) {
    assoc.abort = true;
  }
  assoc.reports_in_flight.emplace_back(id, std::move(report));
}

void HandleEventReportResponse(Association& assoc, const Command& response) {
  uint16_t id = response.Us(el::kMessageIdBeingRespondedTo).value_or(0);
  for (auto it = assoc.reports_in_flight.begin(); it != assoc.reports_in_flight.end(); ++it) {
    if (it->first != id) continue;
    if (response.status() == 0) {
      assoc.server.CountReport();
    } else {
      spdlog::warn("dimse {}: N-EVENT-REPORT {} answered with status 0x{:04X}", assoc.calling_ae,
                   it->second.transaction_uid, response.status());
    }
    assoc.reports_in_flight.erase(it);
    return;
  }
}

void FlushReports(Association& assoc) {
  for (auto& [id, report] : assoc.reports_in_flight) {
    report.destination = assoc.session.ReportDestination();
    assoc.server.DeliverLater(std::move(report));
  }
  assoc.reports_in_flight.clear();
}

bool DeliverReport(const DimseOptions& options, const PendingReport& report, std::string* error) {
  std::vector<ProposedContext> proposals = {{kCommitmentPush, {kExplicitLE}, true},
                                            {kCommitmentPush, {kImplicitLE}, true}};
  auto scu = ScuAssociation::Connect(options, *report.destination, proposals);
  if (!scu.ok()) {
    *error = scu.status().message();
    return false;
  }
  std::string data = report.event_info;
  uint8_t pcid = (*scu)->FindContext(kCommitmentPush, kExplicitLE);
  if (pcid == 0) {
    pcid = (*scu)->FindContext(kCommitmentPush, kImplicitLE);
    auto ds = ParseSmallDataSet(report.event_info, kExplicitLE);
    if (pcid == 0 || !ds.ok()) {
      *error = "storage commitment not accepted by the requestor";
      return false;
    }
    auto re = WriteDataSet(**ds, kImplicitLE);
    if (!re.ok()) {
      *error = re.status().message();
      return false;
    }
    data = std::move(re).value();
  }
  Command rq = EventReportRequest(1, report.event_type);
  std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  base::Status sent = (*scu)->channel().SendMessage(pcid, rq, span);
  if (!sent.ok()) {
    *error = sent.message();
    return false;
  }
  Command rsp;
  uint8_t rsp_pcid = 0;
  ReadResult r = (*scu)->channel().ReceiveCommand(&rsp, &rsp_pcid, error);
  if (r != ReadResult::kOk || rsp.field() != cmd::kNEventReportRsp) {
    if (error->empty()) *error = "no N-EVENT-REPORT response";
    return false;
  }
  if (rsp.has_data_set()) {
    std::string ignored;
    (*scu)->channel().ReceiveSmallDataSet(rsp_pcid, kMaxIdentifierBytes, &ignored, error);
  }
  (*scu)->Release();
  if (rsp.status() != 0) {
    *error = "requestor answered status " + std::to_string(rsp.status());
    return false;
  }
  return true;
}

}  // namespace dokuei::dicom::net
