// The building blocks every collection type (hash, list, set, sorted set)
// uses over the keyspace of metadata.h: reading a key that must hold one
// type, starting a new collection under a fresh version, naming and walking
// its elements, and writing its metadata back.
//
// A collection's elements are keys SubkeyPrefix(user_key, version) + subkey
// (metadata.h); each type defines what its subkeys and values hold
// (docs/SERVER.md, "Storage encoding"). The metadata's `size` counts the
// elements; a collection whose size drops to 0 is deleted (its metadata
// record removed), as Redis removes empty collections. Type-specific fields
// (e.g. a list's head and tail) follow the size in the metadata record and
// are carried in Metadata::extra.
//
// Thread-safety: the functions are thread-safe; a caller that reads a
// collection and then writes it holds the key's lock (KeyLockGuard,
// server_state.h) from the read until its batch is written.

#ifndef STRATA_SERVER_COLLECTION_H_
#define STRATA_SERVER_COLLECTION_H_

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/commands.h"
#include "server/metadata.h"
#include "server/server_state.h"
#include "strata/db.h"

namespace strata::server {

// A key (or a small record) built in place: up to three pieces joined
// without a heap allocation when they fit in kInline bytes (nearly every
// element key and metadata record does), on the heap otherwise. A command
// builds one or more per element it reads or writes, and hands it straight
// to a read or a WriteBatch, which copy it. Neither copyable nor movable:
// it views its own buffer.
class KeyBuffer {
 public:
  // prefix + subkey + rest (a subkey in two pieces).
  KeyBuffer(std::string_view prefix, std::string_view subkey, std::string_view rest = {})
      : size_(prefix.size() + subkey.size() + rest.size()) {
    char* out = inline_;
    if (size_ > kInline) {
      heap_ = std::make_unique<char[]>(size_);
      out = heap_.get();
    }
    data_ = out;
    for (std::string_view piece : {prefix, subkey, rest}) {
      if (piece.empty()) continue;
      std::memcpy(out, piece.data(), piece.size());
      out += piece.size();
    }
  }
  KeyBuffer(const KeyBuffer&) = delete;
  KeyBuffer& operator=(const KeyBuffer&) = delete;

  std::string_view view() const { return std::string_view(data_, size_); }
  operator std::string_view() const { return view(); }  // NOLINT: a key wherever one is taken

 private:
  static constexpr size_t kInline = 128;
  char inline_[kInline];
  std::unique_ptr<char[]> heap_;
  const char* data_ = nullptr;
  size_t size_;
};

// A collection's SubkeyPrefix(key, version), inline for keys of up to
// kInline - 13 bytes (the names applications and benchmarks use), on the
// heap past that: every collection command builds one, and a heap string
// was one of its allocations. Copyable (a copy owns its own bytes).
class ElementPrefix {
 public:
  ElementPrefix() = default;
  ElementPrefix(const ElementPrefix& other) { *this = other; }
  ElementPrefix& operator=(const ElementPrefix& other) {
    if (this != &other) *this = other.view();
    return *this;
  }
  // Any bytes (a prefix built elsewhere).
  ElementPrefix& operator=(std::string_view bytes) {
    Resize(bytes.size());
    if (!bytes.empty()) std::memmove(data(), bytes.data(), bytes.size());
    return *this;
  }

  // SubkeyPrefix(user_key, version).
  void Assign(std::string_view user_key, uint64_t version) {
    Resize(SubkeyPrefixSize(user_key.size()));
    EncodeSubkeyPrefix(data(), user_key, version);
  }
  void clear() { Resize(0); }

  size_t size() const { return size_; }
  std::string_view view() const { return std::string_view(data(), size_); }
  operator std::string_view() const { return view(); }  // NOLINT: a prefix reads as its bytes
  friend bool operator==(const ElementPrefix& a, const ElementPrefix& b) {
    return a.view() == b.view();
  }

 private:
  static constexpr size_t kInline = 64;

  void Resize(size_t n) {
    if (n > kInline) {
      heap_.resize(n);
    } else {
      heap_.clear();
    }
    size_ = n;
  }
  char* data() { return size_ > kInline ? heap_.data() : inline_; }
  const char* data() const { return size_ > kInline ? heap_.data() : inline_; }

  char inline_[kInline];
  std::string heap_;  // the bytes when they outgrow inline_
  size_t size_ = 0;
};

// One collection key as a command sees it.
struct Collection {
  bool found = false;    // the key exists (live) and holds the expected type
  std::string record;    // its metadata record (meta.extra views it)
  Metadata meta;         // when !found: a fresh, empty collection of the type,
                         // version 0 until Create gives it one
  ElementPrefix prefix;  // SubkeyPrefix(key, meta.version), once found/created

  // The key of the element `subkey`.
  KeyBuffer ElementKey(std::string_view subkey) const { return KeyBuffer(prefix, subkey); }
  // The key of the element whose subkey is head + rest.
  KeyBuffer ElementKey(std::string_view head, std::string_view rest) const {
    return KeyBuffer(prefix, head, rest);
  }
};

// Reads `key` expecting `type`. Returns true with *c filled (c->found false
// when the key is missing or expired) or, after replying WRONGTYPE or the
// engine's error to ctx, false: the handler must return at once.
bool ReadCollection(CommandContext& ctx, std::string_view key, KeyType type, Collection* c);

// Gives a missing collection (c->found false) a fresh version and prefix,
// replying the error and returning false if no version can be allocated.
bool CreateCollection(CommandContext& ctx, std::string_view key, Collection* c);

// Adds to `batch` the write of c's metadata (c->meta: type, expiry,
// version, size and `extra`), or its deletion when size is 0.
void PutCollectionMetadata(std::string_view key, const Collection& c, WriteBatch* batch);

// Adds to `batch` a copy of the live collection at `from` (meta: its
// metadata) under `to`: every element rewritten under a fresh version of
// `to`, then `to`'s metadata record, meta's with only the version changed
// (expiry, size and type-specific fields kept). Writes nothing to `from`
// and does not delete `to`'s old elements (they keep their old version and
// are garbage, element_gc.h). COPY and RENAME build on it. O(size). Replies
// the error and returns false on one. REQUIRES: the caller holds both keys'
// locks until the batch is written.
bool CopyCollection(CommandContext& ctx, std::string_view from, std::string_view to,
                    const Metadata& meta, WriteBatch* batch);

// Reads the element `subkey` of c into *value: NotFound if absent.
// Commands read elements only through GetElement and ElementIterator, and
// write only through CommitBatch, so that one place decides what a command
// sees and where its writes go (e.g. inside MULTI/EXEC).
Status GetElement(CommandContext& ctx, const Collection& c, std::string_view subkey,
                  std::string* value);

// An iterator over the elements of c (c.prefix set), positioned nowhere
// until a Seek; subkey() returns keys without the prefix. A non-empty
// `upper_subkey` narrows it to the subkeys before that one (SeekToLast then
// seeks straight below it, stepping over no deleted element after it), and
// a non-empty `lower_subkey` to the subkeys at or after that one
// (SeekToFirst seeks there). Narrow bounds are cheaper than the caller's
// own filter: the memtable links only its deferred entries inside them
// (MemTable::NewIterator).
class ElementIterator {
 public:
  ElementIterator(CommandContext& ctx, const Collection& c, std::string_view upper_subkey = {},
                  std::string_view lower_subkey = {});
  // The engine iterator views the bounds this object holds.
  ElementIterator(const ElementIterator&) = delete;
  ElementIterator& operator=(const ElementIterator&) = delete;

  void SeekToFirst();
  void SeekToLast();
  // First element whose subkey is >= target.
  void Seek(std::string_view subkey);
  // Seek(head + rest), without joining them first.
  void Seek(std::string_view head, std::string_view rest);
  // Last element whose subkey is <= target.
  void SeekForPrev(std::string_view subkey);
  bool Valid() const;
  void Next();
  void Prev();
  std::string_view subkey() const;  // REQUIRES: Valid()
  std::string_view value() const;   // REQUIRES: Valid()
  Status status() const;

 private:
  // The bounds, in one buffer: the prefix and lower_subkey (lower_view_),
  // then the prefix's successor or the prefix and upper_subkey
  // (upper_view_). The views are what ReadOptions points to.
  std::string bounds_;
  std::string_view prefix_;  // the prefix, at the start of bounds_
  std::string_view lower_view_, upper_view_;
  std::unique_ptr<Iterator> it_;
};

// Commits `batch` (ServerState::Write); on error replies it and returns
// false.
bool CommitBatch(CommandContext& ctx, WriteBatch* batch);

}  // namespace strata::server

#endif  // STRATA_SERVER_COLLECTION_H_
