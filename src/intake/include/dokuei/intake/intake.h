// Order intake from hospital systems: authenticates the sending facility of an HL7 message as a
// hospital's configured HL7 sender, maps the ORM^O01 to a reading request and, acting as that
// hospital's staff through the workflow library, creates it (ORC-1 NW, source "hl7"), cancels
// the request of its placer order number (CA, the state machine's cancel) or changes its
// details while it has not been read (XO), and answers the ACK.
//
//   ConfigSenderDirectory senders(ParseSenderList(toml_text), resolve_tenant_code);
//   Hl7Intake intake(workflow.requests(), senders, clock);
//   std::string ack = intake.Handle(message_bytes, "10.0.0.7");   // never throws
//
// Every message gets an ACK: AA (created), AE (the content is wrong: fix it, do not resend as
// is) or AR (rejected: unsupported message, unknown sender, or a temporary failure of ours: may
// be resent). Nothing is stored unless the whole order is valid: each change is one workflow
// transaction (with its audit record), after all checks. A resent order (same placer order
// number) is answered AA with its existing request, never a second one; another order for a
// study or accession number that has an open request is AE 205. A cancel or change of an
// unknown placer number is AE 204; of a request already being read or reported, AE 206.
// Thread safety: Hl7Intake is thread-safe if its SenderDirectory and Requests are.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/intake/orders.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::intake {

// A hospital system allowed to send orders: MSH-4 (namespace id, or universal id) and optionally
// MSH-3, for one tenant.
struct Hl7Sender {
  std::string facility;     // MSH-4.1 or MSH-4.2 as configured
  std::string application;  // MSH-3.1; empty = any
  int64_t tenant_id = 0;
  std::string tenant_code;
};

// Where senders come from (a config file now; identity can back it later).
class SenderDirectory {
 public:
  virtual ~SenderDirectory() = default;
  virtual std::optional<Hl7Sender> Find(std::string_view facility, std::string_view facility_uid,
                                        std::string_view application) = 0;
};

// Parses a TOML sender list:
//   [[hl7.senders]]
//   facility = "SAKURA_HP"        # MSH-4.1 (or the OID in MSH-4.2)
//   application = "RIS"          # optional MSH-3.1
//   tenant = "sakura-clinic"     # the hospital's tenant code
base::Result<std::vector<Hl7Sender>> ParseSenderList(std::string_view toml_text);

// A fixed list; tenant codes resolved to ids by `resolve` at lookup time (nullopt: unknown).
class ConfigSenderDirectory final : public SenderDirectory {
 public:
  using Resolve = std::function<std::optional<int64_t>(const std::string& tenant_code)>;
  ConfigSenderDirectory(std::vector<Hl7Sender> senders, Resolve resolve = {})
      : senders_(std::move(senders)), resolve_(std::move(resolve)) {}
  std::optional<Hl7Sender> Find(std::string_view facility, std::string_view facility_uid,
                                std::string_view application) override;

 private:
  std::vector<Hl7Sender> senders_;
  Resolve resolve_;
};

struct Hl7Outcome {
  std::string ack;         // the encoded ACK message (without MLLP framing)
  std::string code;        // "AA", "AE", "AR"
  int64_t request_id = 0;  // when created
  std::string error;       // English, for the log (no patient data)
};

class Hl7Intake {
 public:
  Hl7Intake(workflow::Requests& requests, SenderDirectory& senders, base::Clock& clock)
      : requests_(requests), senders_(senders), clock_(clock) {}
  // Handles one message (bytes as received, without MLLP framing). `peer` is recorded as the
  // audit record's source address.
  Hl7Outcome Handle(std::string_view message, std::string_view peer = {});
  // The AR for a message over the listener's size limit, from its first bytes (MllpOversize).
  std::string OversizeAck(std::string_view head);

 private:
  struct OrderReply {
    std::optional<Hl7Error> error;
    std::string text;  // for MSA-3 when accepted
    int64_t request_id = 0;
  };
  Hl7Outcome HandleUnguarded(std::string_view message, std::string_view peer);
  OrderReply NewOrder(const workflow::Actor& actor, const Order& order, int64_t tenant_id,
                      const std::string& facility);
  std::optional<workflow::ReadingRequest> PlacedOrder(const workflow::Actor& actor,
                                                      const Order& order, int64_t tenant_id,
                                                      OrderReply& out);
  OrderReply CancelOrder(const workflow::Actor& actor, const Order& order, int64_t tenant_id,
                         const std::string& reason);
  OrderReply ChangeOrder(const workflow::Actor& actor, const Order& order, int64_t tenant_id,
                         const std::string& reason);

  workflow::Requests& requests_;
  SenderDirectory& senders_;
  base::Clock& clock_;
};

}  // namespace dokuei::intake
