// The keyspace encoding: see metadata.h and docs/SERVER.md.

#include "server/metadata.h"

#include <cstring>

#include "util/coding.h"

namespace strata::server {

namespace {

constexpr size_t kHeaderSize = 1 + 8;  // type, expiry

}  // namespace

std::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kString:
      return "string";
    case KeyType::kHash:
      return "hash";
    case KeyType::kList:
      return "list";
    case KeyType::kSet:
      return "set";
    case KeyType::kZSet:
      return "zset";
  }
  return "none";
}

std::string MetadataKey(std::string_view user_key) {
  std::string key;
  key.reserve(user_key.size() + 1);
  key.push_back(kMetadataPrefix);
  key.append(user_key);
  return key;
}

std::string_view UserKeyOf(std::string_view metadata_key) { return metadata_key.substr(1); }

std::string SubkeyPrefix(std::string_view user_key, uint64_t version) {
  std::string key(SubkeyPrefixSize(user_key.size()), '\0');
  EncodeSubkeyPrefix(key.data(), user_key, version);
  return key;
}

void EncodeSubkeyPrefix(char* out, std::string_view user_key, uint64_t version) {
  *out++ = kSubkeyPrefix;
  EncodeBigEndian32(out, static_cast<uint32_t>(user_key.size()));
  out += 4;
  if (!user_key.empty()) std::memcpy(out, user_key.data(), user_key.size());
  out += user_key.size();
  EncodeBigEndian64(out, version);
}

std::string InternalKey(std::string_view name) {
  std::string key(1, kInternalPrefix);
  key.append(name);
  return key;
}

std::string EncodeStringMetadata(uint64_t expire_ms, std::string_view value) {
  std::string record;
  record.reserve(kHeaderSize + value.size());
  record.push_back(static_cast<char>(KeyType::kString));
  PutFixed64(&record, expire_ms);
  record.append(value);
  return record;
}

void EncodeCollectionHeader(char* out, KeyType type, uint64_t expire_ms, uint64_t version,
                            uint64_t size) {
  static_assert(kCollectionHeaderSize == kHeaderSize + 16);
  out[0] = static_cast<char>(type);
  EncodeFixed64(out + 1, expire_ms);
  EncodeFixed64(out + 9, version);
  EncodeFixed64(out + 17, size);
}

std::string EncodeCollectionMetadata(KeyType type, uint64_t expire_ms, uint64_t version,
                                     uint64_t size, std::string_view extra) {
  std::string record(kCollectionHeaderSize, '\0');
  EncodeCollectionHeader(record.data(), type, expire_ms, version, size);
  record.append(extra);
  return record;
}

Status DecodeMetadata(std::string_view record, Metadata* meta) {
  if (record.size() < kHeaderSize) return Status::Corruption("metadata record too short");
  uint8_t type = static_cast<uint8_t>(record[0]);
  if (type < static_cast<uint8_t>(KeyType::kString) ||
      type > static_cast<uint8_t>(KeyType::kZSet)) {
    return Status::Corruption("metadata record of unknown type");
  }
  meta->type = static_cast<KeyType>(type);
  meta->expire_ms = DecodeFixed64(record.data() + 1);
  meta->value = std::string_view();
  meta->version = 0;
  meta->size = 0;
  meta->extra = std::string_view();
  if (meta->type == KeyType::kString) {
    meta->value = record.substr(kHeaderSize);
    return Status::OK();
  }
  if (record.size() < kHeaderSize + 16) return Status::Corruption("collection metadata too short");
  meta->version = DecodeFixed64(record.data() + kHeaderSize);
  meta->size = DecodeFixed64(record.data() + kHeaderSize + 8);
  meta->extra = record.substr(kHeaderSize + 16);
  return Status::OK();
}

uint64_t ExpiryOf(std::string_view record) {
  return record.size() >= kHeaderSize ? DecodeFixed64(record.data() + 1) : 0;
}

std::string WithExpiry(std::string_view record, uint64_t expire_ms) {
  std::string out(record);
  EncodeFixed64(out.data() + 1, expire_ms);
  return out;
}

Status VersionAllocator::Load() {
  std::string value;
  Status s = db_->Get(ReadOptions(), InternalKey("next-version"), &value);
  MutexLock lock(&mu_);
  if (s.IsNotFound()) {
    next_ = reserved_ = 1;
    return Status::OK();
  }
  if (!s.ok()) return s;
  if (value.size() != 8) return Status::Corruption("next-version record is not 8 bytes");
  next_ = reserved_ = DecodeFixed64(value.data());
  return Status::OK();
}

Status VersionAllocator::Next(uint64_t* version) {
  MutexLock lock(&mu_);
  if (next_ >= reserved_) {
    // Persist the new reservation before handing out any version in it, so
    // a restart never hands one out twice.
    std::string value;
    PutFixed64(&value, next_ + kBatch);
    WriteOptions sync;
    sync.sync = true;
    Status s = db_->Put(sync, InternalKey("next-version"), value);
    if (!s.ok()) return s;
    reserved_ = next_ + kBatch;
  }
  *version = next_++;
  return Status::OK();
}

}  // namespace strata::server
