// The properties block's encoding; see table_properties.h.

#include "sstable/table_properties.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <vector>

#include "sstable/block.h"
#include "sstable/block_builder.h"
#include "sstable/compression.h"
#include "util/coding.h"

namespace strata {

namespace {

// Each numeric property: its on-disk name and its field.
struct NumericProperty {
  std::string_view name;
  uint64_t TableProperties::*field;
};

constexpr NumericProperty kNumericProperties[] = {
    {"data_size", &TableProperties::data_size},
    {"filter_size", &TableProperties::filter_size},
    {"index_size", &TableProperties::index_size},
    {"max_sequence", &TableProperties::max_sequence},
    {"min_sequence", &TableProperties::min_sequence},
    {"num_data_blocks", &TableProperties::num_data_blocks},
    {"num_deletions", &TableProperties::num_deletions},
    {"num_entries", &TableProperties::num_entries},
    {"raw_key_size", &TableProperties::raw_key_size},
    {"raw_value_size", &TableProperties::raw_value_size},
};

constexpr std::string_view kCompression = "compression";
constexpr std::string_view kLargestKey = "largest_key";
constexpr std::string_view kSmallestKey = "smallest_key";

}  // namespace

std::string EncodeTableProperties(const TableProperties& props) {
  std::vector<std::pair<std::string_view, std::string>> entries;
  for (const NumericProperty& p : kNumericProperties) {
    std::string value;
    PutVarint64(&value, props.*p.field);
    entries.emplace_back(p.name, std::move(value));
  }
  entries.emplace_back(kCompression, std::string(CompressionTypeName(props.compression)));
  entries.emplace_back(kLargestKey, props.largest_key);
  entries.emplace_back(kSmallestKey, props.smallest_key);
  std::sort(entries.begin(), entries.end());

  BlockBuilder builder(/*restart_interval=*/1);
  for (const auto& [name, value] : entries) builder.Add(name, value);
  return std::string(builder.Finish());
}

Status DecodeTableProperties(std::string contents, TableProperties* props) {
  std::unique_ptr<Block> block;
  Status s = Block::Parse(std::move(contents), &block);
  if (!s.ok()) return s;
  *props = TableProperties();
  // One bit per known name seen, so a missing one is caught.
  constexpr size_t kNumKnown = std::size(kNumericProperties) + 3;
  uint32_t seen = 0;
  std::unique_ptr<Iterator> it = block->NewNameIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view name = it->key();
    std::string_view value = it->value();
    if (name == kCompression) {
      if (!CompressionTypeFromName(value, &props->compression)) {
        return Status::Corruption("unknown table compression", value);
      }
      seen |= 1u << 0;
    } else if (name == kSmallestKey || name == kLargestKey) {
      (name == kSmallestKey ? props->smallest_key : props->largest_key).assign(value);
      seen |= name == kSmallestKey ? 1u << 1 : 1u << 2;
    } else {
      for (size_t i = 0; i < std::size(kNumericProperties); i++) {
        const NumericProperty& p = kNumericProperties[i];
        if (name != p.name) continue;
        if (!GetVarint64(&value, &(props->*p.field)) || !value.empty()) {
          return Status::Corruption("bad table property", name);
        }
        seen |= 1u << (3 + i);
      }
    }
  }
  if (!it->status().ok()) return it->status();
  if (seen != (1u << kNumKnown) - 1) return Status::Corruption("missing table properties");
  return Status::OK();
}

}  // namespace strata
