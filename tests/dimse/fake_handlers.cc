#include "fake_handlers.h"

#include "test_util.h"

namespace dokuei::dimse_test {
namespace {

class FakeSink : public dicom::StoreSink {
 public:
  FakeSink(FakeHandlers& h, std::string cls, std::string inst, std::string ts)
      : h_(h), cls_(std::move(cls)), inst_(std::move(inst)), ts_(std::move(ts)) {}
  base::Status Write(std::span<const uint8_t> bytes) override {
    if (bytes_.size() + bytes.size() > h_.max_object_bytes) {
      bytes_.clear();
      return base::PayloadTooLarge("object exceeds 2 GiB limit");
    }
    bytes_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return base::Status::Ok();
  }
  dicom::DimseStatus Finish() override {
    if (inst_.rfind("1.2.3.999.", 0) == 0) {
      return {0xA900, "data set does not match SOP class"};
    }
    std::lock_guard l(h_.mu);
    h_.stored[inst_] = {cls_, ts_, std::move(bytes_)};
    return dicom::DimseStatus::Success();
  }

 private:
  FakeHandlers& h_;
  std::string cls_, inst_, ts_, bytes_;
};

class FakeSession : public dicom::DimseSession {
 public:
  FakeSession(FakeHandlers& h, std::string ae) : h_(h), ae_(std::move(ae)) { ++h_.sessions_alive; }
  ~FakeSession() override {
    std::lock_guard l(h_.mu);
    --h_.open[ae_];
    --h_.sessions_alive;
  }
  dicom::Permissions permissions() const override { return {}; }
  std::unique_ptr<dicom::StoreSink> BeginStore(const std::string& c, const std::string& i,
                                               const std::string& ts) override {
    return std::make_unique<FakeSink>(h_, c, i, ts);
  }
  dicom::DimseStatus Find(
      const dicom::QueryIdentifier& id,
      const std::function<bool(const dicom::AttributeList&)>& on_match) override {
    std::vector<dicom::AttributeList> matches;
    {
      std::lock_guard l(h_.mu);
      h_.queries.push_back(id);
      matches = h_.matches;
    }
    for (const auto& m : matches) {
      if (!on_match(m)) break;
    }
    return {};
  }
  base::Result<std::vector<dicom::RetrieveItem>> Locate(const dicom::QueryIdentifier& id) override {
    std::vector<dicom::RetrieveItem> items;
    std::lock_guard l(h_.mu);
    h_.queries.push_back(id);
    for (const auto& path : h_.retrieve_files) {
      std::string file = ReadFile(path);
      MetaInfo meta = ReadMeta(file);
      dicom::RetrieveItem item;
      item.sop_class_uid = meta.sop_class;
      item.sop_instance_uid = meta.sop_instance;
      item.transfer_syntax_uid = meta.ts;
      item.size_bytes = file.size();
      item.read_part10 = [path]() -> base::Result<std::string> { return ReadFile(path); };
      items.push_back(std::move(item));
    }
    return items;
  }
  std::optional<dicom::PeerAddress> MoveDestination(const std::string& ae) override {
    std::lock_guard l(h_.mu);
    auto it = h_.destinations.find(ae);
    if (it == h_.destinations.end()) return std::nullopt;
    return it->second;
  }
  std::optional<dicom::PeerAddress> ReportDestination() override {
    std::lock_guard l(h_.mu);
    return h_.report_destination;
  }
  base::Result<dicom::CommitmentOutcome> Commit(const std::vector<dicom::SopRef>& refs) override {
    dicom::CommitmentOutcome out;
    std::lock_guard l(h_.mu);
    for (const auto& r : refs) {
      auto it = h_.stored.find(r.sop_instance_uid);
      if (it != h_.stored.end() && it->second.sop_class == r.sop_class_uid) {
        out.committed.push_back(r);
      } else {
        out.failed.push_back({r, 0x0112});
      }
    }
    return out;
  }

 private:
  FakeHandlers& h_;
  std::string ae_;
};

}  // namespace

base::Result<std::unique_ptr<dicom::DimseSession>> FakeHandlers::Accept(
    const dicom::AssociationRequest& r, dicom::RefuseReason* reason) {
  std::lock_guard l(mu);
  if (!known_aes.count(r.calling_ae)) {
    *reason = dicom::RefuseReason::kCallingAeNotRecognized;
    return base::PermissionDenied("unknown calling AE");
  }
  auto lim = limits.find(r.calling_ae);
  if (lim != limits.end() && open[r.calling_ae] >= lim->second) {
    *reason = dicom::RefuseReason::kLocalLimitExceeded;
    return base::Status(base::Code::kTooManyRequests, "too many associations");
  }
  ++open[r.calling_ae];
  return std::unique_ptr<dicom::DimseSession>(std::make_unique<FakeSession>(*this, r.calling_ae));
}

}  // namespace dokuei::dimse_test
