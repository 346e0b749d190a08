// The MySQL-protocol engine (MariaDB Connector/C): MariaDB, a Galera
// cluster, MySQL. A pool of connections; every transaction runs on one
// connection. Write transactions are SERIALIZABLE (InnoDB takes shared locks
// on what they read), which gives the services the guarantee SQLite's single
// writer gave them; deadlocks, lock-wait timeouts, Galera certification
// failures and dropped connections are retried (the whole transaction, with a
// bound) after reconnecting. Tables are InnoDB, utf8mb4 with binary
// collation, so names compare and sort byte-wise as on SQLite.
//
// URL: mysql://USER:PASSWORD@HOST:PORT/DATABASE[?pool=N]
#pragma once

#include <memory>
#include <string>

#include "meta/store.h"

namespace hops::meta {

Result<std::unique_ptr<Store>> OpenMysql(const std::string& url);

}  // namespace hops::meta
