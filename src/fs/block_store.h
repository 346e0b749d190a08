// Where file blocks live. A block is written once under a fresh id, made
// durable by Finish(), and only then published by a metadata transaction;
// an unpublished block is garbage that the collector removes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace hops::fs {

class BlockWriter {
 public:
  virtual ~BlockWriter() = default;  // without Finish(), the partial block is removed
  virtual Status Append(std::string_view bytes) = 0;
  virtual Status Finish() = 0;  // durable on return
};

struct BlockInfo {
  std::string id;
  uint64_t size = 0;
  int64_t mtime_us = 0;
};

class BlockStore {
 public:
  virtual ~BlockStore() = default;
  virtual std::string Describe() const = 0;
  virtual Result<std::unique_ptr<BlockWriter>> Create(const std::string& id) = 0;
  // Reads up to n bytes at offset; fewer only at the end of the block.
  virtual Result<size_t> ReadAt(const std::string& id, uint64_t offset, char* buf, size_t n) = 0;
  virtual Result<uint64_t> Size(const std::string& id) = 0;  // NOT_FOUND when absent
  virtual Status Delete(const std::string& id) = 0;          // absent is fine
  virtual Status List(const std::function<void(const BlockInfo&)>& fn) = 0;
};

// Blocks as files under dir/<first two hex digits>/<id>.
Result<std::unique_ptr<BlockStore>> NewLocalBlockStore(const std::string& dir);
struct S3Settings {
  std::string endpoint;                // http(s)://host[:port]
  std::string bucket, region = "us-east-1", prefix = "blocks/";
  std::string access_key, secret_key;
  bool virtual_hosted = false;         // bucket.host instead of host/bucket
  uint64_t part_size = 8u << 20;       // multipart upload part (S3 minimum 5 MiB)
  std::string ca_file;                 // for https endpoints; empty: system store
  int timeout_ms = 30000;
  int max_attempts = 5;                // per request, with backoff, on 5xx, 429 and connection failures
};
// Blocks as objects <prefix><id> in an S3-compatible bucket (AWS Signature V4).
Result<std::unique_ptr<BlockStore>> NewS3BlockStore(const S3Settings& settings);
// Fails writes with "no space left" once `capacity` bytes were written in
// total (fault injection for tests: --fs-fault-capacity-bytes).
std::unique_ptr<BlockStore> NewCapacityLimitedBlockStore(std::unique_ptr<BlockStore> inner, uint64_t capacity);

}  // namespace hops::fs
