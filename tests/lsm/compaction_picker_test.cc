// Unit tests of the compaction picker and of Compaction itself, through their
// own interfaces: ComputeLevelTargets, ComputeScores,
// EstimatePendingCompactionBytes, CompactionPicker::Pick and PickRange (with
// CompactionsInProgress standing for compactions other threads run), and
// Compaction::IsTrivialMove, IsBottommostForKey and ShouldStopBefore.
//
// Each test builds the versions it needs with a real VersionSet (MANIFEST in
// a temporary directory) and VersionEdits applied by LogAndApply. The table
// files named there do not exist: the picker reads only their metadata
// (number, size, key range), never their contents.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/compaction.h"
#include "lsm/version_edit.h"
#include "lsm/version_set.h"
#include "strata/file_system.h"
#include "strata/options.h"
#include "test_util.h"
#include "util/internal_key.h"
#include "util/mutex.h"

namespace strata {
namespace {

constexpr uint64_t kKiB = 1024;

// The options every test starts from: the small sizes the DB-level tests use.
Options PickerOptions() {
  Options options;
  options.l0_compaction_trigger = 4;
  options.target_file_size = 64 * kKiB;
  options.max_bytes_for_level_base = 256 * kKiB;  // 262144 bytes
  return options;
}

// Compactions standing for ones other threads run: their input files are
// busy and their output ranges taken.
class RunningCompactions {
 public:
  RunningCompactions() = default;
  RunningCompactions(const RunningCompactions&) = delete;
  RunningCompactions& operator=(const RunningCompactions&) = delete;
  ~RunningCompactions() {
    for (const auto& c : held_) in_progress_.Remove(c.get());
  }

  void Add(std::unique_ptr<Compaction> c) {
    ASSERT_NE(c, nullptr);
    in_progress_.Add(c.get());
    held_.push_back(std::move(c));
  }
  const CompactionsInProgress& get() const { return in_progress_; }

 private:
  std::vector<std::unique_ptr<Compaction>> held_;
  CompactionsInProgress in_progress_;
};

class CompactionPickerTest : public ::testing::Test {
 protected:
  CompactionPickerTest()
      : options_(PickerOptions()), versions_(dir_.path(), options_, DefaultFileSystem(), &mu_) {
    MutexLock lock(&mu_);
    Status s = versions_.CreateNew();
    if (s.ok()) s = versions_.Recover();
    if (s.ok()) s = versions_.StartNewManifest();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  // Adds a file holding user keys [smallest, largest] to `level` and returns
  // its number. Deeper levels get older sequence numbers, as in a real tree.
  uint64_t AddFile(int level, std::string_view smallest, std::string_view largest, uint64_t size) {
    MutexLock lock(&mu_);
    FileMetaData f;
    f.number = versions_.NewFileNumber();
    f.file_size = size;
    SequenceNumber seq = 1000000 * static_cast<uint64_t>(kNumLevels - level) + f.number;
    f.smallest = MakeInternalKey(smallest, seq, kTypeValue);
    f.largest = MakeInternalKey(largest, seq, kTypeValue);
    VersionEdit edit;
    edit.AddFile(level, f);
    Status s = versions_.LogAndApply(&edit);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return f.number;
  }

  void RemoveFile(int level, uint64_t number) {
    MutexLock lock(&mu_);
    VersionEdit edit;
    edit.RemoveFile(level, number);
    Status s = versions_.LogAndApply(&edit);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  std::shared_ptr<const Version> Current() {
    MutexLock lock(&mu_);
    return versions_.current();
  }

  // A bottom level of 3,000,000 bytes in ten files of keys "g0".."g9": its
  // target is 3,000,000, level 5's 300,000 and level 4's 30,000, the base.
  void AddThreeMillionBytesAtBottom() {
    for (char c = '0'; c <= '9'; c++) {
      std::string prefix = std::string("g") + c;
      AddFile(6, prefix + "0", prefix + "9", 300000);
    }
  }

  std::unique_ptr<Compaction> Pick(const CompactionsInProgress& running = CompactionsInProgress()) {
    CompactionPicker picker(options_);
    return picker.Pick(Current(), running);
  }

  std::unique_ptr<Compaction> PickRange(
      int level, int output_level, const std::string_view* begin, const std::string_view* end,
      bool* conflict, const CompactionsInProgress& running = CompactionsInProgress()) {
    CompactionPicker picker(options_);
    return picker.PickRange(Current(), level, output_level, begin, end, running, conflict);
  }

  // A compaction of level's files in [begin, end] (nullptr: unbounded) into
  // output_level, to stand for one running elsewhere.
  std::unique_ptr<Compaction> Manual(int level, int output_level, const char* begin,
                                     const char* end) {
    std::string_view b = begin != nullptr ? begin : "", e = end != nullptr ? end : "";
    bool conflict;
    std::unique_ptr<Compaction> c = PickRange(level, output_level, begin != nullptr ? &b : nullptr,
                                              end != nullptr ? &e : nullptr, &conflict);
    EXPECT_NE(c, nullptr) << "level " << level << " has no files there";
    return c;
  }

  static std::vector<uint64_t> Numbers(const FileList& files) {
    std::vector<uint64_t> numbers;
    for (const auto& f : files) numbers.push_back(f->number);
    return numbers;
  }

  static std::string IKey(std::string_view user_key) {
    return MakeInternalKey(user_key, kMaxSequenceNumber, kValueTypeForSeek);
  }

  test::TempDir dir_;
  Options options_;
  Mutex mu_;
  VersionSet versions_;
};

TEST_F(CompactionPickerTest, EmptyTreeHasTheBottomAsBase) {
  LevelTargets t = ComputeLevelTargets(*Current(), options_);
  EXPECT_EQ(t.base_level, kNumLevels - 1);
  EXPECT_EQ(t.target_bytes[kNumLevels - 1], options_.max_bytes_for_level_base);
  for (int level = 1; level < kNumLevels - 1; level++) EXPECT_EQ(t.target_bytes[level], 0u);
}

TEST_F(CompactionPickerTest, BaseLevelRisesAsTheBottomGrows) {
  struct Case {
    uint64_t bottom_bytes;
    int base_level;
  };
  // Each level targets a tenth of the one below; the base is the first,
  // walking up, whose target no longer exceeds max_bytes_for_level_base.
  const Case cases[] = {
      {200000, 6},    {300000, 5},     {3000000, 4},        {30000000, 3},
      {300000000, 2}, {3000000000, 1}, {30000000000ull, 1},
  };
  uint64_t previous = 0;
  int previous_base = kNumLevels;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.bottom_bytes);
    if (previous != 0) RemoveFile(6, previous);
    previous = AddFile(6, "a", "z", c.bottom_bytes);
    LevelTargets t = ComputeLevelTargets(*Current(), options_);
    EXPECT_EQ(t.base_level, c.base_level);
    EXPECT_LE(t.base_level, previous_base);
    previous_base = t.base_level;
    EXPECT_EQ(t.target_bytes[6], std::max(c.bottom_bytes, options_.max_bytes_for_level_base));
    for (int level = 1; level < kNumLevels - 1; level++) {
      if (level < t.base_level) {
        EXPECT_EQ(t.target_bytes[level], 0u) << "level " << level;
      } else {
        EXPECT_EQ(t.target_bytes[level], t.target_bytes[level + 1] / 10) << "level " << level;
      }
    }
    if (t.base_level > 1) {
      EXPECT_LE(t.target_bytes[t.base_level], options_.max_bytes_for_level_base);
    }
  }
}

TEST_F(CompactionPickerTest, LargestLevelSetsTheBottomTarget) {
  // Right after a large compaction into level 5 the bottom may be the
  // smaller level; targets follow the largest.
  AddFile(6, "a", "c", 100000);
  AddFile(5, "d", "f", 3000000);
  LevelTargets t = ComputeLevelTargets(*Current(), options_);
  EXPECT_EQ(t.target_bytes[6], 3000000u);
  EXPECT_EQ(t.target_bytes[5], 300000u);
  EXPECT_EQ(t.base_level, 4);
}

TEST_F(CompactionPickerTest, ScoresMeasureEachLevelAgainstItsTarget) {
  AddThreeMillionBytesAtBottom();
  for (int i = 0; i < 6; i++) AddFile(0, "a", "z", 1000);
  AddFile(2, "b0", "b9", 131072);  // above the base: must move down
  AddFile(4, "c0", "c9", 60000);   // twice its target
  AddFile(5, "d0", "d9", 150000);  // half its target
  LevelTargets t = ComputeLevelTargets(*Current(), options_);
  ASSERT_EQ(t.base_level, 4);
  std::array<double, kNumLevels> scores = ComputeScores(*Current(), options_, t);
  EXPECT_DOUBLE_EQ(scores[0], 6.0 / 4.0);
  EXPECT_DOUBLE_EQ(scores[1], 0.0);
  EXPECT_DOUBLE_EQ(scores[2], 1.0 + 131072.0 / 262144.0);
  EXPECT_DOUBLE_EQ(scores[3], 0.0);
  EXPECT_DOUBLE_EQ(scores[4], 2.0);
  EXPECT_DOUBLE_EQ(scores[5], 0.5);
  EXPECT_DOUBLE_EQ(scores[6], 0.0);  // the bottom has nowhere to go
}

TEST_F(CompactionPickerTest, PendingBytesCountEachLevelsExcessTimesFanOut) {
  EXPECT_EQ(EstimatePendingCompactionBytes(*Current(), options_), 0u);
  AddThreeMillionBytesAtBottom();
  EXPECT_EQ(EstimatePendingCompactionBytes(*Current(), options_), 0u);

  // Level 0 below its trigger owes nothing.
  for (int i = 0; i < 3; i++) AddFile(0, "a", "z", 1000);
  AddFile(4, "c0", "c9", 60000);
  EXPECT_EQ(EstimatePendingCompactionBytes(*Current(), options_), (60000u - 30000u) * 11);

  // At its trigger it is merged whole with the base level.
  AddFile(0, "a", "z", 1000);
  uint64_t level0 = 4000 + 60000;
  EXPECT_EQ(EstimatePendingCompactionBytes(*Current(), options_), level0 + (60000u - 30000u) * 11);

  // Data above the base owes all of itself; level 5 under its target
  // nothing.
  AddFile(2, "b0", "b9", 131072);
  AddFile(5, "d0", "d9", 150000);
  EXPECT_EQ(EstimatePendingCompactionBytes(*Current(), options_),
            level0 + (60000u - 30000u) * 11 + 131072u * 11);
}

TEST_F(CompactionPickerTest, NothingToPickBelowEveryTrigger) {
  EXPECT_EQ(Pick(), nullptr);
  AddThreeMillionBytesAtBottom();
  for (int i = 0; i < 3; i++) AddFile(0, "a", "z", 1000);
  AddFile(4, "c0", "c9", 20000);
  AddFile(5, "d0", "d9", 200000);
  EXPECT_EQ(Pick(), nullptr);
}

TEST_F(CompactionPickerTest, LevelZeroGoesWholeToTheBottomOfAnEmptyTree) {
  std::vector<uint64_t> level0;
  for (int i = 0; i < 4; i++) level0.push_back(AddFile(0, "a", "z", 1000));
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->level(), 0);
  EXPECT_EQ(c->output_level(), kNumLevels - 1);
  std::vector<uint64_t> inputs = Numbers(c->inputs(0));
  EXPECT_EQ(std::set<uint64_t>(inputs.begin(), inputs.end()),
            std::set<uint64_t>(level0.begin(), level0.end()));
  EXPECT_TRUE(c->inputs(1).empty());
  EXPECT_FALSE(c->IsTrivialMove(options_)) << "four files are merged, not moved";
}

TEST_F(CompactionPickerTest, LevelZeroGoesToTheBasePastEmptyLevels) {
  AddThreeMillionBytesAtBottom();
  AddFile(5, "d0", "d9", 100000);  // below the base: not a target for level 0
  for (int i = 0; i < 4; i++) AddFile(0, "c0", "c9", 1000);
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->level(), 0);
  EXPECT_EQ(c->output_level(), 4);
}

TEST_F(CompactionPickerTest, LevelZeroGoesToTheFirstNonEmptyLevelAboveTheBase) {
  AddThreeMillionBytesAtBottom();
  uint64_t level2 = AddFile(2, "b0", "b9", 10000);  // score 1.04
  AddFile(3, "b0", "b9", 10000);
  for (int i = 0; i < 8; i++) AddFile(0, "a", "z", 1000);  // score 2
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->level(), 0);
  // Level 1 is empty; level 2 holds older data, which level 0 must not
  // pass over.
  EXPECT_EQ(c->output_level(), 2);
  EXPECT_EQ(Numbers(c->inputs(1)), std::vector<uint64_t>{level2});
}

TEST_F(CompactionPickerTest, SingleLevelZeroFileOverlappingNothingIsMoved) {
  options_.l0_compaction_trigger = 1;
  AddThreeMillionBytesAtBottom();
  uint64_t moved = AddFile(0, "c0", "c9", 1000);
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->output_level(), 4);
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{moved});
  EXPECT_TRUE(c->inputs(1).empty());
  EXPECT_TRUE(c->IsTrivialMove(options_));
}

TEST_F(CompactionPickerTest, HighestScoreFirstAndLevelZeroWinsTies) {
  AddThreeMillionBytesAtBottom();
  AddFile(5, "d0", "d9", 450000);                          // score 1.5
  for (int i = 0; i < 4; i++) AddFile(0, "a", "z", 1000);  // score 1
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->level(), 5);

  for (int i = 0; i < 2; i++) AddFile(0, "a", "z", 1000);  // score 1.5: a tie
  c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->level(), 0);
}

TEST_F(CompactionPickerTest, FileOverlappingNothingBelowIsATrivialMove) {
  AddThreeMillionBytesAtBottom();
  uint64_t f = AddFile(5, "z0", "z9", 400000);  // score 1.33, nothing below
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->level(), 5);
  EXPECT_EQ(c->output_level(), 6);
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{f});
  EXPECT_TRUE(c->inputs(1).empty());
  EXPECT_TRUE(c->IsTrivialMove(options_));
}

TEST_F(CompactionPickerTest, FileOverlappingBelowIsMerged) {
  AddThreeMillionBytesAtBottom();
  uint64_t f = AddFile(5, "g35", "g45", 400000);  // overlaps g3* and g4*
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{f});
  EXPECT_EQ(c->inputs(1).size(), 2u);
  EXPECT_EQ(c->InputBytes(), 400000u + 600000u);
  EXPECT_FALSE(c->IsTrivialMove(options_));
}

TEST_F(CompactionPickerTest, MoveThatWouldOverlapTooMuchTwoLevelsDownIsMerged) {
  AddThreeMillionBytesAtBottom();  // 300,000-byte files; the limit is 655,360
  // Level 4 (target 30,000) over its target, level 5 empty below both.
  uint64_t narrow = AddFile(4, "g15", "g25", 40000);  // grandparents: 600,000
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{narrow});
  EXPECT_EQ(c->grandparents().size(), 2u);
  EXPECT_TRUE(c->IsTrivialMove(options_));

  RemoveFile(4, narrow);
  uint64_t wide = AddFile(4, "g15", "g35", 40000);  // grandparents: 900,000
  c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{wide});
  EXPECT_EQ(c->grandparents().size(), 3u);
  EXPECT_FALSE(c->IsTrivialMove(options_));
}

// Level 5 over its target (450,000 of 300,000) with three equal files whose
// overlap below differs: B's is smallest.
class PickLevelTest : public CompactionPickerTest {
 protected:
  void SetUp() override {
    a_below_ = AddFile(6, "a0", "a9", 1000000);
    b_below_ = AddFile(6, "m0", "m9", 100000);
    c_below_ = AddFile(6, "x0", "x9", 1900000);
    a_ = AddFile(5, "a3", "a5", 150000);
    b_ = AddFile(5, "m3", "m5", 150000);
    c_ = AddFile(5, "x3", "x5", 150000);
  }
  uint64_t a_below_, b_below_, c_below_, a_, b_, c_;
};

TEST_F(PickLevelTest, PrefersTheFileWithTheLeastOverlapBelow) {
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->level(), 5);
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{b_});
  EXPECT_EQ(Numbers(c->inputs(1)), std::vector<uint64_t>{b_below_});
  std::vector<uint64_t> inputs = c->InputNumbers();
  EXPECT_EQ(std::set<uint64_t>(inputs.begin(), inputs.end()), (std::set<uint64_t>{b_, b_below_}));
}

TEST_F(PickLevelTest, OverlapIsWeighedAgainstTheFilesOwnSize) {
  // A's overlap (1,000,000 below) for 2,000,000 bytes moves more data per
  // byte rewritten than B's 100,000 for 150,000.
  RemoveFile(5, a_);
  uint64_t big = AddFile(5, "a3", "a5", 2000000);
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{big});
}

TEST_F(PickLevelTest, SkipsFilesThatRunningCompactionsUse) {
  {
    RunningCompactions running;
    running.Add(Manual(5, 6, "m3", "m5"));  // B and the file below it
    std::unique_ptr<Compaction> c = Pick(running.get());
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{a_}) << "the next best";
  }
  {
    RunningCompactions running;
    running.Add(Manual(6, 6, "m0", "m9"));  // only the file below B
    std::unique_ptr<Compaction> c = Pick(running.get());
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{a_});
  }
  {
    RunningCompactions running;
    running.Add(Manual(5, 6, "m3", "m5"));
    running.Add(Manual(6, 6, "a0", "a9"));
    std::unique_ptr<Compaction> c = Pick(running.get());
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{c_});
  }
  {
    RunningCompactions running;
    running.Add(Manual(5, 6, "a3", "a5"));
    running.Add(Manual(5, 6, "m3", "m5"));
    running.Add(Manual(5, 6, "x3", "x5"));
    EXPECT_EQ(Pick(running.get()), nullptr);
  }
  {
    RunningCompactions running;
    running.Add(Manual(6, 6, "a0", "z"));  // every file below
    EXPECT_EQ(Pick(running.get()), nullptr);
  }
}

// D overlaps nothing below: the best choice, a move into the gap between
// the bottom files of B and C. A running bottom-level compaction of those two
// files writes over the gap, and one of its outputs could overlap D's.
class OutputRangeTest : public PickLevelTest {
 protected:
  void SetUp() override {
    PickLevelTest::SetUp();
    d_ = AddFile(5, "n3", "n5", 150000);
  }
  uint64_t d_;
};

TEST_F(OutputRangeTest, NothingRunningPicksTheMoveIntoTheGap) {
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{d_});
}

TEST_F(OutputRangeTest, ManualCompactionIntoARunningCompactionsRangeConflicts) {
  RunningCompactions running;
  running.Add(Manual(6, 6, "m0", "x9"));
  bool conflict = false;
  std::string_view begin = "n", end = "n9";
  EXPECT_EQ(PickRange(5, 6, &begin, &end, &conflict, running.get()), nullptr);
  EXPECT_TRUE(conflict);
}

TEST_F(OutputRangeTest, PickPassesOverTheFileForTheNextBest) {
  RunningCompactions running;
  running.Add(Manual(6, 6, "m0", "x9"));
  // B and C have busy files below; D would write into the running range;
  // A is free, and level 5 is still over its target.
  std::unique_ptr<Compaction> c = Pick(running.get());
  ASSERT_NE(c, nullptr) << "a free compaction of level 5 remains";
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{a_});
}

TEST_F(PickLevelTest, RunningLevelZeroCompactionBlocksLevelZeroButNotOtherLevels) {
  for (int i = 0; i < 8; i++) AddFile(0, "a", "z", 1000);  // score 2
  std::unique_ptr<Compaction> c = Pick();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->level(), 0);
  EXPECT_EQ(c->output_level(), 4);

  // Level 0 is merged whole, so a compaction of it blocks the next one;
  // level 5, writing elsewhere, is next.
  RunningCompactions running;
  running.Add(Manual(0, 4, nullptr, nullptr));
  c = Pick(running.get());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->level(), 5);
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{b_});
}

TEST_F(PickLevelTest, PickRangeTakesTheFilesInRangeAndWhatTheyOverlap) {
  bool conflict = true;
  std::string_view begin = "m", end = "n";
  std::unique_ptr<Compaction> c = PickRange(5, 6, &begin, &end, &conflict);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(conflict);
  EXPECT_EQ(c->level(), 5);
  EXPECT_EQ(c->output_level(), 6);
  EXPECT_EQ(Numbers(c->inputs(0)), std::vector<uint64_t>{b_});
  EXPECT_EQ(Numbers(c->inputs(1)), std::vector<uint64_t>{b_below_});

  // Unbounded: every file of the level.
  c = PickRange(5, 6, nullptr, nullptr, &conflict);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Numbers(c->inputs(0)), (std::vector<uint64_t>{a_, b_, c_}));
  EXPECT_EQ(c->inputs(1).size(), 3u);

  // One-sided bounds.
  c = PickRange(5, 6, &begin, nullptr, &conflict);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Numbers(c->inputs(0)), (std::vector<uint64_t>{b_, c_}));
  c = PickRange(5, 6, nullptr, &end, &conflict);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Numbers(c->inputs(0)), (std::vector<uint64_t>{a_, b_}));
}

TEST_F(PickLevelTest, PickRangeReportsNothingAndConflicts) {
  bool conflict = true;
  std::string_view begin = "n", end = "o";
  EXPECT_EQ(PickRange(5, 6, &begin, &end, &conflict), nullptr);
  EXPECT_FALSE(conflict);

  begin = "m4";
  end = "m4";
  {
    RunningCompactions running;
    running.Add(Manual(6, 6, "m0", "m9"));
    EXPECT_EQ(PickRange(5, 6, &begin, &end, &conflict, running.get()), nullptr);
    EXPECT_TRUE(conflict);
  }
  {
    RunningCompactions running;
    running.Add(Manual(5, 6, "m3", "m5"));
    EXPECT_EQ(PickRange(5, 6, &begin, &end, &conflict, running.get()), nullptr);
    EXPECT_TRUE(conflict);
  }
  {
    // Compactions elsewhere do not matter.
    RunningCompactions running;
    running.Add(Manual(5, 6, "a3", "a5"));
    running.Add(Manual(6, 6, "x0", "x9"));
    EXPECT_NE(PickRange(5, 6, &begin, &end, &conflict, running.get()), nullptr);
    EXPECT_FALSE(conflict);
  }
}

TEST_F(CompactionPickerTest, ManualCompactionIsNeverATrivialMove) {
  AddThreeMillionBytesAtBottom();
  AddFile(5, "z0", "z9", 1000);
  bool conflict;
  std::unique_ptr<Compaction> c = PickRange(5, 6, nullptr, nullptr, &conflict);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->inputs(1).empty());
  EXPECT_FALSE(c->IsTrivialMove(options_)) << "a manual compaction rewrites to drop tombstones";
}

TEST_F(CompactionPickerTest, PickRangeOnLevelZeroTakesEveryFileOrNone) {
  std::vector<uint64_t> level0 = {AddFile(0, "a", "c", 1000), AddFile(0, "x", "z", 1000)};
  bool conflict;
  std::string_view begin = "b", end = "b";
  std::unique_ptr<Compaction> c = PickRange(0, 6, &begin, &end, &conflict);
  ASSERT_NE(c, nullptr);
  std::vector<uint64_t> inputs = Numbers(c->inputs(0));
  // Level-0 files overlap one another: all or none, never a subset that
  // could put older data above newer.
  EXPECT_EQ(std::set<uint64_t>(inputs.begin(), inputs.end()),
            std::set<uint64_t>(level0.begin(), level0.end()));

  begin = "m";
  end = "n";
  EXPECT_EQ(PickRange(0, 6, &begin, &end, &conflict), nullptr);
  EXPECT_FALSE(conflict);
}

TEST_F(CompactionPickerTest, BottommostForKeyLooksOnlyBelowTheOutputLevel) {
  AddFile(3, "a", "z", 1000);
  AddFile(4, "h", "h", 1000);  // the output level: irrelevant
  AddFile(5, "d", "f", 1000);
  AddFile(5, "m", "p", 1000);
  AddFile(6, "e", "g", 1000);
  AddFile(6, "s", "t", 1000);
  bool conflict;
  std::unique_ptr<Compaction> c = PickRange(3, 4, nullptr, nullptr, &conflict);
  ASSERT_NE(c, nullptr);
  struct Probe {
    const char* key;
    bool bottommost;
  };
  const Probe probes[] = {{"a", true},  {"d", false}, {"e", false}, {"f", false},
                          {"g", false}, {"h", true},  {"m", false}, {"p", false},
                          {"q", true},  {"s", false}, {"t", false}, {"u", true}};
  for (const Probe& p : probes) EXPECT_EQ(c->IsBottommostForKey(p.key), p.bottommost) << p.key;
}

TEST_F(CompactionPickerTest, BottommostForKeyIsTrueAtTheBottom) {
  AddFile(5, "a", "z", 1000);
  AddFile(6, "a", "z", 1000);
  bool conflict;
  std::unique_ptr<Compaction> c = PickRange(5, 6, nullptr, nullptr, &conflict);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->IsBottommostForKey("a"));
  EXPECT_TRUE(c->IsBottommostForKey("m"));
}

// Level 4 compacting into 5 over four 100,000-byte grandparents in level 6.
class ShouldStopBeforeTest : public CompactionPickerTest {
 protected:
  void SetUp() override {
    AddFile(4, "a", "z", 1000);
    for (const char* range : {"bc", "ef", "hi", "kl"}) {
      AddFile(6, std::string(1, range[0]), std::string(1, range[1]), 100000);
    }
    bool conflict;
    c_ = PickRange(4, 5, nullptr, nullptr, &conflict);
    ASSERT_NE(c_, nullptr);
    ASSERT_EQ(c_->grandparents().size(), 4u);
  }
  std::unique_ptr<Compaction> c_;
};

TEST_F(ShouldStopBeforeTest, StopsOnceTheOutputOverlapsTooMuch) {
  const uint64_t limit = 150000;
  EXPECT_FALSE(c_->ShouldStopBefore(IKey("a"), limit));
  EXPECT_FALSE(c_->ShouldStopBefore(IKey("d"), limit));  // past b..c: 100,000
  EXPECT_TRUE(c_->ShouldStopBefore(IKey("g"), limit));   // past e..f: 200,000
  // The count restarts with the next output.
  EXPECT_FALSE(c_->ShouldStopBefore(IKey("j"), limit));  // past h..i: 100,000
  EXPECT_FALSE(c_->ShouldStopBefore(IKey("j2"), limit));
  EXPECT_TRUE(c_->ShouldStopBefore(IKey("m"), limit));  // past k..l: 200,000
  EXPECT_FALSE(c_->ShouldStopBefore(IKey("n"), limit));
}

TEST_F(ShouldStopBeforeTest, GrandparentsBeforeTheFirstKeyDoNotCount) {
  const uint64_t limit = 150000;
  EXPECT_FALSE(c_->ShouldStopBefore(IKey("j"), limit));  // skips three unseen
  EXPECT_FALSE(c_->ShouldStopBefore(IKey("m"), limit));  // past k..l: 100,000
}

TEST_F(ShouldStopBeforeTest, KeysInsideOneGrandparentNeverStop) {
  for (const char* key : {"e", "e1", "e2", "e5", "f"}) {
    EXPECT_FALSE(c_->ShouldStopBefore(IKey(key), 0)) << key;
  }
  EXPECT_TRUE(c_->ShouldStopBefore(IKey("g"), 0));
}

TEST_F(CompactionPickerTest, InputDeletionsNameEveryInputAtItsLevel) {
  uint64_t upper = AddFile(5, "a", "m", 1000);
  uint64_t lower1 = AddFile(6, "a", "c", 1000);
  uint64_t lower2 = AddFile(6, "k", "z", 1000);
  bool conflict;
  std::unique_ptr<Compaction> c = PickRange(5, 6, nullptr, nullptr, &conflict);
  ASSERT_NE(c, nullptr);
  VersionEdit edit;
  c->AddInputDeletions(&edit);
  EXPECT_EQ(edit.deleted_files(),
            (std::set<std::pair<int, uint64_t>>{{5, upper}, {6, lower1}, {6, lower2}}));
}

}  // namespace
}  // namespace strata
