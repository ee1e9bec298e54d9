// The HL7 v2 intake in `dokuei serve`: the MLLP listener of src/intake, started when hl7.listen is
// configured, with the senders of hl7.senders_file (tenant codes resolved on the shared
// database). MLLP has no TLS: a non-loopback address is refused (put a TLS tunnel or the VPN in
// front of a loopback listener instead).
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "dokuei/db/db.h"
#include "serve_parts.h"

namespace dokuei::server {

namespace {

bool SplitHostPort(const std::string& s, std::string* host, uint16_t* port) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = s.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  try {
    const int p = std::stoi(s.substr(colon + 1));
    if (p < 0 || p > 65535) return false;
    *port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return true;
}

}  // namespace

base::Status Hl7Service::Start(const std::string& listen, const std::string& senders_file,
                               std::shared_ptr<db::Database> database, workflow::Requests& requests,
                               base::Clock& clock) {
  intake::MllpOptions options;
  if (!SplitHostPort(listen, &options.address, &options.port))
    return base::InvalidArgument("hl7.listen needs HOST:PORT");
  if (options.address != "127.0.0.1" && options.address != "::1" && options.address != "localhost")
    return base::InvalidArgument(
        "hl7.listen must be a loopback address: MLLP has no TLS (use a TLS tunnel or VPN)");
  std::ifstream in(senders_file, std::ios::binary);
  if (senders_file.empty() || !in)
    return base::InvalidArgument("hl7.senders_file cannot be read: " + senders_file);
  std::stringstream text;
  text << in.rdbuf();
  DOKUEI_ASSIGN_OR_RETURN(auto senders, intake::ParseSenderList(text.str()));
  if (senders.empty()) return base::InvalidArgument("hl7.senders_file lists no sender");
  directory_ = std::make_unique<intake::ConfigSenderDirectory>(
      std::move(senders), [database](const std::string& code) -> std::optional<int64_t> {
        std::optional<int64_t> id;
        const db::Value p[] = {code};
        auto st = database->Transact(db::TxKind::kRead, [&](db::Conn& c) {
          return c.Query("SELECT id FROM tenants WHERE code = ?", p, [&](const db::Row& r) {
            id = r.Int(0);
            return base::Status::Ok();
          });
        });
        return st.ok() ? id : std::nullopt;
      });
  intake_ = std::make_unique<intake::Hl7Intake>(requests, *directory_, clock);
  intake::Hl7Intake* intake = intake_.get();
  DOKUEI_ASSIGN_OR_RETURN(
      listener_, intake::StartMllpListener(
                     options,
                     [intake](std::string_view msg, std::string_view peer) {
                       intake::Hl7Outcome out = intake->Handle(msg, peer);
                       if (out.code == "AA") {
                         spdlog::info("hl7: AA request {} from {}", out.request_id, peer);
                       } else {
                         spdlog::warn("hl7: {} from {}: {}", out.code, peer, out.error);
                       }
                       return out.ack;
                     },
                     [intake](std::string_view head) { return intake->OversizeAck(head); }));
  return base::Status::Ok();
}

uint16_t Hl7Service::port() const { return listener_ ? listener_->port() : 0; }

void Hl7Service::Stop() {
  if (listener_) listener_->Stop();
}

Hl7Service::~Hl7Service() { Stop(); }

}  // namespace dokuei::server
