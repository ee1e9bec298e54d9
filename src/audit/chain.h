// Reading and checking the hash chain inside a transaction: the walk behind Verify() and the
// check Purge() makes before deleting anything.
// Thread safety: functions of the Conn they are given (one thread).
#pragma once

#include <string>

#include "dokuei/audit/audit.h"
#include "dokuei/db/db.h"

namespace dokuei::audit {

struct ChainEnds {
  int64_t anchor_seq = 0;
  std::string anchor_hash;
  int64_t head_seq = 0;
  std::string head_hash;
};

// Reads the anchor and the head; lock_head takes the head row lock (PostgreSQL FOR UPDATE; on
// SQLite the write transaction already excludes other writers).
base::Result<ChainEnds> ReadChainEnds(db::Conn& c, bool lock_head);

// Walks the records in (ends.anchor_seq, to_seq] in seq order and stops at the first problem
// (result->ok = false, first/last_bad_seq, problem). *last_seq / *last_hash receive the last
// record walked (the anchor when there is none).
base::Status WalkChain(db::Conn& c, const ChainEnds& ends, int64_t to_seq, VerifyResult* result,
                       int64_t* last_seq, std::string* last_hash);

// The whole verification: walk, then the anchor against the latest "audit.purge" record, then
// the head against the last record.
base::Result<VerifyResult> VerifyIn(db::Conn& c);

// "anchor_seq=<n> anchor_hash=<hex>", the object_detail of an "audit.purge" record.
std::string PurgeDetail(int64_t anchor_seq, const std::string& anchor_hash);

}  // namespace dokuei::audit
