// The embedded engine: SQLite in WAL mode. One writer connection (writes are
// serialised in-process, as SQLite serialises them anyway) and a pool of
// reader connections that read concurrently from WAL snapshots. Each
// connection keeps its prepared statements.
#pragma once

#include <memory>
#include <string>

#include "meta/store.h"

namespace hops::meta {

// sync: "full" (fsync the WAL on every commit) or "normal" (survives a
// process crash, may lose the last commits on power loss).
Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path, const std::string& sync);

}  // namespace hops::meta
