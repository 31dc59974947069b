// Tests for VersionEdit (lsm/version_edit.h), the MANIFEST record: EncodeTo /
// DecodeFrom round trips with every field, the exact tags of docs/FORMAT.md,
// and rejection (Corruption) of truncated encodings, unknown tags and
// out-of-range values.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "lsm/db_test_util.h"
#include "lsm/version_edit.h"
#include "util/coding.h"
#include "util/internal_key.h"

namespace strata {
namespace {

using test::Bytes;

FileMetaData File(uint64_t number, uint64_t size, std::string_view smallest,
                  std::string_view largest, SequenceNumber seq) {
  FileMetaData f;
  f.number = number;
  f.file_size = size;
  f.smallest = MakeInternalKey(smallest, seq, kTypeValue);
  f.largest = MakeInternalKey(largest, seq + 1, kTypeDeletion);
  return f;
}

// An edit with every field set, several files added and removed, binary
// keys and numbers that need every varint width.
VersionEdit FullEdit() {
  VersionEdit edit;
  edit.SetComparatorName(BytewiseComparator()->Name());
  edit.SetLogNumber(12345);
  edit.SetNextFileNumber(std::numeric_limits<uint64_t>::max());
  edit.SetLastSequence(kMaxSequenceNumber);
  edit.RemoveFile(0, 7);
  edit.RemoveFile(3, 1ull << 40);
  edit.RemoveFile(kNumLevels - 1, 0);
  edit.AddFile(0, File(20, 4096, "a", "m", 1));
  edit.AddFile(2, File(21, 1ull << 35, std::string("\0k", 2), std::string("\xff\xff", 2), 100));
  edit.AddFile(kNumLevels - 1, File(1ull << 50, 0, "", "z", kMaxSequenceNumber - 1));
  return edit;
}

void ExpectSameFile(const FileMetaData& a, const FileMetaData& b) {
  EXPECT_EQ(a.number, b.number);
  EXPECT_EQ(a.file_size, b.file_size);
  EXPECT_EQ(a.smallest, b.smallest);
  EXPECT_EQ(a.largest, b.largest);
}

void ExpectSameEdit(const VersionEdit& a, const VersionEdit& b) {
  EXPECT_EQ(a.comparator(), b.comparator());
  EXPECT_EQ(a.log_number(), b.log_number());
  EXPECT_EQ(a.next_file_number(), b.next_file_number());
  EXPECT_EQ(a.last_sequence(), b.last_sequence());
  EXPECT_EQ(a.deleted_files(), b.deleted_files());
  ASSERT_EQ(a.new_files().size(), b.new_files().size());
  for (size_t i = 0; i < a.new_files().size(); i++) {
    SCOPED_TRACE("new file " + std::to_string(i));
    EXPECT_EQ(a.new_files()[i].first, b.new_files()[i].first);
    ExpectSameFile(a.new_files()[i].second, b.new_files()[i].second);
  }
}

std::string Encode(const VersionEdit& edit) {
  std::string encoded;
  edit.EncodeTo(&encoded);
  return encoded;
}

TEST(VersionEditTest, EmptyEdit) {
  VersionEdit edit;
  EXPECT_EQ(Encode(edit), "");
  VersionEdit decoded;
  decoded.SetLogNumber(5);  // DecodeFrom starts from a clear edit
  ASSERT_TRUE(decoded.DecodeFrom("").ok());
  EXPECT_FALSE(decoded.comparator());
  EXPECT_FALSE(decoded.log_number());
  EXPECT_FALSE(decoded.next_file_number());
  EXPECT_FALSE(decoded.last_sequence());
  EXPECT_TRUE(decoded.new_files().empty());
  EXPECT_TRUE(decoded.deleted_files().empty());
}

TEST(VersionEditTest, RoundTripEveryField) {
  const VersionEdit edit = FullEdit();
  const std::string encoded = Encode(edit);
  VersionEdit decoded;
  Status s = decoded.DecodeFrom(encoded);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectSameEdit(edit, decoded);
  EXPECT_EQ(*decoded.comparator(), BytewiseComparator()->Name());
  EXPECT_EQ(*decoded.log_number(), 12345u);
  EXPECT_EQ(*decoded.next_file_number(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(*decoded.last_sequence(), kMaxSequenceNumber);
  EXPECT_EQ(decoded.deleted_files().size(), 3u);
  EXPECT_EQ(decoded.new_files().size(), 3u);
  // Encoding is deterministic: the decoded edit encodes to the same bytes.
  EXPECT_EQ(Encode(decoded), encoded);
  EXPECT_FALSE(decoded.DebugString().empty());
}

TEST(VersionEditTest, RoundTripEachFieldAlone) {
  VersionEdit edits[6];
  edits[0].SetComparatorName("other.Comparator");
  edits[1].SetLogNumber(0);
  edits[2].SetNextFileNumber(2);
  edits[3].SetLastSequence(0);
  edits[4].RemoveFile(1, 99);
  edits[5].AddFile(4, File(5, 6, "k", "k", 7));
  for (const VersionEdit& edit : edits) {
    VersionEdit decoded;
    ASSERT_TRUE(decoded.DecodeFrom(Encode(edit)).ok());
    ExpectSameEdit(edit, decoded);
  }
}

TEST(VersionEditTest, ClearResetsEveryField) {
  VersionEdit edit = FullEdit();
  edit.Clear();
  EXPECT_EQ(Encode(edit), "");
}

// The tags of docs/FORMAT.md ("MANIFEST"), stored on disk.
TEST(VersionEditTest, EncodingMatchesTheFormat) {
  VersionEdit edit;
  edit.SetComparatorName("c");
  edit.SetLogNumber(2);
  edit.SetNextFileNumber(3);
  edit.SetLastSequence(4);
  edit.RemoveFile(5, 6);
  FileMetaData f;
  f.number = 7;
  f.file_size = 8;
  f.smallest = std::string(8, 'S');
  f.largest = std::string(9, 'L');
  edit.AddFile(1, f);
  std::string expected = Bytes({1, 1, 'c'});  // tag, name length, name
  expected += Bytes({2, 2});                  // tag, log number
  expected += Bytes({3, 3});                  // tag, next file number
  expected += Bytes({4, 4});                  // tag, last sequence
  expected += Bytes({5, 5, 6});               // tag, level, file number
  expected += Bytes({6, 1, 7, 8});            // tag, level, file number, file size
  expected += Bytes({8}) + std::string(8, 'S') + Bytes({9}) + std::string(9, 'L');
  EXPECT_EQ(Encode(edit), expected);
}

// Every proper prefix of an encoding either fails with Corruption or ends
// exactly at a field boundary, where it decodes to the fields before it.
TEST(VersionEditTest, TruncatedEncodingIsCorruption) {
  const std::string encoded = Encode(FullEdit());
  constexpr int kFields = 4 + 3 + 3;  // scalars, deleted files, new files
  int boundaries = 0;
  for (size_t length = 0; length < encoded.size(); length++) {
    const std::string prefix = encoded.substr(0, length);
    VersionEdit decoded;
    Status s = decoded.DecodeFrom(prefix);
    if (s.ok()) {
      EXPECT_EQ(Encode(decoded), prefix) << "prefix of " << length << " bytes decoded wrongly";
      boundaries++;
    } else {
      EXPECT_TRUE(s.IsCorruption()) << "prefix of " << length << " bytes: " << s.ToString();
    }
  }
  // The empty prefix and one after each field but the last.
  EXPECT_EQ(boundaries, kFields);
}

TEST(VersionEditTest, UnknownTagIsCorruption) {
  const std::string encoded = Encode(FullEdit());
  for (uint32_t tag : {0u, 7u, 8u, 100u, 1u << 20}) {
    std::string bad;
    PutVarint32(&bad, tag);
    PutVarint64(&bad, 1);
    VersionEdit decoded;
    Status s = decoded.DecodeFrom(bad);
    EXPECT_TRUE(s.IsCorruption()) << "tag " << tag << ": " << s.ToString();
    // Also after valid fields.
    s = decoded.DecodeFrom(encoded + bad);
    EXPECT_TRUE(s.IsCorruption()) << "tag " << tag << " after fields: " << s.ToString();
  }
}

TEST(VersionEditTest, OutOfRangeValuesAreCorruption) {
  auto decode = [](const std::string& bytes) {
    VersionEdit edit;
    return edit.DecodeFrom(bytes);
  };
  std::string bad_level;
  PutVarint32(&bad_level, 5);  // deleted file
  PutVarint32(&bad_level, kNumLevels);
  PutVarint64(&bad_level, 1);
  EXPECT_TRUE(decode(bad_level).IsCorruption());

  std::string bad_new_level;
  PutVarint32(&bad_new_level, 6);  // new file
  PutVarint32(&bad_new_level, kNumLevels);
  PutVarint64(&bad_new_level, 1);
  PutVarint64(&bad_new_level, 1);
  PutLengthPrefixed(&bad_new_level, std::string(8, 'a'));
  PutLengthPrefixed(&bad_new_level, std::string(8, 'b'));
  EXPECT_TRUE(decode(bad_new_level).IsCorruption());

  std::string bad_sequence;
  PutVarint32(&bad_sequence, 4);  // last sequence
  PutVarint64(&bad_sequence, kMaxSequenceNumber + 1);
  EXPECT_TRUE(decode(bad_sequence).IsCorruption());

  // An internal key shorter than its 8-byte trailer.
  std::string short_key;
  PutVarint32(&short_key, 6);
  PutVarint32(&short_key, 0);
  PutVarint64(&short_key, 1);
  PutVarint64(&short_key, 1);
  PutLengthPrefixed(&short_key, std::string(7, 'a'));
  PutLengthPrefixed(&short_key, std::string(8, 'b'));
  EXPECT_TRUE(decode(short_key).IsCorruption());

  // A varint that never ends.
  EXPECT_TRUE(decode(Bytes({2, 0xff, 0xff})).IsCorruption());
  // A length prefix past the end.
  EXPECT_TRUE(decode(Bytes({1, 5, 'a', 'b'})).IsCorruption());
}

TEST(VersionEditTest, DecodeStartsFromAClearEdit) {
  VersionEdit decoded;
  std::string bytes = Encode(FullEdit());
  bytes.push_back('\x63');  // an unknown tag after valid fields
  ASSERT_FALSE(decoded.DecodeFrom(bytes).ok());
  // A successful decode afterwards holds only what it decoded.
  VersionEdit small;
  small.SetLogNumber(3);
  ASSERT_TRUE(decoded.DecodeFrom(Encode(small)).ok());
  ExpectSameEdit(small, decoded);
}

}  // namespace
}  // namespace strata
