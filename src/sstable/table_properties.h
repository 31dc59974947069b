// TableProperties: what a table records about itself in its properties block
// (docs/FORMAT.md, "Properties block"), read back by TableReader at Open.
//
// On disk the block is a Block of name -> value entries sorted by name:
// numbers are varint64, smallest_key/largest_key are the raw internal keys,
// and compression is CompressionTypeName (e.g. "lz4"). Readers ignore names
// they do not know, so a later version may add properties; every name below
// must be present.
//
// Thread-safety: a plain value.

#ifndef STRATA_SSTABLE_TABLE_PROPERTIES_H_
#define STRATA_SSTABLE_TABLE_PROPERTIES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/options.h"
#include "strata/status.h"
#include "util/internal_key.h"

namespace strata {

struct TableProperties {
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;   // entries of type kTypeDeletion
  uint64_t raw_key_size = 0;    // sum of the internal keys' sizes
  uint64_t raw_value_size = 0;  // sum of the values' sizes
  // Bytes on disk, trailers included. The data blocks start at offset 0, so
  // data_size is also where the filter block (or, without one, the index
  // block) starts.
  uint64_t data_size = 0;
  uint64_t index_size = 0;
  uint64_t filter_size = 0;  // 0 without a filter
  uint64_t num_data_blocks = 0;
  // Internal keys of the first and last entries; empty when num_entries == 0.
  std::string smallest_key;
  std::string largest_key;
  // Smallest and largest sequence numbers of any entry; 0 when empty.
  SequenceNumber min_sequence = 0;
  SequenceNumber max_sequence = 0;
  // The compression the table was built with. A block whose compression
  // saved less than 12.5% is still stored uncompressed.
  CompressionType compression = kNoCompression;
};

// The properties block (uncompressed block bytes) for props.
std::string EncodeTableProperties(const TableProperties& props);

// Parses an uncompressed properties block. Corruption if the block is
// malformed, a number does not decode, a known name is missing or the
// compression name is unknown.
Status DecodeTableProperties(std::string contents, TableProperties* props);

}  // namespace strata

#endif  // STRATA_SSTABLE_TABLE_PROPERTIES_H_
