// Tests for the write-ahead log (wal/log_writer.h, wal/log_reader.h) through
// their interfaces, on real files in a temporary directory: round trips, the
// exact block layout, appending to an existing log, and how the reader tells
// a torn tail (silent) from mid-log corruption (reported).

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "strata/file_system.h"
#include "test_util.h"
#include "util/checksum.h"
#include "util/coding.h"
#include "util/random.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace strata::wal {
namespace {

constexpr size_t kMaxPayload = kBlockSize - kHeaderSize;

class RecordingReporter : public Reader::Reporter {
 public:
  void Corruption(size_t bytes, const Status& reason) override {
    EXPECT_TRUE(reason.IsCorruption()) << reason.ToString();
    EXPECT_GT(bytes, 0u);
    dropped_bytes += bytes;
    reasons.push_back(reason.ToString());
  }

  size_t dropped_bytes = 0;
  std::vector<std::string> reasons;  // one per call
};

struct ReadResult {
  std::vector<std::string> records;
  size_t dropped_bytes = 0;
  std::vector<std::string> reasons;
  Status status;
  uint64_t last_record_end = 0;
  bool torn_tail = false;  // Reader::TornTail()
};

std::string RandomBytes(Random* rnd, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rnd->Next());
  return s;
}

// Compares without printing megabytes on failure.
::testing::AssertionResult SameBytes(const std::string& expected, const std::string& actual) {
  if (expected == actual) return ::testing::AssertionSuccess();
  auto mismatch = std::mismatch(expected.begin(), expected.end(), actual.begin(), actual.end());
  return ::testing::AssertionFailure()
         << "sizes " << expected.size() << " vs " << actual.size() << ", first difference at "
         << (mismatch.first - expected.begin());
}

// The header fields at offset of a log's bytes.
struct Header {
  uint32_t checksum;
  uint16_t length;
  uint8_t type;
};
Header HeaderAt(const std::string& contents, size_t offset) {
  EXPECT_LE(offset + kHeaderSize, contents.size());
  return Header{DecodeFixed32(contents.data() + offset),
                DecodeFixed16(contents.data() + offset + 4),
                static_cast<uint8_t>(contents[offset + 6])};
}

// Builds a fragment by hand, to craft logs the writer never produces.
std::string RawFragment(uint8_t type, std::string_view payload) {
  const char type_byte = static_cast<char>(type);
  std::string out;
  PutFixed32(&out, Checksum32(std::string_view(&type_byte, 1), payload));
  char length[2];
  EncodeFixed16(length, static_cast<uint16_t>(payload.size()));
  out.append(length, 2);
  out.push_back(type_byte);
  out.append(payload);
  return out;
}
std::string RawFragment(FragmentType type, std::string_view payload) {
  return RawFragment(static_cast<uint8_t>(type), payload);
}

class LogTest : public ::testing::Test {
 protected:
  // Writes records as a new log at path and returns, for each record, the
  // file size before its AddRecord (where its bytes, trailer included, start).
  std::vector<uint64_t> WriteLog(const std::string& path, const std::vector<std::string>& records) {
    std::unique_ptr<WritableFile> file;
    EXPECT_TRUE(fs_->NewWritableFile(path, &file).ok());
    Writer writer(file.get());
    std::vector<uint64_t> starts;
    for (const std::string& record : records) {
      EXPECT_TRUE(file->Flush().ok());
      uint64_t size = 0;
      EXPECT_TRUE(fs_->GetFileSize(path, &size).ok());
      starts.push_back(size);
      EXPECT_TRUE(writer.AddRecord(record).ok());
    }
    EXPECT_TRUE(file->Close().ok());
    return starts;
  }

  ReadResult ReadLog(const std::string& path) {
    std::unique_ptr<SequentialFile> file;
    EXPECT_TRUE(fs_->NewSequentialFile(path, &file).ok());
    RecordingReporter reporter;
    Reader reader(file.get(), &reporter);
    ReadResult result;
    std::string_view record;
    std::string scratch;
    while (reader.ReadRecord(&record, &scratch)) result.records.emplace_back(record);
    result.dropped_bytes = reporter.dropped_bytes;
    result.reasons = reporter.reasons;
    result.status = reader.status();
    result.last_record_end = reader.LastRecordEnd();
    result.torn_tail = reader.TornTail();
    return result;
  }

  // Writes contents to a scratch file and reads it as a log.
  ReadResult ReadContents(const std::string& contents) {
    const std::string path = dir_.Child("crafted.log");
    test::WriteFileOrDie(path, contents);
    return ReadLog(path);
  }

  // Cuts contents at each offset in cuts and checks that exactly the records
  // before the last one are read, silently. last_start is where the last
  // record's bytes (its trailer included) start.
  void ExpectCutsAreSilent(const std::string& contents, const std::vector<std::string>& records,
                           uint64_t last_start, const std::vector<size_t>& cuts) {
    const std::vector<std::string> complete(records.begin(), records.end() - 1);
    for (size_t cut : cuts) {
      ASSERT_GE(cut, last_start);
      ASSERT_LT(cut, contents.size());
      ReadResult result = ReadContents(contents.substr(0, cut));
      ASSERT_EQ(complete, result.records) << "cut at " << cut;
      ASSERT_EQ(0u, result.dropped_bytes) << "cut at " << cut << ": " << result.reasons[0];
      ASSERT_TRUE(result.status.ok());
      ASSERT_EQ(last_start, result.last_record_end) << "cut at " << cut;
      // Torn, unless the cut left nothing of the record but zeros (its
      // block's trailer): then the log ends as cleanly as a closed one.
      const bool left_bytes =
          contents.substr(last_start, cut - last_start).find_first_not_of('\0') !=
          std::string::npos;
      ASSERT_EQ(left_bytes, result.torn_tail) << "cut at " << cut;
    }
  }

  FileSystem* const fs_ = DefaultFileSystem();
  test::TempDir dir_;
  const std::string path_ = dir_.Child("000001.log");
};

// Prefixes of records, for expectations.
std::vector<std::string> FirstN(const std::vector<std::string>& records, size_t n) {
  return std::vector<std::string>(records.begin(), records.begin() + n);
}

TEST_F(LogTest, SingleRecordByteLayout) {
  WriteLog(path_, {"foo", ""});
  const std::string contents = test::ReadFileOrDie(path_);

  std::string expected;
  const uint32_t foo_checksum = Checksum32("\x01", "foo");
  for (int i = 0; i < 4; i++) expected.push_back(static_cast<char>(foo_checksum >> (8 * i)));
  expected.append("\x03\x00\x01", 3);  // length 3 little-endian, kFullType
  expected.append("foo");
  const uint32_t empty_checksum = Checksum32(std::string_view("\x01", 1));
  for (int i = 0; i < 4; i++) expected.push_back(static_cast<char>(empty_checksum >> (8 * i)));
  expected.append("\x00\x00\x01", 3);  // length 0, kFullType
  EXPECT_EQ(expected, contents);

  ReadResult result = ReadLog(path_);
  EXPECT_EQ((std::vector<std::string>{"foo", ""}), result.records);
  EXPECT_EQ(0u, result.dropped_bytes);
  EXPECT_EQ(contents.size(), result.last_record_end);
}

TEST_F(LogTest, EmptyLogHasNoRecords) {
  WriteLog(path_, {});
  ReadResult result = ReadLog(path_);
  EXPECT_TRUE(result.records.empty());
  EXPECT_TRUE(result.status.ok());
  EXPECT_EQ(0u, result.last_record_end);
}

TEST_F(LogTest, RoundTripRandomSizes) {
  Random rnd(301);
  const std::vector<size_t> special = {0,
                                       1,
                                       kMaxPayload - 1,
                                       kMaxPayload,
                                       kMaxPayload + 1,
                                       kBlockSize,
                                       2 * kMaxPayload,
                                       2 * kBlockSize + 17,
                                       3 * kBlockSize};
  std::vector<std::string> records;
  for (int i = 0; i < 500; i++) {
    size_t size;
    switch (rnd.Uniform(4)) {
      case 0:
        size = special[rnd.Uniform(special.size())];
        break;
      case 1:
        size = rnd.Uniform(16);
        break;
      case 2:
        size = rnd.Uniform(4000);
        break;
      default:
        size = rnd.Uniform(3 * kBlockSize);
        break;
    }
    records.push_back(RandomBytes(&rnd, size));
  }
  WriteLog(path_, records);
  uint64_t file_size = 0;
  ASSERT_TRUE(fs_->GetFileSize(path_, &file_size).ok());

  ReadResult result = ReadLog(path_);
  ASSERT_EQ(records.size(), result.records.size());
  for (size_t i = 0; i < records.size(); i++) {
    ASSERT_TRUE(SameBytes(records[i], result.records[i])) << "record " << i;
  }
  EXPECT_EQ(0u, result.dropped_bytes);
  EXPECT_TRUE(result.status.ok());
  EXPECT_EQ(file_size, result.last_record_end);
}

TEST_F(LogTest, RecordFillingABlockExactly) {
  Random rnd(1);
  const std::vector<std::string> records = {RandomBytes(&rnd, kMaxPayload), "x"};
  WriteLog(path_, records);
  const std::string contents = test::ReadFileOrDie(path_);

  ASSERT_EQ(kBlockSize + kHeaderSize + 1, contents.size());
  Header first = HeaderAt(contents, 0);
  EXPECT_EQ(kMaxPayload, first.length);
  EXPECT_EQ(static_cast<uint8_t>(FragmentType::kFullType), first.type);
  Header second = HeaderAt(contents, kBlockSize);  // no trailer: the block is full
  EXPECT_EQ(1, second.length);
  EXPECT_EQ(static_cast<uint8_t>(FragmentType::kFullType), second.type);
  EXPECT_EQ(records, ReadLog(path_).records);
}

TEST_F(LogTest, RecordSpanningThreeBlocks) {
  Random rnd(2);
  const size_t size = 2 * kBlockSize + 100;
  const std::vector<std::string> records = {RandomBytes(&rnd, size)};
  WriteLog(path_, records);
  const std::string contents = test::ReadFileOrDie(path_);

  const size_t last_length = size - 2 * kMaxPayload;
  ASSERT_EQ(2 * kBlockSize + kHeaderSize + last_length, contents.size());
  const std::pair<size_t, FragmentType> expected[] = {{0, FragmentType::kFirstType},
                                                      {kBlockSize, FragmentType::kMiddleType},
                                                      {2 * kBlockSize, FragmentType::kLastType}};
  for (const auto& [offset, type] : expected) {
    Header header = HeaderAt(contents, offset);
    EXPECT_EQ(static_cast<uint8_t>(type), header.type) << offset;
    EXPECT_EQ(type == FragmentType::kLastType ? last_length : kMaxPayload, header.length);
    const char type_byte = static_cast<char>(type);
    EXPECT_EQ(Checksum32(std::string_view(&type_byte, 1),
                         std::string_view(contents).substr(offset + kHeaderSize, header.length)),
              header.checksum);
  }
  EXPECT_EQ(records, ReadLog(path_).records);
}

TEST_F(LogTest, TrailerIsZeroFilledWhenAHeaderDoesNotFit) {
  Random rnd(3);
  for (size_t leftover = 1; leftover < kHeaderSize; leftover++) {
    SCOPED_TRACE(leftover);
    const std::vector<std::string> records = {RandomBytes(&rnd, kMaxPayload - leftover), "hello"};
    WriteLog(path_, records);
    const std::string contents = test::ReadFileOrDie(path_);

    ASSERT_EQ(kBlockSize + kHeaderSize + 5, contents.size());
    EXPECT_EQ(std::string(leftover, '\0'), contents.substr(kBlockSize - leftover, leftover));
    EXPECT_EQ(contents.substr(kBlockSize), RawFragment(FragmentType::kFullType, "hello"));
    ReadResult result = ReadLog(path_);
    EXPECT_EQ(records, result.records);
    EXPECT_EQ(0u, result.dropped_bytes);
  }
}

TEST_F(LogTest, ExactlyAHeaderLeftHoldsAnEmptyFirstFragment) {
  Random rnd(4);
  const std::vector<std::string> records = {RandomBytes(&rnd, kMaxPayload - kHeaderSize), "hello"};
  WriteLog(path_, records);
  const std::string contents = test::ReadFileOrDie(path_);

  ASSERT_EQ(kBlockSize + kHeaderSize + 5, contents.size());
  EXPECT_EQ(RawFragment(FragmentType::kFirstType, ""),
            contents.substr(kBlockSize - kHeaderSize, kHeaderSize));
  EXPECT_EQ(RawFragment(FragmentType::kLastType, "hello"), contents.substr(kBlockSize));
  EXPECT_EQ(records, ReadLog(path_).records);

  // An empty record in the same spot is one empty FULL fragment ending the block.
  WriteLog(path_, {records[0], ""});
  const std::string with_empty = test::ReadFileOrDie(path_);
  ASSERT_EQ(kBlockSize, with_empty.size());
  EXPECT_EQ(RawFragment(FragmentType::kFullType, ""), with_empty.substr(kBlockSize - kHeaderSize));
  EXPECT_EQ((std::vector<std::string>{records[0], ""}), ReadLog(path_).records);
}

TEST_F(LogTest, LargeRecord64MiB) {
  Random rnd(5);
  const std::vector<std::string> records = {"before", RandomBytes(&rnd, 64 << 20), "after"};
  WriteLog(path_, records);

  ReadResult result = ReadLog(path_);
  ASSERT_EQ(3u, result.records.size());
  EXPECT_EQ("before", result.records[0]);
  EXPECT_TRUE(SameBytes(records[1], result.records[1]));
  EXPECT_EQ("after", result.records[2]);
  EXPECT_EQ(0u, result.dropped_bytes);
}

// Appending is copying the old log into a new file (the FileSystem has no
// append mode) and continuing with dest_length = Reader::LastRecordEnd().
TEST_F(LogTest, AppendToExistingLogContinuesTheBlockLayout) {
  Random rnd(6);
  // Old logs ending mid-block with room for a header, with less than a header
  // left, and exactly at a block boundary.
  const std::vector<size_t> old_sizes = {1000, kMaxPayload - 3, kMaxPayload};
  for (size_t old_size : old_sizes) {
    SCOPED_TRACE(old_size);
    const std::vector<std::string> old_records = {RandomBytes(&rnd, old_size)};
    WriteLog(path_, old_records);
    ReadResult old_log = ReadLog(path_);
    const std::string old_contents = test::ReadFileOrDie(path_);
    ASSERT_EQ(old_contents.size(), old_log.last_record_end);

    const std::string appended_path = dir_.Child("appended.log");
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs_->NewWritableFile(appended_path, &file).ok());
    ASSERT_TRUE(file->Append(old_contents).ok());
    Writer writer(file.get(), old_log.last_record_end);
    // The first new record crosses the next block boundary, which a writer
    // ignoring dest_length would not notice.
    const std::vector<std::string> new_records = {RandomBytes(&rnd, kBlockSize), "tail"};
    for (const std::string& record : new_records) ASSERT_TRUE(writer.AddRecord(record).ok());
    ASSERT_TRUE(file->Close().ok());

    ReadResult result = ReadLog(appended_path);
    std::vector<std::string> expected = old_records;
    expected.insert(expected.end(), new_records.begin(), new_records.end());
    EXPECT_EQ(expected, result.records);
    EXPECT_EQ(0u, result.dropped_bytes);
  }
}

TEST_F(LogTest, TornTailAtEveryOffsetOfASmallLastRecordIsSilent) {
  Random rnd(7);
  // The second case ends the previous record (FIRST in block 0 after "first",
  // LAST in block 1) 3 bytes before a block end, so some cuts fall inside the
  // last record's zero trailer.
  const size_t ends_3_before_block_end = 2 * kBlockSize - 3 - (kHeaderSize + 5) - 2 * kHeaderSize;
  for (size_t previous_size : {size_t{40000}, ends_3_before_block_end}) {
    SCOPED_TRACE(previous_size);
    const std::vector<std::string> records = {"first", RandomBytes(&rnd, previous_size),
                                              RandomBytes(&rnd, 200)};
    const std::vector<uint64_t> starts = WriteLog(path_, records);
    const std::string contents = test::ReadFileOrDie(path_);
    if (previous_size == ends_3_before_block_end) {
      ASSERT_EQ(kBlockSize - 3, starts.back() % kBlockSize);
    }
    std::vector<size_t> cuts;
    for (size_t cut = starts.back(); cut < contents.size(); cut++) cuts.push_back(cut);
    ExpectCutsAreSilent(contents, records, starts.back(), cuts);
    EXPECT_EQ(records, ReadContents(contents).records);
  }
}

TEST_F(LogTest, TornTailOfALastRecordSpanningBlocksIsSilent) {
  Random rnd(8);
  for (size_t last_size : {kBlockSize + 500, 2 * kBlockSize + 500}) {
    SCOPED_TRACE(last_size);
    const std::vector<std::string> records = {"first", RandomBytes(&rnd, 20000),
                                              RandomBytes(&rnd, last_size)};
    const std::vector<uint64_t> starts = WriteLog(path_, records);
    const std::string contents = test::ReadFileOrDie(path_);
    // Every offset near the fragments' headers (the record's start and each
    // block boundary it crosses), and a sample of offsets in between.
    std::set<size_t> cuts;
    std::vector<size_t> boundaries = {starts.back()};
    for (size_t b = kBlockSize; b < contents.size(); b += kBlockSize) boundaries.push_back(b);
    for (size_t boundary : boundaries) {
      for (size_t cut = boundary >= 16 ? boundary - 16 : 0; cut < boundary + 16; cut++) {
        if (cut >= starts.back() && cut < contents.size()) cuts.insert(cut);
      }
    }
    for (size_t cut = starts.back(); cut < contents.size(); cut += 97) cuts.insert(cut);
    cuts.insert(contents.size() - 1);
    ExpectCutsAreSilent(contents, records, starts.back(),
                        std::vector<size_t>(cuts.begin(), cuts.end()));
  }
}

// A crash after the file grew but before its data reached the disk leaves
// zeros where the last record should be, or half its bytes. So does a kill
// while a record is copied into a log written through a mapping, whose file
// then goes on in zeros to the end of the mapped window (`extra`).
TEST_F(LogTest, LastRecordPartlyZeroedIsSilent) {
  Random rnd(9);
  for (size_t last_size : {size_t{300}, kBlockSize + 500, 2 * kBlockSize + 500}) {
    SCOPED_TRACE(last_size);
    const std::vector<std::string> records = {"first", RandomBytes(&rnd, 20000),
                                              RandomBytes(&rnd, last_size)};
    const std::vector<uint64_t> starts = WriteLog(path_, records);
    const std::string contents = test::ReadFileOrDie(path_);
    const size_t length = contents.size() - starts.back();
    for (size_t extra : {size_t{0}, size_t{5000}, 3 * kBlockSize}) {
      for (size_t zero_from : {starts.back(), starts.back() + 3, starts.back() + kHeaderSize,
                               starts.back() + length / 2, contents.size() - 1}) {
        std::string damaged = contents + std::string(extra, '\0');
        std::fill(damaged.begin() + zero_from, damaged.end(), '\0');
        ReadResult result = ReadContents(damaged);
        EXPECT_EQ(FirstN(records, 2), result.records) << zero_from << " " << extra;
        EXPECT_EQ(0u, result.dropped_bytes) << zero_from << " " << extra;
        EXPECT_EQ(zero_from > starts.back(), result.torn_tail) << zero_from << " " << extra;
      }
    }
  }
}

TEST_F(LogTest, ZeroFillAfterTheLastRecordIsSilent) {
  const std::vector<std::string> records = {"a", std::string(5000, 'b'), "c"};
  WriteLog(path_, records);
  const std::string contents = test::ReadFileOrDie(path_);
  for (size_t zeros :
       {size_t{1}, size_t{6}, size_t{7}, size_t{8}, size_t{1000}, kBlockSize - contents.size(),
        2 * kBlockSize - contents.size(), 3 * kBlockSize + 5}) {
    ReadResult result = ReadContents(contents + std::string(zeros, '\0'));
    EXPECT_EQ(records, result.records) << zeros;
    EXPECT_EQ(0u, result.dropped_bytes) << zeros;
    EXPECT_EQ(contents.size(), result.last_record_end) << zeros;
    EXPECT_FALSE(result.torn_tail) << zeros;  // zeros are no damage
  }
}

// A log of 30 records of 2500 bytes (about 2.3 blocks); record 3 is damaged.
class MidLogCorruptionTest : public LogTest {
 protected:
  void SetUp() override {
    Random rnd(10);
    for (int i = 0; i < 30; i++) records_.push_back(RandomBytes(&rnd, 2500));
    starts_ = WriteLog(path_, records_);
    contents_ = test::ReadFileOrDie(path_);
  }

  // Flips bits of the byte at offset within record 3's fragment and reads.
  ReadResult ReadWithFlip(size_t offset_in_fragment, uint8_t mask) {
    std::string damaged = contents_;
    damaged[starts_[kTarget] + offset_in_fragment] ^= static_cast<char>(mask);
    return ReadContents(damaged);
  }

  std::vector<std::string> AllBut(size_t index) const {
    std::vector<std::string> expected = records_;
    expected.erase(expected.begin() + index);
    return expected;
  }

  static constexpr size_t kTarget = 3;
  static constexpr size_t kFragmentSize = kHeaderSize + 2500;
  std::vector<std::string> records_;
  std::vector<uint64_t> starts_;
  std::string contents_;
};

TEST_F(MidLogCorruptionTest, FlippedPayloadByteIsReportedAndLaterRecordsRead) {
  ReadResult result = ReadWithFlip(kHeaderSize + 1000, 0x01);
  EXPECT_EQ(AllBut(kTarget), result.records);
  EXPECT_EQ(kFragmentSize, result.dropped_bytes);
  ASSERT_EQ(1u, result.reasons.size());
  EXPECT_NE(std::string::npos, result.reasons[0].find("checksum mismatch")) << result.reasons[0];
}

TEST_F(MidLogCorruptionTest, FlippedChecksumByteIsReported) {
  for (size_t offset = 0; offset < 4; offset++) {
    ReadResult result = ReadWithFlip(offset, 0x40);
    EXPECT_EQ(AllBut(kTarget), result.records) << offset;
    EXPECT_EQ(kFragmentSize, result.dropped_bytes) << offset;
    EXPECT_EQ(1u, result.reasons.size()) << offset;
  }
}

TEST_F(MidLogCorruptionTest, FlippedTypeByteIsReported) {
  // FULL (1) becomes 0x81, 3 (MIDDLE), 0 (zero type) and 5 (unknown).
  for (uint8_t mask : {uint8_t{0x80}, uint8_t{0x02}, uint8_t{0x01}, uint8_t{0x04}}) {
    ReadResult result = ReadWithFlip(6, mask);
    EXPECT_EQ(AllBut(kTarget), result.records) << int{mask};
    EXPECT_EQ(kFragmentSize, result.dropped_bytes) << int{mask};
    EXPECT_EQ(1u, result.reasons.size()) << int{mask};
  }
}

TEST_F(MidLogCorruptionTest, FlippedLengthByteIsReportedAndLaterBlocksRead) {
  // Low byte: a plausible wrong length, so the reader resumes inside the
  // payload. High byte: a length past the end of the block, so the reader
  // drops the rest of it. Either way records in the damaged block after the
  // target may be lost, but every record starting in a later block is read.
  const std::vector<std::pair<size_t, uint8_t>> flips = {{4, 0x01}, {4, 0x40}, {5, 0x80}};
  for (auto [offset, mask] : flips) {
    SCOPED_TRACE(testing::Message() << "offset " << offset << " mask " << int{mask});
    ReadResult result = ReadWithFlip(offset, mask);
    EXPECT_GE(result.dropped_bytes, kFragmentSize);
    EXPECT_FALSE(result.reasons.empty());
    ASSERT_GE(result.records.size(), kTarget);
    EXPECT_EQ(FirstN(records_, kTarget), FirstN(result.records, kTarget));
    EXPECT_EQ(result.records.end(),
              std::find(result.records.begin(), result.records.end(), records_[kTarget]));
    for (size_t i = 0; i < records_.size(); i++) {
      if (starts_[i] < kBlockSize) continue;
      EXPECT_NE(result.records.end(),
                std::find(result.records.begin(), result.records.end(), records_[i]))
          << "record " << i << " in a later block is missing";
    }
  }
}

// A record of three fragments in the middle of the log, with one fragment
// damaged: the whole record is dropped and reported once, whichever fragment it
// is (the others become a partial record or orphans).
TEST_F(LogTest, DamagedFragmentOfAMultiBlockRecordDropsTheWholeRecord) {
  Random rnd(11);
  const std::vector<std::string> records = {"a", RandomBytes(&rnd, 2 * kBlockSize), "b", "c"};
  const std::vector<uint64_t> starts = WriteLog(path_, records);
  const std::string contents = test::ReadFileOrDie(path_);
  const size_t record_bytes = records[1].size() + 3 * kHeaderSize;
  ASSERT_EQ(starts[2] - starts[1], record_bytes);
  for (size_t damaged_offset : {starts[1] + kHeaderSize + 10, kBlockSize + kHeaderSize + 10,
                                2 * kBlockSize + kHeaderSize + 10}) {
    std::string damaged = contents;
    damaged[damaged_offset] ^= 0x10;
    ReadResult result = ReadContents(damaged);
    EXPECT_EQ((std::vector<std::string>{"a", "b", "c"}), result.records) << damaged_offset;
    EXPECT_EQ(record_bytes, result.dropped_bytes) << damaged_offset;
    EXPECT_EQ(1u, result.reasons.size()) << damaged_offset;
  }
}

TEST_F(LogTest, DamageInTheLastRecordIsSilent) {
  Random rnd(12);
  for (size_t last_size : {size_t{2500}, 2 * kBlockSize + 500}) {
    SCOPED_TRACE(last_size);
    const std::vector<std::string> records = {RandomBytes(&rnd, 2500), RandomBytes(&rnd, 2500),
                                              RandomBytes(&rnd, last_size)};
    const std::vector<uint64_t> starts = WriteLog(path_, records);
    const std::string contents = test::ReadFileOrDie(path_);
    // Checksum, length, type and payload bytes of the first fragment, and a
    // payload byte of each later block's fragment.
    std::vector<size_t> offsets = {starts[2], starts[2] + 4, starts[2] + 5, starts[2] + 6,
                                   starts[2] + kHeaderSize + 100};
    for (size_t b = kBlockSize; b < contents.size(); b += kBlockSize) {
      offsets.push_back(b + kHeaderSize + 100);
    }
    for (size_t offset : offsets) {
      std::string damaged = contents;
      damaged[offset] ^= 0x80;
      ReadResult result = ReadContents(damaged);
      EXPECT_EQ(FirstN(records, 2), result.records) << offset;
      EXPECT_EQ(0u, result.dropped_bytes) << offset;
      EXPECT_EQ(starts[2], result.last_record_end) << offset;
    }
  }
}

TEST_F(LogTest, ChecksumCoversTheType) {
  WriteLog(path_, {"x", "abc", "y"});
  const std::string contents = test::ReadFileOrDie(path_);
  const size_t abc = kHeaderSize + 1;
  const Header header = HeaderAt(contents, abc);
  ASSERT_EQ(static_cast<uint8_t>(FragmentType::kFullType), header.type);
  EXPECT_EQ(Checksum32("\x01", "abc"), header.checksum);
  EXPECT_NE(Checksum32("\x02", "abc"), header.checksum);

  // FULL turned into FIRST, length untouched: rejected by the checksum, not by
  // the sequence check (which would say the record lacks its LAST fragment).
  std::string damaged = contents;
  damaged[abc + 6] = static_cast<char>(FragmentType::kFirstType);
  ReadResult result = ReadContents(damaged);
  EXPECT_EQ((std::vector<std::string>{"x", "y"}), result.records);
  EXPECT_EQ(kHeaderSize + 3, result.dropped_bytes);
  ASSERT_EQ(1u, result.reasons.size());
  EXPECT_NE(std::string::npos, result.reasons[0].find("checksum mismatch")) << result.reasons[0];

  // FIRST turned into FULL would make a record of the first fragment alone.
  const std::string first_half(100, 'p');
  std::string crafted = RawFragment(FragmentType::kFirstType, first_half) +
                        RawFragment(FragmentType::kLastType, "q") +
                        RawFragment(FragmentType::kFullType, "z");
  crafted[6] = static_cast<char>(FragmentType::kFullType);
  result = ReadContents(crafted);
  EXPECT_EQ((std::vector<std::string>{"z"}), result.records);
  EXPECT_EQ(2 * kHeaderSize + 101, result.dropped_bytes);
}

TEST_F(LogTest, FragmentSequenceErrorsAreReported) {
  using T = FragmentType;
  struct Case {
    std::string name;
    std::string log;
    std::vector<std::string> records;
    size_t dropped_bytes;
  };
  const std::string a = RawFragment(T::kFullType, "a");
  const std::string b = RawFragment(T::kFullType, "b");
  const std::vector<Case> cases = {
      {"orphan middle", a + RawFragment(T::kMiddleType, "xx") + b, {"a", "b"}, kHeaderSize + 2},
      {"orphan last", a + RawFragment(T::kLastType, "xx") + b, {"a", "b"}, kHeaderSize + 2},
      {"first inside a record",
       a + RawFragment(T::kFirstType, "xx") + RawFragment(T::kFirstType, "y") +
           RawFragment(T::kLastType, "z") + b,
       {"a", "yz", "b"},
       kHeaderSize + 2},
      {"full inside a record",
       a + RawFragment(T::kFirstType, "xx") + RawFragment(T::kMiddleType, "x") + b,
       {"a", "b"},
       2 * kHeaderSize + 3},
      {"unknown type with a good checksum",
       a + RawFragment(uint8_t{9}, "xx") + b,
       {"a", "b"},
       kHeaderSize + 2},
      {"zero type with a good checksum",
       a + RawFragment(T::kZeroType, "xx") + b,
       {"a", "b"},
       kHeaderSize + 2},
  };
  for (const Case& c : cases) {
    ReadResult result = ReadContents(c.log);
    EXPECT_EQ(c.records, result.records) << c.name;
    EXPECT_EQ(c.dropped_bytes, result.dropped_bytes) << c.name;
    EXPECT_EQ(1u, result.reasons.size()) << c.name;
  }
}

TEST_F(LogTest, IncompleteLastRecordIsSilent) {
  using T = FragmentType;
  const std::string a = RawFragment(T::kFullType, "a");
  for (const std::string& tail :
       {RawFragment(T::kFirstType, "x"),
        RawFragment(T::kFirstType, "x") + RawFragment(T::kMiddleType, "y"),
        RawFragment(T::kLastType, "orphan"), RawFragment(T::kMiddleType, "orphan")}) {
    ReadResult result = ReadContents(a + tail);
    EXPECT_EQ((std::vector<std::string>{"a"}), result.records);
    EXPECT_EQ(0u, result.dropped_bytes);
    EXPECT_EQ(a.size(), result.last_record_end);
  }
}

TEST_F(LogTest, ZeroFilledBlockInTheMiddleIsReported) {
  WriteLog(path_, {"a"});
  std::string log = test::ReadFileOrDie(path_);
  log.resize(2 * kBlockSize, '\0');  // the rest of block 0 and all of block 1
  log += RawFragment(FragmentType::kFullType, "b");
  ReadResult result = ReadContents(log);
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), result.records);
  EXPECT_EQ(2 * kBlockSize - (kHeaderSize + 1), result.dropped_bytes);
  EXPECT_EQ(2 * kBlockSize + kHeaderSize + 1, result.last_record_end);
}

// A SequentialFile that fails its second read.
class FailingSecondRead : public SequentialFile {
 public:
  explicit FailingSecondRead(std::unique_ptr<SequentialFile> base) : base_(std::move(base)) {}
  Status Read(size_t n, std::string_view* result, char* scratch) override {
    if (++reads_ == 2) return Status::IOError("injected read error");
    return base_->Read(n, result, scratch);
  }
  Status Skip(uint64_t n) override { return base_->Skip(n); }

 private:
  std::unique_ptr<SequentialFile> base_;
  int reads_ = 0;
};

TEST_F(LogTest, ReadErrorStopsReadingWithoutReportingCorruption) {
  const std::vector<std::string> records = {"a", std::string(kBlockSize, 'b'), "c"};
  WriteLog(path_, records);
  std::unique_ptr<SequentialFile> base;
  ASSERT_TRUE(fs_->NewSequentialFile(path_, &base).ok());
  FailingSecondRead file(std::move(base));
  RecordingReporter reporter;
  Reader reader(&file, &reporter);
  std::string_view record;
  std::string scratch;
  ASSERT_TRUE(reader.ReadRecord(&record, &scratch));
  EXPECT_EQ("a", record);
  EXPECT_FALSE(reader.ReadRecord(&record, &scratch));
  EXPECT_TRUE(reader.status().IsIOError()) << reader.status().ToString();
  EXPECT_EQ(0u, reporter.dropped_bytes);
  EXPECT_EQ(kHeaderSize + 1, reader.LastRecordEnd());
}

// A WritableFile in memory that counts calls and fails appends once armed.
class CountingFile : public WritableFile {
 public:
  Status Append(std::string_view data) override {
    appends++;
    if (fail) return Status::NoSpace("injected");
    bytes += data.size();
    return Status::OK();
  }
  Status Flush() override {
    flushes++;
    return Status::OK();
  }
  Status Sync() override {
    syncs++;
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }

  bool fail = false;
  int appends = 0;
  int flushes = 0;
  int syncs = 0;
  size_t bytes = 0;
};

TEST(LogWriterTest, AddRecordNeitherFlushesNorSyncs) {
  CountingFile file;
  Writer writer(&file);
  ASSERT_TRUE(writer.AddRecord("a").ok());
  ASSERT_TRUE(writer.AddRecord(std::string(3 * kBlockSize, 'b')).ok());
  EXPECT_EQ(0, file.flushes);
  EXPECT_EQ(0, file.syncs);
  EXPECT_EQ(kHeaderSize + 1 + 3 * kBlockSize + 4 * kHeaderSize, file.bytes);
}

TEST(LogWriterTest, AppendErrorIsSticky) {
  CountingFile file;
  Writer writer(&file);
  ASSERT_TRUE(writer.AddRecord("a").ok());
  EXPECT_EQ(kHeaderSize + 1, file.bytes);
  file.fail = true;
  EXPECT_TRUE(writer.AddRecord("b").IsNoSpace());
  file.fail = false;
  const int appends = file.appends;
  // The file may end in a partial fragment now: the writer refuses to go on.
  EXPECT_TRUE(writer.AddRecord("c").IsNoSpace());
  EXPECT_EQ(appends, file.appends);
}

}  // namespace
}  // namespace strata::wal
