#include "net/channel.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmnet/assoc.h"
#include "dcmtk/dcmnet/cond.h"
#include "dcmtk/dcmnet/dcmtrans.h"
#include "dcmtk/dcmnet/dimse.h"
#include "dcmtk/dcmnet/dul.h"
#include "dcmtk/dcmnet/dulstruc.h"

namespace dokuei::dicom::net {
namespace {

// DcmTransportConnection::getSocket() is protected; a member pointer taken through a derived
// class reads it without constructing anything.
struct SocketAccess : DcmTransportConnection {
  static DcmNativeSocketType Get(DcmTransportConnection* c) {
    return (c->*(&SocketAccess::getSocket))();
  }
};

}  // namespace

int AssociationSocket(T_ASC_Association* assoc) {
  if (assoc == nullptr || assoc->DULassociation == nullptr) return -1;
  auto* key = reinterpret_cast<PRIVATE_ASSOCIATIONKEY*>(assoc->DULassociation);
  if (key->connection == nullptr) return -1;
  return static_cast<int>(SocketAccess::Get(key->connection));
}

bool SetNoDelay(int fd) {
  if (fd < 0) return false;
  int one = 1;
  return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0;
}

ReadResult Channel::NextPdv(Pdv* pdv, std::string* error) {
  DUL_PDV raw;
  OFCondition cond = DUL_NextPDV(&assoc_->DULassociation, &raw);
  if (cond.bad()) {
    if (!ASC_dataWaiting(assoc_, timeout_seconds_)) return ReadResult::kTimeout;
    cond = DUL_ReadPDVs(&assoc_->DULassociation, nullptr, DUL_NOBLOCK, timeout_seconds_);
    if (cond != DUL_PDATAPDUARRIVED) {
      if (cond == DUL_PEERREQUESTEDRELEASE) return ReadResult::kRelease;
      if (cond == DUL_PEERABORTEDASSOCIATION || cond == DUL_NETWORKCLOSED) {
        return ReadResult::kAborted;
      }
      if (cond == DUL_READTIMEOUT) return ReadResult::kTimeout;
      if (error) *error = cond.text();
      return ReadResult::kProtocol;
    }
    cond = DUL_NextPDV(&assoc_->DULassociation, &raw);
    if (cond.bad()) {
      if (error) *error = "P-DATA-TF PDU without PDVs";
      return ReadResult::kProtocol;
    }
  }
  pdv->pcid = raw.presentationContextID;
  pdv->command = raw.pdvType == DUL_COMMANDPDV;
  pdv->last = raw.lastPDV;
  pdv->data = std::span<const uint8_t>(static_cast<const uint8_t*>(raw.data), raw.fragmentLength);
  return ReadResult::kOk;
}

ReadResult Channel::ReceiveCommand(Command* command, uint8_t* pcid, std::string* error) {
  std::string bytes;
  bool first = true;
  for (;;) {
    Pdv pdv;
    ReadResult r = NextPdv(&pdv, error);
    if (r != ReadResult::kOk) {
      // A timeout in the middle of a command is a broken peer, not an idle one.
      return (r == ReadResult::kTimeout && !first) ? ReadResult::kProtocol : r;
    }
    if (!pdv.command) {
      if (error) *error = "data set PDV where a command was expected";
      return ReadResult::kProtocol;
    }
    if (first) {
      *pcid = pdv.pcid;
      first = false;
    } else if (pdv.pcid != *pcid) {
      if (error) *error = "command PDVs on different presentation contexts";
      return ReadResult::kProtocol;
    }
    if (bytes.size() + pdv.data.size() > kMaxCommandBytes) {
      if (error) *error = "command set larger than 64 KiB";
      return ReadResult::kProtocol;
    }
    bytes.append(reinterpret_cast<const char*>(pdv.data.data()), pdv.data.size());
    if (pdv.last) break;
  }
  auto decoded = Command::Decode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  if (!decoded.ok()) {
    if (error) *error = decoded.status().message();
    return ReadResult::kProtocol;
  }
  *command = std::move(decoded).value();
  return ReadResult::kOk;
}

ReadResult Channel::ReceiveDataSet(uint8_t pcid, uint64_t max_bytes,
                                   const std::function<void(std::span<const uint8_t>)>& consume,
                                   bool* overflow, std::string* error) {
  uint64_t total = 0;
  *overflow = false;
  for (;;) {
    Pdv pdv;
    ReadResult r = NextPdv(&pdv, error);
    if (r == ReadResult::kTimeout) {
      if (error) *error = "data set not completed within the DIMSE timeout";
      return ReadResult::kProtocol;
    }
    if (r != ReadResult::kOk) return r;
    if (pdv.command) {
      if (error) *error = "command PDV inside a data set";
      return ReadResult::kProtocol;
    }
    if (pdv.pcid != pcid) {
      if (error) *error = "data set on another presentation context than its command";
      return ReadResult::kProtocol;
    }
    if (!*overflow) {
      if (pdv.data.size() > max_bytes - total) {
        *overflow = true;
      } else if (!pdv.data.empty()) {
        consume(pdv.data);
      }
    }
    total += pdv.data.size();
    if (pdv.last) return ReadResult::kOk;
  }
}

ReadResult Channel::ReceiveSmallDataSet(uint8_t pcid, uint64_t max_bytes, std::string* out,
                                        std::string* error) {
  bool overflow = false;
  out->clear();
  ReadResult r = ReceiveDataSet(
      pcid, max_bytes,
      [out](std::span<const uint8_t> d) {
        out->append(reinterpret_cast<const char*>(d.data()), d.size());
      },
      &overflow, error);
  if (r == ReadResult::kOk && overflow) {
    out->clear();
    if (error) *error = "data set too large";
    return ReadResult::kProtocol;
  }
  return r;
}

base::Status Channel::SendCommand(uint8_t pcid, const Command& command) {
  std::string bytes = command.Encode();
  DUL_PDV pdv;
  pdv.fragmentLength = static_cast<unsigned long>(bytes.size());
  pdv.presentationContextID = pcid;
  pdv.pdvType = DUL_COMMANDPDV;
  pdv.lastPDV = OFTrue;
  pdv.data = bytes.data();
  DUL_PDVLIST list;
  list.count = 1;
  list.pdv = &pdv;
  OFCondition cond = DUL_WritePDVs(&assoc_->DULassociation, &list);
  if (cond.bad()) return base::Unavailable(std::string("sending DIMSE command: ") + cond.text());
  return base::Status::Ok();
}

base::Status Channel::SendDataSet(uint8_t pcid, std::span<const uint8_t> bytes) {
  // The largest PDV the peer accepts: its maximum PDU minus the PDU and PDV headers.
  unsigned long max_pdv = assoc_->sendPDVLength;
  Uint32 out_limit = dcmMaxOutgoingPDUSize.get();
  if (out_limit > 12 && max_pdv + 12 > out_limit) max_pdv = out_limit - 12;
  max_pdv &= ~1UL;  // even fragments
  if (max_pdv < 2) return base::Internal("peer maximum PDU too small");
  size_t pos = 0;
  do {
    size_t n = std::min<size_t>(max_pdv, bytes.size() - pos);
    DUL_PDV pdv;
    pdv.fragmentLength = static_cast<unsigned long>(n);
    pdv.presentationContextID = pcid;
    pdv.pdvType = DUL_DATASETPDV;
    pdv.lastPDV = (pos + n == bytes.size()) ? OFTrue : OFFalse;
    pdv.data = const_cast<uint8_t*>(bytes.data() + pos);
    DUL_PDVLIST list;
    list.count = 1;
    list.pdv = &pdv;
    OFCondition cond = DUL_WritePDVs(&assoc_->DULassociation, &list);
    if (cond.bad()) return base::Unavailable(std::string("sending data set: ") + cond.text());
    pos += n;
  } while (pos < bytes.size());
  return base::Status::Ok();
}

base::Status Channel::SendMessage(uint8_t pcid, const Command& command,
                                  std::span<const uint8_t> data) {
  DOKUEI_RETURN_IF_ERROR(SendCommand(pcid, command));
  if (command.has_data_set()) return SendDataSet(pcid, data);
  return base::Status::Ok();
}

bool Channel::DataWaiting() {
  auto* key = reinterpret_cast<PRIVATE_ASSOCIATIONKEY*>(assoc_->DULassociation);
  if (key != nullptr && key->pdvIndex >= 0 && key->pdvIndex < static_cast<int>(key->pdvCount)) {
    return true;  // PDVs of an already read PDU are waiting
  }
  return ASC_dataWaiting(assoc_, 0);
}

}  // namespace dokuei::dicom::net
