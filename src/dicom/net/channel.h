// Channel: DIMSE messages over one DCMTK association (T_ASC_Association), using only the DUL
// layer (DUL_ReadPDVs / DUL_NextPDV / DUL_WritePDVs) plus our own command codec. Data sets are
// never parsed here: received PDV payloads are handed to a consumer as they arrive, and data set
// bytes to send are cut into PDVs as they are.
// Thread safety: one thread at a time per Channel.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "dokuei/base/status.h"
#include "net/command.h"

struct T_ASC_Association;

namespace dokuei::dicom::net {

enum class ReadResult : uint8_t {
  kOk,
  kRelease,   // peer sent A-RELEASE-RQ
  kAborted,   // peer aborted or closed the connection
  kTimeout,   // nothing arrived within the timeout
  kProtocol,  // malformed or unexpected PDU/PDV: the association must be aborted
};

class Channel {
 public:
  Channel(T_ASC_Association* assoc, int timeout_seconds)
      : assoc_(assoc), timeout_seconds_(timeout_seconds) {}

  // Reads one complete command. `pcid` gets its presentation context ID.
  ReadResult ReceiveCommand(Command* command, uint8_t* pcid, std::string* error);
  // Reads the data set that follows a command on `pcid`, passing each fragment to `consume`.
  // Bytes beyond `max_bytes` are not passed on (consume is told once with an empty span... no:
  // `*overflow` is set) but still read, so the association stays in step.
  ReadResult ReceiveDataSet(uint8_t pcid, uint64_t max_bytes,
                            const std::function<void(std::span<const uint8_t>)>& consume,
                            bool* overflow, std::string* error);
  // Same, into a string (for identifiers and N-ACTION information, which are small).
  ReadResult ReceiveSmallDataSet(uint8_t pcid, uint64_t max_bytes, std::string* out,
                                 std::string* error);

  base::Status SendCommand(uint8_t pcid, const Command& command);
  base::Status SendDataSet(uint8_t pcid, std::span<const uint8_t> bytes);
  // Command then data set.
  base::Status SendMessage(uint8_t pcid, const Command& command, std::span<const uint8_t> data);

  // True if a PDV or PDU is waiting (non-blocking).
  bool DataWaiting();
  T_ASC_Association* association() const { return assoc_; }
  int timeout_seconds() const { return timeout_seconds_; }

 private:
  struct Pdv {
    uint8_t pcid = 0;
    bool command = false;
    bool last = false;
    std::span<const uint8_t> data;
  };
  ReadResult NextPdv(Pdv* pdv, std::string* error);

  T_ASC_Association* assoc_;
  int timeout_seconds_;
};

// The numeric socket of an association (for TCP_NODELAY and tests), or -1.
int AssociationSocket(T_ASC_Association* assoc);
// setsockopt(TCP_NODELAY, 1); false if it failed.
bool SetNoDelay(int fd);

}  // namespace dokuei::dicom::net
