// Private: the SQL implementation of Requests (requests.cc).
#pragma once

#include "store.h"

namespace dokuei::workflow::internal {

class SqlRequests final : public Requests {
 public:
  explicit SqlRequests(const Context& ctx) : ctx_(ctx) {}
  base::Result<ReadingRequest> Create(const Actor& actor, const NewRequest& r) override;
  base::Result<ReadingRequest> FindByPlacerOrder(const Actor& actor, int64_t tenant_id,
                                                 std::string_view placer) override;
  base::Result<ReadingRequest> RecordArrival(int64_t tenant_id, std::string_view study_uid,
                                             std::string_view series_uid,
                                             std::string_view dicom_modality,
                                             std::string_view accession_number) override;
  base::Result<std::vector<ReadingRequest>> RecordArrivals(
      std::span<const Arrival> arrivals) override;
  base::Result<ReadingRequest> UpdateDetails(const Actor& actor, int64_t id,
                                             const RequestDetails& d,
                                             const TransitionOptions& o) override;
  base::Result<ReadingRequest> Get(const Actor& actor, int64_t id) override;
  base::Result<std::vector<ReadingRequest>> List(const Actor& actor,
                                                 const RequestFilter& f) override;
  base::Result<ReadingRequest> Transition(const Actor& actor, int64_t id, State to,
                                          const TransitionOptions& o) override;
  base::Result<ReadingRequest> Assign(const Actor& actor, int64_t id, Slot slot, int64_t reader_id,
                                      const TransitionOptions& o) override;
  base::Result<std::vector<State>> Allowed(const Actor& actor, int64_t id) override;
  base::Result<std::vector<HistoryEntry>> History(const Actor& actor, int64_t id) override;

 private:
  // For readers and checkers (not coordinators or administrators): their credentials, which
  // limit the pool they see to what they may claim; nullopt for everyone else.
  base::Result<std::optional<ReaderInfo>> PoolCredentials(const Actor& a);

  const Context& ctx_;
};

}  // namespace dokuei::workflow::internal
