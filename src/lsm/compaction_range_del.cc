// CompactionRangeDel; see compaction_range_del.h.

#include "lsm/compaction_range_del.h"

#include "lsm/build_table.h"

namespace strata {

Status CompactionRangeDel::Load(TableCache* table_cache) {
  std::vector<RangeTombstone> all;
  for (int which = 0; which < 2; which++) {
    for (const auto& f : compaction_->inputs(which)) {
      Status s = table_cache->AppendRangeTombstones(*f, &all);
      if (!s.ok()) return s;
    }
  }
  if (!all.empty()) {
    tombstones_ = std::make_shared<const FragmentedRangeTombstones>(
        compaction_->input_version().comparator(), std::move(all));
  }
  return Status::OK();
}

bool CompactionRangeDel::ShouldDrop(std::string_view user_key, SequenceNumber seq) const {
  return !empty() && tombstones_->DeletesForEveryReader(user_key, seq, snapshots_);
}

std::vector<SequenceNumber> CompactionRangeDel::SeqsToKeep(
    const FragmentedRangeTombstones::Fragment& f) const {
  std::vector<SequenceNumber> keep;
  size_t last_stripe = 0;
  bool have_last = false;
  for (SequenceNumber seq : f.seqs) {  // newest first
    size_t stripe = SnapshotStripe(snapshots_, seq);
    if (have_last && stripe == last_stripe) continue;
    have_last = true;
    last_stripe = stripe;
    keep.push_back(seq);
  }
  // last_stripe is the stripe of keep.back().
  if (have_last && last_stripe == 0 && IsBottommostForRange(f.begin, f.end)) {
    keep.pop_back();
  }
  return keep;
}

bool CompactionRangeDel::IsBottommostForRange(std::string_view begin, std::string_view end) const {
  const Version& v = compaction_->input_version();
  for (int level = compaction_->output_level() + 1; level < kNumLevels; level++) {
    // Inclusive of end: a conservative answer only keeps a tombstone longer.
    if (!v.OverlappingFiles(level, &begin, &end).empty()) return false;
  }
  return true;
}

bool CompactionRangeDel::HasOutputIn(const std::string_view* lower,
                                     const std::string_view* upper) const {
  if (empty()) return false;
  const InternalKeyComparator& cmp = tombstones_->comparator();
  const auto& fragments = tombstones_->fragments();
  size_t i = lower == nullptr ? 0 : tombstones_->FirstEndingAfter(*lower);
  for (; i < fragments.size(); i++) {
    if (upper != nullptr && cmp.CompareUserKeys(fragments[i].begin, *upper) >= 0) break;
    if (!SeqsToKeep(fragments[i]).empty()) return true;
  }
  return false;
}

void CompactionRangeDel::AddToOutput(const std::string_view* lower, const std::string_view* upper,
                                     TableBuilder* builder, FileMetaData* meta) const {
  if (empty()) return;
  const InternalKeyComparator& cmp = tombstones_->comparator();
  const auto& fragments = tombstones_->fragments();
  size_t i = lower == nullptr ? 0 : tombstones_->FirstEndingAfter(*lower);
  for (; i < fragments.size(); i++) {
    const auto& f = fragments[i];
    if (upper != nullptr && cmp.CompareUserKeys(f.begin, *upper) >= 0) break;
    std::string_view begin = f.begin, end = f.end;
    if (lower != nullptr && cmp.CompareUserKeys(begin, *lower) < 0) begin = *lower;
    if (upper != nullptr && cmp.CompareUserKeys(end, *upper) > 0) end = *upper;
    if (cmp.CompareUserKeys(begin, end) >= 0) continue;
    for (SequenceNumber seq : SeqsToKeep(f)) {
      RangeTombstone t{std::string(begin), std::string(end), seq};
      builder->AddRangeTombstone(t);
      ExtendRangeForTombstone(cmp, t, meta);
    }
  }
}

}  // namespace strata
