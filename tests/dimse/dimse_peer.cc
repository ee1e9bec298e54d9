// dimse_peer: a scriptable remote DICOM node for the DIMSE tests, for what DCMTK's command-line
// tools cannot do: hold an association open, send raw (possibly malformed) data-set bytes in any
// transfer syntax (HTJ2K included), and act as a Storage Commitment SCU that receives the
// N-EVENT-REPORT on the same or on a new association. Output: one "key=value" line per result.
//
//   dimse_peer hold   HOST PORT CALLING CALLED SECONDS
//   dimse_peer store  HOST PORT CALLING CALLED SOPCLASS SOPINSTANCE TS FILE [REPEAT]
//   dimse_peer commit HOST PORT CALLING CALLED LISTEN_PORT WAIT_S CLASS INST [CLASS INST ...]
//        LISTEN_PORT 0: wait for the report on the same association; otherwise release at once
//        and accept the report on a new association on LISTEN_PORT.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdatset.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcsequen.h"
#include "dcmtk/dcmnet/assoc.h"
#include "dokuei/base/random.h"
#include "net/channel.h"
#include "net/command.h"
#include "net/identifier.h"
#include "net/scu.h"

using namespace dokuei::dicom;
using namespace dokuei::dicom::net;

namespace {

constexpr const char* kVerification = "1.2.840.10008.1.1";
constexpr const char* kCommitment = "1.2.840.10008.1.20.1";
constexpr const char* kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char* kImplicitLE = "1.2.840.10008.1.2";

DimseOptions Options(const std::string& calling) {
  DimseOptions o;
  o.ae_title = calling;
  o.acse_timeout = std::chrono::seconds(10);
  o.dimse_timeout = std::chrono::seconds(30);
  return o;
}

bool Echo(ScuAssociation& a) {
  uint8_t pcid = a.FindContext(kVerification, "");
  if (pcid == 0) return false;
  Command rq(cmd::kCEchoRq);
  rq.SetUid(el::kAffectedSopClass, kVerification);
  rq.SetUs(el::kMessageId, 99);
  rq.SetUs(el::kDataSetType, kNoDataSet);
  if (!a.channel().SendCommand(pcid, rq).ok()) return false;
  Command rsp;
  uint8_t id = 0;
  std::string err;
  return a.channel().ReceiveCommand(&rsp, &id, &err) == ReadResult::kOk &&
         rsp.field() == cmd::kCEchoRsp && rsp.status() == 0;
}

int Hold(const PeerAddress& peer, const std::string& calling, int seconds) {
  auto a = ScuAssociation::Connect(Options(calling), peer, {{kVerification, {kImplicitLE}}});
  if (!a.ok()) {
    std::cout << "associate=FAIL " << a.status().message() << std::endl;
    return 2;
  }
  std::cout << "associate=OK" << std::endl;
  std::cout << "echo1=" << (Echo(**a) ? "OK" : "FAIL") << std::endl;
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  bool ok = Echo(**a);
  std::cout << "echo2=" << (ok ? "OK" : "FAIL") << std::endl;
  if (ok) (*a)->Release();
  return 0;
}

int Store(const PeerAddress& peer, const std::string& calling, const std::string& sop_class,
          const std::string& sop_instance, const std::string& ts, const std::string& path,
          int repeat) {
  std::ifstream in(path, std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string data = file;
  auto off = Part10DatasetOffset(file);
  if (off.ok()) data = file.substr(*off);
  auto a = ScuAssociation::Connect(Options(calling), peer,
                                   {{sop_class, {ts}}, {kVerification, {kImplicitLE}}});
  if (!a.ok()) {
    std::cout << "associate=FAIL " << a.status().message() << std::endl;
    return 2;
  }
  uint8_t pcid = (*a)->FindContext(sop_class, ts);
  if (pcid == 0) {
    std::cout << "context=REFUSED" << std::endl;
    return 3;
  }
  for (int i = 0; i < repeat; ++i) {
    StoreRequest sr;
    sr.pcid = pcid;
    sr.message_id = static_cast<uint16_t>(i + 1);
    sr.sop_class_uid = sop_class;
    sr.sop_instance_uid = sop_instance;
    std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    if (!SendStoreRequest((*a)->channel(), sr, span).ok()) {
      std::cout << "send=FAIL" << std::endl;
      return 4;
    }
    Command rsp;
    uint8_t id = 0;
    std::string err;
    if ((*a)->channel().ReceiveCommand(&rsp, &id, &err) != ReadResult::kOk) {
      std::cout << "response=NONE " << err << std::endl;
      return 5;
    }
    char status[16];
    std::snprintf(status, sizeof(status), "0x%04X", rsp.status());
    std::cout << "status=" << status << " comment=" << rsp.Text(el::kErrorComment) << std::endl;
  }
  bool ok = Echo(**a);
  std::cout << "echo=" << (ok ? "OK" : "FAIL") << std::endl;
  if (ok) (*a)->Release();
  return 0;
}

void PrintReport(const std::string& where, const Command& rq, const std::string& data) {
  auto ds = ParseSmallDataSet(data, kExplicitLE);
  if (!ds.ok()) ds = ParseSmallDataSet(data, kImplicitLE);
  size_t ok = 0, failed = 0;
  std::string reasons;
  if (ds.ok()) {
    DcmSequenceOfItems* seq = nullptr;
    if ((*ds)->findAndGetSequence(DCM_ReferencedSOPSequence, seq).good() && seq) ok = seq->card();
    seq = nullptr;
    if ((*ds)->findAndGetSequence(DCM_FailedSOPSequence, seq).good() && seq) {
      failed = seq->card();
      for (unsigned long i = 0; i < seq->card(); ++i) {
        Uint16 r = 0;
        seq->getItem(i)->findAndGetUint16(DCM_FailureReason, r);
        char buf[16];
        std::snprintf(buf, sizeof(buf), "0x%04X,", r);
        reasons += buf;
      }
    }
  }
  std::cout << "report=" << where << " event=" << rq.Us(el::kEventTypeId).value_or(0)
            << " committed=" << ok << " failed=" << failed << " reasons=" << reasons << std::endl;
}

bool AnswerReport(Channel& ch, uint8_t pcid, const Command& rq) {
  Command rsp = MakeResponse(cmd::kNEventReportRsp, rq, 0, "", false);
  rsp.SetUid(el::kAffectedSopClass, kCommitment);
  rsp.SetUid(el::kAffectedSopInstance, rq.Text(el::kAffectedSopInstance));
  rsp.SetUs(el::kEventTypeId, rq.Us(el::kEventTypeId).value_or(0));
  return ch.SendCommand(pcid, rsp).ok();
}

int ListenForReport(int port, int wait_s) {
  T_ASC_Network* net = nullptr;
  if (ASC_initializeNetwork(NET_ACCEPTOR, port, wait_s, &net).bad()) {
    std::cout << "listen=FAIL" << std::endl;
    return 6;
  }
  T_ASC_Association* assoc = nullptr;
  OFCondition c =
      ASC_receiveAssociation(net, &assoc, 16384, nullptr, nullptr, OFFalse, DUL_NOBLOCK, wait_s);
  if (c.bad()) {
    std::cout << "report=NONE " << c.text() << std::endl;
    return 7;
  }
  for (int i = 0; i < ASC_countPresentationContexts(assoc->params); ++i) {
    T_ASC_PresentationContext pc;
    ASC_getPresentationContext(assoc->params, i, &pc);
    ASC_acceptPresentationContext(assoc->params, pc.presentationContextID,
                                  pc.proposedTransferSyntaxes[0], pc.proposedRole);
  }
  ASC_acknowledgeAssociation(assoc);
  Channel ch(assoc, wait_s);
  Command rq;
  uint8_t pcid = 0;
  std::string err, data;
  if (ch.ReceiveCommand(&rq, &pcid, &err) == ReadResult::kOk &&
      rq.field() == cmd::kNEventReportRq &&
      ch.ReceiveSmallDataSet(pcid, 1 << 20, &data, &err) == ReadResult::kOk) {
    AnswerReport(ch, pcid, rq);
    PrintReport("new", rq, data);
    Command next;
    if (ch.ReceiveCommand(&next, &pcid, &err) == ReadResult::kRelease) {
      ASC_acknowledgeRelease(assoc);
    }
  } else {
    std::cout << "report=NONE " << err << std::endl;
  }
  ASC_dropSCPAssociation(assoc);
  ASC_destroyAssociation(&assoc);
  ASC_dropNetwork(&net);
  return 0;
}

int Commit(const PeerAddress& peer, const std::string& calling, int listen_port, int wait_s,
           const std::vector<std::pair<std::string, std::string>>& refs) {
  auto a = ScuAssociation::Connect(Options(calling), peer, {{kCommitment, {kExplicitLE}}});
  if (!a.ok()) {
    std::cout << "associate=FAIL " << a.status().message() << std::endl;
    return 2;
  }
  uint8_t pcid = (*a)->FindContext(kCommitment, kExplicitLE);
  if (pcid == 0) {
    std::cout << "context=REFUSED" << std::endl;
    return 3;
  }
  DcmDataset info;
  info.putAndInsertString(DCM_TransactionUID, dokuei::base::NewDicomUid().c_str());
  auto* seq = new DcmSequenceOfItems(DCM_ReferencedSOPSequence);
  for (const auto& [cls, inst] : refs) {
    auto* item = new DcmItem();
    item->putAndInsertString(DCM_ReferencedSOPClassUID, cls.c_str());
    item->putAndInsertString(DCM_ReferencedSOPInstanceUID, inst.c_str());
    seq->append(item);
  }
  info.insert(seq, OFTrue);
  auto bytes = WriteDataSet(info, kExplicitLE);
  Command rq(cmd::kNActionRq);
  rq.SetUid(el::kRequestedSopClass, kCommitment);
  rq.SetUs(el::kMessageId, 1);
  rq.SetUs(el::kDataSetType, 0);
  rq.SetUid(el::kRequestedSopInstance, "1.2.840.10008.1.20.1.1");
  rq.SetUs(el::kActionTypeId, 1);
  std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
  (*a)->channel().SendMessage(pcid, rq, span).IgnoreError();
  Command rsp;
  uint8_t id = 0;
  std::string err;
  if ((*a)->channel().ReceiveCommand(&rsp, &id, &err) != ReadResult::kOk) {
    std::cout << "action=NONE " << err << std::endl;
    return 5;
  }
  char status[16];
  std::snprintf(status, sizeof(status), "0x%04X", rsp.status());
  std::cout << "action=" << status << std::endl;
  if (listen_port != 0) {
    (*a)->Release();
    a->reset();
    return ListenForReport(listen_port, wait_s);
  }
  Command report;
  std::string data;
  if ((*a)->channel().ReceiveCommand(&report, &id, &err) == ReadResult::kOk &&
      report.field() == cmd::kNEventReportRq &&
      (*a)->channel().ReceiveSmallDataSet(id, 1 << 20, &data, &err) == ReadResult::kOk) {
    AnswerReport((*a)->channel(), id, report);
    PrintReport("same", report, data);
  } else {
    std::cout << "report=NONE " << err << std::endl;
  }
  (*a)->Release();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 5) {
    std::cerr << "usage: dimse_peer hold|store|commit HOST PORT CALLING CALLED ..." << std::endl;
    return 1;
  }
  PeerAddress peer{args[4], args[1], static_cast<uint16_t>(std::stoi(args[2]))};
  const std::string& calling = args[3];
  if (args[0] == "hold" && args.size() >= 6) return Hold(peer, calling, std::stoi(args[5]));
  if (args[0] == "store" && args.size() >= 9) {
    int repeat = args.size() >= 10 ? std::stoi(args[9]) : 1;
    return Store(peer, calling, args[5], args[6], args[7], args[8], repeat);
  }
  if (args[0] == "commit" && args.size() >= 9) {
    std::vector<std::pair<std::string, std::string>> refs;
    for (size_t i = 7; i + 1 < args.size(); i += 2) refs.push_back({args[i], args[i + 1]});
    return Commit(peer, calling, std::stoi(args[5]), std::stoi(args[6]), refs);
  }
  std::cerr << "bad arguments" << std::endl;
  return 1;
}
