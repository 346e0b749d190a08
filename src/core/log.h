// Structured logging: one event per line, JSON by default, via spdlog.
// Log events name what happened and carry fields; secrets are never passed in.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace hops::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError };

using Field = std::pair<std::string_view, std::string>;

// Sets level ("info", ...) and format ("json" or "text"). Safe to call once at start.
void Init(const std::string& level, const std::string& format);
bool Enabled(Level level);
void Event(Level level, std::string_view event, std::initializer_list<Field> fields = {});

inline void Info(std::string_view e, std::initializer_list<Field> f = {}) { Event(Level::kInfo, e, f); }
inline void Warn(std::string_view e, std::initializer_list<Field> f = {}) { Event(Level::kWarn, e, f); }
inline void Error(std::string_view e, std::initializer_list<Field> f = {}) { Event(Level::kError, e, f); }
inline void Debug(std::string_view e, std::initializer_list<Field> f = {}) { Event(Level::kDebug, e, f); }

}  // namespace hops::log
