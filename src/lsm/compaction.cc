// Level targets, scores and the compaction picker; see compaction.h.

#include "lsm/compaction.h"

#include <algorithm>
#include <limits>

#include "lsm/level_iterator.h"

namespace strata {
namespace {

constexpr int kLevelMultiplier = 10;

// An output file stops early once it overlaps this many target file sizes in
// the level below its output: otherwise compacting it later would rewrite
// too much at once.
constexpr uint64_t kMaxGrandparentOverlapFiles = 10;

uint64_t TotalBytes(const FileList& files) {
  uint64_t sum = 0;
  for (const auto& f : files) sum += f->file_size;
  return sum;
}

// The user-key range [*smallest, *largest] covered by files (non-empty).
void UserKeyRange(const InternalKeyComparator& comparator, const FileList& files,
                  std::string_view* smallest, std::string_view* largest) {
  *smallest = ExtractUserKey(files.front()->smallest);
  *largest = ExtractUserKey(files.front()->largest);
  for (const auto& f : files) {
    std::string_view s = ExtractUserKey(f->smallest);
    std::string_view l = ExtractUserKey(f->largest);
    if (comparator.CompareUserKeys(s, *smallest) < 0) *smallest = s;
    if (comparator.CompareUserKeys(l, *largest) > 0) *largest = l;
  }
}

}  // namespace

LevelTargets ComputeLevelTargets(const Version& version, const Options& options) {
  LevelTargets t;
  uint64_t largest = 0;
  for (int level = 1; level < kNumLevels; level++) {
    largest = std::max(largest, version.LevelBytes(level));
  }
  // Walk up from the bottom, dividing by the multiplier, until a target is
  // at most max_bytes_for_level_base: that level is the base.
  uint64_t target = std::max(largest, options.max_bytes_for_level_base);
  int level = kNumLevels - 1;
  t.target_bytes[level] = target;
  while (level > 1 && target > options.max_bytes_for_level_base) {
    target /= kLevelMultiplier;
    level--;
    t.target_bytes[level] = std::max<uint64_t>(target, 1);
  }
  t.base_level = level;
  return t;
}

std::array<double, kNumLevels> ComputeScores(const Version& version, const Options& options,
                                             const LevelTargets& targets) {
  std::array<double, kNumLevels> scores{};
  scores[0] = static_cast<double>(version.NumFiles(0)) / options.l0_compaction_trigger;
  for (int level = 1; level < kNumLevels - 1; level++) {
    uint64_t bytes = version.LevelBytes(level);
    if (level < targets.base_level) {
      // Data above the base (left when the database shrank) moves down.
      scores[level] = bytes > 0 ? 1.0 + static_cast<double>(bytes) /
                                            static_cast<double>(options.max_bytes_for_level_base)
                                : 0.0;
    } else {
      scores[level] = static_cast<double>(bytes) / static_cast<double>(targets.target_bytes[level]);
    }
  }
  // The bottom level has nowhere to go.
  scores[kNumLevels - 1] = 0.0;
  return scores;
}

uint64_t EstimatePendingCompactionBytes(const Version& version, const Options& options) {
  LevelTargets targets = ComputeLevelTargets(version, options);
  uint64_t pending = 0;
  // Level 0 over its trigger is merged whole into the base level.
  if (version.NumFiles(0) >= options.l0_compaction_trigger) {
    pending += version.LevelBytes(0) + version.LevelBytes(targets.base_level);
  }
  for (int level = 1; level < kNumLevels - 1; level++) {
    uint64_t bytes = version.LevelBytes(level);
    uint64_t target = level < targets.base_level ? 0 : targets.target_bytes[level];
    if (bytes > target) pending += (bytes - target) * (kLevelMultiplier + 1);
  }
  return pending;
}

uint64_t Compaction::InputBytes() const { return TotalBytes(inputs_[0]) + TotalBytes(inputs_[1]); }

bool Compaction::IsFullCompaction() const {
  size_t total = 0;
  for (int level = 0; level < kNumLevels; level++) total += input_version_->NumFiles(level);
  return inputs_[0].size() + inputs_[1].size() == total;
}

bool Compaction::IsTrivialMove(const Options& options) const {
  if (manual_ || inputs_[0].empty() || !inputs_[1].empty() ||
      TotalBytes(grandparents_) > kMaxGrandparentOverlapFiles * options.target_file_size) {
    return false;
  }
  // Several inputs (level 0's) can sit side by side in the output level as
  // they are only if no two share a user key: the case of keys written in
  // order, where each flush holds a range of its own.
  FileList files = inputs_[0];
  const InternalKeyComparator& comparator = input_version_->comparator();
  std::sort(files.begin(), files.end(), [&](const auto& a, const auto& b) {
    return comparator.Compare(a->smallest, b->smallest) < 0;
  });
  for (size_t i = 1; i < files.size(); i++) {
    if (comparator.CompareUserKeys(ExtractUserKey(files[i - 1]->largest),
                                   ExtractUserKey(files[i]->smallest)) >= 0) {
      return false;
    }
  }
  return true;
}

bool Compaction::IsBottommostForKey(std::string_view user_key) {
  const InternalKeyComparator& comparator = input_version_->comparator();
  for (int level = output_level_ + 1; level < kNumLevels; level++) {
    const FileList& files = input_version_->files(level);
    size_t& i = level_ptrs_[level];
    while (i < files.size()) {
      const FileMetaData& f = *files[i];
      if (comparator.CompareUserKeys(user_key, ExtractUserKey(f.largest)) <= 0) {
        if (comparator.CompareUserKeys(user_key, ExtractUserKey(f.smallest)) >= 0) return false;
        break;
      }
      i++;  // keys only grow, so this file is behind us for good
    }
  }
  return true;
}

bool Compaction::ShouldStopBefore(std::string_view internal_key, uint64_t max_grandparent_overlap) {
  while (grandparent_index_ < grandparents_.size() &&
         input_version_->comparator().Compare(internal_key,
                                              grandparents_[grandparent_index_]->largest) > 0) {
    if (seen_key_) overlapped_bytes_ += grandparents_[grandparent_index_]->file_size;
    grandparent_index_++;
  }
  seen_key_ = true;
  if (overlapped_bytes_ > max_grandparent_overlap) {
    overlapped_bytes_ = 0;
    return true;
  }
  return false;
}

void Compaction::AddInputDeletions(VersionEdit* edit) const {
  for (const auto& f : inputs_[0]) edit->RemoveFile(level_, f->number);
  for (const auto& f : inputs_[1]) edit->RemoveFile(output_level_, f->number);
}

std::vector<uint64_t> Compaction::InputNumbers() const {
  std::vector<uint64_t> numbers;
  for (const auto& list : inputs_) {
    for (const auto& f : list) numbers.push_back(f->number);
  }
  return numbers;
}

void CompactionsInProgress::Add(const Compaction* c) {
  for (uint64_t number : c->InputNumbers()) files_.insert(number);
  running_.push_back(c);
}

void CompactionsInProgress::Remove(const Compaction* c) {
  for (uint64_t number : c->InputNumbers()) files_.erase(number);
  running_.erase(std::find(running_.begin(), running_.end(), c));
}

bool CompactionsInProgress::Conflicts(const Compaction& c) const {
  for (uint64_t number : c.InputNumbers()) {
    if (IsBusy(number)) return true;
  }
  const InternalKeyComparator& comparator = c.input_version().comparator();
  for (const Compaction* r : running_) {
    if (r->output_level() == c.output_level() &&
        comparator.CompareUserKeys(r->smallest_user_key(), c.largest_user_key()) <= 0 &&
        comparator.CompareUserKeys(c.smallest_user_key(), r->largest_user_key()) <= 0) {
      return true;
    }
  }
  return false;
}

bool CompactionPicker::Complete(Compaction* c, const CompactionsInProgress& busy) const {
  std::string_view smallest, largest;
  const InternalKeyComparator& comparator = c->input_version_->comparator();
  UserKeyRange(comparator, c->inputs_[0], &smallest, &largest);
  if (c->output_level_ != c->level_) {
    c->inputs_[1] = c->input_version_->OverlappingFiles(c->output_level_, &smallest, &largest);
  }
  if (!c->inputs_[1].empty()) {
    FileList all = c->inputs_[0];
    all.insert(all.end(), c->inputs_[1].begin(), c->inputs_[1].end());
    UserKeyRange(comparator, all, &smallest, &largest);
  }
  c->smallest_user_key_.assign(smallest);
  c->largest_user_key_.assign(largest);
  if (busy.Conflicts(*c)) return false;
  if (c->output_level_ + 1 < kNumLevels) {
    c->grandparents_ =
        c->input_version_->OverlappingFiles(c->output_level_ + 1, &smallest, &largest);
  }
  return true;
}

std::unique_ptr<Compaction> CompactionPicker::PickLevel0(std::shared_ptr<const Version> version,
                                                         int output_level,
                                                         const CompactionsInProgress& busy) const {
  // Level-0 files overlap one another, so they are merged all at once: any
  // subset could leave an older version below a newer one.
  auto c = std::make_unique<Compaction>(version, 0, output_level);
  c->inputs_[0] = version->files(0);
  if (!Complete(c.get(), busy)) return nullptr;
  return c;
}

std::unique_ptr<Compaction> CompactionPicker::PickLevel(std::shared_ptr<const Version> version,
                                                        int level,
                                                        const CompactionsInProgress& busy) const {
  const FileList& files = version->files(level);
  const FileList& below = version->files(level + 1);
  const InternalKeyComparator& comparator = version->comparator();
  // Every free file, by how much it overlaps below per byte of its own.
  std::vector<std::pair<double, std::shared_ptr<const FileMetaData>>> candidates;
  for (const auto& f : files) {
    if (busy.IsBusy(f->number)) continue;
    // The files below overlapping f are consecutive; sum them in one walk.
    uint64_t overlap = 0;
    for (size_t i = FindFile(comparator, below, f->smallest); i < below.size(); i++) {
      const FileMetaData& g = *below[i];
      if (comparator.CompareUserKeys(ExtractUserKey(g.smallest), ExtractUserKey(f->largest)) > 0)
        break;
      overlap += g.file_size;
    }
    candidates.emplace_back(static_cast<double>(overlap) / static_cast<double>(f->file_size + 1),
                            f);
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  // The best one that conflicts with no running compaction: one blocked
  // file must not hold up the whole level.
  for (const auto& [ratio, f] : candidates) {
    auto c = std::make_unique<Compaction>(version, level, level + 1);
    c->inputs_[0].push_back(f);
    if (Complete(c.get(), busy)) return c;
  }
  return nullptr;
}

std::unique_ptr<Compaction> CompactionPicker::Pick(std::shared_ptr<const Version> version,
                                                   const CompactionsInProgress& busy) const {
  LevelTargets targets = ComputeLevelTargets(*version, options_);
  std::array<double, kNumLevels> scores = ComputeScores(*version, options_, targets);
  std::array<int, kNumLevels> order;
  for (int i = 0; i < kNumLevels; i++) order[i] = i;
  // Most urgent first; level 0 wins ties, as it is what stalls writes.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  for (int level : order) {
    if (scores[level] < 1.0) break;
    std::unique_ptr<Compaction> c;
    if (level == 0) {
      c = PickLevel0(version, Level0Output(*version, targets), busy);
    } else {
      c = PickLevel(version, level, busy);
    }
    if (c != nullptr) return c;
  }
  return nullptr;
}

std::unique_ptr<Compaction> CompactionPicker::PickIdle(std::shared_ptr<const Version> version,
                                                       const CompactionsInProgress& busy,
                                                       uint64_t max_input_bytes,
                                                       uint64_t* cost) const {
  *cost = 0;
  for (int level = 0; level < kNumLevels - 1; level++) {
    if (version->NumFiles(level) == 0) continue;
    // The shallowest level with data goes first: moving a deeper one first
    // would only have the shallower one rewrite it again.
    std::unique_ptr<Compaction> c =
        level == 0
            ? PickLevel0(version, Level0Output(*version, ComputeLevelTargets(*version, options_)),
                         busy)
            : PickLevel(version, level, busy);
    if (c == nullptr) return nullptr;
    // A move rewrites nothing: it costs none of the budget.
    const uint64_t input = c->IsTrivialMove(options_) ? 0 : c->InputBytes();
    if (input > max_input_bytes) return nullptr;
    *cost = input;
    return c;
  }
  return nullptr;
}

int CompactionPicker::Level0Output(const Version& version, const LevelTargets& targets) {
  // Into the base level, or a level above it that still holds data (left
  // when the database shrank): a non-empty level is never skipped, or
  // newer data would land below older.
  int output = 1;
  while (output < targets.base_level && version.NumFiles(output) == 0) output++;
  return output;
}

std::unique_ptr<Compaction> CompactionPicker::PickForReads(std::shared_ptr<const Version> version,
                                                           const ReadCompactionTarget& target,
                                                           const CompactionsInProgress& busy,
                                                           bool* stale) const {
  *stale = true;
  if (target.level < 0 || target.level >= kNumLevels - 1) return nullptr;
  const FileList& files = version->files(target.level);
  auto it = std::find_if(files.begin(), files.end(),
                         [&](const auto& f) { return f->number == target.number; });
  if (it == files.end() || busy.IsBusy(target.number)) return nullptr;  // being compacted away
  *stale = false;
  std::unique_ptr<Compaction> c;
  if (target.level == 0) {
    c = PickLevel0(version, Level0Output(*version, ComputeLevelTargets(*version, options_)), busy);
  } else {
    c = std::make_unique<Compaction>(version, target.level, target.level + 1);
    c->inputs_[0].push_back(*it);
    if (!Complete(c.get(), busy)) c = nullptr;
  }
  return c;
}

std::unique_ptr<Compaction> CompactionPicker::PickRange(std::shared_ptr<const Version> version,
                                                        int level, int output_level,
                                                        const std::string_view* begin,
                                                        const std::string_view* end,
                                                        const CompactionsInProgress& busy,
                                                        bool* conflict) const {
  *conflict = false;
  FileList files = level == 0 ? version->files(0) : version->OverlappingFiles(level, begin, end);
  if (level == 0 && version->OverlappingFiles(0, begin, end).empty()) files.clear();
  if (files.empty()) return nullptr;
  auto c = std::make_unique<Compaction>(version, level, output_level);
  c->manual_ = true;
  c->inputs_[0] = std::move(files);
  if (!Complete(c.get(), busy)) {
    *conflict = true;
    return nullptr;
  }
  return c;
}

void ReadCompactionQueue::Add(const ReadCompactionTarget& target) {
  for (const auto& queued : targets_) {
    if (queued.number == target.number) return;
  }
  targets_.push_back(target);
}

std::unique_ptr<Compaction> ReadCompactionQueue::Pick(const CompactionPicker& picker,
                                                      const std::shared_ptr<const Version>& version,
                                                      const CompactionsInProgress& busy,
                                                      bool consume) {
  for (auto it = targets_.begin(); it != targets_.end();) {
    bool stale = false;
    std::unique_ptr<Compaction> c = picker.PickForReads(version, *it, busy, &stale);
    if (c != nullptr) {
      if (consume) targets_.erase(it);
      return c;
    }
    if (stale && consume) {
      it = targets_.erase(it);
    } else {
      ++it;
    }
  }
  return nullptr;
}

}  // namespace strata
