// Bit and string-comparison commands: SETBIT GETBIT BITCOUNT BITPOS BITOP and
// LCS, with Redis 7.0's replies and error strings (BYTE|BIT ranges included).
// They work on a string's value, which lives in its metadata record
// (metadata.h); a missing key is an empty string (an endless run of 0 bits).
// Bit offsets count from the most significant bit of byte 0, as in Redis.
//
// Thread-safety: as every handler (commands.h): writers hold the key locks of
// the keys they read and write until their batch is in the WAL.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands.h"
#include "server/resp_parser.h"

namespace strata::server {

namespace {

constexpr std::string_view kBitOffsetError = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kBitValueError = "ERR bit is not an integer or out of range";

// The string at `key`: *found false if absent. Replies and returns false on a
// wrong type (when `reply_wrong_type`) or an engine error.
bool ReadString(CommandContext& ctx, std::string_view key, std::string* record, bool* found,
                std::string_view* value, uint64_t* expire_ms, bool* wrong_type) {
  Metadata meta;
  Status s = GetMeta(ctx, key, record, &meta);
  *found = false;
  *wrong_type = false;
  *value = {};
  if (s.IsNotFound()) {
    ctx.state->stats()->keyspace_misses.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  if (!s.ok()) {
    ReplyStatusError(ctx.reply, s);
    return false;
  }
  ctx.state->stats()->keyspace_hits.fetch_add(1, std::memory_order_relaxed);
  *found = true;
  *wrong_type = meta.type != KeyType::kString;
  *value = meta.value;
  if (expire_ms != nullptr) *expire_ms = meta.expire_ms;
  return true;
}

// Parses a bit offset as Redis does: an integer >= 0 whose byte is below
// proto-max-bulk-len.
bool BitOffsetArg(CommandContext& ctx, std::string_view arg, uint64_t* offset) {
  int64_t v;
  if (!ParseInt64(arg, &v) || v < 0 || (v >> 3) >= ctx.state->config()->proto_max_bulk_len()) {
    ctx.reply->Error(kBitOffsetError);
    return false;
  }
  *offset = static_cast<uint64_t>(v);
  return true;
}

int BitAt(std::string_view s, uint64_t bit) {
  uint64_t byte = bit >> 3;
  if (byte >= s.size()) return 0;
  return (static_cast<uint8_t>(s[byte]) >> (7 - (bit & 7))) & 1;
}

// SETBIT key offset 0|1: replies the bit's previous value; grows the string
// with zero bytes as needed and keeps its TTL.
void SetBitCommand(CommandContext& ctx) {
  uint64_t offset;
  if (!BitOffsetArg(ctx, ctx.argv[2], &offset)) return;
  int64_t on;
  if (!ParseInt64(ctx.argv[3], &on) || (on & ~int64_t{1}) != 0) {
    return ctx.reply->Error(kBitValueError);
  }
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  std::string record;
  std::string_view old;
  bool found, wrong_type;
  uint64_t expire_ms = 0;
  if (!ReadString(ctx, key, &record, &found, &old, &expire_ms, &wrong_type)) return;
  if (wrong_type) return ctx.reply->Error(kWrongType);
  int previous = BitAt(old, offset);
  uint64_t byte = offset >> 3;
  // Redis writes (and propagates) even when nothing changes only if the
  // string is new or grows; an unchanged string needs no write.
  if (found && byte < old.size() && previous == on) return ctx.reply->Integer(previous);
  std::string value(old);
  if (value.size() <= byte) value.resize(byte + 1, '\0');
  uint8_t mask = static_cast<uint8_t>(1u << (7 - (offset & 7)));
  uint8_t b = static_cast<uint8_t>(value[byte]);
  value[byte] = static_cast<char>(on ? (b | mask) : (b & ~mask));
  WriteBatch batch;
  batch.Put(MetadataKey(key), EncodeStringMetadata(found ? expire_ms : 0, value));
  Status s = DbWrite(ctx, &batch);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  ctx.reply->Integer(previous);
}

void GetBitCommand(CommandContext& ctx) {
  uint64_t offset;
  if (!BitOffsetArg(ctx, ctx.argv[2], &offset)) return;
  std::string record;
  std::string_view value;
  bool found, wrong_type;
  if (!ReadString(ctx, ctx.argv[1], &record, &found, &value, nullptr, &wrong_type)) return;
  if (wrong_type) return ctx.reply->Error(kWrongType);
  ctx.reply->Integer(BitAt(value, offset));
}

// Parses BYTE|BIT; replies a syntax error otherwise.
bool UnitArg(CommandContext& ctx, std::string_view arg, bool* is_bit) {
  if (EqualsIgnoreCase(arg, "bit")) {
    *is_bit = true;
  } else if (EqualsIgnoreCase(arg, "byte")) {
    *is_bit = false;
  } else {
    ctx.reply->Error(kSyntaxError);
    return false;
  }
  return true;
}

// Clamps [*start, *end] (negative counts from the end) to [0, total).
// Afterwards *start > *end means an empty range.
void ClampRange(int64_t total, int64_t* start, int64_t* end) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
}

// The number of set bits in bit positions [first, last] of `s`.
int64_t CountBits(std::string_view s, int64_t first, int64_t last) {
  int64_t count = 0;
  int64_t bit = first;
  // Partial leading byte, whole bytes, partial trailing byte.
  while (bit <= last && (bit & 7) != 0) count += BitAt(s, static_cast<uint64_t>(bit++));
  while (bit + 7 <= last) {
    count += __builtin_popcount(static_cast<uint8_t>(s[static_cast<size_t>(bit >> 3)]));
    bit += 8;
  }
  while (bit <= last) count += BitAt(s, static_cast<uint64_t>(bit++));
  return count;
}

// BITCOUNT key [start end [BYTE|BIT]]
void BitCountCommand(CommandContext& ctx) {
  std::string record;
  std::string_view value;
  bool found, wrong_type;
  if (!ReadString(ctx, ctx.argv[1], &record, &found, &value, nullptr, &wrong_type)) return;
  if (!found) return ctx.reply->Integer(0);
  if (wrong_type) return ctx.reply->Error(kWrongType);
  size_t argc = ctx.argv.size();
  int64_t len = static_cast<int64_t>(value.size());
  int64_t first_bit = 0, last_bit = len * 8 - 1;
  if (argc == 4 || argc == 5) {
    int64_t start, end;
    if (!ArgInt64(ctx, ctx.argv[2], &start) || !ArgInt64(ctx, ctx.argv[3], &end)) return;
    if (start < 0 && end < 0 && start > end) return ctx.reply->Integer(0);
    bool is_bit = false;
    if (argc == 5 && !UnitArg(ctx, ctx.argv[4], &is_bit)) return;
    ClampRange(is_bit ? len * 8 : len, &start, &end);
    if (start > end) return ctx.reply->Integer(0);
    first_bit = is_bit ? start : start * 8;
    last_bit = is_bit ? end : end * 8 + 7;
  } else if (argc != 2) {
    return ctx.reply->Error(kSyntaxError);
  }
  if (first_bit > last_bit) return ctx.reply->Integer(0);
  ctx.reply->Integer(CountBits(value, first_bit, last_bit));
}

// BITPOS key bit [start [end [BYTE|BIT]]]
void BitPosCommand(CommandContext& ctx) {
  int64_t bit;
  if (!ArgInt64(ctx, ctx.argv[2], &bit)) return;
  if (bit != 0 && bit != 1) return ctx.reply->Error("ERR The bit argument must be 1 or 0.");
  std::string record;
  std::string_view value;
  bool found, wrong_type;
  if (!ReadString(ctx, ctx.argv[1], &record, &found, &value, nullptr, &wrong_type)) return;
  // A missing key is an endless run of zeros.
  if (!found) return ctx.reply->Integer(bit ? -1 : 0);
  if (wrong_type) return ctx.reply->Error(kWrongType);
  size_t argc = ctx.argv.size();
  int64_t len = static_cast<int64_t>(value.size());
  int64_t first_bit = 0, last_bit = len * 8 - 1;
  bool end_given = false;
  if (argc >= 4 && argc <= 6) {
    int64_t start, end;
    if (!ArgInt64(ctx, ctx.argv[3], &start)) return;
    bool is_bit = false;
    if (argc == 6 && !UnitArg(ctx, ctx.argv[5], &is_bit)) return;
    if (argc >= 5) {
      if (!ArgInt64(ctx, ctx.argv[4], &end)) return;
      end_given = true;
    } else {
      end = is_bit ? len * 8 + 7 : len - 1;
    }
    ClampRange(is_bit ? len * 8 : len, &start, &end);
    if (start > end) return ctx.reply->Integer(-1);
    first_bit = is_bit ? start : start * 8;
    last_bit = is_bit ? end : end * 8 + 7;
  } else if (argc != 3) {
    return ctx.reply->Error(kSyntaxError);
  }
  // An empty range holds neither a 0 nor a 1.
  if (first_bit > last_bit) return ctx.reply->Integer(-1);
  const uint8_t skip = bit ? 0x00 : 0xff;  // a whole byte with no match
  int64_t pos = first_bit;
  while (pos <= last_bit) {
    if ((pos & 7) == 0 && pos + 7 <= last_bit &&
        static_cast<uint8_t>(value[static_cast<size_t>(pos >> 3)]) == skip) {
      pos += 8;
      continue;
    }
    if (BitAt(value, static_cast<uint64_t>(pos)) == bit) return ctx.reply->Integer(pos);
    pos++;
  }
  // No clear bit in range: without an explicit end, the string counts as
  // padded with zeros on the right, so the first one past the range is it.
  if (bit == 0 && !end_given) return ctx.reply->Integer(last_bit + 1);
  ctx.reply->Integer(-1);
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]: missing keys are zero-filled
// to the longest input; an all-empty result deletes destkey.
void BitOpCommand(CommandContext& ctx) {
  std::string_view op = ctx.argv[1];
  enum { kAnd, kOr, kXor, kNot } kind;
  if (EqualsIgnoreCase(op, "and")) {
    kind = kAnd;
  } else if (EqualsIgnoreCase(op, "or")) {
    kind = kOr;
  } else if (EqualsIgnoreCase(op, "xor")) {
    kind = kXor;
  } else if (EqualsIgnoreCase(op, "not")) {
    kind = kNot;
  } else {
    return ctx.reply->Error(kSyntaxError);
  }
  if (kind == kNot && ctx.argv.size() != 4) {
    return ctx.reply->Error("ERR BITOP NOT must be called with a single source key.");
  }
  const std::string& dest = ctx.argv[2];
  std::vector<std::string_view> keys;
  for (size_t i = 2; i < ctx.argv.size(); i++) keys.push_back(ctx.argv[i]);
  KeyLockGuard guard(ctx.state->locks(), keys);
  size_t n = ctx.argv.size() - 3;
  std::vector<std::string> records(n);
  std::vector<std::string_view> values(n);
  size_t max_len = 0;
  for (size_t j = 0; j < n; j++) {
    bool found, wrong_type;
    if (!ReadString(ctx, ctx.argv[j + 3], &records[j], &found, &values[j], nullptr, &wrong_type)) {
      return;
    }
    if (wrong_type) return ctx.reply->Error(kWrongType);
    max_len = std::max(max_len, values[j].size());
  }
  WriteBatch batch;
  if (max_len == 0) {
    batch.Delete(MetadataKey(dest));
  } else {
    std::string result(max_len, '\0');
    for (size_t i = 0; i < max_len; i++) {
      auto byte_of = [&](size_t j) -> uint8_t {
        return i < values[j].size() ? static_cast<uint8_t>(values[j][i]) : 0;
      };
      uint8_t out = byte_of(0);
      if (kind == kNot) out = static_cast<uint8_t>(~out);
      for (size_t j = 1; j < n; j++) {
        if (kind == kAnd) out &= byte_of(j);
        if (kind == kOr) out |= byte_of(j);
        if (kind == kXor) out ^= byte_of(j);
      }
      result[i] = static_cast<char>(out);
    }
    batch.Put(MetadataKey(dest), EncodeStringMetadata(0, result));
  }
  Status s = DbWrite(ctx, &batch);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  ctx.reply->Integer(static_cast<int64_t>(max_len));
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest
// common subsequence by the classic O(len1 * len2) table, whose size
// proto-max-bulk-len bounds as in Redis.
void LcsCommand(CommandContext& ctx) {
  std::string record_a, record_b;
  std::string_view a, b;
  bool found, wrong_a, wrong_b;
  if (!ReadString(ctx, ctx.argv[1], &record_a, &found, &a, nullptr, &wrong_a)) return;
  if (!ReadString(ctx, ctx.argv[2], &record_b, &found, &b, nullptr, &wrong_b)) return;
  if (wrong_a || wrong_b) {
    return ctx.reply->Error("ERR The specified keys must contain string values");
  }
  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t j = 3; j < ctx.argv.size(); j++) {
    const std::string& opt = ctx.argv[j];
    bool more = j + 1 < ctx.argv.size();
    if (EqualsIgnoreCase(opt, "idx")) {
      get_idx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      get_len = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      with_match_len = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && more) {
      if (!ArgInt64(ctx, ctx.argv[j + 1], &min_match_len)) return;
      if (min_match_len < 0) min_match_len = 0;
      j++;
    } else {
      return ctx.reply->Error(kSyntaxError);
    }
  }
  if (get_len && get_idx) {
    return ctx.reply->Error("ERR If you want both the length and indexes, please just use IDX.");
  }
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    return ctx.reply->Error("ERR String too long for LCS");
  }
  const uint64_t alen = a.size(), blen = b.size();
  const uint64_t cells = (alen + 1) * (blen + 1);  // < 2^64: both are < 2^32 - 1
  if (cells > UINT64_MAX / sizeof(uint32_t)) {
    return ctx.reply->Error("ERR Insufficient memory, failed allocating transient memory for LCS");
  }
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.state->config()->proto_max_bulk_len())) {
    return ctx.reply->Error(
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  }
  std::vector<uint32_t> table(cells, 0);
  auto at = [&](uint64_t i, uint64_t j) -> uint32_t& { return table[j + i * (blen + 1)]; };
  for (uint64_t i = 1; i <= alen; i++) {
    for (uint64_t j = 1; j <= blen; j++) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  const uint32_t total = at(alen, blen);
  if (get_len) return ctx.reply->Integer(total);

  // Walk back from the end, collecting the subsequence and, for IDX, the
  // matching ranges (last first, as Redis lists them).
  struct Match {
    uint64_t a_start, a_end, b_start, b_end;
  };
  std::vector<Match> matches;
  std::string result(total, '\0');
  uint64_t i = alen, j = blen, idx = total;
  bool open = false;
  Match current{};
  auto emit = [&] {
    uint64_t match_len = current.a_end - current.a_start + 1;
    if (min_match_len == 0 || match_len >= static_cast<uint64_t>(min_match_len)) {
      matches.push_back(current);
    }
    open = false;
  };
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      result[--idx] = a[i - 1];
      if (open && current.a_start == i && current.b_start == j) {
        current.a_start--;
        current.b_start--;
      } else {
        if (open) emit();
        current = Match{i - 1, i - 1, j - 1, j - 1};
        open = true;
      }
      i--;
      j--;
      if (current.a_start == 0 || current.b_start == 0) emit();
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        i--;
      } else {
        j--;
      }
      if (open) emit();
    }
  }
  if (!get_idx) return ctx.reply->Bulk(result);
  ctx.reply->Map(2);
  ctx.reply->Bulk("matches");
  ctx.reply->Array(matches.size());
  for (const Match& m : matches) {
    ctx.reply->Array(with_match_len ? 3 : 2);
    ctx.reply->Array(2);
    ctx.reply->Integer(static_cast<int64_t>(m.a_start));
    ctx.reply->Integer(static_cast<int64_t>(m.a_end));
    ctx.reply->Array(2);
    ctx.reply->Integer(static_cast<int64_t>(m.b_start));
    ctx.reply->Integer(static_cast<int64_t>(m.b_end));
    if (with_match_len) ctx.reply->Integer(static_cast<int64_t>(m.a_end - m.a_start + 1));
  }
  ctx.reply->Bulk("len");
  ctx.reply->Integer(total);
}

}  // namespace

void AppendBitCommands(std::vector<CommandSpec>* t) {
  const char* g = "bitmap";
  t->insert(t->end(), {
                          {"setbit", 4, kWrite, 1, 1, 1, g,
                           "Sets or clears the bit at offset in the string value stored at key",
                           "2.2.0", SetBitCommand},
                          {"getbit", 3, kReadOnly | kFast, 1, 1, 1, g,
                           "Returns the bit value at offset in the string value stored at key",
                           "2.2.0", GetBitCommand},
                          {"bitcount", -2, kReadOnly, 1, 1, 1, g, "Count set bits in a string",
                           "2.6.0", BitCountCommand},
                          {"bitpos", -3, kReadOnly, 1, 1, 1, g,
                           "Find first bit set or clear in a string", "2.8.7", BitPosCommand},
                          {"bitop", -4, kWrite, 2, -1, 1, g,
                           "Perform bitwise operations between strings", "2.6.0", BitOpCommand},
                          {"lcs", -3, kReadOnly, 1, 2, 1, "string", "Find longest common substring",
                           "7.0.0", LcsCommand},
                      });
}

}  // namespace strata::server
