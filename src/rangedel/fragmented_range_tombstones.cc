// FragmentedRangeTombstones and RangeDelChecker; see
// fragmented_range_tombstones.h.

#include "rangedel/fragmented_range_tombstones.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace strata {

FragmentedRangeTombstones::FragmentedRangeTombstones(const InternalKeyComparator& comparator,
                                                     std::vector<RangeTombstone> tombstones)
    : comparator_(comparator) {
  auto less = [this](std::string_view a, std::string_view b) {
    return comparator_.CompareUserKeys(a, b) < 0;
  };
  std::erase_if(tombstones, [&](const RangeTombstone& t) { return !less(t.begin, t.end); });
  if (tombstones.empty()) return;

  std::sort(
      tombstones.begin(), tombstones.end(),
      [&](const RangeTombstone& a, const RangeTombstone& b) { return less(a.begin, b.begin); });
  // Every begin and end cuts the key space; between two consecutive cuts the
  // set of covering tombstones is constant. (Views into tombstones, which
  // no longer move.)
  std::vector<std::string_view> cuts;
  cuts.reserve(tombstones.size() * 2);
  for (const auto& t : tombstones) {
    cuts.push_back(t.begin);
    cuts.push_back(t.end);
  }
  std::sort(cuts.begin(), cuts.end(), less);
  cuts.erase(std::unique(cuts.begin(), cuts.end(),
                         [&](std::string_view a, std::string_view b) { return !less(a, b); }),
             cuts.end());

  // Sweep the cuts, keeping the tombstones that cover the current piece.
  struct Active {
    std::string_view end;
    SequenceNumber seq;
  };
  std::vector<Active> active;
  size_t next = 0;
  for (size_t i = 0; i + 1 < cuts.size(); i++) {
    const std::string_view cut = cuts[i];
    while (next < tombstones.size() && !less(cut, tombstones[next].begin)) {
      active.push_back({tombstones[next].end, tombstones[next].seq});
      next++;
    }
    std::erase_if(active, [&](const Active& a) { return !less(cut, a.end); });
    if (active.empty()) continue;
    Fragment f;
    f.begin.assign(cut);
    f.end.assign(cuts[i + 1]);
    f.seqs.reserve(active.size());
    for (const auto& a : active) f.seqs.push_back(a.seq);
    std::sort(f.seqs.begin(), f.seqs.end(), std::greater<>());
    f.seqs.erase(std::unique(f.seqs.begin(), f.seqs.end()), f.seqs.end());
    fragments_.push_back(std::move(f));
  }

  size_t total = 0;
  for (const auto& f : fragments_) {
    total += f.end.size();
    max_seq_ = std::max(max_seq_, f.seqs.front());
  }
  end_keys_.reserve(total);
  for (const auto& f : fragments_) end_keys_.append(f.end);
  ends_.reserve(fragments_.size());
  size_t offset = 0;
  for (const auto& f : fragments_) {
    ends_.emplace_back(end_keys_.data() + offset, f.end.size());
    offset += f.end.size();
  }
}

size_t FragmentedRangeTombstones::FirstEndingAfter(std::string_view user_key) const {
  auto it = std::partition_point(ends_.begin(), ends_.end(), [&](std::string_view end) {
    return comparator_.CompareUserKeys(end, user_key) <= 0;
  });
  return static_cast<size_t>(it - ends_.begin());
}

SequenceNumber FragmentedRangeTombstones::VisibleSeq(const Fragment& fragment,
                                                     SequenceNumber snapshot) {
  auto it = std::partition_point(fragment.seqs.begin(), fragment.seqs.end(),
                                 [snapshot](SequenceNumber s) { return s > snapshot; });
  return it == fragment.seqs.end() ? 0 : *it;
}

SequenceNumber FragmentedRangeTombstones::MaxCoveringSeq(std::string_view user_key,
                                                         SequenceNumber snapshot) const {
  size_t i = FirstEndingAfter(user_key);
  if (i == fragments_.size()) return 0;
  const Fragment& f = fragments_[i];
  if (comparator_.CompareUserKeys(f.begin, user_key) > 0) return 0;
  return VisibleSeq(f, snapshot);
}

bool FragmentedRangeTombstones::DeletesForEveryReader(
    std::string_view user_key, SequenceNumber seq,
    const std::vector<SequenceNumber>& snapshots) const {
  size_t i = FirstEndingAfter(user_key);
  if (i == fragments_.size() || comparator_.CompareUserKeys(fragments_[i].begin, user_key) > 0) {
    return false;
  }
  // The oldest tombstone newer than the version: if a snapshot separates
  // even that one from it, it separates every newer one too.
  const auto& seqs = fragments_[i].seqs;  // descending
  auto it =
      std::partition_point(seqs.begin(), seqs.end(), [seq](SequenceNumber t) { return t > seq; });
  if (it == seqs.begin()) return false;
  // Equal stripes mean no snapshot in [seq, T).
  return SnapshotStripe(snapshots, *std::prev(it)) == SnapshotStripe(snapshots, seq);
}

std::vector<RangeTombstone> FragmentedRangeTombstones::ToTombstones() const {
  std::vector<RangeTombstone> result;
  for (const auto& f : fragments_) {
    for (SequenceNumber seq : f.seqs) result.push_back({f.begin, f.end, seq});
  }
  return result;
}

void RangeDelChecker::AddList(std::shared_ptr<const FragmentedRangeTombstones> list) {
  if (list == nullptr || list->empty()) return;
  Cached c;
  c.list = std::move(list);
  lists_.push_back(std::move(c));
}

SequenceNumber RangeDelChecker::MaxCoveringSeq(std::string_view user_key) {
  SequenceNumber result = 0;
  for (auto& c : lists_) result = std::max(result, Lookup(&c, user_key));
  return result;
}

RangeDelChecker::RunAnswer RangeDelChecker::CoveredRunEndWithoutSources(std::string_view user_key,
                                                                        std::string_view* end) {
  // Tombstones above the sources' points too: the run needs no probe (the
  // keys the memtables hold under a DeleteRange that has not been flushed).
  const SequenceNumber all_points = std::max(max_point_seq_, sources_max_seq_);
  if (!point_sources_.empty() && all_points < snapshot_ && RunEnd(user_key, all_points, end)) {
    return RunAnswer::kRun;
  }
  if (max_point_seq_ >= snapshot_) return RunAnswer::kNoRun;  // none above every point
  if (!RunEnd(user_key, max_point_seq_, end)) return RunAnswer::kNoRun;
  return point_sources_.empty() ? RunAnswer::kRun : RunAnswer::kAskSources;
}

bool RangeDelChecker::CoveredRunEnd(std::string_view user_key, std::string_view* end) {
  std::string_view run_end;
  const RunAnswer answer = CoveredRunEndWithoutSources(user_key, &run_end);
  if (answer == RunAnswer::kNoRun) return false;
  if (answer == RunAnswer::kAskSources) {
    const InternalKeyComparator& cmp = lists_.front().list->comparator();
    const std::string target = MakeInternalKey(user_key, kMaxSequenceNumber, kValueTypeForSeek);
    for (auto& source : point_sources_) {
      source->Seek(target);
      if (!source->Valid()) {
        if (!source->status().ok()) return false;  // its keys unknown: no run
        continue;
      }
      std::string_view first = ExtractUserKey(source->key());
      if (cmp.CompareUserKeys(first, run_end) < 0) {
        run_end_.assign(first);
        run_end = run_end_;
      }
    }
    // A source's key at user_key itself: no run.
    if (cmp.CompareUserKeys(run_end, user_key) <= 0) return false;
  }
  *end = run_end;
  return true;
}

void RangeDelChecker::AddPointSource(std::unique_ptr<Iterator> source, SequenceNumber max_seq) {
  point_sources_.push_back(std::move(source));
  sources_max_seq_ = std::max(sources_max_seq_, max_seq);
}

bool RangeDelChecker::RunEnd(std::string_view user_key, SequenceNumber points,
                             std::string_view* end) {
  // Each list may carry the run a stretch further; it ends where none does.
  // Every extension moves run_end past a fragment, so the loop ends.
  std::string_view run_end = user_key;
  bool found = false;
  for (bool extended = true; extended;) {
    extended = false;
    for (auto& c : lists_) {
      if (RunEndInList(&c, run_end, points, &run_end)) found = extended = true;
    }
  }
  if (found) *end = run_end;
  return found;
}

bool RangeDelChecker::RunEndInList(Cached* c, std::string_view user_key, SequenceNumber points,
                                   std::string_view* end) const {
  SequenceNumber seq = Lookup(c, user_key);
  if (seq <= points || c->hi_unbounded) return false;
  // The interval holds user_key and its seq is seq: it is a fragment.
  const FragmentedRangeTombstones& list = *c->list;
  const auto& fragments = list.fragments();
  std::string_view run_end = c->hi;
  for (size_t i = c->fragment + 1; i < fragments.size(); i++) {
    if (list.comparator().CompareUserKeys(fragments[i].begin, run_end) != 0 ||
        FragmentedRangeTombstones::VisibleSeq(fragments[i], snapshot_) <= points) {
      break;
    }
    run_end = fragments[i].end;
  }
  *end = run_end;
  return true;
}

SequenceNumber RangeDelChecker::Lookup(Cached* c, std::string_view user_key) const {
  const FragmentedRangeTombstones& list = *c->list;
  const InternalKeyComparator& cmp = list.comparator();
  if (c->valid && (c->lo_unbounded || cmp.CompareUserKeys(c->lo, user_key) <= 0) &&
      (c->hi_unbounded || cmp.CompareUserKeys(user_key, c->hi) < 0)) {
    return c->seq;
  }
  const auto& fragments = list.fragments();
  size_t i = list.FirstEndingAfter(user_key);
  c->valid = true;
  if (i < fragments.size() && cmp.CompareUserKeys(fragments[i].begin, user_key) <= 0) {
    // Inside fragment i.
    c->lo_unbounded = c->hi_unbounded = false;
    c->lo = fragments[i].begin;
    c->hi = fragments[i].end;
    c->fragment = i;
    c->seq = FragmentedRangeTombstones::VisibleSeq(fragments[i], snapshot_);
    return c->seq;
  }
  // In the gap before fragment i (after fragment i - 1).
  c->lo_unbounded = i == 0;
  if (i > 0) c->lo = fragments[i - 1].end;
  c->hi_unbounded = i == fragments.size();
  if (i < fragments.size()) c->hi = fragments[i].begin;
  c->seq = 0;
  return 0;
}

}  // namespace strata
