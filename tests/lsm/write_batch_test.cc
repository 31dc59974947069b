// Tests for WriteBatch (strata/write_batch.h) through its interface: the
// order Iterate replays updates in, Count, Clear, Append and ApproximateSize
// (checked byte for byte against docs/FORMAT.md, "Write batch"), copies, and
// how damaged encodings (set through WriteBatchInternal, as the WAL replay
// does) are rejected. Also checks that InsertInto numbers the updates from
// the batch's sequence.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "lsm/db_test_util.h"
#include "lsm/write_batch_internal.h"
#include "memtable/memtable.h"
#include "strata/write_batch.h"
#include "util/coding.h"
#include "util/internal_key.h"

namespace strata {
namespace {

using test::Bytes;

constexpr size_t kHeader = WriteBatchInternal::kHeaderSize;

// Records the updates as readable strings, in order.
class Recorder : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override {
    updates.push_back("Put(" + std::string(key) + "," + std::string(value) + ")");
  }
  void Delete(std::string_view key) override {
    updates.push_back("Delete(" + std::string(key) + ")");
  }
  std::vector<std::string> updates;
};

std::vector<std::string> Contents(const WriteBatch& batch) {
  Recorder recorder;
  Status s = batch.Iterate(&recorder);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return recorder.updates;
}

using Updates = std::vector<std::string>;

TEST(WriteBatchTest, Empty) {
  WriteBatch batch;
  EXPECT_EQ(batch.Count(), 0u);
  EXPECT_EQ(batch.ApproximateSize(), kHeader);
  EXPECT_EQ(Contents(batch), Updates{});
}

TEST(WriteBatchTest, IterateReplaysInOrder) {
  WriteBatch batch;
  batch.Put("foo", "bar");
  batch.Delete("box");
  batch.Put("baz", "boo");
  batch.Put("foo", "again");
  batch.Delete("foo");
  EXPECT_EQ(batch.Count(), 5u);
  EXPECT_EQ(Contents(batch), (Updates{"Put(foo,bar)", "Delete(box)", "Put(baz,boo)",
                                      "Put(foo,again)", "Delete(foo)"}));
}

TEST(WriteBatchTest, BinaryAndEmptyKeysAndValues) {
  const std::string key("k\0\xff\x80", 4);
  const std::string value("\0\0\xff", 3);
  WriteBatch batch;
  batch.Put(key, value);
  batch.Put("", "");
  batch.Put("empty-value", "");
  batch.Delete("");
  batch.Delete(key);
  EXPECT_EQ(batch.Count(), 5u);
  EXPECT_EQ(Contents(batch), (Updates{"Put(" + key + "," + value + ")", "Put(,)",
                                      "Put(empty-value,)", "Delete()", "Delete(" + key + ")"}));
}

TEST(WriteBatchTest, ApproximateSizeIsTheEncodedSize) {
  WriteBatch batch;
  size_t expected = kHeader;
  batch.Put("key", "value");
  expected += 1 + 1 + 3 + 1 + 5;  // type, varint length, key, varint length, value
  EXPECT_EQ(batch.ApproximateSize(), expected);
  batch.Delete("key");
  expected += 1 + 1 + 3;
  EXPECT_EQ(batch.ApproximateSize(), expected);
  // Lengths of 128 and more take two varint bytes.
  batch.Put(std::string(200, 'k'), std::string(300, 'v'));
  expected += 1 + 2 + 200 + 2 + 300;
  EXPECT_EQ(batch.ApproximateSize(), expected);
  batch.Put("", "");
  expected += 1 + 1 + 1;
  EXPECT_EQ(batch.ApproximateSize(), expected);

  // The exact bytes of docs/FORMAT.md.
  WriteBatch small;
  small.Put("a", "b");
  small.Delete("c");
  WriteBatchInternal::SetSequence(&small, 0x0102030405060708ull);
  std::string expected_rep;
  PutFixed64(&expected_rep, 0x0102030405060708ull);
  PutFixed32(&expected_rep, 2);
  expected_rep += Bytes({0x01, 1, 'a', 1, 'b'});  // Put, key length, key, value length, value
  expected_rep += Bytes({0x00, 1, 'c'});          // Delete, key length, key
  EXPECT_EQ(WriteBatchInternal::Contents(&small), expected_rep);
}

TEST(WriteBatchTest, Clear) {
  WriteBatch batch;
  batch.Put("a", "1");
  batch.Delete("b");
  batch.Clear();
  EXPECT_EQ(batch.Count(), 0u);
  EXPECT_EQ(batch.ApproximateSize(), kHeader);
  EXPECT_EQ(Contents(batch), Updates{});
  // Usable again after Clear.
  batch.Put("c", "3");
  EXPECT_EQ(batch.Count(), 1u);
  EXPECT_EQ(Contents(batch), Updates{"Put(c,3)"});
}

TEST(WriteBatchTest, Append) {
  WriteBatch a;
  WriteBatch b;
  a.Append(b);  // empty into empty
  EXPECT_EQ(a.Count(), 0u);
  EXPECT_EQ(a.ApproximateSize(), kHeader);

  b.Put("b1", "x");
  b.Delete("b2");
  a.Append(b);  // into empty
  EXPECT_EQ(a.Count(), 2u);
  EXPECT_EQ(Contents(a), (Updates{"Put(b1,x)", "Delete(b2)"}));

  WriteBatch c;
  c.Put("c1", "y");
  a.Append(c);
  EXPECT_EQ(a.Count(), 3u);
  EXPECT_EQ(Contents(a), (Updates{"Put(b1,x)", "Delete(b2)", "Put(c1,y)"}));
  EXPECT_EQ(a.ApproximateSize(),
            kHeader + (b.ApproximateSize() - kHeader) + (c.ApproximateSize() - kHeader));
  a.Append(WriteBatch());  // empty into non-empty
  EXPECT_EQ(a.Count(), 3u);

  // The source is unchanged.
  EXPECT_EQ(Contents(b), (Updates{"Put(b1,x)", "Delete(b2)"}));

  // Appending a batch to itself doubles it.
  c.Append(c);
  EXPECT_EQ(c.Count(), 2u);
  EXPECT_EQ(Contents(c), (Updates{"Put(c1,y)", "Put(c1,y)"}));
}

TEST(WriteBatchTest, CopiesAreIndependent) {
  WriteBatch original;
  original.Put("a", "1");
  WriteBatch copy = original;
  copy.Put("b", "2");
  EXPECT_EQ(original.Count(), 1u);
  EXPECT_EQ(copy.Count(), 2u);
  original = copy;
  EXPECT_EQ(Contents(original), (Updates{"Put(a,1)", "Put(b,2)"}));

  WriteBatch moved = std::move(copy);
  EXPECT_EQ(Contents(moved), (Updates{"Put(a,1)", "Put(b,2)"}));
}

TEST(WriteBatchTest, ManyUpdates) {
  WriteBatch batch;
  for (int i = 0; i < 100000; i++) batch.Put(std::to_string(i), std::to_string(i * 2));
  EXPECT_EQ(batch.Count(), 100000u);
  Recorder recorder;
  ASSERT_TRUE(batch.Iterate(&recorder).ok());
  ASSERT_EQ(recorder.updates.size(), 100000u);
  EXPECT_EQ(recorder.updates[12345], "Put(12345,24690)");
}

TEST(WriteBatchTest, SequenceNumber) {
  WriteBatch batch;
  batch.Put("a", "1");
  EXPECT_EQ(WriteBatchInternal::Sequence(&batch), 0u);
  WriteBatchInternal::SetSequence(&batch, kMaxSequenceNumber);
  EXPECT_EQ(WriteBatchInternal::Sequence(&batch), kMaxSequenceNumber);
  // The sequence is not an update.
  EXPECT_EQ(batch.Count(), 1u);
  EXPECT_EQ(Contents(batch), Updates{"Put(a,1)"});
  batch.Clear();
  EXPECT_EQ(WriteBatchInternal::Sequence(&batch), 0u);
}

// ---------------------------------------------------------------------------
// Damaged encodings, as a WAL record could hold.

// A header claiming `count` updates, then `body`.
std::string Encoded(uint32_t count, const std::string& body) {
  std::string rep;
  PutFixed64(&rep, 100);
  PutFixed32(&rep, count);
  return rep + body;
}

Status IterateEncoded(const std::string& rep, Recorder* recorder) {
  WriteBatch batch;
  Status s = WriteBatchInternal::SetContents(&batch, rep);
  if (!s.ok()) return s;
  return batch.Iterate(recorder);
}

TEST(WriteBatchTest, SetContentsRoundTrip) {
  WriteBatch original;
  original.Put("k", "v");
  original.Delete("d");
  WriteBatch decoded;
  ASSERT_TRUE(
      WriteBatchInternal::SetContents(&decoded, WriteBatchInternal::Contents(&original)).ok());
  EXPECT_EQ(decoded.Count(), 2u);
  EXPECT_EQ(Contents(decoded), (Updates{"Put(k,v)", "Delete(d)"}));
}

TEST(WriteBatchTest, TooShortForAHeader) {
  WriteBatch batch;
  Status s = WriteBatchInternal::SetContents(&batch, std::string(kHeader - 1, '\0'));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_TRUE(WriteBatchInternal::SetContents(&batch, "").IsCorruption());
}

TEST(WriteBatchTest, CountMismatchIsCorruption) {
  const std::string put_a = Bytes({0x01, 1, 'a', 1, '1'});
  Recorder recorder;
  EXPECT_TRUE(IterateEncoded(Encoded(1, put_a), &recorder).ok());
  Status s = IterateEncoded(Encoded(2, put_a), &recorder);
  EXPECT_TRUE(s.IsCorruption()) << "count too large: " << s.ToString();
  s = IterateEncoded(Encoded(0, put_a), &recorder);
  EXPECT_TRUE(s.IsCorruption()) << "count too small: " << s.ToString();
}

TEST(WriteBatchTest, TruncatedUpdateIsCorruption) {
  WriteBatch batch;
  batch.Put("key", "value");
  batch.Delete("gone");
  const std::string full(WriteBatchInternal::Contents(&batch));
  // Every cut inside the updates damages one of them.
  for (size_t length = kHeader + 1; length < full.size(); length++) {
    Recorder recorder;
    Status s = IterateEncoded(full.substr(0, length), &recorder);
    EXPECT_TRUE(s.IsCorruption()) << "cut at " << length << ": " << s.ToString();
  }
}

TEST(WriteBatchTest, UnknownUpdateTypeIsCorruption) {
  Recorder recorder;
  Status s = IterateEncoded(Encoded(1, Bytes({0x02, 1, 'a'})), &recorder);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  s = IterateEncoded(Encoded(1, Bytes({0xff, 1, 'a'})), &recorder);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(WriteBatchTest, LengthPastTheEndIsCorruption) {
  Recorder recorder;
  // A key length of 100 with 1 byte of key.
  Status s = IterateEncoded(Encoded(1, Bytes({0x00, 100, 'a'})), &recorder);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_TRUE(recorder.updates.empty());
}

// ---------------------------------------------------------------------------
// InsertInto

TEST(WriteBatchTest, InsertIntoNumbersUpdatesFromTheBatchSequence) {
  WriteBatch batch;
  batch.Put("b", "1");
  batch.Delete("a");
  batch.Put("b", "2");
  WriteBatchInternal::SetSequence(&batch, 100);
  MemTable mem{InternalKeyComparator(BytewiseComparator())};
  ASSERT_TRUE(WriteBatchInternal::InsertInto(&batch, &mem).ok());
  EXPECT_EQ(mem.NumEntries(), 3u);

  std::vector<std::string> entries;
  std::unique_ptr<Iterator> it = mem.NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedInternalKey ikey;
    ASSERT_TRUE(ParseInternalKey(it->key(), &ikey));
    entries.push_back(std::string(ikey.user_key) + "@" + std::to_string(ikey.sequence) +
                      (ikey.type == kTypeValue ? "=" + std::string(it->value()) : " deleted"));
  }
  EXPECT_EQ(entries, (std::vector<std::string>{"a@101 deleted", "b@102=2", "b@100=1"}));
}

TEST(WriteBatchTest, InsertIntoRejectsADamagedBatch) {
  WriteBatch batch;
  // Claims three updates, holds one.
  ASSERT_TRUE(
      WriteBatchInternal::SetContents(&batch, Encoded(3, Bytes({0x01, 1, 'a', 1, '1'}))).ok());
  MemTable mem{InternalKeyComparator(BytewiseComparator())};
  Status s = WriteBatchInternal::InsertInto(&batch, &mem);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

// Found by fuzz/write_batch_fuzzer: a WAL record holding a batch whose
// updates would take sequence numbers past kMaxSequenceNumber was replayed
// into the memtable with wrapped-around sequence numbers (an assert in debug
// builds). It is Corruption, so replay skips the record.
TEST(WriteBatchTest, SequenceNumbersPastTheMaximumAreCorruption) {
  WriteBatch batch;
  batch.Put("a", "1");
  batch.Delete("b");
  WriteBatch decoded;
  WriteBatchInternal::SetSequence(&batch, kMaxSequenceNumber - 1);  // the last update at the max
  EXPECT_TRUE(WriteBatchInternal::SetContents(&decoded, WriteBatchInternal::Contents(&batch)).ok());
  WriteBatchInternal::SetSequence(&batch, kMaxSequenceNumber);
  Status s = WriteBatchInternal::SetContents(&decoded, WriteBatchInternal::Contents(&batch));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  WriteBatchInternal::SetSequence(&batch, ~uint64_t{0});
  s = WriteBatchInternal::SetContents(&decoded, WriteBatchInternal::Contents(&batch));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  // The fuzzer's input: sequence 0x0101010101000001, one Put.
  std::string rep;
  PutFixed64(&rep, 0x0101010101000001);
  PutFixed32(&rep, 1);
  rep += Bytes({0x01, 5, 'a', 'p', 'p', 'l', 'e', 3, 'r', 'e', 'd'});
  s = WriteBatchInternal::SetContents(&decoded, rep);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  // An empty batch takes no sequence number, so any sequence up to the max is fine.
  WriteBatch empty;
  WriteBatchInternal::SetSequence(&empty, kMaxSequenceNumber);
  EXPECT_TRUE(WriteBatchInternal::SetContents(&decoded, WriteBatchInternal::Contents(&empty)).ok());
}

// DeleteRange: its own record (type 0x02, begin, end), ordered with the
// others; a handler that predates it still compiles and sees the rest.
TEST(WriteBatchTest, DeleteRangeEncodingAndOrder) {
  WriteBatch batch;
  batch.Put("a", "1");
  batch.DeleteRange("b", "d");
  batch.Delete("e");
  EXPECT_EQ(batch.Count(), 3u);
  std::string expected(kHeader, '\0');
  EncodeFixed32(expected.data() + 8, 3);
  expected += Bytes({0x01, 1}) + "a" + Bytes({1}) + "1";
  expected += Bytes({0x02, 1}) + "b" + Bytes({1}) + "d";
  expected += Bytes({0x00, 1}) + "e";
  EXPECT_EQ(WriteBatchInternal::Contents(&batch), expected);

  class Full : public Recorder {
   public:
    void DeleteRange(std::string_view b, std::string_view e) override {
      updates.push_back("DeleteRange(" + std::string(b) + "," + std::string(e) + ")");
    }
  } full;
  ASSERT_TRUE(batch.Iterate(&full).ok());
  EXPECT_EQ(full.updates, (std::vector<std::string>{"Put(a,1)", "DeleteRange(b,d)", "Delete(e)"}));
  Recorder old;  // the default DeleteRange does nothing
  ASSERT_TRUE(batch.Iterate(&old).ok());
  EXPECT_EQ(old.updates, (std::vector<std::string>{"Put(a,1)", "Delete(e)"}));

  WriteBatch truncated;
  std::string bad = expected.substr(0, expected.size() - 3);  // cut inside the range's end
  ASSERT_TRUE(WriteBatchInternal::SetContents(&truncated, bad).ok());
  EXPECT_TRUE(truncated.Iterate(&full).IsCorruption());
}

TEST(WriteBatchTest, DeleteRangeInsertsARangeTombstone) {
  WriteBatch batch;
  batch.Put("c", "1");
  batch.DeleteRange("b", "d");
  WriteBatchInternal::SetSequence(&batch, 10);
  MemTable mem{InternalKeyComparator(BytewiseComparator())};
  ASSERT_TRUE(WriteBatchInternal::InsertInto(&batch, &mem).ok());
  EXPECT_EQ(mem.NumEntries(), 2u);
  EXPECT_EQ(mem.NumRangeDeletions(), 1u);
  auto ranges = mem.RangeTombstones();
  ASSERT_NE(ranges, nullptr);
  EXPECT_EQ(ranges->MaxCoveringSeq("c", kMaxSequenceNumber), 11u);  // above the Put's 10
  EXPECT_EQ(ranges->MaxCoveringSeq("d", kMaxSequenceNumber), 0u);
}

}  // namespace
}  // namespace strata
