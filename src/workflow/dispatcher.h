// Private: the SQL dispatcher (dispatcher.cc).
#pragma once

#include <map>

#include "store.h"

namespace dokuei::workflow::internal {

class SqlDispatcher final : public Dispatcher {
 public:
  explicit SqlDispatcher(const Context& ctx) : ctx_(ctx) {}
  base::Result<TickReport> Tick() override;
  base::Result<std::vector<Escalation>> Escalations(int64_t tenant_id, uint32_t limit) override;
  base::Result<std::vector<ReaderLoad>> Loads() override;

 private:
  // Open requests, their contracts, and the readers' duty and backlog, at one instant.
  struct Snapshot {
    std::vector<ReadingRequest> requests;
    std::map<int64_t, Contract> contracts;
    std::vector<ReaderLoad> loads;
  };
  base::Result<Snapshot> Load(base::Timestamp now);
  // One conditional change of a request as seen in the snapshot.
  base::Result<ReadingRequest> Mutate(const Actor& actor, const ReadingRequest& seen,
                                      base::Timestamp now, const MutateFn& fn);
  base::Status Escalate(const ReadingRequest& seen, const EscalationDecision& d,
                        base::Timestamp now);

  const Context& ctx_;
};

}  // namespace dokuei::workflow::internal
