// C-GET and C-MOVE SCP: locate, then one C-STORE sub-operation per instance (on this
// association for C-GET, on a new one to the destination for C-MOVE), pending responses with
// the counts, C-CANCEL between sub-operations, final status with the failed UIDs.
#include <map>
#include <set>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdatset.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcxfer.h"
#include "dokuei/dicom/pixels.h"
#include "net/association.h"
#include "net/identifier.h"
#include "net/log.h"
#include "net/scu.h"

namespace dokuei::dicom::net {
namespace {

constexpr const char* kImplicitLE = "1.2.840.10008.1.2";
constexpr const char* kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char* kExplicitBE = "1.2.840.10008.1.2.2";

bool IsUncompressed(const std::string& ts) {
  return ts == kImplicitLE || ts == kExplicitLE || ts == kExplicitBE;
}

struct Counts {
  uint16_t remaining = 0, completed = 0, failed = 0, warning = 0;
  std::vector<std::string> failed_uids;
};

// Re-encodes the data set of a Part-10 file from one uncompressed transfer syntax to another
// (byte order / VR encoding only; no pixel codec involved).
base::Result<std::string> ConvertUncompressed(const std::string& file, const std::string& to) {
  DcmFileFormat ff;
  DcmInputBufferStream in;
  in.setBuffer(file.data(), static_cast<offile_off_t>(file.size()));
  in.setEos();
  ff.transferInit();
  OFCondition c = ff.read(in, EXS_Unknown, EGL_noChange);
  ff.transferEnd();
  if (c.bad()) return base::DataLoss(std::string("stored object unreadable: ") + c.text());
  DcmDataset* ds = ff.getDataset();
  E_TransferSyntax xs = DcmXfer(to.c_str()).getXfer();
  if (ds->chooseRepresentation(xs, nullptr).bad() || !ds->canWriteXfer(xs)) {
    return base::Unsupported("cannot convert to the accepted transfer syntax");
  }
  return WriteDataSet(*ds, to);
}

void SendRetrieveResponse(Association& assoc, const Command& request, uint8_t pcid, uint16_t status,
                          const Counts& n, const std::string& comment, bool final_response) {
  bool is_move = request.field() == cmd::kCMoveRq;
  bool with_list = final_response && !n.failed_uids.empty() && status != 0;
  Command rsp =
      MakeResponse(is_move ? cmd::kCMoveRsp : cmd::kCGetRsp, request, status, comment, with_list);
  rsp.SetUid(el::kAffectedSopClass, request.Text(el::kAffectedSopClass));
  if (status == 0xFF00 || final_response) {
    if (status == 0xFF00 || status == 0xFE00) rsp.SetUs(el::kRemaining, n.remaining);
    rsp.SetUs(el::kCompleted, n.completed);
    rsp.SetUs(el::kFailed, n.failed);
    rsp.SetUs(el::kWarning, n.warning);
  }
  std::string data;
  if (with_list) {
    DcmDataset ds;
    std::string list;
    for (const auto& uid : n.failed_uids) {
      if (!list.empty()) list += '\\';
      list += uid;
    }
    ds.putAndInsertString(DCM_FailedSOPInstanceUIDList, list.c_str());
    auto bytes = WriteDataSet(ds, assoc.context(pcid).transfer_syntax);
    if (bytes.ok()) data = *bytes;
  }
  std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  if (!assoc.channel.SendMessage(pcid, rsp, span).ok()) assoc.abort = true;
}

}  // namespace

void HandleRetrieve(Association& assoc, const Command& request, uint8_t pcid) {
  const AcceptedContext& ctx = assoc.context(pcid);
  bool is_move = request.field() == cmd::kCMoveRq;
  Counts n;
  auto final_failure = [&](uint16_t status, const std::string& comment) {
    SendRetrieveResponse(assoc, request, pcid, status, n, comment, true);
  };
  if (!request.has_data_set()) {
    final_failure(0xA900, "request without an identifier");
    return;
  }
  std::string bytes, error;
  ReadResult r = assoc.channel.ReceiveSmallDataSet(pcid, kMaxIdentifierBytes, &bytes, &error);
  if (r != ReadResult::kOk) {
    assoc.abort = true;
    return;
  }
  Service expected = is_move ? Service::kMove : Service::kGet;
  if (ctx.service != expected || request.Text(el::kAffectedSopClass) != ctx.abstract_syntax) {
    final_failure(0x0122, "SOP class does not match the presentation context");
    return;
  }
  auto dataset = ParseSmallDataSet(bytes, ctx.transfer_syntax);
  if (!dataset.ok()) {
    final_failure(0xC000, dataset.status().message());
    return;
  }
  std::string charset;
  uint16_t failure = 0xC000;
  auto identifier = DecodeIdentifier(**dataset, ctx.model, &charset, &failure);
  if (!identifier.ok()) {
    final_failure(failure, identifier.status().message());
    return;
  }
  std::optional<PeerAddress> destination;
  if (is_move) {
    std::string dest_ae = request.Text(el::kMoveDestination);
    destination = assoc.session.MoveDestination(dest_ae);
    if (!destination) {
      spdlog::warn("dimse {}: C-MOVE to unknown destination '{}'", assoc.calling_ae, dest_ae);
      final_failure(0xA801, "move destination unknown");
      return;
    }
  }
  if (is_move) identifier->move_destination = request.Text(el::kMoveDestination);
  auto located = assoc.session.Locate(*identifier);
  if (!located.ok() && located.status().code() != base::Code::kNotFound) {
    DimseStatus st = DimseStatus::FromStatus(located.status());
    final_failure(st.code == 0x0110 ? 0xC000 : st.code, st.error_comment);
    return;
  }
  std::vector<RetrieveItem> items;
  if (located.ok()) items = std::move(located).value();
  if (items.empty()) {
    final_failure(0x0000, "");
    return;
  }

  // Where sub-operations go.
  std::unique_ptr<ScuAssociation> scu;
  Channel* out = &assoc.channel;
  if (is_move) {
    std::vector<ProposedContext> proposals;
    std::set<std::pair<std::string, std::string>> seen;
    std::set<std::string> classes;
    for (const auto& it : items) {
      classes.insert(it.sop_class_uid);
      if (seen.insert({it.sop_class_uid, it.transfer_syntax_uid}).second &&
          !IsUncompressed(it.transfer_syntax_uid)) {
        proposals.push_back({it.sop_class_uid, {it.transfer_syntax_uid}, false});
      }
    }
    for (const auto& c : classes) {
      proposals.push_back({c, {kExplicitLE, kImplicitLE, kExplicitBE}, false});
    }
    if (proposals.size() > 128) proposals.resize(128);
    auto connected = ScuAssociation::Connect(assoc.server.options(), *destination, proposals);
    if (!connected.ok()) {
      spdlog::warn("dimse {}: C-MOVE destination {}: {}", assoc.calling_ae, destination->ae_title,
                   connected.status().message());
      final_failure(0xA801, "cannot associate with the move destination");
      return;
    }
    scu = std::move(connected).value();
    out = &scu->channel();
  }

  n.remaining = static_cast<uint16_t>(std::min<size_t>(items.size(), 0xFFFF));
  bool cancelled = false;
  uint16_t message_id = request.message_id();
  for (size_t i = 0; i < items.size() && !cancelled && !assoc.abort; ++i) {
    const RetrieveItem& item = items[i];
    if (CancelRequested(assoc, message_id)) {
      cancelled = !assoc.abort;
      break;
    }
    --n.remaining;
    auto file = item.read_part10 ? item.read_part10()
                                 : base::Result<std::string>(base::DataLoss("no reader"));
    // Choose the presentation context: the stored syntax if accepted, else an uncompressed one.
    uint8_t sub_pcid = 0;
    std::string target_ts = item.transfer_syntax_uid;
    if (is_move) {
      sub_pcid = scu->FindContext(item.sop_class_uid, item.transfer_syntax_uid);
      if (sub_pcid == 0) {
        sub_pcid = scu->FindContext(item.sop_class_uid, "");
        target_ts = sub_pcid ? scu->ContextTransferSyntax(sub_pcid) : "";
      }
    } else {
      for (int id = 1; id < 256; id += 2) {
        const auto& c = assoc.contexts[id];
        if (!c.accepted || !c.peer_is_scp || c.abstract_syntax != item.sop_class_uid) continue;
        if (c.transfer_syntax == item.transfer_syntax_uid) {
          sub_pcid = static_cast<uint8_t>(id);
          target_ts = c.transfer_syntax;
          break;
        }
        if (sub_pcid == 0) {
          sub_pcid = static_cast<uint8_t>(id);
          target_ts = c.transfer_syntax;
        }
      }
    }
    std::string payload;
    base::Status prepared;
    if (!file.ok()) {
      prepared = file.status();
    } else if (sub_pcid == 0) {
      prepared = base::Unsupported("no presentation context for " + item.sop_class_uid);
    } else if (target_ts == item.transfer_syntax_uid) {
      auto offset = Part10DatasetOffset(*file);
      if (offset.ok()) {
        payload = file->substr(*offset);
      } else {
        prepared = offset.status();
      }
    } else if (IsUncompressed(item.transfer_syntax_uid) && IsUncompressed(target_ts)) {
      auto converted = ConvertUncompressed(*file, target_ts);
      if (converted.ok()) {
        payload = std::move(converted).value();
      } else {
        prepared = converted.status();
      }
    } else if (IsUncompressed(target_ts)) {
      // Compressed object, receiver takes only uncompressed: decode to Explicit VR LE, then
      // re-encode if the receiver wants another uncompressed syntax.
      auto decoded = Transcode(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(file->data()), file->size()),
          kExplicitLE);
      if (!decoded.ok()) {
        prepared = decoded.status();
      } else if (target_ts == kExplicitLE) {
        auto offset = Part10DatasetOffset(*decoded);
        if (offset.ok()) {
          payload = decoded->substr(*offset);
        } else {
          prepared = offset.status();
        }
      } else {
        auto converted = ConvertUncompressed(*decoded, target_ts);
        if (converted.ok()) {
          payload = std::move(converted).value();
        } else {
          prepared = converted.status();
        }
      }
    } else {
      prepared = base::Unsupported("stored transfer syntax not accepted by the receiver");
    }
    // A data set of odd length (a sender's defect: an odd-length value) cannot travel in DIMSE,
    // whose PDV fragments must be even. Re-encode it; DCMTK pads the odd value.
    if (prepared.ok() && payload.size() % 2 != 0 && target_ts == "1.2.840.10008.1.2.1.99") {
      payload.push_back('\0');  // PS3.5 A.5: odd-length deflated data gets one trailing NUL
    } else if (prepared.ok() && payload.size() % 2 != 0) {
      auto padded = ConvertUncompressed(*file, target_ts);
      if (padded.ok()) {
        payload = std::move(padded).value();
      } else {
        prepared = padded.status();
      }
    }
    bool ok = false;
    bool warning = false;
    if (prepared.ok()) {
      StoreRequest sr;
      sr.pcid = sub_pcid;
      sr.message_id = is_move ? static_cast<uint16_t>(i + 1) : assoc.NextMessageId();
      sr.sop_class_uid = item.sop_class_uid;
      sr.sop_instance_uid = item.sop_instance_uid;
      if (is_move) {
        sr.move_originator_ae = assoc.calling_ae;
        sr.move_originator_id = message_id;
      }
      std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(payload.data()),
                                    payload.size());
      base::Status sent = SendStoreRequest(*out, sr, data);
      std::string err;
      std::optional<uint16_t> st;
      if (sent.ok()) {
        st = AwaitStoreResponse(*out, sr.message_id, message_id, is_move ? nullptr : &cancelled,
                                &err);
      }
      if (!st) {
        spdlog::warn("dimse {}: sub-operation association broke: {}", assoc.calling_ae,
                     sent.ok() ? err : sent.message());
        if (!is_move) {
          assoc.abort = true;
          return;
        }
        ++n.failed;
        n.failed_uids.push_back(item.sop_instance_uid);
        final_failure(0xA702, "sub-operations interrupted");
        return;
      }
      ok = *st == 0x0000 || (*st & 0xF000) == 0xB000;
      warning = (*st & 0xF000) == 0xB000;
    } else {
      spdlog::info("dimse {}: sub-operation for {} not sent: {}", assoc.calling_ae,
                   item.sop_instance_uid, prepared.message());
    }
    assoc.server.CountSubOperation();
    if (ok && !warning) {
      ++n.completed;
      ++assoc.retrieved;
    } else if (ok) {
      ++n.warning;
      ++assoc.retrieved;
    } else {
      ++n.failed;
      n.failed_uids.push_back(item.sop_instance_uid);
    }
    if (n.remaining > 0 && !cancelled) {
      SendRetrieveResponse(assoc, request, pcid, 0xFF00, n, "", false);
    }
  }
  if (assoc.abort) return;
  if (scu) scu->Release();
  if (cancelled) {
    SendRetrieveResponse(assoc, request, pcid, 0xFE00, n, "", true);
    return;
  }
  uint16_t status = (n.failed + n.warning) > 0 ? 0xB000 : 0x0000;
  std::string comment = n.failed ? std::to_string(n.failed) + " sub-operations failed" : "";
  SendRetrieveResponse(assoc, request, pcid, status, n, comment, true);
}

}  // namespace dokuei::dicom::net
