// MergingIterator; see merging_iterator.h.

#include "lsm/merging_iterator.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "util/internal_key.h"
#include "util/invariants.h"

namespace strata {
namespace {

class MergingIterator final : public Iterator {
 public:
  MergingIterator(const InternalKeyComparator& comparator,
                  std::vector<std::unique_ptr<Iterator>> children)
      : comparator_(comparator) {
    children_.reserve(children.size());
    for (auto& child : children) children_.push_back(Child{std::move(child), {}, {}, false});
    heap_.reserve(children_.size());
  }

  bool Valid() const override { return !heap_.empty(); }

  void SeekToFirst() override {
    for (auto& child : children_) child.iter->SeekToFirst();
    Rebuild(Direction::kForward);
  }

  void SeekToLast() override {
    for (auto& child : children_) child.iter->SeekToLast();
    Rebuild(Direction::kReverse);
  }

  void Seek(std::string_view target) override {
    if (direction_ == Direction::kForward && Valid() && comparator_.Compare(target, key()) > 0) {
      SeekForward(target);
      return;
    }
    for (auto& child : children_) child.iter->Seek(target);
    Rebuild(Direction::kForward);
  }

  void Next() override {
    assert(Valid());
    if constexpr (kInvariantChecks) previous_key_.assign(key());
    NextImpl();
    // Each child is ordered, so the merge must be. Not strictly: two sources
    // may hold one internal key (see the direction switch).
    STRATA_INVARIANT(!Valid() || comparator_.Compare(previous_key_, key()) <= 0);
  }

  void Prev() override {
    assert(Valid());
    if constexpr (kInvariantChecks) previous_key_.assign(key());
    PrevImpl();
    STRATA_INVARIANT(!Valid() || comparator_.Compare(previous_key_, key()) >= 0);
  }

  std::string_view key() const override { return current()->key; }
  std::string_view value() const override { return current()->value; }

  Status status() const override {
    for (const auto& child : children_) {
      Status s = child.iter->status();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 private:
  enum class Direction { kForward, kReverse };

  // A child and its position as of its last move. The heap compares the
  // cached keys: a child's key() is a chain of virtual calls (level, table,
  // pinned block), and the sift after each Next compares it several times.
  // The value is cached with it: a reader asks for each entry's value twice
  // (DBIter's read sampling counts its bytes, then the caller reads it), a
  // chain of four or five calls each time, where Update makes one. Both stay
  // valid until the child moves, as key() and value() do.
  struct Child {
    std::unique_ptr<Iterator> iter;
    std::string_view key;
    std::string_view value;
    bool valid = false;

    // Call after every move of iter.
    void Update() {
      valid = iter->Valid();
      if (valid) {
        key = iter->key();
        value = iter->value();
      }
    }
  };

  void NextImpl() {
    if (direction_ != Direction::kForward) {
      // Every other child sits before key(); move each to its first entry
      // after key().
      std::string key(current()->key);
      for (auto& child : children_) {
        if (&child == current()) continue;
        child.iter->Seek(key);
        if (child.iter->Valid() && comparator_.Compare(child.iter->key(), key) == 0) {
          child.iter->Next();
        }
      }
      current()->iter->Next();
      Rebuild(Direction::kForward);
      return;
    }
    current()->iter->Next();
    FixTop();
  }

  void PrevImpl() {
    if (direction_ != Direction::kReverse) {
      // Every other child sits after key(); move each to its last entry
      // before key(). A memtable child can gain entries while this runs (a
      // concurrent write, newer than any reader's snapshot): the entry
      // before where its seek landed, or its last entry, may then be one
      // just written after key(). Stepping back until it is below key()
      // keeps the merge in order.
      std::string key(current()->key);
      for (auto& child : children_) {
        if (&child == current()) continue;
        Iterator* it = child.iter.get();
        it->Seek(key);
        if (it->Valid()) {
          it->Prev();
        } else {
          it->SeekToLast();
        }
        while (it->Valid() && comparator_.Compare(it->key(), key) >= 0) it->Prev();
      }
      current()->iter->Prev();
      Rebuild(Direction::kReverse);
      return;
    }
    current()->iter->Prev();
    FixTop();
  }

  // Seek to a target above key() while moving forward (a reader skipping a
  // run of deleted keys, say): a valid child at or above target is already
  // where a seek would put it, since every entry it passed was at most
  // key() or below an earlier seek target, both below target. Only the
  // others seek (exhausted ones too: a bound may have stopped them short),
  // so a skip within one source reads no block of the rest.
  void SeekForward(std::string_view target) {
    for (auto& child : children_) {
      if (child.valid && comparator_.Compare(child.key, target) >= 0) continue;
      child.iter->Seek(target);  // the top child, at key(), always does
    }
    Rebuild(Direction::kForward);
  }

  Child* current() const { return heap_.front(); }

  // std::*_heap keep the "largest" element by this order on top, so forward
  // iteration inverts the key order to keep the smallest key there.
  bool HeapBefore(const Child* a, const Child* b) const {
    int r = comparator_.Compare(a->key, b->key);
    return direction_ == Direction::kForward ? r > 0 : r < 0;
  }

  void Rebuild(Direction direction) {
    direction_ = direction;
    runner_up_ = 0;
    heap_.clear();
    for (auto& child : children_) {
      child.Update();
      if (child.valid) {
        heap_.push_back(&child);
      } else if (!child.iter->status().ok()) {
        // A source that failed may have held newer versions of the keys the
        // others hold: going on without it could surface stale values.
        heap_.clear();
        return;
      }
    }
    std::make_heap(heap_.begin(), heap_.end(),
                   [this](const Child* a, const Child* b) { return HeapBefore(a, b); });
  }

  // The top child moved: sift it down to its place, or drop it if exhausted.
  //
  // Most moves leave the top child on top: a scan takes runs of entries from
  // one source (a level's next block, a table written in key order). Of the
  // root's two children, the one a sift would pick is cached in runner_up_:
  // it changes only when one of them does, which the top staying on top
  // never does. So such a move costs one comparison, not two.
  void FixTop() {
    Child* top = heap_.front();
    top->Update();
    size_t i = 0;
    if (!top->valid) {
      if (!top->iter->status().ok()) {
        heap_.clear();  // stop at the error, as in Rebuild
        return;
      }
      std::swap(heap_.front(), heap_.back());
      heap_.pop_back();
      runner_up_ = 0;
    } else if (heap_.size() > 1) {
      if (runner_up_ == 0) {
        runner_up_ = heap_.size() > 2 && HeapBefore(heap_[1], heap_[2]) ? 2 : 1;
      }
      // The same choice the sift below makes at the root, ties included.
      if (!HeapBefore(top, heap_[runner_up_])) return;
      std::swap(heap_[0], heap_[runner_up_]);
      i = runner_up_;
      runner_up_ = 0;
    }
    size_t n = heap_.size();
    while (true) {
      size_t best = i;
      size_t left = 2 * i + 1;
      size_t right = left + 1;
      if (left < n && HeapBefore(heap_[best], heap_[left])) best = left;
      if (right < n && HeapBefore(heap_[best], heap_[right])) best = right;
      if (best == i) break;
      std::swap(heap_[i], heap_[best]);
      i = best;
    }
  }

  const InternalKeyComparator comparator_;
  std::vector<Child> children_;  // never resized after construction: heap_ points into it
  std::vector<Child*> heap_;     // the valid children, heap-ordered by direction_
  Direction direction_ = Direction::kForward;
  // Index (1 or 2) of the root's child that a sift would swap with the root,
  // or 0 when not known: set by FixTop, cleared whenever heap_[1] or heap_[2]
  // may have changed.
  size_t runner_up_ = 0;
  std::string previous_key_;  // used only by the STRATA_INVARIANTS checks
};

}  // namespace

std::unique_ptr<Iterator> NewMergingIterator(const InternalKeyComparator& comparator,
                                             std::vector<std::unique_ptr<Iterator>> children) {
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<MergingIterator>(comparator, std::move(children));
}

}  // namespace strata
