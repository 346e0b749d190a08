// Versioned schema migrations, applied in order when a store opens.
#pragma once

#include <string>
#include <vector>

#include "meta/store.h"

namespace hops::meta {

struct Migration {
  int version;
  const char* description;
  std::vector<std::string> statements;  // with ${ID}, ${NAME}, ${TEXT}, ${BLOB} tokens
};

const std::vector<Migration>& AllMigrations();
int LatestSchemaVersion();
// Replaces the dialect tokens for an engine.
std::string RenderDdl(const std::string& ddl, const Dialect& dialect);
// Brings the store to the latest version; refuses a newer store.
Status Migrate(Store& store);

}  // namespace hops::meta
