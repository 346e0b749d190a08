// OpenSSL 3 implementation of the platform CA.
#include "platform/pki.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "core/log.h"

namespace hops::platform {
namespace {

namespace stdfs = std::filesystem;

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using AsnIntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using AsnTimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME, ASN1_TIME_free>>;

Status SslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = {0};
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return Internal(what + (e ? std::string(": ") + buf : std::string()));
}

std::string BioString(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<std::string> ReadFile(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return NotFound("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes a file atomically with the given mode: a fresh temporary file
// (created with that mode, never through a link), fsynced, renamed over the
// target, and the directory fsynced.
Status WriteFile(const stdfs::path& p, const std::string& data, mode_t mode) {
  stdfs::path tmp = p;
  tmp += ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return Internal("cannot create " + tmp.string() + ": " + std::strerror(errno));
  ::fchmod(fd, mode);  // whatever the umask
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Internal("cannot write " + tmp.string() + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Internal("cannot write " + tmp.string() + ": " + std::strerror(errno));
  if (::rename(tmp.c_str(), p.c_str()) != 0)
    return Internal("cannot rename " + tmp.string() + ": " + std::strerror(errno));
  int dfd = ::open(p.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

PkeyPtr NewKey() { return PkeyPtr(EVP_EC_gen("P-256")); }

std::string KeyPem(EVP_PKEY* k) {
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  return BioString(b.get());
}

std::string CertPem(X509* x) {
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(b.get(), x);
  return BioString(b.get());
}

Result<PkeyPtr> ParseKey(std::string_view pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr k(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
  if (!k) return SslError("not a PEM private key");
  return k;
}

Result<X509Ptr> ParseCert(std::string_view pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr x(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
  if (!x) return SslError("not a PEM certificate");
  return x;
}

std::string SerialHex(const ASN1_INTEGER* s) {
  BnPtr bn(ASN1_INTEGER_to_BN(s, nullptr));
  char* hex = BN_bn2hex(bn.get());
  std::string out(hex);
  OPENSSL_free(hex);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t nz = out.find_first_not_of('0');
  return nz == std::string::npos ? "0" : out.substr(nz);
}

std::string Fingerprint(X509* x) { return crypto::CertFingerprint(CertPem(x)); }

std::string NameLine(const X509_NAME* n) {
  BioPtr b(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(b.get(), n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return BioString(b.get());
}

int64_t AsnTimeMicros(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000000;
}

Status AddExt(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) return SslError("cannot add certificate extension " + value);
  return Status::Ok();
}

// An exclusive lock on the PKI directory (flock on .lock), released when the
// returned object goes away.
struct DirLock {
  int fd = -1;
  DirLock(int f) : fd(f) {}
  DirLock(DirLock&& o) noexcept : fd(o.fd) { o.fd = -1; }
  ~DirLock() {
    if (fd >= 0) ::close(fd);
  }
};
Result<DirLock> LockDir(const stdfs::path& d) {
  int fd = ::open((d / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX) != 0) {
    if (fd >= 0) ::close(fd);
    return Internal("cannot lock the PKI directory " + d.string() + ": " + std::strerror(errno));
  }
  return DirLock(fd);
}

struct Spec {
  std::vector<std::pair<std::string, std::string>> subject;  // RDNs in order
  std::string basic_constraints, key_usage, ext_key_usage, san;
  int64_t not_before_s = 0, not_after_s = 0;
};

// Builds and signs a certificate for `key`; `issuer` null means self-signed.
Result<X509Ptr> MakeCert(const Spec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  BnPtr bn(BN_new());
  // 127 random bits: positive, unique in practice, within RFC 5280's 20 octets.
  if (!BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)) return SslError("cannot draw a serial");
  AsnIntPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  X509_set_serialNumber(x.get(), serial.get());
  ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(spec.not_before_s));
  ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(spec.not_after_s));
  X509_NAME* name = X509_get_subject_name(x.get());
  for (const auto& [k, v] : spec.subject)
    if (X509_NAME_add_entry_by_txt(name, k.c_str(), MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(v.c_str()),
                                   -1, -1, 0) != 1)
      return SslError("cannot set subject " + k);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(x.get(), key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
  HOPS_RETURN_IF_ERROR(AddExt(x.get(), &ctx, NID_basic_constraints, spec.basic_constraints));
  HOPS_RETURN_IF_ERROR(AddExt(x.get(), &ctx, NID_key_usage, spec.key_usage));
  if (!spec.ext_key_usage.empty()) HOPS_RETURN_IF_ERROR(AddExt(x.get(), &ctx, NID_ext_key_usage, spec.ext_key_usage));
  HOPS_RETURN_IF_ERROR(AddExt(x.get(), &ctx, NID_subject_key_identifier, "hash"));
  HOPS_RETURN_IF_ERROR(AddExt(x.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!spec.san.empty()) HOPS_RETURN_IF_ERROR(AddExt(x.get(), &ctx, NID_subject_alt_name, spec.san));
  if (X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256()) <= 0) return SslError("cannot sign certificate");
  return x;
}

// Whether `cert` verifies against `issuer`'s public key.
bool SignedBy(X509* cert, X509* issuer) {
  EVP_PKEY* pub = X509_get0_pubkey(issuer);
  bool ok = pub && X509_verify(cert, pub) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace

struct CertificateAuthority::Keys {
  X509Ptr root, inter;
  PkeyPtr inter_key;
};

CertificateAuthority::~CertificateAuthority() = default;

Result<std::unique_ptr<CertificateAuthority>> CertificateAuthority::Open(const std::string& dir, const Clock* clock) {
  std::unique_ptr<CertificateAuthority> ca(new CertificateAuthority());
  ca->dir_ = dir;
  ca->clock_ = clock;
  ca->keys_ = std::make_unique<Keys>();
  std::error_code ec;
  stdfs::create_directories(dir, ec);
  if (ec) return Internal("cannot create the PKI directory " + dir + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0)
    return Internal("cannot make the PKI directory " + dir + " private: " + std::strerror(errno));
  const stdfs::path d(dir);
  // Servers that share the PKI directory and start together create it once.
  HOPS_ASSIGN_OR_RETURN(auto lock, LockDir(d));
  const int64_t now = clock->NowMicros() / 1000000;
  Keys& k = *ca->keys_;

  // Root: imported or created.
  PkeyPtr root_key;
  if (stdfs::exists(d / "root-ca.pem")) {
    HOPS_ASSIGN_OR_RETURN(auto pem, ReadFile(d / "root-ca.pem"));
    HOPS_ASSIGN_OR_RETURN(k.root, ParseCert(pem));
    if (X509_check_ca(k.root.get()) <= 0) return InvalidArgument("root-ca.pem in " + dir + " is not a CA certificate");
    if (stdfs::exists(d / "root-ca.key")) {
      HOPS_ASSIGN_OR_RETURN(auto kp, ReadFile(d / "root-ca.key"));
      HOPS_ASSIGN_OR_RETURN(root_key, ParseKey(kp));
      if (X509_check_private_key(k.root.get(), root_key.get()) != 1)
        return InvalidArgument("root-ca.key does not match root-ca.pem in " + dir);
    }
  } else {
    if (stdfs::exists(d / "intermediate-ca.pem"))
      return InvalidArgument("the PKI directory " + dir + " has intermediate-ca.pem but no root-ca.pem");
    root_key = NewKey();
    Spec s;
    s.subject = {{"O", "Hops"}, {"CN", "Hops Root CA"}};
    s.basic_constraints = "critical,CA:TRUE,pathlen:1";
    s.key_usage = "critical,keyCertSign,cRLSign";
    s.not_before_s = now - 3600;
    s.not_after_s = now + int64_t{20} * 365 * 86400;
    HOPS_ASSIGN_OR_RETURN(k.root, MakeCert(s, root_key.get(), nullptr, nullptr));
    HOPS_RETURN_IF_ERROR(WriteFile(d / "root-ca.key", KeyPem(root_key.get()), 0600));
    HOPS_RETURN_IF_ERROR(WriteFile(d / "root-ca.pem", CertPem(k.root.get()), 0644));
    log::Info("pki.root_created", {{"fingerprint", Fingerprint(k.root.get())}});
  }

  // Intermediate: imported or created (which needs the root key).
  if (stdfs::exists(d / "intermediate-ca.pem")) {
    HOPS_ASSIGN_OR_RETURN(auto pem, ReadFile(d / "intermediate-ca.pem"));
    HOPS_ASSIGN_OR_RETURN(k.inter, ParseCert(pem));
    HOPS_ASSIGN_OR_RETURN(auto kp, ReadFile(d / "intermediate-ca.key"));
    HOPS_ASSIGN_OR_RETURN(k.inter_key, ParseKey(kp));
    if (X509_check_private_key(k.inter.get(), k.inter_key.get()) != 1)
      return InvalidArgument("intermediate-ca.key does not match intermediate-ca.pem in " + dir);
    if (!SignedBy(k.inter.get(), k.root.get()))
      return InvalidArgument("intermediate-ca.pem in " + dir + " is not signed by root-ca.pem");
    if (X509_check_ca(k.inter.get()) <= 0 || !X509_get0_subject_key_id(k.inter.get()))
      return InvalidArgument("intermediate-ca.pem in " + dir + " must be a CA certificate with a subject key identifier");
  } else {
    if (!root_key)
      return InvalidArgument("creating the intermediate CA needs root-ca.key in " + dir +
                             " (it may go offline again afterwards)");
    k.inter_key = NewKey();
    Spec s;
    s.subject = {{"O", "Hops"}, {"CN", "Hops Intermediate CA"}};
    s.basic_constraints = "critical,CA:TRUE,pathlen:0";
    s.key_usage = "critical,keyCertSign,cRLSign,digitalSignature";
    s.not_before_s = now - 3600;
    s.not_after_s = now + int64_t{10} * 365 * 86400;
    HOPS_ASSIGN_OR_RETURN(k.inter, MakeCert(s, k.inter_key.get(), k.root.get(), root_key.get()));
    HOPS_RETURN_IF_ERROR(WriteFile(d / "intermediate-ca.key", KeyPem(k.inter_key.get()), 0600));
    HOPS_RETURN_IF_ERROR(WriteFile(d / "intermediate-ca.pem", CertPem(k.inter.get()), 0644));
    log::Info("pki.intermediate_created", {{"fingerprint", Fingerprint(k.inter.get())}});
  }
  ca->root_pem_ = CertPem(k.root.get());
  ca->inter_pem_ = CertPem(k.inter.get());
  ca->root_fp_ = Fingerprint(k.root.get());
  HOPS_RETURN_IF_ERROR(WriteFile(d / "trust.pem", ca->chain_pem(), 0644));

  if (stdfs::exists(d / "key-encryption.key")) {
    HOPS_ASSIGN_OR_RETURN(ca->kek_, ReadFile(d / "key-encryption.key"));
    if (ca->kek_.size() != 32) return InvalidArgument("key-encryption.key in " + dir + " must be 32 bytes");
  } else {
    ca->kek_ = crypto::RandomBytes(32);
    HOPS_RETURN_IF_ERROR(WriteFile(d / "key-encryption.key", ca->kek_, 0600));
  }
  return ca;
}

std::string CertificateAuthority::kek_fingerprint() const { return crypto::Hex(crypto::Sha256(kek_)); }

std::string CertificateAuthority::trust_file() const { return (stdfs::path(dir_) / "trust.pem").string(); }

Result<IssuedCert> CertificateAuthority::Issue(const CertRequest& req) const {
  PkeyPtr key = NewKey();
  if (!key) return SslError("cannot generate a key pair");
  const int64_t now = clock_->NowMicros() / 1000000;
  Spec s;
  s.subject = {{"O", "Hops"}};
  for (const auto& rdn : req.subject) s.subject.push_back(rdn);
  s.subject.emplace_back("CN", req.common_name);
  s.basic_constraints = "critical,CA:FALSE";
  s.key_usage = "critical,digitalSignature";
  s.ext_key_usage = req.usage == CertUsage::kServer ? "serverAuth" : "clientAuth";
  for (const auto& n : req.dns_names) s.san += (s.san.empty() ? "" : ",") + std::string("DNS:") + n;
  for (const auto& n : req.ip_addresses) s.san += (s.san.empty() ? "" : ",") + std::string("IP:") + n;
  for (const auto& n : req.uris) s.san += (s.san.empty() ? "" : ",") + std::string("URI:") + n;
  s.not_before_s = now - 300;  // tolerate a little clock skew
  s.not_after_s = now + req.lifetime_s;
  // Never outlive the issuer.
  const int64_t inter_end = AsnTimeMicros(X509_get0_notAfter(keys_->inter.get())) / 1000000;
  if (s.not_after_s > inter_end) s.not_after_s = inter_end;
  HOPS_ASSIGN_OR_RETURN(auto x, MakeCert(s, key.get(), keys_->inter.get(), keys_->inter_key.get()));
  IssuedCert out;
  out.serial = SerialHex(X509_get0_serialNumber(x.get()));
  out.cert_pem = CertPem(x.get());
  out.key_pem = KeyPem(key.get());
  out.not_before_us = s.not_before_s * 1000000;
  out.not_after_us = s.not_after_s * 1000000;
  out.fingerprint = Fingerprint(x.get());
  out.subject = NameLine(X509_get_subject_name(x.get()));
  return out;
}

Status CertificateAuthority::EnsureServerCert(const std::vector<std::string>& hostnames, std::string* cert_path,
                                              std::string* key_path) const {
  const stdfs::path d(dir_);
  HOPS_ASSIGN_OR_RETURN(auto lock, LockDir(d));
  *cert_path = (d / "server.pem").string();
  *key_path = (d / "server.key").string();
  std::vector<std::string> dns = {"localhost"}, ips = {"127.0.0.1", "::1"};
  for (const auto& h : hostnames) {
    if (h.empty()) continue;
    bool ip = h.find_first_not_of("0123456789.") == std::string::npos || h.find(':') != std::string::npos;
    auto& list = ip ? ips : dns;
    if (std::find(list.begin(), list.end(), h) == list.end()) list.push_back(h);
  }
  // Reuse the current certificate when it is ours, covers every name and has a month left.
  if (stdfs::exists(*cert_path) && stdfs::exists(*key_path)) {
    auto pem = ReadFile(*cert_path);
    auto x = pem.ok() ? ParseCert(*pem) : Result<X509Ptr>(pem.status());
    if (x.ok()) {
      bool fits = SignedBy(x->get(), keys_->inter.get()) &&
                  AsnTimeMicros(X509_get0_notAfter(x->get())) > clock_->NowMicros() + int64_t{30} * 86400 * 1000000;
      for (const auto& n : dns) fits = fits && X509_check_host(x->get(), n.c_str(), n.size(), 0, nullptr) == 1;
      for (const auto& n : ips) fits = fits && X509_check_ip_asc(x->get(), n.c_str(), 0) == 1;
      if (fits) return Status::Ok();
    }
  }
  CertRequest req;
  req.common_name = dns.size() > 1 ? dns[1] : "localhost";
  req.subject = {{"OU", "hopsd"}};
  req.dns_names = dns;
  req.ip_addresses = ips;
  req.usage = CertUsage::kServer;
  req.lifetime_s = 365 * 86400;
  HOPS_ASSIGN_OR_RETURN(auto issued, Issue(req));
  HOPS_RETURN_IF_ERROR(WriteFile(*key_path, issued.key_pem, 0600));
  HOPS_RETURN_IF_ERROR(WriteFile(*cert_path, issued.cert_pem + inter_pem_, 0644));
  log::Info("pki.server_cert_issued", {{"serial", issued.serial}, {"subject", issued.subject}});
  return Status::Ok();
}

Result<std::string> CertificateAuthority::Crl(const std::vector<RevokedCert>& revoked, int64_t crl_number) const {
  CrlPtr crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);  // v2
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(keys_->inter.get()));
  const time_t now = static_cast<time_t>(clock_->NowMicros() / 1000000);
  AsnTimePtr last(ASN1_TIME_set(nullptr, now - 60)), next(ASN1_TIME_set(nullptr, now + 86400));
  X509_CRL_set1_lastUpdate(crl.get(), last.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (const auto& r : revoked) {
    X509_REVOKED* rv = X509_REVOKED_new();
    BIGNUM* raw = nullptr;
    if (BN_hex2bn(&raw, r.serial.c_str()) == 0) {
      X509_REVOKED_free(rv);
      return InvalidArgument("bad serial '" + r.serial + "'");
    }
    BnPtr bn(raw);
    AsnIntPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    AsnTimePtr when(ASN1_TIME_set(nullptr, static_cast<time_t>(r.revoked_at_us / 1000000)));
    X509_REVOKED_set_serialNumber(rv, serial.get());
    X509_REVOKED_set_revocationDate(rv, when.get());
    if (r.reason > 0) {
      ASN1_ENUMERATED* e = ASN1_ENUMERATED_new();
      ASN1_ENUMERATED_set(e, r.reason);
      X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, e, 0, 0);
      ASN1_ENUMERATED_free(e);
    }
    X509_CRL_add0_revoked(crl.get(), rv);
  }
  AsnIntPtr number(ASN1_INTEGER_new());
  ASN1_INTEGER_set_int64(number.get(), crl_number);
  X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, keys_->inter.get(), nullptr, nullptr, crl.get(), 0);
  ExtPtr aki(X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (aki) X509_CRL_add_ext(crl.get(), aki.get(), -1);
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), keys_->inter_key.get(), EVP_sha256()) <= 0) return SslError("cannot sign the CRL");
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_CRL(b.get(), crl.get());
  return BioString(b.get());
}

Result<std::string> CertificateAuthority::Pkcs12(const std::string& key_pem, const std::string& cert_pem,
                                                 const std::string& password, const std::string& friendly_name) const {
  HOPS_ASSIGN_OR_RETURN(auto key, ParseKey(key_pem));
  HOPS_ASSIGN_OR_RETURN(auto cert, ParseCert(cert_pem));
  STACK_OF(X509)* chain = sk_X509_new_null();
  sk_X509_push(chain, X509_dup(keys_->inter.get()));
  sk_X509_push(chain, X509_dup(keys_->root.get()));
  // OpenSSL 3 defaults: AES-256-CBC with PBKDF2 for the key and certificates, HMAC-SHA256 for the MAC.
  PKCS12* p12 = PKCS12_create(password.c_str(), friendly_name.c_str(), key.get(), cert.get(), chain, 0, 0, 0, 0, 0);
  sk_X509_pop_free(chain, X509_free);
  if (!p12) return SslError("cannot build the PKCS#12 file");
  BioPtr b(BIO_new(BIO_s_mem()));
  i2d_PKCS12_bio(b.get(), p12);
  PKCS12_free(p12);
  return BioString(b.get());
}

Result<std::string> CertificateAuthority::Seal(std::string_view plain) const {
  std::string iv = crypto::RandomBytes(12);
  std::string out = iv + std::string(plain.size() + 16, '\0');
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int n = 0, m = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out.data() + 12);
  bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(kek_.data()),
                                    reinterpret_cast<const unsigned char*>(iv.data())) == 1 &&
            EVP_EncryptUpdate(c, dst, &n, reinterpret_cast<const unsigned char*>(plain.data()),
                              static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(c, dst + n, &m) == 1 &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, dst + plain.size()) == 1;
  EVP_CIPHER_CTX_free(c);
  if (!ok) return SslError("cannot seal a private key");
  return crypto::Base64Url(out);
}

Result<std::string> CertificateAuthority::Unseal(std::string_view sealed) const {
  std::string raw;
  if (!crypto::Base64UrlDecode(sealed, &raw) || raw.size() < 28) return Internal("a sealed key is malformed");
  const size_t len = raw.size() - 28;
  std::string plain(len, '\0');
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int n = 0, m = 0;
  EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(kek_.data()),
                     reinterpret_cast<const unsigned char*>(raw.data()));
  EVP_DecryptUpdate(c, reinterpret_cast<unsigned char*>(plain.data()), &n,
                    reinterpret_cast<const unsigned char*>(raw.data() + 12), static_cast<int>(len));
  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, raw.data() + 12 + len);
  int ok = EVP_DecryptFinal_ex(c, reinterpret_cast<unsigned char*>(plain.data()) + n, &m);
  EVP_CIPHER_CTX_free(c);
  if (ok != 1) return Internal("a sealed key does not open with this server's key-encryption.key");
  return plain;
}

Result<CertInfo> ParseCertificate(std::string_view pem) {
  HOPS_ASSIGN_OR_RETURN(auto x, ParseCert(pem));
  CertInfo i;
  i.serial = SerialHex(X509_get0_serialNumber(x.get()));
  i.subject = NameLine(X509_get_subject_name(x.get()));
  i.issuer = NameLine(X509_get_issuer_name(x.get()));
  i.fingerprint = Fingerprint(x.get());
  i.not_before_us = AsnTimeMicros(X509_get0_notBefore(x.get()));
  i.not_after_us = AsnTimeMicros(X509_get0_notAfter(x.get()));
  return i;
}

}  // namespace hops::platform
