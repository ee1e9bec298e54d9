// DimseServer: acceptor thread, one thread per association, association negotiation and the
// message loop (C-ECHO and the C-STORE fast path live here; the other services in their files).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcerror.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmnet/assoc.h"
#include "dcmtk/dcmnet/cond.h"
#include "dcmtk/dcmnet/dcmlayer.h"
#include "dcmtk/dcmnet/dcmtrans.h"
#include "dcmtk/dcmnet/dul.h"
#include "dokuei/base/error_table.h"
#include "dokuei/dicom/dimse.h"
#include "dokuei/dicom/parse.h"
#include "net/association.h"
#include "net/log.h"
#include "net/tls.h"

namespace dokuei::dicom {

DimseStatus DimseStatus::FromStatus(const base::Status& status) {
  if (status.ok()) return {};
  return {base::GetErrorInfo(status.code()).dimse_status, net::SanitizeComment(status.message())};
}

namespace net {
namespace {

constexpr const char* kVerification = "1.2.840.10008.1.1";
constexpr const char* kCommitmentPush = "1.2.840.10008.1.20.1";
constexpr const char* kImplicitLE = "1.2.840.10008.1.2";
constexpr const char* kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char* kExplicitBE = "1.2.840.10008.1.2.2";

struct QrModel {
  const char* uid;
  Service service;
  QueryModel model;
};
constexpr QrModel kQrModels[] = {
    {"1.2.840.10008.5.1.4.1.2.1.1", Service::kFind, QueryModel::kPatientRoot},
    {"1.2.840.10008.5.1.4.1.2.2.1", Service::kFind, QueryModel::kStudyRoot},
    {"1.2.840.10008.5.1.4.1.2.1.2", Service::kMove, QueryModel::kPatientRoot},
    {"1.2.840.10008.5.1.4.1.2.2.2", Service::kMove, QueryModel::kStudyRoot},
    {"1.2.840.10008.5.1.4.1.2.1.3", Service::kGet, QueryModel::kPatientRoot},
    {"1.2.840.10008.5.1.4.1.2.2.3", Service::kGet, QueryModel::kStudyRoot},
};

// dcmExternalSocketHandle is process-wide: DCMTK reads it once, at the top of accepting a
// transport connection, then creates the connection through the network's transport layer.
// The gate holds the value for exactly that window, so each association thread hands DCMTK
// its own accepted socket while slow peers negotiate in parallel. The TLS listener has its own
// network (DCMTK keeps the transport layer per network) whose DcmTLSTransportLayer releases the
// gate the same way (TlsLayer's hook); the TLS handshake runs after createConnection, outside
// the gate, so slow handshakes do not serialise either.
std::mutex g_gate_mu;
thread_local bool t_gate_held = false;
thread_local bool t_fd_consumed = false;

void GateEnter(int fd) {
  g_gate_mu.lock();
  t_gate_held = true;
  t_fd_consumed = false;
  dcmExternalSocketHandle.set(fd);
}
void GateLeave() {
  if (!t_gate_held) return;
  dcmExternalSocketHandle.set(-1);
  t_gate_held = false;
  g_gate_mu.unlock();
}

class GateTransportLayer : public DcmTransportLayer {
 public:
  DcmTransportConnection* createConnection(DcmNativeSocketType fd, OFBool secure) override {
    t_fd_consumed = true;
    GateLeave();
    return DcmTransportLayer::createConnection(fd, secure);
  }
};

// The gate's release, as the TLS layer's on_connection hook.
void ConnectionTaken() {
  t_fd_consumed = true;
  GateLeave();
}

// A listening IPv4 socket; *bound_port gets the port.
base::Status Listen(const std::string& address, uint16_t port, const char* what, int* fd,
                    uint16_t* bound_port) {
  *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (*fd < 0) return base::Unavailable(std::string("cannot create the ") + what + " socket");
  int one = 1;
  setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    return base::InvalidArgument(std::string(what) +
                                 " bind address is not an IPv4 address: " + address);
  }
  if (bind(*fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(*fd, 128) != 0) {
    return base::Unavailable("cannot listen on " + address + ":" + std::to_string(port) + " for " +
                             what);
  }
  socklen_t len = sizeof(addr);
  getsockname(*fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *bound_port = ntohs(addr.sin_port);
  return base::Status::Ok();
}

// An acceptor network without a listening socket of its own: initialised while the external
// socket value is set, so DCMTK does not bind; sockets come from our acceptor.
base::Status AcceptorNetwork(int listen_fd, int acse_timeout, T_ASC_Network** network) {
  GateEnter(listen_fd);
  OFCondition c = ASC_initializeNetwork(NET_ACCEPTORREQUESTOR, 0, acse_timeout, network);
  GateLeave();
  if (c.bad()) return base::Internal(std::string("ASC_initializeNetwork: ") + c.text());
  return base::Status::Ok();
}

bool IsUncompressed(const std::string& ts) {
  return ts == kImplicitLE || ts == kExplicitLE || ts == kExplicitBE;
}

}  // namespace

bool DrainDataSet(Association& assoc, const Command& request, uint8_t pcid) {
  if (!request.has_data_set()) return true;
  bool overflow = false;
  std::string error;
  ReadResult r = assoc.channel.ReceiveDataSet(
      pcid, 0, [](std::span<const uint8_t>) {}, &overflow, &error);
  if (r != ReadResult::kOk) {
    assoc.abort = true;
    return false;
  }
  return true;
}

bool CancelRequested(Association& assoc, uint16_t message_id) {
  if (!assoc.channel.DataWaiting()) return false;
  Command c;
  uint8_t pcid = 0;
  std::string error;
  ReadResult r = assoc.channel.ReceiveCommand(&c, &pcid, &error);
  if (r != ReadResult::kOk) {
    assoc.abort = true;
    return true;
  }
  if (c.field() == cmd::kCCancelRq) {
    return c.Us(el::kMessageIdBeingRespondedTo).value_or(0) == message_id;
  }
  if (c.field() == cmd::kNEventReportRsp) {
    HandleEventReportResponse(assoc, c);
    return false;
  }
  spdlog::warn("dimse {}: command 0x{:04x} received during an operation; aborting",
               assoc.calling_ae, c.field());
  assoc.abort = true;
  return true;
}

}  // namespace net

using net::Association;
using net::Command;
using net::ReadResult;
using net::Service;

struct DimseServer::Impl final : public net::ServerServices {
  Impl(DimseOptions o, DimseHandlers& h, base::Clock& c)
      : opts(std::move(o)), handlers(h), clock(c) {}

  // ServerServices
  const DimseOptions& options() const override { return opts; }
  void CountStore(bool ok) override {
    std::lock_guard l(stats_mu);
    (ok ? stats.stores_ok : stats.stores_failed)++;
  }
  void CountFind() override {
    std::lock_guard l(stats_mu);
    stats.finds++;
  }
  void CountSubOperation() override {
    std::lock_guard l(stats_mu);
    stats.retrieve_suboperations++;
  }
  void CountReport() override {
    std::lock_guard l(stats_mu);
    stats.reports_sent++;
  }
  bool stopping() const override { return stopping_flag.load(); }
  void DeliverLater(net::PendingReport report) override;

  base::Status Start();
  void Stop();
  void AcceptLoop();
  void AcceptOne(int listen_socket, bool tls);
  void RunAssociation(int fd, std::string peer_ip, uint64_t id, bool tls);
  void Serve(T_ASC_Association* assoc, Association& a);
  void HandleStore(Association& a, const Command& request, uint8_t pcid);
  bool Negotiate(T_ASC_Association* assoc, DimseSession& session, Association& a);
  void Reject(T_ASC_Association* assoc, RefuseReason reason);

  DimseOptions opts;
  DimseHandlers& handlers;
  base::Clock& clock;

  int listen_fd = -1;
  int wake_fd = -1;
  uint16_t bound_port = 0;
  T_ASC_Network* network = nullptr;
  // The TLS listener (DimseOptions::tls): its own socket and network, whose transport layer is
  // a net::TlsLayer (owned by the network).
  int tls_listen_fd = -1;
  uint16_t tls_bound_port = 0;
  T_ASC_Network* tls_network = nullptr;
  std::thread acceptor;
  std::atomic<bool> started{false};
  std::atomic<bool> stopping_flag{false};

  std::mutex mu;  // guards everything below
  std::condition_variable cv;
  struct Worker {
    std::thread thread;
    bool done = false;
  };
  std::map<uint64_t, Worker> workers;
  std::map<uint64_t, int> live_fds;  // association sockets, for Stop()
  uint64_t next_id = 1;
  uint32_t active = 0;

  mutable std::mutex stats_mu;
  DimseStats stats;

  std::mutex report_mu;  // guards report_threads
  std::condition_variable report_cv;
  struct ReportThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };
  std::list<ReportThread> report_threads;
};

void DimseServer::Impl::DeliverLater(net::PendingReport report) {
  std::lock_guard l(report_mu);
  if (stopping_flag) return;
  for (auto it = report_threads.begin(); it != report_threads.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = report_threads.erase(it);
    } else {
      ++it;
    }
  }
  if (report_threads.size() >= 64) {
    spdlog::error("dimse: too many storage commitment reports pending; report {} for {} dropped",
                  report.transaction_uid, report.calling_ae);
    return;
  }
  ReportThread& rt = report_threads.emplace_back();
  rt.thread = std::thread([this, report = std::move(report), done = rt.done] {
    struct MarkDone {
      std::atomic<bool>& d;
      ~MarkDone() { d = true; }
    } mark{*done};
    if (!report.destination) {
      spdlog::warn("dimse: no address configured for {}; storage commitment report {} not sent",
                   report.calling_ae, report.transaction_uid);
      return;
    }
    for (uint32_t attempt = 1; attempt <= std::max<uint32_t>(1, opts.report_attempts); ++attempt) {
      std::string error;
      if (net::DeliverReport(opts, report, &error)) {
        CountReport();
        spdlog::info("dimse: storage commitment report {} delivered to {} (attempt {})",
                     report.transaction_uid, report.calling_ae, attempt);
        return;
      }
      spdlog::warn("dimse: storage commitment report {} to {} failed (attempt {}): {}",
                   report.transaction_uid, report.calling_ae, attempt, error);
      std::unique_lock l(report_mu);
      if (report_cv.wait_for(l, opts.report_retry_delay, [this] { return stopping_flag.load(); })) {
        return;
      }
    }
  });
}

base::Status DimseServer::Impl::Start() {
  if (started.exchange(true)) return base::FailedPrecondition("DIMSE server already started");
  if (opts.max_pdu_bytes < 4096) opts.max_pdu_bytes = 4096;
  if (opts.max_pdu_bytes > 131072) opts.max_pdu_bytes = 131072;
  dcmDisableGethostbyaddr.set(OFTrue);  // no reverse DNS on the accept path
  dcmConnectionTimeout.set(static_cast<Sint32>(opts.connect_timeout.count()));
  const int acse_timeout = static_cast<int>(opts.acse_timeout.count());

  // TLS first: a certificate, key or CA that cannot be used fails before anything is bound.
  std::unique_ptr<net::TlsLayer> tls_layer;
  if (opts.tls) {
    auto made = net::MakeAcceptorTlsLayer(*opts.tls, acse_timeout, net::ConnectionTaken);
    if (!made.ok()) return made.status();
    tls_layer = std::move(made).value();
  }
  DOKUEI_RETURN_IF_ERROR(
      net::Listen(opts.bind_address, opts.port, "DIMSE", &listen_fd, &bound_port));
  if (opts.tls) {
    DOKUEI_RETURN_IF_ERROR(net::Listen(opts.tls->bind_address, opts.tls->port, "DICOM TLS",
                                       &tls_listen_fd, &tls_bound_port));
  }
  wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

  DOKUEI_RETURN_IF_ERROR(net::AcceptorNetwork(listen_fd, acse_timeout, &network));
  ASC_setTransportLayer(network, new net::GateTransportLayer(), 1);
  if (tls_layer) {
    DOKUEI_RETURN_IF_ERROR(net::AcceptorNetwork(tls_listen_fd, acse_timeout, &tls_network));
    ASC_setTransportLayer(tls_network, tls_layer.release(), 1);
  }
  acceptor = std::thread([this] { AcceptLoop(); });
  spdlog::info("dimse: listening on {}:{} as {}", opts.bind_address, bound_port, opts.ae_title);
  if (opts.tls) {
    spdlog::info("dimse: listening for DICOM TLS on {}:{} (client certificates {})",
                 opts.tls->bind_address, tls_bound_port,
                 opts.tls->ca_file.empty()              ? "not asked for"
                 : opts.tls->require_client_certificate ? "required"
                                                        : "verified when presented");
  }
  return base::Status::Ok();
}

void DimseServer::Impl::AcceptLoop() {
  for (;;) {
    // A negative descriptor (no TLS listener) is ignored by poll.
    pollfd fds[3] = {{listen_fd, POLLIN, 0}, {tls_listen_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int n = poll(fds, 3, 1000);
    {
      // Reap finished association threads.
      std::lock_guard l(mu);
      for (auto it = workers.begin(); it != workers.end();) {
        if (it->second.done) {
          it->second.thread.join();
          it = workers.erase(it);
        } else {
          ++it;
        }
      }
    }
    if (stopping_flag) return;
    if (n <= 0) continue;
    if (fds[0].revents & POLLIN) AcceptOne(listen_fd, false);
    if (fds[1].revents & POLLIN) AcceptOne(tls_listen_fd, true);
  }
}

void DimseServer::Impl::AcceptOne(int listen_socket, bool tls) {
  sockaddr_in peer{};
  socklen_t plen = sizeof(peer);
  int fd = accept4(listen_socket, reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_CLOEXEC);
  if (fd < 0) return;
  net::SetNoDelay(fd);
  char ip[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
  std::lock_guard l(mu);
  // Beyond the limit a few more threads may run, only to send A-ASSOCIATE-RJ; past that the
  // connection is closed at once, so a connection storm costs no thread.
  if (active >= opts.max_associations + 8) {
    close(fd);
    std::lock_guard sl(stats_mu);
    stats.associations_refused++;
    return;
  }
  uint64_t id = next_id++;
  ++active;
  live_fds[id] = fd;
  workers[id].thread =
      std::thread([this, fd, ip = std::string(ip), id, tls] { RunAssociation(fd, ip, id, tls); });
}

void DimseServer::Impl::Reject(T_ASC_Association* assoc, RefuseReason reason) {
  T_ASC_RejectParameters rej;
  switch (reason) {
    case RefuseReason::kCallingAeNotRecognized:
      rej = {ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
             ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED};
      break;
    case RefuseReason::kCalledAeNotRecognized:
      rej = {ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
             ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED};
      break;
    case RefuseReason::kLocalLimitExceeded:
      rej = {ASC_RESULT_REJECTEDTRANSIENT, ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED,
             ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED};
      break;
    case RefuseReason::kNoReason:
    default:
      rej = {ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER, ASC_REASON_SU_NOREASON};
      break;
  }
  ASC_rejectAssociation(assoc, &rej);
  std::lock_guard l(stats_mu);
  stats.associations_refused++;
}

void DimseServer::Impl::RunAssociation(int fd, std::string peer_ip, uint64_t id, bool tls) {
  auto started_at = clock.Monotonic();
  T_ASC_Association* assoc = nullptr;
  net::GateEnter(fd);
  // On the TLS network the handshake runs inside (after the gate is released); a client
  // certificate that does not verify, or none when one is required, fails it here.
  OFCondition c = ASC_receiveAssociation(
      tls ? tls_network : network, &assoc, static_cast<long>(opts.max_pdu_bytes), nullptr, nullptr,
      tls ? OFTrue : OFFalse, DUL_NOBLOCK, static_cast<int>(opts.acse_timeout.count()));
  bool consumed = net::t_fd_consumed;
  net::GateLeave();
  bool over_limit = false;
  {
    std::lock_guard l(mu);
    over_limit = active > opts.max_associations;
    if (!consumed) {
      live_fds.erase(id);
      close(fd);
    }
  }
  std::string calling, called;
  if (c.good()) {
    char calling_buf[64] = {0}, called_buf[64] = {0};
    ASC_getAPTitles(assoc->params, calling_buf, sizeof(calling_buf), called_buf, sizeof(called_buf),
                    nullptr, 0);
    calling = calling_buf;
    called = called_buf;
    if (called != opts.ae_title) {
      spdlog::warn("dimse: association from {} ({}) refused: called AE '{}' is not ours", calling,
                   peer_ip, called);
      Reject(assoc, RefuseReason::kCalledAeNotRecognized);
    } else if (over_limit) {
      spdlog::warn("dimse: association from {} ({}) refused: {} associations open", calling,
                   peer_ip, opts.max_associations);
      Reject(assoc, RefuseReason::kLocalLimitExceeded);
    } else {
      RefuseReason reason = RefuseReason::kNoReason;
      AssociationRequest request{calling, called, peer_ip, tls, {}};
      if (tls) request.certificate_sha256 = net::PeerCertificateSha256(assoc);
      auto session = handlers.Accept(request, &reason);
      if (!session.ok()) {
        spdlog::warn("dimse: association from {} ({}) refused: {}", calling, peer_ip,
                     session.status().message());
        Reject(assoc, reason);
      } else {
        net::Channel channel(assoc, static_cast<int>(opts.dimse_timeout.count()));
        // TLS reads and writes block inside OpenSSL: bound a stalled peer by the DIMSE timeout
        // (the handshake and negotiation ran under the ACSE timeout).
        if (tls) net::SetSocketTimeouts(fd, static_cast<int>(opts.dimse_timeout.count()));
        Association a{*this, **session, channel};
        a.calling_ae = calling;
        a.called_ae = called;
        a.peer = peer_ip;
        if (Negotiate(assoc, **session, a)) {
          {
            std::lock_guard l(stats_mu);
            stats.associations_accepted++;
          }
          Serve(assoc, a);
          net::FlushReports(a);
        }
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(clock.Monotonic() - started_at);
        spdlog::info(
            "dimse: association {} from {} ended after {} ms: stored {}, store failures {}, "
            "finds {}, retrieved {}, commitments {}{}",
            calling, peer_ip, ms.count(), a.stored, a.store_failures, a.finds, a.retrieved,
            a.commitments, a.abort ? " (aborted)" : "");
      }
    }
  } else if (tls && (c.module() == OFM_dcmtls || c.code() == DULC_TLSERROR)) {
    // The handshake failed: a client certificate that does not verify, none when one is
    // required, no common protocol or cipher, or no ClientHello within the ACSE timeout.
    spdlog::warn("dimse: TLS connection from {} refused: {}", peer_ip, c.text());
    std::lock_guard l(stats_mu);
    stats.associations_refused++;
  } else if (consumed) {
    spdlog::info("dimse: connection from {} closed during association negotiation: {}", peer_ip,
                 c.text());
  }
  {
    std::lock_guard l(mu);
    live_fds.erase(id);
  }
  if (assoc != nullptr) {
    ASC_dropSCPAssociation(assoc);
    ASC_destroyAssociation(&assoc);
  }
  std::lock_guard l(mu);
  --active;
  workers[id].done = true;
  cv.notify_all();
}

bool DimseServer::Impl::Negotiate(T_ASC_Association* assoc, DimseSession& session, Association& a) {
  char context_name[128] = {0};
  ASC_getApplicationContextName(assoc->params, context_name, sizeof(context_name));
  if (std::string(context_name) != UID_StandardApplicationContext) {
    T_ASC_RejectParameters rej = {ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
                                  ASC_REASON_SU_APPCONTEXTNAMENOTSUPPORTED};
    ASC_rejectAssociation(assoc, &rej);
    return false;
  }
  Permissions perm = session.permissions();
  const auto& accepted_ts = AcceptedTransferSyntaxes();
  int count = ASC_countPresentationContexts(assoc->params);
  for (int i = 0; i < count; ++i) {
    T_ASC_PresentationContext pc;
    if (ASC_getPresentationContext(assoc->params, i, &pc).bad()) continue;
    std::string as = pc.abstractSyntax;
    std::vector<std::string> proposed;
    for (int k = 0; k < pc.transferSyntaxCount; ++k)
      proposed.emplace_back(pc.proposedTransferSyntaxes[k]);
    auto first_of = [&](auto pred) -> std::string {
      for (const auto& ts : proposed) {
        if (pred(ts)) return ts;
      }
      return {};
    };
    net::AcceptedContext ctx;
    ctx.abstract_syntax = as;
    bool allowed = true;
    std::string ts;
    T_ASC_SC_ROLE role = ASC_SC_ROLE_DEFAULT;
    if (as == net::kVerification) {
      ctx.service = Service::kVerification;
      ts = first_of(net::IsUncompressed);
    } else if (as == net::kCommitmentPush) {
      ctx.service = Service::kCommitment;
      allowed = perm.commitment;
      ts = first_of(net::IsUncompressed);
    } else if (IsStorageSopClass(as)) {
      ctx.service = Service::kStorage;
      bool peer_scp = pc.proposedRole == ASC_SC_ROLE_SCP || pc.proposedRole == ASC_SC_ROLE_SCUSCP;
      bool peer_scu = pc.proposedRole != ASC_SC_ROLE_SCP;
      allowed = (peer_scu && perm.store) || (peer_scp && perm.get);
      ctx.peer_is_scp = peer_scp;
      if (peer_scp) role = pc.proposedRole;
      ts = first_of([&](const std::string& t) {
        for (const auto& acc : accepted_ts) {
          if (acc == t) return true;
        }
        return false;
      });
    } else {
      for (const auto& m : net::kQrModels) {
        if (as == m.uid) {
          ctx.service = m.service;
          ctx.model = m.model;
          allowed = m.service == Service::kFind  ? perm.find
                    : m.service == Service::kGet ? perm.get
                                                 : perm.move;
          ts = first_of(net::IsUncompressed);
        }
      }
    }
    OFCondition c;
    if (ctx.service == Service::kNone) {
      c = ASC_refusePresentationContext(assoc->params, pc.presentationContextID,
                                        ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
    } else if (!allowed) {
      c = ASC_refusePresentationContext(assoc->params, pc.presentationContextID,
                                        ASC_P_USERREJECTION);
    } else if (ts.empty()) {
      c = ASC_refusePresentationContext(assoc->params, pc.presentationContextID,
                                        ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
    } else {
      c = ASC_acceptPresentationContext(assoc->params, pc.presentationContextID, ts.c_str(), role);
      if (c.good()) {
        ctx.accepted = true;
        ctx.transfer_syntax = ts;
        a.contexts[pc.presentationContextID] = std::move(ctx);
      }
    }
  }
  OFCondition c = ASC_acknowledgeAssociation(assoc);
  if (c.bad()) {
    spdlog::warn("dimse: acknowledging association from {} failed: {}", a.calling_ae, c.text());
    return false;
  }
  net::SetNoDelay(net::AssociationSocket(assoc));
  return true;
}

void DimseServer::Impl::Serve(T_ASC_Association* assoc, Association& a) {
  for (;;) {
    Command request;
    uint8_t pcid = 0;
    std::string error;
    ReadResult r = a.channel.ReceiveCommand(&request, &pcid, &error);
    if (r == ReadResult::kRelease) {
      ASC_acknowledgeRelease(assoc);
      return;
    }
    if (r == ReadResult::kAborted) return;
    if (r == ReadResult::kTimeout) {
      spdlog::info("dimse: association {} ({}) idle for {} s; aborting", a.calling_ae, a.peer,
                   opts.dimse_timeout.count());
      a.abort = true;
    } else if (r == ReadResult::kProtocol) {
      spdlog::warn("dimse: association {} ({}): {}; aborting", a.calling_ae, a.peer, error);
      a.abort = true;
    } else if (!a.context(pcid).accepted) {
      spdlog::warn(
          "dimse: association {} ({}): message on presentation context {} which was not "
          "accepted; aborting",
          a.calling_ae, a.peer, pcid);
      a.abort = true;
    } else {
      switch (request.field()) {
        case net::cmd::kCEchoRq: {
          Command rsp = net::MakeResponse(net::cmd::kCEchoRsp, request, 0, "", false);
          rsp.SetUid(net::el::kAffectedSopClass, request.Text(net::el::kAffectedSopClass));
          if (!a.channel.SendCommand(pcid, rsp).ok()) a.abort = true;
          break;
        }
        case net::cmd::kCStoreRq:
          HandleStore(a, request, pcid);
          break;
        case net::cmd::kCFindRq:
          net::HandleFind(a, request, pcid);
          break;
        case net::cmd::kCGetRq:
        case net::cmd::kCMoveRq:
          net::HandleRetrieve(a, request, pcid);
          break;
        case net::cmd::kNActionRq:
          net::HandleAction(a, request, pcid);
          break;
        case net::cmd::kNEventReportRsp:
          net::HandleEventReportResponse(a, request);
          break;
        case net::cmd::kCCancelRq:
          break;  // nothing in progress: ignore
        default: {
          if (!net::DrainDataSet(a, request, pcid)) break;
          uint16_t field = static_cast<uint16_t>(request.field() | 0x8000);
          Command rsp = net::MakeResponse(field, request, 0x0211, "unrecognized operation", false);
          if (!a.channel.SendCommand(pcid, rsp).ok()) a.abort = true;
          break;
        }
      }
    }
    if (a.abort || stopping_flag) {
      ASC_abortAssociation(assoc);
      a.abort = true;
      return;
    }
  }
}

void DimseServer::Impl::HandleStore(Association& a, const Command& request, uint8_t pcid) {
  const auto& ctx = a.context(pcid);
  std::string sop_class = request.Text(net::el::kAffectedSopClass);
  std::string sop_instance = request.Text(net::el::kAffectedSopInstance);
  DimseStatus status;
  if (!request.has_data_set()) {
    status = {0xC000, "C-STORE request without a data set"};
  } else if (ctx.service != Service::kStorage || ctx.abstract_syntax != sop_class) {
    status = {0x0122, "SOP class does not match the presentation context"};
    if (!net::DrainDataSet(a, request, pcid)) return;
  } else {
    std::unique_ptr<StoreSink> sink =
        a.session.BeginStore(sop_class, sop_instance, ctx.transfer_syntax);
    base::Status write_status;
    bool overflow = false;
    std::string error;
    ReadResult r = a.channel.ReceiveDataSet(
        pcid, UINT64_MAX,
        [&](std::span<const uint8_t> bytes) {
          if (write_status.ok()) write_status = sink->Write(bytes);
        },
        &overflow, &error);
    if (r != ReadResult::kOk) {
      // The peer went away or broke the protocol mid data set: nothing is stored (the sink is
      // discarded unfinished) and no response can be given.
      spdlog::warn("dimse: {} ({}): C-STORE of {} interrupted: {}", a.calling_ae, a.peer,
                   sop_instance, error.empty() ? "connection closed" : error);
      a.abort = true;
      return;
    }
    status = write_status.ok() ? sink->Finish() : DimseStatus::FromStatus(write_status);
  }
  Command rsp =
      net::MakeResponse(net::cmd::kCStoreRsp, request, status.code, status.error_comment, false);
  rsp.SetUid(net::el::kAffectedSopClass, sop_class);
  rsp.SetUid(net::el::kAffectedSopInstance, sop_instance);
  bool failed = status.code != 0 && (status.code & 0xF000) != 0xB000;
  CountStore(!failed);
  if (failed) {
    ++a.store_failures;
    spdlog::warn("dimse: {} ({}): C-STORE {} failed: 0x{:04X} {}", a.calling_ae, a.peer,
                 sop_instance, status.code, status.error_comment);
  } else {
    ++a.stored;
  }
  if (!a.channel.SendCommand(pcid, rsp).ok()) a.abort = true;
}

void DimseServer::Impl::Stop() {
  if (!started || stopping_flag.exchange(true)) return;
  if (wake_fd >= 0) {
    uint64_t one = 1;
    (void)!write(wake_fd, &one, sizeof(one));
  }
  if (acceptor.joinable()) acceptor.join();
  {
    std::unique_lock l(mu);
    for (auto& [id, fd] : live_fds) shutdown(fd, SHUT_RDWR);
    cv.wait(l, [&] { return active == 0; });
    for (auto& [id, w] : workers) {
      if (w.thread.joinable()) w.thread.join();
    }
    workers.clear();
  }
  {
    std::unique_lock l(report_mu);
    report_cv.notify_all();
    for (auto& t : report_threads) {
      l.unlock();
      if (t.thread.joinable()) t.thread.join();
      l.lock();
    }
    report_threads.clear();
  }
  if (network) ASC_dropNetwork(&network);  // deletes the transport layer (owned)
  if (tls_network) ASC_dropNetwork(&tls_network);
  if (listen_fd >= 0) close(listen_fd);
  if (tls_listen_fd >= 0) close(tls_listen_fd);
  if (wake_fd >= 0) close(wake_fd);
  listen_fd = tls_listen_fd = wake_fd = -1;
  spdlog::info("dimse: stopped");
}

DimseServer::DimseServer(DimseOptions options, DimseHandlers& handlers, base::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), handlers, clock)) {}
DimseServer::~DimseServer() { Stop(); }
base::Status DimseServer::Start() { return impl_->Start(); }
uint16_t DimseServer::port() const { return impl_->bound_port; }
uint16_t DimseServer::tls_port() const { return impl_->tls_bound_port; }
void DimseServer::Stop() { impl_->Stop(); }
DimseStats DimseServer::stats() const {
  std::lock_guard l(impl_->stats_mu);
  DimseStats s = impl_->stats;
  std::lock_guard l2(impl_->mu);
  s.associations_active = impl_->active;
  return s;
}

}  // namespace dokuei::dicom
