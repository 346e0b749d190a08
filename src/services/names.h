// Naming rules for user-facing resources, each returning INVALID_ARGUMENT
// with a message that says which rule was broken.
#pragma once

#include <string>

#include "core/status.h"

namespace hops::services {

// Hopsworks' project-name rules: 2 to 24 characters of letters, digits and
// '_'; starts and ends with a letter or digit; no "__"; not all digits; not
// a reserved word (case-insensitive).
Status ValidateProjectName(const std::string& name);
// 3 to 32 characters: lower-case letters, digits, '_', '-', '.'; starts with a letter.
Status ValidateUsername(const std::string& name);
Status ValidateEmail(const std::string& email);
// API key names: 1 to 64 characters of letters, digits, '_', '-', '.'.
Status ValidateKeyName(const std::string& name);
// Free text (descriptions): at most `max` bytes of valid UTF-8 without control characters.
Status ValidateText(const std::string& field, const std::string& text, size_t max);
std::string Lower(const std::string& s);

}  // namespace hops::services
