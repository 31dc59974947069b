// Sorted-set commands (issue 13): ZADD (NX XX GT LT CH INCR) ZINCRBY ZREM
// ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZRANGE (BYSCORE BYLEX
// REV LIMIT WITHSCORES) ZRANGESTORE ZREVRANGE Z[REV]RANGEBYSCORE
// Z[REV]RANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP BZPOPMIN BZPOPMAX BZMPOP
// ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZUNION ZINTER ZDIFF (and
// their STORE forms) ZINTERCARD ZRANDMEMBER ZSCAN, with Redis 7.0's replies and errors.
//
// Elements are encoded as zset_encoding.h says: 'M'+member -> score and the
// score index 'S'+score+member. Costs (n members, k returned or removed):
// a score or lex range is a range scan, O(log n + k); a rank (ZRANK,
// ZRANGE by index, ZREMRANGEBYRANK) walks the score index from the nearer
// end, O(rank + k); ZUNION/ZINTER/ZDIFF and ZRANDMEMBER read their inputs
// whole, O(n). BYLEX ranges scan the member index, so with members of
// different scores (where Redis leaves the result unspecified) they come in
// member order.
//
// Every command that writes holds the locks of all its keys from its first
// read until its one WriteBatch is committed, and replies after the commit.
// Every command that adds members to a key or creates one (ZADD, ZINCRBY,
// the STORE forms) then signals the key's blocked clients (blocking.h), after
// dropping its locks, as the list pushes do.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <unordered_map>

#include "server/blocking.h"
#include "server/collection.h"
#include "server/commands.h"
#include "server/config.h"
#include "server/resp_parser.h"
#include "server/server_state.h"
#include "server/zset_encoding.h"

namespace strata::server {

namespace {

constexpr std::string_view kNotFloat = "ERR value is not a valid float";
constexpr std::string_view kMinMaxNotFloat = "ERR min or max is not a float";
constexpr std::string_view kBadLexRange = "ERR min or max not valid string range item";
constexpr std::string_view kNanResult = "ERR resulting score is not a number (NaN)";
constexpr std::string_view kNotPositive = "ERR value is out of range, must be positive";

struct ZEntry {
  std::string member;
  double score;
};

// ---- Argument parsing -----------------------------------------------------

// Redis's string2d: the whole argument, no leading blank, no NaN, no
// overflow.
bool ParseScore(std::string_view s, double* value) {
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string text(s);
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) return false;
  *value = v;
  return true;
}

bool ArgScore(CommandContext& ctx, std::string_view arg, double* value,
              std::string_view error = kNotFloat) {
  if (ParseScore(arg, value)) return true;
  ctx.reply->Error(error);
  return false;
}

// Redis's getRangeLongFromObjectOrReply with a message: `error` for a
// non-integer and for a value outside [min, max].
bool ArgRange(CommandContext& ctx, std::string_view arg, int64_t min, int64_t max, int64_t* value,
              std::string_view error) {
  if (ParseInt64(arg, value) && *value >= min && *value <= max) return true;
  ctx.reply->Error(error);
  return false;
}

struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;

  bool GteMin(double v) const { return minex ? v > min : v >= min; }
  bool LteMax(double v) const { return maxex ? v < max : v <= max; }
  bool Empty() const { return min > max || (min == max && (minex || maxex)); }
};

// One end of a score range: "(" makes it exclusive; the rest is strtod's
// whole input (Redis's zslParseRange).
bool ParseScoreBound(const std::string& arg, double* value, bool* exclusive) {
  const char* start = arg.c_str();
  *exclusive = false;
  if (!arg.empty() && arg[0] == '(') {
    *exclusive = true;
    start++;
  }
  char* end = nullptr;
  *value = std::strtod(start, &end);
  return end == arg.c_str() + arg.size() && !std::isnan(*value);
}

bool ParseScoreRange(const std::string& min, const std::string& max, ScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

// A lex range end: "-" (below everything), "+" (above everything), or
// "[" / "(" then a member, inclusive / exclusive.
struct LexBound {
  enum Kind { kMinusInf, kPlusInf, kValue } kind = kValue;
  std::string value;
  bool exclusive = false;
};

bool ParseLexBound(std::string_view arg, LexBound* b) {
  if (arg.empty()) return false;
  switch (arg[0]) {
    case '+':
    case '-':
      if (arg.size() != 1) return false;
      b->kind = arg[0] == '+' ? LexBound::kPlusInf : LexBound::kMinusInf;
      b->exclusive = true;
      return true;
    case '(':
    case '[':
      b->kind = LexBound::kValue;
      b->exclusive = arg[0] == '(';
      b->value.assign(arg.substr(1));
      return true;
    default:
      return false;
  }
}

// Compares a bound with a member (or two bounds' values) as Redis's
// sdscmplex: -inf below everything, +inf above.
int CompareLex(const LexBound& b, std::string_view member) {
  if (b.kind == LexBound::kMinusInf) return -1;
  if (b.kind == LexBound::kPlusInf) return 1;
  int c = std::string_view(b.value).compare(member);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

struct LexRange {
  LexBound min, max;

  bool GteMin(std::string_view m) const {
    int c = CompareLex(min, m);
    return min.exclusive ? c < 0 : c <= 0;
  }
  bool LteMax(std::string_view m) const {
    int c = CompareLex(max, m);
    return max.exclusive ? c > 0 : c >= 0;
  }
  bool Empty() const {
    if (min.kind == LexBound::kPlusInf || max.kind == LexBound::kMinusInf) return true;
    if (min.kind == LexBound::kMinusInf || max.kind == LexBound::kPlusInf) return false;
    int c = min.value.compare(max.value);
    return c > 0 || (c == 0 && (min.exclusive || max.exclusive));
  }
};

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* r) {
  return ParseLexBound(min, &r->min) && ParseLexBound(max, &r->max);
}

// ---- Reading --------------------------------------------------------------

// Reads the score of `member`; *found false if it is not in c.
Status ReadScore(CommandContext& ctx, const Collection& c, std::string_view member, double* score,
                 bool* found) {
  *found = false;
  if (!c.found) return Status::OK();
  std::string value;
  Status s = GetElement(ctx, c, ZSetMemberSubkey(member), &value);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  if (!DecodeScore(value, score)) return Status::Corruption("sorted set: bad score value");
  *found = true;
  return Status::OK();
}

// A walk over one of the two indexes of a sorted set, forward or backward;
// `upper_subkey` (a full subkey, tag included), when given, ends the walk
// before it (ElementIterator).
class ZSetCursor {
 public:
  // Bounded to the tag's subkeys (upper_subkey, when given, lower still).
  ZSetCursor(CommandContext& ctx, const Collection& c, char tag, std::string_view upper_subkey = {})
      : it_(ctx, c,
            upper_subkey.empty() ? std::string(1, static_cast<char>(tag + 1)) : upper_subkey,
            std::string(1, tag)),
        tag_(tag) {}

  // Forward from the first subkey >= tag + from.
  void SeekForward(std::string_view from) {
    it_.Seek(std::string_view(&tag_, 1), from);
    Check();
  }
  // Backward from the last subkey < tag + before (before empty: from the
  // tag's last subkey).
  void SeekBackwardBefore(std::string_view before) {
    std::string k(1, tag_);
    if (before.empty()) {
      k[0] = static_cast<char>(tag_ + 1);
    } else {
      k.append(before);
    }
    it_.Seek(k);
    if (it_.Valid()) {
      it_.Prev();
    } else if (it_.status().ok()) {
      it_.SeekToLast();
    }
    Check();
  }
  // Backward from the last subkey before the cursor's upper subkey (which
  // a score-index walk from the end always gives: ScoreWalkUpper).
  void SeekLast() {
    it_.SeekToLast();
    Check();
  }
  // Backward from the last subkey <= tag + at.
  void SeekBackwardAt(std::string_view at) {
    std::string k(1, tag_);
    k.append(at);
    it_.SeekForPrev(k);
    Check();
  }
  bool Valid() const { return valid_; }
  void Next() {
    it_.Next();
    Check();
  }
  void Prev() {
    it_.Prev();
    Check();
  }
  // For the score index: the member and its score.
  bool ScoreEntry(std::string_view* member, double* score) const {
    std::string_view k = it_.subkey().substr(1);
    if (!DecodeScore(k, score)) return false;
    *member = k.substr(8);
    return true;
  }
  // For the member index.
  std::string_view Member() const { return it_.subkey().substr(1); }
  bool MemberScore(double* score) const { return DecodeScore(it_.value(), score); }
  Status status() const { return it_.status(); }

 private:
  void Check() { valid_ = it_.Valid() && !it_.subkey().empty() && it_.subkey()[0] == tag_; }

  ElementIterator it_;
  const char tag_;
  bool valid_ = false;
};

Status CorruptIndex() { return Status::Corruption("sorted set: bad score index entry"); }

// The upper subkey of a backward walk of c's score index: before
// `before` (a score-index subkey without its tag; empty: no limit) and
// past no entry after c's high bound (ZSetBounds), whichever is lower.
KeyBuffer ScoreWalkUpper(const ZSetBounds& bounds, std::string_view before = {}) {
  static constexpr char kTags[2] = {kZSetScoreTag, static_cast<char>(kZSetScoreTag + 1)};
  const std::string_view tag(&kTags[0], 1);
  if (bounds.high && (before.empty() || bounds.high->view() < before)) {
    // The first subkey after high.
    return KeyBuffer(tag, bounds.high->view(), std::string_view("\0", 1));
  }
  if (!before.empty()) return KeyBuffer(tag, before);
  return KeyBuffer(std::string_view(&kTags[1], 1), {});
}

// Positions `cur` (a score-index cursor built with ScoreWalkUpper(bounds))
// at the index's first live entry, or its last when `reverse`, seeking past
// the entries popped from that end.
void SeekScoreEnd(ZSetCursor* cur, const ZSetBounds& bounds, bool reverse) {
  if (reverse) {
    cur->SeekLast();
  } else {
    cur->SeekForward(bounds.low ? bounds.low->view() : std::string_view());
  }
}

// Calls f(member, score) for every member in (score, member) order,
// forward or backward, starting `skip` entries from the end it starts at,
// until f returns false.
template <typename F>
Status VisitByRank(CommandContext& ctx, const Collection& c, bool reverse, uint64_t skip, F f) {
  if (!c.found) return Status::OK();
  const ZSetBounds bounds = ZSetBounds::Decode(c.meta.extra);
  ZSetCursor cur(ctx, c, kZSetScoreTag, ScoreWalkUpper(bounds));
  SeekScoreEnd(&cur, bounds, reverse);
  for (; cur.Valid(); reverse ? cur.Prev() : cur.Next()) {
    if (skip > 0) {
      skip--;
      continue;
    }
    std::string_view member;
    double score;
    if (!cur.ScoreEntry(&member, &score)) return CorruptIndex();
    if (!f(member, score)) break;
  }
  return cur.status();
}

// Calls f(member, score) for the members with scores in r, in order.
template <typename F>
Status VisitByScore(CommandContext& ctx, const Collection& c, const ScoreRange& r, bool reverse,
                    F f) {
  if (!c.found || r.Empty()) return Status::OK();
  const ZSetBounds bounds = ZSetBounds::Decode(c.meta.extra);
  std::string upper;
  if (reverse) {
    // Past every member of score max: the next ordered value (no overflow:
    // only NaNs, never stored, map above +inf).
    uint64_t after = OrderedScore(r.max) + 1;
    char k[8];
    EncodeBigEndian64(k, after);
    upper = ScoreWalkUpper(bounds, std::string_view(k, sizeof(k))).view();
  } else {
    upper = ScoreWalkUpper(bounds).view();
  }
  ZSetCursor cur(ctx, c, kZSetScoreTag, upper);
  if (reverse) {
    cur.SeekLast();
  } else {
    std::string from = EncodeScore(r.min);
    if (bounds.low && bounds.low->view() > from) from = bounds.low->view();
    cur.SeekForward(from);
  }
  for (; cur.Valid(); reverse ? cur.Prev() : cur.Next()) {
    std::string_view member;
    double score;
    if (!cur.ScoreEntry(&member, &score)) return CorruptIndex();
    if (reverse) {
      if (!r.LteMax(score)) continue;
      if (!r.GteMin(score)) break;
    } else {
      if (!r.GteMin(score)) continue;
      if (!r.LteMax(score)) break;
    }
    if (!f(member, score)) break;
  }
  return cur.status();
}

// Calls f(member, score) for the members in the lex range r, in member
// order (the member index).
template <typename F>
Status VisitByLex(CommandContext& ctx, const Collection& c, const LexRange& r, bool reverse, F f) {
  if (!c.found || r.Empty()) return Status::OK();
  ZSetCursor cur(ctx, c, kZSetMemberTag);
  if (reverse) {
    if (r.max.kind == LexBound::kValue) {
      cur.SeekBackwardAt(r.max.value);
    } else {
      cur.SeekBackwardBefore("");
    }
  } else {
    cur.SeekForward(r.min.kind == LexBound::kValue ? std::string_view(r.min.value) : "");
  }
  for (; cur.Valid(); reverse ? cur.Prev() : cur.Next()) {
    std::string_view member = cur.Member();
    if (reverse) {
      if (!r.LteMax(member)) continue;
      if (!r.GteMin(member)) break;
    } else {
      if (!r.GteMin(member)) continue;
      if (!r.LteMax(member)) break;
    }
    double score;
    if (!cur.MemberScore(&score)) return Status::Corruption("sorted set: bad score value");
    if (!f(member, score)) break;
  }
  return cur.status();
}

// Every member with its score, in member order.
Status ReadAll(CommandContext& ctx, const Collection& c, std::vector<ZEntry>* out) {
  LexRange all;
  all.min.kind = LexBound::kMinusInf;
  all.max.kind = LexBound::kPlusInf;
  return VisitByLex(ctx, c, all, false, [&](std::string_view m, double s) {
    out->push_back({std::string(m), s});
    return true;
  });
}

// Normalizes a rank range as Redis does; false when it is empty.
bool NormalizeRanks(int64_t size, int64_t* start, int64_t* end) {
  if (*start < 0) *start += size;
  if (*end < 0) *end += size;
  if (*start < 0) *start = 0;
  if (*start > *end || *start >= size) return false;
  if (*end >= size) *end = size - 1;
  return true;
}

Status CollectByRank(CommandContext& ctx, const Collection& c, int64_t start, int64_t end,
                     bool reverse, std::vector<ZEntry>* out) {
  if (!NormalizeRanks(static_cast<int64_t>(c.meta.size), &start, &end)) return Status::OK();
  uint64_t want = static_cast<uint64_t>(end - start + 1);
  return VisitByRank(ctx, c, reverse, static_cast<uint64_t>(start),
                     [&](std::string_view m, double s) {
                       out->push_back({std::string(m), s});
                       return out->size() < want;
                     });
}

// Collects with Redis's LIMIT semantics: a negative offset gives nothing,
// a negative count means all.
template <typename Visit>
Status CollectLimited(int64_t offset, int64_t limit, std::vector<ZEntry>* out, Visit visit) {
  if (offset < 0 || limit == 0) return Status::OK();
  return visit([&, offset](std::string_view m, double s) mutable {
    if (offset > 0) {
      offset--;
      return true;
    }
    out->push_back({std::string(m), s});
    return limit < 0 || static_cast<int64_t>(out->size()) < limit;
  });
}

// ---- Writing --------------------------------------------------------------

// The keys of member's entry and of its score-index entry in c, built in
// place (ZSetMemberSubkey, ZSetScoreSubkey).
KeyBuffer MemberKey(const Collection& c, std::string_view member) {
  return c.ElementKey(std::string_view(&kZSetMemberTag, 1), member);
}
KeyBuffer ScoreKey(const Collection& c, double score, std::string_view member) {
  return c.ElementKey(ZSetScoreHead(score).view(), member);
}

// Applies member updates to one sorted set in one batch, seeing its own
// earlier updates (ZADD may name a member twice).
class ZSetWriter {
 public:
  ZSetWriter(CommandContext& ctx, std::string_view key, Collection* c)
      : ctx_(ctx), key_(key), c_(c), bounds_(ZSetBounds::Decode(c->meta.extra)) {}

  Status Score(std::string_view member, double* score, bool* found) {
    auto it = pending_.find(member);
    if (it != pending_.end()) {
      *found = it->second.has_value();
      if (*found) *score = *it->second;
      return Status::OK();
    }
    return ReadScore(ctx_, *c_, member, score, found);
  }

  // Sets member's score (`had`/`old`: its current state, from Score).
  void Put(std::string_view member, bool had, double old, double score) {
    if (had) {
      if (OrderedScore(old) == OrderedScore(score)) return;
      batch_.Delete(ScoreKey(*c_, old, member));
    } else {
      c_->meta.size++;
    }
    batch_.Put(MemberKey(*c_, member), EncodeScore(score));
    const ZSetScoreHead head(score);
    batch_.Put(c_->ElementKey(head.view(), member), std::string_view());
    bounds_.Added(KeyBuffer(head.view().substr(1), member));
    pending_.insert_or_assign(std::string(member), score);
  }

  void Remove(std::string_view member, double old) {
    batch_.Delete(MemberKey(*c_, member));
    batch_.Delete(ScoreKey(*c_, old, member));
    c_->meta.size--;
    pending_.insert_or_assign(std::string(member), std::nullopt);
  }

  // Records that the entries up to (member, score) from the score index's
  // start (`max`: from its end, down to it) are all removed, so that the
  // next walk from that end seeks past them (ZSetBounds).
  void Popped(std::string_view member, double score, bool max) {
    const KeyBuffer s(ZSetScoreHead(score).view().substr(1), member);
    if (max) {
      bounds_.PoppedHigh(s);
    } else {
      bounds_.PoppedLow(s);
    }
  }

  // Writes the metadata (deleting the key when empty) and commits.
  bool Commit() {
    c_->meta.extra = std::string_view(extra_, bounds_.EncodeTo(extra_));
    PutCollectionMetadata(key_, *c_, &batch_);
    return CommitBatch(ctx_, &batch_);
  }

 private:
  CommandContext& ctx_;
  std::string_view key_;
  Collection* c_;
  ZSetBounds bounds_;                    // c_'s, kept valid through every Put and Remove
  char extra_[ZSetBounds::kMaxEncoded];  // backs c_->meta.extra after Commit
  WriteBatch batch_;
  std::map<std::string, std::optional<double>, std::less<>> pending_;
};

// Adds to `batch` `key` := a new sorted set of `entries` (distinct members)
// under a fresh version, replacing whatever the key held; an empty result
// deletes the key. REQUIRES: the caller holds key's lock.
bool PutNewZSet(CommandContext& ctx, std::string_view key, const std::vector<ZEntry>& entries,
                WriteBatch* batch) {
  if (entries.empty()) {
    batch->Delete(MetadataKey(key));
    return true;
  }
  Collection c;
  c.meta.type = KeyType::kZSet;
  if (!CreateCollection(ctx, key, &c)) return false;
  for (const ZEntry& e : entries) {
    batch->Put(MemberKey(c, e.member), EncodeScore(e.score));
    batch->Put(ScoreKey(c, e.score, e.member), std::string_view());
  }
  c.meta.size = entries.size();
  PutCollectionMetadata(key, c, batch);
  return true;
}

// ---- Replies --------------------------------------------------------------

// Members (and scores): flat in RESP2, [member, score] pairs in RESP3.
void ReplyEntries(CommandContext& ctx, const std::vector<ZEntry>& entries, bool withscores) {
  bool nested = withscores && ctx.reply->resp3();
  ctx.reply->Array(withscores && !nested ? entries.size() * 2 : entries.size());
  for (const ZEntry& e : entries) {
    if (nested) ctx.reply->Array(2);
    ctx.reply->Bulk(e.member);
    if (withscores) ctx.reply->Double(e.score);
  }
}

// ---- ZADD, ZINCRBY, ZREM ----------------------------------------------------

enum ZAddFlags : uint32_t {
  kZAddNx = 1 << 0,
  kZAddXx = 1 << 1,
  kZAddGt = 1 << 2,
  kZAddLt = 1 << 3,
  kZAddCh = 1 << 4,
  kZAddIncr = 1 << 5,
};

// Sets *added when it committed new members (the key's waiters may be
// served).
void ZAddGeneric(CommandContext& ctx, uint32_t flags, bool* added_members) {
  size_t i = 2;
  for (; i < ctx.argv.size(); i++) {
    const std::string& opt = ctx.argv[i];
    if (EqualsIgnoreCase(opt, "nx")) {
      flags |= kZAddNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      flags |= kZAddXx;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      flags |= kZAddCh;
    } else if (EqualsIgnoreCase(opt, "incr")) {
      flags |= kZAddIncr;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      flags |= kZAddGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      flags |= kZAddLt;
    } else {
      break;
    }
  }
  bool nx = flags & kZAddNx, xx = flags & kZAddXx, gt = flags & kZAddGt, lt = flags & kZAddLt;
  bool incr = flags & kZAddIncr;
  size_t args = ctx.argv.size() - i;
  if (args == 0 || args % 2 != 0) return ctx.reply->Error(kSyntaxError);
  if (nx && xx) {
    return ctx.reply->Error("ERR XX and NX options at the same time are not compatible");
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return ctx.reply->Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  size_t pairs = args / 2;
  if (incr && pairs > 1) {
    return ctx.reply->Error("ERR INCR option supports a single increment-element pair");
  }
  std::vector<double> scores(pairs);
  for (size_t j = 0; j < pairs; j++) {
    if (!ArgScore(ctx, ctx.argv[i + 2 * j], &scores[j])) return;
  }

  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadCollection(ctx, key, KeyType::kZSet, &c)) return;
  int64_t added = 0, updated = 0, processed = 0;
  double last_score = 0;
  if (c.found || !xx) {
    if (!c.found && !CreateCollection(ctx, key, &c)) return;
    ZSetWriter writer(ctx, key, &c);
    for (size_t j = 0; j < pairs; j++) {
      const std::string& member = ctx.argv[i + 2 * j + 1];
      double score = scores[j], current = 0;
      bool found;
      Status s = writer.Score(member, &current, &found);
      if (!s.ok()) return ReplyStatusError(ctx.reply, s);
      if (found) {
        if (nx) continue;
        if (incr) {
          score += current;
          if (std::isnan(score)) return ctx.reply->Error(kNanResult);
        }
        if ((lt && score >= current) || (gt && score <= current)) continue;
        if (score != current) {
          writer.Put(member, true, current, score);
          updated++;
        }
      } else {
        if (xx) continue;
        writer.Put(member, false, 0, score);
        added++;
      }
      processed++;
      last_score = score;
    }
    if ((added != 0 || updated != 0) && !writer.Commit()) return;
    *added_members = added != 0;
  }
  if (incr) return processed != 0 ? ctx.reply->Double(last_score) : ctx.reply->Null();
  ctx.reply->Integer((flags & kZAddCh) ? added + updated : added);
}

void ZAddCommand(CommandContext& ctx) {
  bool added = false;
  ZAddGeneric(ctx, 0, &added);
  if (added) SignalKeyReady(ctx, ctx.argv[1]);
}

void ZIncrByCommand(CommandContext& ctx) {
  bool added = false;
  ZAddGeneric(ctx, kZAddIncr, &added);
  if (added) SignalKeyReady(ctx, ctx.argv[1]);
}

void ZRemCommand(CommandContext& ctx) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadCollection(ctx, key, KeyType::kZSet, &c)) return;
  if (!c.found) return ctx.reply->Integer(0);
  ZSetWriter writer(ctx, key, &c);
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argv.size(); i++) {
    double score;
    bool found;
    Status s = writer.Score(ctx.argv[i], &score, &found);
    if (!s.ok()) return ReplyStatusError(ctx.reply, s);
    if (!found) continue;
    writer.Remove(ctx.argv[i], score);
    deleted++;
  }
  if (deleted != 0 && !writer.Commit()) return;
  ctx.reply->Integer(deleted);
}

// ---- Point reads ------------------------------------------------------------

void ZScoreCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kZSet, &c)) return;
  double score;
  bool found;
  Status s = ReadScore(ctx, c, ctx.argv[2], &score, &found);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  if (!found) return ctx.reply->Null();
  ctx.reply->Double(score);
}

void ZMScoreCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kZSet, &c)) return;
  std::vector<std::optional<double>> scores;
  for (size_t i = 2; i < ctx.argv.size(); i++) {
    double score;
    bool found;
    Status s = ReadScore(ctx, c, ctx.argv[i], &score, &found);
    if (!s.ok()) return ReplyStatusError(ctx.reply, s);
    scores.push_back(found ? std::optional<double>(score) : std::nullopt);
  }
  ctx.reply->Array(scores.size());
  for (const auto& score : scores) {
    if (score) {
      ctx.reply->Double(*score);
    } else {
      ctx.reply->Null();
    }
  }
}

void ZCardCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kZSet, &c)) return;
  ctx.reply->Integer(c.found ? static_cast<int64_t>(c.meta.size) : 0);
}

void ZCountCommand(CommandContext& ctx) {
  ScoreRange r;
  if (!ParseScoreRange(ctx.argv[2], ctx.argv[3], &r)) return ctx.reply->Error(kMinMaxNotFloat);
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kZSet, &c)) return;
  int64_t n = 0;
  Status s = VisitByScore(ctx, c, r, false, [&](std::string_view, double) { return ++n > 0; });
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  ctx.reply->Integer(n);
}

void ZLexCountCommand(CommandContext& ctx) {
  LexRange r;
  if (!ParseLexRange(ctx.argv[2], ctx.argv[3], &r)) return ctx.reply->Error(kBadLexRange);
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kZSet, &c)) return;
  int64_t n = 0;
  Status s = VisitByLex(ctx, c, r, false, [&](std::string_view, double) { return ++n > 0; });
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  ctx.reply->Integer(n);
}

// The rank walks the score index from the start: O(rank).
void ZRankGeneric(CommandContext& ctx, bool reverse) {
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kZSet, &c)) return;
  const std::string& member = ctx.argv[2];
  double score;
  bool found;
  Status s = ReadScore(ctx, c, member, &score, &found);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  if (!found) return ctx.reply->Null();
  int64_t rank = 0;
  bool seen = false;
  // Walk from whichever end the answer counts from.
  const ZSetBounds bounds = ZSetBounds::Decode(c.meta.extra);
  ZSetCursor cur(ctx, c, kZSetScoreTag, ScoreWalkUpper(bounds));
  SeekScoreEnd(&cur, bounds, reverse);
  for (; cur.Valid(); rank++) {
    std::string_view m;
    double sc;
    if (!cur.ScoreEntry(&m, &sc)) return ReplyStatusError(ctx.reply, CorruptIndex());
    if (sc == score && m == member) {
      seen = true;
      break;
    }
    if (reverse) {
      cur.Prev();
    } else {
      cur.Next();
    }
  }
  if (!cur.status().ok()) return ReplyStatusError(ctx.reply, cur.status());
  if (!seen) return ReplyStatusError(ctx.reply, CorruptIndex());
  ctx.reply->Integer(rank);
}

void ZRankCommand(CommandContext& ctx) { ZRankGeneric(ctx, false); }
void ZRevRankCommand(CommandContext& ctx) { ZRankGeneric(ctx, true); }

// ---- ZRANGE and its variants -------------------------------------------------

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// The min and max of a range command, parsed as its RangeType says.
struct RangeBounds {
  RangeType type = RangeType::kRank;  // kRank, kScore or kLex
  int64_t start = 0, end = 0;         // kRank
  ScoreRange score;                   // kScore
  LexRange lex;                       // kLex
};

// Parses `min` and `max` as `type`'s bounds (kAuto: ranks), replying the
// error and returning false if they are malformed.
bool ParseRangeBounds(CommandContext& ctx, RangeType type, const std::string& min,
                      const std::string& max, RangeBounds* b) {
  b->type = type == RangeType::kAuto ? RangeType::kRank : type;
  switch (b->type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      return ArgInt64(ctx, min, &b->start) && ArgInt64(ctx, max, &b->end);
    case RangeType::kScore:
      if (ParseScoreRange(min, max, &b->score)) return true;
      ctx.reply->Error(kMinMaxNotFloat);
      return false;
    case RangeType::kLex:
      if (ParseLexRange(min, max, &b->lex)) return true;
      ctx.reply->Error(kBadLexRange);
      return false;
  }
  return false;
}

// The entries of c within `b`, in `reverse` order or not; for a score or
// lex range, with LIMIT `offset` `limit` applied (CollectLimited: 0, -1 is
// every entry).
Status CollectRange(CommandContext& ctx, const Collection& c, const RangeBounds& b, bool reverse,
                    int64_t offset, int64_t limit, std::vector<ZEntry>* out) {
  switch (b.type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      break;
    case RangeType::kScore:
      return CollectLimited(offset, limit, out,
                            [&](auto f) { return VisitByScore(ctx, c, b.score, reverse, f); });
    case RangeType::kLex:
      return CollectLimited(offset, limit, out,
                            [&](auto f) { return VisitByLex(ctx, c, b.lex, reverse, f); });
  }
  return CollectByRank(ctx, c, b.start, b.end, reverse, out);
}

// Z[REV]RANGE[BYSCORE|BYLEX] and ZRANGESTORE: argv[src] is the source key,
// min and max follow, then options; `dst` is ZRANGESTORE's destination.
// `stored` (with `dst`): set when a non-empty result was committed.
void RangeGeneric(CommandContext& ctx, size_t src, const std::string* dst, RangeType type,
                  Direction direction, bool* stored = nullptr) {
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = src + 3; j < ctx.argv.size(); j++) {
    const std::string& opt = ctx.argv[j];
    size_t left = ctx.argv.size() - j - 1;
    if (dst == nullptr && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ArgInt64(ctx, ctx.argv[j + 1], &offset) || !ArgInt64(ctx, ctx.argv[j + 2], &limit)) {
        return;
      }
      j += 2;
    } else if (direction == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      direction = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      return ctx.reply->Error(kSyntaxError);
    }
  }
  if (direction == Direction::kAuto) direction = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  // Redis tests `limit != -1`: LIMIT 0 -1 with a rank range passes.
  if (limit != -1 && type == RangeType::kRank) {
    return ctx.reply->Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (withscores && type == RangeType::kLex) {
    return ctx.reply->Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  bool reverse = direction == Direction::kReverse;
  size_t minidx = src + 1, maxidx = src + 2;
  if (reverse && type != RangeType::kRank) std::swap(minidx, maxidx);

  RangeBounds bounds;
  if (!ParseRangeBounds(ctx, type, ctx.argv[minidx], ctx.argv[maxidx], &bounds)) return;

  const std::string& key = ctx.argv[src];
  std::vector<std::string_view> keys = {key};
  if (dst != nullptr) keys.push_back(*dst);
  std::optional<KeyLockGuard> guard;
  if (dst != nullptr) guard.emplace(ctx.state->locks(), keys);
  Collection c;
  if (!ReadCollection(ctx, key, KeyType::kZSet, &c)) return;
  std::vector<ZEntry> entries;
  Status s = CollectRange(ctx, c, bounds, reverse, offset, limit, &entries);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  if (dst == nullptr) return ReplyEntries(ctx, entries, withscores);
  WriteBatch batch;
  if (!PutNewZSet(ctx, *dst, entries, &batch) || !CommitBatch(ctx, &batch)) return;
  *stored = !entries.empty();
  ctx.reply->Integer(static_cast<int64_t>(entries.size()));
}

void ZRangeCommand(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kAuto, Direction::kAuto);
}
void ZRangeStoreCommand(CommandContext& ctx) {
  bool stored = false;
  RangeGeneric(ctx, 2, &ctx.argv[1], RangeType::kAuto, Direction::kAuto, &stored);
  if (stored) SignalKeyReady(ctx, ctx.argv[1]);
}
void ZRevRangeCommand(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kRank, Direction::kReverse);
}
void ZRangeByScoreCommand(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kScore, Direction::kForward);
}
void ZRevRangeByScoreCommand(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kScore, Direction::kReverse);
}
void ZRangeByLexCommand(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kLex, Direction::kForward);
}
void ZRevRangeByLexCommand(CommandContext& ctx) {
  RangeGeneric(ctx, 1, nullptr, RangeType::kLex, Direction::kReverse);
}

// ---- ZREMRANGEBY* -----------------------------------------------------------

void RemRangeGeneric(CommandContext& ctx, RangeType type) {
  RangeBounds bounds;
  if (!ParseRangeBounds(ctx, type, ctx.argv[2], ctx.argv[3], &bounds)) return;
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadCollection(ctx, key, KeyType::kZSet, &c)) return;
  if (!c.found) return ctx.reply->Integer(0);
  std::vector<ZEntry> entries;
  Status s = CollectRange(ctx, c, bounds, false, 0, -1, &entries);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  if (!entries.empty()) {
    // A removed run that starts or ends at an end of the score index (the
    // trims ZREMRANGEBYRANK 0 k and -k -1, or a score range open at -inf or
    // +inf) is recorded like a pop, so later walks from that end seek past it.
    const auto size = static_cast<int64_t>(c.meta.size);
    bool from_start = false, to_end = false;
    if (bounds.type == RangeType::kRank) {
      from_start = bounds.start == 0 || bounds.start <= -size;
      to_end = bounds.end == -1 || bounds.end >= size - 1;
    } else if (bounds.type == RangeType::kScore) {
      from_start = bounds.score.min == -HUGE_VAL && !bounds.score.minex;
      to_end = bounds.score.max == HUGE_VAL && !bounds.score.maxex;
    }
    ZSetWriter writer(ctx, key, &c);
    for (const ZEntry& e : entries) writer.Remove(e.member, e.score);
    if (from_start) writer.Popped(entries.back().member, entries.back().score, false);
    if (to_end) writer.Popped(entries.front().member, entries.front().score, true);
    if (!writer.Commit()) return;
  }
  ctx.reply->Integer(static_cast<int64_t>(entries.size()));
}

void ZRemRangeByRankCommand(CommandContext& ctx) { RemRangeGeneric(ctx, RangeType::kRank); }
void ZRemRangeByScoreCommand(CommandContext& ctx) { RemRangeGeneric(ctx, RangeType::kScore); }
void ZRemRangeByLexCommand(CommandContext& ctx) { RemRangeGeneric(ctx, RangeType::kLex); }

// ---- ZPOPMIN, ZPOPMAX, ZMPOP, BZPOPMIN, BZPOPMAX, BZMPOP ---------------------

enum class PopOutcome { kServed, kEmpty, kFailed };

// How a pop replies: ZPOPMIN/ZPOPMAX's members and scores (flat, or pairs
// in RESP3 with a count); BZPOPMIN/BZPOPMAX's flat [key, member, score];
// ZMPOP/BZMPOP's [key, [[member, score], ...]].
enum class PopReply { kMembers, kKeyMember, kKeyNested };

// Pops up to `count` (-1: one, without a count) members from the first
// non-empty key of `keys`, replying as `shape` says; replies nothing when
// none has members (kEmpty) or when a key's type is wrong (kFailed, WRONGTYPE
// replied). A blocked client's re-run skips a key of another type instead,
// as Redis serves a waiter only from a key that holds a sorted set (a MULTI
// that ZADDs then SETs the key must not wake it with an error).
// REQUIRES: the caller holds the locks of `keys`.
PopOutcome PopFirst(CommandContext& ctx, std::span<const std::string_view> keys, bool max,
                    int64_t count, PopReply shape) {
  bool rerun = ctx.client != nullptr && ctx.client->blocked;
  Collection c;
  std::string_view key;
  for (std::string_view k : keys) {
    if (rerun) {
      std::string record;
      Metadata meta;
      Status s = GetMeta(ctx, k, &record, &meta);
      if (s.ok() && meta.type != KeyType::kZSet) continue;
    }
    if (!ReadCollection(ctx, k, KeyType::kZSet, &c)) return PopOutcome::kFailed;
    if (c.found) {
      key = k;
      break;
    }
  }
  if (!c.found) return PopOutcome::kEmpty;
  if (count == 0) {
    ctx.reply->Array(0);
    return PopOutcome::kServed;
  }
  bool single = count == -1;
  if (single) count = 1;
  std::vector<ZEntry> entries;
  Status s = VisitByRank(ctx, c, max, 0, [&](std::string_view m, double sc) {
    entries.push_back({std::string(m), sc});
    return static_cast<int64_t>(entries.size()) < count;
  });
  if (!s.ok()) {
    ReplyStatusError(ctx.reply, s);
    return PopOutcome::kFailed;
  }
  ZSetWriter writer(ctx, key, &c);
  for (const ZEntry& e : entries) writer.Remove(e.member, e.score);
  if (!entries.empty()) writer.Popped(entries.back().member, entries.back().score, max);
  if (!writer.Commit()) return PopOutcome::kFailed;
  switch (shape) {
    case PopReply::kKeyNested:
      ctx.reply->Array(2);
      ctx.reply->Bulk(key);
      ctx.reply->Array(entries.size());
      for (const ZEntry& e : entries) {
        ctx.reply->Array(2);
        ctx.reply->Bulk(e.member);
        ctx.reply->Double(e.score);
      }
      break;
    case PopReply::kKeyMember:
      ctx.reply->Array(3);
      ctx.reply->Bulk(key);
      ctx.reply->Bulk(entries[0].member);
      ctx.reply->Double(entries[0].score);
      break;
    case PopReply::kMembers:
      if (ctx.reply->resp3() && !single) {
        ReplyEntries(ctx, entries, true);
        break;
      }
      ctx.reply->Array(entries.size() * 2);
      for (const ZEntry& e : entries) {
        ctx.reply->Bulk(e.member);
        ctx.reply->Double(e.score);
      }
      break;
  }
  return PopOutcome::kServed;
}

void ZPopGeneric(CommandContext& ctx, bool max) {
  if (ctx.argv.size() > 3) return ctx.reply->Error(kSyntaxError);
  int64_t count = -1;
  if (ctx.argv.size() == 3 && !ArgRange(ctx, ctx.argv[2], 0, INT64_MAX, &count, kNotPositive)) {
    return;
  }
  std::string_view key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  if (PopFirst(ctx, std::span(&key, 1), max, count, PopReply::kMembers) == PopOutcome::kEmpty) {
    ctx.reply->Array(0);
  }
}

void ZPopMinCommand(CommandContext& ctx) { ZPopGeneric(ctx, false); }
void ZPopMaxCommand(CommandContext& ctx) { ZPopGeneric(ctx, true); }

// Parses [B]ZMPOP's arguments from numkeys (at `numkeys_at`) on:
// numkeys key [key ...] MIN|MAX [COUNT count].
bool ParseZMPop(CommandContext& ctx, size_t numkeys_at, std::vector<std::string_view>* keys,
                bool* max, int64_t* count) {
  int64_t numkeys;
  if (!ArgRange(ctx, ctx.argv[numkeys_at], 1, INT64_MAX, &numkeys,
                "ERR numkeys should be greater than 0")) {
    return false;
  }
  if (numkeys >= static_cast<int64_t>(ctx.argv.size() - numkeys_at - 1)) {
    ctx.reply->Error(kSyntaxError);
    return false;
  }
  size_t where = numkeys_at + 1 + static_cast<size_t>(numkeys);
  if (EqualsIgnoreCase(ctx.argv[where], "min")) {
    *max = false;
  } else if (EqualsIgnoreCase(ctx.argv[where], "max")) {
    *max = true;
  } else {
    ctx.reply->Error(kSyntaxError);
    return false;
  }
  *count = -1;
  for (size_t j = where + 1; j < ctx.argv.size(); j++) {
    if (*count == -1 && EqualsIgnoreCase(ctx.argv[j], "count") && j + 1 < ctx.argv.size()) {
      j++;
      if (!ArgRange(ctx, ctx.argv[j], 1, INT64_MAX, count, "ERR count should be greater than 0")) {
        return false;
      }
    } else {
      ctx.reply->Error(kSyntaxError);
      return false;
    }
  }
  if (*count == -1) *count = 1;
  keys->assign(ctx.argv.begin() + numkeys_at + 1, ctx.argv.begin() + where);
  return true;
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void ZMPopCommand(CommandContext& ctx) {
  std::vector<std::string_view> keys;
  bool max;
  int64_t count;
  if (!ParseZMPop(ctx, 1, &keys, &max, &count)) return;
  KeyLockGuard guard(ctx.state->locks(), keys);
  if (PopFirst(ctx, keys, max, count, PopReply::kKeyNested) == PopOutcome::kEmpty) {
    ctx.reply->NullArray();
  }
}

// BZPOPMIN, BZPOPMAX and BZMPOP once their arguments are parsed: pops like
// their non-blocking forms or blocks (blocking.h); the timeout (and, inside
// MULTI/EXEC, the empty case) replies a null array, as Redis does.
void BlockingZPop(CommandContext& ctx, const std::vector<std::string_view>& keys, bool max,
                  int64_t count, PopReply shape, uint64_t deadline_ms) {
  KeyLockGuard guard(ctx.state->locks(), keys);
  if (PopFirst(ctx, keys, max, count, shape) != PopOutcome::kEmpty) return;
  if (!BlockOrTimeout(ctx, keys, deadline_ms)) ctx.reply->NullArray();
}

// BZPOPMIN|BZPOPMAX key [key ...] timeout
void BZPopGeneric(CommandContext& ctx, bool max) {
  uint64_t deadline_ms;
  if (!ParseBlockTimeout(ctx, ctx.argv.back(), &deadline_ms)) return;
  std::vector<std::string_view> keys(ctx.argv.begin() + 1, ctx.argv.end() - 1);
  BlockingZPop(ctx, keys, max, -1, PopReply::kKeyMember, deadline_ms);
}

void BZPopMinCommand(CommandContext& ctx) { BZPopGeneric(ctx, false); }
void BZPopMaxCommand(CommandContext& ctx) { BZPopGeneric(ctx, true); }

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: Redis parses
// the pop's arguments before the timeout.
void BZMPopCommand(CommandContext& ctx) {
  std::vector<std::string_view> keys;
  bool max;
  int64_t count;
  if (!ParseZMPop(ctx, 2, &keys, &max, &count)) return;
  uint64_t deadline_ms;
  if (!ParseBlockTimeout(ctx, ctx.argv[1], &deadline_ms)) return;
  BlockingZPop(ctx, keys, max, count, PopReply::kKeyNested, deadline_ms);
}

// ---- ZUNION, ZINTER, ZDIFF, ZINTERCARD ----------------------------------------

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

void AggregateInto(double* target, double value, Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0;
      break;
    case Aggregate::kMin:
      *target = value < *target ? value : *target;
      break;
    case Aggregate::kMax:
      *target = value > *target ? value : *target;
      break;
  }
}

// One input of a set operation: a sorted set, or a plain set whose members
// score 1 (the set's elements are subkey = member, docs/SERVER.md).
struct SetOpInput {
  std::vector<ZEntry> entries;  // member order
  std::unordered_map<std::string_view, double> index;
  double weight = 1;
};

// Reads `key` (a sorted set, a set or nothing) into *in; replies WRONGTYPE
// for any other type.
bool ReadSetOpInput(CommandContext& ctx, std::string_view key, SetOpInput* in) {
  std::string record;
  Metadata meta;
  Status s = GetMeta(ctx, key, &record, &meta);
  if (s.IsNotFound()) return true;
  if (!s.ok()) {
    ReplyStatusError(ctx.reply, s);
    return false;
  }
  if (meta.type != KeyType::kZSet && meta.type != KeyType::kSet) {
    ctx.reply->Error(kWrongType);
    return false;
  }
  Collection c;
  if (!ReadCollection(ctx, key, meta.type, &c)) return false;
  if (meta.type == KeyType::kZSet) {
    s = ReadAll(ctx, c, &in->entries);
  } else if (c.found) {
    ElementIterator it(ctx, c);
    for (it.SeekToFirst(); it.Valid(); it.Next())
      in->entries.push_back({std::string(it.subkey()), 1.0});
    s = it.status();
  }
  if (!s.ok()) {
    ReplyStatusError(ctx.reply, s);
    return false;
  }
  for (const ZEntry& e : in->entries) in->index.emplace(e.member, e.score);
  return true;
}

// Z{UNION,INTER,DIFF}[STORE] and ZINTERCARD; argv[numkeys_at] is numkeys.
// `stored` (with `dst`): set when a non-empty result was committed.
void SetOpGeneric(CommandContext& ctx, size_t numkeys_at, const std::string* dst, SetOp op,
                  bool cardinality_only, bool* stored = nullptr) {
  int64_t numkeys;
  if (!ArgInt64(ctx, ctx.argv[numkeys_at], &numkeys)) return;
  if (numkeys < 1) {
    return ctx.reply->Error("ERR at least 1 input key is needed for '" + ToLower(ctx.argv[0]) +
                            "' command");
  }
  if (numkeys > static_cast<int64_t>(ctx.argv.size() - numkeys_at - 1)) {
    return ctx.reply->Error(kSyntaxError);
  }
  size_t first = numkeys_at + 1;
  std::vector<std::string_view> keys(ctx.argv.begin() + first, ctx.argv.begin() + first + numkeys);
  if (dst != nullptr) keys.push_back(*dst);
  KeyLockGuard guard(ctx.state->locks(), keys);
  std::vector<SetOpInput> inputs(static_cast<size_t>(numkeys));
  for (size_t i = 0; i < inputs.size(); i++) {
    if (!ReadSetOpInput(ctx, ctx.argv[first + i], &inputs[i])) return;
  }
  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  size_t j = first + inputs.size();
  while (j < ctx.argv.size()) {
    size_t remaining = ctx.argv.size() - j;
    const std::string& opt = ctx.argv[j];
    if (op != SetOp::kDiff && !cardinality_only && remaining >= inputs.size() + 1 &&
        EqualsIgnoreCase(opt, "weights")) {
      j++;
      for (SetOpInput& in : inputs) {
        if (!ArgScore(ctx, ctx.argv[j++], &in.weight, "ERR weight value is not a float")) return;
      }
    } else if (op != SetOp::kDiff && !cardinality_only && remaining >= 2 &&
               EqualsIgnoreCase(opt, "aggregate")) {
      const std::string& how = ctx.argv[j + 1];
      if (EqualsIgnoreCase(how, "sum")) {
        aggregate = Aggregate::kSum;
      } else if (EqualsIgnoreCase(how, "min")) {
        aggregate = Aggregate::kMin;
      } else if (EqualsIgnoreCase(how, "max")) {
        aggregate = Aggregate::kMax;
      } else {
        return ctx.reply->Error(kSyntaxError);
      }
      j += 2;
    } else if (dst == nullptr && !cardinality_only && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
      j++;
    } else if (cardinality_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      if (!ArgRange(ctx, ctx.argv[j + 1], 0, INT64_MAX, &limit, "ERR LIMIT can't be negative")) {
        return;
      }
      j += 2;
    } else {
      return ctx.reply->Error(kSyntaxError);
    }
  }

  std::vector<ZEntry> result;
  if (op == SetOp::kInter) {
    // Smallest input first, as Redis: the same members, and the same order
    // of floating-point aggregation.
    std::stable_sort(inputs.begin(), inputs.end(), [](const SetOpInput& a, const SetOpInput& b) {
      return a.entries.size() < b.entries.size();
    });
    int64_t cardinality = 0;
    for (const ZEntry& e : inputs[0].entries) {
      double score = inputs[0].weight * e.score;
      if (std::isnan(score)) score = 0;
      size_t i = 1;
      for (; i < inputs.size(); i++) {
        auto it = inputs[i].index.find(e.member);
        if (it == inputs[i].index.end()) break;
        AggregateInto(&score, it->second * inputs[i].weight, aggregate);
      }
      if (i < inputs.size()) continue;
      if (cardinality_only) {
        if (++cardinality == limit) break;
        continue;
      }
      result.push_back({e.member, score});
    }
    if (cardinality_only) return ctx.reply->Integer(cardinality);
  } else if (op == SetOp::kUnion) {
    std::unordered_map<std::string, double> acc;
    for (const SetOpInput& in : inputs) {
      for (const ZEntry& e : in.entries) {
        double score = in.weight * e.score;
        if (std::isnan(score)) score = 0;
        auto [it, inserted] = acc.try_emplace(e.member, score);
        if (!inserted) AggregateInto(&it->second, score, aggregate);
      }
    }
    result.reserve(acc.size());
    for (auto& [member, score] : acc) result.push_back({member, score});
  } else {
    for (const ZEntry& e : inputs[0].entries) {
      bool elsewhere = false;
      for (size_t i = 1; i < inputs.size() && !elsewhere; i++) {
        elsewhere = inputs[i].index.count(e.member) != 0;
      }
      if (!elsewhere) result.push_back(e);
    }
  }
  std::sort(result.begin(), result.end(), [](const ZEntry& a, const ZEntry& b) {
    return a.score != b.score ? a.score < b.score : a.member < b.member;
  });
  if (dst == nullptr) return ReplyEntries(ctx, result, withscores);
  WriteBatch batch;
  if (!PutNewZSet(ctx, *dst, result, &batch) || !CommitBatch(ctx, &batch)) return;
  *stored = !result.empty();
  ctx.reply->Integer(static_cast<int64_t>(result.size()));
}

void ZUnionCommand(CommandContext& ctx) { SetOpGeneric(ctx, 1, nullptr, SetOp::kUnion, false); }
void ZInterCommand(CommandContext& ctx) { SetOpGeneric(ctx, 1, nullptr, SetOp::kInter, false); }
void ZDiffCommand(CommandContext& ctx) { SetOpGeneric(ctx, 1, nullptr, SetOp::kDiff, false); }
void ZUnionStoreCommand(CommandContext& ctx) {
  bool stored = false;
  SetOpGeneric(ctx, 2, &ctx.argv[1], SetOp::kUnion, false, &stored);
  if (stored) SignalKeyReady(ctx, ctx.argv[1]);
}
void ZInterStoreCommand(CommandContext& ctx) {
  bool stored = false;
  SetOpGeneric(ctx, 2, &ctx.argv[1], SetOp::kInter, false, &stored);
  if (stored) SignalKeyReady(ctx, ctx.argv[1]);
}
void ZDiffStoreCommand(CommandContext& ctx) {
  bool stored = false;
  SetOpGeneric(ctx, 2, &ctx.argv[1], SetOp::kDiff, false, &stored);
  if (stored) SignalKeyReady(ctx, ctx.argv[1]);
}
void ZInterCardCommand(CommandContext& ctx) { SetOpGeneric(ctx, 1, nullptr, SetOp::kInter, true); }

// ---- ZRANDMEMBER, ZSCAN -----------------------------------------------------

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// ZRANDMEMBER key [count [WITHSCORES]]: reads the whole set, O(n).
void ZRandMemberCommand(CommandContext& ctx) {
  int64_t count = 0;
  bool has_count = ctx.argv.size() >= 3, withscores = false;
  if (has_count) {
    if (!ArgInt64(ctx, ctx.argv[2], &count)) return;
    if (count == INT64_MIN) {
      return ctx.reply->Error(
          "ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
    }
    if (ctx.argv.size() > 4 ||
        (ctx.argv.size() == 4 && !EqualsIgnoreCase(ctx.argv[3], "withscores"))) {
      return ctx.reply->Error(kSyntaxError);
    }
    withscores = ctx.argv.size() == 4;
    if (withscores && (count < -INT64_MAX / 2 || count > INT64_MAX / 2)) {
      return ctx.reply->Error("ERR value is out of range");
    }
  }
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kZSet, &c)) return;
  if (!c.found) return has_count ? ctx.reply->Array(0) : ctx.reply->Null();
  std::vector<ZEntry> all;
  Status s = ReadAll(ctx, c, &all);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  if (all.empty()) return has_count ? ctx.reply->Array(0) : ctx.reply->Null();
  auto& rng = Rng();
  if (!has_count) {
    std::uniform_int_distribution<size_t> pick(0, all.size() - 1);
    return ctx.reply->Bulk(all[pick(rng)].member);
  }
  std::vector<ZEntry> out;
  if (count < 0) {
    // With repetitions: -count independent draws.
    uint64_t n = static_cast<uint64_t>(-count);
    std::uniform_int_distribution<size_t> pick(0, all.size() - 1);
    bool nested = withscores && ctx.reply->resp3();
    ctx.reply->Array(withscores && !nested ? n * 2 : n);
    for (uint64_t i = 0; i < n; i++) {
      const ZEntry& e = all[pick(rng)];
      if (nested) ctx.reply->Array(2);
      ctx.reply->Bulk(e.member);
      if (withscores) ctx.reply->Double(e.score);
    }
    return;
  }
  // Distinct members: a partial shuffle picks min(count, n) of them.
  size_t n = std::min(all.size(), static_cast<size_t>(count));
  for (size_t i = 0; i < n; i++) {
    std::uniform_int_distribution<size_t> pick(i, all.size() - 1);
    std::swap(all[i], all[pick(rng)]);
  }
  all.resize(n);
  ReplyEntries(ctx, all, withscores);
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]: walks the member index;
// the cursor names the last member returned (ServerState's cursor table).
void ZScanCommand(CommandContext& ctx) {
  ScanArgs args;
  if (!ParseScanArgs(ctx, ScanCommandKind::kZScan, &args)) return;
  if (!args.options_error.empty()) return ctx.reply->Error(args.options_error);
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kZSet, &c)) return;
  std::vector<ZEntry> entries;
  uint64_t next = 0;
  if (c.found) {
    std::string last;
    bool resume = args.cursor != 0 && ctx.state->LoadCursor(args.cursor, &last);
    ZSetCursor cur(ctx, c, kZSetMemberTag);
    cur.SeekForward(last);
    if (resume && cur.Valid() && cur.Member() == last) cur.Next();
    std::string last_seen;
    for (int64_t n = 0; n < args.count && cur.Valid(); n++, cur.Next()) {
      last_seen.assign(cur.Member());
      if (!args.Matches(last_seen)) continue;
      double score;
      if (!cur.MemberScore(&score)) {
        return ReplyStatusError(ctx.reply, Status::Corruption("sorted set: bad score value"));
      }
      entries.push_back({last_seen, score});
    }
    if (!cur.status().ok()) return ReplyStatusError(ctx.reply, cur.status());
    if (cur.Valid()) next = ctx.state->SaveCursor(last_seen);
  }
  ctx.reply->Array(2);
  ctx.reply->Bulk(std::to_string(next));
  ctx.reply->Array(entries.size() * 2);
  for (const ZEntry& e : entries) {
    ctx.reply->Bulk(e.member);
    ctx.reply->Bulk(FormatDouble(e.score));
  }
}

}  // namespace

void AppendZSetCommands(std::vector<CommandSpec>* t) {
  const char* g = "sorted-set";
  t->insert(
      t->end(),
      {
          {"zadd", -4, kWrite | kFast, 1, 1, 1, g,
           "Add one or more members to a sorted set, or update its score if it already exists",
           "1.2.0", ZAddCommand},
          {"zincrby", 4, kWrite | kFast, 1, 1, 1, g,
           "Increment the score of a member in a sorted set", "1.2.0", ZIncrByCommand},
          {"zrem", -3, kWrite | kFast, 1, 1, 1, g, "Remove one or more members from a sorted set",
           "1.2.0", ZRemCommand},
          {"zscore", 3, kReadOnly | kFast, 1, 1, 1, g,
           "Get the score associated with the given member in a sorted set", "1.2.0",
           ZScoreCommand},
          {"zmscore", -3, kReadOnly | kFast, 1, 1, 1, g,
           "Get the score associated with the given members in a sorted set", "6.2.0",
           ZMScoreCommand},
          {"zcard", 2, kReadOnly | kFast, 1, 1, 1, g, "Get the number of members in a sorted set",
           "1.2.0", ZCardCommand},
          {"zcount", 4, kReadOnly | kFast, 1, 1, 1, g,
           "Count the members in a sorted set with scores within the given values", "2.0.0",
           ZCountCommand},
          {"zlexcount", 4, kReadOnly | kFast, 1, 1, 1, g,
           "Count the number of members in a sorted set between a given lexicographical range",
           "2.8.9", ZLexCountCommand},
          {"zrank", 3, kReadOnly | kFast, 1, 1, 1, g,
           "Determine the index of a member in a sorted set", "2.0.0", ZRankCommand},
          {"zrevrank", 3, kReadOnly | kFast, 1, 1, 1, g,
           "Determine the index of a member in a sorted set, with scores ordered from high to low",
           "2.0.0", ZRevRankCommand},
          {"zrange", -4, kReadOnly, 1, 1, 1, g, "Return a range of members in a sorted set",
           "1.2.0", ZRangeCommand},
          {"zrangestore", -5, kWrite, 1, 2, 1, g,
           "Store a range of members from sorted set into another key", "6.2.0",
           ZRangeStoreCommand},
          {"zrevrange", -4, kReadOnly, 1, 1, 1, g,
           "Return a range of members in a sorted set, by index, with scores ordered from high "
           "to low",
           "1.2.0", ZRevRangeCommand},
          {"zrangebyscore", -4, kReadOnly, 1, 1, 1, g,
           "Return a range of members in a sorted set, by score", "1.0.5", ZRangeByScoreCommand},
          {"zrevrangebyscore", -4, kReadOnly, 1, 1, 1, g,
           "Return a range of members in a sorted set, by score, with scores ordered from high to "
           "low",
           "2.2.0", ZRevRangeByScoreCommand},
          {"zrangebylex", -4, kReadOnly, 1, 1, 1, g,
           "Return a range of members in a sorted set, by lexicographical range", "2.8.9",
           ZRangeByLexCommand},
          {"zrevrangebylex", -4, kReadOnly, 1, 1, 1, g,
           "Return a range of members in a sorted set, by lexicographical range, ordered from "
           "higher to lower strings.",
           "2.8.9", ZRevRangeByLexCommand},
          {"zremrangebyrank", 4, kWrite, 1, 1, 1, g,
           "Remove all members in a sorted set within the given indexes", "2.0.0",
           ZRemRangeByRankCommand},
          {"zremrangebyscore", 4, kWrite, 1, 1, 1, g,
           "Remove all members in a sorted set within the given scores", "1.2.0",
           ZRemRangeByScoreCommand},
          {"zremrangebylex", 4, kWrite, 1, 1, 1, g,
           "Remove all members in a sorted set between the given lexicographical range", "2.8.9",
           ZRemRangeByLexCommand},
          {"zpopmin", -2, kWrite | kFast, 1, 1, 1, g,
           "Remove and return members with the lowest scores in a sorted set", "5.0.0",
           ZPopMinCommand},
          {"zpopmax", -2, kWrite | kFast, 1, 1, 1, g,
           "Remove and return members with the highest scores in a sorted set", "5.0.0",
           ZPopMaxCommand},
          {"zmpop", -4, kWrite, 0, 0, 0, g, "Remove and return members with scores in a sorted set",
           "7.0.0", ZMPopCommand},
          {"bzpopmin", -3, kWrite | kFast, 1, -2, 1, g,
           "Remove and return the member with the lowest score from one or more sorted sets, or "
           "block until one is available",
           "5.0.0", BZPopMinCommand},
          {"bzpopmax", -3, kWrite | kFast, 1, -2, 1, g,
           "Remove and return the member with the highest score from one or more sorted sets, or "
           "block until one is available",
           "5.0.0", BZPopMaxCommand},
          {"bzmpop", -5, kWrite, 0, 0, 0, g,
           "Remove and return members with scores in a sorted set or block until one is available",
           "7.0.0", BZMPopCommand},
          {"zunion", -3, kReadOnly, 0, 0, 0, g, "Add multiple sorted sets", "6.2.0", ZUnionCommand},
          {"zinter", -3, kReadOnly, 0, 0, 0, g, "Intersect multiple sorted sets", "6.2.0",
           ZInterCommand},
          {"zdiff", -3, kReadOnly, 0, 0, 0, g, "Subtract multiple sorted sets", "6.2.0",
           ZDiffCommand},
          {"zunionstore", -4, kWrite, 1, 1, 1, g,
           "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
           ZUnionStoreCommand},
          {"zinterstore", -4, kWrite, 1, 1, 1, g,
           "Intersect multiple sorted sets and store the resulting sorted set in a new key",
           "2.0.0", ZInterStoreCommand},
          {"zdiffstore", -4, kWrite, 1, 1, 1, g,
           "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0",
           ZDiffStoreCommand},
          {"zintercard", -3, kReadOnly, 0, 0, 0, g,
           "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0",
           ZInterCardCommand},
          {"zrandmember", -2, kReadOnly, 1, 1, 1, g,
           "Get one or multiple random elements from a sorted set", "6.2.0", ZRandMemberCommand},
          {"zscan", -3, kReadOnly, 1, 1, 1, g,
           "Incrementally iterate sorted sets elements and "
           "associated scores",
           "2.8.0", ZScanCommand},
      });
}

}  // namespace strata::server
