// The storage encoding of strata-server's keyspace over one StrataDB
// database (docs/SERVER.md, "Storage encoding", has it byte for byte):
//
//   'm' user_key                              -> metadata of user_key
//   's' be32(len(user_key)) user_key be64(version) subkey
//                                             -> one element of a collection
//   '\x01' name                               -> the server's own records
//                                                ("format", "next-version")
//
// The metadata value: type (1 byte), expiry in Unix ms (fixed64 LE, 0 = none),
// then for a string its bytes, for a collection version (fixed64) and size
// (fixed64) and any type-specific fields. SCAN, KEYS, DBSIZE and RANDOMKEY
// iterate the 'm' range only, whatever the collections hold. A collection's
// elements carry the version its metadata had when they were written, so
// DEL, overwrite or expiry of a collection rewrites the metadata alone (O(1));
// elements of an older version are garbage a compaction filter drops.
//
// Invariants:
//   1. Every user key has at most one metadata record; a key is live iff its
//      record exists and its expiry is 0 or in the future.
//   2. Versions are unique and increase across restarts (VersionAllocator
//      persists a reservation before handing any version out), so a new
//      collection never sees an old one's elements.
//
// Thread-safety: the functions are pure; VersionAllocator is thread-safe.

#ifndef STRATA_SERVER_METADATA_H_
#define STRATA_SERVER_METADATA_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/db.h"
#include "util/mutex.h"

namespace strata::server {

// The type of a key. On-disk: stored in every metadata record; do not
// renumber.
enum class KeyType : uint8_t {
  kString = 1,
  kHash = 2,
  kList = 3,
  kSet = 4,
  kZSet = 5,
};
static_assert(static_cast<uint8_t>(KeyType::kString) == 1);
static_assert(static_cast<uint8_t>(KeyType::kZSet) == 5);

// Redis's name of the type, as TYPE replies ("string", "hash", ...).
std::string_view KeyTypeName(KeyType type);

inline constexpr char kMetadataPrefix = 'm';
inline constexpr char kSubkeyPrefix = 's';
inline constexpr char kInternalPrefix = '\x01';
// The format of this keyspace, stored at InternalKey("format") when the
// data directory is created and checked at every start.
inline constexpr uint32_t kKeyspaceFormat = 1;

// The decoded metadata record of one key.
struct Metadata {
  KeyType type = KeyType::kString;
  uint64_t expire_ms = 0;  // Unix time in ms; 0: no expiry
  // Collections only (ignored for strings):
  uint64_t version = 0;
  uint64_t size = 0;
  // Collections only: type-specific fields after the size (e.g. a list's
  // head and tail), views the record.
  std::string_view extra;
  // Strings only: the value lives in the record.
  std::string_view value;

  bool Expired(uint64_t now_ms) const { return expire_ms != 0 && expire_ms <= now_ms; }
};

// 'm' + user_key.
std::string MetadataKey(std::string_view user_key);
// The user key of a metadata key (REQUIRES: it starts with 'm').
std::string_view UserKeyOf(std::string_view metadata_key);
// The first subkey of (user_key, version): elements are this prefix + subkey.
std::string SubkeyPrefix(std::string_view user_key, uint64_t version);
// SubkeyPrefix's size for a user key of key_size bytes.
inline constexpr size_t SubkeyPrefixSize(size_t key_size) { return 1 + 4 + key_size + 8; }
// Writes SubkeyPrefix(user_key, version) at out, which has room for
// SubkeyPrefixSize(user_key.size()) bytes.
void EncodeSubkeyPrefix(char* out, std::string_view user_key, uint64_t version);
std::string InternalKey(std::string_view name);

// Encodes a string key's record.
std::string EncodeStringMetadata(uint64_t expire_ms, std::string_view value);
// Encodes a collection's record (type != kString); `extra` (type-specific
// fields) follows the size.
std::string EncodeCollectionMetadata(KeyType type, uint64_t expire_ms, uint64_t version,
                                     uint64_t size, std::string_view extra = {});
// The bytes of EncodeCollectionMetadata before `extra` (type, expiry,
// version, size), written at `out` without an allocation.
inline constexpr size_t kCollectionHeaderSize = 1 + 8 + 8 + 8;
void EncodeCollectionHeader(char* out, KeyType type, uint64_t expire_ms, uint64_t version,
                            uint64_t size);
// Decodes `record` into *meta (meta->value views `record`). Returns
// Corruption if the record is malformed.
Status DecodeMetadata(std::string_view record, Metadata* meta);
// The expiry of a metadata record (0: none, or too short to hold one),
// read without decoding the rest.
uint64_t ExpiryOf(std::string_view record);
// Reads only the expiry field, to rewrite it (EXPIRE, PERSIST): returns
// `record` with the expiry replaced. REQUIRES: record decodes.
std::string WithExpiry(std::string_view record, uint64_t expire_ms);

// Hands out collection versions: unique, increasing, and never reused after a
// restart, by persisting (synced) a reservation of kBatch versions before
// using any of them.
class VersionAllocator {
 public:
  static constexpr uint64_t kBatch = 1 << 16;

  // `db` is not owned. Call Load before Next.
  explicit VersionAllocator(DB* db) : db_(db) {}
  // Reads the reservation: versions from there on are free.
  Status Load();
  // Stores the next version in *version.
  Status Next(uint64_t* version);

 private:
  DB* const db_;
  Mutex mu_;
  uint64_t next_ GUARDED_BY(mu_) = 1;
  uint64_t reserved_ GUARDED_BY(mu_) = 1;  // versions < reserved_ are on disk
};

}  // namespace strata::server

#endif  // STRATA_SERVER_METADATA_H_
