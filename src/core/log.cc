// spdlog-backed structured logger writing JSON lines or key=value text to stderr.
#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

namespace hops::log {
namespace {
bool g_json = true;
std::shared_ptr<spdlog::logger> g_logger;

spdlog::logger& Logger() {
  if (!g_logger) {
    g_logger = spdlog::stderr_logger_mt("hops");
    g_logger->set_pattern("%v");
  }
  return *g_logger;
}

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}
const char* Name(Level l) {
  switch (l) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}
}  // namespace

void Init(const std::string& level, const std::string& format) {
  g_json = format != "text";
  Logger().set_level(spdlog::level::from_str(level));
  Logger().flush_on(spdlog::level::info);
}

bool Enabled(Level level) { return Logger().should_log(ToSpd(level)); }

void Event(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[96];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string line;
  if (g_json) {
    boost::json::object o;
    o["ts"] = ts;
    o["level"] = Name(level);
    o["event"] = std::string(event);
    for (const auto& [k, v] : fields) o[k] = v;
    line = boost::json::serialize(o);
  } else {
    line = std::string(ts) + " " + Name(level) + " " + std::string(event);
    for (const auto& [k, v] : fields) line += " " + std::string(k) + "=" + v;
  }
  Logger().log(ToSpd(level), "{}", line);
}

}  // namespace hops::log
