// Blocks as objects in an S3-compatible bucket: AWS Signature V4, path-style
// or virtual-hosted addressing, multipart upload for blocks larger than a
// part, retries with backoff on 5xx, 429 and connection failures.
#include <algorithm>
#include <cstring>
#include <ctime>
#include <thread>

#include "core/crypto.h"
#include "core/log.h"
#include "fs/block_store.h"
#include "net/http_client.h"

namespace hops::fs {
namespace {

std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string HexSha256(std::string_view data) { return crypto::Hex(crypto::Sha256(data)); }

// The text of the first <tag>...</tag> at or after `from`; advances `from` past it.
std::optional<std::string> XmlTag(const std::string& xml, const std::string& tag, size_t* from = nullptr) {
  size_t start = from ? *from : 0;
  size_t b = xml.find("<" + tag + ">", start);
  if (b == std::string::npos) return std::nullopt;
  b += tag.size() + 2;
  size_t e = xml.find("</" + tag + ">", b);
  if (e == std::string::npos) return std::nullopt;
  if (from) *from = e + tag.size() + 3;
  return xml.substr(b, e - b);
}

std::string Header(const net::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() != name.size()) continue;
    bool eq = true;
    for (size_t i = 0; i < k.size() && eq; ++i)
      eq = std::tolower(static_cast<unsigned char>(k[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    if (eq) return v;
  }
  return "";
}

int64_t ParseIsoMicros(const std::string& s) {
  struct tm tm {};
  if (sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
             &tm.tm_sec) != 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000000;
}

class S3Client {
 public:
  explicit S3Client(S3Settings s) : s_(std::move(s)) {
    std::string ep = s_.endpoint;
    while (!ep.empty() && ep.back() == '/') ep.pop_back();
    auto scheme = ep.find("://");
    scheme_ = ep.substr(0, scheme);
    host_ = ep.substr(scheme + 3);
    base_ = scheme_ + "://" + host_;
    // The Host header always carries the port; virtual-hosted addressing names
    // the bucket in it (the connection still goes to the endpoint, so the
    // bucket's name need not resolve).
    host_header_ = (s_.virtual_hosted ? s_.bucket + "." : "") + host_ +
                   (host_.find(':') == std::string::npos ? (scheme_ == "https" ? ":443" : ":80") : "");
  }

  std::string Path(const std::string& key) const {
    return (s_.virtual_hosted ? "" : "/" + s_.bucket) + "/" + UriEncode(key, true);
  }
  std::string BucketPath() const { return s_.virtual_hosted ? "/" : "/" + s_.bucket; }

  // One signed request, retried on 5xx, 429 and connection failures.
  Result<net::HttpResponse> Call(const std::string& method, const std::string& path,
                                 std::vector<std::pair<std::string, std::string>> query, const std::string& body,
                                 std::vector<std::pair<std::string, std::string>> headers = {}) const {
    std::sort(query.begin(), query.end());
    std::string qs;
    for (const auto& [k, v] : query) qs += (qs.empty() ? "" : "&") + UriEncode(k, false) + "=" + UriEncode(v, false);
    Result<net::HttpResponse> last = Unavailable("no attempt");
    for (int attempt = 0; attempt < s_.max_attempts; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100 << std::min(attempt - 1, 5)));
      auto hdrs = headers;
      hdrs.emplace_back("Host", host_header_);
      Sign(method, path, qs, body, hdrs);
      net::ClientOptions o;
      o.endpoint = base_;
      o.ca_file = s_.ca_file;
      o.timeout_ms = s_.timeout_ms;
      last = net::HttpClient(o).Send(method, path + (qs.empty() ? "" : "?" + qs), body, hdrs);
      if (last.ok() && last->status < 500 && last->status != 429) return last;
      if (last.ok())
        log::Warn("s3.retry", {{"method", method}, {"status", std::to_string(last->status)}, {"attempt", std::to_string(attempt + 1)}});
      else
        log::Warn("s3.retry", {{"method", method}, {"error", last.status().message()}, {"attempt", std::to_string(attempt + 1)}});
    }
    if (!last.ok()) return Unavailable("the S3 block store is unreachable: " + last.status().message());
    return Unavailable("the S3 block store keeps failing: HTTP " + std::to_string(last->status) + " " +
                       XmlTag(last->body, "Message").value_or(last->body.substr(0, 200)));
  }

  static Status Fail(const net::HttpResponse& r, const std::string& what) {
    std::string code = XmlTag(r.body, "Code").value_or(""), msg = XmlTag(r.body, "Message").value_or("");
    std::string text = what + ": HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code) +
                       (msg.empty() ? "" : " (" + msg + ")");
    if (r.status == 404) return NotFound(text);
    if (r.status == 403 || r.status == 401) return Unavailable(text + "; check the S3 credentials");
    return Unavailable(text);
  }

  const S3Settings& settings() const { return s_; }

 private:
  void Sign(const std::string& method, const std::string& path, const std::string& qs, const std::string& body,
            std::vector<std::pair<std::string, std::string>>& headers) const {
    std::time_t now = std::time(nullptr);
    struct tm tm {};
    gmtime_r(&now, &tm);
    char amz[20], day[9];
    std::strftime(amz, sizeof amz, "%Y%m%dT%H%M%SZ", &tm);
    std::strftime(day, sizeof day, "%Y%m%d", &tm);
    const std::string payload = HexSha256(body);
    std::string canonical = method + "\n" + path + "\n" + qs + "\n" + "host:" + host_header_ + "\n" +
                            "x-amz-content-sha256:" + payload + "\n" + "x-amz-date:" + amz + "\n\n" +
                            "host;x-amz-content-sha256;x-amz-date\n" + payload;
    const std::string scope = std::string(day) + "/" + s_.region + "/s3/aws4_request";
    const std::string to_sign = "AWS4-HMAC-SHA256\n" + std::string(amz) + "\n" + scope + "\n" + HexSha256(canonical);
    std::string k = crypto::HmacSha256("AWS4" + s_.secret_key, day);
    k = crypto::HmacSha256(k, s_.region);
    k = crypto::HmacSha256(k, "s3");
    k = crypto::HmacSha256(k, "aws4_request");
    headers.emplace_back("x-amz-date", amz);
    headers.emplace_back("x-amz-content-sha256", payload);
    headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + s_.access_key + "/" + scope +
                                              ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
                                              crypto::Hex(crypto::HmacSha256(k, to_sign)));
  }

  S3Settings s_;
  std::string scheme_, host_, base_, host_header_;
};

// Buffers a part; small blocks go up in one PUT, larger ones as a multipart upload.
class S3Writer : public BlockWriter {
 public:
  S3Writer(const S3Client& c, std::string key) : c_(c), key_(std::move(key)) {}
  ~S3Writer() override {
    if (!finished_ && !upload_id_.empty())
      (void)c_.Call("DELETE", c_.Path(key_), {{"uploadId", upload_id_}}, "");
  }
  Status Append(std::string_view bytes) override {
    buf_.append(bytes.data(), bytes.size());
    while (buf_.size() >= c_.settings().part_size) {
      std::string part = buf_.substr(0, c_.settings().part_size);
      buf_.erase(0, c_.settings().part_size);
      HOPS_RETURN_IF_ERROR(UploadPart(part));
    }
    return Status::Ok();
  }
  Status Finish() override {
    if (upload_id_.empty()) {
      HOPS_ASSIGN_OR_RETURN(auto r, c_.Call("PUT", c_.Path(key_), {}, buf_));
      if (r.status != 200) return S3Client::Fail(r, "cannot store block " + key_);
    } else {
      if (!buf_.empty()) HOPS_RETURN_IF_ERROR(UploadPart(buf_));
      std::string xml = "<CompleteMultipartUpload>";
      for (size_t i = 0; i < etags_.size(); ++i)
        xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags_[i] + "</ETag></Part>";
      xml += "</CompleteMultipartUpload>";
      HOPS_ASSIGN_OR_RETURN(auto r, c_.Call("POST", c_.Path(key_), {{"uploadId", upload_id_}}, xml,
                                            {{"Content-Type", "application/xml"}}));
      // S3 may answer 200 with an <Error> in the body.
      if (r.status != 200 || r.body.find("<Error>") != std::string::npos)
        return S3Client::Fail(r, "cannot complete block " + key_);
    }
    buf_.clear();
    finished_ = true;
    return Status::Ok();
  }

 private:
  Status UploadPart(const std::string& part) {
    if (upload_id_.empty()) {
      HOPS_ASSIGN_OR_RETURN(auto r, c_.Call("POST", c_.Path(key_), {{"uploads", ""}}, ""));
      auto id = XmlTag(r.body, "UploadId");
      if (r.status != 200 || !id) return S3Client::Fail(r, "cannot start a multipart upload of " + key_);
      upload_id_ = *id;
    }
    HOPS_ASSIGN_OR_RETURN(auto r, c_.Call("PUT", c_.Path(key_),
                                          {{"partNumber", std::to_string(etags_.size() + 1)}, {"uploadId", upload_id_}},
                                          part));
    std::string etag = Header(r, "etag");
    if (r.status != 200 || etag.empty()) return S3Client::Fail(r, "cannot upload a part of " + key_);
    etags_.push_back(etag);
    return Status::Ok();
  }

  const S3Client& c_;
  std::string key_, buf_, upload_id_;
  std::vector<std::string> etags_;
  bool finished_ = false;
};

class S3BlockStore : public BlockStore {
 public:
  explicit S3BlockStore(S3Settings s) : c_(std::move(s)) {}
  std::string Describe() const override {
    return "s3 " + c_.settings().endpoint + " bucket " + c_.settings().bucket + " prefix " + c_.settings().prefix;
  }
  Result<std::unique_ptr<BlockWriter>> Create(const std::string& id) override {
    return std::unique_ptr<BlockWriter>(new S3Writer(c_, Key(id)));
  }
  Result<size_t> ReadAt(const std::string& id, uint64_t offset, char* buf, size_t n) override {
    if (n == 0) return size_t{0};
    HOPS_ASSIGN_OR_RETURN(auto r, c_.Call("GET", c_.Path(Key(id)), {}, "",
                                          {{"Range", "bytes=" + std::to_string(offset) + "-" +
                                                         std::to_string(offset + n - 1)}}));
    if (r.status == 416) return size_t{0};
    if (r.status == 206) {
      size_t got = std::min(n, r.body.size());
      std::memcpy(buf, r.body.data(), got);
      return got;
    }
    if (r.status == 200) {  // a server that ignores Range
      if (offset >= r.body.size()) return size_t{0};
      size_t got = std::min<size_t>(n, r.body.size() - offset);
      std::memcpy(buf, r.body.data() + offset, got);
      return got;
    }
    return S3Client::Fail(r, "cannot read block " + id);
  }
  Result<uint64_t> Size(const std::string& id) override {
    HOPS_ASSIGN_OR_RETURN(auto r, c_.Call("GET", c_.Path(Key(id)), {}, "", {{"Range", "bytes=0-0"}}));
    std::string range = Header(r, "content-range");  // bytes 0-0/TOTAL or bytes */TOTAL
    if ((r.status == 206 || r.status == 416) && range.find('/') != std::string::npos)
      return static_cast<uint64_t>(std::strtoull(range.substr(range.find('/') + 1).c_str(), nullptr, 10));
    if (r.status == 200) return static_cast<uint64_t>(r.body.size());
    return S3Client::Fail(r, "no block " + id);
  }
  Status Delete(const std::string& id) override {
    HOPS_ASSIGN_OR_RETURN(auto r, c_.Call("DELETE", c_.Path(Key(id)), {}, ""));
    if (r.status == 204 || r.status == 200 || r.status == 404) return Status::Ok();
    return S3Client::Fail(r, "cannot delete block " + id);
  }
  Status List(const std::function<void(const BlockInfo&)>& fn) override {
    std::string token;
    const std::string& prefix = c_.settings().prefix;
    for (;;) {
      std::vector<std::pair<std::string, std::string>> q{{"list-type", "2"}, {"prefix", prefix}};
      if (!token.empty()) q.emplace_back("continuation-token", token);
      HOPS_ASSIGN_OR_RETURN(auto r, c_.Call("GET", c_.BucketPath(), q, ""));
      if (r.status != 200) return S3Client::Fail(r, "cannot list the blocks");
      size_t at = 0;
      while (auto item = XmlTag(r.body, "Contents", &at)) {
        std::string key = XmlTag(*item, "Key").value_or("");
        if (key.rfind(prefix, 0) != 0) continue;
        BlockInfo b;
        b.id = key.substr(prefix.size());
        b.size = std::strtoull(XmlTag(*item, "Size").value_or("0").c_str(), nullptr, 10);
        b.mtime_us = ParseIsoMicros(XmlTag(*item, "LastModified").value_or(""));
        if (!b.id.empty() && b.id.find('/') == std::string::npos) fn(b);
      }
      if (XmlTag(r.body, "IsTruncated").value_or("false") != "true") return Status::Ok();
      token = XmlTag(r.body, "NextContinuationToken").value_or("");
      if (token.empty()) return Internal("the S3 listing is truncated but has no continuation token");
    }
  }

 private:
  std::string Key(const std::string& id) const { return c_.settings().prefix + id; }
  S3Client c_;
};

}  // namespace

Result<std::unique_ptr<BlockStore>> NewS3BlockStore(const S3Settings& settings) {
  if (settings.endpoint.rfind("http://", 0) != 0 && settings.endpoint.rfind("https://", 0) != 0)
    return InvalidArgument("fs_s3_endpoint must be an http:// or https:// URL");
  if (settings.bucket.empty()) return InvalidArgument("fs_s3_bucket is empty");
  if (settings.part_size < (5u << 20)) return InvalidArgument("fs_s3_part_size must be at least 5 MiB (S3's minimum)");
  auto store = std::make_unique<S3BlockStore>(settings);
  // Check the bucket and the credentials now, not at the first upload.
  S3Client probe(settings);
  HOPS_ASSIGN_OR_RETURN(auto r, probe.Call("GET", probe.BucketPath(), {{"list-type", "2"}, {"max-keys", "1"}}, ""));
  if (r.status != 200) return S3Client::Fail(r, "cannot use bucket '" + settings.bucket + "'");
  return std::unique_ptr<BlockStore>(std::move(store));
}

}  // namespace hops::fs
