// hopsd: the Hops platform server. Loads configuration, opens the metadata
// store, serves the REST API, and shuts down gracefully on SIGTERM/SIGINT.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "api/app.h"
#include "core/config.h"
#include "core/log.h"
#include "net/http_server.h"

namespace {

// Writes the bound address where tests and tools can find it (atomically).
void WriteAddressFile(const std::string& dir, const std::string& addr) {
  std::filesystem::path final_path = std::filesystem::path(dir) / "hopsd.addr";
  std::filesystem::path tmp = final_path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp);
    out << addr << "\n";
  }
  std::error_code ec;
  std::filesystem::rename(tmp, final_path, ec);
}

// Holds an exclusive lock on <data_dir>/hopsd.lock for the life of the
// process, so two servers never share one embedded store or address file.
hops::Status LockDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return hops::Unavailable("cannot create data directory '" + dir + "': " + ec.message());
  std::string path = (std::filesystem::path(dir) / "hopsd.lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return hops::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {0};
    ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    (void)n;
    ::close(fd);
    return hops::Unavailable("another hopsd (pid " + std::string(pid[0] ? pid : "?") +
                             ") is using data directory '" + dir + "'; stop it or choose another --data-dir");
  }
  std::string me = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0) {
    ssize_t w = ::pwrite(fd, me.data(), me.size(), 0);
    (void)w;
  }
  return hops::Status::Ok();  // fd stays open (and locked) until exit
}

}  // namespace

int main(int argc, char** argv) {
  auto cfg = hops::Config::Load(argc, argv);
  if (!cfg.ok()) {
    std::cerr << "hopsd: " << cfg.status().message() << "\n";
    return 2;
  }
  if (cfg->help_requested()) {
    std::cout << "usage: hopsd [--setting value ...]\n\nEvery setting is also read from HOPS_<SETTING> and from\n"
                 "the config file (--config FILE, lines of `key = value`). The admin password for\n"
                 "the first start comes from HOPS_ADMIN_PASSWORD (generated and printed if unset).\n\n"
              << hops::Config::HelpText();
    return 0;
  }
  hops::log::Init(cfg->Str("log_level"), cfg->Str("log_format"));

  // Signals are taken by one thread with sigwait; block them everywhere else.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // Everything hopsd creates is private to its user: the store holds session
  // signing keys, the PKI directory the CA keys.
  ::umask(077);
  {
    std::error_code ec;
    std::filesystem::create_directories(cfg->Str("data_dir"), ec);
    ::chmod(cfg->Str("data_dir").c_str(), 0700);
    for (const char* f : {"meta.db", "meta.db-wal", "meta.db-shm"})
      ::chmod((std::filesystem::path(cfg->Str("data_dir")) / f).c_str(), 0600);
  }
  if (auto st = LockDataDir(cfg->Str("data_dir")); !st.ok()) {
    std::cerr << "hopsd: " << st.message() << "\n";
    return 1;
  }
  std::string generated;
  auto app = hops::api::App::Create(*cfg, &generated);
  if (!app.ok()) {
    hops::log::Error("hopsd.start_failed", {{"error", app.status().ToString()}});
    std::cerr << "hopsd: cannot start: " << app.status().message() << "\n";
    return 1;
  }
  hops::net::ServerOptions opt;
  opt.listen = cfg->Str("listen");
  opt.workers = static_cast<int>(cfg->Int("workers"));
  opt.max_body_bytes = static_cast<size_t>(cfg->Int("max_body_bytes"));
  opt.max_header_bytes = static_cast<size_t>(cfg->Int("max_header_bytes"));
  opt.read_timeout_ms = static_cast<int>(cfg->Int("read_timeout_ms"));
  opt.idle_timeout_ms = static_cast<int>(cfg->Int("idle_timeout_ms"));
  if (!cfg->Bool("plain_http")) {
    // HTTPS by default: the operator's certificate, or one from the platform CA.
    opt.tls_cert = cfg->Str("tls_cert");
    opt.tls_key = cfg->Str("tls_key");
    if (opt.tls_cert.empty()) {
      std::vector<std::string> names;
      std::string listen_host = opt.listen.substr(0, opt.listen.rfind(':'));
      if (!listen_host.empty() && listen_host != "0.0.0.0" && listen_host != "[::]") names.push_back(listen_host);
      std::stringstream list(cfg->Str("tls_hostnames"));
      for (std::string n; std::getline(list, n, ',');)
        if (!n.empty()) names.push_back(n);
      if (auto st = (*app)->ca().EnsureServerCert(names, &opt.tls_cert, &opt.tls_key); !st.ok()) {
        std::cerr << "hopsd: cannot issue the server certificate: " << st.message() << "\n";
        return 1;
      }
    }
    opt.tls_client_ca = (*app)->ca().trust_file();  // mutual TLS with project-member certificates
  }
  opt.access_log = cfg->Bool("access_log");
  opt.data_threads = static_cast<int>(cfg->Int("data_threads"));
  hops::api::App* a = app->get();
  hops::net::HttpServer server(
      opt, [a](hops::net::HttpRequest& r) { return a->Handle(r); },
      [a](const hops::net::HttpRequest& r, int status, const std::string& code) { a->RecordRejected(r, status, code); },
      [a](std::string_view method, std::string_view target) { return a->WantsStream(method, target); });
  if (auto st = server.Start(); !st.ok()) {
    std::cerr << "hopsd: " << st.message() << "\n";
    return 1;
  }
  const std::string scheme = opt.tls_cert.empty() ? "http" : "https";
  WriteAddressFile(cfg->Str("data_dir"), server.bound_address());
  a->SetAddress(server.bound_address());
  hops::log::Info("hopsd.listening", {{"address", scheme + "://" + server.bound_address()},
                                      {"data_dir", cfg->Str("data_dir")},
                                      {"schema_version", std::to_string(a->store().schema_version())}});
  if (!opt.tls_cert.empty()) {
    std::cerr << "  Serving HTTPS. Platform CA: " << (*app)->ca().dir() << "/root-ca.pem\n    SHA-256 fingerprint "
              << (*app)->ca().root_fingerprint() << "\n";
  }
  if (!generated.empty()) {
    std::cerr << "\n  First start: created the admin account.\n    username: admin\n    password: " << generated
              << "\n  It is shown only this once; change it with `hops users password`.\n\n";
  }

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    hops::log::Info("hopsd.draining", {{"signal", std::to_string(sig)}});
    server.Shutdown(static_cast<int>(cfg->Int("shutdown_grace_ms")));
  });
  server.Run();
  a->Shutdown();  // flush queued audit records
  std::error_code ec;
  std::filesystem::remove(std::filesystem::path(cfg->Str("data_dir")) / "hopsd.addr", ec);
  hops::log::Info("hopsd.stopped");
  signal_thread.join();
  return 0;
}
