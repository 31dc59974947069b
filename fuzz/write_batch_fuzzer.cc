// write_batch_fuzzer: decodes the input as a write batch read from a WAL
// record (WriteBatchInternal::SetContents, then Iterate) and, when it decodes,
// replays it into a MemTable as recovery does (DBImpl::ReplayLog).
//
// Invariants for a batch that decodes:
//   1. Iterate reports exactly Count() updates.
//   2. A batch rebuilt with Put/Delete/DeleteRange from those updates, and
//      one built by Append, iterate to the same updates.
//   3. The memtable then holds exactly those updates, each under its own
//      sequence number (the batch's first plus its position): points in its
//      skip list in internal key order, where Get finds each key's last point
//      update, and range deletions beside it, each non-empty one covering
//      its begin at its own sequence number or a later one.
//
// Corpus: fuzz/corpus/write_batch_fuzzer/ (batches of puts and deletes, from
// make_corpus). Single-threaded, as libFuzzer runs it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/write_batch_internal.h"
#include "memtable/memtable.h"
#include "strata/write_batch.h"
#include "util/internal_key.h"

namespace strata {
namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "write_batch_fuzzer: invariant violated: %s\n", what);
    std::abort();
  }
}

struct Update {
  ValueType type;
  std::string key;
  std::string value;
  bool operator==(const Update&) const = default;
};

class Collector final : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override {
    updates.push_back({kTypeValue, std::string(key), std::string(value)});
  }
  void Delete(std::string_view key) override {
    updates.push_back({kTypeDeletion, std::string(key), ""});
  }
  void DeleteRange(std::string_view begin, std::string_view end) override {
    updates.push_back({kTypeRangeDeletion, std::string(begin), std::string(end)});
  }
  std::vector<Update> updates;
};

std::vector<Update> Collect(const WriteBatch& batch) {
  Collector collector;
  Check(batch.Iterate(&collector).ok(), "a rebuilt batch does not iterate");
  return collector.updates;
}

void CheckRebuilt(const WriteBatch& decoded, const std::vector<Update>& updates) {
  WriteBatch rebuilt;
  for (const Update& u : updates) {
    if (u.type == kTypeValue) {
      rebuilt.Put(u.key, u.value);
    } else if (u.type == kTypeRangeDeletion) {
      rebuilt.DeleteRange(u.key, u.value);
    } else {
      rebuilt.Delete(u.key);
    }
  }
  Check(rebuilt.Count() == updates.size(), "rebuilt batch count");
  Check(Collect(rebuilt) == updates, "rebuilt batch differs");

  WriteBatch appended;
  appended.Append(decoded);
  Check(appended.Count() == updates.size(), "appended batch count");
  Check(Collect(appended) == updates, "appended batch differs");
}

void CheckMemTable(const WriteBatch& batch, const std::vector<Update>& updates) {
  MemTable mem{InternalKeyComparator(BytewiseComparator())};
  if (!WriteBatchInternal::InsertInto(&batch, &mem).ok()) {
    Check(false, "a batch that iterates does not insert");
  }
  const SequenceNumber first = WriteBatchInternal::Sequence(&batch);
  struct Expected {
    std::string internal_key;
    std::string value;
  };
  std::vector<Expected> expected;
  std::map<std::string, size_t> last_update;
  uint64_t range_deletions = 0;
  for (size_t i = 0; i < updates.size(); i++) {
    if (updates[i].type == kTypeRangeDeletion) {
      range_deletions++;
      continue;
    }
    expected.push_back(
        {MakeInternalKey(updates[i].key, first + i, updates[i].type), updates[i].value});
    last_update[updates[i].key] = i;
  }
  std::sort(expected.begin(), expected.end(), [](const Expected& a, const Expected& b) {
    return InternalKeyComparator(BytewiseComparator()).Compare(a.internal_key, b.internal_key) < 0;
  });

  Check(mem.NumEntries() == updates.size(), "memtable entry count");
  Check(mem.NumRangeDeletions() == range_deletions, "memtable range deletion count");
  std::shared_ptr<const FragmentedRangeTombstones> ranges = mem.RangeTombstones();
  for (size_t i = 0; i < updates.size(); i++) {
    const Update& u = updates[i];
    if (u.type != kTypeRangeDeletion || !(u.key < u.value)) continue;
    Check(ranges != nullptr && ranges->MaxCoveringSeq(u.key, kMaxSequenceNumber) >= first + i,
          "memtable misses a range deletion");
  }
  std::unique_ptr<Iterator> it = mem.NewIterator();
  size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
    Check(i < expected.size() && it->key() == expected[i].internal_key &&
              it->value() == expected[i].value,
          "memtable contents differ from the batch");
  }
  Check(i == expected.size(), "memtable misses updates");

  for (const auto& [key, index] : last_update) {
    LookupKey lookup(key, kMaxSequenceNumber);
    std::string value;
    Status s;
    Check(mem.Get(lookup, &value, &s), "memtable Get misses a key");
    if (updates[index].type == kTypeValue) {
      Check(s.ok() && value == updates[index].value, "memtable Get returns a wrong value");
    } else {
      Check(s.IsNotFound(), "memtable Get misses a deletion");
    }
  }
}

}  // namespace
}  // namespace strata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  WriteBatch batch;
  if (!WriteBatchInternal::SetContents(&batch, input).ok()) return 0;
  Collector collector;
  if (!batch.Iterate(&collector).ok()) return 0;
  Check(collector.updates.size() == batch.Count(), "Iterate and Count disagree");
  CheckRebuilt(batch, collector.updates);
  CheckMemTable(batch, collector.updates);
  return 0;
}
