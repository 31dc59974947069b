// SnapshotList: the snapshots a DB has handed out, oldest first.
//
// Invariant: sequence numbers are non-decreasing from oldest to newest,
// because a snapshot takes the latest sequence at the moment it is made.
//
// Thread-safety: requires external synchronization (the DB mutex).

#ifndef STRATA_LSM_SNAPSHOT_LIST_H_
#define STRATA_LSM_SNAPSHOT_LIST_H_

#include <cassert>
#include <list>
#include <vector>

#include "strata/snapshot.h"
#include "util/internal_key.h"

namespace strata {

class SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(SequenceNumber seq) : sequence_(seq) {}
  SequenceNumber sequence() const { return sequence_; }

 private:
  friend class SnapshotList;
  const SequenceNumber sequence_;
  std::list<SnapshotImpl*>::iterator position_;
};

class SnapshotList {
 public:
  SnapshotList() = default;
  SnapshotList(const SnapshotList&) = delete;
  SnapshotList& operator=(const SnapshotList&) = delete;
  ~SnapshotList() { assert(list_.empty()); }

  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  // REQUIRES: !empty().
  SequenceNumber OldestSequence() const { return list_.front()->sequence(); }

  // Every snapshot's sequence number, oldest first (so ascending).
  std::vector<SequenceNumber> Sequences() const {
    std::vector<SequenceNumber> result;
    result.reserve(list_.size());
    for (const SnapshotImpl* s : list_) result.push_back(s->sequence());
    return result;
  }

  const SnapshotImpl* New(SequenceNumber seq) {
    assert(list_.empty() || list_.back()->sequence() <= seq);
    auto* s = new SnapshotImpl(seq);
    s->position_ = list_.insert(list_.end(), s);
    return s;
  }

  // REQUIRES: snapshot came from New on this list and was not released.
  void Release(const SnapshotImpl* snapshot) {
    list_.erase(snapshot->position_);
    delete snapshot;
  }

 private:
  // Owned: each element is deleted by Release. Raw pointers because the
  // public API hands out const Snapshot* and takes it back.
  std::list<SnapshotImpl*> list_;
};

}  // namespace strata

#endif  // STRATA_LSM_SNAPSHOT_LIST_H_
