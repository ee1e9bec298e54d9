#include "dokuei/archive/ingest.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "dokuei/archive/audit_hook.h"
#include "dokuei/base/digest.h"
#include "group_commit.h"
#include "record_builder.h"

namespace dokuei::archive {

using base::Code;
using base::Status;

std::string Origin::Describe() const {
  std::string who = !calling_ae.empty() ? calling_ae : user;
  std::string s = protocol + ":" + who;
  if (!remote_address.empty()) s += "@" + remote_address;
  return s;
}

struct Ingest::Impl {
  Impl(index::Index& i, blob::BlobStore& b, base::Clock& c, IngestOptions o)
      : index(i),
        blobs(b),
        clock(c),
        options(std::move(o)),
        committer(i, b, options.audit ? options.database : nullptr) {}

  // Reserves `n` more bytes of the in-flight budget; false when it would be exceeded.
  bool Reserve(uint64_t n) {
    uint64_t cur = inflight.load();
    while (true) {
      if (cur + n > options.max_inflight_bytes) return false;
      if (inflight.compare_exchange_weak(cur, cur + n)) return true;
    }
  }
  void Release(uint64_t n) { inflight -= n; }

  index::Index& index;
  blob::BlobStore& blobs;
  base::Clock& clock;
  IngestOptions options;
  GroupCommitter committer;
  std::atomic<uint64_t> inflight{0};
};

namespace {

StoreResult Rejected(Status st) {
  StoreResult r;
  r.disposition = Disposition::kRejected;
  r.status = std::move(st);
  return r;
}

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// One incoming object. Bytes go to memory (for parsing) and straight on to a temporary blob (so
// that at Finish only the fsync is left); the data-set digest is computed as bytes arrive.
class Sink final : public IngestSink {
 public:
  enum class Kind { kDataset, kPart10 };

  Sink(Ingest::Impl& impl, index::TenantId tenant, Kind kind, Origin origin, std::string ts_uid,
       std::string affected_class, std::string affected_instance)
      : impl_(impl), tenant_(tenant), kind_(kind), origin_(std::move(origin)),
        ts_uid_(std::move(ts_uid)), affected_class_(std::move(affected_class)),
        affected_instance_(std::move(affected_instance)) {}

  ~Sink() override {
    if (writer_) writer_->Abort();
    impl_.Release(reserved_);
  }

  Status Write(std::span<const uint8_t> data) override {
    if (!failure_.ok()) return failure_;
    if (!started_) {
      started_ = true;
      failure_ = Start();
      if (!failure_.ok()) return failure_;
    }
    const uint64_t limit = impl_.options.limits.max_object_bytes;
    if (buffer_.size() + data.size() > limit) {
      return Fail(base::PayloadTooLarge("object exceeds the " + std::to_string(limit >> 20) +
                                        " MiB limit"));
    }
    if (buffer_.size() + data.size() > reserved_) {
      uint64_t want = std::max<uint64_t>(buffer_.size() + data.size(), reserved_ * 2) - reserved_;
      want = std::min<uint64_t>(want, limit - reserved_);
      if (!impl_.Reserve(want)) {
        return Fail(base::ResourceExhausted("too many objects being received at once"));
      }
      reserved_ += want;
      buffer_.reserve(reserved_);
    }
    buffer_.append(reinterpret_cast<const char*>(data.data()), data.size());
    HashNewBytes(data.size());
    Status st = writer_->Append(data);
    if (!st.ok()) return Fail(st);
    return Status::Ok();
  }

  StoreResult Finish() override {
    if (finished_) return Rejected(base::FailedPrecondition("Finish called twice"));
    finished_ = true;
    if (!started_) {
      started_ = true;
      failure_ = Start();
    }
    if (!failure_.ok()) return Rejected(failure_);
    StoreResult result = FinishInner();
    if (result.disposition == Disposition::kRejected || result.disposition ==
        Disposition::kDuplicate) {
      // Nothing of a refused object stays; a duplicate's new copy is not needed.
      if (writer_) writer_->Abort();
    }
    writer_.reset();
    buffer_.clear();
    buffer_.shrink_to_fit();
    impl_.Release(reserved_);
    reserved_ = 0;
    return result;
  }

 private:
  Status Start() {
    auto w = impl_.blobs.Create();
    if (!w.ok()) return w.status();
    writer_ = std::move(*w);
    if (kind_ == Kind::kDataset) {
      std::string meta =
          dicom::BuildFileMeta(affected_class_, affected_instance_, ts_uid_, origin_.calling_ae);
      return writer_->Append(AsBytes(meta));
    }
    return Status::Ok();
  }

  // Hashes the data set as it arrives (DIMSE: everything; Part 10: everything after the File
  // Meta Information, once its group length is known), so Finish does not re-read the object.
  void HashNewBytes(size_t n) {
    if (kind_ == Kind::kDataset) {
      digest_.Update(std::string_view(buffer_).substr(buffer_.size() - n));
      return;
    }
    if (hash_from_ == 0) {
      // Preamble, "DICM", then (0002,0000) UL 4 <group length>.
      static constexpr char kGroupLength[] = {0x02, 0x00, 0x00, 0x00, 'U', 'L', 0x04, 0x00};
      if (buffer_.size() < 144) return;
      if (buffer_.compare(128, 4, "DICM") != 0 ||
          buffer_.compare(132, 8, std::string_view(kGroupLength, 8)) != 0) {
        hash_from_ = SIZE_MAX;  // not for streaming; Finish decides
        return;
      }
      const auto* p = reinterpret_cast<const uint8_t*>(buffer_.data()) + 140;
      hash_from_ = 144 + (size_t{p[0]} | size_t{p[1]} << 8 | size_t{p[2]} << 16 |
                          size_t{p[3]} << 24);
      n = buffer_.size();  // catch up from the start
    }
    if (hash_from_ == SIZE_MAX) return;
    size_t start = std::max(hash_from_, buffer_.size() - n);
    if (start < buffer_.size()) digest_.Update(std::string_view(buffer_).substr(start));
  }

  Status Fail(Status st) {
    failure_ = st;
    if (writer_) writer_->Abort();
    buffer_.clear();
    buffer_.shrink_to_fit();
    return st;
  }

  StoreResult FinishInner() {
    std::span<const uint8_t> bytes = AsBytes(buffer_);
    // The disk writes the blob while we parse and hash.
    writer_->StartWriteback();
    base::Result<dicom::ParsedInstance> parsed =
        kind_ == Kind::kDataset ? dicom::ParseDataset(bytes, ts_uid_, impl_.options.limits)
                                : dicom::ParsePart10(bytes, impl_.options.limits);
    if (!parsed.ok()) return Rejected(parsed.status());
    StoreResult r;
    r.sop_class_uid = parsed->sop_class_uid;
    r.sop_instance_uid = parsed->sop_instance_uid;
    r.study_instance_uid = parsed->study_instance_uid;
    r.series_instance_uid = parsed->series_instance_uid;
    r.transfer_syntax_uid = parsed->transfer_syntax_uid;
    r.warnings = parsed->warnings;
    auto reject = [&r](Status st) {
      r.disposition = Disposition::kRejected;
      r.status = std::move(st);
      return r;
    };
    if (!dicom::IsStorageSopClass(parsed->sop_class_uid)) {
      return reject(base::Unsupported("SOP class " + parsed->sop_class_uid +
                                          " is not a storage SOP class",
                                      "SOPClassUID"));
    }
    if (kind_ == Kind::kDataset) {
      if (parsed->sop_class_uid != affected_class_) {
        return reject(base::InvalidArgument(
            "data set SOPClassUID differs from the command's AffectedSOPClassUID",
            "SOPClassUID"));
      }
      if (parsed->sop_instance_uid != affected_instance_) {
        return reject(base::InvalidArgument(
            "data set SOPInstanceUID differs from the command's AffectedSOPInstanceUID",
            "SOPInstanceUID"));
      }
    }
    std::string sha;
    if (kind_ == Kind::kDataset) {
      sha = digest_.FinishHex();
    } else {
      auto offset = dicom::DatasetOffset(bytes);
      if (!offset.ok()) return reject(offset.status());
      sha = *offset == hash_from_ && hash_from_ <= buffer_.size()
                ? digest_.FinishHex()
                : base::Sha256Hex(std::string_view(buffer_).substr(*offset));
    }

    // Blob fsync -> rename now; its directory fsync comes with the (group) index commit.
    const uint64_t stored_size = writer_->Size();
    auto key = writer_->CommitDeferringDirSync();
    if (!key.ok()) return reject(key.status().WithContext("storing the object"));

    index::StorageAttrs storage;
    storage.blob_key = *key;
    storage.size_bytes = stored_size;
    storage.sha256 = std::move(sha);
    storage.received_at = impl_.clock.Now();
    storage.source = origin_.Describe();
    index::InstanceRecord record = BuildRecord(*parsed, std::move(storage));

    GroupCommitter::AfterPut audit;
    if (impl_.options.audit != nullptr && impl_.options.database != nullptr) {
      audit = [this, &record](db::Conn& conn, const index::PutOutcome& put) {
        audit::Event e = ActorEvent(origin_, "instance.store", tenant_.value);
        e.patient_id = record.patient.patient_id;
        e.study_uids = {record.study.study_instance_uid};
        e.object_count = 1;
        e.object_detail = record.instance.sop_instance_uid;
        e.sop_class_uid = record.instance.sop_class_uid;
        if (put.result == index::PutResult::kDuplicate) e.message = "duplicate (already stored)";
        if (put.result == index::PutResult::kConflict) {
          e.outcome = audit::Outcome::kMinorFailure;
          e.message = "conflict #" + std::to_string(put.conflict_id) +
                      ": a different object is already stored under this SOPInstanceUID";
        }
        return impl_.options.audit->RecordIn(conn, std::move(e));
      };
    }
    auto outcome = impl_.committer.Commit(tenant_, record, std::move(audit));
    if (!outcome.ok()) {
      // The blob is durable but nobody refers to it: remove it (fsck would find it otherwise).
      impl_.blobs.Remove(*key).IgnoreError();
      return reject(outcome.status().WithContext("indexing the object"));
    }
    switch (outcome->result) {
      case index::PutResult::kStored:
        r.disposition = Disposition::kStored;
        if (impl_.options.on_stored) impl_.options.on_stored(tenant_, record);
        break;
      case index::PutResult::kDuplicate:
        r.disposition = Disposition::kDuplicate;
        impl_.blobs.Remove(*key).IgnoreError();
        break;
      case index::PutResult::kConflict:
        r.disposition = Disposition::kConflict;
        r.conflict_id = outcome->conflict_id;
        r.status = base::Conflict("a different object is already stored under this "
                                  "SOPInstanceUID; kept as conflict #" +
                                  std::to_string(outcome->conflict_id));
        spdlog::warn("conflict #{}: {} from {}", outcome->conflict_id, r.sop_instance_uid,
                     origin_.Describe());
        break;
    }
    return r;
  }

  Ingest::Impl& impl_;
  index::TenantId tenant_;
  Kind kind_;
  Origin origin_;
  std::string ts_uid_, affected_class_, affected_instance_;
  std::unique_ptr<blob::BlobWriter> writer_;
  std::string buffer_;
  base::Sha256 digest_;
  uint64_t reserved_ = 0;
  size_t hash_from_ = 0;  // Part 10: where the data set starts (0 unknown, SIZE_MAX no streaming)
  bool started_ = false;
  bool finished_ = false;
  Status failure_;
};

}  // namespace

Ingest::Ingest(index::Index& index, blob::BlobStore& blobs, base::Clock& clock,
               IngestOptions options)
    : impl_(std::make_unique<Impl>(index, blobs, clock, std::move(options))) {}
Ingest::~Ingest() = default;

std::unique_ptr<IngestSink> Ingest::BeginDataset(index::TenantId tenant, std::string ts_uid,
                                                 std::string affected_sop_class,
                                                 std::string affected_sop_instance,
                                                 Origin origin) {
  return std::make_unique<Sink>(*impl_, tenant, Sink::Kind::kDataset, std::move(origin),
                                std::move(ts_uid), std::move(affected_sop_class),
                                std::move(affected_sop_instance));
}

std::unique_ptr<IngestSink> Ingest::BeginPart10(index::TenantId tenant, Origin origin) {
  return std::make_unique<Sink>(*impl_, tenant, Sink::Kind::kPart10, std::move(origin), "", "",
                                "");
}

StoreResult Ingest::StorePart10(index::TenantId tenant, std::span<const uint8_t> file,
                                const Origin& origin) {
  auto sink = BeginPart10(tenant, origin);
  Status st = sink->Write(file);
  if (!st.ok()) return Rejected(st);
  return sink->Finish();
}

}  // namespace dokuei::archive
