// range_del_fuzzer: range tombstones from untrusted bytes. The first byte
// picks what the rest is:
//   even: a range-deletion block (docs/FORMAT.md, "Range-deletion block"),
//         parsed with Block::Parse and decoded entry by entry the way
//         TableReader and TableWalker do, then fragmented;
//   odd:  a list of tombstones, each `u8 begin_len, begin, u8 end_len, end,
//         u8 seq` (short keys, so they overlap often), fragmented directly.
// Either way the fragments must satisfy the invariants of
// src/rangedel/fragmented_range_tombstones.h, and every lookup (by the list
// and by a RangeDelChecker, in order and out of order) must agree with a
// naive scan of the tombstones, at several snapshots. Re-fragmenting the
// fragments (what a flushed table holds) must delete exactly the same.
//
// Corpus: fuzz/corpus/range_del_fuzzer/. Single-threaded, as libFuzzer runs it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rangedel/fragmented_range_tombstones.h"
#include "sstable/block.h"

namespace strata {
namespace {

// Lookups cost O(tombstones) each in the naive model: cap both.
constexpr size_t kMaxTombstones = 256;
constexpr size_t kMaxProbes = 512;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "range_del_fuzzer: invariant violated: %s\n", what);
    std::abort();
  }
}

const InternalKeyComparator& Icmp() {
  static const InternalKeyComparator icmp(BytewiseComparator());
  return icmp;
}

std::vector<RangeTombstone> FromBlock(std::string_view input) {
  std::vector<RangeTombstone> result;
  std::unique_ptr<Block> block;
  if (!Block::Parse(std::string(input), &block).ok()) return result;
  std::unique_ptr<Iterator> it = block->NewIterator(Icmp());
  for (it->SeekToFirst(); it->Valid() && result.size() < kMaxTombstones; it->Next()) {
    RangeTombstone t;
    if (!DecodeRangeTombstone(it->key(), it->value(), &t)) break;
    result.push_back(std::move(t));
  }
  return result;
}

std::vector<RangeTombstone> FromList(std::string_view input) {
  std::vector<RangeTombstone> result;
  auto take = [&input](std::string* out) {
    if (input.empty()) return false;
    size_t n = static_cast<uint8_t>(input[0]) % 4;
    input.remove_prefix(1);
    if (input.size() < n) return false;
    out->assign(input.substr(0, n));
    input.remove_prefix(n);
    return true;
  };
  while (result.size() < kMaxTombstones) {
    RangeTombstone t;
    if (!take(&t.begin) || !take(&t.end) || input.empty()) break;
    t.seq = 1 + static_cast<uint8_t>(input[0]);
    input.remove_prefix(1);
    result.push_back(std::move(t));
  }
  return result;
}

SequenceNumber Naive(const std::vector<RangeTombstone>& ts, std::string_view key,
                     SequenceNumber snapshot) {
  SequenceNumber best = 0;
  for (const auto& t : ts) {
    if (t.begin <= key && key < t.end && t.seq <= snapshot) best = std::max(best, t.seq);
  }
  return best;
}

void CheckList(const std::vector<RangeTombstone>& ts) {
  auto list = std::make_shared<const FragmentedRangeTombstones>(Icmp(), ts);
  const auto& fs = list->fragments();
  for (size_t i = 0; i < fs.size(); i++) {
    Check(fs[i].begin < fs[i].end, "fragment is empty");
    Check(!fs[i].seqs.empty(), "fragment without seqs");
    for (size_t j = 1; j < fs[i].seqs.size(); j++) {
      Check(fs[i].seqs[j - 1] > fs[i].seqs[j], "seqs not strictly descending");
    }
    if (i > 0) Check(fs[i - 1].end <= fs[i].begin, "fragments overlap");
  }
  FragmentedRangeTombstones again(Icmp(), list->ToTombstones());

  // Probes: every bound, and the keys just after each.
  std::vector<std::string> probes = {""};
  for (const auto& t : ts) {
    if (probes.size() >= kMaxProbes) break;
    for (const std::string& k : {t.begin, t.end}) {
      probes.push_back(k);
      probes.push_back(k + '\0');
    }
  }
  std::sort(probes.begin(), probes.end());
  for (SequenceNumber snapshot : {SequenceNumber{0}, SequenceNumber{100}, kMaxSequenceNumber}) {
    RangeDelChecker checker(snapshot);
    checker.AddList(list);
    for (int pass = 0; pass < 2; pass++) {
      for (const auto& p : probes) {
        SequenceNumber want = Naive(ts, p, snapshot);
        Check(list->MaxCoveringSeq(p, snapshot) == want, "list disagrees with the model");
        Check(again.MaxCoveringSeq(p, snapshot) == want, "re-fragmented list disagrees");
        Check(checker.MaxCoveringSeq(p) == want, "checker disagrees with the model");
      }
      std::reverse(probes.begin(), probes.end());  // out of order: the cache must not lie
    }
  }
}

}  // namespace
}  // namespace strata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  strata::CheckList(data[0] % 2 == 0 ? strata::FromBlock(input) : strata::FromList(input));
  return 0;
}
