// Configuration: one table of settings, each with a default, an environment
// variable and a line of documentation. Values come from (highest first)
// command-line flags, the environment, an optional config file, defaults.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace hops {

struct Setting {
  const char* key;          // flag is --key (with '-' for '_'); file key is key
  const char* def;          // default value as text
  const char* help;
};

// All settings hopsd understands, in documentation order.
const std::vector<Setting>& AllSettings();

class Config {
 public:
  // Builds from defaults, then the file named by --config/HOPS_CONFIG, then
  // HOPS_<KEY> environment variables, then flags. Unknown keys are errors.
  static Result<Config> Load(int argc, const char* const* argv);
  // Defaults plus explicit overrides (tests).
  static Config Defaults(const std::map<std::string, std::string>& overrides = {});

  const std::string& Str(const std::string& key) const;
  int64_t Int(const std::string& key) const;
  bool Bool(const std::string& key) const;
  void Set(const std::string& key, std::string value) { values_[key] = std::move(value); }
  bool help_requested() const { return help_; }

  // A Markdown table of every setting (used by `hopsd --help` and the docs).
  static std::string HelpText();

 private:
  Status Apply(const std::string& key, const std::string& value, const std::string& origin);
  Status Validate() const;
  std::map<std::string, std::string> values_;
  bool help_ = false;
};

}  // namespace hops
