// The compaction picker and Compaction, data-driven: each file
// tests/lsm/testdata/compaction_picker_* describes trees of files (built in
// memory with a VersionBuilder, no MANIFEST needed) and what the picker must
// make of them. The table files named there do not exist: the picker reads
// only their metadata (number, size, key range), never their contents.
//
// Commands (see datadriven.h for the file format):
//   define [trigger=N] [target_file_size=N] [level_base=N]
//       One file per input line, "L<level> #<number> <smallest>..<largest>
//       <size>" (user keys); deeper levels get older sequence numbers, as in
//       a real tree. Options not given are the small sizes the DB tests use:
//       trigger 4, target_file_size 65536, level_base 262144.
//       Prints each non-empty level's files in the version's order.
//   targets            ComputeLevelTargets: the base level, each target.
//   scores             ComputeScores, per level.
//   pending-bytes      EstimatePendingCompactionBytes.
//   pick               CompactionPicker::Pick.
//   pick-range L<from> L<to> [begin=K] [end=K]
//                      CompactionPicker::PickRange ("conflict" if it says so).
//       For both, input lines "compacting L<from> -> L<to> <begin>..<end>"
//       ("*" for unbounded) stand for compactions other threads run: each is
//       a PickRange of the version, registered in CompactionsInProgress.
//   bottommost L<from> L<to>
//       Compaction::IsBottommostForKey of the whole of L<from> compacted into
//       L<to>, for each key of the input line, in order.
//   should-stop-before L<from> L<to> limit=N
//       Compaction::ShouldStopBefore for each input line's key, in order.
//   input-deletions L<from> L<to>
//       Compaction::AddInputDeletions of the whole of L<from> into L<to>.
//   read-sample [times=N]
//       Version::RecordReadSample of each input line's user key, N times
//       (default 1): which file each sample charged ("-": none) and, when
//       one used a budget up, "due L<level> #<number>"; then every file's
//       budget left. A defined file of any size gets ReadBudget's minimum
//       (100) unless it is over 1.6 MB.
//   pick-for-reads L<level> #<number>
//       CompactionPicker::PickForReads of that file (with "compacting" lines
//       as for pick): the compaction, or "nothing" and whether the target is
//       stale.
//   pick-idle max=N    CompactionPicker::PickIdle with max_input_bytes N
//       (with "compacting" lines as for pick).
//   queue-add L<level> #<number> ...
//       ReadCompactionQueue::Add of each target, in order; prints the queue.
//       The queue outlives define, so a tree may change under its targets.
//   queue-pick [peek]
//       ReadCompactionQueue::Pick (with "compacting" lines as for pick),
//       consuming unless peek: the compaction or "nothing", then the queue.

#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "datadriven.h"
#include "lsm/compaction.h"
#include "lsm/version_edit.h"
#include "lsm/version_set.h"
#include "strata/options.h"
#include "util/internal_key.h"

namespace strata {
namespace {

class PickerRunner {
 public:
  std::string Run(const test::DataCase& c) {
    if (c.command == "define") return Define(c);
    if (version_ == nullptr) return "error: define a tree first\n";
    if (c.command == "targets") return Targets();
    if (c.command == "scores") return Scores();
    if (c.command == "pending-bytes") {
      return std::to_string(EstimatePendingCompactionBytes(*version_, options_)) + "\n";
    }
    if (c.command == "pick") return Pick(c);
    if (c.command == "pick-range") return PickRangeCommand(c);
    if (c.command == "pick-idle") return PickIdle(c);
    if (c.command == "bottommost") return Bottommost(c);
    if (c.command == "should-stop-before") return ShouldStopBefore(c);
    if (c.command == "input-deletions") return InputDeletions(c);
    if (c.command == "read-sample") return ReadSample(c);
    if (c.command == "pick-for-reads") return PickForReads(c);
    if (c.command == "queue-add") return QueueAdd(c);
    if (c.command == "queue-pick") return QueuePick(c);
    return "error: unknown command " + c.command + "\n";
  }

 private:
  static uint64_t Number(const std::map<std::string, std::string>& args, const std::string& key,
                         uint64_t default_value) {
    auto it = args.find(key);
    return it == args.end() ? default_value : std::stoull(it->second);
  }

  // "L5" -> 5.
  static int Level(const std::string& word) { return std::stoi(word.substr(1)); }

  std::string Define(const test::DataCase& c) {
    options_ = Options();
    options_.l0_compaction_trigger = static_cast<int>(Number(c.args, "trigger", 4));
    options_.target_file_size = Number(c.args, "target_file_size", 64 << 10);
    options_.max_bytes_for_level_base = Number(c.args, "level_base", 256 << 10);
    VersionBuilder builder(BytewiseComparator());
    for (const std::string& line : c.input) {
      std::istringstream words(line);
      std::string level_word, number_word, range;
      FileMetaData f;
      words >> level_word >> number_word >> range >> f.file_size;
      const size_t dots = range.find("..");
      if (words.fail() || level_word[0] != 'L' || number_word[0] != '#' ||
          dots == std::string::npos) {
        return "error: bad file line: " + line + "\n";
      }
      const int level = Level(level_word);
      f.number = std::stoull(number_word.substr(1));
      const SequenceNumber seq = 1000000 * static_cast<uint64_t>(kNumLevels - level) + f.number;
      f.smallest = MakeInternalKey(range.substr(0, dots), seq, kTypeValue);
      f.largest = MakeInternalKey(range.substr(dots + 2), seq, kTypeValue);
      builder.AddFile(level, f);
    }
    version_ = builder.Build();
    std::string out;
    for (int level = 0; level < kNumLevels; level++) {
      if (version_->NumFiles(level) == 0) continue;
      out += "L" + std::to_string(level) + ":" + Numbers(version_->files(level)) + "\n";
    }
    return out.empty() ? "empty\n" : out;
  }

  std::string Targets() const {
    LevelTargets t = ComputeLevelTargets(*version_, options_);
    std::string out = "base level: " + std::to_string(t.base_level) + "\n";
    for (int level = 1; level < kNumLevels; level++) {
      out += "L" + std::to_string(level) + ": " + std::to_string(t.target_bytes[level]) + "\n";
    }
    return out;
  }

  std::string Scores() const {
    auto scores = ComputeScores(*version_, options_, ComputeLevelTargets(*version_, options_));
    std::string out;
    for (int level = 0; level < kNumLevels; level++) {
      out += "L" + std::to_string(level) + ": " + Double(scores[level]) + "\n";
    }
    return out;
  }

  static std::string Double(double d) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", d);
    return buf;
  }

  static std::string Numbers(const FileList& files) {
    std::string out;
    for (const auto& f : files) out += " #" + std::to_string(f->number);
    return out.empty() ? " -" : out;
  }

  std::string Describe(const Compaction& c, bool with_score) const {
    std::string out = "L" + std::to_string(c.level()) + " -> L" + std::to_string(c.output_level());
    if (with_score) {
      auto scores = ComputeScores(*version_, options_, ComputeLevelTargets(*version_, options_));
      out += " (score " + Double(scores[c.level()]) + ")";
    }
    out += "\ninputs:" + Numbers(c.inputs(0)) + " |" + Numbers(c.inputs(1)) + "\n";
    // InputNumbers (what gets marked busy) must name exactly the inputs.
    std::vector<uint64_t> expected;
    for (int which = 0; which < 2; which++) {
      for (const auto& f : c.inputs(which)) expected.push_back(f->number);
    }
    std::vector<uint64_t> numbers = c.InputNumbers();
    std::sort(expected.begin(), expected.end());
    std::sort(numbers.begin(), numbers.end());
    if (numbers != expected) out += "error: InputNumbers names other files\n";
    out += "grandparents:" + Numbers(c.grandparents()) + "\n";
    out += "input bytes: " + std::to_string(c.InputBytes()) + "\n";
    out += std::string("trivial move: ") + (c.IsTrivialMove(options_) ? "yes" : "no") + "\n";
    return out;
  }

  // PickRange of the current version; `begin` and `end` are user keys, "*"
  // or absent for unbounded.
  std::unique_ptr<Compaction> Range(int level, int output_level, const std::string& begin,
                                    const std::string& end, const CompactionsInProgress& busy,
                                    bool* conflict) const {
    std::string_view b = begin, e = end;
    CompactionPicker picker(options_);
    return picker.PickRange(version_, level, output_level,
                            begin.empty() || begin == "*" ? nullptr : &b,
                            end.empty() || end == "*" ? nullptr : &e, busy, conflict);
  }

  // Registers the running compactions the input lines describe.
  bool AddRunning(const test::DataCase& c, std::string* error) {
    for (const std::string& line : c.input) {
      std::istringstream words(line);
      std::string verb, from, arrow, to, range;
      words >> verb >> from >> arrow >> to >> range;
      const size_t dots = range.find("..");
      if (words.fail() || verb != "compacting" || arrow != "->" || dots == std::string::npos) {
        *error = "error: bad running compaction: " + line + "\n";
        return false;
      }
      bool conflict = false;
      std::unique_ptr<Compaction> running = Range(Level(from), Level(to), range.substr(0, dots),
                                                  range.substr(dots + 2), in_progress_, &conflict);
      if (running == nullptr) {
        *error = "error: cannot run " + line + (conflict ? " (conflict)\n" : " (no files)\n");
        return false;
      }
      in_progress_.Add(running.get());
      running_.push_back(std::move(running));
    }
    return true;
  }

  void ClearRunning() {
    for (const auto& c : running_) in_progress_.Remove(c.get());
    running_.clear();
  }

  std::string Pick(const test::DataCase& c) {
    std::string error;
    if (!AddRunning(c, &error)) {
      ClearRunning();
      return error;
    }
    CompactionPicker picker(options_);
    std::unique_ptr<Compaction> picked = picker.Pick(version_, in_progress_);
    ClearRunning();
    return picked == nullptr ? "nothing\n" : Describe(*picked, true);
  }

  std::string PickIdle(const test::DataCase& c) {
    if (c.args.count("max") == 0) return "error: pick-idle max=N\n";
    std::string error;
    if (!AddRunning(c, &error)) {
      ClearRunning();
      return error;
    }
    CompactionPicker picker(options_);
    uint64_t cost = 0;
    std::unique_ptr<Compaction> picked =
        picker.PickIdle(version_, in_progress_, Number(c.args, "max", 0), &cost);
    ClearRunning();
    if (picked == nullptr) return "nothing\n";
    return Describe(*picked, false) + "budget used: " + std::to_string(cost) + "\n";
  }

  std::string PickRangeCommand(const test::DataCase& c) {
    if (c.positional.size() != 2) return "error: pick-range L<from> L<to>\n";
    std::string error;
    if (!AddRunning(c, &error)) {
      ClearRunning();
      return error;
    }
    bool conflict = false;
    std::unique_ptr<Compaction> picked =
        Range(Level(c.positional[0]), Level(c.positional[1]),
              c.args.count("begin") ? c.args.at("begin") : "",
              c.args.count("end") ? c.args.at("end") : "", in_progress_, &conflict);
    ClearRunning();
    if (picked == nullptr) return conflict ? "conflict\n" : "nothing\n";
    return Describe(*picked, false);
  }

  // The whole of the level named first compacted into the second.
  std::unique_ptr<Compaction> Whole(const test::DataCase& c, std::string* error) const {
    if (c.positional.size() != 2) {
      *error = "error: " + c.command + " L<from> L<to>\n";
      return nullptr;
    }
    bool conflict;
    std::unique_ptr<Compaction> compaction =
        Range(Level(c.positional[0]), Level(c.positional[1]), "", "", in_progress_, &conflict);
    if (compaction == nullptr) *error = "error: nothing to compact\n";
    return compaction;
  }

  std::string Bottommost(const test::DataCase& c) const {
    std::string out;
    std::unique_ptr<Compaction> compaction = Whole(c, &out);
    if (compaction == nullptr) return out;
    for (const std::string& line : c.input) {
      std::istringstream words(line);
      for (std::string key; words >> key;) {
        out += key + ": " + (compaction->IsBottommostForKey(key) ? "yes" : "no") + "\n";
      }
    }
    return out;
  }

  std::string ShouldStopBefore(const test::DataCase& c) const {
    std::string out;
    std::unique_ptr<Compaction> compaction = Whole(c, &out);
    if (compaction == nullptr) return out;
    const uint64_t limit = Number(c.args, "limit", 0);
    for (const std::string& key : c.input) {
      const bool stop = compaction->ShouldStopBefore(
          MakeInternalKey(key, kMaxSequenceNumber, kValueTypeForSeek), limit);
      out += key + ": " + (stop ? "stop" : "go on") + "\n";
    }
    return out;
  }

  std::string InputDeletions(const test::DataCase& c) const {
    std::string out;
    std::unique_ptr<Compaction> compaction = Whole(c, &out);
    if (compaction == nullptr) return out;
    VersionEdit edit;
    compaction->AddInputDeletions(&edit);
    for (const auto& [level, number] : edit.deleted_files()) {
      out += "delete L" + std::to_string(level) + " #" + std::to_string(number) + "\n";
    }
    return out;
  }

  std::string ReadSample(const test::DataCase& c) const {
    std::string out;
    const uint64_t times = Number(c.args, "times", 1);
    for (const std::string& key : c.input) {
      std::string due_text;
      for (uint64_t i = 0; i < times; i++) {
        if (auto due = version_->RecordReadSample(key)) {
          due_text += " due L" + std::to_string(due->level) + " #" + std::to_string(due->number) +
                      " at sample " + std::to_string(i + 1);
        }
      }
      out += key + ":" + (due_text.empty() ? " -" : due_text) + "\n";
    }
    for (int level = 0; level < kNumLevels; level++) {
      for (const auto& f : version_->files(level)) {
        out += "budget L" + std::to_string(level) + " #" + std::to_string(f->number) + ": " +
               std::to_string(f->read_budget.left()) + "\n";
      }
    }
    return out;
  }

  std::string PickForReads(const test::DataCase& c) {
    if (c.positional.size() != 2 || c.positional[1][0] != '#') {
      return "error: pick-for-reads L<level> #<number>\n";
    }
    std::string error;
    if (!AddRunning(c, &error)) {
      ClearRunning();
      return error;
    }
    ReadCompactionTarget target{std::stoull(c.positional[1].substr(1)), Level(c.positional[0])};
    CompactionPicker picker(options_);
    bool stale = false;
    std::unique_ptr<Compaction> picked =
        picker.PickForReads(version_, target, in_progress_, &stale);
    ClearRunning();
    if (picked == nullptr) return std::string("nothing (") + (stale ? "stale" : "busy") + ")\n";
    return Describe(*picked, false);
  }

  std::string QueueAdd(const test::DataCase& c) {
    if (c.positional.empty() || c.positional.size() % 2 != 0) {
      return "error: queue-add L<level> #<number> ...\n";
    }
    for (size_t i = 0; i < c.positional.size(); i += 2) {
      if (c.positional[i + 1][0] != '#') return "error: queue-add L<level> #<number> ...\n";
      queue_.Add({std::stoull(c.positional[i + 1].substr(1)), Level(c.positional[i])});
    }
    return DescribeQueue();
  }

  std::string QueuePick(const test::DataCase& c) {
    const bool peek = !c.positional.empty() && c.positional[0] == "peek";
    std::string error;
    if (!AddRunning(c, &error)) {
      ClearRunning();
      return error;
    }
    CompactionPicker picker(options_);
    std::unique_ptr<Compaction> picked = queue_.Pick(picker, version_, in_progress_, !peek);
    ClearRunning();
    std::string out = picked == nullptr ? "nothing\n" : Describe(*picked, false);
    return out + DescribeQueue();
  }

  // "queue: L5 #2, L5 #3", oldest first, or "queue: empty".
  std::string DescribeQueue() const {
    if (queue_.empty()) return "queue: empty\n";
    std::string out = "queue:";
    for (size_t i = 0; i < queue_.size(); i++) {
      const ReadCompactionTarget& t = queue_.at(i);
      out += (i == 0 ? " L" : ", L") + std::to_string(t.level) + " #" + std::to_string(t.number);
    }
    return out + "\n";
  }

  Options options_;
  std::shared_ptr<const Version> version_;
  ReadCompactionQueue queue_;
  CompactionsInProgress in_progress_;
  std::vector<std::unique_ptr<Compaction>> running_;
};

TEST(CompactionPickerTest, DataDriven) {
  const std::vector<std::string> files = test::DataFiles(STRATA_TESTDATA_DIR, "compaction_picker_");
  ASSERT_FALSE(files.empty()) << "no compaction_picker_* files in " << STRATA_TESTDATA_DIR;
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    PickerRunner runner;
    test::RunDataFile(file, [&runner](const test::DataCase& c) { return runner.Run(c); });
  }
}

}  // namespace
}  // namespace strata
