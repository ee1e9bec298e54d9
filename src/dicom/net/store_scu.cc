// StoreScu (dokuei/dicom/store_scu.h): C-STORE of Part-10 files to a peer over one association,
// on the SCU code the C-MOVE sub-operations use.
#include "dokuei/dicom/store_scu.h"

#include <cstring>
#include <map>
#include <set>

#include "net/scu.h"

namespace dokuei::dicom {
namespace {

struct Meta {
  std::string sop_class, sop_instance, transfer_syntax;
  size_t dataset_offset = 0;
};

std::string TrimUid(std::string_view v) {
  while (!v.empty() && (v.back() == '\0' || v.back() == ' ')) v.remove_suffix(1);
  return std::string(v);
}

// Reads (0002,0002), (0002,0003), (0002,0010) from the file meta group (explicit VR little
// endian, PS3.10 7.1).
base::Result<Meta> ReadMeta(std::string_view file) {
  Meta m;
  DOKUEI_ASSIGN_OR_RETURN(m.dataset_offset, net::Part10DatasetOffset(file));
  const auto* p = reinterpret_cast<const uint8_t*>(file.data());
  size_t pos = 132;
  while (pos + 8 <= m.dataset_offset) {
    const uint16_t element = static_cast<uint16_t>(p[pos + 2] | (p[pos + 3] << 8));
    const char vr0 = static_cast<char>(p[pos + 4]), vr1 = static_cast<char>(p[pos + 5]);
    const bool long_form =
        (vr0 == 'O' || vr0 == 'U' || (vr0 == 'S' && (vr1 == 'Q' || vr1 == 'V'))) &&
        !(vr0 == 'U' && (vr1 == 'I' || vr1 == 'L' || vr1 == 'S'));
    size_t len, header;
    if (long_form) {
      len = static_cast<size_t>(p[pos + 8]) | (static_cast<size_t>(p[pos + 9]) << 8) |
            (static_cast<size_t>(p[pos + 10]) << 16) | (static_cast<size_t>(p[pos + 11]) << 24);
      header = 12;
    } else {
      len = static_cast<size_t>(p[pos + 6] | (p[pos + 7] << 8));
      header = 8;
    }
    const std::string_view value = file.substr(pos + header, len);
    if (element == 0x0002) m.sop_class = TrimUid(value);
    if (element == 0x0003) m.sop_instance = TrimUid(value);
    if (element == 0x0010) m.transfer_syntax = TrimUid(value);
    pos += header + len;
  }
  if (m.sop_class.empty() || m.sop_instance.empty() || m.transfer_syntax.empty()) {
    return base::InvalidArgument(
        "the file meta information lacks the SOP class, SOP instance or transfer syntax UID");
  }
  return m;
}

}  // namespace

base::Result<std::vector<StoreResponse>> StoreScu(
    const DimseOptions& options, const PeerAddress& peer,
    const std::vector<std::string_view>& part10_files) {
  if (part10_files.empty()) return std::vector<StoreResponse>{};
  std::vector<Meta> metas;
  for (const std::string_view f : part10_files) {
    auto m = ReadMeta(f);
    if (!m.ok()) return base::InvalidArgument("not a DICOM Part-10 file: " + m.status().message());
    metas.push_back(std::move(m).value());
  }
  // One presentation context per (SOP class, transfer syntax): the file is sent as it is.
  std::vector<net::ProposedContext> proposals;
  std::set<std::pair<std::string, std::string>> seen;
  for (const Meta& m : metas) {
    if (seen.insert({m.sop_class, m.transfer_syntax}).second) {
      proposals.push_back({m.sop_class, {m.transfer_syntax}, false});
    }
  }
  if (proposals.size() > 128) {
    return base::InvalidArgument("at most 128 SOP class / transfer syntax pairs per call");
  }
  auto connected = net::ScuAssociation::Connect(options, peer, proposals);
  if (!connected.ok()) {
    if (connected.status().message().find("accepted no presentation context") !=
        std::string::npos) {
      std::string classes;
      for (const auto& p : proposals)
        classes += (classes.empty() ? "" : ", ") + p.abstract_syntax + " in " +
                   p.transfer_syntaxes.front();
      return base::Unavailable(peer.ae_title + " accepted none of the SOP classes proposed (" +
                               classes + ")");
    }
    return connected.status();
  }
  auto scu = std::move(connected).value();
  std::vector<StoreResponse> out;
  uint16_t message_id = 0;
  for (size_t i = 0; i < metas.size(); ++i) {
    const Meta& m = metas[i];
    const uint8_t pcid = scu->FindContext(m.sop_class, m.transfer_syntax);
    if (pcid == 0) {
      return base::Unavailable(peer.ae_title + " did not accept SOP class " + m.sop_class +
                               " in transfer syntax " + m.transfer_syntax);
    }
    std::string_view dataset = part10_files[i].substr(m.dataset_offset);
    std::string padded;
    if (dataset.size() % 2 != 0) {  // PDV fragments are even (PS3.5 A.5 for deflate)
      padded = std::string(dataset) + '\0';
      dataset = padded;
    }
    net::StoreRequest rq;
    rq.pcid = pcid;
    rq.message_id = ++message_id;
    rq.sop_class_uid = m.sop_class;
    rq.sop_instance_uid = m.sop_instance;
    DOKUEI_RETURN_IF_ERROR(net::SendStoreRequest(
        scu->channel(), rq,
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(dataset.data()),
                                 dataset.size())));
    std::string error, comment;
    const auto status =
        net::AwaitStoreResponse(scu->channel(), rq.message_id, 0, nullptr, &error, &comment);
    if (!status) {
      return base::Unavailable("the association with " + peer.ae_title +
                               " broke before the C-STORE response: " + error);
    }
    StoreResponse r;
    r.sop_instance_uid = m.sop_instance;
    r.status.code = *status;
    r.status.error_comment = comment;
    out.push_back(std::move(r));
  }
  scu->Release();
  return out;
}

}  // namespace dokuei::dicom
