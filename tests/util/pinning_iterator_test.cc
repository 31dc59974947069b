// PinningIterator and PinnedIterator (util/pinning_iterator.h): every call
// reaches the wrapped iterator, and the pin outlives it -- released only
// after the wrapped iterator is destroyed, whichever wrapper holds it.

#include "util/pinning_iterator.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "sstable/block.h"
#include "sstable/block_builder.h"
#include "sstable/block_iter.h"
#include "strata/comparator.h"
#include "util/internal_key.h"

namespace strata {
namespace {

// Records its destruction in a shared log.
class LoggedPin {
 public:
  explicit LoggedPin(std::vector<std::string>* log) : log_(log) {}
  LoggedPin(LoggedPin&& other) noexcept : log_(other.log_) { other.log_ = nullptr; }
  LoggedPin& operator=(LoggedPin&&) = delete;
  ~LoggedPin() {
    if (log_ != nullptr) log_->push_back("pin");
  }

 private:
  std::vector<std::string>* log_;
};

// An empty iterator that records its destruction in the same log.
class LoggedIterator final : public Iterator {
 public:
  explicit LoggedIterator(std::vector<std::string>* log) : log_(log) {}
  LoggedIterator(const LoggedIterator&) = delete;
  ~LoggedIterator() override { log_->push_back("iterator"); }
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return Status::Corruption("logged"); }

 private:
  std::vector<std::string>* log_;
};

TEST(PinningIteratorTest, ThePinIsReleasedAfterTheWrappedIterator) {
  std::vector<std::string> log;
  {
    std::unique_ptr<Iterator> it =
        NewPinningIterator(LoggedPin(&log), std::make_unique<LoggedIterator>(&log));
    EXPECT_TRUE(it->status().IsCorruption());  // calls reach the wrapped iterator
  }
  EXPECT_EQ(log, (std::vector<std::string>{"iterator", "pin"}));

  log.clear();
  {
    // Built in place: LoggedIterator cannot be copied or moved.
    auto it = std::make_unique<PinnedIterator<LoggedPin, LoggedIterator>>(
        LoggedPin(&log), [&log] { return LoggedIterator(&log); });
    EXPECT_TRUE(it->status().IsCorruption());
  }
  EXPECT_EQ(log, (std::vector<std::string>{"iterator", "pin"}));
}

// A block iterator built inside its pin (as a table's data blocks are) moves
// and reads exactly as the block's own heap iterator does.
TEST(PinningIteratorTest, APinnedBlockIteratorMatchesTheBlocksOwnIterator) {
  BlockBuilder builder(4);
  for (int i = 0; i < 200; i++) {
    char user_key[16];
    std::snprintf(user_key, sizeof(user_key), "key%05d", i * 2);
    builder.Add(MakeInternalKey(user_key, 100, kTypeValue), "value" + std::to_string(i));
  }
  std::unique_ptr<Block> parsed;
  ASSERT_TRUE(Block::Parse(std::string(builder.Finish()), &parsed).ok());
  const InternalKeyComparator comparator(BytewiseComparator());
  const Block* raw = parsed.get();
  std::unique_ptr<Iterator> expected = raw->NewIterator(comparator);
  std::unique_ptr<Iterator> pinned =
      std::make_unique<PinnedIterator<std::unique_ptr<Block>, BlockIter>>(
          std::move(parsed), [raw, &comparator] { return raw->Iter(comparator); });

  auto same = [&] {
    ASSERT_EQ(expected->Valid(), pinned->Valid());
    if (expected->Valid()) {
      EXPECT_EQ(expected->key(), pinned->key());
      EXPECT_EQ(expected->value(), pinned->value());
    }
    EXPECT_TRUE(pinned->status().ok());
  };
  int n = 0;
  for (expected->SeekToFirst(), pinned->SeekToFirst(); expected->Valid();
       expected->Next(), pinned->Next()) {
    same();
    n++;
  }
  same();
  EXPECT_EQ(n, 200);
  for (expected->SeekToLast(), pinned->SeekToLast(); expected->Valid();
       expected->Prev(), pinned->Prev()) {
    same();
  }
  same();
  for (const char* target : {"key00000", "key00101", "key00398", "key00399", "a", "z"}) {
    const std::string seek = MakeInternalKey(target, kMaxSequenceNumber, kValueTypeForSeek);
    expected->Seek(seek);
    pinned->Seek(seek);
    same();
  }
}

}  // namespace
}  // namespace strata
