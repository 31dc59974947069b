// Transaction (the EXEC overlay) and TransactionGate: see transaction.h.

#include "server/transaction.h"

#include "server/metadata.h"
#include "util/coding.h"

namespace strata::server {

std::optional<std::string_view> UserKeyOfEngineKey(std::string_view key) {
  if (key.empty()) return std::nullopt;
  if (key[0] == kMetadataPrefix) return key.substr(1);
  if (key[0] != kSubkeyPrefix || key.size() < 5) return std::nullopt;
  const uint32_t len = DecodeBigEndian32(key.data() + 1);
  if (key.size() - 5 < len) return std::nullopt;
  return key.substr(5, len);
}

// Applies a batch's updates to the overlay (transaction.h, invariant 1).
class Transaction::Applier : public WriteBatch::Handler {
 public:
  explicit Applier(Transaction* txn) : txn_(txn) {}
  void Put(std::string_view key, std::string_view value) override {
    txn_->writes_.insert_or_assign(std::string(key), std::string(value));
  }
  void Delete(std::string_view key) override {
    txn_->writes_.insert_or_assign(std::string(key), std::nullopt);
  }
  void DeleteRange(std::string_view begin, std::string_view end) override {
    if (!(begin < end)) return;
    txn_->writes_.erase(txn_->writes_.lower_bound(begin), txn_->writes_.lower_bound(end));
    txn_->cleared_.emplace_back(begin, end);
  }

 private:
  Transaction* const txn_;
};

const std::pair<std::string, std::string>* Transaction::ClearedRange(std::string_view key) const {
  for (const auto& range : cleared_) {
    if (range.first <= key && key < range.second) return &range;
  }
  return nullptr;
}

Status Transaction::Get(DB* db, std::string_view key, std::string* value) const {
  auto it = writes_.find(key);
  if (it != writes_.end()) {
    if (!it->second.has_value()) return Status::NotFound("deleted in this transaction");
    *value = *it->second;
    return Status::OK();
  }
  if (ClearedRange(key) != nullptr) return Status::NotFound("flushed in this transaction");
  return db->Get(ReadOptions(), key, value);
}

Status Transaction::Add(const WriteBatch& batch) {
  Applier applier(this);
  Status s = batch.Iterate(&applier);
  if (!s.ok()) return s;
  batch_.Append(batch);
  return Status::OK();
}

// The overlay's writes merged with the database's keys. Both sources are
// kept positioned relative to the current key: moving forward, each at its
// first entry >= the current key; moving backward, each at its last entry
// <= it. On equal keys the overlay wins (the database's entry is shadowed);
// overlay deletions and database keys in a cleared range are skipped.
class OverlayIterator : public Iterator {
 public:
  OverlayIterator(const Transaction* txn, std::unique_ptr<Iterator> db, const ReadOptions& options)
      : txn_(txn), db_(std::move(db)) {
    if (options.iterate_lower_bound != nullptr) lower_ = std::string(*options.iterate_lower_bound);
    if (options.iterate_upper_bound != nullptr) upper_ = std::string(*options.iterate_upper_bound);
    ov_ = txn_->writes_.end();
  }

  bool Valid() const override { return current_ != Source::kNone; }

  void SeekToFirst() override {
    db_->SeekToFirst();
    ov_ = lower_ ? txn_->writes_.lower_bound(*lower_) : txn_->writes_.begin();
    FindForward();
  }

  void SeekToLast() override {
    db_->SeekToLast();
    ov_ = upper_ ? txn_->writes_.lower_bound(*upper_) : txn_->writes_.end();
    OvStepBack();
    FindBackward();
  }

  void Seek(std::string_view target) override {
    if (lower_ && target < *lower_) target = *lower_;
    db_->Seek(target);
    ov_ = txn_->writes_.lower_bound(target);
    FindForward();
  }

  void Next() override {
    if (!Valid()) return;
    if (!forward_) {
      std::string k(key());
      Seek(k);  // lands on k itself: it is visible
      if (!Valid()) return;
    }
    std::string k(key());  // a copy: moving db_ invalidates its key
    if (DbValid() && db_->key() == k) db_->Next();
    if (OvValid() && ov_->first == k) ++ov_;
    FindForward();
  }

  void Prev() override {
    if (!Valid()) return;
    if (forward_) {
      std::string k(key());
      SeekForPrev(k);
      if (!Valid()) return;
    }
    std::string k(key());  // a copy: moving db_ invalidates its key
    if (DbValid() && db_->key() == k) db_->Prev();
    if (OvValid() && ov_->first == k) OvStepBack();
    FindBackward();
  }

  std::string_view key() const override {
    return current_ == Source::kOverlay ? std::string_view(ov_->first) : db_->key();
  }
  std::string_view value() const override {
    return current_ == Source::kOverlay ? std::string_view(*ov_->second) : db_->value();
  }
  Status status() const override { return db_->status(); }

 private:
  enum class Source { kNone, kDb, kOverlay };

  bool DbValid() const { return db_->Valid(); }
  // ov_ is end() when it has nothing (either direction); bounds are checked
  // where it moves.
  bool OvValid() const { return ov_ != txn_->writes_.end(); }

  void OvStepBack() {
    if (ov_ == txn_->writes_.begin()) {
      ov_ = txn_->writes_.end();
      return;
    }
    --ov_;
    if (lower_ && ov_->first < *lower_) ov_ = txn_->writes_.end();
  }

  // Positions db_ at its last entry <= target.
  void DbSeekForPrev(std::string_view target) {
    db_->Seek(target);
    if (db_->Valid()) {
      if (db_->key() != target) db_->Prev();
    } else if (db_->status().ok()) {
      db_->SeekToLast();
    }
  }

  void SeekForPrev(std::string_view target) {
    DbSeekForPrev(target);
    ov_ = txn_->writes_.upper_bound(target);
    OvStepBack();
    FindBackward();
  }

  void FindForward() {
    forward_ = true;
    current_ = Source::kNone;
    if (OvValid() && upper_ && ov_->first >= *upper_) ov_ = txn_->writes_.end();
    while (true) {
      // A database key in a cleared range: jump past the range.
      while (DbValid()) {
        const auto* range = txn_->ClearedRange(db_->key());
        if (range == nullptr) break;
        db_->Seek(range->second);
      }
      if (!db_->status().ok()) return;
      bool db = DbValid(), ov = OvValid();
      if (!db && !ov) return;
      if (ov && (!db || ov_->first <= db_->key())) {
        if (ov_->second.has_value()) {
          current_ = Source::kOverlay;
          return;
        }
        // A deletion: hides the database's key, if equal.
        if (db && db_->key() == ov_->first) db_->Next();
        ++ov_;
        if (OvValid() && upper_ && ov_->first >= *upper_) ov_ = txn_->writes_.end();
        continue;
      }
      current_ = Source::kDb;
      return;
    }
  }

  void FindBackward() {
    forward_ = false;
    current_ = Source::kNone;
    while (true) {
      while (DbValid()) {
        const auto* range = txn_->ClearedRange(db_->key());
        if (range == nullptr) break;
        // To the last key before the range (all keys are, if none is at or
        // after its start).
        db_->Seek(range->first);
        if (db_->Valid()) {
          db_->Prev();
        } else if (db_->status().ok()) {
          db_->SeekToLast();
        }
      }
      if (!db_->status().ok()) return;
      bool db = DbValid(), ov = OvValid();
      if (!db && !ov) return;
      if (ov && (!db || ov_->first >= db_->key())) {
        if (ov_->second.has_value()) {
          current_ = Source::kOverlay;
          return;
        }
        if (db && db_->key() == ov_->first) db_->Prev();
        OvStepBack();
        continue;
      }
      current_ = Source::kDb;
      return;
    }
  }

  const Transaction* const txn_;
  std::unique_ptr<Iterator> db_;
  std::optional<std::string> lower_, upper_;
  Transaction::Writes::const_iterator ov_;
  Source current_ = Source::kNone;
  bool forward_ = true;
};

std::unique_ptr<Iterator> Transaction::NewIterator(DB* db, const ReadOptions& options) const {
  return std::make_unique<OverlayIterator>(this, db->NewIterator(options), options);
}

void TransactionGate::Toucher::Key(std::string_view engine_key) {
  std::optional<std::string_view> user_key = UserKeyOfEngineKey(engine_key);
  if (!user_key) return;
  if (last_ != kStripes && *user_key == last_key_) return;
  size_t stripe = StripeOf(*user_key);
  last_key_ = *user_key;
  // One bump per stripe and batch is enough (and cheaper for collections).
  if (stripe == last_) return;
  last_ = stripe;
  gate_->Bump(stripe);
}

}  // namespace strata::server
