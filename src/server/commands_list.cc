// List commands (issue 13): LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE
// LINDEX LSET LREM LINSERT LTRIM LPOS RPOPLPUSH LMOVE LMPOP and the blocking
// BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, with Redis 7.0's replies and errors.
//
// Encoding (docs/SERVER.md, "Lists"): the metadata's extra holds two fixed64
// (little-endian): `head`, the index of the first element, and `tail`, one
// past the last; a new list starts with head = tail = 2^63 so both ends can
// grow. Element i (0-based from the head) has subkey be64(head + i) and the
// element's bytes as value, so the elements sort in list order.
//
// Invariants: size == tail - head; every index in [head, tail) holds an
// element. Costs: push/pop at either end, LINDEX and LSET O(1) element
// operations; LRANGE a range scan of the elements returned; LTRIM deletes
// the removed elements without reading them; LREM, LINSERT and LPOS read up
// to the whole list, and LREM/LINSERT rewrite the elements they shift
// (LINSERT shifts the shorter side; LREM compacts toward the head from the
// first removed element), O(n) as in Kvrocks.
//
// Thread-safety: every handler that writes holds the key locks of its keys
// from its first read until its one batch is committed; reads take none.
// A push signals the blocking registry (blocking.h) after committing.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/blocking.h"
#include "server/collection.h"
#include "server/commands.h"
#include "server/resp_parser.h"
#include "util/coding.h"

namespace strata::server {

namespace {

constexpr uint64_t kInitialIndex = uint64_t{1} << 63;
constexpr size_t kListExtraSize = 16;

// The subkey of the element at absolute index `index`.
std::string IndexKey(uint64_t index) {
  std::string key(8, '\0');
  EncodeBigEndian64(key.data(), index);
  return key;
}

uint64_t IndexOf(std::string_view subkey) {
  uint64_t index = 0;
  for (char c : subkey.substr(0, 8)) index = (index << 8) | static_cast<unsigned char>(c);
  return index;
}

// One list as a command sees and changes it.
struct List {
  Collection c;
  uint64_t head = kInitialIndex;
  uint64_t tail = kInitialIndex;
  char extra[kListExtraSize];  // backs c.meta.extra once the bounds change

  List() = default;
  List(const List&) = delete;  // c.meta.extra may view this object's extra
  List& operator=(const List&) = delete;

  int64_t size() const { return static_cast<int64_t>(tail - head); }
  KeyBuffer ElementKey(uint64_t index) const { return c.ElementKey(IndexKey(index)); }
};

// Reads `key` as a list. Returns false after replying (WRONGTYPE, engine
// error, corrupt metadata).
bool ReadList(CommandContext& ctx, std::string_view key, List* l) {
  if (!ReadCollection(ctx, key, KeyType::kList, &l->c)) return false;
  l->head = l->tail = kInitialIndex;
  if (!l->c.found) return true;
  std::string_view extra = l->c.meta.extra;
  if (extra.size() < kListExtraSize) {
    ctx.reply->Error("ERR Corruption: list metadata of '" + std::string(key) + "' is too short");
    return false;
  }
  l->head = DecodeFixed64(extra.data());
  l->tail = DecodeFixed64(extra.data() + 8);
  if (l->tail < l->head || l->tail - l->head != l->c.meta.size) {
    ctx.reply->Error("ERR Corruption: list metadata of '" + std::string(key) +
                     "' has bounds that disagree with its size");
    return false;
  }
  return true;
}

// Gives a missing list a fresh version. Returns false after replying.
bool CreateList(CommandContext& ctx, std::string_view key, List* l) {
  if (!CreateCollection(ctx, key, &l->c)) return false;
  l->head = l->tail = kInitialIndex;
  return true;
}

// Adds the write of l's metadata (size and bounds) to `batch`.
void PutListMetadata(std::string_view key, List* l, WriteBatch* batch) {
  EncodeFixed64(l->extra, l->head);
  EncodeFixed64(l->extra + 8, l->tail);
  l->c.meta.extra = std::string_view(l->extra, kListExtraSize);
  l->c.meta.size = l->tail - l->head;
  PutCollectionMetadata(key, l->c, batch);
}

void Push(List* l, bool left, std::string_view value, WriteBatch* batch) {
  if (left) {
    batch->Put(l->ElementKey(--l->head), value);
  } else {
    batch->Put(l->ElementKey(l->tail++), value);
  }
}

// Reads `count` elements from position `start` (0-based from the head,
// REQUIRES: within the list), in list order or, if `reverse`, from the last
// of them back.
Status ReadRange(CommandContext& ctx, const List& l, int64_t start, int64_t count, bool reverse,
                 std::vector<std::string>* out) {
  out->clear();
  if (count <= 0) return Status::OK();
  out->reserve(static_cast<size_t>(count));
  uint64_t first = l.head + static_cast<uint64_t>(start);
  if (count == 1) {
    // One element (LPOP, RPOP, LMOVE, BLPOP ...): a point read, which the
    // memtable's hash index answers without a search, is far cheaper than
    // building an iterator over every memtable and table.
    std::string value;
    Status s = GetElement(ctx, l.c, IndexKey(first), &value);
    if (s.IsNotFound()) return Status::Corruption("list element missing", std::to_string(first));
    if (!s.ok()) return s;
    out->push_back(std::move(value));
    return Status::OK();
  }
  ElementIterator it(ctx, l.c);
  uint64_t last = first + static_cast<uint64_t>(count) - 1;
  uint64_t expect = reverse ? last : first;
  if (reverse) {
    it.SeekForPrev(IndexKey(last));
  } else {
    it.Seek(IndexKey(first));
  }
  for (int64_t i = 0; i < count; i++) {
    if (!it.Valid() || IndexOf(it.subkey()) != expect) {
      if (!it.status().ok()) return it.status();
      return Status::Corruption("list element missing", std::to_string(expect));
    }
    out->emplace_back(it.value());
    if (reverse) {
      it.Prev();
      expect--;
    } else {
      it.Next();
      expect++;
    }
  }
  return Status::OK();
}

// Pops up to `count` elements from one end of l into *values (in pop
// order), adding the deletions and the metadata to `batch`.
Status PopElements(CommandContext& ctx, std::string_view key, List* l, bool left, int64_t count,
                   WriteBatch* batch, std::vector<std::string>* values) {
  count = std::min(count, l->size());
  Status s = ReadRange(ctx, *l, left ? 0 : l->size() - count, count, !left, values);
  if (!s.ok()) return s;
  for (int64_t i = 0; i < count; i++) {
    batch->Delete(l->ElementKey(left ? l->head++ : --l->tail));
  }
  PutListMetadata(key, l, batch);
  return Status::OK();
}

// Parses an integer in [min, max]; on failure replies "ERR <msg>" (or, for
// a non-integer without msg, kNotInteger).
bool ArgRange(CommandContext& ctx, std::string_view arg, int64_t min, int64_t max, const char* msg,
              int64_t* value) {
  if (!ParseInt64(arg, value)) {
    ctx.reply->Error(msg == nullptr ? std::string(kNotInteger) : std::string("ERR ") + msg);
    return false;
  }
  if (*value < min || *value > max) {
    ctx.reply->Error(std::string("ERR ") + msg);
    return false;
  }
  return true;
}

bool ArgPosition(CommandContext& ctx, std::string_view arg, bool* left) {
  if (EqualsIgnoreCase(arg, "left")) {
    *left = true;
  } else if (EqualsIgnoreCase(arg, "right")) {
    *left = false;
  } else {
    ctx.reply->Error(kSyntaxError);
    return false;
  }
  return true;
}

// Turns a Redis index (negative counts from the tail) into a position;
// false if it is outside the list.
bool NormalizeIndex(int64_t index, int64_t size, int64_t* pos) {
  if (index < 0) index += size;
  if (index < 0 || index >= size) return false;
  *pos = index;
  return true;
}

void PushGeneric(CommandContext& ctx, bool left, bool only_existing) {
  std::string_view key = ctx.argv[1];
  {
    KeyLockGuard guard(ctx.state->locks(), key);
    List l;
    if (!ReadList(ctx, key, &l)) return;
    if (!l.c.found) {
      if (only_existing) return ctx.reply->Integer(0);
      if (!CreateList(ctx, key, &l)) return;
    }
    WriteBatch batch;
    for (size_t j = 2; j < ctx.argv.size(); j++) Push(&l, left, ctx.argv[j], &batch);
    PutListMetadata(key, &l, &batch);
    if (!CommitBatch(ctx, &batch)) return;
    ctx.reply->Integer(l.size());
  }
  SignalKeyReady(ctx, key);
}

void LPushCommand(CommandContext& ctx) { PushGeneric(ctx, true, false); }
void RPushCommand(CommandContext& ctx) { PushGeneric(ctx, false, false); }
void LPushXCommand(CommandContext& ctx) { PushGeneric(ctx, true, true); }
void RPushXCommand(CommandContext& ctx) { PushGeneric(ctx, false, true); }

void PopGeneric(CommandContext& ctx, bool left) {
  if (ctx.argv.size() > 3) {
    return ctx.reply->Error(std::string("ERR wrong number of arguments for '") +
                            ToLower(ctx.argv[0]) + "' command");
  }
  bool has_count = ctx.argv.size() == 3;
  int64_t count = 1;
  if (has_count && !ArgRange(ctx, ctx.argv[2], 0, INT64_MAX,
                             "value is out of range, must be positive", &count)) {
    return;
  }
  std::string_view key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  List l;
  if (!ReadList(ctx, key, &l)) return;
  if (!l.c.found) return has_count ? ctx.reply->NullArray() : ctx.reply->Null();
  if (count == 0) return ctx.reply->Array(0);
  WriteBatch batch;
  std::vector<std::string> values;
  Status s = PopElements(ctx, key, &l, left, count, &batch, &values);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  if (!CommitBatch(ctx, &batch)) return;
  if (!has_count) return ctx.reply->Bulk(values[0]);
  ctx.reply->Array(values.size());
  for (const std::string& v : values) ctx.reply->Bulk(v);
}

void LPopCommand(CommandContext& ctx) { PopGeneric(ctx, true); }
void RPopCommand(CommandContext& ctx) { PopGeneric(ctx, false); }

void LLenCommand(CommandContext& ctx) {
  List l;
  if (!ReadList(ctx, ctx.argv[1], &l)) return;
  ctx.reply->Integer(l.size());
}

void LRangeCommand(CommandContext& ctx) {
  int64_t start, end;
  if (!ArgInt64(ctx, ctx.argv[2], &start) || !ArgInt64(ctx, ctx.argv[3], &end)) return;
  List l;
  if (!ReadList(ctx, ctx.argv[1], &l)) return;
  int64_t size = l.size();
  if (start < 0) start = size + start;
  if (end < 0) end = size + end;
  if (start < 0) start = 0;
  if (start > end || start >= size) return ctx.reply->Array(0);
  if (end >= size) end = size - 1;
  std::vector<std::string> values;
  Status s = ReadRange(ctx, l, start, end - start + 1, false, &values);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  ctx.reply->Array(values.size());
  for (const std::string& v : values) ctx.reply->Bulk(v);
}

void LIndexCommand(CommandContext& ctx) {
  List l;
  if (!ReadList(ctx, ctx.argv[1], &l)) return;
  if (!l.c.found) return ctx.reply->Null();
  int64_t index, pos;
  if (!ArgInt64(ctx, ctx.argv[2], &index)) return;
  if (!NormalizeIndex(index, l.size(), &pos)) return ctx.reply->Null();
  std::string value;
  Status s = GetElement(ctx, l.c, IndexKey(l.head + static_cast<uint64_t>(pos)), &value);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  ctx.reply->Bulk(value);
}

void LSetCommand(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  List l;
  if (!ReadList(ctx, key, &l)) return;
  if (!l.c.found) return ctx.reply->Error("ERR no such key");
  int64_t index, pos;
  if (!ArgInt64(ctx, ctx.argv[2], &index)) return;
  if (!NormalizeIndex(index, l.size(), &pos)) return ctx.reply->Error("ERR index out of range");
  WriteBatch batch;
  batch.Put(l.ElementKey(l.head + static_cast<uint64_t>(pos)), ctx.argv[3]);
  if (!CommitBatch(ctx, &batch)) return;
  ctx.reply->Ok();
}

void LTrimCommand(CommandContext& ctx) {
  int64_t start, end;
  if (!ArgInt64(ctx, ctx.argv[2], &start) || !ArgInt64(ctx, ctx.argv[3], &end)) return;
  std::string_view key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  List l;
  if (!ReadList(ctx, key, &l)) return;
  if (!l.c.found) return ctx.reply->Ok();
  int64_t size = l.size();
  if (start < 0) start = size + start;
  if (end < 0) end = size + end;
  if (start < 0) start = 0;
  int64_t ltrim, rtrim;
  if (start > end || start >= size) {
    ltrim = size;
    rtrim = 0;
  } else {
    if (end >= size) end = size - 1;
    ltrim = start;
    rtrim = size - end - 1;
  }
  if (ltrim == 0 && rtrim == 0) return ctx.reply->Ok();
  WriteBatch batch;
  // The removed elements are deleted by index, without reading them.
  for (int64_t i = 0; i < ltrim; i++) batch.Delete(l.ElementKey(l.head++));
  for (int64_t i = 0; i < rtrim; i++) batch.Delete(l.ElementKey(--l.tail));
  PutListMetadata(key, &l, &batch);
  if (!CommitBatch(ctx, &batch)) return;
  ctx.reply->Ok();
}

// LREM: reads the whole list, then rewrites it from the first removed
// element on, compacted toward the head.
void LRemCommand(CommandContext& ctx) {
  int64_t to_remove;
  if (!ArgInt64(ctx, ctx.argv[2], &to_remove)) return;
  std::string_view key = ctx.argv[1];
  std::string_view element = ctx.argv[3];
  KeyLockGuard guard(ctx.state->locks(), key);
  List l;
  if (!ReadList(ctx, key, &l)) return;
  if (!l.c.found) return ctx.reply->Integer(0);
  std::vector<std::string> values;
  Status s = ReadRange(ctx, l, 0, l.size(), false, &values);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  std::vector<bool> removed(values.size(), false);
  bool from_tail = to_remove < 0;
  uint64_t limit = from_tail ? 0 - static_cast<uint64_t>(to_remove) : to_remove;
  uint64_t count = 0;
  for (size_t k = 0; k < values.size() && (limit == 0 || count < limit); k++) {
    size_t i = from_tail ? values.size() - 1 - k : k;
    if (values[i] == element) {
      removed[i] = true;
      count++;
    }
  }
  if (count == 0) return ctx.reply->Integer(0);
  size_t first = std::find(removed.begin(), removed.end(), true) - removed.begin();
  WriteBatch batch;
  uint64_t next = l.head + first;
  for (size_t i = first; i < values.size(); i++) {
    if (!removed[i]) batch.Put(l.ElementKey(next++), values[i]);
  }
  for (uint64_t i = next; i < l.tail; i++) batch.Delete(l.ElementKey(i));
  l.tail = next;
  PutListMetadata(key, &l, &batch);
  if (!CommitBatch(ctx, &batch)) return;
  ctx.reply->Integer(static_cast<int64_t>(count));
}

// LINSERT: finds the pivot scanning from the head, then shifts the shorter
// side of the list by one to open the slot.
void LInsertCommand(CommandContext& ctx) {
  bool after;
  if (EqualsIgnoreCase(ctx.argv[2], "after")) {
    after = true;
  } else if (EqualsIgnoreCase(ctx.argv[2], "before")) {
    after = false;
  } else {
    return ctx.reply->Error(kSyntaxError);
  }
  std::string_view key = ctx.argv[1];
  std::string_view pivot = ctx.argv[3];
  KeyLockGuard guard(ctx.state->locks(), key);
  List l;
  if (!ReadList(ctx, key, &l)) return;
  if (!l.c.found) return ctx.reply->Integer(0);
  // The elements up to and including the pivot, in order.
  std::vector<std::string> prefix;
  ElementIterator it(ctx, l.c);
  bool found = false;
  for (it.Seek(IndexKey(l.head)); it.Valid(); it.Next()) {
    prefix.emplace_back(it.value());
    if (it.value() == pivot) {
      found = true;
      break;
    }
  }
  if (!it.status().ok()) return ReplyStatusError(ctx.reply, it.status());
  if (!found) return ctx.reply->Integer(-1);
  int64_t pos = static_cast<int64_t>(prefix.size()) - (after ? 0 : 1);  // the new element's
  WriteBatch batch;
  if (pos <= l.size() - pos) {
    // Move elements [0, pos) one to the left.
    l.head--;
    for (int64_t i = 0; i < pos; i++) batch.Put(l.ElementKey(l.head + i), prefix[i]);
    batch.Put(l.ElementKey(l.head + pos), ctx.argv[4]);
  } else {
    // Move elements [pos, size) one to the right.
    std::vector<std::string> suffix;
    Status s = ReadRange(ctx, l, pos, l.size() - pos, false, &suffix);
    if (!s.ok()) return ReplyStatusError(ctx.reply, s);
    for (size_t i = 0; i < suffix.size(); i++) {
      batch.Put(l.ElementKey(l.head + pos + 1 + i), suffix[i]);
    }
    batch.Put(l.ElementKey(l.head + pos), ctx.argv[4]);
    l.tail++;
  }
  PutListMetadata(key, &l, &batch);
  if (!CommitBatch(ctx, &batch)) return;
  ctx.reply->Integer(l.size());
}

void LPosCommand(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t j = 3; j < ctx.argv.size(); j++) {
    bool more = j + 1 < ctx.argv.size();
    if (EqualsIgnoreCase(ctx.argv[j], "rank") && more) {
      if (!ArgInt64(ctx, ctx.argv[++j], &rank)) return;
      if (rank == 0) {
        return ctx.reply->Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
      if (rank == INT64_MIN) return ctx.reply->Error(kNotInteger);
    } else if (EqualsIgnoreCase(ctx.argv[j], "count") && more) {
      if (!ArgRange(ctx, ctx.argv[++j], 0, INT64_MAX, "COUNT can't be negative", &count)) return;
    } else if (EqualsIgnoreCase(ctx.argv[j], "maxlen") && more) {
      if (!ArgRange(ctx, ctx.argv[++j], 0, INT64_MAX, "MAXLEN can't be negative", &maxlen)) {
        return;
      }
    } else {
      return ctx.reply->Error(kSyntaxError);
    }
  }
  bool forward = rank > 0;
  if (rank < 0) rank = -rank;
  List l;
  if (!ReadList(ctx, ctx.argv[1], &l)) return;
  std::string_view element = ctx.argv[2];
  std::vector<int64_t> matches_found;
  int64_t matches = 0;
  if (l.c.found) {
    ElementIterator it(ctx, l.c);
    if (forward) {
      it.SeekToFirst();
    } else {
      it.SeekToLast();
    }
    int64_t size = l.size();
    for (int64_t index = 0; it.Valid() && (maxlen == 0 || index < maxlen); index++) {
      if (it.value() == element) {
        matches++;
        if (matches >= rank) {
          matches_found.push_back(forward ? index : size - index - 1);
          if (count == -1 || (count != 0 && matches - rank + 1 >= count)) break;
        }
      }
      if (forward) {
        it.Next();
      } else {
        it.Prev();
      }
    }
    if (!it.status().ok()) return ReplyStatusError(ctx.reply, it.status());
  }
  if (count != -1) {
    ctx.reply->Array(matches_found.size());
    for (int64_t m : matches_found) ctx.reply->Integer(m);
  } else if (matches_found.empty()) {
    ctx.reply->Null();
  } else {
    ctx.reply->Integer(matches_found[0]);
  }
}

enum class Outcome { kServed, kFailed, kEmpty };  // kFailed: an error was replied

// LMOVE's work, under the locks of both keys: replies the moved element, or
// nothing (kEmpty) when the source is missing.
Outcome Move(CommandContext& ctx, std::string_view source, std::string_view destination,
             bool from_left, bool to_left) {
  List src;
  if (!ReadList(ctx, source, &src)) return Outcome::kFailed;
  if (!src.c.found) return Outcome::kEmpty;
  List dst_storage;
  List* dst = &src;
  if (source != destination) {
    dst = &dst_storage;
    if (!ReadList(ctx, destination, dst)) return Outcome::kFailed;
    if (!dst->c.found && !CreateList(ctx, destination, dst)) return Outcome::kFailed;
  }
  WriteBatch batch;
  std::vector<std::string> values;
  Status s = PopElements(ctx, source, &src, from_left, 1, &batch, &values);
  if (!s.ok()) {
    ReplyStatusError(ctx.reply, s);
    return Outcome::kFailed;
  }
  Push(dst, to_left, values[0], &batch);
  PutListMetadata(destination, dst, &batch);
  if (!CommitBatch(ctx, &batch)) return Outcome::kFailed;
  ctx.reply->Bulk(values[0]);
  return Outcome::kServed;
}

void MoveGeneric(CommandContext& ctx, bool from_left, bool to_left) {
  std::string_view source = ctx.argv[1];
  std::string_view destination = ctx.argv[2];
  {
    KeyLockGuard guard(ctx.state->locks(), std::vector<std::string_view>{source, destination});
    Outcome o = Move(ctx, source, destination, from_left, to_left);
    if (o == Outcome::kEmpty) return ctx.reply->Null();
    if (o == Outcome::kFailed) return;
  }
  SignalKeyReady(ctx, destination);
}

void LMoveCommand(CommandContext& ctx) {
  bool from_left, to_left;
  if (!ArgPosition(ctx, ctx.argv[3], &from_left) || !ArgPosition(ctx, ctx.argv[4], &to_left)) {
    return;
  }
  MoveGeneric(ctx, from_left, to_left);
}

void RPopLPushCommand(CommandContext& ctx) { MoveGeneric(ctx, false, true); }

// Pops from the first of `keys` that holds a list (under their locks).
// count -1: BLPOP's reply [key, element]; otherwise LMPOP's [key, [elements]].
Outcome PopFirst(CommandContext& ctx, const std::vector<std::string_view>& keys, bool left,
                 int64_t count) {
  for (std::string_view key : keys) {
    List l;
    if (!ReadList(ctx, key, &l)) return Outcome::kFailed;
    if (!l.c.found) continue;
    WriteBatch batch;
    std::vector<std::string> values;
    Status s = PopElements(ctx, key, &l, left, count == -1 ? 1 : count, &batch, &values);
    if (!s.ok()) {
      ReplyStatusError(ctx.reply, s);
      return Outcome::kFailed;
    }
    if (!CommitBatch(ctx, &batch)) return Outcome::kFailed;
    ctx.reply->Array(2);
    ctx.reply->Bulk(key);
    if (count == -1) {
      ctx.reply->Bulk(values[0]);
    } else {
      ctx.reply->Array(values.size());
      for (const std::string& v : values) ctx.reply->Bulk(v);
    }
    return Outcome::kServed;
  }
  return Outcome::kEmpty;
}

// Parses LMPOP's (or BLMPOP's) arguments from numkeys on.
bool ParseMPop(CommandContext& ctx, size_t numkeys_index, std::vector<std::string_view>* keys,
               bool* left, int64_t* count) {
  int64_t numkeys;
  if (!ArgRange(ctx, ctx.argv[numkeys_index], 1, INT64_MAX, "numkeys should be greater than 0",
                &numkeys)) {
    return false;
  }
  size_t argc = ctx.argv.size();
  if (static_cast<uint64_t>(numkeys) >= argc - numkeys_index - 1) {
    ctx.reply->Error(kSyntaxError);
    return false;
  }
  size_t where_index = numkeys_index + static_cast<size_t>(numkeys) + 1;
  if (!ArgPosition(ctx, ctx.argv[where_index], left)) return false;
  *count = -1;
  for (size_t j = where_index + 1; j < argc; j++) {
    if (*count == -1 && EqualsIgnoreCase(ctx.argv[j], "count") && j + 1 < argc) {
      if (!ArgRange(ctx, ctx.argv[++j], 1, INT64_MAX, "count should be greater than 0", count)) {
        return false;
      }
    } else {
      ctx.reply->Error(kSyntaxError);
      return false;
    }
  }
  if (*count == -1) *count = 1;
  keys->assign(ctx.argv.begin() + numkeys_index + 1, ctx.argv.begin() + where_index);
  return true;
}

void LMPopCommand(CommandContext& ctx) {
  std::vector<std::string_view> keys;
  bool left;
  int64_t count;
  if (!ParseMPop(ctx, 1, &keys, &left, &count)) return;
  KeyLockGuard guard(ctx.state->locks(), keys);
  if (PopFirst(ctx, keys, left, count) == Outcome::kEmpty) ctx.reply->NullArray();
}

// BLPOP, BRPOP and BLMPOP once their arguments are parsed.
void BlockingPop(CommandContext& ctx, const std::vector<std::string_view>& keys, bool left,
                 int64_t count, uint64_t deadline_ms) {
  KeyLockGuard guard(ctx.state->locks(), keys);
  if (PopFirst(ctx, keys, left, count) != Outcome::kEmpty) return;
  if (!BlockOrTimeout(ctx, keys, deadline_ms)) ctx.reply->NullArray();
}

void BPopGeneric(CommandContext& ctx, bool left) {
  uint64_t deadline_ms;
  if (!ParseBlockTimeout(ctx, ctx.argv.back(), &deadline_ms)) return;
  std::vector<std::string_view> keys(ctx.argv.begin() + 1, ctx.argv.end() - 1);
  BlockingPop(ctx, keys, left, -1, deadline_ms);
}

void BLPopCommand(CommandContext& ctx) { BPopGeneric(ctx, true); }
void BRPopCommand(CommandContext& ctx) { BPopGeneric(ctx, false); }

void BLMPopCommand(CommandContext& ctx) {
  std::vector<std::string_view> keys;
  bool left;
  int64_t count;
  if (!ParseMPop(ctx, 2, &keys, &left, &count)) return;
  uint64_t deadline_ms;
  if (!ParseBlockTimeout(ctx, ctx.argv[1], &deadline_ms)) return;
  BlockingPop(ctx, keys, left, count, deadline_ms);
}

void BlockingMove(CommandContext& ctx, bool from_left, bool to_left, uint64_t deadline_ms) {
  std::string_view source = ctx.argv[1];
  std::string_view destination = ctx.argv[2];
  {
    KeyLockGuard guard(ctx.state->locks(), std::vector<std::string_view>{source, destination});
    Outcome o = Move(ctx, source, destination, from_left, to_left);
    if (o == Outcome::kFailed) return;
    if (o == Outcome::kEmpty) {
      if (!BlockOrTimeout(ctx, {source}, deadline_ms)) ctx.reply->Null();
      return;
    }
  }
  SignalKeyReady(ctx, destination);
}

void BLMoveCommand(CommandContext& ctx) {
  bool from_left, to_left;
  if (!ArgPosition(ctx, ctx.argv[3], &from_left) || !ArgPosition(ctx, ctx.argv[4], &to_left)) {
    return;
  }
  uint64_t deadline_ms;
  if (!ParseBlockTimeout(ctx, ctx.argv[5], &deadline_ms)) return;
  BlockingMove(ctx, from_left, to_left, deadline_ms);
}

void BRPopLPushCommand(CommandContext& ctx) {
  uint64_t deadline_ms;
  if (!ParseBlockTimeout(ctx, ctx.argv[3], &deadline_ms)) return;
  BlockingMove(ctx, false, true, deadline_ms);
}

}  // namespace

void AppendListCommands(std::vector<CommandSpec>* t) {
  const char* g = "list";
  constexpr uint32_t kW = kWrite;
  constexpr uint32_t kR = kReadOnly;
  t->insert(
      t->end(),
      {
          {"blmove", 6, kW, 1, 2, 1, g,
           "Pop an element from a list, push it to another list and return it; or block until "
           "one is available",
           "6.2.0", BLMoveCommand},
          {"blmpop", -5, kW, 0, 0, 0, g,
           "Pop elements from a list, or block until one is available", "7.0.0", BLMPopCommand},
          {"blpop", -3, kW, 1, -2, 1, g,
           "Remove and get the first element in a list, or block until one is available", "2.0.0",
           BLPopCommand},
          {"brpop", -3, kW, 1, -2, 1, g,
           "Remove and get the last element in a list, or block until one is available", "2.0.0",
           BRPopCommand},
          {"brpoplpush", 4, kW, 1, 2, 1, g,
           "Pop an element from a list, push it to another list and return it; or block until "
           "one is available",
           "2.2.0", BRPopLPushCommand},
          {"lindex", 3, kR, 1, 1, 1, g, "Get an element from a list by its index", "1.0.0",
           LIndexCommand},
          {"linsert", 5, kW, 1, 1, 1, g,
           "Insert an element before or after another element in a list", "2.2.0", LInsertCommand},
          {"llen", 2, kR | kFast, 1, 1, 1, g, "Get the length of a list", "1.0.0", LLenCommand},
          {"lmove", 5, kW, 1, 2, 1, g,
           "Pop an element from a list, push it to another list and return it", "6.2.0",
           LMoveCommand},
          {"lmpop", -4, kW, 0, 0, 0, g, "Pop elements from a list", "7.0.0", LMPopCommand},
          {"lpop", -2, kW | kFast, 1, 1, 1, g, "Remove and get the first elements in a list",
           "1.0.0", LPopCommand},
          {"lpos", -3, kR, 1, 1, 1, g, "Return the index of matching elements on a list", "6.0.6",
           LPosCommand},
          {"lpush", -3, kW | kFast, 1, 1, 1, g, "Prepend one or multiple elements to a list",
           "1.0.0", LPushCommand},
          {"lpushx", -3, kW | kFast, 1, 1, 1, g,
           "Prepend an element to a list, only if the list exists", "2.2.0", LPushXCommand},
          {"lrange", 4, kR, 1, 1, 1, g, "Get a range of elements from a list", "1.0.0",
           LRangeCommand},
          {"lrem", 4, kW, 1, 1, 1, g, "Remove elements from a list", "1.0.0", LRemCommand},
          {"lset", 4, kW, 1, 1, 1, g, "Set the value of an element in a list by its index", "1.0.0",
           LSetCommand},
          {"ltrim", 4, kW, 1, 1, 1, g, "Trim a list to the specified range", "1.0.0", LTrimCommand},
          {"rpop", -2, kW | kFast, 1, 1, 1, g, "Remove and get the last elements in a list",
           "1.0.0", RPopCommand},
          {"rpoplpush", 3, kW, 1, 2, 1, g,
           "Remove the last element in a list, prepend it to another list and return it", "1.2.0",
           RPopLPushCommand},
          {"rpush", -3, kW | kFast, 1, 1, 1, g, "Append one or multiple elements to a list",
           "1.0.0", RPushCommand},
          {"rpushx", -3, kW | kFast, 1, 1, 1, g,
           "Append an element to a list, only if the list exists", "2.2.0", RPushXCommand},
      });
}

}  // namespace strata::server
