// Human-readable tables for the CLI.
#pragma once

#include <string>
#include <vector>

namespace hops::cli {

// Prints aligned columns with a header row.
std::string RenderTable(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows);

}  // namespace hops::cli
