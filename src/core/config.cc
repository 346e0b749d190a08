// Settings table and the layered loader (defaults < file < env < flags).
#include "core/config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hops {

const std::vector<Setting>& AllSettings() {
  static const std::vector<Setting> kSettings = {
      {"listen", "127.0.0.1:8181", "HOST:PORT to listen on; port 0 picks a free port"},
      {"data_dir", "./hops-data", "directory for the embedded store, the lock file and the bound address"},
      {"store", "", "metadata store URL; empty means sqlite://<data_dir>/meta.db"},
      {"store_sync", "full", "embedded store durability: full (fsync each commit) or normal"},
      {"workers", "0", "HTTP worker threads; 0 means one per CPU core"},
      {"max_body_bytes", "1048576", "largest accepted request body (413 above)"},
      {"max_header_bytes", "16384", "largest accepted request header block (431 above)"},
      {"read_timeout_ms", "30000", "time allowed to read one request once it has started"},
      {"idle_timeout_ms", "60000", "keep-alive connections idle longer than this are closed"},
      {"shutdown_grace_ms", "10000", "on SIGTERM, how long in-flight requests may take to drain"},
      {"plain_http", "false", "serve plain HTTP instead of HTTPS; refused unless listen is a loopback address"},
      {"tls_hostnames", "", "comma-separated host names and addresses the server certificate covers besides localhost and 127.0.0.1"},
      {"tls_cert", "", "operator-given PEM server certificate chain (with tls_key) instead of one issued by the platform CA"},
      {"tls_key", "", "PEM private key for tls_cert"},
      {"pki_dir", "", "directory of the platform CA (root, intermediate, server certificate); empty means <data_dir>/pki"},
      {"pki_member_cert_days", "365", "lifetime of project-member certificates in days"},
      {"pki_service_cert_max_hours", "24", "longest lifetime of a service (job) certificate in hours"},
      {"session_ttl_s", "86400", "lifetime of a session token from login"},
      {"reset_admin_password", "false", "at start, set the admin password to HOPS_ADMIN_PASSWORD and unlock it (audited)"},
      {"allow_registration", "false", "let anyone register; accounts then wait for admin approval"},
      {"max_failed_logins", "5", "wrong passwords in a row before an account locks"},
      {"login_failures_per_address", "30", "failed logins per client address per minute before 429; 0: no limit"},
      {"login_failures_per_user", "10", "failed logins per username per minute before 429; 0: no limit"},
      {"max_projects_per_user", "10", "projects one user may own"},
      {"quota_storage_bytes", "-1", "default storage quota of a new project; -1 unlimited"},
      {"quota_namespace_entries", "-1", "default namespace quota of a new project; -1 unlimited"},
      {"quota_cpu_hours", "-1", "default CPU-hours quota of a new project; -1 unlimited"},
      {"quota_gpu_hours", "-1", "default GPU-hours quota of a new project; -1 unlimited"},
      {"audit_flush_ms", "100", "how often batched audit records (reads, failures) are written"},
      {"audit_queue_max", "100000", "batched audit records held in memory before requests wait"},
      {"data_threads", "32", "threads that serve streaming requests (uploads and downloads)"},
      {"fs_blocks_dir", "", "directory of HopsFS blocks; empty means <data_dir>/blocks"},
      {"fs_s3_endpoint", "", "S3-compatible endpoint for HopsFS blocks, http(s)://host:port; with fs_s3_bucket, blocks live there instead of fs_blocks_dir"},
      {"fs_s3_bucket", "", "bucket of the S3 block store"},
      {"fs_s3_region", "us-east-1", "region the S3 requests are signed for"},
      {"fs_s3_prefix", "blocks/", "key prefix of the blocks in the bucket"},
      {"fs_s3_access_key", "", "S3 access key id"},
      {"fs_s3_secret_key", "", "S3 secret key (prefer HOPS_FS_S3_SECRET_KEY or the config file)"},
      {"fs_s3_addressing", "path", "path (endpoint/bucket/key) or virtual (bucket.endpoint/key)"},
      {"fs_s3_part_size", "8388608", "multipart upload part size in bytes (at least 5 MiB)"},
      {"fs_inline_max", "65536", "files up to this many bytes are stored inline in the metadata store"},
      {"fs_block_size", "67108864", "HopsFS block size in bytes (1 MiB to 4 GiB)"},
      {"fs_replication", "1", "replication recorded for new files; space quotas count size x replication"},
      {"fs_default_provenance", "1", "provenance of new datasets: 0 off, 1 state (create, mkdir, delete), 2 full (also append, overwrite, rename, read, setattr)"},
      {"cluster_lease_s", "15", "servers sharing a store: a server silent this long is dead (its leftovers are cleaned up, its leases taken over)"},
      {"fs_gc_interval_s", "300", "how often the collector deletes unreferenced blocks and detached subtrees; 0 never"},
      {"fs_gc_grace_s", "3600", "unreferenced blocks younger than this are left alone (writes in flight)"},
      {"fs_fault_capacity_bytes", "0", "testing only: the block store fails writes once this many bytes were written; 0 off"},
      {"log_level", "info", "trace, debug, info, warn, error"},
      {"log_format", "json", "json (one object per line) or text"},
      {"access_log", "false", "log one line per HTTP request (the audit log always records)"},
      {"config", "", "optional config file of `key = value` lines"},
  };
  return kSettings;
}

namespace {

const Setting* Find(const std::string& key) {
  for (const auto& s : AllSettings()) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string EnvName(const std::string& key) {
  std::string n = "HOPS_";
  for (char c : key) n += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return n;
}

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = v;
  return true;
}

std::string Underscored(std::string k) {
  std::replace(k.begin(), k.end(), '-', '_');
  return k;
}

bool IsBoolText(const std::string& v) {
  return v == "true" || v == "false" || v == "1" || v == "0" || v == "yes" || v == "no";
}

}  // namespace

Config Config::Defaults(const std::map<std::string, std::string>& overrides) {
  Config c;
  for (const auto& s : AllSettings()) c.values_[s.key] = s.def;
  for (const auto& [k, v] : overrides) c.values_[k] = v;
  return c;
}

Status Config::Apply(const std::string& key, const std::string& value, const std::string& origin) {
  const Setting* s = Find(key);
  if (!s) return InvalidArgument("unknown setting '" + key + "' (" + origin + "); see hopsd --help");
  values_[key] = value;
  return Status::Ok();
}

Result<Config> Config::Load(int argc, const char* const* argv) {
  Config c = Defaults();
  // Flags first pass: collect, so that --config is known before the file is read.
  std::vector<std::pair<std::string, std::string>> flags;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      c.help_ = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) return InvalidArgument("unexpected argument '" + a + "'");
    std::string k = a.substr(2), v;
    auto eq = k.find('=');
    if (eq != std::string::npos) {
      v = k.substr(eq + 1);
      k = k.substr(0, eq);
    } else if (const Setting* bs = Find(Underscored(k)); bs && (std::string_view(bs->def) == "true" || std::string_view(bs->def) == "false") &&
               (i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0 || !IsBoolText(argv[i + 1]))) {
      v = "true";  // a bare boolean flag, e.g. --plain-http
    } else if (i + 1 < argc) {
      v = argv[++i];
    } else {
      return InvalidArgument("flag --" + k + " needs a value");
    }
    std::replace(k.begin(), k.end(), '-', '_');
    if (!Find(k)) return InvalidArgument("unknown flag --" + k + "; see hopsd --help");
    flags.emplace_back(k, v);
  }
  std::string file;
  if (const char* e = std::getenv("HOPS_CONFIG")) file = e;
  for (auto& [k, v] : flags)
    if (k == "config") file = v;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return InvalidArgument("cannot read config file '" + file + "'");
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      line = Trim(line);
      if (line.empty() || line[0] == '#') continue;
      auto eq = line.find('=');
      if (eq == std::string::npos)
        return InvalidArgument(file + ":" + std::to_string(n) + ": expected `key = value`");
      std::string val = Trim(line.substr(eq + 1));
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') val = val.substr(1, val.size() - 2);
      HOPS_RETURN_IF_ERROR(c.Apply(Trim(line.substr(0, eq)), val, file + ":" + std::to_string(n)));
    }
  }
  for (const auto& s : AllSettings()) {
    if (const char* e = std::getenv(EnvName(s.key).c_str())) c.values_[s.key] = e;
  }
  for (auto& [k, v] : flags) HOPS_RETURN_IF_ERROR(c.Apply(k, v, "flag"));
  HOPS_RETURN_IF_ERROR(c.Validate());
  return c;
}

Status Config::Validate() const {
  for (const auto& s : AllSettings()) {
    const std::string& v = Str(s.key);
    std::string def = s.def;
    int64_t tmp;
    bool numeric_default = ParseInt(def, &tmp);
    if (numeric_default && !ParseInt(v, &tmp))
      return InvalidArgument("setting " + std::string(s.key) + " must be an integer, got '" + v + "'");
    if ((def == "true" || def == "false") && !IsBoolText(v))
      return InvalidArgument("setting " + std::string(s.key) + " must be true or false, got '" + v + "'");
  }
  for (const char* k : {"max_body_bytes", "max_header_bytes", "read_timeout_ms", "idle_timeout_ms",
                        "session_ttl_s", "max_failed_logins", "audit_flush_ms", "audit_queue_max"}) {
    if (Int(k) <= 0) return InvalidArgument(std::string("setting ") + k + " must be positive");
  }
  if (Str("tls_cert").empty() != Str("tls_key").empty())
    return InvalidArgument("tls_cert and tls_key must be given together");
  if (Bool("plain_http")) {
    std::string host = Str("listen").substr(0, Str("listen").rfind(':'));
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host != "localhost" && host != "::1" && host.rfind("127.", 0) != 0)
      return InvalidArgument("plain_http serves unencrypted HTTP and is allowed only on a loopback address "
                             "(127.0.0.1, ::1, localhost), not on '" + host + "'; drop --plain-http to serve HTTPS");
  }
  if (Str("fs_s3_addressing") != "path" && Str("fs_s3_addressing") != "virtual")
    return InvalidArgument("fs_s3_addressing must be path or virtual");
  if (Str("fs_s3_bucket").empty() != Str("fs_s3_endpoint").empty())
    return InvalidArgument("fs_s3_endpoint and fs_s3_bucket must be given together");
  if (Int("cluster_lease_s") < 1 || Int("cluster_lease_s") > 3600) return InvalidArgument("cluster_lease_s must be 1 to 3600");
  if (Int("pki_member_cert_days") < 1 || Int("pki_member_cert_days") > 3650)
    return InvalidArgument("pki_member_cert_days must be 1 to 3650");
  if (Int("pki_service_cert_max_hours") < 1 || Int("pki_service_cert_max_hours") > 168)
    return InvalidArgument("pki_service_cert_max_hours must be 1 to 168");
  const std::string& lvl = Str("log_level");
  if (lvl != "trace" && lvl != "debug" && lvl != "info" && lvl != "warn" && lvl != "error")
    return InvalidArgument("log_level must be trace, debug, info, warn or error");
  if (Str("log_format") != "json" && Str("log_format") != "text")
    return InvalidArgument("log_format must be json or text");
  return Status::Ok();
}

const std::string& Config::Str(const std::string& key) const {
  static const std::string kEmpty;
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second;
}

int64_t Config::Int(const std::string& key) const {
  int64_t v = 0;
  ParseInt(Str(key), &v);
  return v;
}

bool Config::Bool(const std::string& key) const {
  const std::string& v = Str(key);
  return v == "true" || v == "1" || v == "yes";
}

std::string Config::HelpText() {
  std::ostringstream o;
  o << "| setting | flag | environment | default | meaning |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& s : AllSettings()) {
    std::string flag = s.key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    o << "| `" << s.key << "` | `--" << flag << "` | `" << EnvName(s.key) << "` | `" << s.def
      << "` | " << s.help << " |\n";
  }
  return o.str();
}

}  // namespace hops
