// DIMSE server (SCP) and the SCU glue it needs, without any DCMTK type in the interface.
//
// DimseServer accepts associations on one TCP port and, when DimseOptions::tls is set, on a
// second, TLS-only port (DICOM PS3.15 secure transport through DCMTK's dcmtls: TLS 1.3, or TLS 1.2
// with ECDHE and AEAD ciphers only; client certificates verified against the configured CA). One
// acceptor thread, one thread per association, at most DimseOptions::max_associations at once
// across both ports. It serves C-ECHO, C-STORE (every
// storage SOP class, data sets received bit-exact and streamed into a StoreSink), C-FIND, C-GET,
// C-MOVE (to destinations the handlers name) and Storage Commitment Push Model (N-ACTION, then
// N-EVENT-REPORT on the same association or on a new one). Every policy decision -- who may
// associate, which tenant, where data goes -- is made by DimseHandlers (implemented in the
// archive module); this layer only speaks the protocol.
//
// Thread safety: DimseServer methods may be called from any thread. DimseHandlers::Accept is
// called concurrently from association threads; one DimseSession is used by one association
// thread at a time (it lives as long as the association).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/base/status.h"
#include "dokuei/dicom/attribute.h"

namespace dokuei::dicom {

// The TLS listener, and the TLS side of outgoing associations to peers marked `tls`.
struct DimseTlsOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;  // 0: the system picks one; see DimseServer::tls_port()
  // PEM files: our certificate (optionally followed by intermediate CA certificates) and its
  // unencrypted private key; presented to callers, and to peers when we call them over TLS.
  std::string cert_file, key_file;
  // PEM CA certificate(s) that client certificates (and the servers we call) must chain to.
  // Empty: client certificates are not asked for, and we cannot call peers over TLS.
  std::string ca_file;
  // true: the handshake fails without a verified client certificate. false: a certificate is
  // asked for and verified when presented; whether one is needed is then the handlers' decision
  // (AssociationRequest::certificate_sha256), answered with A-ASSOCIATE-RJ.
  bool require_client_certificate = false;
};

struct DimseOptions {
  std::string bind_address = "127.0.0.1";    // "0.0.0.0" for every interface
  uint16_t port = 0;                         // 0: the system picks one; see DimseServer::port()
  std::string ae_title = "DOKUEI";           // called AE title we answer to (others are refused)
  uint32_t max_pdu_bytes = 131072;           // our maximum receive PDU (4096..131072)
  std::chrono::seconds acse_timeout{30};     // association negotiation and release
  std::chrono::seconds dimse_timeout{120};   // idle: no message for this long -> abort
  uint32_t max_associations = 64;            // all callers together; beyond -> A-ASSOCIATE-RJ
  std::chrono::seconds connect_timeout{10};  // outgoing associations (C-MOVE, reports)
  uint32_t report_attempts = 3;              // N-EVENT-REPORT on a new association
  std::chrono::seconds report_retry_delay{5};
  std::optional<DimseTlsOptions> tls;  // set: also listen for DICOM over TLS
};

// A DIMSE status with its Error Comment (0000,0902): at most 64 characters of plain English.
struct DimseStatus {
  uint16_t code = 0x0000;
  std::string error_comment;
  bool ok() const { return code == 0x0000; }
  static DimseStatus Success() { return {}; }
  // From a Status through base::GetErrorInfo(code).dimse_status; the comment is the message
  // (shortened to 64 characters).
  static DimseStatus FromStatus(const base::Status& status);
};

struct AssociationRequest {
  std::string calling_ae;
  std::string called_ae;
  std::string peer_address;  // numeric IP
  bool tls = false;          // arrived on the TLS listener
  // SHA-256 (64 lowercase hex) of the client certificate (DER) the peer presented and the CA
  // verified; empty on plain TCP or when no certificate was presented.
  std::string certificate_sha256;
};

// Why an association is refused (mapped to A-ASSOCIATE-RJ result/source/reason).
enum class RefuseReason : uint8_t {
  kCallingAeNotRecognized,  // rejected-permanent, service-user, reason 3
  kCalledAeNotRecognized,   // rejected-permanent, service-user, reason 7
  kLocalLimitExceeded,      // rejected-transient, service-provider (presentation), reason 2
  kNoReason,                // rejected-permanent, service-user, reason 1
};

struct Permissions {
  bool store = true, find = true, get = true, move = true, commitment = true;
};

// Receives one C-STORE data set, bytes exactly as they arrive.
class StoreSink {
 public:
  virtual ~StoreSink() = default;  // discards everything unless Finish succeeded
  // A failure stops buffering; the rest of the data set is still read (and dropped) so the
  // association stays usable, and Finish is not called: the Write status is the answer.
  virtual base::Status Write(std::span<const uint8_t> bytes) = 0;
  // Validate, store durably, index. Success (0x0000), a warning (0xB0xx) or a failure.
  virtual DimseStatus Finish() = 0;
};

enum class QueryModel : uint8_t { kPatientRoot, kStudyRoot };
enum class QueryLevel : uint8_t { kPatient, kStudy, kSeries, kImage };

// A C-FIND, C-GET or C-MOVE identifier, decoded to UTF-8 (QueryRetrieveLevel and
// SpecificCharacterSet removed; every other element kept, with or without value).
struct QueryIdentifier {
  QueryModel model = QueryModel::kStudyRoot;
  QueryLevel level = QueryLevel::kStudy;
  AttributeList keys;
  std::string move_destination;  // C-MOVE: the destination AE title; empty for C-FIND and C-GET
};

// One instance to send as a C-GET / C-MOVE sub-operation.
struct RetrieveItem {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string transfer_syntax_uid;  // of the stored object
  uint64_t size_bytes = 0;
  // The stored Part-10 file (meta header + data set).
  std::function<base::Result<std::string>()> read_part10;
};

struct PeerAddress {
  std::string ae_title;
  std::string host;
  uint16_t port = 0;
  // Associate over TLS (DimseOptions::tls: our certificate as the client certificate, the
  // peer's certificate verified against its CA file).
  bool tls = false;
};

struct SopRef {
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

struct CommitmentOutcome {
  std::vector<SopRef> committed;
  std::vector<std::pair<SopRef, uint16_t>> failed;  // with Failure Reason (0008,1197)
};

// Everything one accepted association may do, bound to its tenant.
class DimseSession {
 public:
  virtual ~DimseSession() = default;  // releases the association slot of the calling AE
  virtual Permissions permissions() const = 0;
  // Starts receiving an instance. nullptr never; a sink that fails in Write/Finish instead.
  virtual std::unique_ptr<StoreSink> BeginStore(const std::string& sop_class_uid,
                                                const std::string& sop_instance_uid,
                                                const std::string& transfer_syntax_uid) = 0;
  // Calls on_match for each match (return keys only, UTF-8) until it returns false (cancelled).
  // Returns the final status: success, or a failure (0xA900 / 0xC000) with an error comment.
  virtual DimseStatus Find(const QueryIdentifier& identifier,
                           const std::function<bool(const AttributeList&)>& on_match) = 0;
  // The instances a C-GET / C-MOVE identifier names (empty: nothing matched).
  virtual base::Result<std::vector<RetrieveItem>> Locate(const QueryIdentifier& identifier) = 0;
  // A C-MOVE destination of this session's tenant, or nullopt (-> 0xA801).
  virtual std::optional<PeerAddress> MoveDestination(const std::string& ae_title) = 0;
  // Where to send N-EVENT-REPORTs when the requesting association has gone (the caller's own
  // configured address), or nullopt.
  virtual std::optional<PeerAddress> ReportDestination() = 0;
  // Storage commitment: which of the references are held durably in this tenant.
  virtual base::Result<CommitmentOutcome> Commit(const std::vector<SopRef>& references) = 0;
};

class DimseHandlers {
 public:
  virtual ~DimseHandlers() = default;
  // A session for an accepted association, or the reason to refuse it. Called after the called
  // AE title has been checked against DimseOptions::ae_title.
  virtual base::Result<std::unique_ptr<DimseSession>> Accept(const AssociationRequest& request,
                                                             RefuseReason* refuse_reason) = 0;
};

// Counters for logs, metrics and tests.
struct DimseStats {
  uint64_t associations_accepted = 0;
  uint64_t associations_refused = 0;
  uint64_t associations_active = 0;
  uint64_t stores_ok = 0;
  uint64_t stores_failed = 0;
  uint64_t finds = 0;
  uint64_t retrieve_suboperations = 0;
  uint64_t reports_sent = 0;
};

class DimseServer {
 public:
  // handlers and clock must outlive the server.
  DimseServer(DimseOptions options, DimseHandlers& handlers,
              base::Clock& clock = base::SystemClock());
  ~DimseServer();  // Stop()
  DimseServer(const DimseServer&) = delete;
  DimseServer& operator=(const DimseServer&) = delete;

  // Binds and starts the acceptor thread. kUnavailable if an address cannot be bound;
  // kInvalidArgument naming the file when the TLS certificate, key or CA cannot be used.
  base::Status Start();
  // The bound ports (after Start); tls_port() is 0 without DimseOptions::tls.
  uint16_t port() const;
  uint16_t tls_port() const;
  // Stops accepting, aborts open associations (an unacknowledged C-STORE stores nothing), waits
  // for pending N-EVENT-REPORT deliveries to give up, joins every thread. Idempotent.
  void Stop();
  DimseStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dokuei::dicom
