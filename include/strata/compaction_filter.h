// CompactionFilter: an application's say over what compaction (and, if asked,
// flush) keeps. Set one in Options::compaction_filter to drop expired data or
// rewrite values in the background, without a read-modify-write pass of its
// own.
//
// What the filter is shown, and what its answer may change (the invariants;
// src/lsm/compaction_filter_iterator.h enforces them):
//  1. Only a user key's newest version in the compaction's (or flush's) input,
//     and only if it is a value: tombstones, and the older versions behind
//     the newest, are never shown.
//  2. Only a version no live snapshot can see, i.e. one written after the
//     newest snapshot was taken. A snapshot's reads are therefore never
//     changed by a filter; a version some snapshot holds is filtered by a
//     later compaction, once the snapshot is released.
//  3. kRemove makes the key read as deleted (Get returns NotFound, iterators
//     skip it), even when older versions of it live in levels below the
//     compaction's: the version becomes a tombstone with the same sequence
//     number, which hides them, and compaction drops that tombstone once it
//     reaches the bottom of the tree and no snapshot needs it.
//  4. kChangeValue replaces the version's value; its sequence number stays.
//  5. Range tombstones (DB::DeleteRange) are never shown, and a version the
//     filter keeps or rewrites stays deleted if one covers it.
// The filter does not see newer versions of the key that sit in the
// memtables or in levels above the compaction, so it may be asked about a
// version that reads already ignore; its answer then changes nothing a read
// returns.
//
// Thread-safety: Filter is called from background threads, several at once (one per running
// compaction, plus a flush), so it must be safe for concurrent use: const, any state it keeps
// synchronized by the filter. It must not WRITE to the DB that runs it (a write may stall until
// compactions catch up, waiting for the very one that calls the filter). Reads (Get, NewIterator)
// are allowed: the filter runs without the DB mutex, which a read holds only to pin the current
// state, so a read never waits for flush or compaction. It must outlive every DB that uses it.

#ifndef STRATA_COMPACTION_FILTER_H_
#define STRATA_COMPACTION_FILTER_H_

#include <string>
#include <string_view>

#include "strata/export.h"

namespace strata {

class STRATA_EXPORT CompactionFilter {
 public:
  // What to do with the version shown to Filter.
  enum class Decision {
    kKeep,         // write it out unchanged
    kRemove,       // the key reads as deleted (invariant 3 above)
    kChangeValue,  // write *new_value instead of the value
  };

  // Where the filter is being run.
  struct Context {
    // The level the output is written to: 0 for a flush, else the
    // compaction's output level.
    int level = 0;
    // A flush (Options::compaction_filter_at_flush), not a compaction.
    bool is_flush = false;
    // Part of DB::CompactRange, rather than picked by the background thread.
    bool is_manual_compaction = false;
    // The compaction's inputs are every table of the database, so it sees
    // every key's newest version outside the memtables.
    bool is_full_compaction = false;
    // Distinct for every flush and compaction a DB runs (counting from 1;
    // every call of one job sees the same). A filter may remember what it
    // learned for the keys of one job (say, a lookup shared by a run of
    // keys) and must not trust it in the next, which may come much later.
    uint64_t job_id = 0;
  };

  virtual ~CompactionFilter();

  // Identifies the filter in errors and logs, e.g. "myapp.TtlFilter".
  // Must not be null or empty (Open fails with InvalidArgument).
  virtual const char* Name() const = 0;

  // Decides the fate of the newest version of user_key, whose value is
  // value. For kChangeValue, set *new_value (it starts empty; its bytes are
  // copied). An exception thrown here fails the compaction or flush with an
  // IOError naming the filter, handled like a failed table write: its inputs
  // stay, nothing acknowledged is lost, and the error is sticky (writes fail
  // until the database is reopened). So a filter should not throw.
  virtual Decision Filter(const Context& context, std::string_view user_key, std::string_view value,
                          std::string* new_value) const = 0;
};

}  // namespace strata

#endif  // STRATA_COMPACTION_FILTER_H_
