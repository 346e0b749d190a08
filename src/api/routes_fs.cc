// HopsFS over REST: datasets and files under /api/v1/projects/{name}/datasets,
// shares, provenance, the admin fsck and collector, and the WebHDFS endpoint.
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>

#include "api/app.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/json.h"
#include "fs/path.h"

namespace hops::api {
using platform::Scope;
namespace json = boost::json;

namespace {

std::string Octal(int perm) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", perm & 07777);
  return buf;
}

Result<int64_t> ParseInt(const std::string& what, const std::string& s, int64_t min) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < min)
    return BadRequest(what + " must be an integer" + (min == 0 ? " >= 0" : "") + ", got '" + s.substr(0, 40) + "'");
  return v;
}

std::string RelPath(const fs::Path& p) { return fs::JoinPath(p, 2).substr(1); }

json::object FileJson(const fs::FileStatus& st, const std::string& path) {
  const fs::Inode& n = st.inode;
  json::object o{{"name", st.name},
                 {"path", path},
                 {"type", n.dir ? "DIRECTORY" : "FILE"},
                 {"size", n.size},
                 {"permission", Octal(n.perm)},
                 {"owner", n.owner},
                 {"group", n.group},
                 {"modification_time", n.mtime_ms},
                 {"access_time", n.atime_ms},
                 {"id", n.id}};
  if (n.dir) {
    o["children"] = n.children;
  } else {
    o["replication"] = n.replication;
    o["block_size"] = n.block_size;
    o["stored_inline"] = n.inline_data;
  }
  if (!st.share.empty()) o["share_permission"] = st.share;
  return o;
}

// The project-relative path of a request, as components under /Projects/<name>.
Result<fs::Path> ProjectPath(const Call& c) {
  fs::Path p{"Projects", c.Param("name")};
  auto it = c.path.find("path");
  if (it != c.path.end()) {
    HOPS_ASSIGN_OR_RETURN(auto rel, fs::ParsePath(it->second));
    if (rel.empty()) return BadRequest("name a dataset or file after /datasets/");
    p.insert(p.end(), rel.begin(), rel.end());
  }
  return p;
}

// A Range header: "bytes=a-b", "bytes=a-", "bytes=-n". nullopt: none or not understood.
Result<std::optional<std::pair<uint64_t, uint64_t>>> ParseRange(std::string_view h, uint64_t size) {
  if (h.empty() || h.rfind("bytes=", 0) != 0 || h.find(',') != std::string_view::npos)
    return std::optional<std::pair<uint64_t, uint64_t>>{};
  std::string_view spec = h.substr(6);
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::optional<std::pair<uint64_t, uint64_t>>{};
  auto num = [](std::string_view s, uint64_t* out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  uint64_t a = 0, b = 0;
  std::string_view first = spec.substr(0, dash), last = spec.substr(dash + 1);
  if (first.empty()) {
    if (!num(last, &b) || b == 0) return std::optional<std::pair<uint64_t, uint64_t>>{};
    if (size == 0) return RangeNotSatisfiable("the file is empty");
    uint64_t n = std::min(b, size);
    return std::optional<std::pair<uint64_t, uint64_t>>{{size - n, size - 1}};
  }
  if (!num(first, &a)) return std::optional<std::pair<uint64_t, uint64_t>>{};
  if (last.empty())
    b = size ? size - 1 : 0;
  else if (!num(last, &b) || b < a)
    return std::optional<std::pair<uint64_t, uint64_t>>{};
  if (a >= size)
    return RangeNotSatisfiable("the range starts at " + std::to_string(a) + " but the file has " +
                               std::to_string(size) + " bytes");
  return std::optional<std::pair<uint64_t, uint64_t>>{{a, std::min(b, size - 1)}};
}

}  // namespace

// The request body as a source of bytes: streamed, or the buffered body.
fs::Source SourceOf(net::HttpRequest& http) {
  if (!http.body_reader) {
    auto offset = std::make_shared<size_t>(0);
    return [&http, offset](char* buf, size_t n) -> Result<size_t> {
      size_t k = std::min(n, http.body.size() - *offset);
      std::memcpy(buf, http.body.data() + *offset, k);
      *offset += k;
      return k;
    };
  }
  return [&http](char* buf, size_t n) -> Result<size_t> { return http.body_reader->Read(buf, n); };
}

// Small reads are answered from memory; larger ones stream from a data thread.
Result<Reply> ReadReply(fs::FsService& fs, fs::ReadPlan plan, int status) {
  Reply r;
  r.status = status;
  r.content_type = "application/octet-stream";
  if (plan.length <= (1u << 20)) {
    std::string body;
    body.reserve(plan.length);
    HOPS_RETURN_IF_ERROR(fs.ReadTo(plan, [&](std::string_view b) {
      body.append(b);
      return Status::Ok();
    }));
    r.raw = std::move(body);
    return r;
  }
  // Fail with a status (503 when the block store is away), not a cut-off body.
  HOPS_RETURN_IF_ERROR(fs.CheckReadable(plan));
  r.stream_length = static_cast<int64_t>(plan.length);
  auto shared = std::make_shared<fs::ReadPlan>(std::move(plan));
  r.stream = [&fs, shared](net::BodyWriter& w) {
    return fs.ReadTo(*shared, [&w](std::string_view b) { return w.Write(b); });
  };
  return r;
}

namespace {

fs::Caller CallerFor(Call& c, const char* iface) {
  fs::Caller caller{c.ctx, iface, std::string(c.http.Header("x-hops-app-id")).substr(0, 128)};
  if (!IsValidUtf8(caller.app_id)) caller.app_id.clear();
  std::string_view ua = c.http.Header("user-agent");
  if (ua.rfind("hops-cli", 0) == 0)
    caller.iface = "cli";
  else if (ua.rfind("hops-python", 0) == 0)
    caller.iface = "sdk";
  return caller;
}

// An xattr value as JSON text: itself when it is UTF-8, else "0x" + hex.
std::string XattrText(const std::string& v) { return IsValidUtf8(v) ? v : "0x" + crypto::Hex(v); }

json::object ShareJson(const fs::Share& s) {
  return {{"project", s.project},
          {"dataset", s.dataset},
          {"target_project", s.target},
          {"permission", s.permission},
          {"accepted", s.accepted},
          {"shared_by", s.shared_by},
          {"created_at", FormatRfc3339(s.created_at * 1000)}};
}

Result<Reply> GetPath(Services& s, Call& c) {
  auto caller = CallerFor(c, "rest");
  HOPS_ASSIGN_OR_RETURN(fs::Path p, ProjectPath(c));
  std::string action = c.Query("action").value_or("stat");
  c.ctx.req.action = "fs." + action;
  if (action == "stat") {
    HOPS_ASSIGN_OR_RETURN(auto st, s.fs.Stat(caller, p));
    json::object o = FileJson(st, RelPath(p));
    if (p.size() == 3 && st.inode.dir) o["provenance"] = fs::ProvLevelName(st.inode.prov);
    return Reply::Json(std::move(o));
  }
  if (action == "list") {
    HOPS_ASSIGN_OR_RETURN(auto page, c.Page());
    HOPS_ASSIGN_OR_RETURN(auto res, s.fs.List(caller, p, page));
    json::array items;
    for (auto& st : res.items) {
      fs::Path child = p;
      if (!st.listed_self) child.push_back(st.name);
      items.push_back(FileJson(st, RelPath(child)));
    }
    return Reply::Json(PageJson(std::move(items), res.next_page_token));
  }
  if (action == "summary") {
    HOPS_ASSIGN_OR_RETURN(auto sum, s.fs.ContentSummary(caller, p));
    return Reply::Json(json::object{{"path", RelPath(p)},
                                    {"files", sum.files},
                                    {"directories", sum.dirs},
                                    {"bytes", sum.bytes},
                                    {"space_consumed", sum.space_consumed},
                                    {"namespace_quota", sum.ns_quota},
                                    {"space_quota", sum.ds_quota}});
  }
  if (action == "checksum") {
    HOPS_ASSIGN_OR_RETURN(auto sum, s.fs.Checksum(caller, p));
    return Reply::Json(json::object{{"path", RelPath(p)}, {"algorithm", "XXH3-128"}, {"checksum", sum}});
  }
  if (action == "xattrs") {
    std::vector<std::string> names;
    if (auto n = c.Query("name")) names.push_back(*n);
    HOPS_ASSIGN_OR_RETURN(auto xs, s.fs.GetXattrs(caller, p, names));
    json::object o;
    for (auto& [k, v] : xs) o[k] = XattrText(v);
    return Reply::Json(json::object{{"path", RelPath(p)}, {"xattrs", o}});
  }
  if (action == "download") {
    // Without a Range header one read transaction serves the whole file.
    std::string_view range_h = c.http.Header("range");
    HOPS_ASSIGN_OR_RETURN(auto plan, s.fs.OpenRead(caller, p, 0, std::nullopt));
    uint64_t size = static_cast<uint64_t>(plan.st.inode.size);
    HOPS_ASSIGN_OR_RETURN(auto range, ParseRange(range_h, size));
    if (range) {
      plan.offset = range->first;
      plan.length = range->second - range->first + 1;
    }
    uint64_t n = plan.length;
    HOPS_ASSIGN_OR_RETURN(Reply r, ReadReply(s.fs, std::move(plan), range ? 206 : 200));
    r.headers.emplace_back("Accept-Ranges", "bytes");
    if (range)
      r.headers.emplace_back("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                                  std::to_string(range->first + n - 1) + "/" + std::to_string(size));
    std::string fname = p.back();
    bool plain = std::all_of(fname.begin(), fname.end(),
                             [](char ch) { return ch > 0x20 && ch < 0x7f && ch != '"' && ch != '\\'; });
    if (plain) r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + fname + "\"");
    return r;
  }
  return BadRequest("unknown action '" + action.substr(0, 40) +
                    "'; use stat, list, summary, checksum, xattrs or download");
}

Result<Reply> PostPath(Services& s, Call& c) {
  auto caller = CallerFor(c, "rest");
  HOPS_ASSIGN_OR_RETURN(fs::Path p, ProjectPath(c));
  auto action = c.Query("action");
  if (!action) return BadRequest("say what to do with ?action=mkdirs|append|move|copy|set_xattr|remove_xattr");
  c.ctx.req.action = "fs." + *action;
  if (*action == "append") {
    HOPS_ASSIGN_OR_RETURN(auto st, s.fs.Write(caller, p, fs::WriteMode::kAppend, std::nullopt, SourceOf(c.http)));
    return Reply::Json(FileJson(st, RelPath(p)));
  }
  if (c.http.body_reader) {
    // A copy runs on a data thread: read its small JSON body here.
    if (*action != "copy") return BadRequest("only action=append takes a raw body");
    std::string buf(64 << 10, '\0');
    for (;;) {
      HOPS_ASSIGN_OR_RETURN(size_t n, c.http.body_reader->Read(buf.data(), buf.size()));
      if (n == 0) break;
      c.http.body.append(buf.data(), n);
      if (c.http.body.size() > (1u << 20)) return BadRequest("the request body is over 1 MiB");
    }
  }
  HOPS_ASSIGN_OR_RETURN(auto body, c.Body(/*allow_empty=*/true));
  if (*action == "mkdirs") {
    HOPS_RETURN_IF_ERROR(body.AllowOnly({"permission"}));
    HOPS_ASSIGN_OR_RETURN(auto perm_s, body.OptString("permission"));
    std::optional<int> perm;
    if (perm_s) {
      HOPS_ASSIGN_OR_RETURN(perm, ParseMode(*perm_s));
    }
    // 201 when something was created, 200 when the directory was already there.
    bool created = false;
    HOPS_ASSIGN_OR_RETURN(auto st, s.fs.Mkdirs(caller, p, perm, &created));
    return Reply::Json(FileJson(st, RelPath(p)), created ? 201 : 200);
  }
  if (*action == "move" || *action == "copy") {
    if (*action == "move") {
      HOPS_RETURN_IF_ERROR(body.AllowOnly({"destination"}));
    } else {
      HOPS_RETURN_IF_ERROR(body.AllowOnly({"destination", "overwrite"}));
    }
    HOPS_ASSIGN_OR_RETURN(auto dest, body.String("destination"));
    HOPS_ASSIGN_OR_RETURN(auto rel, fs::ParsePath(dest));
    if (rel.empty()) return InvalidArgument("destination must name a path inside the project, e.g. Resources/b.csv");
    fs::Path d{"Projects", c.Param("name")};
    d.insert(d.end(), rel.begin(), rel.end());
    if (*action == "move") {
      HOPS_ASSIGN_OR_RETURN(auto st, s.fs.Rename(caller, p, d, false));
      return Reply::Json(FileJson(st, RelPath(d)));
    }
    HOPS_ASSIGN_OR_RETURN(auto ow, body.OptBool("overwrite"));
    HOPS_ASSIGN_OR_RETURN(auto st, s.fs.Copy(caller, p, d, ow.value_or(false)));
    return Reply::Json(FileJson(st, RelPath(d)), 201);
  }
  if (*action == "set_xattr") {
    HOPS_RETURN_IF_ERROR(body.AllowOnly({"name", "value", "flag"}));
    HOPS_ASSIGN_OR_RETURN(auto name, body.String("name"));
    HOPS_ASSIGN_OR_RETURN(auto value, body.String("value"));
    HOPS_ASSIGN_OR_RETURN(auto flag, body.OptString("flag"));
    HOPS_RETURN_IF_ERROR(s.fs.SetXattr(caller, p, name, value, flag.value_or("")));
    return Reply::NoContent();
  }
  if (*action == "remove_xattr") {
    HOPS_RETURN_IF_ERROR(body.AllowOnly({"name"}));
    HOPS_ASSIGN_OR_RETURN(auto name, body.String("name"));
    HOPS_RETURN_IF_ERROR(s.fs.RemoveXattr(caller, p, name));
    return Reply::NoContent();
  }
  return BadRequest("unknown action '" + action->substr(0, 40) +
                    "'; use mkdirs, append, move, copy, set_xattr or remove_xattr");
}

}  // namespace

void RegisterFsRoutes(Router& r, Services& s) {
  const auto V = Scope::kDatasetView, C = Scope::kDatasetCreate, D = Scope::kDatasetDelete;
  const auto A = Access::kAuthenticated;
  r.Add({"GET", "/api/v1/projects/{name}/datasets", "dataset.list", A, V, 200,
         [&s](Call& c) -> Result<Reply> {
           auto caller = CallerFor(c, "rest");
           HOPS_ASSIGN_OR_RETURN(auto page, c.Page());
           fs::Path p{"Projects", c.Param("name")};
           HOPS_ASSIGN_OR_RETURN(auto res, s.fs.List(caller, p, page));
           json::array items;
           for (auto& st : res.items) {
             json::object o = FileJson(st, st.name);
             o["provenance"] = fs::ProvLevelName(st.inode.prov);
             auto sep = st.name.find("::");
             if (sep != std::string::npos) o["shared_from"] = st.name.substr(0, sep);
             items.push_back(std::move(o));
           }
           return Reply::Json(PageJson(std::move(items), res.next_page_token));
         }},
        {"limit", "page_token"});
  r.Add({"POST", "/api/v1/projects/{name}/datasets", "dataset.create", A, C, 201, [&s](Call& c) -> Result<Reply> {
           auto caller = CallerFor(c, "rest");
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"name", "permission", "provenance"}));
           HOPS_ASSIGN_OR_RETURN(auto name, body.String("name"));
           HOPS_ASSIGN_OR_RETURN(auto perm_s, body.OptString("permission"));
           HOPS_ASSIGN_OR_RETURN(auto prov, body.OptString("provenance"));
           std::optional<int> perm;
           if (perm_s) {
             HOPS_ASSIGN_OR_RETURN(perm, ParseMode(*perm_s));
           }
           HOPS_ASSIGN_OR_RETURN(auto st, s.fs.CreateDataset(caller, c.Param("name"), name, perm, prov));
           json::object o = FileJson(st, name);
           o["provenance"] = fs::ProvLevelName(st.inode.prov);
           return Reply::Json(o, 201);
         }});
  const std::vector<std::string> get_q = {"action", "limit", "page_token", "name"};
  r.Add({"GET", "/api/v1/projects/{name}/datasets/{path...}", "fs.get", A, V, 200,
         [&s](Call& c) { return GetPath(s, c); }},
        get_q);
  r.Add({"PUT", "/api/v1/projects/{name}/datasets/{path...}", "fs.upload", A, C, 201,
         [&s](Call& c) -> Result<Reply> {
           auto caller = CallerFor(c, "rest");
           HOPS_ASSIGN_OR_RETURN(fs::Path p, ProjectPath(c));
           HOPS_ASSIGN_OR_RETURN(bool overwrite, c.QueryBool("overwrite", false));
           std::optional<int> perm;
           if (auto ps = c.Query("permission")) {
             HOPS_ASSIGN_OR_RETURN(perm, ParseMode(*ps));
           }
           HOPS_ASSIGN_OR_RETURN(
               auto st, s.fs.Write(caller, p, overwrite ? fs::WriteMode::kOverwrite : fs::WriteMode::kCreate, perm,
                                   SourceOf(c.http)));
           return Reply::Json(FileJson(st, RelPath(p)), 201);
         }},
        {"overwrite", "permission"});
  r.Add({"POST", "/api/v1/projects/{name}/datasets/{path...}", "fs.post", A, C, 200,
         [&s](Call& c) { return PostPath(s, c); }},
        {"action"});
  r.Add(
      {"PATCH", "/api/v1/projects/{name}/datasets/{path...}", "fs.setattr", A, C, 200, [&s](Call& c) -> Result<Reply> {
         auto caller = CallerFor(c, "rest");
         HOPS_ASSIGN_OR_RETURN(fs::Path p, ProjectPath(c));
         HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
         HOPS_RETURN_IF_ERROR(body.AllowOnly({"permission", "owner", "group", "modification_time", "access_time",
                                              "replication", "namespace_quota", "space_quota", "provenance"}));
         if (body.empty())
           return BadRequest(
               "nothing to change: send one of permission, owner, group, modification_time, "
               "access_time, replication, namespace_quota, space_quota, provenance");
         fs::Attrs a;
         HOPS_ASSIGN_OR_RETURN(auto perm_s, body.OptString("permission"));
         if (perm_s) {
           HOPS_ASSIGN_OR_RETURN(a.perm, ParseMode(*perm_s));
         }
         HOPS_ASSIGN_OR_RETURN(a.owner, body.OptString("owner"));
         HOPS_ASSIGN_OR_RETURN(a.group, body.OptString("group"));
         HOPS_ASSIGN_OR_RETURN(a.mtime_ms, body.OptInt("modification_time"));
         HOPS_ASSIGN_OR_RETURN(a.atime_ms, body.OptInt("access_time"));
         HOPS_ASSIGN_OR_RETURN(auto repl, body.OptInt("replication"));
         if (repl) {
           if (*repl < 1 || *repl > 512) return InvalidArgument("replication must be 1 to 512");
           a.replication = static_cast<int>(*repl);
         }
         HOPS_ASSIGN_OR_RETURN(a.ns_quota, body.OptInt("namespace_quota"));
         HOPS_ASSIGN_OR_RETURN(a.ds_quota, body.OptInt("space_quota"));
         HOPS_ASSIGN_OR_RETURN(a.provenance, body.OptString("provenance"));
         HOPS_ASSIGN_OR_RETURN(auto st, s.fs.SetAttrs(caller, p, a));
         json::object o = FileJson(st, RelPath(p));
         if (st.inode.tracks) {
           o["namespace_quota"] = st.inode.ns_quota;
           o["space_quota"] = st.inode.ds_quota;
         }
         if (p.size() == 3) o["provenance"] = fs::ProvLevelName(st.inode.prov);
         return Reply::Json(o);
       }});
  r.Add({"DELETE", "/api/v1/projects/{name}/datasets/{path...}", "fs.delete", A, D, 204,
         [&s](Call& c) -> Result<Reply> {
           auto caller = CallerFor(c, "rest");
           HOPS_ASSIGN_OR_RETURN(fs::Path p, ProjectPath(c));
           HOPS_ASSIGN_OR_RETURN(bool recursive, c.QueryBool("recursive", false));
           HOPS_RETURN_IF_ERROR(s.fs.Delete(caller, p, recursive));
           return Reply::NoContent();
         }},
        {"recursive"});

  r.Add({"GET", "/api/v1/projects/{name}/shares", "share.list", A, V, 200, [&s](Call& c) -> Result<Reply> {
           auto caller = CallerFor(c, "rest");
           HOPS_ASSIGN_OR_RETURN(auto shares, s.fs.ListShares(caller, c.Param("name")));
           json::array items;
           for (auto& sh : shares) items.push_back(ShareJson(sh));
           return Reply::Json(PageJson(std::move(items), ""));
         }});
  r.Add({"POST", "/api/v1/projects/{name}/shares", "share.create", A, C, 201, [&s](Call& c) -> Result<Reply> {
           auto caller = CallerFor(c, "rest");
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"dataset", "project", "permission"}));
           HOPS_ASSIGN_OR_RETURN(auto ds, body.String("dataset"));
           HOPS_ASSIGN_OR_RETURN(auto target, body.String("project"));
           HOPS_ASSIGN_OR_RETURN(auto perm, body.OptString("permission"));
           HOPS_ASSIGN_OR_RETURN(auto sh,
                                 s.fs.ShareDataset(caller, c.Param("name"), ds, target, perm.value_or("READ_ONLY")));
           return Reply::Json(ShareJson(sh), 201);
         }});
  r.Add({"POST", "/api/v1/projects/{name}/shares/{project}/{dataset}/accept", "share.accept", A, C, 200,
         [&s](Call& c) -> Result<Reply> {
           auto caller = CallerFor(c, "rest");
           HOPS_ASSIGN_OR_RETURN(auto sh,
                                 s.fs.AcceptShare(caller, c.Param("name"), c.Param("project"), c.Param("dataset")));
           return Reply::Json(ShareJson(sh));
         }});
  r.Add({"DELETE", "/api/v1/projects/{name}/shares/{project}/{dataset}", "share.delete", A, D, 204,
         [&s](Call& c) -> Result<Reply> {
           auto caller = CallerFor(c, "rest");
           HOPS_RETURN_IF_ERROR(s.fs.Unshare(caller, c.Param("name"), c.Param("project"), c.Param("dataset")));
           return Reply::NoContent();
         }});
  r.Add({"GET", "/api/v1/projects/{name}/provenance", "provenance.query", A, V, 200,
         [&s](Call& c) -> Result<Reply> {
           auto caller = CallerFor(c, "rest");
           fs::ProvFilter f;
           HOPS_ASSIGN_OR_RETURN(auto page, c.Page());
           f.limit = page.limit;
           if (!page.after.empty()) {
             HOPS_ASSIGN_OR_RETURN(f.after_seq, ParseInt("page_token", page.after, 0));
           }
           if (auto v = c.Query("path_prefix")) {
             HOPS_ASSIGN_OR_RETURN(auto comps, fs::ParsePath(*v));
             f.path_prefix = fs::JoinPath(comps);
           }
           if (auto v = c.Query("operation")) f.op = *v;
           for (auto [key, dst] : {std::pair{"from", &f.from_ms}, std::pair{"to", &f.to_ms}}) {
             if (auto v = c.Query(key)) {
               int64_t us = 0;
               if (!ParseRfc3339(*v, &us))
                 return BadRequest(std::string(key) + " must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z");
               *dst = us / 1000;
             }
           }
           HOPS_ASSIGN_OR_RETURN(auto evs, s.fs.Provenance(caller, c.Param("name"), f));
           json::array items;
           for (auto& e : evs)
             items.push_back(json::object{{"path", e.path},
                                          {"dataset", e.dataset},
                                          {"operation", e.op},
                                          {"user", e.user},
                                          {"at", FormatRfc3339(e.at_ms * 1000)},
                                          {"interface", e.iface},
                                          {"app_id", e.app_id}});
           std::string next;
           if (static_cast<int>(evs.size()) == f.limit) next = services::EncodeCursor(std::to_string(evs.back().seq));
           return Reply::Json(PageJson(std::move(items), next));
         }},
        {"path_prefix", "operation", "from", "to", "limit", "page_token"});

  r.Add({"POST", "/api/v1/admin/fsck", "admin.fsck", Access::kAdmin, Scope::kAdmin, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(bool repair, c.QueryBool("repair", false));
           HOPS_ASSIGN_OR_RETURN(bool verify, c.QueryBool("verify", false));
           HOPS_ASSIGN_OR_RETURN(auto rep, s.fs.Fsck(repair, verify));
           auto arr = [](const std::vector<std::string>& v) {
             json::array a;
             for (size_t i = 0; i < v.size() && i < 1000; ++i) a.emplace_back(v[i]);
             return a;
           };
           return Reply::Json(json::object{{"healthy", rep.healthy()},
                                           {"inodes", rep.inodes},
                                           {"files", rep.files},
                                           {"directories", rep.dirs},
                                           {"blocks", rep.blocks},
                                           {"bytes", rep.bytes},
                                           {"missing_blocks", arr(rep.missing_blocks)},
                                           {"corrupt_blocks", arr(rep.corrupt_blocks)},
                                           {"size_mismatches", arr(rep.size_mismatches)},
                                           {"orphan_inodes", arr(rep.orphan_inodes)},
                                           {"usage_mismatches", arr(rep.usage_mismatches)},
                                           {"orphan_blocks", arr(rep.orphan_blocks)},
                                           {"young_unreferenced_blocks", rep.young_unreferenced_blocks},
                                           {"trash_inodes", rep.trash_inodes},
                                           {"repaired", rep.repaired}});
         }},
        {"repair", "verify"});
  r.Add(
      {"POST", "/api/v1/admin/fs/gc", "admin.fs_gc", Access::kAdmin, Scope::kAdmin, 200, [&s](Call&) -> Result<Reply> {
         HOPS_ASSIGN_OR_RETURN(auto rep, s.fs.CollectGarbage());
         return Reply::Json(json::object{{"queued_blocks_deleted", rep.queued_deleted},
                                         {"orphan_blocks_deleted", rep.orphans_deleted},
                                         {"trash_entries_deleted", rep.trash_inodes_deleted}});
       }});
}

}  // namespace hops::api
