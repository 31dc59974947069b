// Set commands (issue 13): SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS
// SPOP SRANDMEMBER SMOVE SINTER SINTERCARD SUNION SDIFF SINTERSTORE
// SUNIONSTORE SDIFFSTORE SSCAN, with Redis 7.0's replies and errors.
//
// Encoding (docs/SERVER.md, "Sets"): one element per member, subkey = the
// member's bytes, empty value; the metadata's size is the cardinality and a
// set has no type-specific fields. Members therefore come back in bytewise
// order wherever Redis's order is unspecified (SMEMBERS, SSCAN, ...).
//
// Random members (SPOP, SRANDMEMBER): a set of at most kExactSampleMax
// members is read whole and sampled exactly uniformly (what Redis's
// distribution tests check). A larger one is sampled by a random descent of
// the trie of its members' bytes (MemberSampler::Descend) and a short random
// walk: at each node the prefix its first and last members share is
// skipped, a byte between theirs is drawn from the alphabet the members seen
// so far use, and a seek to it picks the child at or after it (a second seek
// finds that child's last member). Two seeks per level, depth ~ log n: a few
// microseconds a draw. Near-uniform when the members spread evenly over their
// alphabet (random ids, hashes, fixed-width numbers), but favouring members
// that follow gaps otherwise (with "m:1" ... "m:9999", whose lengths differ,
// "m:1" comes up far more often than "m:1234"): exact uniformity would need
// per-subtree counts the LSM does not keep. A distinct sample of more than a
// third of a large set reads the set whole (O(n)), as Redis's own
// SPOP/SRANDMEMBER switch strategies there. A large set SPOP keeps drawing
// from is copied into memory once the descents have paid for the read
// (SetSampleCache, set_sample_cache.h): while the set is unchanged since,
// SPOP takes its members out of that copy and SRANDMEMBER draws from it,
// both in O(1) and exactly uniformly.
//
// Writes: a command that writes holds the KeyLockGuard of every key it reads
// or writes from its first read until its one batch is committed; the STORE
// forms write the destination under a fresh version in that batch (its old
// elements become garbage, as after DEL), or delete it when the result is
// empty. Read-only commands take no lock, as every plain read.
//
// Thread-safety: as every handler (commands.h).

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/collection.h"
#include "server/commands.h"
#include "server/config.h"
#include "server/resp_parser.h"
#include "server/set_sample_cache.h"
#include "util/coding.h"

namespace strata::server {

namespace {

// Sets up to this many members are sampled exactly (read whole); larger ones
// by random descents. 256 keeps a draw's read short and covers every set
// Redis's distribution tests draw from (10 to 50 members).
constexpr uint64_t kExactSampleMax = 256;
// A random descent in a large set walks on up to this many members, to
// spread the weight of a member that follows a wide gap in member space.
constexpr uint64_t kSeekWalk = 16;
// The members read at the start of a large set to learn the alphabet its
// members use (Descend adds every member it meets).
constexpr uint64_t kAlphabetSample = 32;
// A random descent stops this many bytes deep (a prefix that long is shared
// by few members; the walk spreads the draw among them).
constexpr size_t kMaxDescent = 64;

// The length of the prefix a and b share, counted on from `from` (REQUIRES:
// they share their first `from` bytes).
size_t SharedLength(std::string_view a, std::string_view b, size_t from = 0) {
  while (from < a.size() && from < b.size() && a[from] == b[from]) from++;
  return from;
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

uint64_t RandomBelow(uint64_t n) {
  return std::uniform_int_distribution<uint64_t>(0, n - 1)(Rng());
}

// Replies the engine error of `s` and returns false unless s is OK or NotFound.
bool CheckRead(CommandContext& ctx, const Status& s) {
  if (s.ok() || s.IsNotFound()) return true;
  ReplyStatusError(ctx.reply, s);
  return false;
}

// Reads every member of c (bytewise order) into *members. On an engine error
// replies it and returns false.
bool ReadMembers(CommandContext& ctx, const Collection& c, std::vector<std::string>* members) {
  members->clear();
  if (!c.found) return true;
  members->reserve(c.meta.size);
  ElementIterator it(ctx, c);
  for (it.SeekToFirst(); it.Valid(); it.Next()) members->emplace_back(it.subkey());
  return CheckRead(ctx, it.status());
}

// Sets *is to whether `member` is in c.
bool IsMember(CommandContext& ctx, const Collection& c, std::string_view member, bool* is) {
  *is = false;
  if (!c.found) return true;
  std::string value;
  Status s = GetElement(ctx, c, member, &value);
  if (!CheckRead(ctx, s)) return false;
  *is = s.ok();
  return true;
}

// Draws random members of one set (REQUIRES: c.found, size > 0): exactly
// uniformly from the members read whole when the set is small, by random
// descents otherwise (see the file comment).
class MemberSampler {
 public:
  MemberSampler(CommandContext& ctx, const Collection& c) : ctx_(ctx), c_(c) {}

  // Prepares; on an engine error replies it and returns false.
  bool Init() {
    if (c_.meta.size <= kExactSampleMax) {
      exact_ = true;
      if (!ReadMembers(ctx_, c_, &members_)) return false;
      if (members_.empty()) return Fail(Status::Corruption("set metadata counts missing members"));
      return true;
    }
    it_ = std::make_unique<ElementIterator>(ctx_, c_);
    // The members at both ends give the common prefix; the first ones a
    // first alphabet of the bytes the members use after it (Descend).
    // Forward steps only: a step back in a memtable is a search.
    it_->SeekToLast();
    if (!it_->Valid()) return Fail(it_->status());
    last_.assign(it_->subkey());
    it_->SeekToFirst();
    if (!it_->Valid()) return Fail(it_->status());
    first_.assign(it_->subkey());
    shared_ = SharedLength(first_, last_);
    Observe(last_);
    for (uint64_t i = 0; i < kAlphabetSample && it_->Valid(); i++, it_->Next()) {
      Observe(it_->subkey());
    }
    if (!it_->status().ok()) return Fail(it_->status());
    return true;
  }

  bool exact() const { return exact_; }
  const std::vector<std::string>& members() const { return members_; }

  // One member at random (draws repeat).
  bool Pick(std::string* member) {
    if (exact_) {
      *member = members_[RandomBelow(members_.size())];
      return true;
    }
    if (!Descend()) return false;
    for (uint64_t steps = RandomBelow(kSeekWalk); steps > 0; steps--) {
      it_->Next();
      if (!it_->Valid()) {
        if (!it_->status().ok()) return Fail(it_->status());
        it_->SeekToFirst();  // past the last member: wrap around
        if (!it_->Valid()) return Fail(it_->status());
      }
    }
    member->assign(it_->subkey());
    return true;
  }

  // `count` distinct members (REQUIRES: count < size), in random order.
  bool PickDistinct(uint64_t count, std::vector<std::string>* out) {
    out->clear();
    if (!exact_ && count * 3 <= c_.meta.size) {
      std::unordered_set<std::string> seen;
      std::string member;
      // Random descents favour some members: give up on them after a bounded
      // number of draws and fall back to reading the set whole.
      for (uint64_t draws = 0; out->size() < count && draws < 8 * count + 64; draws++) {
        if (!Pick(&member)) return false;
        if (seen.insert(member).second) out->push_back(member);
      }
      if (out->size() == count) return true;
      out->clear();
    }
    if (!exact_ && !ReadMembers(ctx_, c_, &members_)) return false;
    // A partial Fisher-Yates shuffle: the first `count` are a uniform sample.
    for (uint64_t i = 0; i < count && i < members_.size(); i++) {
      std::swap(members_[i], members_[i + RandomBelow(members_.size() - i)]);
      out->push_back(members_[i]);
    }
    return true;
  }

 private:
  // Adds the bytes of `member` after the common prefix to the alphabet.
  void Observe(std::string_view member) {
    for (size_t i = shared_; i < member.size() && i < kMaxDescent; i++) {
      alphabet_[static_cast<unsigned char>(member[i])] = true;
    }
  }

  // Positions it_ on a random member by a descent of the trie of the
  // members' bytes (see the file comment): at a node, the prefix its first
  // and last members share is skipped; then a byte is drawn from the
  // alphabet between theirs and the seek to prefix + byte picks the child at
  // or after it, until the node holds one member. Two seeks a level.
  bool Descend() {
    std::string first = first_;
    std::string last = last_;
    std::string prefix;
    // Roughly how many members are under prefix: each level divides it by
    // its number of choices. Once a handful are left the walk after the
    // descent spreads the draw over them, so the last levels (two seeks
    // each) are not taken.
    auto estimate = static_cast<double>(c_.meta.size);
    bool on_first = false;  // it_ is on `first`
    for (size_t depth = 0; depth < kMaxDescent; depth++) {
      const size_t shared = SharedLength(first, last, prefix.size());
      if (first == last) break;  // one member left
      prefix.assign(first, 0, shared);
      // A member that is the prefix itself sorts first: one more choice.
      int lo = shared < first.size() ? static_cast<unsigned char>(first[shared]) : -1;
      int hi = static_cast<unsigned char>(last[shared]);
      int choices = 0;
      int b = Draw(lo, hi, &choices);
      if (b < 0) break;  // the prefix itself, which is `first`
      std::string target = prefix + static_cast<char>(b);
      it_->Seek(target);
      if (!it_->Valid()) return Fail(it_->status());
      first.assign(it_->subkey());
      on_first = true;
      Observe(first);
      estimate /= choices;
      if (estimate <= kSeekWalk / 2) break;
      prefix.push_back(first[shared]);
      if (!LastUnder(prefix)) return false;
      on_first = false;
      last.assign(it_->subkey());
      Observe(last);
    }
    if (on_first) return true;
    it_->Seek(first);
    return it_->Valid() || Fail(it_->status());
  }

  // Positions it_ on the last member that starts with `prefix` (REQUIRES:
  // one does).
  bool LastUnder(std::string_view prefix) {
    std::string after(prefix);
    while (!after.empty() && static_cast<unsigned char>(after.back()) == 0xff) after.pop_back();
    if (after.empty()) {
      it_->SeekToLast();
    } else {
      after.back() = static_cast<char>(static_cast<unsigned char>(after.back()) + 1);
      it_->Seek(after);
      if (it_->Valid()) {
        it_->Prev();
      } else if (it_->status().ok()) {
        it_->SeekToLast();
      }
    }
    return it_->Valid() || Fail(it_->status());
  }

  // A random byte in [lo, hi] that the alphabet holds (lo and hi always
  // count; -1 stands for "end of member").
  // *choices: how many bytes it drew from.
  int Draw(int lo, int hi, int* choices) {
    int in_range = 0;
    for (int b = lo; b <= hi; b++) in_range += (b == lo || b == hi || alphabet_[b]) ? 1 : 0;
    *choices = in_range;
    auto pick = static_cast<int>(RandomBelow(in_range));
    for (int b = lo;; b++) {
      if ((b == lo || b == hi || alphabet_[b]) && pick-- == 0) return b;
    }
  }

  bool Fail(const Status& s) {
    ReplyStatusError(ctx_.reply,
                     s.ok() ? Status::Corruption("set metadata counts missing members") : s);
    return false;
  }

  CommandContext& ctx_;
  const Collection& c_;
  std::unique_ptr<ElementIterator> it_;  // seek mode only
  // Seek mode: the set's first and last members, the length of their
  // common prefix, and the bytes the members seen use after it.
  std::string first_, last_;
  size_t shared_ = 0;
  std::array<bool, 256> alphabet_{};
  bool exact_ = false;
  std::vector<std::string> members_;  // exact mode: every member
};

// The removals a set's current version has had (its metadata's `extra`:
// varint64, empty for 0; docs/SERVER.md, "Sets"). A malformed field reads
// as 0: it only decides when to rewrite the set.
uint64_t RemovedUnderVersion(const Collection& c) {
  std::string_view extra = c.meta.extra;
  uint64_t removed = 0;
  if (!GetVarint64(&extra, &removed) || !extra.empty()) return 0;
  return removed;
}

// Sets the metadata of c (which just lost `removed` members, deleted in
// `batch`) for the write, rewriting the set under a fresh version when the
// deletions under its version outweigh its live members: a walk of the set
// steps over every deleted member until compaction drops it, so a set
// emptied by SPOP/SREM would otherwise cost O(deleted) per SPOP or SMEMBERS.
// The rewrite reads the set (O(live + deleted)) after at least twice as many
// removals as it keeps members, so it costs O(1) per removal; it is bounded
// to kRewriteMax live members, so no command writes a huge batch (the SPOP
// that rewrote ~31,000 members of a 95,000-member set took under 80 ms).
// The old version's elements are garbage, as after DEL (element_gc.h).
// With from_copy (SPOP took the removed members out of the set's copy,
// set_sample_cache.h), the rewrite takes the live members from the copy
// instead of reading the set and stepping over its deleted members.
// `extra` backs c->meta.extra afterwards. Returns false after replying an
// error.
constexpr uint64_t kRewriteMax = 65536;
constexpr uint64_t kRewriteMinRemoved = 1024;

bool PutSetAfterRemoval(CommandContext& ctx, std::string_view key, Collection* c,
                        const std::unordered_set<std::string_view>& removed, WriteBatch* batch,
                        std::string* extra, bool from_copy = false) {
  const uint64_t removed_total = RemovedUnderVersion(*c) + removed.size();
  const uint64_t live = c->meta.size;
  extra->clear();
  if (live > 0 && live <= kRewriteMax && removed_total >= kRewriteMinRemoved &&
      removed_total >= 2 * live) {
    Collection fresh;
    fresh.meta = c->meta;
    if (!CreateCollection(ctx, key, &fresh)) return false;
    fresh.meta.expire_ms = c->meta.expire_ms;
    WriteBatch copy;
    uint64_t kept = 0;
    std::vector<std::string> members;
    if (from_copy && ctx.state->set_samples()->Remaining(key, &members) && members.size() == live) {
      for (const std::string& m : members) copy.Put(fresh.ElementKey(m), std::string_view());
      kept = live;
    } else {
      ElementIterator it(ctx, *c);
      for (it.SeekToFirst(); it.Valid(); it.Next()) {
        if (removed.count(it.subkey()) != 0) continue;
        copy.Put(fresh.ElementKey(it.subkey()), std::string_view());
        kept++;
      }
      if (!CheckRead(ctx, it.status())) return false;
    }
    if (kept == live) {  // else the record disagrees with the elements: keep them as they are
      batch->Append(copy);
      fresh.meta.size = live;
      *c = std::move(fresh);
      c->meta.extra = std::string_view();
      PutCollectionMetadata(key, *c, batch);
      return true;
    }
  }
  if (removed_total > 0 && live > 0) PutVarint64(extra, removed_total);
  c->meta.extra = *extra;
  PutCollectionMetadata(key, *c, batch);
  return true;
}

// The key arguments argv[from..] as views.
std::vector<std::string_view> KeysFrom(CommandContext& ctx, size_t from, size_t to) {
  std::vector<std::string_view> keys;
  for (size_t i = from; i < to; i++) keys.push_back(ctx.argv[i]);
  return keys;
}

void SAddCommand(CommandContext& ctx) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadCollection(ctx, key, KeyType::kSet, &c)) return;
  bool existed = c.found;
  if (!existed && !CreateCollection(ctx, key, &c)) return;
  WriteBatch batch;
  // The members named so far: only a later argument can repeat one, so
  // SADD's one member (the common call) needs no set, nor its hashing and
  // two allocations.
  std::unordered_set<std::string_view> named;
  uint64_t added = 0;
  for (size_t i = 2; i < ctx.argv.size(); i++) {
    std::string_view member = ctx.argv[i];
    if (named.contains(member)) continue;
    if (i + 1 < ctx.argv.size()) named.insert(member);
    bool is = false;
    if (existed && !IsMember(ctx, c, member, &is)) return;
    if (is) continue;
    added++;
    batch.Put(c.ElementKey(member), std::string_view());
  }
  if (added == 0) return ctx.reply->Integer(0);
  c.meta.size += added;
  PutCollectionMetadata(key, c, &batch);
  if (CommitBatch(ctx, &batch)) ctx.reply->Integer(static_cast<int64_t>(added));
}

void SRemCommand(CommandContext& ctx) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadCollection(ctx, key, KeyType::kSet, &c)) return;
  if (!c.found) return ctx.reply->Integer(0);
  WriteBatch batch;
  std::unordered_set<std::string_view> removed;
  for (size_t i = 2; i < ctx.argv.size(); i++) {
    std::string_view member = ctx.argv[i];
    if (removed.count(member) != 0) continue;
    bool is;
    if (!IsMember(ctx, c, member, &is)) return;
    if (!is) continue;
    removed.insert(member);
    batch.Delete(c.ElementKey(member));
  }
  if (removed.empty()) return ctx.reply->Integer(0);
  c.meta.size -= std::min<uint64_t>(c.meta.size, removed.size());
  std::string extra;
  if (!PutSetAfterRemoval(ctx, key, &c, removed, &batch, &extra)) return;
  if (CommitBatch(ctx, &batch)) ctx.reply->Integer(static_cast<int64_t>(removed.size()));
}

void SCardCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kSet, &c)) return;
  ctx.reply->Integer(c.found ? static_cast<int64_t>(c.meta.size) : 0);
}

void SIsMemberCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kSet, &c)) return;
  bool is;
  if (!IsMember(ctx, c, ctx.argv[2], &is)) return;
  ctx.reply->Integer(is ? 1 : 0);
}

void SMIsMemberCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kSet, &c)) return;
  std::vector<bool> answers;
  for (size_t i = 2; i < ctx.argv.size(); i++) {
    bool is;
    if (!IsMember(ctx, c, ctx.argv[i], &is)) return;
    answers.push_back(is);
  }
  ctx.reply->Array(answers.size());
  for (bool is : answers) ctx.reply->Integer(is ? 1 : 0);
}

void ReplyMembers(CommandContext& ctx, const std::vector<std::string>& members) {
  ctx.reply->Set(members.size());
  for (const std::string& m : members) ctx.reply->Bulk(m);
}

void SMembersCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kSet, &c)) return;
  std::vector<std::string> members;
  if (!ReadMembers(ctx, c, &members)) return;
  ReplyMembers(ctx, members);
}

// The state of set c that a SetSampleCache entry must match to copy it.
SetSampleCache::State StateOf(const Collection& c) {
  return {c.meta.version, c.meta.size, RemovedUnderVersion(c)};
}

// SPOP's draw from the set's in-memory copy (set_sample_cache.h; REQUIRES:
// the key's lock held, 0 < count < size): takes `count` random members out of
// the copy into *popped and sets *from_copy, reading the set whole first when
// SPOP has drawn from it by descents often enough since its last copy. Leaves
// *from_copy false when the sampler must draw instead (no copy, inside
// EXEC, whose write lands later). Returns false after replying an engine error.
bool PopFromCopy(CommandContext& ctx, std::string_view key, const Collection& c, uint64_t count,
                 std::vector<std::string>* popped, bool* from_copy) {
  *from_copy = false;
  if (ctx.txn != nullptr) return true;
  SetSampleCache* cache = ctx.state->set_samples();
  const SetSampleCache::State state = StateOf(c);
  *from_copy = cache->Pop(key, state, count, popped);
  if (*from_copy || !cache->ShouldBuild(key, state, count)) return true;
  std::vector<std::string> members;
  if (!ReadMembers(ctx, c, &members)) return false;
  cache->Install(key, state, members);
  *from_copy = cache->Pop(key, state, count, popped);
  return true;
}

// SPOP key [count]. Without a count or with count < size: O(count) draws
// from the set's copy when it has a current one (PopFromCopy), else O(count)
// random descents for a large set, O(n) for one of at most kExactSampleMax
// members or when count > size/3; count >= size returns the whole set (O(n))
// and deletes the key by its metadata alone.
void SPopCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return ctx.reply->Error(kSyntaxError);
  const bool with_count = ctx.argv.size() == 3;
  uint64_t count = 1;
  if (with_count) {
    int64_t l;
    if (!ParseInt64(ctx.argv[2], &l) || l < 0) {
      return ctx.reply->Error("ERR value is out of range, must be positive");
    }
    count = static_cast<uint64_t>(l);
  }
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadCollection(ctx, key, KeyType::kSet, &c)) return;
  if (!c.found) return with_count ? ctx.reply->Set(0) : ctx.reply->Null();
  if (count == 0) return ctx.reply->Set(0);
  WriteBatch batch;
  std::vector<std::string> popped;
  bool from_copy = false;  // popped from the set's copy (SetSampleCache)
  if (count >= c.meta.size) {
    if (!ReadMembers(ctx, c, &popped)) return;
    c.meta.size = 0;  // the key goes; its elements are garbage, as after DEL
  } else {
    if (!PopFromCopy(ctx, key, c, count, &popped, &from_copy)) return;
    if (!from_copy) {
      MemberSampler sampler(ctx, c);
      if (!sampler.Init()) return;
      if (count == 1) {
        popped.emplace_back();
        if (!sampler.Pick(&popped[0])) return;
      } else if (!sampler.PickDistinct(count, &popped)) {
        return;
      }
    }
    for (const std::string& m : popped) batch.Delete(c.ElementKey(m));
    c.meta.size -= popped.size();
  }
  std::string extra;
  bool written = true;
  if (c.meta.size == 0) {
    PutCollectionMetadata(key, c, &batch);
  } else if (!PutSetAfterRemoval(ctx, key, &c,
                                 std::unordered_set<std::string_view>(popped.begin(), popped.end()),
                                 &batch, &extra, from_copy)) {
    written = false;
  }
  written = written && CommitBatch(ctx, &batch);
  if (from_copy) {
    // The copy lost the popped members; it copies the set as written, or
    // nothing when the write failed.
    if (written && c.meta.size > 0) {
      ctx.state->set_samples()->Settle(key, StateOf(c));
    } else {
      ctx.state->set_samples()->Drop(key);
    }
  }
  if (!written) return;
  if (!with_count) return ctx.reply->Bulk(popped[0]);
  ReplyMembers(ctx, popped);
}

// SRANDMEMBER draws at most this many members from a set's copy at once
// (the draws are held in memory before the reply).
constexpr uint64_t kCopySampleMax = uint64_t{1} << 20;

// SRANDMEMBER key [count]: costs as SPOP; a negative count draws |count|
// members with repetition (O(|count|) after an O(n) read of a small set, or
// O(|count|) random descents in a large one).
void SRandMemberCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return ctx.reply->Error(kSyntaxError);
  const bool with_count = ctx.argv.size() == 3;
  int64_t l = 1;
  if (with_count) {
    if (!ArgInt64(ctx, ctx.argv[2], &l)) return;
    if (l == INT64_MIN) {
      return ctx.reply->Error(
          "ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
    }
  }
  Collection c;
  if (!ReadCollection(ctx, ctx.argv[1], KeyType::kSet, &c)) return;
  if (!c.found) return with_count ? ctx.reply->Array(0) : ctx.reply->Null();
  if (l == 0) return ctx.reply->Array(0);
  const bool unique = l > 0;
  const uint64_t count = unique ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  std::vector<std::string> picked;
  if (unique && count >= c.meta.size) {
    if (!ReadMembers(ctx, c, &picked)) return;
    std::shuffle(picked.begin(), picked.end(), Rng());
  } else if (ctx.txn == nullptr && count <= kCopySampleMax &&
             ctx.state->set_samples()->Sample(ctx.argv[1], StateOf(c), count, unique, &picked)) {
    // Drawn from the set's copy, exactly uniformly (set_sample_cache.h).
  } else {
    MemberSampler sampler(ctx, c);
    if (!sampler.Init()) return;
    if (unique) {
      if (!sampler.PickDistinct(count, &picked)) return;
    } else {
      // The draws go to a side buffer first: an engine error halfway must
      // not leave a half-written array in the reply.
      std::string reply_body;
      std::string member;
      ReplyWriter body(&reply_body);
      body.set_protocol(ctx.reply->resp3() ? 3 : 2);
      for (uint64_t i = 0; i < count; i++) {
        if (!sampler.Pick(&member)) return;
        body.Bulk(member);
      }
      ctx.reply->Array(count);
      ctx.reply->buffer()->append(reply_body);
      return;
    }
  }
  if (!with_count) return ctx.reply->Bulk(picked[0]);
  ctx.reply->Array(picked.size());
  for (const std::string& m : picked) ctx.reply->Bulk(m);
}

// SMOVE source destination member: O(log n).
void SMoveCommand(CommandContext& ctx) {
  const std::string& source = ctx.argv[1];
  const std::string& destination = ctx.argv[2];
  const std::string& member = ctx.argv[3];
  KeyLockGuard guard(ctx.state->locks(), std::vector<std::string_view>{source, destination});
  Collection src;
  if (!ReadCollection(ctx, source, KeyType::kSet, &src)) return;
  if (!src.found) return ctx.reply->Integer(0);
  Collection dst;
  if (!ReadCollection(ctx, destination, KeyType::kSet, &dst)) return;
  bool in_src;
  if (!IsMember(ctx, src, member, &in_src)) return;
  if (source == destination || !in_src) return ctx.reply->Integer(in_src ? 1 : 0);
  bool in_dst;
  if (!IsMember(ctx, dst, member, &in_dst)) return;
  if (!dst.found && !CreateCollection(ctx, destination, &dst)) return;
  WriteBatch batch;
  batch.Delete(src.ElementKey(member));
  src.meta.size--;
  std::string extra;
  if (!PutSetAfterRemoval(ctx, source, &src, {member}, &batch, &extra)) return;
  if (!in_dst) {
    batch.Put(dst.ElementKey(member), std::string_view());
    dst.meta.size++;
    PutCollectionMetadata(destination, dst, &batch);
  }
  if (CommitBatch(ctx, &batch)) ctx.reply->Integer(1);
}

// The sets named by `keys`, read in order: false after replying WRONGTYPE
// (for the first key of another type) or an engine error. A missing key is
// an empty set (found == false).
bool ReadSets(CommandContext& ctx, const std::vector<std::string_view>& keys,
              std::vector<Collection>* sets) {
  sets->assign(keys.size(), Collection());
  for (size_t i = 0; i < keys.size(); i++) {
    if (!ReadCollection(ctx, keys[i], KeyType::kSet, &(*sets)[i])) return false;
  }
  return true;
}

// The intersection of `sets`, stopping at `limit` members (0: none): every
// member of the smallest looked up in the others, O(m·k·log n) for a
// smallest set of m members and k sets.
bool Intersect(CommandContext& ctx, std::vector<Collection>& sets, uint64_t limit,
               std::vector<std::string>* out) {
  out->clear();
  for (const Collection& c : sets) {
    if (!c.found) return true;
  }
  std::vector<const Collection*> order;
  for (const Collection& c : sets) order.push_back(&c);
  std::stable_sort(order.begin(), order.end(), [](const Collection* a, const Collection* b) {
    return a->meta.size < b->meta.size;
  });
  ElementIterator it(ctx, *order[0]);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    std::string_view member = it.subkey();
    bool in_all = true;
    for (size_t j = 1; j < order.size() && in_all; j++) {
      if (order[j]->prefix == order[0]->prefix) continue;
      if (!IsMember(ctx, *order[j], member, &in_all)) return false;
    }
    if (!in_all) continue;
    out->emplace_back(member);
    if (limit != 0 && out->size() >= limit) break;
  }
  return CheckRead(ctx, it.status());
}

// The union of `sets`, sorted: O(N log N) for N members in all.
bool Union(CommandContext& ctx, std::vector<Collection>& sets, std::vector<std::string>* out) {
  out->clear();
  std::vector<std::string> members;
  for (const Collection& c : sets) {
    if (!ReadMembers(ctx, c, &members)) return false;
    out->insert(out->end(), std::make_move_iterator(members.begin()),
                std::make_move_iterator(members.end()));
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return true;
}

// The members of the first set in none of the others: O(m·k·log n) for a
// first set of m members and k sets.
bool Difference(CommandContext& ctx, std::vector<Collection>& sets, std::vector<std::string>* out) {
  out->clear();
  if (!sets[0].found) return true;
  for (size_t j = 1; j < sets.size(); j++) {
    if (sets[j].found && sets[j].prefix == sets[0].prefix) return true;  // A − A = ∅
  }
  ElementIterator it(ctx, sets[0]);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    std::string_view member = it.subkey();
    bool elsewhere = false;
    for (size_t j = 1; j < sets.size() && !elsewhere; j++) {
      if (!IsMember(ctx, sets[j], member, &elsewhere)) return false;
    }
    if (!elsewhere) out->emplace_back(member);
  }
  return CheckRead(ctx, it.status());
}

enum class SetOp { kInter, kUnion, kDiff };

bool Compute(CommandContext& ctx, SetOp op, std::vector<Collection>& sets,
             std::vector<std::string>* out) {
  switch (op) {
    case SetOp::kInter:
      return Intersect(ctx, sets, 0, out);
    case SetOp::kUnion:
      return Union(ctx, sets, out);
    case SetOp::kDiff:
      return Difference(ctx, sets, out);
  }
  return false;
}

// SINTER / SUNION / SDIFF / SMEMBERS-like replies: no lock (a plain read).
void SetOpCommand(CommandContext& ctx, SetOp op) {
  std::vector<Collection> sets;
  if (!ReadSets(ctx, KeysFrom(ctx, 1, ctx.argv.size()), &sets)) return;
  std::vector<std::string> result;
  if (!Compute(ctx, op, sets, &result)) return;
  ReplyMembers(ctx, result);
}

// The STORE forms: the destination is overwritten (whatever its type, TTL
// dropped) by a new set under a fresh version, or deleted when the result is
// empty, in one batch with every key locked.
void SetOpStoreCommand(CommandContext& ctx, SetOp op) {
  const std::string& destination = ctx.argv[1];
  std::vector<std::string_view> keys = KeysFrom(ctx, 1, ctx.argv.size());
  KeyLockGuard guard(ctx.state->locks(), keys);
  keys.erase(keys.begin());
  std::vector<Collection> sets;
  if (!ReadSets(ctx, keys, &sets)) return;
  std::vector<std::string> result;
  if (!Compute(ctx, op, sets, &result)) return;
  WriteBatch batch;
  Collection dst;
  dst.meta.type = KeyType::kSet;
  if (result.empty()) {
    batch.Delete(MetadataKey(destination));
  } else {
    if (!CreateCollection(ctx, destination, &dst)) return;
    for (const std::string& m : result) batch.Put(dst.ElementKey(m), std::string_view());
    dst.meta.size = result.size();
    PutCollectionMetadata(destination, dst, &batch);
  }
  if (CommitBatch(ctx, &batch)) ctx.reply->Integer(static_cast<int64_t>(result.size()));
}

void SInterCommand(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kInter); }
void SUnionCommand(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kUnion); }
void SDiffCommand(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kDiff); }
void SInterStoreCommand(CommandContext& ctx) { SetOpStoreCommand(ctx, SetOp::kInter); }
void SUnionStoreCommand(CommandContext& ctx) { SetOpStoreCommand(ctx, SetOp::kUnion); }
void SDiffStoreCommand(CommandContext& ctx) { SetOpStoreCommand(ctx, SetOp::kDiff); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCardCommand(CommandContext& ctx) {
  int64_t numkeys;
  if (!ParseInt64(ctx.argv[1], &numkeys) || numkeys < 1) {
    return ctx.reply->Error("ERR numkeys should be greater than 0");
  }
  if (numkeys > static_cast<int64_t>(ctx.argv.size()) - 2) {
    return ctx.reply->Error("ERR Number of keys can't be greater than number of args");
  }
  int64_t limit = 0;
  const size_t keys_end = 2 + static_cast<size_t>(numkeys);
  for (size_t j = keys_end; j < ctx.argv.size(); j++) {
    if (EqualsIgnoreCase(ctx.argv[j], "limit") && j + 1 < ctx.argv.size()) {
      j++;
      if (!ParseInt64(ctx.argv[j], &limit) || limit < 0) {
        return ctx.reply->Error("ERR LIMIT can't be negative");
      }
    } else {
      return ctx.reply->Error(kSyntaxError);
    }
  }
  std::vector<Collection> sets;
  if (!ReadSets(ctx, KeysFrom(ctx, 2, keys_end), &sets)) return;
  std::vector<std::string> result;
  if (!Intersect(ctx, sets, static_cast<uint64_t>(limit), &result)) return;
  ctx.reply->Integer(static_cast<int64_t>(result.size()));
}

// The SSCAN cursor's saved form: the key and the last member returned, so a
// cursor of another key (or of SCAN) starts over instead of resuming
// somewhere unrelated.
std::string SScanCursorName(std::string_view key, std::string_view member) {
  std::string name = "sscan:";
  name.append(std::to_string(key.size()));
  name.push_back(':');
  name.append(key);
  name.append(member);
  return name;
}

// SSCAN key cursor [MATCH pattern] [COUNT count]: a cursor names the last
// member returned (ServerState keeps it), so each call is O(count + log n)
// and an element present for the whole scan is returned exactly once.
void SScanCommand(CommandContext& ctx) {
  ScanArgs args;
  if (!ParseScanArgs(ctx, ScanCommandKind::kSScan, &args)) return;
  const std::string& key = ctx.argv[1];
  Collection c;
  if (!ReadCollection(ctx, key, KeyType::kSet, &c)) return;
  if (!c.found) {
    ctx.reply->Array(2);
    ctx.reply->Bulk("0");
    return ctx.reply->Array(0);
  }
  if (!args.options_error.empty()) return ctx.reply->Error(args.options_error);
  const std::string name_prefix = SScanCursorName(key, "");
  std::string saved;
  ElementIterator it(ctx, c);
  if (args.cursor != 0 && ctx.state->LoadCursor(args.cursor, &saved) &&
      saved.starts_with(name_prefix)) {
    std::string_view last = std::string_view(saved).substr(name_prefix.size());
    it.Seek(last);
    if (it.Valid() && it.subkey() == last) it.Next();
  } else {
    it.SeekToFirst();
  }
  std::vector<std::string> members;
  std::string last_seen;
  for (int64_t n = 0; n < args.count && it.Valid(); n++, it.Next()) {
    last_seen.assign(it.subkey());
    if (!args.Matches(last_seen)) continue;
    members.push_back(last_seen);
  }
  if (!CheckRead(ctx, it.status())) return;
  uint64_t next = it.Valid() ? ctx.state->SaveCursor(SScanCursorName(key, last_seen)) : 0;
  ctx.reply->Array(2);
  ctx.reply->Bulk(std::to_string(next));
  ctx.reply->Array(members.size());
  for (const std::string& m : members) ctx.reply->Bulk(m);
}

}  // namespace

void AppendSetCommands(std::vector<CommandSpec>* t) {
  t->push_back({"sadd", -3, kWrite | kFast, 1, 1, 1, "set", "Add one or more members to a set",
                "1.0.0", SAddCommand});
  t->push_back({"srem", -3, kWrite | kFast, 1, 1, 1, "set", "Remove one or more members from a set",
                "1.0.0", SRemCommand});
  t->push_back({"scard", 2, kReadOnly | kFast, 1, 1, 1, "set", "Get the number of members in a set",
                "1.0.0", SCardCommand});
  t->push_back({"sismember", 3, kReadOnly | kFast, 1, 1, 1, "set",
                "Determine if a given value is a member of a set", "1.0.0", SIsMemberCommand});
  t->push_back({"smismember", -3, kReadOnly | kFast, 1, 1, 1, "set",
                "Returns the membership associated with the given elements for a set", "6.2.0",
                SMIsMemberCommand});
  t->push_back({"smembers", 2, kReadOnly, 1, 1, 1, "set", "Get all the members in a set", "1.0.0",
                SMembersCommand});
  t->push_back({"spop", -2, kWrite | kFast, 1, 1, 1, "set",
                "Remove and return one or multiple random members from a set", "1.0.0",
                SPopCommand});
  t->push_back({"srandmember", -2, kReadOnly, 1, 1, 1, "set",
                "Get one or multiple random members from a set", "1.0.0", SRandMemberCommand});
  t->push_back({"smove", 4, kWrite | kFast, 1, 2, 1, "set", "Move a member from one set to another",
                "1.0.0", SMoveCommand});
  t->push_back({"sinter", -2, kReadOnly, 1, -1, 1, "set", "Intersect multiple sets", "1.0.0",
                SInterCommand});
  t->push_back({"sintercard", -3, kReadOnly, 0, 0, 0, "set",
                "Intersect multiple sets and return the cardinality of the result", "7.0.0",
                SInterCardCommand});
  t->push_back(
      {"sunion", -2, kReadOnly, 1, -1, 1, "set", "Add multiple sets", "1.0.0", SUnionCommand});
  t->push_back(
      {"sdiff", -2, kReadOnly, 1, -1, 1, "set", "Subtract multiple sets", "1.0.0", SDiffCommand});
  t->push_back({"sinterstore", -3, kWrite, 1, -1, 1, "set",
                "Intersect multiple sets and store the resulting set in a key", "1.0.0",
                SInterStoreCommand});
  t->push_back({"sunionstore", -3, kWrite, 1, -1, 1, "set",
                "Add multiple sets and store the resulting set in a key", "1.0.0",
                SUnionStoreCommand});
  t->push_back({"sdiffstore", -3, kWrite, 1, -1, 1, "set",
                "Subtract multiple sets and store the resulting set in a key", "1.0.0",
                SDiffStoreCommand});
  t->push_back({"sscan", -3, kReadOnly, 1, 1, 1, "set", "Incrementally iterate Set elements",
                "2.8.0", SScanCommand});
}

}  // namespace strata::server
