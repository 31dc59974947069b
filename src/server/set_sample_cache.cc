// SetSampleCache (set_sample_cache.h): LRU list + hash index over copies of
// large sets' members, each valid only for the set state it was made from.

#include "server/set_sample_cache.h"

#include <random>
#include <unordered_set>

namespace strata::server {

namespace {

// Entries (with or without a copy) beyond this many are evicted, so keys
// SPOP'd once do not pile up.
constexpr size_t kMaxEntries = 4096;
// What an entry costs besides its key and members.
constexpr size_t kEntryOverhead = 128;

uint64_t RandomBelow(uint64_t n) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
}

}  // namespace

SetSampleCache::SetSampleCache(size_t budget_bytes) : budget_(budget_bytes) {}

SetSampleCache::Entry* SetSampleCache::Find(std::string_view key) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return &*it->second;
}

std::string_view SetSampleCache::Member(const Entry& e, size_t i) const {
  const uint64_t m = e.members[i];
  return std::string_view(e.bytes).substr(m >> 32, m & 0xffffffffu);
}

void SetSampleCache::Release(Entry* e) {
  charge_ -= e->charge - e->key.size() - kEntryOverhead;
  e->charge = e->key.size() + kEntryOverhead;
  e->valid = false;
  std::string().swap(e->bytes);
  std::vector<uint64_t>().swap(e->members);
}

void SetSampleCache::EvictDownTo(size_t charge_limit, const Entry* keep) {
  while (!lru_.empty() && (charge_ > charge_limit || lru_.size() > kMaxEntries)) {
    Entry& victim = lru_.back();
    if (&victim == keep) break;  // only `keep` is left
    charge_ -= victim.charge;
    index_.erase(victim.key);
    lru_.pop_back();
  }
}

bool SetSampleCache::ShouldBuild(std::string_view key, const State& state, uint64_t draws) {
  if (state.size < kMinSize) return false;
  MutexLock lock(&mu_);
  Entry* e = Find(key);
  if (e == nullptr) {
    lru_.emplace_front();
    e = &lru_.front();
    e->key.assign(key);
    e->charge = e->key.size() + kEntryOverhead;
    charge_ += e->charge;
    index_.emplace(e->key, lru_.begin());
    EvictDownTo(budget_, e);
  }
  // A copy Install would refuse is never worth reading: 8 bytes a member
  // alone is over the limit, or a copy of no larger a set was refused.
  if (state.size * 8 > budget_ / 2) return false;
  if (e->refused_size != 0 && state.size >= e->refused_size) return false;
  if ((e->draws + draws) * kBuildRatio >= state.size) return true;
  e->draws += draws;
  return false;
}

void SetSampleCache::Install(std::string_view key, const State& state,
                             const std::vector<std::string>& members) {
  size_t bytes = 0;
  for (const std::string& m : members) bytes += m.size();
  const size_t charge = key.size() + kEntryOverhead + bytes + 8 * members.size();
  MutexLock lock(&mu_);
  Entry* e = Find(key);
  if (e != nullptr) {
    Release(e);
    e->draws = 0;
  }
  // Offsets are 32 bits; a copy may take half the budget at most.
  if (members.size() != state.size) return;
  if (charge > budget_ / 2 || bytes > 0xffffffffu) {
    // Remembered, so ShouldBuild does not have the set read again until it
    // is smaller.
    if (e != nullptr) e->refused_size = state.size;
    return;
  }
  if (e == nullptr) {
    lru_.emplace_front();
    e = &lru_.front();
    e->key.assign(key);
    e->charge = key.size() + kEntryOverhead;
    charge_ += e->charge;
    index_.emplace(e->key, lru_.begin());
  }
  EvictDownTo(budget_ - (charge - e->charge), e);
  e->bytes.reserve(bytes);
  e->members.reserve(members.size());
  for (const std::string& m : members) {
    e->members.push_back(static_cast<uint64_t>(e->bytes.size()) << 32 | m.size());
    e->bytes.append(m);
  }
  charge_ += charge - e->charge;
  e->charge = charge;
  e->state = state;
  e->valid = true;
}

bool SetSampleCache::Pop(std::string_view key, const State& state, uint64_t count,
                         std::vector<std::string>* out) {
  MutexLock lock(&mu_);
  Entry* e = Find(key);
  if (e == nullptr || !e->valid || !(e->state == state) || count >= e->members.size()) {
    return false;
  }
  out->clear();
  for (uint64_t i = 0; i < count; i++) {
    const size_t pick = RandomBelow(e->members.size());
    out->emplace_back(Member(*e, pick));
    e->members[pick] = e->members.back();
    e->members.pop_back();
  }
  // The members' bytes stay until the next Install (bounded by the copy).
  e->valid = false;  // matches nothing until Settle
  return true;
}

bool SetSampleCache::Remaining(std::string_view key, std::vector<std::string>* out) {
  MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  const Entry& e = *it->second;
  out->clear();
  out->reserve(e.members.size());
  for (size_t i = 0; i < e.members.size(); i++) out->emplace_back(Member(e, i));
  return true;
}

void SetSampleCache::Settle(std::string_view key, const State& state) {
  MutexLock lock(&mu_);
  Entry* e = Find(key);
  if (e == nullptr || e->members.size() != state.size) {
    if (e != nullptr) Release(e);
    return;
  }
  e->state = state;
  e->valid = true;
}

void SetSampleCache::Drop(std::string_view key) {
  MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return;
  charge_ -= it->second->charge;
  EntryList::iterator entry = it->second;
  index_.erase(it);
  lru_.erase(entry);
}

bool SetSampleCache::Sample(std::string_view key, const State& state, uint64_t count, bool distinct,
                            std::vector<std::string>* out) {
  MutexLock lock(&mu_);
  Entry* e = Find(key);
  if (e == nullptr || !e->valid || !(e->state == state)) return false;
  const size_t n = e->members.size();
  if (n == 0 || (distinct && count >= n)) return false;
  out->clear();
  out->reserve(count);
  if (!distinct) {
    for (uint64_t i = 0; i < count; i++) out->emplace_back(Member(*e, RandomBelow(n)));
    return true;
  }
  // Distinct: Floyd's algorithm picks `count` indices uniformly; the order
  // of the picks is then shuffled so it is random too.
  std::unordered_set<size_t> chosen;
  std::vector<size_t> picks;
  for (size_t j = n - count; j < n; j++) {
    size_t t = RandomBelow(j + 1);
    if (!chosen.insert(t).second) {
      chosen.insert(j);
      t = j;
    }
    picks.push_back(t);
  }
  for (size_t i = picks.size(); i > 1; i--) std::swap(picks[i - 1], picks[RandomBelow(i)]);
  for (size_t t : picks) out->emplace_back(Member(*e, t));
  return true;
}

size_t SetSampleCache::charge() const {
  MutexLock lock(&mu_);
  return charge_;
}

}  // namespace strata::server
