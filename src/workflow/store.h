// Private to the workflow module: the shared context of the services, request rows (decode,
// conditional write), history, audit events and the one mutation path every change takes.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dokuei/workflow/workflow.h"

namespace dokuei::workflow::internal {

using db::Conn;
using db::Row;
using db::Value;

inline int64_t Us(base::Timestamp t) { return base::ToUnixMicros(t); }
inline int64_t OptUs(const std::optional<base::Timestamp>& t) { return t ? Us(*t) : 0; }
inline std::optional<base::Timestamp> FromOptUs(int64_t us) {
  if (us == 0) return std::nullopt;
  return base::FromUnixMicros(us);
}
inline Value I(int64_t v) { return Value(v); }
inline Value S(std::string_view s) { return Value(std::string(s)); }

struct Context {
  std::shared_ptr<db::Database> db;
  base::Clock& clock;
  ReaderDirectory& readers;
  WorkflowOptions options;
};

std::string EncodeList(const std::vector<std::string>& v);
std::vector<std::string> DecodeList(std::string_view json);

// Validation of what a hospital sends (kInvalidArgument naming the field).
base::Status CheckDetails(const RequestDetails& d);
base::Status CheckOrderIds(const OrderIds& o);

extern const char kRequestColumns[];  // for "SELECT <cols> FROM workflow_requests r ..."
ReadingRequest DecodeRequest(const Row& row);
// kNotFound when absent.
base::Result<ReadingRequest> LoadRequest(Conn& c, int64_t id);
// Writes every mutable column of `r` if the stored version is still r.version (then +1, also in
// r); kConflict otherwise.
base::Status WriteRequest(Conn& c, ReadingRequest& r);

base::Result<Contract> LoadContract(Conn& c, int64_t tenant_id);
// kNotFound unless the tenant exists.
base::Status CheckTenant(Conn& c, int64_t tenant_id);

// Hospital staff: their hospital's requests; readers: the pool and what they hold or held;
// coordinators, administrators of the centre and the system: everything.
bool Visible(const Actor& a, const ReadingRequest& r);

audit::Event MakeEvent(const Actor& actor, const ReadingRequest& r, std::string_view action,
                       std::string message);

// Administrative changes (contracts, rosters): action "contract.update", "roster.shift_add"...,
// about `tenant_id` (the hospital of a contract; the reading centre for rosters).
audit::Event MakeAdminEvent(const Actor& actor, std::string_view action, int64_t tenant_id,
                            std::string detail);
// Calls the audit hook, if any.
base::Status AuditIn(const Context& ctx, Conn& c, const audit::Event& e);

// One change of a request inside the caller's write transaction: loads it, checks visibility and
// the expected version, lets `fn` change it (returning the action name), writes it conditionally,
// appends history and calls the audit hook.
struct Change {
  std::string action;
  std::string reason;
};
using MutateFn = std::function<base::Result<Change>(ReadingRequest& r, const Contract& c)>;
base::Result<ReadingRequest> MutateIn(const Context& ctx, Conn& c, const Actor& actor, int64_t id,
                                      std::optional<int64_t> expected_version, base::Timestamp now,
                                      const MutateFn& fn);

base::Status AppendHistory(Conn& c, int64_t request_id, base::Timestamp at, std::string_view action,
                           State from, State to, const Actor& actor, std::string_view reason);

// Applies the state change of `rule` to r (timestamps, holder slots, held_from).
void ApplyTransition(ReadingRequest& r, const TransitionRule& rule, const Actor& actor,
                     base::Timestamp now);

// The work a request represents for the engine at `step`.
WorkItem ItemFor(const ReadingRequest& r, Step step, const Contract& c);

// Puts `reader` in `slot` of r (coordinator or system), enforcing credentials, the second reader
// differing from the first and the contract's seniority rule. Returns the action name.
base::Result<Change> AssignSlot(ReadingRequest& r, const Contract& c, const Actor& actor, Slot slot,
                                const ReaderInfo& reader, base::Timestamp now);

ReaderLoad* FindLoad(std::vector<ReaderLoad>& loads, int64_t reader_id);
std::optional<ReaderInfo> FindReader(const std::vector<ReaderInfo>& readers, int64_t id);

}  // namespace dokuei::workflow::internal
