// SkipList: a sorted set of keys whose nodes live in an Arena; the index
// beneath the memtable.
//
// Thread-safety:
//   Writes (Insert) require external synchronization: one writer at a time.
//   Reads (Contains, Iterator) take no lock and are safe while one Insert runs
//   concurrently; they require only that the SkipList (and its Arena) outlive
//   them.
//
// Invariants:
//   (1) Nodes are never removed or freed before the SkipList is destroyed, so a
//       reader may hold a Node* for as long as the list lives.
//   (2) A node's key and height never change once it is linked in; only its
//       next pointers and its back link (6) are written afterwards.
//   (3) Level 0 links every node in strictly ascending key order; each level
//       i > 0 links a subsequence of level i - 1. No two keys compare equal.
//   (4) A node is published bottom-up, one level at a time: its own next[i] is
//       filled in first, then a release store into its predecessor's next[i]
//       links it. A reader that reaches a node through an acquire load
//       therefore sees its key and every next pointer below the link it
//       followed. A reader may see a node at level 0 but not yet at higher
//       levels; searches only lose speed, never correctness.
//   (5) max_height_ only grows, and head_ has kMaxHeight next pointers. It is
//       read and written relaxed: a reader that sees the new height before
//       the head's pointers at the new levels sees nullptr there, which reads
//       as an empty level and drops down; one that sees the old height starts
//       lower. Neither misses a published node, so no ordering is needed.
//   (6) Each node at level 0 also links back to the node before it (prev),
//       so an iterator steps backwards without a search. A new node's back
//       link is set before it is published; its successor's is switched to
//       it right after. So a node's back link is its level-0 predecessor or,
//       for a moment, the predecessor before the last insert in between: a
//       reader that sees the old one skips a node still being inserted,
//       whose entry was not yet visible to it, and stays in key order.
//
// Inline keys (InsertInline, for Key = const char*): the bytes a key points
// to are allocated with its node, right after the tower, so a search that
// meets a node reads its key from the same or the next cache line instead of
// from wherever the caller allocated it.
//
// Batches (Prepare, InsertBatch): nodes made first, then searched for
// together and linked in key order, each one by Link as a single insert
// would be; invariants (4) and (6) hold node by node.
//
// Key must be trivially destructible (the arena never runs destructors) and
// default-constructible (head_'s key, which is never read). Comparator is a
// copyable functor: int operator()(const Key& a, const Key& b) const returning
// <0, 0 or >0.

#ifndef STRATA_MEMTABLE_SKIPLIST_H_
#define STRATA_MEMTABLE_SKIPLIST_H_

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "util/arena.h"
#include "util/invariants.h"
#include "util/random.h"

namespace strata {

template <typename Key, class Comparator>
class SkipList {
 private:
  struct Node;
  static constexpr int kMaxHeight = 12;
  // Each node reaches level i + 1 with probability 1/kBranching given level i.
  static constexpr int kBranching = 4;
  // Scanner's stretches: cut at nodes of this level (one in 64), this many
  // walked at once (about 2,000 nodes a window).
  static constexpr int kScanLevel = 3;
  static constexpr size_t kScanStretches = 32;

 public:
  // Allocates nodes from *arena, which must outlive the list.
  SkipList(Comparator cmp, Arena* arena);
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // Inserts key.
  // REQUIRES: external synchronization with other Inserts.
  // REQUIRES: nothing that compares equal to key is in the list.
  void Insert(const Key& key);

  // A place in the list an insert leaves behind: the nodes just before and
  // just after the node it inserted at every level (the new node is "after"
  // where it is linked). An insert of a key that sorts right before that
  // node (the next version of a key overwritten again and again, which sorts
  // first among its versions) then needs no search. Writer-only state.
  class Splice {
   public:
    Splice() = default;

   private:
    friend class SkipList;
    bool valid_ = false;
    Node* prev_[kMaxHeight];
    Node* next_[kMaxHeight];
  };

  // As Insert(key), using *splice when it is still good for key: no node
  // was linked in at its place since it was made, at the levels the new
  // node takes, and key sorts between its level-0 neighbours (two
  // comparisons instead of a search). Either way, leaves *splice at the
  // place before the new node.
  // REQUIRES: as Insert; *splice was made by this list.
  void Insert(const Key& key, Splice* splice);

  // As Insert(key, splice) for a key whose bytes live in its node (see the
  // top of the file): allocates a node with payload_size bytes after its
  // tower (8-aligned), calls fill(payload) to write them, and inserts the
  // key payload + key_offset. Returns that key. fill runs before the node
  // is reachable; the caller may write the rest of the payload afterwards
  // only where no reader of the list looks.
  // REQUIRES: Key is const char*; key_offset < payload_size; as Insert.
  template <typename Fill>
  Key InsertInline(size_t payload_size, size_t key_offset, Fill&& fill, Splice* splice);

  // Batch inserts: a node is made first (Prepare, or PrepareInline with the
  // arguments of InsertInline) and linked in later by InsertBatch, which
  // searches for up to kMaxBatch keys at once (see there). Until then no
  // reader can reach the node.
  class Unlinked {
   public:
    Unlinked() = default;
    const Key& key() const { return node_->key; }
    int height() const { return height_; }

   private:
    friend class SkipList;
    Unlinked(Node* node, int height) : node_(node), height_(height) {}
    Node* node_ = nullptr;
    int height_ = 0;
  };
  // 64 rather than 16: more searches in step keep more misses in flight and
  // each prefetch further ahead of its use. skiplist_bench's
  // BM_EntryListInsertBatch, 1M random keys into a fresh list: 696 ms at 16,
  // 554 at 32, 505 at 64 (medians of 3).
  static constexpr size_t kMaxBatch = 64;
  Unlinked Prepare(const Key& key);
  // `height` 0 draws the node's height as every insert does; 1 makes a node
  // for TryLinkBefore (whatever height a node has, the list stays correct;
  // only its balance rests on the draw).
  template <typename Fill>
  Unlinked PrepareInline(size_t payload_size, size_t key_offset, Fill&& fill, int height = 0);

  // For inline keys: links the prepared `node` in right before the node
  // whose key is `next_key` (a key returned by InsertInline or
  // PrepareInline with this key_offset) when that is where it belongs and
  // costs no search: node has height 1, the node of next_key is linked in,
  // and node's key sorts between it and its level-0 predecessor (two
  // comparisons). A key written again whose last version the caller found
  // elsewhere (the memtable's hash index) goes in so. Returns false, leaving
  // node unlinked, otherwise.
  // REQUIRES: Key is const char*; as Insert.
  bool TryLinkBefore(const Unlinked& node, const Key& next_key, size_t key_offset);

  // Inserts the n prepared nodes' keys. The n searches walk the list in
  // step, each moving one node per round and prefetching the node it
  // compares next, so a large list's cache misses overlap n at a time
  // instead of following one another; the nodes are then linked in key
  // order, each search's place moved forward past the batch's nodes linked
  // before it. After a batch that fell in one gap of the list (keys in
  // sequence), only the first and last keys are searched for, and when they
  // share a gap every key takes that place: two searches for the batch
  // instead of n. Sorts nodes[0, n) by key.
  // REQUIRES: n <= kMaxBatch; the keys are distinct and none is in the
  // list; every node was prepared by this list; as Insert.
  void InsertBatch(Unlinked* nodes, size_t n);

  // True if an entry equal to key is in the list. Lock-free.
  bool Contains(const Key& key) const;

  // Walks every level and checks invariants (3) and (6) through STRATA_INVARIANT:
  // O(entries x height), for tests and invariant builds; a no-op unless
  // STRATA_INVARIANTS is defined. REQUIRES: no concurrent Insert.
  void CheckInvariants() const;

  // A cursor over the list. Lock-free; sees every node published before each
  // of its moves, and possibly some published during them.
  class Iterator {
   public:
    // The iterator starts not Valid(). REQUIRES: list outlives the iterator.
    explicit Iterator(const SkipList* list) : list_(list) {}

    bool Valid() const { return node_ != nullptr; }
    // REQUIRES: Valid().
    const Key& key() const {
      assert(Valid());
      return node_->key;
    }
    // REQUIRES: Valid().
    void Next() {
      assert(Valid());
      node_ = node_->Next(0);
      if (node_ != nullptr) PrefetchAhead(node_);
    }
    // REQUIRES: Valid().
    void Prev() {
      assert(Valid());
      // The level-0 back link (invariant 6): no search.
      node_ = node_->Prev();
      if (node_ != nullptr) PrefetchBehind(node_);
    }
    // Positions at the first entry >= target.
    void Seek(const Key& target) {
      node_ = list_->FindGreaterOrEqual(target, nullptr);
      if (node_ != nullptr) PrefetchAhead(node_);
    }
    // For inline keys: positions at the node whose key is `key` (a key
    // InsertInline or PrepareInline returned with this key_offset), without
    // a search, when that node is linked in; returns false, unchanged, when
    // it is not (pending, or being linked right now). The caller knows key
    // is where its Seek would land (the memtable's hash index tells it).
    bool SeekToInlineKey(const Key& key, size_t key_offset) {
      Node* x = list_->NodeOfInlineKey(key, key_offset);
      if (x == nullptr) return false;
      Node* prev = x->Prev();
      if ((prev == nullptr ? list_->head_ : prev)->Next(0) != x) return false;
      node_ = x;
      PrefetchAhead(node_);
      return true;
    }
    void SeekToFirst() {
      node_ = list_->head_->Next(0);
      if (node_ != nullptr) PrefetchAhead(node_);
    }
    void SeekToLast() {
      node_ = list_->FindLast();
      if (node_ == list_->head_) node_ = nullptr;
      if (node_ != nullptr) PrefetchBehind(node_);
    }

   private:
    // Nodes lie in the arena in insertion order, not key order, so each step
    // of a scan is a cache miss. Starts loading what the next two steps
    // read, while the caller works on this entry (a merged scan works on
    // other sources between two steps): the next node's key (for a pointer
    // key, the bytes it points to; that node was prefetched a step ago), and
    // the node after it.
    static void PrefetchAhead(Node* n) {
      Node* next = n->Next(0);
      if (next == nullptr) return;
      if constexpr (std::is_pointer_v<Key>) __builtin_prefetch(next->key);
      __builtin_prefetch(next->Next(0));
    }

    // The same for a walk backwards: the previous node's key, and the node
    // before it.
    static void PrefetchBehind(Node* n) {
      Node* prev = n->Prev();
      if (prev == nullptr) return;
      if constexpr (std::is_pointer_v<Key>) __builtin_prefetch(prev->key);
      __builtin_prefetch(prev->Prev());
    }

    const SkipList* list_;
    Node* node_ = nullptr;
  };

  // A forward pass over the whole list that reads ahead, for a reader that
  // visits every key in order (a flush). Iterator's scan takes one cache
  // miss after another, since each node's address is in the node before it.
  // The scanner instead walks kScanStretches stretches of level 0 at once,
  // one node of each per round, each node prefetched a round before it is
  // read, so the misses of a large list overlap. The stretches are cut at
  // nodes of level kScanLevel (one in kBranching^kScanLevel), found by a
  // walk along that level, and gathered a window at a time. Lock-free as
  // Iterator: sees every node published before it gathers the window the
  // node falls in (a node published later may be missed), in key order.
  class Scanner {
   public:
    // The scanner starts not Valid(). REQUIRES: list outlives the scanner.
    explicit Scanner(const SkipList* list) : list_(list) {}

    bool Valid() const { return stretch_ < filled_; }
    // REQUIRES: Valid().
    const Key& key() const {
      assert(Valid());
      return stretches_[stretch_][pos_]->key;
    }
    void SeekToFirst() {
      anchor_ = list_->head_;
      Gather();
    }
    // REQUIRES: Valid().
    void Next() {
      assert(Valid());
      if (++pos_ < stretches_[stretch_].size()) {
        // Back in the cache already, maybe no nearer than L2: a few ahead.
        if (pos_ + 4 < stretches_[stretch_].size()) {
          if constexpr (std::is_pointer_v<Key>) {
            __builtin_prefetch(stretches_[stretch_][pos_ + 4]->key);
          }
        }
        return;
      }
      pos_ = 0;
      while (++stretch_ < filled_ && stretches_[stretch_].empty()) {
      }
      if (stretch_ == filled_ && anchor_ != nullptr) Gather();  // the next window
    }

   private:
    // Fills the stretches after anchor_ (exclusive) and positions at the
    // first node gathered; anchor_ moves to the last node of the window, or
    // to nullptr once the window reached the end of the list.
    void Gather();

    const SkipList* list_;
    // The window's stretches of level-0 nodes, in key order.
    std::vector<Node*> stretches_[kScanStretches];
    size_t filled_ = 0;   // stretches in use in this window
    size_t stretch_ = 0;  // the position: stretches_[stretch_][pos_]
    size_t pos_ = 0;
    Node* anchor_ = nullptr;  // the node before the next window (head_ first)
  };

 private:
  int GetMaxHeight() const { return max_height_.load(std::memory_order_relaxed); }
  // Bytes of a node of the given height.
  static size_t NodeSize(int height);
  Node* NewNode(const Key& key, int height);
  // Constructs a node of the given height with key at mem (NodeSize(height)
  // bytes, aligned for a Node).
  static Node* ConstructNode(char* mem, const Key& key, int height);
  // Links x, of the given height, in at its place (Insert's second half).
  void Link(Node* x, int height, Splice* splice);
  // Links x in between splice's prev and next at each of its levels.
  // REQUIRES: they are its neighbours there.
  void LinkAt(Node* x, int height, Splice* splice);
  int RandomHeight();
  bool Equal(const Key& a, const Key& b) const { return compare_(a, b) == 0; }
  // True if key sorts after n's key; a null n is past the end, never before.
  bool KeyIsAfterNode(const Key& key, const Node* n) const {
    return n != nullptr && compare_(n->key, key) < 0;
  }
  // The first node with key >= key, or nullptr. If prev is not null, fills
  // prev[level] with the last node before it at each level below
  // GetMaxHeight().
  Node* FindGreaterOrEqual(const Key& key, Node** prev) const;
  // The last node, or head_ if the list is empty.
  Node* FindLast() const;
  // FindGreaterOrEqual's search for n keys at once (InsertBatch): fills
  // each splice's prev and next at every level.
  void FindSplices(const Key* keys, Splice* splices, size_t n) const;
  // For inline keys: the node of `key` (see TryLinkBefore), or nullptr if
  // none of its possible starts holds it. Any thread: the candidates are
  // read atomically, as the back links and next pointers that the wrong
  // ones land on are written concurrently.
  Node* NodeOfInlineKey(const Key& key, size_t key_offset) const;

  // Const after construction.
  Comparator const compare_;
  Arena* const arena_;
  Node* const head_;

  // Writer-only (externally synchronized).
  Random rnd_;
  // InsertBatch's last batch landed in one gap of the list (its first and
  // last keys' searches found the same level-0 place).
  bool last_batch_was_run_ = false;

  // Atomic because readers load it concurrently with the writer; relaxed by
  // invariant (5).
  std::atomic<int> max_height_;
};

// A node is allocated with room for `height` next pointers: next_ is declared
// with one element and the node's allocation extends it, the flexible-array
// idiom. Each extra slot is constructed with placement new in NewNode.
template <typename Key, class Comparator>
struct SkipList<Key, Comparator>::Node {
  explicit Node(const Key& k) : key(k) {}

  Key const key;

  // The level-0 back link (invariant 6): the node before this one, or
  // nullptr for the first. Acquire pairs with the writer's release store.
  Node* Prev() const { return prev_.load(std::memory_order_acquire); }
  void SetPrev(Node* x) { prev_.store(x, std::memory_order_release); }
  void NoBarrierSetPrev(Node* x) { prev_.store(x, std::memory_order_relaxed); }

  // Acquire pairs with SetNext's release: the node read is fully initialized.
  Node* Next(int level) {
    assert(level >= 0);
    return next_[level].load(std::memory_order_acquire);
  }
  void SetNext(int level, Node* x) {
    assert(level >= 0);
    next_[level].store(x, std::memory_order_release);
  }
  // For the writer, and for a node not yet visible to readers, where no
  // ordering is needed.
  Node* NoBarrierNext(int level) { return next_[level].load(std::memory_order_relaxed); }
  void NoBarrierSetNext(int level, Node* x) { next_[level].store(x, std::memory_order_relaxed); }
  void InitNext(int level) { new (&next_[level]) std::atomic<Node*>(nullptr); }

 private:
  std::atomic<Node*> prev_{nullptr};
  // next_[i] links this node into level i; the node's height is the array's
  // real length.
  std::atomic<Node*> next_[1];
};

template <typename Key, class Comparator>
size_t SkipList<Key, Comparator>::NodeSize(int height) {
  assert(height >= 1 && height <= kMaxHeight);
  return sizeof(Node) + sizeof(std::atomic<Node*>) * (height - 1);
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::ConstructNode(char* mem,
                                                                                   const Key& key,
                                                                                   int height) {
  static_assert(std::is_trivially_destructible_v<Node>, "the arena never runs destructors");
  static_assert(alignof(Node) <= alignof(std::max_align_t), "AllocateAligned's guarantee");
  Node* node = new (mem) Node(key);  // constructs next_[0]
  // TryLinkBefore finds a node by its first bytes: the key pointer.
  assert(static_cast<const void*>(&node->key) == static_cast<const void*>(mem));
  for (int i = 1; i < height; i++) node->InitNext(i);
  return node;
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::NewNode(const Key& key,
                                                                             int height) {
  return ConstructNode(arena_->AllocateAligned(NodeSize(height)), key, height);
}

template <typename Key, class Comparator>
SkipList<Key, Comparator>::SkipList(Comparator cmp, Arena* arena)
    : compare_(cmp),
      arena_(arena),
      head_(NewNode(Key(), kMaxHeight)),
      rnd_(0xdeadbeef),
      max_height_(1) {}

template <typename Key, class Comparator>
int SkipList<Key, Comparator>::RandomHeight() {
  int height = 1;
  while (height < kMaxHeight && rnd_.OneIn(kBranching)) height++;
  return height;
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindGreaterOrEqual(
    const Key& key, Node** prev) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  // The node that stopped the walk one level up: key is known not to be
  // after it, so meeting it again on a lower level needs no comparison
  // (each comparison is a cache miss or two in a large memtable).
  Node* known_not_before = nullptr;
  while (true) {
    Node* next = x->Next(level);
    // The node the walk meets first if it goes down from x: start loading
    // it while next is compared, so that the miss on it overlaps this one
    // instead of following it. (A relaxed read: only a prefetch uses it.)
    if (level > 0) {
      Node* down = x->NoBarrierNext(level - 1);
      if (down != next) __builtin_prefetch(down);
    }
    if (next != known_not_before && KeyIsAfterNode(key, next)) {
      x = next;
      continue;
    }
    if (prev != nullptr) prev[level] = x;
    if (level == 0) return next;
    known_not_before = next;
    level--;
  }
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Scanner::Gather() {
  // The stretch ends: up to kScanStretches nodes of level kScanLevel after
  // the anchor (head_, or the last end of the window before: a node of that
  // level too). A node at that level was linked at level 0 first (invariant
  // 4), so the walk of a stretch meets its end.
  Node* ends[kScanStretches];
  Node* starts[kScanStretches];
  size_t n = 0;
  Node* a = anchor_;
  while (n < kScanStretches) {
    starts[n] = a;
    Node* end = a->Next(kScanLevel);
    ends[n++] = end;
    if (end == nullptr) break;
    __builtin_prefetch(end);
    a = end;
  }
  // Stretch k: the level-0 nodes after starts[k], up to and including
  // ends[k] (to the end of the list for a null end).
  Node* cursor[kScanStretches];
  for (size_t k = 0; k < n; k++) {
    stretches_[k].clear();
    cursor[k] = starts[k]->Next(0);
    if (cursor[k] != nullptr) __builtin_prefetch(cursor[k]);
  }
  for (size_t active = n; active > 0;) {
    active = 0;
    for (size_t k = 0; k < n; k++) {
      Node* x = cursor[k];
      if (x == nullptr) continue;
      stretches_[k].push_back(x);
      if (x == ends[k]) {
        cursor[k] = nullptr;
        continue;
      }
      Node* next = x->Next(0);
      if (next != nullptr) __builtin_prefetch(next);
      cursor[k] = next;
      active++;
    }
  }
  anchor_ = ends[n - 1];
  filled_ = n;
  stretch_ = 0;
  pos_ = 0;
  // A stretch with an end holds it: only the last one, run to the end of
  // the list, can be empty (and with it the window, for an empty list).
  while (stretch_ < filled_ && stretches_[stretch_].empty()) stretch_++;
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLast() const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next != nullptr) {
      x = next;
      continue;
    }
    if (level == 0) return x;
    level--;
  }
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Insert(const Key& key) {
  Splice splice;  // none yet: a search
  Insert(key, &splice);
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Insert(const Key& key, Splice* splice) {
  const int height = RandomHeight();
  Link(NewNode(key, height), height, splice);
}

template <typename Key, class Comparator>
template <typename Fill>
Key SkipList<Key, Comparator>::InsertInline(size_t payload_size, size_t key_offset, Fill&& fill,
                                            Splice* splice) {
  Unlinked node = PrepareInline(payload_size, key_offset, std::forward<Fill>(fill));
  Link(node.node_, node.height_, splice);
  return node.key();
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Unlinked SkipList<Key, Comparator>::Prepare(const Key& key) {
  const int height = RandomHeight();
  return Unlinked(NewNode(key, height), height);
}

template <typename Key, class Comparator>
template <typename Fill>
typename SkipList<Key, Comparator>::Unlinked SkipList<Key, Comparator>::PrepareInline(
    size_t payload_size, size_t key_offset, Fill&& fill, int height) {
  static_assert(std::is_same_v<Key, const char*>, "inline keys are byte pointers");
  static_assert(sizeof(Node) % alignof(Node) == 0, "the payload starts aligned");
  assert(key_offset < payload_size);
  assert(height >= 0 && height <= kMaxHeight);
  if (height == 0) height = RandomHeight();
  const size_t node_size = NodeSize(height);
  char* const mem = arena_->AllocateAligned(node_size + payload_size);
  char* const payload = mem + node_size;
  fill(payload);
  return Unlinked(ConstructNode(mem, payload + key_offset, height), height);
}

template <typename Key, class Comparator>
bool SkipList<Key, Comparator>::TryLinkBefore(const Unlinked& node, const Key& next_key,
                                              size_t key_offset) {
  static_assert(std::is_same_v<Key, const char*>, "inline keys are byte pointers");
  if (node.height_ != 1) return false;
  Node* next = NodeOfInlineKey(next_key, key_offset);
  if (next == nullptr) return false;
  Node* prev = next->Prev();
  if (prev == nullptr) prev = head_;
  // Not linked in yet (a batch's node still pending), or a back link about
  // to change: no shortcut.
  if (prev->NoBarrierNext(0) != next) return false;
  if (compare_(node.key(), next->key) >= 0) return false;
  if (prev != head_ && compare_(prev->key, node.key()) >= 0) return false;
  Splice splice;  // level 0 only: the node's one level
  splice.prev_[0] = prev;
  splice.next_[0] = next;
  LinkAt(node.node_, 1, &splice);
  return true;
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::NodeOfInlineKey(
    const Key& key, size_t key_offset) const {
  static_assert(std::is_same_v<Key, const char*>, "inline keys are byte pointers");
  // key's node ends where its payload starts (PrepareInline), and its
  // height is unknown: of the 12 places the node could start, the right one
  // begins with a pointer to key. The others lie inside the node, on its
  // back link or its next pointers, which point at nodes, never at a
  // payload: the first match walking back from the payload is the node.
  const char* payload = key - key_offset;
  for (int height = 1; height <= kMaxHeight; height++) {
    char* start = const_cast<char*>(payload - NodeSize(height));
    const char* word = std::atomic_ref<const char*>(*reinterpret_cast<const char**>(start))
                           .load(std::memory_order_relaxed);
    if (word == key) return reinterpret_cast<Node*>(start);
  }
  return nullptr;
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::FindSplices(const Key* keys, Splice* splices, size_t n) const {
  // One cursor per key, as FindGreaterOrEqual's locals: x, the node it
  // compares next (prefetched a round before), and known_not_before.
  struct Cursor {
    Node* x;
    Node* next;
    Node* known_not_before;
    int level;
  };
  Cursor cursors[kMaxBatch];
  const int top = GetMaxHeight() - 1;
  for (size_t k = 0; k < n; k++) {
    cursors[k] = {head_, head_->Next(top), nullptr, top};
    for (int i = top + 1; i < kMaxHeight; i++) {
      splices[k].prev_[i] = head_;
      splices[k].next_[i] = head_->NoBarrierNext(i);
    }
  }
  size_t active = n;
  while (active > 0) {
    for (size_t k = 0; k < n; k++) {
      Cursor& c = cursors[k];
      if (c.level < 0) continue;
      if (c.next != c.known_not_before && KeyIsAfterNode(keys[k], c.next)) {
        c.x = c.next;
      } else {
        splices[k].prev_[c.level] = c.x;
        splices[k].next_[c.level] = c.next;
        if (c.level == 0) {
          c.level = -1;
          active--;
          continue;
        }
        c.known_not_before = c.next;
        c.level--;
      }
      // x was just compared (or is where the walk went down): its next
      // pointers are in cache. The node they lead to is compared when this
      // cursor's turn comes again, after the other cursors' loads.
      c.next = c.x->Next(c.level);
      if (c.next != nullptr && c.next != c.known_not_before) {
        __builtin_prefetch(c.next);
        __builtin_prefetch(reinterpret_cast<const char*>(c.next) + 64);
      }
    }
  }
  for (size_t k = 0; k < n; k++) splices[k].valid_ = true;
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::InsertBatch(Unlinked* nodes, size_t n) {
  assert(n <= kMaxBatch);
  if (n == 0) return;
  auto less = [this](const Unlinked& a, const Unlinked& b) {
    return compare_(a.key(), b.key()) < 0;
  };
  // A batch often comes in order or in reverse (fillseq, a list's RPUSHes;
  // its LPUSHes): n - 1 comparisons tell, where sorting them took 4-5n (a
  // third of InsertBatch under LPUSH). Any other batch costs the checks a
  // comparison or two before it is sorted.
  if (!std::is_sorted(nodes, nodes + n, less)) {
    auto greater = [&less](const Unlinked& a, const Unlinked& b) { return less(b, a); };
    if (std::is_sorted(nodes, nodes + n, greater)) {
      std::reverse(nodes, nodes + n);
    } else {
      std::sort(nodes, nodes + n, less);
    }
  }
  Key keys[kMaxBatch];
  for (size_t k = 0; k < n; k++) keys[k] = nodes[k].key();
  Splice splices[kMaxBatch];
  if (n >= 3 && last_batch_was_run_) {
    // The last batch fell in one gap of the list (fillseq, a list's pushes,
    // a sequence of keys): search for this one's first and last keys only.
    // If both land in the same level-0 gap, no node lies between them, and
    // every key of the batch lands there too, at every level: each search
    // would have found what theirs found.
    Key ends[2] = {keys[0], keys[n - 1]};
    Splice end_splices[2];
    FindSplices(ends, end_splices, 2);
    splices[0] = end_splices[0];
    splices[n - 1] = end_splices[1];
    last_batch_was_run_ = end_splices[0].prev_[0] == end_splices[1].prev_[0];
    if (last_batch_was_run_) {
      for (size_t k = 1; k + 1 < n; k++) splices[k] = end_splices[0];
    } else {
      FindSplices(keys + 1, splices + 1, n - 2);
    }
  } else {
    FindSplices(keys, splices, n);
    last_batch_was_run_ = n >= 2 && splices[0].prev_[0] == splices[n - 1].prev_[0];
  }
  // The batch's node linked last at each level: it sorts before every key
  // still to link.
  Node* last[kMaxHeight] = {};
  for (size_t k = 0; k < n; k++) {
    Splice& splice = splices[k];
    // The searches saw the list before this batch's earlier (smaller) keys
    // were linked in; the list only grew since, so each prev still sorts
    // before the key, and the right one is at most a few of those new nodes
    // further on, or the batch's last node at that level itself when it
    // lies after prev (keys in a run: no walk at all).
    for (int i = 0; i < nodes[k].height_; i++) {
      Node* x = splice.prev_[i];
      Node* next = x->NoBarrierNext(i);
      if (next == splice.next_[i]) continue;
      if (last[i] != nullptr && (x == head_ || compare_(x->key, last[i]->key) < 0)) {
        x = last[i];
        next = x->NoBarrierNext(i);
      }
      while (KeyIsAfterNode(keys[k], next)) {
        x = next;
        next = x->NoBarrierNext(i);
      }
      splice.prev_[i] = x;
      splice.next_[i] = next;
    }
    Link(nodes[k].node_, nodes[k].height_, &splice);
    for (int i = 0; i < nodes[k].height_; i++) last[i] = nodes[k].node_;
  }
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Link(Node* x, int height, Splice* splice) {
  const Key& key = x->key;
  Node** prev = splice->prev_;
  Node** next = splice->next_;
  // The splice holds for the levels the new node is linked into when each
  // still links prev[i] to next[i] (nothing was inserted between them) and
  // key sorts between the level-0 pair: each higher pair encloses the
  // level-0 one (a search records them so, and nodes never move), so key
  // sorts between them too. Levels above the new node's height are not
  // checked: a key overwritten again and again sorts right before its last
  // version, while the nodes after it at high levels change with inserts far
  // away.
  bool usable = splice->valid_;
  for (int i = 0; usable && i < height; i++) usable = prev[i]->NoBarrierNext(i) == next[i];
  usable = usable && (prev[0] == head_ || compare_(prev[0]->key, key) < 0) &&
           (next[0] == nullptr || compare_(key, next[0]->key) < 0);
  if (!usable) {
    FindGreaterOrEqual(key, prev);
    for (int i = GetMaxHeight(); i < kMaxHeight; i++) prev[i] = head_;
    for (int i = 0; i < kMaxHeight; i++) next[i] = prev[i]->NoBarrierNext(i);
    assert(next[0] == nullptr || !Equal(key, next[0]->key));
  }
  LinkAt(x, height, splice);
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::LinkAt(Node* x, int height, Splice* splice) {
  [[maybe_unused]] const Key& key = x->key;  // for the invariant checks
  Node** prev = splice->prev_;
  Node** next = splice->next_;
  if (height > GetMaxHeight()) max_height_.store(height, std::memory_order_relaxed);
  for (int i = 0; i < height; i++) {
    STRATA_INVARIANT(prev[i] == head_ || compare_(prev[i]->key, key) < 0);
    STRATA_INVARIANT(next[i] == nullptr || compare_(key, next[i]->key) < 0);
    // x is not yet reachable, so its own pointer needs no ordering; the
    // release store into prev[i] publishes it (invariant 4).
    x->NoBarrierSetNext(i, next[i]);
    if (i == 0) x->NoBarrierSetPrev(prev[0] == head_ ? nullptr : prev[0]);
    prev[i]->SetNext(i, x);
    // After x is reachable forwards: a reader that follows the back link
    // to x finds it initialized (release), one that still sees the old link
    // skips x, which it may (invariant 6).
    if (i == 0 && next[0] != nullptr) next[0]->SetPrev(x);
    next[i] = x;  // the next insert goes before x
  }
  splice->valid_ = true;
}

template <typename Key, class Comparator>
bool SkipList<Key, Comparator>::Contains(const Key& key) const {
  Node* x = FindGreaterOrEqual(key, nullptr);
  return x != nullptr && Equal(key, x->key);
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::CheckInvariants() const {
  if constexpr (kInvariantChecks) {
    for (int level = 0; level < GetMaxHeight(); level++) {
      // Ascending at every level; below level 0, every node met is also met
      // walking the level beneath from the same start.
      Node* below = head_;
      Node* before = nullptr;  // level 0's back links, invariant (6)
      for (Node* x = head_->Next(level); x != nullptr; x = x->Next(level)) {
        Node* next = x->Next(level);
        STRATA_INVARIANT(next == nullptr || compare_(x->key, next->key) < 0);
        if (level == 0) {
          STRATA_INVARIANT(x->Prev() == before);
          before = x;
        }
        if (level > 0) {
          while (below != nullptr && below != x) below = below->Next(level - 1);
          STRATA_INVARIANT(below == x);
        }
      }
    }
  }
}

}  // namespace strata

#endif  // STRATA_MEMTABLE_SKIPLIST_H_
