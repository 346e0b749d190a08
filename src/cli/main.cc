// hops: the command-line client. `hops <noun> <verb>`; human tables by
// default, --json for scripts; a non-zero exit with the server's message on
// failure. Credentials are saved in $HOPS_CONFIG_DIR or ~/.config/hops.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/table.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "net/http_client.h"

namespace json = boost::json;
namespace fs = std::filesystem;
using hops::Result;
using hops::Status;

namespace {

struct Saved {
  std::string endpoint = "http://127.0.0.1:8181";
  std::string token, api_key, ca_file, username;
  std::string cert_file, key_file;  // mutual TLS with a project certificate instead of a token
};

fs::path ConfigDir() {
  if (const char* d = std::getenv("HOPS_CONFIG_DIR")) return d;
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : ".") / ".config" / "hops";
}

Saved LoadSaved() {
  Saved s;
  std::ifstream in(ConfigDir() / "config.json");
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    auto v = json::parse(ss.str(), ec);
    if (!ec && v.is_object()) {
      auto& o = v.as_object();
      auto get = [&](const char* k, std::string* out) {
        if (auto p = o.if_contains(k); p && p->is_string()) *out = std::string(p->as_string());
      };
      get("endpoint", &s.endpoint);
      get("token", &s.token);
      get("api_key", &s.api_key);
      get("ca_file", &s.ca_file);
      get("username", &s.username);
      get("cert_file", &s.cert_file);
      get("key_file", &s.key_file);
    }
  }
  if (const char* e = std::getenv("HOPS_ENDPOINT")) s.endpoint = e;
  if (const char* k = std::getenv("HOPS_API_KEY")) s.api_key = k;  // wins over a saved session
  return s;
}

Status Save(const Saved& s) {
  fs::path dir = ConfigDir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  json::object o{{"endpoint", s.endpoint}, {"username", s.username}};
  if (!s.token.empty()) o["token"] = s.token;
  if (!s.api_key.empty()) o["api_key"] = s.api_key;
  if (!s.ca_file.empty()) o["ca_file"] = s.ca_file;
  if (!s.cert_file.empty()) o["cert_file"] = s.cert_file;
  if (!s.key_file.empty()) o["key_file"] = s.key_file;
  fs::path tmp = dir / "config.json.tmp";
  {
    // Created 0600 from the start: the file holds a token or an API key.
    mode_t old = umask(077);
    std::ofstream out(tmp, std::ios::trunc);
    umask(old);
    if (!out) return hops::Unavailable("cannot write " + tmp.string());
    out << json::serialize(o) << "\n";
  }
  chmod(tmp.c_str(), 0600);
  fs::rename(tmp, dir / "config.json", ec);
  if (ec) return hops::Unavailable("cannot save credentials: " + ec.message());
  return Status::Ok();
}

std::string ReadSecret(const std::string& prompt) {
  std::string line;
  if (isatty(STDIN_FILENO)) {
    std::cerr << prompt;
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~ECHO;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  } else {
    std::getline(std::cin, line);
  }
  return line;
}

std::string Encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string o;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') o += static_cast<char>(c);
    else o += '%', o += kHex[c >> 4], o += kHex[c & 15];
  }
  return o;
}

class Client {
 public:
  explicit Client(Saved s) : saved_(std::move(s)) {}
  Result<json::value> Call(const std::string& method, const std::string& target, const json::value* body = nullptr,
                           bool auth = true) const {
    hops::net::HttpClient http(Options());
    std::vector<std::pair<std::string, std::string>> headers;
    if (auth) HOPS_RETURN_IF_ERROR(AddAuth(headers));
    auto res = http.Send(method, target, body ? json::serialize(*body) : "", headers);
    if (!res.ok()) return res.status();
    if (res->status >= 400) return ErrorOf(*res);
    if (res->body.empty()) return json::value(nullptr);
    if (res->content_type.rfind("application/json", 0) != 0) return json::value(json::string(res->body));
    boost::system::error_code ec;
    auto v = json::parse(res->body, ec);
    if (ec) return hops::Internal("server sent invalid JSON");
    return v;
  }
  // Streams an upload from `upload` and/or a download into `download`.
  Result<hops::net::HttpResponse> Stream(const std::string& method, const std::string& target,
                                         const hops::net::HttpClient::Source* upload, uint64_t length,
                                         const hops::net::HttpClient::Sink* download,
                                         std::vector<std::pair<std::string, std::string>> headers = {}) const {
    hops::net::HttpClient http(Options());
    HOPS_RETURN_IF_ERROR(AddAuth(headers));
    auto res = http.SendStream(method, target, headers, upload, length, download);
    if (!res.ok()) return res.status();
    if (res->status >= 400) return ErrorOf(*res);
    return res;
  }
  // The server's error answer as a Status with its message, code and request id.
  static Status ErrorOf(const hops::net::HttpResponse& res) {
    boost::system::error_code ec;
    auto v = json::parse(res.body, ec);
    const json::object* e = nullptr;
    if (!ec && v.is_object())
      if (auto* inner = v.as_object().if_contains("error"); inner && inner->is_object()) e = &inner->as_object();
    auto field = [&](const char* k) {
      auto* f = e ? e->if_contains(k) : nullptr;
      return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    if (e)
      return Status(hops::Code::kInternal, field("message") + " (" + field("code") + ", HTTP " +
                                               std::to_string(res.status) + ", request " + field("request_id") + ")");
    return Status(hops::Code::kInternal, "HTTP " + std::to_string(res.status) + ": " + res.body.substr(0, 200));
  }
  // Follows next_page_token and returns all items.
  Result<json::array> All(const std::string& path, const std::string& query = "") const {
    json::array all;
    std::string token;
    for (;;) {
      std::string q = query;
      if (!token.empty()) q += (q.empty() ? "" : "&") + std::string("page_token=") + Encode(token);
      auto r = Call("GET", path + (q.empty() ? "" : "?" + q));
      if (!r.ok()) return r.status();
      for (auto& it : r->at("items").as_array()) all.push_back(it);
      auto* next = r->as_object().if_contains("next_page_token");
      if (!next || !next->is_string()) break;
      token = std::string(next->as_string());
    }
    return all;
  }
  Saved& saved() { return saved_; }
  hops::net::ClientOptions Options() const {
    hops::net::ClientOptions o;
    o.endpoint = saved_.endpoint;
    o.ca_file = saved_.ca_file;
    o.cert_file = saved_.cert_file;
    o.key_file = saved_.key_file;
    return o;
  }

 private:
  // An API key, else a session token, else the client certificate (mutual TLS) alone.
  Status AddAuth(std::vector<std::pair<std::string, std::string>>& headers) const {
    if (!saved_.api_key.empty()) headers.emplace_back("Authorization", "ApiKey " + saved_.api_key);
    else if (!saved_.token.empty()) headers.emplace_back("Authorization", "Bearer " + saved_.token);
    else if (saved_.cert_file.empty()) return hops::Unauthenticated("not logged in; run `hops login` first");
    return Status::Ok();
  }
  Saved saved_;
};

std::string Str(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "-";
  if (v.is_double()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4g", v.as_double());
    return buf;
  }
  if (v.is_array()) {
    std::string s;
    for (auto& e : v.as_array()) s += (s.empty() ? "" : ",") + Str(e);
    return s;
  }
  return json::serialize(v);
}

void PrintItems(const json::array& items, const std::vector<std::string>& cols) {
  std::vector<std::vector<std::string>> rows;
  for (auto& it : items) {
    std::vector<std::string> r;
    for (auto& c : cols) {
      auto* p = it.as_object().if_contains(c);
      r.push_back(p ? Str(*p) : "");
    }
    rows.push_back(std::move(r));
  }
  std::vector<std::string> headers;
  for (auto c : cols) {
    for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    headers.push_back(c);
  }
  std::cout << hops::cli::RenderTable(headers, rows);
}

void PrintObject(const json::value& v) {
  std::vector<std::vector<std::string>> rows;
  for (auto& kv : v.as_object()) {
    if (kv.value().is_object()) {
      for (auto& inner : kv.value().as_object())
        rows.push_back({std::string(kv.key()) + "." + std::string(inner.key()), Str(inner.value())});
    } else {
      rows.push_back({std::string(kv.key()), Str(kv.value())});
    }
  }
  std::cout << hops::cli::RenderTable({"FIELD", "VALUE"}, rows);
}

// Fetches the platform CA from an https endpoint once (without verifying the
// server: nothing is trusted yet), shows its fingerprint, asks for consent
// (or takes --trust-ca) and saves it next to the config.
Status FetchPlatformCa(Saved& s, bool trust, const std::string& expected_fp) {
  hops::net::ClientOptions o;
  o.endpoint = s.endpoint;
  o.insecure = true;
  auto r = hops::net::HttpClient(o).Send("GET", "/pki/ca.pem", "", {});
  if (!r.ok()) return r.status();
  // Exactly one certificate: what is shown is what is saved, nothing rides along.
  const std::string begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
  size_t b = r->body.find(begin), e = r->body.find(end);
  if (r->status != 200 || b == std::string::npos || e == std::string::npos ||
      r->body.find(begin, b + begin.size()) != std::string::npos)
    return hops::Unavailable("the server did not hand out exactly one CA certificate at /pki/ca.pem; use --ca-file");
  const std::string pem = r->body.substr(b, e + end.size() - b) + "\n";
  std::string fp = hops::crypto::CertFingerprint(pem);
  if (fp.empty()) return hops::Unavailable("the platform CA at /pki/ca.pem does not parse; use --ca-file");
  std::cerr << "Platform CA of " << s.endpoint << "\n  SHA-256 fingerprint " << fp
            << "\n  (hopsd prints it at start; compare before you trust it)\n";
  if (!expected_fp.empty()) {
    auto norm = [](std::string x) {
      std::string o;
      for (char c : x)
        if (c != ':') o += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return o;
    };
    if (norm(expected_fp) != norm(fp))
      return hops::InvalidArgument("the platform CA's fingerprint is " + fp + ", not the expected " + expected_fp +
                                   "; not trusting it");
    trust = true;
  }
  if (!trust) {
    if (!isatty(STDIN_FILENO))
      return hops::InvalidArgument("not trusting the platform CA without consent: pass --ca-fingerprint FP (or "
                                   "--trust-ca after checking it), or --ca-file FILE");
    std::cerr << "Trust this CA? [y/N] ";
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") return hops::InvalidArgument("the platform CA was not trusted");
  }
  fs::path dir = ConfigDir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string host;
  for (char c : s.endpoint.substr(8))
    host += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
  fs::path file = dir / ("ca-" + host + ".pem");
  std::ofstream out(file, std::ios::trunc);
  out << pem;
  if (!out) return hops::Internal("cannot write " + file.string());
  s.ca_file = file.string();
  std::cerr << "Saved the platform CA to " << file.string() << "\n";
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hops: command-line client for the Hops platform"};
  app.require_subcommand(1);
  bool as_json = false;
  std::string endpoint_flag;
  app.add_flag("--json", as_json, "print JSON instead of tables");
  app.add_option("--endpoint", endpoint_flag, "server URL, overrides the saved one");

  Client client(LoadSaved());
  std::function<Status()> action;
  auto out = [&](const json::value& v, const std::vector<std::string>& cols = {}) {
    if (as_json) {
      std::cout << json::serialize(v) << "\n";
    } else if (v.is_array()) {
      PrintItems(v.as_array(), cols);
    } else if (v.is_object()) {
      PrintObject(v);
    } else if (!v.is_null()) {
      std::cout << Str(v) << "\n";
    }
  };
  auto run = [&](Result<json::value> r, const std::vector<std::string>& cols = {}) -> Status {
    if (!r.ok()) return r.status();
    out(*r, cols);
    return Status::Ok();
  };
  auto runAll = [&](Result<json::array> r, const std::vector<std::string>& cols) -> Status {
    if (!r.ok()) return r.status();
    out(json::value(std::move(*r)), cols);
    return Status::Ok();
  };
  auto done = [&](Result<json::value> r, const std::string& msg) -> Status {
    if (!r.ok()) return r.status();
    if (as_json) std::cout << "{\"ok\":true}\n";
    else std::cout << msg << "\n";
    return Status::Ok();
  };

  // login / logout / whoami
  std::string l_user, l_password, l_key, l_ca, l_cert, l_certkey, l_ca_fp;
  bool l_password_stdin = false, l_trust_ca = false;
  auto* login = app.add_subcommand("login", "log in and save the credentials");
  login->add_option("endpoint", endpoint_flag, "server URL, e.g. http://127.0.0.1:8181");
  login->add_option("-u,--user", l_user, "username (password from --password, $HOPS_PASSWORD or a prompt)");
  login->add_option("-p,--password", l_password, "password (prefer the prompt or $HOPS_PASSWORD)");
  login->add_flag("--password-stdin", l_password_stdin, "read the password from standard input");
  login->add_option("-k,--api-key", l_key, "log in with an API key instead");
  login->add_option("--ca-file", l_ca, "PEM file of the CA to trust for https (default: fetch the platform CA once)");
  login->add_flag("--trust-ca", l_trust_ca, "accept the fetched platform CA without asking (check its fingerprint)");
  login->add_option("--ca-fingerprint", l_ca_fp, "accept the fetched platform CA only with this SHA-256 fingerprint");
  login->add_option("--cert", l_cert, "log in with a project certificate (mutual TLS): PEM certificate file");
  login->add_option("--key", l_certkey, "the PEM private key of --cert");
  login->callback([&] {
    action = [&]() -> Status {
      Saved& s = client.saved();
      const bool new_endpoint = !endpoint_flag.empty() && endpoint_flag != s.endpoint;
      if (!endpoint_flag.empty()) s.endpoint = endpoint_flag;
      if (!l_ca.empty()) {
        s.ca_file = fs::absolute(l_ca).string();
      } else if (s.endpoint.rfind("https://", 0) == 0 && (s.ca_file.empty() || new_endpoint)) {
        HOPS_RETURN_IF_ERROR(FetchPlatformCa(s, l_trust_ca, l_ca_fp));
      }
      s.token.clear();
      s.api_key.clear();
      s.cert_file.clear();
      s.key_file.clear();
      if (!l_cert.empty()) {
        if (l_certkey.empty()) return hops::InvalidArgument("--cert needs --key (the certificate's private key)");
        s.cert_file = fs::absolute(l_cert).string();
        s.key_file = fs::absolute(l_certkey).string();
        auto me = client.Call("GET", "/api/v1/users/me");
        if (!me.ok()) return me.status();
        s.username = std::string(me->at("username").as_string());
      } else if (!l_key.empty()) {
        s.api_key = l_key;
        auto me = client.Call("GET", "/api/v1/users/me");
        if (!me.ok()) return me.status();
        s.username = std::string(me->at("username").as_string());
      } else {
        if (l_user.empty()) return hops::InvalidArgument("give --user NAME or --api-key KEY");
        if (l_password.empty()) {
          if (const char* p = std::getenv("HOPS_PASSWORD")) l_password = p;
          else l_password = l_password_stdin ? ReadSecret("") : ReadSecret("password for " + l_user + ": ");
        }
        json::value body = json::object{{"username", l_user}, {"password", l_password}};
        auto r = client.Call("POST", "/api/v1/auth/login", &body, false);
        if (!r.ok()) return r.status();
        s.token = std::string(r->at("token").as_string());
        s.username = l_user;
      }
      HOPS_RETURN_IF_ERROR(Save(s));
      if (as_json) std::cout << json::serialize(json::object{{"endpoint", s.endpoint}, {"username", s.username}}) << "\n";
      else std::cout << "Logged in to " << s.endpoint << " as " << s.username << "\n";
      return Status::Ok();
    };
  });
  app.add_subcommand("logout", "end the session and forget the saved credentials")->callback([&] {
    action = [&]() -> Status {
      Saved& s = client.saved();
      if (!s.token.empty()) {  // end the saved session on the server, even when HOPS_API_KEY is set
        Saved session_only = s;
        session_only.api_key.clear();
        (void)Client(session_only).Call("POST", "/api/v1/auth/logout");
      }
      s.token.clear();
      s.api_key.clear();
      HOPS_RETURN_IF_ERROR(Save(s));
      std::cout << (as_json ? "{\"ok\":true}" : "Logged out") << "\n";
      return Status::Ok();
    };
  });
  app.add_subcommand("whoami", "show the logged-in user")->callback([&] {
    action = [&] { return run(client.Call("GET", "/api/v1/users/me")); };
  });

  // users
  auto* users = app.add_subcommand("users", "manage users (admin) and your password");
  users->require_subcommand(1);
  users->add_subcommand("list", "list users")->callback([&] {
    action = [&] { return runAll(client.All("/api/v1/users"), {"username", "email", "role", "status", "created_at"}); };
  });
  std::string u_name, u_pw, u_email, u_role = "USER";
  auto* ucreate = users->add_subcommand("create", "create a user");
  ucreate->add_option("username", u_name)->required();
  ucreate->add_option("--email", u_email)->required();
  ucreate->add_option("--password", u_pw, "initial password (else $HOPS_NEW_PASSWORD or a prompt)");
  ucreate->add_option("--role", u_role, "USER or ADMIN");
  ucreate->callback([&] {
    action = [&]() -> Status {
      if (u_pw.empty()) {
        if (const char* p = std::getenv("HOPS_NEW_PASSWORD")) u_pw = p;
        else u_pw = ReadSecret("password for " + u_name + ": ");
      }
      json::value b = json::object{{"username", u_name}, {"password", u_pw}, {"email", u_email}, {"role", u_role}};
      return run(client.Call("POST", "/api/v1/users", &b));
    };
  });
  auto* uget = users->add_subcommand("get", "show a user");
  uget->add_option("username", u_name)->required();
  uget->callback([&] { action = [&] { return run(client.Call("GET", "/api/v1/users/" + Encode(u_name))); }; });
  for (auto [verb, status] : {std::pair{"approve", "ACTIVE"}, std::pair{"unlock", "ACTIVE"},
                              std::pair{"deactivate", "DEACTIVATED"}}) {
    auto* sc = users->add_subcommand(verb, std::string(verb) + " a user (sets status " + status + ")");
    sc->add_option("username", u_name)->required();
    std::string st = status;
    sc->callback([&, st] {
      action = [&, st] {
        json::value b = json::object{{"status", st}};
        return run(client.Call("PATCH", "/api/v1/users/" + Encode(u_name), &b));
      };
    });
  }
  auto* urole = users->add_subcommand("set-role", "make a user USER or ADMIN");
  urole->add_option("username", u_name)->required();
  urole->add_option("role", u_role)->required();
  urole->callback([&] {
    action = [&] {
      json::value b = json::object{{"role", u_role}};
      return run(client.Call("PATCH", "/api/v1/users/" + Encode(u_name), &b));
    };
  });
  users->add_subcommand("password", "change your password (prompts, or $HOPS_PASSWORD/$HOPS_NEW_PASSWORD)")
      ->callback([&] {
        action = [&]() -> Status {
          const char* c = std::getenv("HOPS_PASSWORD");
          const char* n = std::getenv("HOPS_NEW_PASSWORD");
          std::string cur = c ? c : ReadSecret("current password: ");
          std::string next = n ? n : ReadSecret("new password: ");
          json::value b = json::object{{"current_password", cur}, {"new_password", next}};
          return done(client.Call("PUT", "/api/v1/users/me/password", &b), "Password changed");
        };
      });

  // apikeys
  auto* keys = app.add_subcommand("apikeys", "manage your API keys");
  keys->require_subcommand(1);
  std::string k_name;
  std::vector<std::string> k_scopes;
  keys->add_subcommand("list", "list your API keys")->callback([&] {
    action = [&] { return runAll(client.All("/api/v1/users/me/apikeys"), {"name", "prefix", "scopes", "created_at"}); };
  });
  auto* kcreate = keys->add_subcommand("create", "create an API key (printed once)");
  kcreate->add_option("name", k_name)->required();
  kcreate->add_option("-s,--scope", k_scopes, "scope (repeat), e.g. PROJECT")->required();
  kcreate->callback([&] {
    action = [&] {
      json::array sc;
      for (auto& s : k_scopes) sc.emplace_back(s);
      json::value b = json::object{{"name", k_name}, {"scopes", sc}};
      return run(client.Call("POST", "/api/v1/users/me/apikeys", &b));
    };
  });
  auto* krevoke = keys->add_subcommand("revoke", "revoke an API key");
  krevoke->add_option("name", k_name)->required();
  krevoke->callback([&] {
    action = [&] { return done(client.Call("DELETE", "/api/v1/users/me/apikeys/" + Encode(k_name)), "Revoked " + k_name); };
  });

  // projects
  auto* projects = app.add_subcommand("projects", "manage projects");
  projects->require_subcommand(1);
  std::string p_name, p_desc;
  const std::vector<std::string> pcols = {"name", "owner", "role", "description", "created_at"};
  projects->add_subcommand("list", "list your projects")->callback([&] {
    action = [&] { return runAll(client.All("/api/v1/projects"), pcols); };
  });
  auto* pcreate = projects->add_subcommand("create", "create a project");
  pcreate->add_option("name", p_name)->required();
  pcreate->add_option("-d,--description", p_desc);
  pcreate->callback([&] {
    action = [&] {
      json::value b = json::object{{"name", p_name}, {"description", p_desc}};
      return run(client.Call("POST", "/api/v1/projects", &b));
    };
  });
  auto* pshow = projects->add_subcommand("show", "show a project");
  pshow->add_option("name", p_name)->required();
  pshow->callback([&] { action = [&] { return run(client.Call("GET", "/api/v1/projects/" + Encode(p_name))); }; });
  auto* pupdate = projects->add_subcommand("update", "change a project's description");
  pupdate->add_option("name", p_name)->required();
  pupdate->add_option("-d,--description", p_desc)->required();
  pupdate->callback([&] {
    action = [&] {
      json::value b = json::object{{"description", p_desc}};
      return run(client.Call("PATCH", "/api/v1/projects/" + Encode(p_name), &b));
    };
  });
  auto* pdelete = projects->add_subcommand("delete", "delete a project and everything it owns");
  pdelete->add_option("name", p_name)->required();
  pdelete->callback([&] {
    action = [&] { return done(client.Call("DELETE", "/api/v1/projects/" + Encode(p_name)), "Deleted " + p_name); };
  });

  // members
  auto* members = app.add_subcommand("members", "manage project members");
  members->require_subcommand(1);
  std::string m_project, m_user, m_role = "DATA_SCIENTIST";
  auto* mlist = members->add_subcommand("list", "list a project's members");
  mlist->add_option("project", m_project)->required();
  mlist->callback([&] {
    action = [&] {
      return runAll(client.All("/api/v1/projects/" + Encode(m_project) + "/members"), {"username", "role", "added_at"});
    };
  });
  auto* madd = members->add_subcommand("add", "add a member");
  madd->add_option("project", m_project)->required();
  madd->add_option("username", m_user)->required();
  madd->add_option("-r,--role", m_role, "DATA_OWNER or DATA_SCIENTIST");
  madd->callback([&] {
    action = [&] {
      json::value b = json::object{{"username", m_user}, {"role", m_role}};
      return run(client.Call("POST", "/api/v1/projects/" + Encode(m_project) + "/members", &b));
    };
  });
  auto* mupdate = members->add_subcommand("update", "change a member's role");
  mupdate->add_option("project", m_project)->required();
  mupdate->add_option("username", m_user)->required();
  mupdate->add_option("-r,--role", m_role)->required();
  mupdate->callback([&] {
    action = [&] {
      json::value b = json::object{{"role", m_role}};
      return run(client.Call("PATCH", "/api/v1/projects/" + Encode(m_project) + "/members/" + Encode(m_user), &b));
    };
  });
  auto* mremove = members->add_subcommand("remove", "remove a member");
  mremove->add_option("project", m_project)->required();
  mremove->add_option("username", m_user)->required();
  mremove->callback([&] {
    action = [&] {
      return done(client.Call("DELETE", "/api/v1/projects/" + Encode(m_project) + "/members/" + Encode(m_user)),
                  "Removed " + m_user + " from " + m_project);
    };
  });

  // quotas
  auto* quotas = app.add_subcommand("quotas", "show or set project quotas");
  quotas->require_subcommand(1);
  std::string q_project;
  std::optional<int64_t> q_storage, q_ns, q_cpu, q_gpu;
  auto* qshow = quotas->add_subcommand("show", "show limits and usage");
  qshow->add_option("project", q_project)->required();
  auto show_quotas = [&](Result<json::value> r) -> Status {
    if (!r.ok()) return r.status();
    if (as_json) return out(*r), Status::Ok();
    std::vector<std::vector<std::string>> rows;
    for (auto& kv : r->as_object()) {
      auto lim = kv.value().at("limit").to_number<double>();
      rows.push_back({std::string(kv.key()), lim < 0 ? "unlimited" : Str(kv.value().at("limit")),
                      Str(kv.value().at("used"))});
    }
    std::cout << hops::cli::RenderTable({"QUOTA", "LIMIT", "USED"}, rows);
    return Status::Ok();
  };
  qshow->callback([&] {
    action = [&] { return show_quotas(client.Call("GET", "/api/v1/projects/" + Encode(q_project) + "/quotas")); };
  });
  auto* qset = quotas->add_subcommand("set", "set limits (admin); -1 is unlimited");
  qset->add_option("project", q_project)->required();
  qset->add_option("--storage-bytes", q_storage);
  qset->add_option("--namespace-entries", q_ns);
  qset->add_option("--cpu-hours", q_cpu);
  qset->add_option("--gpu-hours", q_gpu);
  qset->callback([&] {
    action = [&] {
      json::object b;
      if (q_storage) b["storage_bytes"] = *q_storage;
      if (q_ns) b["namespace_entries"] = *q_ns;
      if (q_cpu) b["cpu_hours"] = *q_cpu;
      if (q_gpu) b["gpu_hours"] = *q_gpu;
      json::value v = b;
      return show_quotas(client.Call("PUT", "/api/v1/projects/" + Encode(q_project) + "/quotas", &v));
    };
  });

  // admin audit
  auto* admin = app.add_subcommand("admin", "platform administration");
  admin->require_subcommand(1);
  admin->add_subcommand("rotate-signing-key", "sign new session tokens with a fresh key (sessions stay valid)")
      ->callback([&] { action = [&] { return run(client.Call("POST", "/api/v1/admin/signing-keys/rotate")); }; });
  auto* audit = admin->add_subcommand("audit", "query and verify the audit log");
  audit->require_subcommand(1);
  std::string a_from, a_to, a_user, a_project, a_action, a_outcome;
  int a_limit = 50;
  auto* alist = audit->add_subcommand("list", "show audit records, newest first");
  alist->add_option("--from", a_from, "RFC 3339 time");
  alist->add_option("--to", a_to, "RFC 3339 time");
  alist->add_option("--user", a_user);
  alist->add_option("--project", a_project);
  alist->add_option("--action", a_action, "e.g. project.create");
  alist->add_option("--outcome", a_outcome, "OK or an error code");
  alist->add_option("--limit", a_limit, "records to show (1-1000)");
  alist->callback([&] {
    action = [&]() -> Status {
      std::string q = "limit=" + std::to_string(a_limit);
      for (auto [k, v] : {std::pair{"from", &a_from}, std::pair{"to", &a_to}, std::pair{"user", &a_user},
                          std::pair{"project", &a_project}, std::pair{"action", &a_action},
                          std::pair{"outcome", &a_outcome}})
        if (!v->empty()) q += std::string("&") + k + "=" + Encode(*v);
      auto r = client.Call("GET", "/api/v1/admin/audit?" + q);
      if (!r.ok()) return r.status();
      out(r->at("items"), {"seq", "time", "user", "auth", "method", "route", "target", "outcome", "status"});
      return Status::Ok();
    };
  });
  audit->add_subcommand("verify", "check the audit hash chain")->callback([&] {
    action = [&]() -> Status {
      auto r = client.Call("GET", "/api/v1/admin/audit/verify");
      if (!r.ok()) return r.status();
      out(*r);
      if (!r->at("ok").as_bool()) return Status(hops::Code::kConflict, "audit log verification FAILED");
      return Status::Ok();
    };
  });

  // fs: HopsFS files. Remote paths are <project>/<dataset>/...; a dataset
  // shared with the project is <project>/<owner project>::<dataset>/...
  auto* fsc = app.add_subcommand("fs", "files and datasets in HopsFS (paths: <project>/<dataset>/...)");
  fsc->require_subcommand(1);
  struct Remote {
    std::string project, rel;  // rel: path inside the project, may be empty
  };
  auto remote = [](const std::string& arg) -> Result<Remote> {
    std::string a = arg;
    while (!a.empty() && a.front() == '/') a.erase(0, 1);
    if (a.rfind("Projects/", 0) == 0) a = a.substr(9);
    auto slash = a.find('/');
    Remote r{a.substr(0, slash), slash == std::string::npos ? "" : a.substr(slash + 1)};
    while (!r.rel.empty() && r.rel.back() == '/') r.rel.pop_back();
    if (r.project.empty()) return hops::InvalidArgument("remote paths look like <project>/<dataset>/<path>, got '" + arg + "'");
    return r;
  };
  auto url_of = [](const Remote& r) {
    std::string u = "/api/v1/projects/" + Encode(r.project) + "/datasets";
    size_t i = 0;
    while (i <= r.rel.size() && !r.rel.empty()) {
      size_t j = r.rel.find('/', i);
      if (j == std::string::npos) j = r.rel.size();
      u += "/" + Encode(r.rel.substr(i, j - i));
      i = j + 1;
    }
    return u;
  };
  auto need_rel = [](const Remote& r) -> Status {
    if (r.rel.empty()) return hops::InvalidArgument("name a dataset or a file: <project>/<dataset>/...");
    return Status::Ok();
  };
  std::string f_path, f_path2, f_local, f_mode, f_perm = "READ_ONLY", f_set, f_remove;
  bool f_recursive = false, f_overwrite = false, f_editable = false;
  const std::vector<std::string> file_cols = {"name", "type", "size", "permission", "owner", "group", "modification_time"};

  auto* fls = fsc->add_subcommand("ls", "list a directory (or a project's datasets)");
  fls->add_option("path", f_path, "<project>[/<path>]")->required();
  fls->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      auto items = r.rel.empty() ? client.All(url_of(r)) : client.All(url_of(r), "action=list&limit=1000");
      if (items.ok() && !as_json) {
        // Tables show times as RFC 3339; --json keeps the milliseconds.
        for (auto& it : *items)
          if (auto* m = it.as_object().if_contains("modification_time"); m && m->is_int64())
            *m = hops::FormatRfc3339(m->as_int64() * 1000);
      }
      return runAll(std::move(items), file_cols);
    };
  });
  auto* fstat = fsc->add_subcommand("stat", "show a file's or directory's status");
  fstat->add_option("path", f_path)->required();
  fstat->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      return run(client.Call("GET", url_of(r)));
    };
  });
  auto* fmkdir = fsc->add_subcommand("mkdir", "create a directory and its missing parents");
  fmkdir->add_option("path", f_path)->required();
  fmkdir->add_option("-m,--mode", f_mode, "octal permission, e.g. 750");
  fmkdir->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      json::value body = json::object{};
      if (!f_mode.empty()) body.as_object()["permission"] = f_mode;
      return done(client.Call("POST", url_of(r) + "?action=mkdirs", &body), "created " + f_path);
    };
  });
  auto* fput = fsc->add_subcommand("put", "upload a local file (streamed)");
  fput->add_option("local", f_local)->required();
  fput->add_option("remote", f_path, "<project>/<dataset>/<path>; a trailing / keeps the local name")->required();
  fput->add_flag("-f,--overwrite", f_overwrite, "replace an existing file");
  fput->callback([&] {
    action = [&]() -> Status {
      std::string target = f_path;
      if (!target.empty() && target.back() == '/') target += fs::path(f_local).filename().string();
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(target));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      std::ifstream in(f_local, std::ios::binary);
      std::error_code ec;
      auto size = fs::file_size(f_local, ec);
      if (!in || ec) return hops::NotFound("cannot read " + f_local);
      hops::net::HttpClient::Source src = [&](char* buf, size_t n) -> Result<size_t> {
        in.read(buf, static_cast<std::streamsize>(n));
        if (in.bad()) return hops::Unavailable("reading " + f_local + " failed");
        return static_cast<size_t>(in.gcount());
      };
      auto res = client.Stream("PUT", url_of(r) + (f_overwrite ? "?overwrite=true" : ""), &src, size, nullptr);
      if (!res.ok()) return res.status();
      boost::system::error_code jec;
      auto v = json::parse(res->body, jec);
      if (jec) return hops::Internal("server sent invalid JSON");
      if (as_json) std::cout << json::serialize(v) << "\n";
      else std::cout << "uploaded " << size << " bytes to " << target << "\n";
      return Status::Ok();
    };
  });
  auto download = [&](const std::string& remote_arg, std::ostream& os) -> Status {
    HOPS_ASSIGN_OR_RETURN(Remote r, remote(remote_arg));
    HOPS_RETURN_IF_ERROR(need_rel(r));
    hops::net::HttpClient::Sink sink = [&](std::string_view b) -> Status {
      os.write(b.data(), static_cast<std::streamsize>(b.size()));
      if (!os) return hops::Unavailable("writing the local copy failed");
      return Status::Ok();
    };
    return client.Stream("GET", url_of(r) + "?action=download", nullptr, 0, &sink).status();
  };
  auto* fget = fsc->add_subcommand("get", "download a file (streamed); LOCAL defaults to its name, - is stdout");
  fget->add_option("remote", f_path)->required();
  fget->add_option("local", f_local);
  fget->add_flag("-f,--overwrite", f_overwrite, "replace an existing local file");
  fget->callback([&] {
    action = [&]() -> Status {
      if (f_local == "-") return download(f_path, std::cout);
      std::string local = f_local.empty() ? fs::path(f_path).filename().string() : f_local;
      if (fs::is_directory(local)) local = (fs::path(local) / fs::path(f_path).filename()).string();
      if (fs::exists(local) && !f_overwrite) return hops::AlreadyExists(local + " exists; pass --overwrite");
      std::string tmp = local + ".hops-partial";
      {
        std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
        if (!os) return hops::Unavailable("cannot write " + tmp);
        Status st = download(f_path, os);
        if (!st.ok()) {
          os.close();
          std::error_code ec;
          fs::remove(tmp, ec);
          return st;
        }
      }
      std::error_code ec;
      fs::rename(tmp, local, ec);
      if (ec) return hops::Unavailable("cannot write " + local + ": " + ec.message());
      if (!as_json) std::cout << "downloaded " << fs::file_size(local) << " bytes to " << local << "\n";
      else std::cout << "{\"ok\":true}\n";
      return Status::Ok();
    };
  });
  auto* fcat = fsc->add_subcommand("cat", "print a file");
  fcat->add_option("path", f_path)->required();
  fcat->callback([&] { action = [&]() -> Status { return download(f_path, std::cout); }; });
  for (auto [verb, what] : {std::pair{"mv", "move or rename inside a project"}, std::pair{"cp", "copy inside a project"}}) {
    auto* sc = fsc->add_subcommand(verb, what);
    sc->add_option("src", f_path)->required();
    sc->add_option("dst", f_path2, "<project>/<path> (the same project)")->required();
    if (std::string(verb) == "cp") sc->add_flag("-f,--overwrite", f_overwrite, "replace existing files");
    std::string v = verb;
    sc->callback([&, v] {
      action = [&, v]() -> Status {
        HOPS_ASSIGN_OR_RETURN(Remote a, remote(f_path));
        HOPS_ASSIGN_OR_RETURN(Remote b, remote(f_path2));
        HOPS_RETURN_IF_ERROR(need_rel(a));
        HOPS_RETURN_IF_ERROR(need_rel(b));
        if (a.project != b.project) return hops::InvalidArgument("both paths must be in the same project");
        json::value body = json::object{{"destination", b.rel}};
        if (v == "cp" && f_overwrite) body.as_object()["overwrite"] = "true";
        return done(client.Call("POST", url_of(a) + (v == "mv" ? "?action=move" : "?action=copy"), &body),
                    (v == "mv" ? "moved " : "copied ") + f_path + " to " + f_path2);
      };
    });
  }
  auto* frm = fsc->add_subcommand("rm", "delete a file or directory");
  frm->add_option("path", f_path)->required();
  frm->add_flag("-r,--recursive", f_recursive, "delete a directory and everything in it");
  frm->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      return done(client.Call("DELETE", url_of(r) + (f_recursive ? "?recursive=true" : "")), "deleted " + f_path);
    };
  });
  auto* fdu = fsc->add_subcommand("du", "files, directories, bytes and quotas under a path");
  fdu->add_option("path", f_path)->required();
  fdu->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      return run(client.Call("GET", url_of(r) + "?action=summary"));
    };
  });
  auto* fsum = fsc->add_subcommand("checksum", "the XXH3-128 checksum of a file's content");
  fsum->add_option("path", f_path)->required();
  fsum->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      return run(client.Call("GET", url_of(r) + "?action=checksum"));
    };
  });
  auto* fchmod = fsc->add_subcommand("chmod", "set a permission, e.g. chmod 770 demo/Models");
  fchmod->add_option("mode", f_mode)->required();
  fchmod->add_option("path", f_path)->required();
  fchmod->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      json::value body = json::object{{"permission", f_mode}};
      return done(client.Call("PATCH", url_of(r), &body), "mode of " + f_path + " is now " + f_mode);
    };
  });
  auto* fx = fsc->add_subcommand("xattr", "list, set (--set user.k=v) or remove (--remove user.k) extended attributes");
  fx->add_option("path", f_path)->required();
  fx->add_option("--set", f_set, "NAME=VALUE");
  fx->add_option("--remove", f_remove, "NAME");
  fx->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      if (!f_set.empty()) {
        auto eq = f_set.find('=');
        if (eq == std::string::npos) return hops::InvalidArgument("--set takes NAME=VALUE");
        json::value body = json::object{{"name", f_set.substr(0, eq)}, {"value", f_set.substr(eq + 1)}};
        return done(client.Call("POST", url_of(r) + "?action=set_xattr", &body), "set " + f_set.substr(0, eq));
      }
      if (!f_remove.empty()) {
        json::value body = json::object{{"name", f_remove}};
        return done(client.Call("POST", url_of(r) + "?action=remove_xattr", &body), "removed " + f_remove);
      }
      auto res = client.Call("GET", url_of(r) + "?action=xattrs");
      if (!res.ok()) return res.status();
      if (as_json) return run(res->at("xattrs"));
      json::array items;
      for (auto& kv : res->at("xattrs").as_object())
        items.push_back(json::object{{"name", kv.key()}, {"value", kv.value()}});
      out(items, {"name", "value"});
      return Status::Ok();
    };
  });
  auto* fshare = fsc->add_subcommand("share", "share a dataset with another project (its Data Owner accepts)");
  fshare->add_option("dataset", f_path, "<project>/<dataset>")->required();
  fshare->add_option("target", f_path2, "the project to share with")->required();
  fshare->add_flag("--editable", f_editable, "let the target project write (default: read-only)");
  fshare->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      json::value body = json::object{{"dataset", r.rel}, {"project", f_path2},
                                      {"permission", f_editable ? "EDITABLE" : "READ_ONLY"}};
      return run(client.Call("POST", "/api/v1/projects/" + Encode(r.project) + "/shares", &body));
    };
  });
  auto* faccept = fsc->add_subcommand("accept", "accept a dataset shared with your project");
  faccept->add_option("project", f_path2, "your project")->required();
  faccept->add_option("dataset", f_path, "<owner project>/<dataset>")->required();
  faccept->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      return run(client.Call("POST", "/api/v1/projects/" + Encode(f_path2) + "/shares/" + Encode(r.project) + "/" +
                                        Encode(r.rel) + "/accept"));
    };
  });
  auto* funshare = fsc->add_subcommand("unshare", "end a share, from either side");
  funshare->add_option("dataset", f_path, "<project>/<dataset>")->required();
  funshare->add_option("other", f_path2, "the other project")->required();
  funshare->callback([&] {
    action = [&]() -> Status {
      HOPS_ASSIGN_OR_RETURN(Remote r, remote(f_path));
      HOPS_RETURN_IF_ERROR(need_rel(r));
      return done(client.Call("DELETE", "/api/v1/projects/" + Encode(r.project) + "/shares/" + Encode(f_path2) + "/" +
                                            Encode(r.rel)),
                  "unshared " + r.rel);
    };
  });
  auto* fshares = fsc->add_subcommand("shares", "datasets a project shares and receives");
  fshares->add_option("project", f_path)->required();
  fshares->callback([&] {
    action = [&]() -> Status {
      return runAll(client.All("/api/v1/projects/" + Encode(f_path) + "/shares"),
                    {"project", "dataset", "target_project", "permission", "accepted"});
    };
  });
  // admin fsck / gc
  bool a_repair = false, a_verify = false;
  auto* afsck = admin->add_subcommand("fsck", "check HopsFS: namespace, blocks and usage");
  afsck->add_flag("--repair", a_repair, "fix what is found (orphans, broken files, usage counters)");
  afsck->add_flag("--verify", a_verify, "also read every block and check its checksums");
  afsck->callback([&] {
    action = [&]() -> Status {
      std::string q = std::string("?repair=") + (a_repair ? "true" : "false") + "&verify=" + (a_verify ? "true" : "false");
      auto r = client.Call("POST", "/api/v1/admin/fsck" + q);
      if (!r.ok()) return r.status();
      out(*r);
      if (!r->at("healthy").as_bool() && !a_repair) return Status(hops::Code::kConflict, "HopsFS is not healthy");
      return Status::Ok();
    };
  });
  admin->add_subcommand("gc", "run the HopsFS block collector now")->callback([&] {
    action = [&] { return run(client.Call("POST", "/api/v1/admin/fs/gc")); };
  });

  // ---- cert: project-member and service certificates
  auto* cert = app.add_subcommand("cert", "project certificates for mutual TLS (member and service)");
  cert->require_subcommand(1);
  std::string c_project, c_serial, c_out = ".", c_password, c_purpose, c_for, c_reason;
  int c_hours = 0;
  bool c_all = false;
  // Writes what a bundle answer holds: key (0600), certificate, chain and, for members, the PKCS#12 file.
  auto save_bundle = [&](const json::value& b) -> Status {
    fs::path dir = c_out;
    std::error_code ec;
    fs::create_directories(dir, ec);
    auto write = [&](const std::string& name, const std::string& data, bool secret) -> Status {
      fs::path f = dir / name;
      mode_t old = umask(secret ? 077 : 022);
      std::ofstream o(f, std::ios::binary | std::ios::trunc);
      o << data;
      umask(old);
      if (secret) ::chmod(f.c_str(), 0600);
      if (!o) return hops::Internal("cannot write " + f.string());
      return Status::Ok();
    };
    auto& o = b.as_object();
    HOPS_RETURN_IF_ERROR(write("key.pem", std::string(o.at("key_pem").as_string()), true));
    HOPS_RETURN_IF_ERROR(write("cert.pem", std::string(o.at("certificate_pem").as_string()), false));
    HOPS_RETURN_IF_ERROR(write("chain.pem", std::string(o.at("chain_pem").as_string()), false));
    if (auto* p12 = o.if_contains("pkcs12_base64"); p12 && p12->is_string()) {
      std::string text(p12->as_string()), raw;
      for (auto& ch : text) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
      while (!text.empty() && text.back() == '=') text.pop_back();
      if (!hops::crypto::Base64UrlDecode(text, &raw)) return hops::Internal("the server sent a malformed PKCS#12 file");
      HOPS_RETURN_IF_ERROR(write("bundle.p12", raw, true));
    }
    json::object shown{{"serial", o.at("serial")}, {"subject", o.at("subject")}, {"not_after", o.at("not_after")},
                       {"directory", fs::absolute(dir).string()}};
    out(shown);
    return Status::Ok();
  };
  auto certs_of = [&](const std::string& project) { return "/api/v1/projects/" + Encode(project) + "/certificates"; };
  auto* cls = cert->add_subcommand("ls", "list the project's certificates (all for Data Owners)");
  cls->alias("list");
  cls->add_option("project", c_project)->required();
  cls->add_flag("--all", c_all, "include revoked certificates");
  cls->callback([&] {
    action = [&]() -> Status {
      auto r = client.Call("GET", certs_of(c_project) + (c_all ? "?include_revoked=true" : ""));
      if (!r.ok()) return r.status();
      out(r->at("items"), {"serial", "kind", "username", "purpose", "not_after", "status"});
      return Status::Ok();
    };
  });
  auto* cshow = cert->add_subcommand("show", "your member certificate in a project");
  cshow->add_option("project", c_project)->required();
  cshow->callback([&] { action = [&] { return run(client.Call("GET", certs_of(c_project) + "/me")); }; });
  auto* cbundle = cert->add_subcommand("bundle", "download your member bundle: key.pem, cert.pem, chain.pem, bundle.p12");
  cbundle->add_option("project", c_project)->required();
  cbundle->add_option("-o,--out", c_out, "directory to write into (default: .)");
  cbundle->add_option("--password", c_password, "PKCS#12 password (else $HOPS_BUNDLE_PASSWORD or a prompt)");
  cbundle->callback([&] {
    action = [&]() -> Status {
      if (c_password.empty()) {
        if (const char* p = std::getenv("HOPS_BUNDLE_PASSWORD")) c_password = p;
        else c_password = ReadSecret("password for bundle.p12: ");
      }
      json::value body = json::object{{"password", c_password}};
      auto r = client.Call("POST", certs_of(c_project) + "/me/bundle", &body);
      if (!r.ok()) return r.status();
      return save_bundle(*r);
    };
  });
  auto* crot = cert->add_subcommand("rotate", "revoke your member certificate and get a new one");
  crot->add_option("project", c_project)->required();
  crot->callback([&] { action = [&] { return run(client.Call("POST", certs_of(c_project) + "/me/rotate")); }; });
  auto* csvc = cert->add_subcommand("service", "a short-lived certificate for a job or service (key.pem, cert.pem, chain.pem)");
  csvc->add_option("project", c_project)->required();
  csvc->add_option("--hours", c_hours, "lifetime in hours (server default 4)");
  csvc->add_option("--purpose", c_purpose, "what it is for, e.g. a job name");
  csvc->add_option("--for", c_for, "another member (Data Owners only)");
  csvc->add_option("-o,--out", c_out, "directory to write into (default: .)");
  csvc->callback([&] {
    action = [&]() -> Status {
      json::object body;
      if (c_hours) body["hours"] = c_hours;
      if (!c_purpose.empty()) body["purpose"] = c_purpose;
      if (!c_for.empty()) body["username"] = c_for;
      json::value v = body;
      auto r = client.Call("POST", certs_of(c_project) + "/service", &v);
      if (!r.ok()) return r.status();
      return save_bundle(*r);
    };
  });
  auto* cren = cert->add_subcommand("renew", "renew a service certificate before it expires (a new key)");
  cren->add_option("project", c_project)->required();
  cren->add_option("serial", c_serial)->required();
  cren->add_option("--hours", c_hours, "lifetime in hours");
  cren->add_option("-o,--out", c_out, "directory to write into (default: .)");
  cren->callback([&] {
    action = [&]() -> Status {
      json::object body;
      if (c_hours) body["hours"] = c_hours;
      json::value v = body;
      auto r = client.Call("POST", certs_of(c_project) + "/" + Encode(c_serial) + "/renew", &v);
      if (!r.ok()) return r.status();
      return save_bundle(*r);
    };
  });
  auto* crev = cert->add_subcommand("revoke", "revoke a certificate (yours, or any as a Data Owner)");
  crev->add_option("project", c_project)->required();
  crev->add_option("serial", c_serial)->required();
  crev->add_option("--reason", c_reason, "key_compromise, superseded, affiliation_changed, cessation_of_operation");
  crev->callback([&] {
    action = [&] {
      return run(client.Call("DELETE", certs_of(c_project) + "/" + Encode(c_serial) +
                                           (c_reason.empty() ? "" : "?reason=" + Encode(c_reason))));
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!endpoint_flag.empty()) client.saved().endpoint = endpoint_flag;
  if (!action) return 0;
  Status st;
  try {
    st = action();
  } catch (const std::exception& e) {  // e.g. a proxy answering with an unexpected body
    st = hops::Internal(std::string("unexpected response from the server: ") + e.what());
  }
  if (!st.ok()) {
    std::cerr << "hops: " << st.message() << "\n";
    return 1;
  }
  return 0;
}
