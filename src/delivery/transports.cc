// The real transports (transports.h): C-STORE by dicom::StoreScu, HL7 by intake::MllpSend, FHIR
// by report::PostHttp. Each maps the remote answer to delivered / retry / give up.
#include "dokuei/delivery/transports.h"

#include <cstdio>
#include <vector>

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
    if (!to.bearer_token.empty())
      post.headers.push_back({"Authorization", "Bearer " + to.bearer_token});
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

namespace {

// The MSA fields of a reply that the strict parser refuses (e.g. non-ASCII text without MSH-18):
// split on the field separator, values taken as they are.
base::Result<Hl7Ack> RawAck(std::string_view reply) {
  if (reply.size() < 4 || reply.substr(0, 3) != "MSH") {
    return base::InvalidArgument("the reply is not an HL7 message");
  }
  const char sep = reply[3];
  size_t pos = 0;
  while (pos < reply.size()) {
    size_t end = reply.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = reply.size();
    const std::string_view seg = reply.substr(pos, end - pos);
    if (seg.size() > 4 && seg.substr(0, 3) == "MSA" && seg[3] == sep) {
      std::vector<std::string> f;
      size_t p = 4;
      while (true) {
        const size_t q = seg.find(sep, p);
        f.emplace_back(seg.substr(p, q == std::string_view::npos ? std::string_view::npos : q - p));
        if (q == std::string_view::npos) break;
        p = q + 1;
      }
      Hl7Ack ack{f[0], f.size() > 2 ? f[2] : ""};
      if (ack.code.empty()) return base::InvalidArgument("MSA-1 is empty");
      return ack;
    }
    pos = end + 1;
  }
  return base::InvalidArgument("the reply has no MSA segment");
}

}  // namespace

base::Result<Hl7Ack> ParseAck(std::string_view reply) {
  auto parsed = intake::ParseHl7(reply);
  if (!parsed.ok()) return RawAck(reply);
  const intake::Hl7Message& m = *parsed;
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
