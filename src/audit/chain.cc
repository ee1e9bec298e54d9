#include "chain.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "canonical.h"
#include "dokuei/base/strings.h"
#include "schema.h"

namespace dokuei::audit {
namespace {

using base::Status;

constexpr int64_t kPageRows = 2000;
// How far a reordered record may have moved and still be recognised as out of order (rather than
// altered). Only examined after a failure, so the cost never touches a clean walk.
constexpr int64_t kReorderWindow = 1000;

struct ChainRow {
  Record record;
  std::string prev_hash;
};

bool SelfOk(const ChainRow& r, int64_t seq) {
  return ChainHash(r.prev_hash, seq, base::ToUnixMicros(r.record.time), r.record.event) ==
         r.record.hash;
}

Status SelectRows(db::Conn& c, int64_t after, int64_t up_to, int64_t limit,
                  std::vector<ChainRow>* out) {
  out->clear();
  const db::Value params[] = {after, up_to, limit};
  return c.Query("SELECT " + std::string(kRecordColumns) +
                     " FROM audit_records WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                 params, [&](const db::Row& r) {
                   out->push_back({RecordFromRow(r), std::string(PrevHashOf(r))});
                   return Status::Ok();
                 });
}

std::string Range(int64_t first, int64_t last, std::string_view what) {
  if (first == last) return "record " + std::to_string(first) + ": " + std::string(what);
  return "records " + std::to_string(first) + ".." + std::to_string(last) + ": " +
         std::string(what);
}

void Fail(VerifyResult* r, int64_t first, int64_t last, std::string problem) {
  r->ok = false;
  r->first_bad_seq = first;
  r->last_bad_seq = last;
  r->problem = std::move(problem);
}

// The seq a record was written with, when it now sits at another position (its self-hash holds
// for exactly one seq); 0 when no nearby seq fits (the record itself was altered).
int64_t OriginalSeq(const ChainRow& r, int64_t position) {
  for (int64_t d = 1; d <= kReorderWindow; ++d) {
    if (SelfOk(r, position + d)) return position + d;
    if (position - d >= 1 && SelfOk(r, position - d)) return position - d;
  }
  return 0;
}

// Row k (at position `position`) fails its self-hash. Tells apart a record that was edited, one
// that was moved (reordered: "records a..b: out of order") and one that was renumbered after a
// deletion ("missing").
Status ClassifyBroken(db::Conn& c, const ChainRow& row, int64_t position, VerifyResult* result) {
  const int64_t original = OriginalSeq(row, position);
  if (original == 0) {
    Fail(result, position, position, Range(position, position, "altered"));
    return Status::Ok();
  }
  std::vector<ChainRow> window;
  DOKUEI_RETURN_IF_ERROR(SelectRows(c, std::max<int64_t>(0, position - kReorderWindow - 1),
                                    position + kReorderWindow, 2 * kReorderWindow + 2, &window));
  const bool predecessor_present =
      std::any_of(window.begin(), window.end(),
                  [&](const ChainRow& w) { return w.record.hash == row.prev_hash; });
  if (original > position && !predecessor_present) {
    // The records between were deleted and the later ones renumbered into the hole.
    Fail(result, position, original - 1, Range(position, original - 1, "missing"));
    return Status::Ok();
  }
  // Extent of the displaced run: from here up to the farthest position or original seq of any
  // displaced record, continuing while the following records are displaced or lie inside it.
  int64_t last = std::max(position, original);
  int64_t next = position + 1;
  for (const ChainRow& w : window) {
    const int64_t at = w.record.seq;
    if (at < next) continue;
    if (at != next) break;  // a gap: reported by the walk once the run is fixed
    ++next;
    if (SelfOk(w, at)) {
      if (at > last) break;
      continue;
    }
    const int64_t o = OriginalSeq(w, at);
    if (o == 0) break;  // an altered record ends the run
    last = std::max({last, at, o});
  }
  Fail(result, position, last, Range(position, last, "out of order"));
  return Status::Ok();
}

struct PurgeRecord {
  bool found = false;
  bool intact = false;
  int64_t anchor_seq = 0;
  std::string anchor_hash;
};

bool ParsePurgeDetail(std::string_view detail, int64_t* seq, std::string* hash) {
  const auto parts = base::Split(detail, ' ');
  if (parts.size() != 2 || !base::StartsWith(parts[0], "anchor_seq=") ||
      !base::StartsWith(parts[1], "anchor_hash=")) {
    return false;
  }
  const auto n = base::ParseInt(parts[0].substr(11));
  if (!n) return false;
  *seq = *n;
  *hash = std::string(parts[1].substr(12));
  return true;
}

base::Result<PurgeRecord> LatestPurge(db::Conn& c) {
  PurgeRecord p;
  std::vector<ChainRow> rows;
  DOKUEI_RETURN_IF_ERROR(
      c.Query("SELECT " + std::string(kRecordColumns) +
                  " FROM audit_records WHERE action = 'audit.purge' ORDER BY seq DESC LIMIT 1",
              {}, [&](const db::Row& r) {
                rows.push_back({RecordFromRow(r), std::string(PrevHashOf(r))});
                return Status::Ok();
              }));
  if (rows.empty()) return p;
  p.found = true;
  p.intact = SelfOk(rows[0], rows[0].record.seq) &&
             ParsePurgeDetail(rows[0].record.event.object_detail, &p.anchor_seq, &p.anchor_hash);
  return p;
}

}  // namespace

std::string PurgeDetail(int64_t anchor_seq, const std::string& anchor_hash) {
  return "anchor_seq=" + std::to_string(anchor_seq) + " anchor_hash=" + anchor_hash;
}

base::Result<ChainEnds> ReadChainEnds(db::Conn& c, bool lock_head) {
  ChainEnds e;
  bool head = false, anchor = false;
  const bool pg = c.dialect() == db::Dialect::kPostgres;
  DOKUEI_RETURN_IF_ERROR(c.Query(lock_head && pg
                                     ? "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
                                     : "SELECT seq, hash FROM audit_head WHERE id = 1",
                                 {}, [&](const db::Row& r) {
                                   e.head_seq = r.Int(0);
                                   e.head_hash = std::string(r.Str(1));
                                   head = true;
                                   return Status::Ok();
                                 }));
  DOKUEI_RETURN_IF_ERROR(
      c.Query("SELECT seq, hash FROM audit_anchor WHERE id = 1", {}, [&](const db::Row& r) {
        e.anchor_seq = r.Int(0);
        e.anchor_hash = std::string(r.Str(1));
        anchor = true;
        return Status::Ok();
      }));
  if (!head || !anchor) return base::DataLoss("audit chain head or anchor row is missing");
  return e;
}

Status WalkChain(db::Conn& c, const ChainEnds& ends, int64_t to_seq, VerifyResult* result,
                 int64_t* last_seq, std::string* last_hash) {
  int64_t expected_seq = ends.anchor_seq + 1;
  std::string expected_prev = ends.anchor_hash;
  std::vector<ChainRow> page;
  while (true) {
    DOKUEI_RETURN_IF_ERROR(SelectRows(c, expected_seq - 1, to_seq, kPageRows, &page));
    for (const ChainRow& row : page) {
      const int64_t seq = row.record.seq;
      if (seq != expected_seq) {
        Fail(result, expected_seq, seq - 1, Range(expected_seq, seq - 1, "missing"));
        return Status::Ok();
      }
      if (!SelfOk(row, seq)) return ClassifyBroken(c, row, seq, result);
      if (row.prev_hash != expected_prev) {
        if (seq == ends.anchor_seq + 1) {
          Fail(result, ends.anchor_seq, ends.anchor_seq,
               "record " + std::to_string(ends.anchor_seq) + " (purge anchor): altered");
        } else {
          // This record is intact but does not follow its predecessor: the predecessor was
          // rewritten (with a recomputed hash).
          Fail(result, seq - 1, seq - 1, Range(seq - 1, seq - 1, "altered"));
        }
        return Status::Ok();
      }
      ++result->records_checked;
      expected_prev = row.record.hash;
      ++expected_seq;
    }
    if (static_cast<int64_t>(page.size()) < kPageRows) break;
  }
  *last_seq = expected_seq - 1;
  *last_hash = expected_prev;
  return Status::Ok();
}

base::Result<VerifyResult> VerifyIn(db::Conn& c) {
  VerifyResult result;
  DOKUEI_ASSIGN_OR_RETURN(const ChainEnds ends, ReadChainEnds(c, /*lock_head=*/false));
  result.first_seq = ends.anchor_seq + 1;
  int64_t last_seq = ends.anchor_seq;
  std::string last_hash = ends.anchor_hash;
  DOKUEI_RETURN_IF_ERROR(
      WalkChain(c, ends, std::numeric_limits<int64_t>::max(), &result, &last_seq, &last_hash));
  result.last_seq = result.ok ? last_seq : 0;

  // The anchor must be the one the latest purge recorded in the chain (genesis if none), unless
  // that purge record is itself damaged (then the walk names it).
  DOKUEI_ASSIGN_OR_RETURN(const PurgeRecord purge, LatestPurge(c));
  const bool walk_failed_at_start =
      !result.ok && result.first_bad_seq.value_or(0) <= ends.anchor_seq + 1;
  if ((result.ok || walk_failed_at_start) && (!purge.found || purge.intact)) {
    const int64_t want_seq = purge.found ? purge.anchor_seq : 0;
    const std::string want_hash = purge.found ? purge.anchor_hash : std::string(kGenesisHash);
    int64_t skipped = 0;  // records between the recorded and the stored anchor
    if (ends.anchor_seq > want_seq) {
      const db::Value range[] = {want_seq, ends.anchor_seq};
      DOKUEI_RETURN_IF_ERROR(
          c.Query("SELECT COUNT(*) FROM audit_records WHERE seq > ? AND seq <= ?", range,
                  [&](const db::Row& r) {
                    skipped = r.Int(0);
                    return Status::Ok();
                  }));
    }
    if (ends.anchor_seq > want_seq && skipped == 0) {
      // The oldest records deleted and the anchor moved after them, without a purge.
      Fail(&result, want_seq + 1, ends.anchor_seq, Range(want_seq + 1, ends.anchor_seq, "missing"));
    } else if (ends.anchor_seq != want_seq || ends.anchor_hash != want_hash) {
      Fail(&result, want_seq, want_seq,
           "record " + std::to_string(want_seq) + " (purge anchor): altered");
    }
  }
  if (!result.ok) {
    result.last_seq = 0;
    return result;
  }

  // The head names the last record: records deleted or added at the end show here.
  if (last_seq < ends.head_seq) {
    Fail(&result, last_seq + 1, ends.head_seq, Range(last_seq + 1, ends.head_seq, "missing"));
  } else if (last_seq > ends.head_seq) {
    Fail(&result, ends.head_seq + 1, last_seq,
         Range(ends.head_seq + 1, last_seq, "not in the chain (added after the head)"));
  } else if (last_hash != ends.head_hash) {
    Fail(&result, last_seq, last_seq, Range(last_seq, last_seq, "altered"));
  }
  if (!result.ok) result.last_seq = 0;
  return result;
}

}  // namespace dokuei::audit
