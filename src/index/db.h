// The index's view of the shared database layer (src/db).
#pragma once

#include "dokuei/db/db.h"

namespace dokuei::index {

using db::Conn;
using db::Database;
using db::Dialect;
using db::Row;
using db::RowFn;
using db::TxKind;
using db::Value;

}  // namespace dokuei::index
