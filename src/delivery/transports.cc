// The real transports (transports.h): C-STORE by dicom::StoreScu, HL7 by intake::MllpSend, FHIR
// by report::PostHttp. Each maps the remote answer to delivered / retry / give up.
#include "dokuei/delivery/transports.h"

#include <cstdio>

#include "dokuei/dicom/store_scu.h"
#include "dokuei/intake/hl7.h"
#include "dokuei/intake/mllp.h"
#include "dokuei/report/notify.h"

namespace dokuei::delivery {
namespace {

std::string Hex4(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04X", v);
  return buf;
}

class Dicom final : public Transport {
 public:
  explicit Dicom(dicom::DimseOptions o) : o_(std::move(o)) {}

  Outcome Send(const Destination& to, const Artifact& a, const DeliveryRow&) override {
    dicom::PeerAddress peer{to.ae_title, to.host, to.port, to.tls};
    auto sent = dicom::StoreScu(o_, peer, {a.bytes});
    if (!sent.ok()) {
      // A file we cannot send will not get better; anything else (peer down, association or
      // presentation context refused, broken association) may.
      if (sent.status().code() == base::Code::kInvalidArgument)
        return Outcome::GiveUp(sent.status().message());
      return Outcome::Retry(sent.status().message());
    }
    const dicom::StoreResponse& r = sent->at(0);
    RemoteAnswer ans;
    ans.dimse_status = r.status.code;
    ans.text = r.status.error_comment;
    if (r.accepted()) return Outcome::Delivered(ans);
    std::string why = "C-STORE failed with status 0x" + Hex4(r.status.code);
    if (!r.status.error_comment.empty()) why += ": " + r.status.error_comment;
    return Outcome::Retry(why, ans);
  }

 private:
  dicom::DimseOptions o_;
};

class Mllp final : public Transport {
 public:
  explicit Mllp(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  Outcome Send(const Destination& to, const Artifact& a, const DeliveryRow&) override {
    auto reply = intake::MllpSend(to.host, to.port, a.bytes, timeout_);
    if (!reply.ok()) return Outcome::Retry(reply.status().message());
    auto ack = ParseAck(*reply);
    if (!ack.ok()) return Outcome::Retry("unreadable acknowledgement: " + ack.status().message());
    RemoteAnswer ans;
    ans.ack_code = ack->code;
    ans.text = ack->text;
    const std::string& c = ack->code;
    if (c == "AA" || c == "CA") return Outcome::Delivered(ans);
    const std::string why = "HL7 " + c + (ack->text.empty() ? "" : ": " + ack->text);
    if (c == "AR" || c == "CR") return Outcome::GiveUp(why, ans);
    return Outcome::Retry(why, ans);  // AE, CE, anything unexpected
  }

 private:
  std::chrono::milliseconds timeout_;
};

class Fhir final : public Transport {
 public:
  explicit Fhir(FhirOptions o) : o_(std::move(o)) {}

  Outcome Send(const Destination& to, const Artifact& a, const DeliveryRow&) override {
    report::HttpPost post;
    post.url = to.url;
    post.content_type = "application/fhir+json; charset=utf-8";
    post.headers = {{"Accept", "application/fhir+json"}};
    if (!to.bearer_token.empty()) post.headers.push_back({"Authorization", "Bearer " + to.bearer_token});
    post.body = a.bytes;
    report::WebhookOptions wo;
    wo.ca_file = o_.ca_file;
    wo.timeout = o_.timeout;
    auto answer = report::PostHttp(post, wo);
    if (!answer.ok()) {
      if (answer.status().code() == base::Code::kInvalidArgument)
        return Outcome::GiveUp(answer.status().message());
      return Outcome::Retry(answer.status().message());
    }
    RemoteAnswer ans;
    ans.http_status = static_cast<int>(answer->status);
    ans.text = answer->body.substr(0, 2000);
    const int s = ans.http_status;
    if (s >= 200 && s <= 299) return Outcome::Delivered(ans);
    const std::string why = "HTTP " + std::to_string(s);
    if (s == 408 || s == 429 || s >= 500) return Outcome::Retry(why, ans);
    return Outcome::GiveUp(why, ans);
  }

 private:
  FhirOptions o_;
};

}  // namespace

base::Result<Hl7Ack> ParseAck(std::string_view reply) {
  DOKUEI_ASSIGN_OR_RETURN(const intake::Hl7Message m, intake::ParseHl7(reply));
  const intake::Hl7Segment* msa = m.Find("MSA");
  if (msa == nullptr) return base::InvalidArgument("the reply has no MSA segment");
  Hl7Ack ack;
  ack.code = m.Value(*msa, 1);
  if (ack.code.empty()) return base::InvalidArgument("MSA-1 is empty");
  ack.text = m.Value(*msa, 3);
  if (ack.text.empty()) {
    if (const intake::Hl7Segment* err = m.Find("ERR")) {
      ack.text = m.Value(*err, 8);
      if (ack.text.empty()) ack.text = m.Value(*err, 3, 2);
    }
  }
  return ack;
}

std::unique_ptr<Transport> DicomTransport(dicom::DimseOptions options) {
  return std::make_unique<Dicom>(std::move(options));
}

std::unique_ptr<Transport> MllpTransport(std::chrono::milliseconds timeout) {
  return std::make_unique<Mllp>(timeout);
}

std::unique_ptr<Transport> FhirTransport(FhirOptions options) {
  return std::make_unique<Fhir>(std::move(options));
}

}  // namespace dokuei::delivery
