// block_fuzzer: feeds the input to Block::Parse as an uncompressed block and
// walks it with both key orders (bytewise, as the metaindex is read, and
// internal, as data and index blocks are): forward, backward, Seek to keys
// taken from the block and near them, and Prev/Next around each Seek.
//
// Every block must be read without an out-of-bounds access or a hang. Beyond
// that, an independent decoder here (ReferenceDecode, written from
// docs/FORMAT.md, "Block") decides whether the block is well formed: entries
// tile the entry area, each restart offset is the start of an entry that
// shares nothing, and keys strictly increase in the order used. Only then are
// the results checked against it (forward and backward scans return exactly
// its entries, Seek lands on the first key >= target), because a damaged
// block is allowed to read back as anything that is not out of bounds: the
// iterator does not check key order, and a restart point in the middle of an
// entry makes backward iteration decode a different chain of entries.
//
// Corpus: fuzz/corpus/block_fuzzer/ (data, index and metaindex blocks cut out
// of tables by make_corpus). Single-threaded, as libFuzzer runs it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sstable/block.h"
#include "util/coding.h"
#include "util/internal_key.h"

namespace strata {
namespace {

// Backward scans cost O(entries * restart interval) each step; capping them
// keeps inputs with one restart and thousands of entries from timing out.
constexpr int kMaxPrevSteps = 512;
constexpr size_t kMaxSeekKeys = 64;

struct Entry {
  std::string key;
  std::string value;
};

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "block_fuzzer: invariant violated: %s\n", what);
    std::abort();
  }
}

// The two orders a block is read in: names (the metaindex and properties
// blocks, bytewise) and internal keys (data and index blocks).
enum class KeyOrder { kBytewise, kInternal };

const InternalKeyComparator& Icmp() {
  static const InternalKeyComparator icmp(BytewiseComparator());
  return icmp;
}

int Compare(KeyOrder order, std::string_view a, std::string_view b) {
  return order == KeyOrder::kInternal ? Icmp().Compare(a, b) : a.compare(b);
}

std::unique_ptr<Iterator> NewBlockIterator(const Block& block, KeyOrder order) {
  return order == KeyOrder::kInternal ? block.NewIterator(Icmp()) : block.NewNameIterator();
}

// Decodes block by the format's rules alone. True, with its entries, if the
// block is well formed for order (see the file comment).
bool ReferenceDecode(std::string_view block, KeyOrder order, std::vector<Entry>* entries) {
  entries->clear();
  if (block.size() < 4) return false;
  const uint64_t num_restarts = DecodeFixed32(block.data() + block.size() - 4);
  if (num_restarts > (block.size() - 4) / 4) return false;
  const size_t restart_offset = block.size() - 4 * (num_restarts + 1);
  std::vector<uint32_t> restarts;
  for (uint64_t i = 0; i < num_restarts; i++) {
    restarts.push_back(DecodeFixed32(block.data() + restart_offset + 4 * i));
  }
  if (restarts.empty()) return restart_offset == 0;
  if (restarts[0] != 0 || !std::is_sorted(restarts.begin(), restarts.end()) ||
      std::adjacent_find(restarts.begin(), restarts.end()) != restarts.end()) {
    return false;
  }

  std::string_view area = block.substr(0, restart_offset);
  size_t next_restart = 0;
  std::string key;
  while (!area.empty()) {
    const size_t offset = restart_offset - area.size();
    const bool at_restart = next_restart < restarts.size() && restarts[next_restart] == offset;
    if (next_restart < restarts.size() && restarts[next_restart] < offset) return false;
    if (at_restart) next_restart++;
    uint32_t shared, unshared, value_size;
    if (!GetVarint32(&area, &shared) || !GetVarint32(&area, &unshared) ||
        !GetVarint32(&area, &value_size)) {
      return false;
    }
    if (shared > key.size() || (at_restart && shared != 0) ||
        area.size() < uint64_t{unshared} + value_size) {
      return false;
    }
    key.resize(shared);
    key.append(area.substr(0, unshared));
    area.remove_prefix(unshared);
    if (order == KeyOrder::kInternal && key.size() < kInternalKeyTrailerSize) return false;
    if (!entries->empty() && Compare(order, entries->back().key, key) >= 0) return false;
    entries->push_back({key, std::string(area.substr(0, value_size))});
    area.remove_prefix(value_size);
  }
  return next_restart == restarts.size();
}

// Seek targets: the block's keys and keys just around them, plus a few bytes
// of the block itself. For the internal order each is a valid seek target
// (at least 8 bytes), as Block::NewIterator requires.
std::vector<std::string> SeekTargets(std::string_view block, KeyOrder order,
                                     const std::vector<std::string>& keys) {
  std::vector<std::string> targets;
  for (size_t i = 0; i < keys.size() && i < kMaxSeekKeys; i++) {
    const std::string& k = keys[i];
    targets.push_back(k);
    targets.push_back(k + '\0');
    std::string smaller = k;
    if (!smaller.empty()) smaller.back() = static_cast<char>(smaller.back() - 1);
    targets.push_back(smaller);
    if (order == KeyOrder::kInternal && k.size() >= kInternalKeyTrailerSize) {
      std::string_view user_key = ExtractUserKey(k);
      targets.push_back(MakeInternalKey(user_key, kMaxSequenceNumber, kValueTypeForSeek));
      targets.push_back(MakeInternalKey(user_key, 0, kTypeDeletion));
    }
  }
  targets.emplace_back(block.substr(0, std::min<size_t>(block.size(), 16)));
  targets.emplace_back();
  if (order == KeyOrder::kInternal) {
    for (std::string& t : targets) {
      if (t.size() < kInternalKeyTrailerSize) t.resize(kInternalKeyTrailerSize, '\xff');
    }
  }
  return targets;
}

// Walks the iterator every way; returns the keys of the forward scan.
std::vector<std::string> Exercise(const Block& block, std::string_view contents, KeyOrder order,
                                  const std::vector<Entry>* expected) {
  std::unique_ptr<Iterator> it = NewBlockIterator(block, order);
  std::vector<std::string> keys;
  size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
    if (expected != nullptr) {
      Check(i < expected->size(), "forward scan returns more entries than the block holds");
      Check(it->key() == (*expected)[i].key && it->value() == (*expected)[i].value,
            "forward scan differs from the reference decoder");
    }
    keys.emplace_back(it->key());
  }
  if (expected != nullptr) {
    Check(it->status().ok(), "forward scan of a well-formed block fails");
    Check(i == expected->size(), "forward scan misses entries");
  }

  it = NewBlockIterator(block, order);
  int steps = 0;
  for (it->SeekToLast(); it->Valid() && steps < kMaxPrevSteps; it->Prev(), steps++) {
    if (expected != nullptr) {
      const Entry& e = (*expected)[expected->size() - 1 - steps];
      Check(it->key() == e.key && it->value() == e.value, "backward scan differs");
    }
  }
  if (expected != nullptr) {
    Check(it->status().ok(), "backward scan of a well-formed block fails");
    Check(steps == kMaxPrevSteps || static_cast<size_t>(steps) == expected->size(),
          "backward scan misses entries");
  }

  for (const std::string& target : SeekTargets(contents, order, keys)) {
    it = NewBlockIterator(block, order);
    it->Seek(target);
    if (expected != nullptr) {
      auto lower = std::find_if(expected->begin(), expected->end(),
                                [&](const Entry& e) { return Compare(order, e.key, target) >= 0; });
      Check(it->status().ok(), "Seek in a well-formed block fails");
      Check(it->Valid() == (lower != expected->end()), "Seek validity differs");
      if (lower != expected->end()) Check(it->key() == lower->key, "Seek lands on a wrong key");
    }
    if (!it->Valid()) continue;
    const std::string at(it->key());
    it->Prev();
    if (it->Valid()) {
      it->Next();
      if (expected != nullptr) Check(it->Valid() && it->key() == at, "Prev then Next moves");
    }
  }
  return keys;
}

}  // namespace
}  // namespace strata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<Block> block;
  if (!Block::Parse(std::string(input), &block).ok()) return 0;
  for (KeyOrder order : {KeyOrder::kBytewise, KeyOrder::kInternal}) {
    std::vector<Entry> expected;
    const bool well_formed = ReferenceDecode(input, order, &expected);
    Exercise(*block, input, order, well_formed ? &expected : nullptr);
  }
  return 0;
}
