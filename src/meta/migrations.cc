// The schema, as an ordered list of migrations. Never edit a released
// migration: add a new one. Tokens keep the DDL engine-neutral:
//   ${ID}   auto-increment integer primary key
//   ${NAME} an indexable short string (<= 255 characters)
//   ${TEXT} unbounded text
//   ${BLOB} binary bytes
//   ${SEQ}  a caller-assigned integer primary key (SQLite: the rowid itself,
//           so the table is one b-tree instead of a table plus an index)
// A statement that starts with ${SQLITE_ONLY} runs on SQLite alone (a change
// of storage layout that other engines have already).
#include <cstring>

#include "meta/migrations.h"

#include "core/clock.h"
#include "core/log.h"

namespace hops::meta {

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "users, sessions, API keys, projects, members, quotas, audit log",
       {
           "CREATE TABLE users (id ${ID}, username ${NAME} NOT NULL UNIQUE, email ${NAME} NOT NULL, "
           "password_hash ${TEXT} NOT NULL, role ${NAME} NOT NULL, status ${NAME} NOT NULL, "
           "failed_logins BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
           "CREATE TABLE signing_keys (kid ${NAME} PRIMARY KEY, secret ${BLOB} NOT NULL, "
           "created_at BIGINT NOT NULL, active BIGINT NOT NULL)",
           "CREATE TABLE sessions (id ${NAME} PRIMARY KEY, user_id BIGINT NOT NULL, "
           "created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked BIGINT NOT NULL DEFAULT 0)",
           "CREATE INDEX sessions_user ON sessions(user_id)",
           "CREATE TABLE api_keys (id ${ID}, user_id BIGINT NOT NULL, name ${NAME} NOT NULL, "
           "prefix ${NAME} NOT NULL UNIQUE, secret_hash ${BLOB} NOT NULL, scopes BIGINT NOT NULL, "
           "created_at BIGINT NOT NULL, last_used_at BIGINT, UNIQUE (user_id, name))",
           "CREATE TABLE projects (id ${ID}, name ${NAME} NOT NULL, name_key ${NAME} NOT NULL UNIQUE, "
           "description ${TEXT} NOT NULL, owner_id BIGINT NOT NULL, created_at BIGINT NOT NULL, "
           "updated_at BIGINT NOT NULL)",
           "CREATE INDEX projects_owner ON projects(owner_id)",
           "CREATE TABLE project_members (project_id BIGINT NOT NULL, user_id BIGINT NOT NULL, "
           "role ${NAME} NOT NULL, added_at BIGINT NOT NULL, PRIMARY KEY (project_id, user_id))",
           "CREATE INDEX project_members_user ON project_members(user_id)",
           "CREATE TABLE project_quotas (project_id BIGINT PRIMARY KEY, "
           "storage_bytes_limit BIGINT NOT NULL, storage_bytes_used BIGINT NOT NULL DEFAULT 0, "
           "namespace_limit BIGINT NOT NULL, namespace_used BIGINT NOT NULL DEFAULT 0, "
           "cpu_hours_limit BIGINT NOT NULL, cpu_seconds_used BIGINT NOT NULL DEFAULT 0, "
           "gpu_hours_limit BIGINT NOT NULL, gpu_seconds_used BIGINT NOT NULL DEFAULT 0)",
           "CREATE TABLE audit_log (seq ${SEQ}, ts BIGINT NOT NULL, username ${NAME} NOT NULL, "
           "auth ${NAME} NOT NULL, client ${NAME} NOT NULL, method ${NAME} NOT NULL, route ${TEXT} NOT NULL, "
           "action ${NAME} NOT NULL, target ${TEXT} NOT NULL, project ${NAME} NOT NULL, "
           "outcome ${NAME} NOT NULL, status BIGINT NOT NULL, latency_us BIGINT NOT NULL, "
           "request_id ${NAME} NOT NULL, prev_hash ${NAME} NOT NULL, hash ${NAME} NOT NULL)",
           "CREATE INDEX audit_log_ts ON audit_log(ts)",
           "CREATE TABLE audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash ${NAME} NOT NULL)",
           "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, 'genesis')",
       }},
      {2,
       "HopsFS: inodes, blocks, inline data, extended attributes, shares, provenance, block GC queue",
       {
           // One row per file or directory, keyed by (parent_id, name). Directories
           // that track usage (project roots, quota directories) keep ns_used/ds_used.
           "CREATE TABLE inodes (id ${ID}, parent_id BIGINT NOT NULL, name ${NAME} NOT NULL, "
           "is_dir BIGINT NOT NULL, owner ${NAME} NOT NULL, grp ${NAME} NOT NULL, perm BIGINT NOT NULL, "
           "size BIGINT NOT NULL DEFAULT 0, mtime BIGINT NOT NULL, atime BIGINT NOT NULL, "
           "block_size BIGINT NOT NULL DEFAULT 0, replication BIGINT NOT NULL DEFAULT 0, "
           "inline_data BIGINT NOT NULL DEFAULT 0, created_by BIGINT NOT NULL DEFAULT 0, "
           "children BIGINT NOT NULL DEFAULT 0, tracks BIGINT NOT NULL DEFAULT 0, "
           "ns_quota BIGINT NOT NULL DEFAULT -1, ds_quota BIGINT NOT NULL DEFAULT -1, "
           "ns_used BIGINT NOT NULL DEFAULT 0, ds_used BIGINT NOT NULL DEFAULT 0, "
           "prov BIGINT NOT NULL DEFAULT 0, subtree_lock ${NAME}, UNIQUE (parent_id, name))",
           // 1: '/', 2: '/Projects', 3: the trash that detached subtrees wait in
           // while they are deleted in batches (unreachable from '/').
           "INSERT INTO inodes (id, parent_id, name, is_dir, owner, grp, perm, mtime, atime) "
           "VALUES (1, 0, '', 1, 'hops', 'hops', 493, 0, 0)",
           "INSERT INTO inodes (id, parent_id, name, is_dir, owner, grp, perm, mtime, atime) "
           "VALUES (2, 1, 'Projects', 1, 'hops', 'hops', 493, 0, 0)",
           "INSERT INTO inodes (id, parent_id, name, is_dir, owner, grp, perm, mtime, atime) "
           "VALUES (3, 0, '.trash', 1, 'hops', 'hops', 448, 0, 0)",
           "UPDATE inodes SET children = 1 WHERE id = 1",
           "CREATE TABLE fs_inline (inode_id BIGINT PRIMARY KEY, data ${BLOB} NOT NULL)",
           "CREATE TABLE fs_blocks (inode_id BIGINT NOT NULL, idx BIGINT NOT NULL, block_id ${NAME} NOT NULL, "
           "size BIGINT NOT NULL, checksums ${BLOB} NOT NULL, PRIMARY KEY (inode_id, idx))",
           "CREATE UNIQUE INDEX fs_blocks_block ON fs_blocks(block_id)",
           "CREATE TABLE fs_block_gc (block_id ${NAME} PRIMARY KEY, queued_at BIGINT NOT NULL)",
           "CREATE TABLE fs_xattrs (inode_id BIGINT NOT NULL, name ${NAME} NOT NULL, value ${BLOB} NOT NULL, "
           "PRIMARY KEY (inode_id, name))",
           "CREATE TABLE fs_shares (id ${ID}, dataset_id BIGINT NOT NULL, src_project BIGINT NOT NULL, "
           "dst_project BIGINT NOT NULL, permission ${NAME} NOT NULL, accepted BIGINT NOT NULL, "
           "shared_by ${NAME} NOT NULL, created_at BIGINT NOT NULL, UNIQUE (dataset_id, dst_project))",
           "CREATE INDEX fs_shares_dst ON fs_shares(dst_project)",
           "CREATE TABLE fs_provenance (seq ${ID}, project_id BIGINT NOT NULL, dataset ${NAME} NOT NULL, "
           "path ${TEXT} NOT NULL, op ${NAME} NOT NULL, username ${NAME} NOT NULL, at BIGINT NOT NULL, "
           "iface ${NAME} NOT NULL, app_id ${NAME} NOT NULL, inode_id BIGINT NOT NULL)",
           "CREATE INDEX fs_provenance_project ON fs_provenance(project_id, at)",
       }},
      {3,
       "HopsFS: the namespace epoch that validates cached directory lookups",
       {
           // Bumped by every transaction that renames or deletes a directory or
           // changes a dataset's provenance level; a cached directory lookup is
           // used only while the epoch read in the same transaction is unchanged.
           "CREATE TABLE fs_meta (id BIGINT PRIMARY KEY, epoch BIGINT NOT NULL)",
           "INSERT INTO fs_meta (id, epoch) VALUES (1, 0)",
       }},
      {4,
       "HopsFS: blocks of writes in flight, which the collector leaves alone",
       {
           "CREATE TABLE fs_uploads (block_id ${NAME} PRIMARY KEY, started_at BIGINT NOT NULL)",
       }},
      {5,
       "PKI: project-member and service certificates, with their revocations",
       {
           // kind: member (the long-lived identity, its key sealed with the
           // server's key-encryption key) or service (short-lived; the key is
           // never stored). revoked_at/revoke_reason feed the CRL.
           "CREATE TABLE certificates (serial ${NAME} PRIMARY KEY, kind ${NAME} NOT NULL, "
           "project_id BIGINT NOT NULL, user_id BIGINT NOT NULL, project ${NAME} NOT NULL, username ${NAME} NOT NULL, "
           "subject ${TEXT} NOT NULL, fingerprint ${NAME} NOT NULL, cert_pem ${TEXT} NOT NULL, sealed_key ${TEXT}, "
           "purpose ${TEXT} NOT NULL, renewed_from ${NAME}, not_before BIGINT NOT NULL, not_after BIGINT NOT NULL, "
           "created_at BIGINT NOT NULL, created_by ${NAME} NOT NULL, revoked_at BIGINT, revoke_reason BIGINT)",
           "CREATE INDEX certificates_member ON certificates(project_id, user_id)",
           "CREATE INDEX certificates_user ON certificates(user_id)",
           "CREATE INDEX certificates_revoked ON certificates(revoked_at)",
       }},
      {6,
       "Cluster: servers and their heartbeats, leases for work done once per cluster, settings all servers share",
       {
           "CREATE TABLE servers (id ${NAME} PRIMARY KEY, address ${NAME} NOT NULL, started_at BIGINT NOT NULL, "
           "heartbeat_at BIGINT NOT NULL)",
           "CREATE TABLE leases (name ${NAME} PRIMARY KEY, holder ${NAME} NOT NULL, expires_at BIGINT NOT NULL)",
           "CREATE TABLE cluster_settings (name ${NAME} PRIMARY KEY, value ${TEXT} NOT NULL)",
           // The server whose write it is: a dead server's writes in flight are garbage.
           "ALTER TABLE fs_uploads ADD COLUMN server_id ${NAME} NOT NULL DEFAULT ''",
       }},
      {7,
       "HopsFS: inline file bytes keyed by the inode id itself (one b-tree lookup per small-file read)",
       {
           // Declared BIGINT PRIMARY KEY, SQLite kept a table and a separate
           // index; InnoDB already clusters rows by their primary key.
           "${SQLITE_ONLY} CREATE TABLE fs_inline_v7 (inode_id ${SEQ}, data ${BLOB} NOT NULL)",
           "${SQLITE_ONLY} INSERT INTO fs_inline_v7 (inode_id, data) SELECT inode_id, data FROM fs_inline",
           "${SQLITE_ONLY} DROP TABLE fs_inline",
           "${SQLITE_ONLY} ALTER TABLE fs_inline_v7 RENAME TO fs_inline",
       }},
  };
  return kMigrations;
}

int LatestSchemaVersion() { return AllMigrations().back().version; }

std::string RenderDdl(const std::string& ddl, const Dialect& d) {
  const bool my = d.name == "mysql";
  static constexpr std::string_view kSqliteOnly = "${SQLITE_ONLY} ";
  if (ddl.rfind(kSqliteOnly, 0) == 0) return my ? "" : RenderDdl(ddl.substr(kSqliteOnly.size()), d);
  const std::pair<const char*, const char*> tokens[] = {
      {"${ID}", my ? "BIGINT PRIMARY KEY AUTO_INCREMENT" : "INTEGER PRIMARY KEY AUTOINCREMENT"},
      {"${NAME}", my ? "VARCHAR(255)" : "TEXT"},
      {"${TEXT}", my ? "LONGTEXT" : "TEXT"},
      {"${BLOB}", my ? "LONGBLOB" : "BLOB"},
      {"${SEQ}", my ? "BIGINT PRIMARY KEY" : "INTEGER PRIMARY KEY"},
  };
  std::string out = ddl;
  for (auto [tok, rep] : tokens) {
    for (size_t p; (p = out.find(tok)) != std::string::npos;) out.replace(p, std::strlen(tok), rep);
  }
  if (my) {
    // The engine, and byte-wise comparison of names as on SQLite (a binary
    // collation without padding: "a" and "a " differ).
    if (out.rfind("CREATE TABLE", 0) == 0) out += d.table_options;
    // MySQL commits each DDL statement on its own: a migration cut short is
    // run again, so every statement must be harmless the second time.
    const std::pair<const char*, const char*> again[] = {
        {"CREATE TABLE ", "CREATE TABLE IF NOT EXISTS "}, {"CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS "},
        {"CREATE INDEX ", "CREATE INDEX IF NOT EXISTS "},  {"ADD COLUMN ", "ADD COLUMN IF NOT EXISTS "},
        {"INSERT INTO ", "INSERT IGNORE INTO "}};
    for (auto [from, to] : again) {
      // MySQL has no IF NOT EXISTS for indexes and columns: a second run fails
      // with a duplicate name, which Migrate takes as done.
      const bool table_or_row = std::strcmp(from, "CREATE TABLE ") == 0 || std::strcmp(from, "INSERT INTO ") == 0;
      if (!d.ddl_if_not_exists && !table_or_row) continue;
      if (out.rfind(from, 0) == 0 || (std::strcmp(from, "ADD COLUMN ") == 0 && out.find(from) != std::string::npos)) {
        size_t p = out.find(from);
        if (out.compare(p + std::strlen(from), 14, "IF NOT EXISTS ") != 0) out.replace(p, std::strlen(from), to);
      }
    }
  }
  return out;
}

Status Migrate(Store& store) {
  int current = 0;
  HOPS_RETURN_IF_ERROR(store.Write([&](Txn& t) -> Status {
    HOPS_RETURN_IF_ERROR(
        t.Exec("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL, applied_at BIGINT NOT NULL)")
            .status());
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT MAX(version) FROM schema_version"));
    current = row && !row->IsNull(0) ? static_cast<int>(row->Int(0)) : 0;
    return Status::Ok();
  }));
  const int latest = LatestSchemaVersion();
  if (current > latest) {
    return Unavailable("the store's schema is version " + std::to_string(current) +
                       " but this hopsd only knows up to version " + std::to_string(latest) +
                       "; run a newer hopsd (refusing to touch a newer store)");
  }
  for (const Migration& m : AllMigrations()) {
    if (m.version <= current) continue;
    bool applied = false;
    Status st = store.Write([&](Txn& t) -> Status {
      // Another server sharing the store may have applied it meanwhile.
      HOPS_ASSIGN_OR_RETURN(auto done, t.QueryOne("SELECT version FROM schema_version WHERE version = ?",
                                                  {int64_t{m.version}}));
      applied = false;
      if (done) return Status::Ok();
      applied = true;
      for (const std::string& ddl : m.statements) {
        const std::string sql = RenderDdl(ddl, t.dialect());
        if (sql.empty()) continue;  // not for this engine
        Status st = t.Exec(sql).status();
        // An index or column a cut-short run of this migration already made
        // (servers without IF NOT EXISTS for them): a duplicate name, not
        // duplicate data (a unique index over duplicate rows still fails).
        const bool names_something = sql.rfind("CREATE INDEX ", 0) == 0 || sql.rfind("CREATE UNIQUE INDEX ", 0) == 0 ||
                                     sql.find(" ADD COLUMN ") != std::string::npos;
        if (st.code() == Code::kAlreadyExists && !t.dialect().ddl_if_not_exists && names_something &&
            st.message().rfind("already defined", 0) == 0)
          continue;
        HOPS_RETURN_IF_ERROR(st);
      }
      return t.Exec("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    {int64_t{m.version}, Clock::Real()->NowMicros()})
          .status();
    });
    if (!st.ok()) return Status(st.code(), "migration " + std::to_string(m.version) + " failed: " + st.message());
    if (applied) log::Info("store.migrated", {{"version", std::to_string(m.version)}, {"what", m.description}});
  }
  store.set_schema_version(latest);
  return Status::Ok();
}

}  // namespace hops::meta
