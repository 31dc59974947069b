// TableWalker; see table_walker.h.

#include "sstable/table_walker.h"

#include <algorithm>
#include <cassert>

#include "sstable/block.h"
#include "sstable/filter_policy_internal.h"
#include "util/internal_key.h"

namespace strata {
namespace {

// True if a block and its trailer at handle end by limit.
bool HandleWithin(const BlockHandle& handle, uint64_t limit) {
  return handle.offset() <= limit && handle.size() <= limit - handle.offset() &&
         kBlockTrailerSize <= limit - handle.offset() - handle.size();
}

uint64_t BlockEnd(const BlockHandle& handle) {
  return handle.offset() + handle.size() + kBlockTrailerSize;
}

std::string WithStatus(std::string_view what, const Status& s) {
  return std::string(what) + ": " + std::string(s.message());
}

}  // namespace

TableWalker::TableWalker(const RandomAccessFile* file, uint64_t file_size,
                         const Comparator* comparator)
    : file_(file), file_size_(file_size), comparator_(comparator) {}

TableWalker::~TableWalker() = default;

void TableWalker::AddDamage(uint64_t offset, std::string message) {
  damage_.push_back({offset, std::move(message)});
}

bool TableWalker::ReadMetadata() {
  if (file_size_ < Footer::kEncodedLength) {
    AddDamage(0, "file too short for an SSTable (" + std::to_string(file_size_) + " bytes)");
    return false;
  }
  const uint64_t footer_offset = file_size_ - Footer::kEncodedLength;
  char buf[Footer::kEncodedLength];
  std::string_view input;
  Status s = file_->Read(footer_offset, Footer::kEncodedLength, &input, buf);
  if (!s.ok()) {
    status_ = s;
    return false;
  }
  bytes_read_ += input.size();
  if (input.size() != Footer::kEncodedLength) {
    AddDamage(footer_offset, "truncated footer");
    return false;
  }
  s = footer_.DecodeFrom(input);
  if (!s.ok()) {
    AddDamage(footer_offset, WithStatus("footer", s));
    return false;
  }
  footer_ok_ = true;

  // The index is what leads to the data, so it is read even when the
  // metaindex (and with it the properties and filter) is damaged.
  ReadMetaindex();
  if (!status_.ok()) return false;
  ReadIndex(footer_.index_handle);
  return status_.ok() && index_read_;
}

bool TableWalker::ReadMetaBlock(const BlockHandle& handle, std::string_view what,
                                std::string* contents) {
  if (!HandleWithin(handle, file_size_ - Footer::kEncodedLength)) {
    AddDamage(handle.offset(), std::string(what) + " block handle out of range");
    return false;
  }
  Status s = ReadBlock(*file_, handle, /*verify_checksum=*/true, contents);
  if (s.IsCorruption()) {
    AddDamage(handle.offset(), WithStatus(std::string(what) + " block", s));
    return false;
  }
  if (!s.ok()) {
    status_ = s;
    return false;
  }
  bytes_read_ += handle.size() + kBlockTrailerSize;
  blocks_read_++;
  return true;
}

void TableWalker::ReadMetaindex() {
  const BlockHandle& handle = footer_.metaindex_handle;
  std::string contents;
  if (!ReadMetaBlock(handle, "metaindex", &contents)) return;
  std::unique_ptr<Block> block;
  Status s = Block::Parse(std::move(contents), &block);
  if (!s.ok()) {
    AddDamage(handle.offset(), WithStatus("metaindex block", s));
    return;
  }
  std::unique_ptr<Iterator> it = block->NewNameIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view value = it->value();
    if (it->key() == kBloomFilterMetaName || it->key().starts_with(kPolicyFilterMetaPrefix)) {
      filter_is_bloom_ = it->key() == kBloomFilterMetaName;
      has_filter_ = filter_handle_.DecodeFrom(&value).ok();
      if (!has_filter_) AddDamage(handle.offset(), "metaindex: bad filter block handle");
    } else if (it->key() == "properties") {
      has_properties_ = properties_handle_.DecodeFrom(&value).ok();
      if (!has_properties_) AddDamage(handle.offset(), "metaindex: bad properties block handle");
    } else if (it->key() == kRangeDelBlockMetaName) {
      has_range_del_ = range_del_handle_.DecodeFrom(&value).ok();
      if (!has_range_del_) AddDamage(handle.offset(), "metaindex: bad range-deletion block handle");
    }
  }
  if (!it->status().ok()) AddDamage(handle.offset(), WithStatus("metaindex block", it->status()));
  if (has_range_del_ != (footer_.format_version == Footer::kRangeDeletionFormatVersion)) {
    AddDamage(handle.offset(), "format version " + std::to_string(footer_.format_version) +
                                   (has_range_del_ ? " with" : " without") +
                                   " a range-deletion block");
  }
  if (has_range_del_) ReadRangeDelBlock();

  if (has_properties_) {
    has_properties_ = ReadMetaBlock(properties_handle_, "properties", &contents);
    if (has_properties_) {
      s = DecodeTableProperties(std::move(contents), &properties_);
      if (!s.ok()) {
        AddDamage(properties_handle_.offset(), WithStatus("properties block", s));
        has_properties_ = false;
      }
    }
  } else if (it->status().ok()) {
    AddDamage(handle.offset(), "no properties block");
  }
  if (has_properties_ && properties_.data_size > file_size_ - Footer::kEncodedLength) {
    AddDamage(properties_handle_.offset(), "data_size runs past the end of the file");
    has_properties_ = false;
  }

  if (has_filter_ && ReadMetaBlock(filter_handle_, "filter", &contents) && filter_is_bloom_) {
    s = BloomFilterReader::Parse(std::move(contents), &filter_);
    if (!s.ok()) AddDamage(filter_handle_.offset(), WithStatus("filter block", s));
  }
}

void TableWalker::ReadRangeDelBlock() {
  std::string contents;
  if (!ReadMetaBlock(range_del_handle_, "range-deletion", &contents)) return;
  std::unique_ptr<Block> block;
  Status s = Block::Parse(std::move(contents), &block);
  if (!s.ok()) {
    AddDamage(range_del_handle_.offset(), WithStatus("range-deletion block", s));
    return;
  }
  std::vector<RangeTombstone> tombstones;
  std::string previous;
  std::unique_ptr<Iterator> it = block->NewIterator(comparator_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    RangeTombstone t;
    if (!DecodeRangeTombstone(it->key(), it->value(), &t) ||
        comparator_.CompareUserKeys(t.begin, t.end) >= 0 ||
        (!previous.empty() && comparator_.Compare(previous, it->key()) >= 0)) {
      AddDamage(range_del_handle_.offset(), "range-deletion block: bad tombstone");
      return;
    }
    previous.assign(it->key());
    tombstones.push_back(std::move(t));
  }
  if (!it->status().ok()) {
    AddDamage(range_del_handle_.offset(), WithStatus("range-deletion block", it->status()));
    return;
  }
  if (tombstones.empty()) {
    AddDamage(range_del_handle_.offset(), "range-deletion block: empty");
    return;
  }
  range_tombstones_ = std::move(tombstones);
}

void TableWalker::ReadIndex(const BlockHandle& handle) {
  std::string contents;
  if (!ReadMetaBlock(handle, "index", &contents)) return;
  std::unique_ptr<Block> block;
  Status s = Block::Parse(std::move(contents), &block);
  if (!s.ok()) {
    AddDamage(handle.offset(), WithStatus("index block", s));
    return;
  }
  index_read_ = true;
  const uint64_t data_limit =
      has_properties_ ? properties_.data_size : file_size_ - Footer::kEncodedLength;
  uint64_t next_offset = 0;
  std::unique_ptr<Iterator> it = block->NewIterator(comparator_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string where = "index entry " + std::to_string(index_.size() + 1);
    ParsedInternalKey parsed;
    if (!ParseInternalKey(it->key(), &parsed)) {
      AddDamage(handle.offset(), where + ": separator is not an internal key");
      return;
    }
    if (!index_.empty() && comparator_.Compare(index_.back().separator, it->key()) >= 0) {
      AddDamage(handle.offset(), where + ": separator out of order");
      return;
    }
    IndexEntry entry;
    entry.separator.assign(it->key());
    std::string_view value = it->value();
    if (!entry.handle.DecodeFrom(&value).ok() || !value.empty()) {
      AddDamage(handle.offset(), where + ": bad block handle");
      return;
    }
    if (!HandleWithin(entry.handle, data_limit)) {
      AddDamage(handle.offset(), where + ": data block handle out of range");
      return;
    }
    if (entry.handle.offset() != next_offset) {
      AddDamage(handle.offset(), where + ": data block at offset " +
                                     std::to_string(entry.handle.offset()) + ", expected " +
                                     std::to_string(next_offset));
    }
    next_offset = BlockEnd(entry.handle);
    index_.push_back(std::move(entry));
  }
  if (!it->status().ok()) AddDamage(handle.offset(), WithStatus("index block", it->status()));
}

bool TableWalker::CheckDataBlock(size_t i,
                                 std::vector<std::pair<std::string, std::string>>* entries) {
  const IndexEntry& entry = index_[i];
  const uint64_t offset = entry.handle.offset();
  const std::string where = "data block " + std::to_string(i + 1);
  std::string contents;
  Status s = ReadBlock(*file_, entry.handle, /*verify_checksum=*/true, &contents);
  if (!s.ok() && !s.IsCorruption()) {
    status_ = s;
    return false;
  }
  bytes_read_ += entry.handle.size() + kBlockTrailerSize;
  std::unique_ptr<Block> block;
  if (s.ok()) s = Block::Parse(std::move(contents), &block);
  if (!s.ok()) {
    AddDamage(offset, WithStatus(where, s));
    return false;
  }
  const std::string_view lower = i == 0 ? std::string_view() : index_[i - 1].separator;
  std::string previous = last_key_;
  std::unique_ptr<Iterator> it = block->NewIterator(comparator_);
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), n++) {
    const std::string at = where + ", entry " + std::to_string(n + 1);
    std::string_view key = it->key();
    ParsedInternalKey parsed;
    if (!ParseInternalKey(key, &parsed)) {
      AddDamage(offset, at + ": not an internal key");
      return false;
    }
    if (!previous.empty() && comparator_.Compare(previous, key) >= 0) {
      AddDamage(offset, at + ": key out of order");
      return false;
    }
    if (comparator_.Compare(key, entry.separator) > 0 ||
        (!lower.empty() && comparator_.Compare(key, lower) <= 0)) {
      AddDamage(offset, at + ": key outside the block's index range");
      return false;
    }
    if (filter_ != nullptr && !filter_->KeyMayMatch(parsed.user_key)) {
      AddDamage(offset, at + ": the bloom filter does not admit the key");
      return false;
    }
    previous.assign(key);
    entries->emplace_back(std::string(key), std::string(it->value()));
  }
  if (!it->status().ok()) {
    AddDamage(offset, WithStatus(where, it->status()));
    return false;
  }
  if (n == 0) {
    AddDamage(offset, where + ": no entries");
    return false;
  }
  return true;
}

void TableWalker::ReadDataBlocks(const EntryFn& on_entry) {
  assert(index_read_);
  std::vector<std::pair<std::string, std::string>> entries;
  for (size_t i = 0; i < index_.size() && status_.ok(); i++) {
    entries.clear();
    if (!CheckDataBlock(i, &entries)) {
      if (status_.ok()) {
        bad_data_blocks_++;
        bad_data_bytes_ += index_[i].handle.size() + kBlockTrailerSize;
      }
      continue;
    }
    blocks_read_++;
    for (const auto& [key, value] : entries) {
      ParsedInternalKey parsed;
      (void)ParseInternalKey(key, &parsed);
      if (entries_read_ == 0) {
        first_key_ = key;
        min_sequence_ = max_sequence_ = parsed.sequence;
      }
      min_sequence_ = std::min(min_sequence_, parsed.sequence);
      max_sequence_ = std::max(max_sequence_, parsed.sequence);
      entries_read_++;
      if (parsed.type == kTypeDeletion) deletions_read_++;
      raw_key_bytes_ += key.size();
      raw_value_bytes_ += value.size();
      if (on_entry) on_entry(key, value);
    }
    last_key_ = entries.back().first;
  }
  // Totals can only agree with the properties when nothing was lost.
  if (status_.ok() && damage_.empty()) CheckTotals();
}

void TableWalker::CheckTotals() {
  if (!has_properties_) return;
  const TableProperties& p = properties_;
  const uint64_t at = properties_handle_.offset();
  auto expect = [&](std::string_view name, uint64_t recorded, uint64_t found) {
    if (recorded != found) {
      AddDamage(at, "property " + std::string(name) + " is " + std::to_string(recorded) +
                        " but the data blocks hold " + std::to_string(found));
    }
  };
  expect("num_entries", p.num_entries, entries_read_);
  expect("num_deletions", p.num_deletions, deletions_read_);
  expect("num_data_blocks", p.num_data_blocks, index_.size());
  expect("data_size", p.data_size, index_.empty() ? 0 : BlockEnd(index_.back().handle));
  expect("raw_key_size", p.raw_key_size, raw_key_bytes_);
  expect("raw_value_size", p.raw_value_size, raw_value_bytes_);
  expect("min_sequence", p.min_sequence, min_sequence_);
  expect("max_sequence", p.max_sequence, max_sequence_);
  if (p.smallest_key != first_key_ || p.largest_key != last_key_) {
    AddDamage(at, "properties smallest_key/largest_key differ from the first/last entries");
  }
}

}  // namespace strata
