// The WebHDFS-compatible endpoint: /webhdfs/v1/<path>?op=..., with WebHDFS's
// JSON shapes, RemoteException errors and the two-step 307 redirect for
// CREATE, APPEND and OPEN, so stock WebHDFS clients work against HopsFS.
#include <boost/json.hpp>
#include <charconv>

#include "api/app.h"
#include "core/crypto.h"
#include "core/json.h"
#include "fs/path.h"

namespace hops::api {
using platform::Scope;
namespace json = boost::json;

net::HttpResponse WebHdfsError(const Status& st, const std::string& request_id) {
  const char* exc = "IOException";
  const char* cls = "java.io.IOException";
  int status = 403;
  switch (st.code()) {
    case Code::kNotFound:
      exc = "FileNotFoundException", cls = "java.io.FileNotFoundException", status = 404;
      break;
    case Code::kAlreadyExists:
      exc = "FileAlreadyExistsException", cls = "org.apache.hadoop.fs.FileAlreadyExistsException";
      break;
    case Code::kPermissionDenied:
      exc = "AccessControlException", cls = "org.apache.hadoop.security.AccessControlException";
      break;
    case Code::kUnauthenticated:
      exc = "SecurityException", cls = "java.lang.SecurityException", status = 401;
      break;
    case Code::kBadRequest:
    case Code::kInvalidArgument:
      exc = "IllegalArgumentException", cls = "java.lang.IllegalArgumentException", status = 400;
      break;
    case Code::kUnsupportedMediaType:
      exc = "UnsupportedOperationException", cls = "java.lang.UnsupportedOperationException", status = 400;
      break;
    case Code::kQuotaExceeded:
      exc = "QuotaExceededException", cls = "org.apache.hadoop.hdfs.protocol.QuotaExceededException";
      break;
    case Code::kTooManyRequests:
      status = 429;
      break;
    case Code::kInsufficientStorage:
      status = 507;
      break;
    case Code::kUnavailable:
      exc = "RetriableException", cls = "org.apache.hadoop.ipc.RetriableException", status = 503;
      break;
    case Code::kInternal:
      exc = "RuntimeException", cls = "java.lang.RuntimeException", status = 500;
      break;
    default:
      break;
  }
  net::HttpResponse r;
  r.status = status;
  r.body = json::serialize(json::object{
      {"RemoteException", json::object{{"exception", exc}, {"javaClassName", cls}, {"message", st.message()}}}});
  r.headers.emplace_back("X-Hops-Error-Code", CodeName(st.code()));
  if (st.retry_after_s() > 0) r.headers.emplace_back("Retry-After", std::to_string(st.retry_after_s()));
  (void)request_id;
  return r;
}

namespace {

json::object StatusJson(const fs::FileStatus& st, const std::string& suffix) {
  const fs::Inode& n = st.inode;
  char perm[8];
  std::snprintf(perm, sizeof perm, "%o", n.perm & 07777);
  return {{"accessTime", n.atime_ms},
          {"blockSize", n.dir ? 0 : n.block_size},
          {"childrenNum", n.dir ? n.children : 0},
          {"fileId", n.id},
          {"group", n.group},
          {"length", n.dir ? 0 : n.size},
          {"modificationTime", n.mtime_ms},
          {"owner", n.owner},
          {"pathSuffix", suffix},
          {"permission", perm},
          {"replication", n.dir ? 0 : n.replication},
          {"storagePolicy", 0},
          {"type", n.dir ? "DIRECTORY" : "FILE"}};
}

Result<int64_t> Num(const Call& c, const char* name, int64_t dflt, int64_t min) {
  auto v = c.Query(name);
  if (!v) return dflt;
  int64_t x = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || p != v->data() + v->size() || x < min)
    return BadRequest(std::string("Invalid value for webhdfs parameter \"") + name + "\": " + v->substr(0, 40));
  return x;
}

// The permission parameter, or -1 when absent.
Result<int> Perm(const Call& c) {
  auto v = c.Query("permission");
  if (!v) return -1;
  return ParseMode(*v);
}

Reply Bool(bool b) { return Reply::Json(json::object{{"boolean", b}}); }

Reply Empty(int status = 200) {
  Reply r;
  r.status = status;
  r.raw = "";
  return r;
}

std::string Upper(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// Step one of CREATE, APPEND and OPEN: send the client to the data URL,
// which is this server again with data=true (where WebHDFS has a datanode).
Reply Redirect(Call& c, bool noredirect) {
  std::string host(c.http.Header("host"));
  if (host.empty()) host = "localhost";
  std::string location = std::string(c.http.tls ? "https://" : "http://") + host + c.http.target + "&data=true";
  if (noredirect) return Reply::Json(json::object{{"Location", location}});
  Reply r = Empty(307);
  r.headers.emplace_back("Location", location);
  return r;
}

std::string EncodeXattr(const std::string& v, const std::string& enc) {
  if (enc == "HEX") return "0x" + crypto::Hex(v);
  if (enc == "BASE64") {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out = "0s";
    size_t i = 0;
    for (; i + 2 < v.size(); i += 3) {
      uint32_t n = (uint8_t(v[i]) << 16) | (uint8_t(v[i + 1]) << 8) | uint8_t(v[i + 2]);
      for (int s = 18; s >= 0; s -= 6) out += k[(n >> s) & 63];
    }
    if (i + 1 == v.size()) {
      uint32_t n = uint8_t(v[i]) << 16;
      out += k[(n >> 18) & 63];
      out += k[(n >> 12) & 63];
      out += "==";
    } else if (i + 2 == v.size()) {
      uint32_t n = (uint8_t(v[i]) << 16) | (uint8_t(v[i + 1]) << 8);
      out += k[(n >> 18) & 63];
      out += k[(n >> 12) & 63];
      out += k[(n >> 6) & 63];
      out += '=';
    }
    return out;
  }
  return "\"" + v + "\"";
}

Result<std::string> DecodeXattrValue(const std::string& v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  if (v.rfind("0x", 0) == 0 || v.rfind("0X", 0) == 0) {
    std::string out;
    if (v.size() % 2) return BadRequest("xattr.value: odd number of hex digits");
    for (size_t i = 2; i < v.size(); i += 2) {
      unsigned x = 0;
      auto [p, ec] = std::from_chars(v.data() + i, v.data() + i + 2, x, 16);
      if (ec != std::errc() || p != v.data() + i + 2) return BadRequest("xattr.value: bad hex digits");
      out += static_cast<char>(x);
    }
    return out;
  }
  return v;  // plain text
}

Result<Reply> Handle(Services& s, Call& c, const std::string& method) {
  auto op_q = c.Query("op");
  if (!op_q) return BadRequest("the op parameter is required, e.g. ?op=LISTSTATUS");
  const std::string op = Upper(*op_q);
  c.ctx.req.action = "webhdfs." + op;
  fs::Caller caller{c.ctx, "webhdfs", std::string(c.http.Header("x-hops-app-id")).substr(0, 128)};
  if (!IsValidUtf8(caller.app_id)) caller.app_id.clear();
  std::string raw = c.path.count("path") ? "/" + c.Param("path") : "/";
  HOPS_ASSIGN_OR_RETURN(fs::Path p, fs::ParsePath(raw));
  std::string abs = fs::JoinPath(p);
  const bool data = c.Query("data").has_value();
  auto wrong_method = [&](const char* want) {
    return BadRequest("op=" + op + " needs HTTP " + want + ", not " + method);
  };

  if (op == "GETFILESTATUS") {
    if (method != "GET") return wrong_method("GET");
    HOPS_ASSIGN_OR_RETURN(auto st, s.fs.Stat(caller, p));
    return Reply::Json(json::object{{"FileStatus", StatusJson(st, "")}});
  }
  if (op == "LISTSTATUS" || op == "LISTSTATUS_BATCH") {
    if (method != "GET") return wrong_method("GET");
    services::PageRequest page;
    page.limit = op == "LISTSTATUS" ? 1000 : 1000;
    if (auto a = c.Query("startAfter")) page.after = *a;
    json::array all;
    bool more = false;
    for (;;) {
      HOPS_ASSIGN_OR_RETURN(auto res, s.fs.List(caller, p, page));
      for (auto& st : res.items) all.push_back(StatusJson(st, st.listed_self ? "" : st.name));
      if (res.next_page_token.empty() || res.items.empty()) break;
      if (op == "LISTSTATUS_BATCH") {
        more = true;
        break;
      }
      if (all.size() >= 100000)
        return BadRequest("the directory has more than 100,000 entries; use op=LISTSTATUS_BATCH with startAfter");
      page.after = res.items.back().name;
    }
    int64_t remaining = 0;
    if (more && !all.empty()) {
      std::string last(all.back().as_object().at("pathSuffix").as_string());
      HOPS_ASSIGN_OR_RETURN(remaining, s.fs.CountAfter(caller, p, last));
    }
    json::object fss{{"FileStatuses", json::object{{"FileStatus", std::move(all)}}}};
    if (op == "LISTSTATUS") return Reply::Json(std::move(fss));
    return Reply::Json(json::object{
        {"DirectoryListing", json::object{{"partialListing", std::move(fss)}, {"remainingEntries", remaining}}}});
  }
  if (op == "GETCONTENTSUMMARY") {
    if (method != "GET") return wrong_method("GET");
    HOPS_ASSIGN_OR_RETURN(auto sum, s.fs.ContentSummary(caller, p));
    return Reply::Json(json::object{{"ContentSummary", json::object{{"directoryCount", sum.dirs},
                                                                    {"fileCount", sum.files},
                                                                    {"length", sum.bytes},
                                                                    {"quota", sum.ns_quota},
                                                                    {"spaceConsumed", sum.space_consumed},
                                                                    {"spaceQuota", sum.ds_quota},
                                                                    {"typeQuota", json::object{}}}}});
  }
  if (op == "GETFILECHECKSUM") {
    if (method != "GET") return wrong_method("GET");
    HOPS_ASSIGN_OR_RETURN(auto sum, s.fs.Checksum(caller, p));
    return Reply::Json(
        json::object{{"FileChecksum", json::object{{"algorithm", "XXH3-128"}, {"bytes", sum}, {"length", 16}}}});
  }
  if (op == "GETHOMEDIRECTORY") {
    if (method != "GET") return wrong_method("GET");
    // A project certificate's home is its project.
    const std::string& only = c.ctx.who.only_project;
    return Reply::Json(json::object{{"Path", only.empty() ? std::string("/Projects") : "/Projects/" + only}});
  }
  if (op == "GETXATTRS") {
    if (method != "GET") return wrong_method("GET");
    std::vector<std::string> names;
    for (auto& [k, v] : c.query)
      if (k == "xattr.name") names.push_back(v);
    std::string enc = Upper(c.Query("encoding").value_or("TEXT"));
    if (enc != "TEXT" && enc != "HEX" && enc != "BASE64") return BadRequest("encoding must be text, hex or base64");
    HOPS_ASSIGN_OR_RETURN(auto xs, s.fs.GetXattrs(caller, p, names));
    json::array arr;
    for (auto& [k, v] : xs) arr.push_back(json::object{{"name", k}, {"value", EncodeXattr(v, enc)}});
    return Reply::Json(json::object{{"XAttrs", std::move(arr)}});
  }
  if (op == "LISTXATTRS") {
    if (method != "GET") return wrong_method("GET");
    HOPS_ASSIGN_OR_RETURN(auto xs, s.fs.GetXattrs(caller, p, {}));
    json::array names;
    for (auto& [k, v] : xs) names.emplace_back(k);
    return Reply::Json(json::object{{"XAttrNames", json::serialize(names)}});
  }
  if (op == "OPEN") {
    if (method != "GET") return wrong_method("GET");
    HOPS_ASSIGN_OR_RETURN(int64_t offset, Num(c, "offset", 0, 0));
    HOPS_ASSIGN_OR_RETURN(int64_t length, Num(c, "length", -1, 0));
    HOPS_ASSIGN_OR_RETURN(bool noredirect, c.QueryBool("noredirect", false));
    if (!data) {
      HOPS_ASSIGN_OR_RETURN(auto st, s.fs.Stat(caller, p));
      if (st.inode.dir) return NotFound("Path is not a file: " + abs);
      return Redirect(c, noredirect);
    }
    HOPS_ASSIGN_OR_RETURN(auto plan, s.fs.OpenRead(caller, p, static_cast<uint64_t>(offset),
                                                   length < 0 ? std::nullopt : std::optional<uint64_t>(length)));
    return ReadReply(s.fs, std::move(plan), 200);
  }
  if (op == "CREATE" || op == "APPEND") {
    bool create = op == "CREATE";
    if (create ? method != "PUT" : method != "POST") return wrong_method(create ? "PUT" : "POST");
    HOPS_ASSIGN_OR_RETURN(bool overwrite, c.QueryBool("overwrite", false));
    HOPS_ASSIGN_OR_RETURN(bool noredirect, c.QueryBool("noredirect", false));
    HOPS_ASSIGN_OR_RETURN(int perm, Perm(c));
    HOPS_RETURN_IF_ERROR(Num(c, "replication", 0, 1).status());
    HOPS_RETURN_IF_ERROR(Num(c, "blocksize", 0, 1).status());
    HOPS_RETURN_IF_ERROR(Num(c, "buffersize", 0, 1).status());
    if (!data) {
      // Refuse early what the data step would refuse.
      auto st = s.fs.Stat(caller, p);
      if (create && st.ok() && !overwrite) return AlreadyExists(abs + " already exists");
      if (create && st.ok() && st->inode.dir) return AlreadyExists(abs + " is a directory");
      if (!create && !st.ok()) return st.status();
      return Redirect(c, noredirect);
    }
    fs::Source src = SourceOf(c.http);
    HOPS_ASSIGN_OR_RETURN(
        auto st,
        s.fs.Write(caller, p,
                   !create ? fs::WriteMode::kAppend : (overwrite ? fs::WriteMode::kOverwrite : fs::WriteMode::kCreate),
                   perm >= 0 ? std::optional<int>(perm) : std::nullopt, src));
    (void)st;
    if (!create) return Empty(200);
    Reply r = Empty(201);
    r.headers.emplace_back("Location", "webhdfs://" + std::string(c.http.Header("host")) + abs);
    return r;
  }
  if (op == "MKDIRS") {
    if (method != "PUT") return wrong_method("PUT");
    HOPS_ASSIGN_OR_RETURN(int perm, Perm(c));
    HOPS_RETURN_IF_ERROR(s.fs.Mkdirs(caller, p, perm >= 0 ? std::optional<int>(perm) : std::nullopt).status());
    return Bool(true);
  }
  if (op == "RENAME") {
    if (method != "PUT") return wrong_method("PUT");
    auto dest = c.Query("destination");
    if (!dest || dest->empty() || dest->front() != '/')
      return BadRequest("destination must be an absolute path, e.g. /Projects/p/Resources/b.csv");
    HOPS_ASSIGN_OR_RETURN(fs::Path d, fs::ParsePath(*dest));
    auto res = s.fs.Rename(caller, p, d, true);
    if (!res.ok()) {
      // HDFS answers false when the rename simply cannot happen.
      Code code = res.status().code();
      if (code == Code::kNotFound || code == Code::kAlreadyExists) return Bool(false);
      return res.status();
    }
    return Bool(true);
  }
  if (op == "DELETE") {
    if (method != "DELETE") return wrong_method("DELETE");
    HOPS_ASSIGN_OR_RETURN(bool recursive, c.QueryBool("recursive", false));
    Status st = s.fs.Delete(caller, p, recursive);
    if (st.code() == Code::kNotFound) return Bool(false);
    HOPS_RETURN_IF_ERROR(st);
    return Bool(true);
  }
  if (op == "SETPERMISSION" || op == "SETOWNER" || op == "SETTIMES" || op == "SETREPLICATION") {
    if (method != "PUT") return wrong_method("PUT");
    fs::Attrs a;
    if (op == "SETPERMISSION") {
      HOPS_ASSIGN_OR_RETURN(int perm, Perm(c));
      a.perm = perm >= 0 ? perm : 0755;
    } else if (op == "SETOWNER") {
      a.owner = c.Query("owner");
      a.group = c.Query("group");
      if (!a.owner && !a.group) return BadRequest("Both owner and group are empty.");
    } else if (op == "SETTIMES") {
      HOPS_ASSIGN_OR_RETURN(int64_t m, Num(c, "modificationtime", -1, -1));
      HOPS_ASSIGN_OR_RETURN(int64_t at, Num(c, "accesstime", -1, -1));
      a.mtime_ms = m;
      a.atime_ms = at;
    } else {
      HOPS_ASSIGN_OR_RETURN(int64_t rep, Num(c, "replication", 1, 1));
      if (rep > 512) return BadRequest("replication must be 1 to 512");
      a.replication = static_cast<int>(rep);
      auto st = s.fs.SetAttrs(caller, p, a);
      if (!st.ok() && st.status().code() == Code::kInvalidArgument) return Bool(false);  // a directory
      HOPS_RETURN_IF_ERROR(st.status());
      return Bool(true);
    }
    HOPS_RETURN_IF_ERROR(s.fs.SetAttrs(caller, p, a).status());
    return Empty(200);
  }
  if (op == "SETXATTR") {
    if (method != "PUT") return wrong_method("PUT");
    auto name = c.Query("xattr.name");
    if (!name) return BadRequest("xattr.name is required");
    HOPS_ASSIGN_OR_RETURN(auto value, DecodeXattrValue(c.Query("xattr.value").value_or("")));
    std::string flag = Upper(c.Query("flag").value_or(""));
    if (flag == "CREATE,REPLACE" || flag == "REPLACE,CREATE") flag.clear();
    HOPS_RETURN_IF_ERROR(s.fs.SetXattr(caller, p, *name, value, flag));
    return Empty(200);
  }
  if (op == "REMOVEXATTR") {
    if (method != "PUT") return wrong_method("PUT");
    auto name = c.Query("xattr.name");
    if (!name) return BadRequest("xattr.name is required");
    HOPS_RETURN_IF_ERROR(s.fs.RemoveXattr(caller, p, *name));
    return Empty(200);
  }
  return BadRequest("Invalid value for webhdfs parameter \"op\": " + op.substr(0, 40) + " is not supported");
}

}  // namespace

void RegisterWebHdfsRoutes(Router& r, Services& s) {
  const std::vector<std::string> q = {
      "op",         "delegation",  "user.name",  "doas",        "overwrite", "permission",
      "blocksize",  "replication", "buffersize", "noredirect",  "data",      "offset",
      "length",     "destination", "recursive",  "owner",       "group",     "modificationtime",
      "accesstime", "startAfter",  "xattr.name", "xattr.value", "flag",      "encoding"};
  for (const char* pattern : {"/webhdfs/v1", "/webhdfs/v1/{path...}"}) {
    for (auto [method, scope] :
         {std::pair{"GET", Scope::kDatasetView}, std::pair{"PUT", Scope::kDatasetCreate},
          std::pair{"POST", Scope::kDatasetCreate}, std::pair{"DELETE", Scope::kDatasetDelete}}) {
      std::string m = method;
      Route route{
          m, pattern, "webhdfs", Access::kAuthenticated, scope, 200, [&s, m](Call& c) {
                    return Handle(s, c, m); }};
      route.errors = ErrorStyle::kWebHdfs;
      r.Add(std::move(route), q);
    }
  }
}

}  // namespace hops::api
