// The platform CA: creation and reopening, import checks, leaves, CRLs,
// PKCS#12, sealing; and certificate authentication against a real store.
#include <gtest/gtest.h>

#include "test_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "meta/store.h"
#include "platform/auth.h"
#include "platform/pki.h"

namespace hops::platform {
namespace {

namespace stdfs = std::filesystem;

class FakeClock : public Clock {
 public:
  int64_t NowMicros() const override { return now; }
  int64_t now = 1'790'000'000'000'000;  // 2026-09
};

std::string Dir(const std::string& name) {
  auto d = stdfs::path(::testing::TempDir()) / ("pki_test_" + name + "_" + std::to_string(getpid()));
  stdfs::remove_all(d);
  return d.string();
}

std::string Slurp(const stdfs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Pki, CreatesOnceAndReopensTheSameCa) {
  FakeClock clock;
  std::string dir = Dir("reopen");
  auto ca = CertificateAuthority::Open(dir, &clock);
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  std::string fp = (*ca)->root_fingerprint();
  for (const char* key : {"root-ca.key", "intermediate-ca.key", "key-encryption.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat((stdfs::path(dir) / key).c_str(), &st), 0) << key;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << key;
  }
  auto again = CertificateAuthority::Open(dir, &clock);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->root_fingerprint(), fp);
  // The root key may go offline once the intermediate exists.
  stdfs::remove(stdfs::path(dir) / "root-ca.key");
  auto offline = CertificateAuthority::Open(dir, &clock);
  ASSERT_TRUE(offline.ok()) << offline.status().ToString();
  EXPECT_TRUE((*offline)->Issue({"p__u", {}, {}, {}, {}, CertUsage::kClient, 3600}).ok());
}

TEST(Pki, RefusesMismatchedMaterial) {
  FakeClock clock;
  std::string a = Dir("mis_a"), b = Dir("mis_b");
  ASSERT_TRUE(CertificateAuthority::Open(a, &clock).ok());
  ASSERT_TRUE(CertificateAuthority::Open(b, &clock).ok());
  // An intermediate from another CA next to this root.
  stdfs::copy_file(stdfs::path(b) / "intermediate-ca.pem", stdfs::path(a) / "intermediate-ca.pem",
                   stdfs::copy_options::overwrite_existing);
  stdfs::copy_file(stdfs::path(b) / "intermediate-ca.key", stdfs::path(a) / "intermediate-ca.key",
                   stdfs::copy_options::overwrite_existing);
  auto r = CertificateAuthority::Open(a, &clock);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not signed by root-ca.pem"), std::string::npos);
  // A key that does not match its certificate.
  std::string c = Dir("mis_c");
  ASSERT_TRUE(CertificateAuthority::Open(c, &clock).ok());
  stdfs::copy_file(stdfs::path(b) / "root-ca.key", stdfs::path(c) / "root-ca.key",
                   stdfs::copy_options::overwrite_existing);
  r = CertificateAuthority::Open(c, &clock);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not match"), std::string::npos);
}

TEST(Pki, IssuesLeavesWithinTheIntermediatesLifetime) {
  FakeClock clock;
  auto ca = CertificateAuthority::Open(Dir("issue"), &clock);
  ASSERT_TRUE(ca.ok());
  CertRequest req{"demo__alice", {{"OU", "demo"}, {"UID", "alice"}}, {}, {}, {"hops:project/demo/user/alice"},
                  CertUsage::kClient, int64_t{100} * 365 * 86400};
  auto a = (*ca)->Issue(req);
  auto b = (*ca)->Issue(req);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->serial, b->serial);
  EXPECT_NE(a->key_pem, b->key_pem);
  auto info = ParseCertificate(a->cert_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->serial, a->serial);
  EXPECT_NE(info->subject.find("CN=demo__alice"), std::string::npos);
  EXPECT_NE(info->issuer.find("Hops Intermediate CA"), std::string::npos);
  auto inter = ParseCertificate((*ca)->intermediate_pem());
  ASSERT_TRUE(inter.ok());
  EXPECT_LE(info->not_after_us, inter->not_after_us);  // a 100-year request is clamped
  EXPECT_EQ(a->fingerprint, info->fingerprint);
}

TEST(Pki, CrlPkcs12AndSealing) {
  FakeClock clock;
  auto ca = CertificateAuthority::Open(Dir("crl"), &clock);
  ASSERT_TRUE(ca.ok());
  auto leaf = (*ca)->Issue({"p__u", {}, {}, {}, {}, CertUsage::kClient, 3600});
  ASSERT_TRUE(leaf.ok());
  auto crl = (*ca)->Crl({{leaf->serial, clock.now, 4}}, 7);
  ASSERT_TRUE(crl.ok());
  EXPECT_EQ(crl->rfind("-----BEGIN X509 CRL-----", 0), 0u);
  EXPECT_FALSE((*ca)->Crl({{"not-hex", clock.now, 1}}, 8).ok());
  auto p12 = (*ca)->Pkcs12(leaf->key_pem, leaf->cert_pem, "bundle-password", "p__u");
  ASSERT_TRUE(p12.ok());
  EXPECT_GT(p12->size(), 500u);
  auto sealed_or = (*ca)->Seal(leaf->key_pem);
  ASSERT_TRUE(sealed_or.ok());
  std::string sealed = *sealed_or;
  EXPECT_EQ(sealed.find("PRIVATE KEY"), std::string::npos);
  auto opened = (*ca)->Unseal(sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, leaf->key_pem);
  std::string tampered = sealed;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  EXPECT_FALSE((*ca)->Unseal(tampered).ok());
  // Another server's key-encryption key cannot open it.
  auto other = CertificateAuthority::Open(Dir("crl_other"), &clock);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->Unseal(sealed).ok());
}

TEST(Pki, ServerCertificateIsReusedUntilNamesChange) {
  FakeClock clock;
  std::string dir = Dir("server");
  auto ca = CertificateAuthority::Open(dir, &clock);
  ASSERT_TRUE(ca.ok());
  std::string cert, key;
  ASSERT_TRUE((*ca)->EnsureServerCert({}, &cert, &key).ok());
  std::string first = Slurp(cert);
  ASSERT_TRUE((*ca)->EnsureServerCert({"127.0.0.1"}, &cert, &key).ok());
  EXPECT_EQ(Slurp(cert), first);  // already covered
  ASSERT_TRUE((*ca)->EnsureServerCert({"hops.example.org", "10.0.0.5"}, &cert, &key).ok());
  EXPECT_NE(Slurp(cert), first);
  EXPECT_NE(Slurp(cert).find("BEGIN CERTIFICATE"), Slurp(cert).rfind("BEGIN CERTIFICATE"));  // leaf + intermediate
}

TEST(CertificateAuth, RevokedExpiredAndInactiveAreRefused) {
  FakeClock clock;
  auto dir = stdfs::path(Dir("auth"));
  auto store = meta::Store::Open(hops::testing::StoreUrl(dir), "normal");
  ASSERT_TRUE(store.ok());
  meta::Store& s = **store;
  Authenticator auth(s, &clock, 3600);
  ASSERT_TRUE(auth.Init().ok());
  auto add = [&](const std::string& serial, int64_t not_after, bool revoked, const std::string& status) {
    ASSERT_TRUE(s.Write([&](meta::Txn& t) -> Status {
                   HOPS_ASSIGN_OR_RETURN(int64_t uid, t.Insert("INSERT INTO users (username, email, password_hash, "
                                                               "role, status, created_at, updated_at) VALUES "
                                                               "(?, 'a@b.c', 'x', 'ADMIN', ?, 0, 0)",
                                                               {"u" + serial, status}));
                   meta::Value rev = revoked ? meta::Value(clock.now) : meta::Value(meta::Null{});
                   return t.Exec("INSERT INTO certificates (serial, kind, project_id, user_id, project, username, "
                                 "subject, fingerprint, cert_pem, purpose, not_before, not_after, created_at, "
                                 "created_by, revoked_at) VALUES (?, 'member', 7, ?, 'demo', ?, 's', 'f', 'pem', "
                                 "'p', 0, ?, 0, 'x', ?)",
                                 {serial, uid, "u" + serial, not_after, rev})
                       .status();
                 }).ok());
  };
  add("a1", clock.now + 1000000, false, "ACTIVE");
  add("a2", clock.now + 1000000, true, "ACTIVE");
  add("a3", clock.now - 1, false, "ACTIVE");
  add("a4", clock.now + 1000000, false, "DEACTIVATED");
  // Another certificate that claims a1's serial (a sibling CA, a forgery) has another fingerprint.
  auto forged = auth.AuthenticateCertificate("a1", "AA:BB");
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.status().code(), Code::kUnauthenticated);
  auto ok = auth.AuthenticateCertificate("a1", "f");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->method, AuthMethod::kCertificate);
  EXPECT_EQ(ok->only_project_id, 7);
  EXPECT_EQ(ok->only_project, "demo");
  EXPECT_FALSE(ok->ActsAsAdmin());  // an admin's certificate carries no admin rights
  EXPECT_TRUE(ok->Reaches(7));
  EXPECT_FALSE(ok->Reaches(8));
  for (auto [serial, what] : {std::pair{"a2", "revoked"}, std::pair{"a3", "expired"},
                              std::pair{"a4", "DEACTIVATED"}, std::pair{"zz", "not a project-member"}}) {
    auto r = auth.AuthenticateCertificate(serial, "f");
    ASSERT_FALSE(r.ok()) << serial;
    EXPECT_EQ(r.status().code(), Code::kUnauthenticated);
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace hops::platform
