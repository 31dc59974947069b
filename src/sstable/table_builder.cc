// SSTable writing; see table_builder.h.

#include "sstable/table_builder.h"

#include <algorithm>
#include <cassert>

#include "sstable/compression.h"
#include "util/checksum.h"
#include "util/coding.h"
#include "util/internal_key.h"

namespace strata {

namespace {

// Meta blocks are few and tiny: restart at every entry so lookups are one
// binary search. The index block does the same, so Seek lands on the exact
// separator without scanning.
constexpr int kMetaRestartInterval = 1;

// Entries must fit the block format's 32-bit offsets with room to spare.
constexpr uint64_t kMaxEntrySize = uint64_t{1} << 31;

// Replaces a user key that was shortened with the internal key that sorts
// first among its versions, so the result still sorts after every version
// of the original user key.
void SetShortenedUserKey(std::string* internal_key, std::string shortened) {
  AppendInternalKey(&shortened, {}, kMaxSequenceNumber, kValueTypeForSeek);
  *internal_key = std::move(shortened);
}

// Shortens *start (an internal key) to a key k with *start <= k < limit
// when a shorter user key fits between them: start's user key cut after the
// first byte that differs from limit's, that byte incremented if it stays
// below limit's byte; otherwise cut after the next byte of start that is not
// 0xff, that byte incremented (still below limit, whose byte at the first
// difference is larger).
void BytewiseShortenToSeparator(std::string* start, std::string_view limit) {
  const std::string_view user_start = ExtractUserKey(*start);
  const std::string_view user_limit = ExtractUserKey(limit);
  const size_t min_length = std::min(user_start.size(), user_limit.size());
  size_t diff = 0;
  while (diff < min_length && user_start[diff] == user_limit[diff]) diff++;
  if (diff >= min_length) return;  // one user key is a prefix of the other
  size_t cut = diff;
  if (static_cast<uint8_t>(user_start[diff]) + 1 >= static_cast<uint8_t>(user_limit[diff])) {
    cut = diff + 1;
    while (cut < user_start.size() && static_cast<uint8_t>(user_start[cut]) == 0xff) cut++;
  }
  if (cut + 1 >= user_start.size()) return;  // would not be shorter
  std::string shortened(user_start.substr(0, cut + 1));
  shortened[cut] = static_cast<char>(static_cast<uint8_t>(shortened[cut]) + 1);
  assert(user_start.compare(shortened) < 0 && std::string_view(shortened).compare(user_limit) < 0);
  SetShortenedUserKey(start, std::move(shortened));
}

// Shortens *key (an internal key) to a short key k >= *key: the user key cut
// after its first byte that is not 0xff, that byte incremented.
void BytewiseShortenToSuccessor(std::string* key) {
  const std::string_view user_key = ExtractUserKey(*key);
  for (size_t i = 0; i + 1 < user_key.size(); i++) {
    const auto byte = static_cast<uint8_t>(user_key[i]);
    if (byte == 0xff) continue;
    std::string shortened(user_key.substr(0, i + 1));
    shortened[i] = static_cast<char>(byte + 1);
    assert(user_key.compare(shortened) < 0);
    SetShortenedUserKey(key, std::move(shortened));
    return;
  }
}

// The same for a custom comparator, through its FindShortestSeparator (limit
// non-empty) or FindShortSuccessor. The result is checked, so a comparator
// whose helpers break their contract costs index size, never order: the
// shortened user key must be shorter, sort after start's and before limit's.
void ComparatorShorten(const Comparator& user, std::string* key, std::string_view limit) {
  const std::string_view user_key = ExtractUserKey(*key);
  std::string shortened(user_key);
  if (limit.empty()) {
    user.FindShortSuccessor(&shortened);
  } else {
    user.FindShortestSeparator(&shortened, ExtractUserKey(limit));
  }
  if (shortened.size() >= user_key.size() || user.Compare(user_key, shortened) >= 0) return;
  if (!limit.empty() && user.Compare(shortened, ExtractUserKey(limit)) >= 0) return;
  SetShortenedUserKey(key, std::move(shortened));
}

}  // namespace

TableBuilder::TableBuilder(const TableBuilderOptions& options, WritableFile* file)
    : options_(options),
      comparator_(options.comparator),
      file_(file),
      data_block_(options.block_restart_interval),
      index_block_(kMetaRestartInterval) {
  assert(options.block_size > 0 && options.block_size < kMaxEntrySize);
  const int bloom_bits = options.filter_policy == nullptr
                             ? options.bloom_bits_per_key
                             : BuiltinBloomBitsPerKey(*options.filter_policy);
  if (bloom_bits > 0) {
    filter_ = std::make_unique<BloomFilterBuilder>(bloom_bits);
  } else if (options.filter_policy != nullptr) {
    policy_ = options.filter_policy;
  }
  properties_.compression = options.compression;
}

TableBuilder::~TableBuilder() { assert(closed_); }

void TableBuilder::Add(std::string_view internal_key, std::string_view value) {
  assert(!closed_);
  ParsedInternalKey parsed;
  [[maybe_unused]] const bool valid = ParseInternalKey(internal_key, &parsed);
  assert(valid);
  assert(properties_.num_entries == 0 || comparator_.Compare(last_key_, internal_key) < 0);
  if (!status_.ok()) return;
  if (internal_key.size() + value.size() >= kMaxEntrySize) {
    status_ = Status::InvalidArgument("table entry larger than 2 GiB");
    return;
  }

  if (pending_index_entry_) AddIndexEntry(internal_key);
  const bool first = properties_.num_entries == 0;
  if ((filter_ != nullptr || policy_ != nullptr) &&
      (first || comparator_.CompareUserKeys(parsed.user_key, ExtractUserKey(last_key_)) != 0)) {
    if (filter_ != nullptr) {
      filter_->AddKey(parsed.user_key);
    } else {
      policy_keys_.append(parsed.user_key);
      policy_key_ends_.push_back(policy_keys_.size());
    }
  }

  if (first) {
    properties_.smallest_key.assign(internal_key);
    properties_.min_sequence = parsed.sequence;
    properties_.max_sequence = parsed.sequence;
  }
  properties_.num_entries++;
  if (parsed.type == kTypeDeletion) properties_.num_deletions++;
  properties_.raw_key_size += internal_key.size();
  properties_.raw_value_size += value.size();
  properties_.min_sequence = std::min(properties_.min_sequence, parsed.sequence);
  properties_.max_sequence = std::max(properties_.max_sequence, parsed.sequence);
  last_key_.assign(internal_key);

  data_block_.Add(internal_key, value);
  if (data_block_.CurrentSizeEstimate() >= options_.block_size) FlushDataBlock();
}

void TableBuilder::FlushDataBlock() {
  if (data_block_.empty() || !status_.ok()) return;
  assert(!pending_index_entry_);
  WriteBlock(data_block_.Finish(), options_.compression, &pending_handle_);
  data_block_.Reset();
  if (!status_.ok()) return;
  pending_index_entry_ = true;
  properties_.num_data_blocks++;
}

void TableBuilder::AddIndexEntry(std::string_view next_key) {
  std::string separator = last_key_;
  if (!comparator_.bytewise()) {
    ComparatorShorten(*comparator_.user_comparator(), &separator, next_key);
  } else if (next_key.empty()) {
    BytewiseShortenToSuccessor(&separator);
  } else {
    BytewiseShortenToSeparator(&separator, next_key);
  }
  std::string handle;
  pending_handle_.EncodeTo(&handle);
  index_block_.Add(separator, handle);
  pending_index_entry_ = false;
}

void TableBuilder::WriteBlock(std::string_view contents, CompressionType type,
                              BlockHandle* handle) {
  std::string_view stored = contents;
  CompressionType stored_type = kNoCompression;
  // Compression that saves less than 1/8 is not worth its decompression
  // cost on every read.
  if (type != kNoCompression && CompressBlock(type, contents, &compressed_) &&
      compressed_.size() < contents.size() - contents.size() / 8) {
    stored = compressed_;
    stored_type = type;
  }
  *handle = BlockHandle(offset_, stored.size());
  char trailer[kBlockTrailerSize];
  trailer[0] = static_cast<char>(stored_type);
  EncodeFixed32(trailer + 1, Checksum32(stored, std::string_view(trailer, 1)));
  Append(stored);
  Append(std::string_view(trailer, sizeof(trailer)));
}

void TableBuilder::Append(std::string_view data) {
  if (!status_.ok()) return;
  status_ = file_->Append(data);
  if (status_.ok()) offset_ += data.size();
}

void TableBuilder::AddRangeTombstone(const RangeTombstone& tombstone) {
  assert(!closed_);
  range_tombstones_.push_back(tombstone);
}

Status TableBuilder::Finish() {
  assert(!closed_);
  closed_ = true;
  FlushDataBlock();
  if (pending_index_entry_) AddIndexEntry({});
  properties_.data_size = offset_;
  properties_.largest_key = last_key_;

  std::string metaindex;
  BlockBuilder metaindex_block(kMetaRestartInterval);
  if (filter_ != nullptr || policy_ != nullptr) {
    BlockHandle filter_handle;
    WriteBlock(filter_ != nullptr ? filter_->Finish() : PolicyFilter(), kNoCompression,
               &filter_handle);
    properties_.filter_size = offset_ - filter_handle.offset();
    filter_handle.EncodeTo(&metaindex);
    metaindex_block.Add(
        filter_ != nullptr ? std::string(kBloomFilterMetaName) : PolicyFilterMetaName(*policy_),
        metaindex);
  }

  BlockHandle index_handle;
  WriteBlock(index_block_.Finish(), options_.compression, &index_handle);
  properties_.index_size = offset_ - index_handle.offset();

  Footer footer;
  BlockHandle range_del_handle;
  if (!range_tombstones_.empty()) {
    // Keys in internal-key order, as every block's: begin ascending, then
    // sequence descending. Restart interval 1, like the metaindex: the
    // block is read whole, never searched.
    std::sort(range_tombstones_.begin(), range_tombstones_.end(),
              [this](const RangeTombstone& a, const RangeTombstone& b) {
                return comparator_.Compare(a.InternalKey(), b.InternalKey()) < 0;
              });
    BlockBuilder range_del_block(kMetaRestartInterval);
    std::string previous;
    for (const auto& t : range_tombstones_) {
      std::string key = t.InternalKey();
      if (key == previous) continue;  // the same tombstone twice
      range_del_block.Add(key, t.end);
      previous = std::move(key);
    }
    WriteBlock(range_del_block.Finish(), kNoCompression, &range_del_handle);
    footer.format_version = Footer::kRangeDeletionFormatVersion;
  }

  BlockHandle properties_handle;
  WriteBlock(EncodeTableProperties(properties_), kNoCompression, &properties_handle);
  metaindex.clear();
  properties_handle.EncodeTo(&metaindex);
  metaindex_block.Add("properties", metaindex);
  if (!range_tombstones_.empty()) {
    metaindex.clear();
    range_del_handle.EncodeTo(&metaindex);
    metaindex_block.Add(kRangeDelBlockMetaName, metaindex);
  }

  WriteBlock(metaindex_block.Finish(), kNoCompression, &footer.metaindex_handle);
  footer.index_handle = index_handle;
  std::string encoded_footer;
  if (status_.ok()) status_ = footer.EncodeTo(&encoded_footer);
  Append(encoded_footer);
  return status_;
}

std::string TableBuilder::PolicyFilter() const {
  std::vector<std::string_view> keys;
  keys.reserve(policy_key_ends_.size());
  size_t start = 0;
  for (size_t end : policy_key_ends_) {
    keys.emplace_back(policy_keys_.data() + start, end - start);
    start = end;
  }
  std::string filter;
  policy_->CreateFilter(keys.data(), static_cast<int>(keys.size()), &filter);
  return filter;
}

void TableBuilder::Abandon() {
  assert(!closed_);
  closed_ = true;
}

}  // namespace strata
