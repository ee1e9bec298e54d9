// DIMSE command sets (PS3.7 section 9/10, annex E): group 0000 elements in Implicit VR Little
// Endian. We encode and decode them ourselves so that every message -- including those on
// presentation contexts whose transfer syntax DCMTK 3.6.7 does not know (HTJ2K) -- goes through
// the same small, bounded code.
// Thread safety: value types.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dokuei/base/status.h"

namespace dokuei::dicom::net {

// Command Field (0000,0100) values.
namespace cmd {
inline constexpr uint16_t kCStoreRq = 0x0001, kCStoreRsp = 0x8001;
inline constexpr uint16_t kCGetRq = 0x0010, kCGetRsp = 0x8010;
inline constexpr uint16_t kCFindRq = 0x0020, kCFindRsp = 0x8020;
inline constexpr uint16_t kCMoveRq = 0x0021, kCMoveRsp = 0x8021;
inline constexpr uint16_t kCEchoRq = 0x0030, kCEchoRsp = 0x8030;
inline constexpr uint16_t kNEventReportRq = 0x0100, kNEventReportRsp = 0x8100;
inline constexpr uint16_t kNActionRq = 0x0130, kNActionRsp = 0x8130;
inline constexpr uint16_t kCCancelRq = 0x0FFF;
}  // namespace cmd

// Elements of group 0000 (element numbers).
namespace el {
inline constexpr uint16_t kAffectedSopClass = 0x0002, kRequestedSopClass = 0x0003;
inline constexpr uint16_t kCommandField = 0x0100, kMessageId = 0x0110;
inline constexpr uint16_t kMessageIdBeingRespondedTo = 0x0120, kMoveDestination = 0x0600;
inline constexpr uint16_t kPriority = 0x0700, kDataSetType = 0x0800, kStatus = 0x0900;
inline constexpr uint16_t kOffendingElement = 0x0901, kErrorComment = 0x0902;
inline constexpr uint16_t kAffectedSopInstance = 0x1000, kRequestedSopInstance = 0x1001;
inline constexpr uint16_t kEventTypeId = 0x1002, kActionTypeId = 0x1008;
inline constexpr uint16_t kRemaining = 0x1020, kCompleted = 0x1021, kFailed = 0x1022;
inline constexpr uint16_t kWarning = 0x1023, kMoveOriginatorAe = 0x1030;
inline constexpr uint16_t kMoveOriginatorId = 0x1031;
}  // namespace el

inline constexpr uint16_t kNoDataSet = 0x0101;
inline constexpr size_t kMaxCommandBytes = 64 * 1024;

class Command {
 public:
  Command() = default;
  explicit Command(uint16_t command_field) { SetUs(el::kCommandField, command_field); }

  // Decodes an Implicit VR LE group-0000 stream. Refuses anything outside group 0000, lengths
  // past the end, and commands without a Command Field.
  static base::Result<Command> Decode(std::span<const uint8_t> bytes);
  // Group length first, then the elements in ascending order.
  std::string Encode() const;

  void SetUs(uint16_t element, uint16_t value);
  void SetUid(uint16_t element, std::string_view uid);    // padded with NUL to even length
  void SetText(uint16_t element, std::string_view text);  // AE/LO: padded with space

  std::optional<uint16_t> Us(uint16_t element) const;
  // UI/AE/LO value with trailing NUL and space padding removed; "" when absent.
  std::string Text(uint16_t element) const;
  bool Has(uint16_t element) const { return elements_.count(element) != 0; }

  uint16_t field() const { return Us(el::kCommandField).value_or(0); }
  bool has_data_set() const { return Us(el::kDataSetType).value_or(kNoDataSet) != kNoDataSet; }
  uint16_t message_id() const { return Us(el::kMessageId).value_or(0); }
  uint16_t status() const { return Us(el::kStatus).value_or(0xFFFF); }

 private:
  std::map<uint16_t, std::string> elements_;  // element number -> raw value bytes
};

// Builds a response to `request`: command field, Message ID Being Responded To, data set type,
// status, and an Error Comment when `error_comment` is non-empty (cut to 64 characters).
Command MakeResponse(uint16_t response_field, const Command& request, uint16_t status,
                     std::string_view error_comment, bool with_data_set);

// Cuts to at most 64 characters and removes control characters (Error Comment is LO).
std::string SanitizeComment(std::string_view text);

}  // namespace dokuei::dicom::net
