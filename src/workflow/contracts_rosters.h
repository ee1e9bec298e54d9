// Private: SQL implementations of Contracts and Rosters (contracts_rosters.cc).
#pragma once

#include <algorithm>

#include "store.h"

namespace dokuei::workflow::internal {

class SqlContracts final : public Contracts {
 public:
  explicit SqlContracts(const Context& ctx) : ctx_(ctx) {}
  base::Result<Contract> Put(const Actor& actor, const Contract& c) override;
  base::Result<Contract> Get(int64_t tenant_id) override;

 private:
  const Context& ctx_;
};

class SqlRosters final : public Rosters {
 public:
  explicit SqlRosters(const Context& ctx) : ctx_(ctx) {}
  base::Result<Shift> AddShift(const Actor& actor, const Shift& s) override;
  base::Status RemoveShift(const Actor& actor, int64_t shift_id) override;
  base::Result<Absence> AddAbsence(const Actor& actor, const Absence& a) override;
  base::Status RemoveAbsence(const Actor& actor, int64_t absence_id) override;
  base::Result<std::vector<Shift>> Shifts(base::Timestamp from, base::Timestamp to) override;
  base::Result<std::vector<Absence>> Absences(base::Timestamp from, base::Timestamp to) override;

 private:
  const Context& ctx_;
};

// A reader's duty: their shifts minus their absences, sorted and merged.
std::vector<Shift> DutyOf(int64_t reader_id, const std::vector<Shift>& shifts,
                          const std::vector<Absence>& absences);

}  // namespace dokuei::workflow::internal
