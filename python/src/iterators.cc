// Iterator and RawIterator (see objects.h): the engine iterator, bounded by
// ReadOptions::iterate_lower_bound/upper_bound, under a DbHandle lease.
//
// Ranges become engine bounds, so the engine skips tables outside them and
// the cursor logic never compares keys itself: [start, stop) is
// [start, stop); include_start=False makes the lower bound start + "\0" (the
// smallest key after start), include_stop=True makes the upper bound
// stop + "\0" (the smallest key after stop), and a prefix p is
// [p, PrefixSuccessor(p)).

#include <utility>

#include "objects.h"

namespace stratadb_py {

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char last = static_cast<unsigned char>(s.back());
    if (last != 0xff) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return std::nullopt;
}

namespace {

// The engine bounds of an iterator() call on a DB (db_prefix "") or a
// PrefixedDB.
KeyRange IteratorRange(const IteratorArgs& args, const std::string& db_prefix) {
  KeyRange b;
  if (args.prefix) {
    if (args.start || args.stop) {
      throw py::type_error("'prefix' cannot be used together with 'start' or 'stop'");
    }
    b.lower = db_prefix + *args.prefix;
    b.upper = PrefixSuccessor(*b.lower);
    return b;
  }
  if (args.start) {
    b.lower = db_prefix + *args.start;
    if (!args.include_start) b.lower->push_back('\0');
  } else if (!db_prefix.empty()) {
    b.lower = db_prefix;
  }
  if (args.stop) {
    b.upper = db_prefix + *args.stop;
    if (args.include_stop) b.upper->push_back('\0');
  } else {
    b.upper = PrefixSuccessor(db_prefix);
  }
  return b;
}

}  // namespace

IteratorBase::IteratorBase(std::shared_ptr<DbHandle> handle, Snapshot* snapshot,
                           const ReadArgs& read, KeyRange range, std::string db_prefix)
    : handle_(std::move(handle)),
      db_prefix_(std::move(db_prefix)),
      range_(std::move(range)),
      lower_view_(range_.lower ? std::string_view(*range_.lower) : std::string_view()),
      upper_view_(range_.upper ? std::string_view(*range_.upper) : std::string_view()) {
  const char* closed_what = nullptr;
  {
    py::gil_scoped_release nogil;
    DbHandle::Lease lease = handle_->Acquire();
    if (!lease) {
      closed_what = "database";
    } else {
      strata::ReadOptions options;
      options.verify_checksums = read.verify_checksums;
      options.fill_cache = read.fill_cache;
      if (range_.lower) options.iterate_lower_bound = &lower_view_;
      if (range_.upper) options.iterate_upper_bound = &upper_view_;
      std::shared_lock<std::shared_mutex> snapshot_lock;
      if (snapshot != nullptr && !snapshot->Pin(&snapshot_lock, &options)) {
        closed_what = "snapshot";
      } else {
        // The engine iterator copies the snapshot's sequence number: it
        // does not need the snapshot afterwards.
        std::unique_ptr<strata::Iterator> iter = lease.db()->NewIterator(options);
        if (snapshot_lock.owns_lock()) snapshot_lock.unlock();
        {
          std::lock_guard<std::mutex> lock(mu_);
          iter_ = std::move(iter);
        }
        handle_->Register(this);
      }
    }
  }
  if (closed_what != nullptr) RaiseClosed(closed_what);
}

IteratorBase::~IteratorBase() {
  // Runs with the GIL held (Python deallocates the object). Waiting for the
  // lease cannot deadlock: only Close() holds the exclusive side, and it
  // never needs the GIL. An empty lease means Close() released iter_.
  DbHandle::Lease lease = handle_->AcquireForCleanup();
  {
    std::lock_guard<std::mutex> lock(mu_);
    iter_.reset();
  }
  handle_->Unregister(this);
}

void IteratorBase::Close() {
  py::gil_scoped_release nogil;
  DbHandle::Lease lease = handle_->AcquireForCleanup();
  std::lock_guard<std::mutex> lock(mu_);
  iter_.reset();
}

void IteratorBase::ReleaseEngineState(strata::DB* /*db*/) {
  std::lock_guard<std::mutex> lock(mu_);
  iter_.reset();
}

// ---------------------------------------------------------------------------
// Iterator

Iterator::Iterator(std::shared_ptr<DbHandle> handle, Snapshot* snapshot, const IteratorArgs& args,
                   const std::string& db_prefix)
    : IteratorBase(std::move(handle), snapshot, args.read, IteratorRange(args, db_prefix),
                   db_prefix),
      reverse_(args.reverse),
      include_key_(args.include_key),
      include_value_(args.include_value),
      position_(args.reverse ? Position::kAfterStop : Position::kBeforeStart) {}

void Iterator::CopyEntry(const strata::Iterator* it, std::string* key, std::string* value) const {
  if (include_key_) key->assign(UserKey(it));
  if (include_value_) value->assign(it->value());
}

strata::Status Iterator::StepForward(strata::Iterator* it, bool* found, std::string* key,
                                     std::string* value) {
  switch (position_) {
    case Position::kAfterStop:
      return strata::Status::OK();
    case Position::kBeforeStart:
      it->SeekToFirst();
      break;
    case Position::kAt:
      break;
  }
  if (!it->Valid()) {
    position_ = Position::kAfterStop;
    return it->status();
  }
  CopyEntry(it, key, value);
  *found = true;
  // An error moving on shows on the next call (the iterator is then not
  // Valid and its status says why).
  it->Next();
  position_ = Position::kAt;
  return strata::Status::OK();
}

strata::Status Iterator::StepBackward(strata::Iterator* it, bool* found, std::string* key,
                                      std::string* value) {
  switch (position_) {
    case Position::kBeforeStart:
      return strata::Status::OK();
    case Position::kAfterStop:
      it->SeekToLast();
      break;
    case Position::kAt:
      if (it->Valid()) {
        it->Prev();
      } else if (!it->status().ok()) {
        return it->status();
      } else {
        it->SeekToLast();  // the cursor is after the last entry
      }
      break;
  }
  if (!it->Valid()) {
    position_ = Position::kBeforeStart;
    return it->status();
  }
  CopyEntry(it, key, value);
  *found = true;
  position_ = Position::kAt;  // the cursor is now just before this entry
  return strata::Status::OK();
}

py::object Iterator::MakeItem(const std::string& key, const std::string& value) const {
  if (include_key_ && include_value_) return py::make_tuple(py::bytes(key), py::bytes(value));
  if (include_key_) return py::bytes(key);
  if (include_value_) return py::bytes(value);
  return py::none();
}

py::object Iterator::Step(bool forward) {
  bool found = false;
  std::string key;
  std::string value;
  Run([&](strata::Iterator* it) {
    return forward ? StepForward(it, &found, &key, &value) : StepBackward(it, &found, &key, &value);
  });
  if (!found) throw py::stop_iteration();
  return MakeItem(key, value);
}

py::object Iterator::Next() { return Step(!reverse_); }

py::object Iterator::Prev() { return Step(reverse_); }

void Iterator::Seek(py::handle target) {
  std::string key = db_prefix() + BytesArg(target, "target");
  Run([&](strata::Iterator* it) {
    it->Seek(key);
    position_ = it->Valid() ? Position::kAt : Position::kAfterStop;
    return it->status();
  });
}

void Iterator::SeekToStart() {
  Run([&](strata::Iterator*) {
    position_ = Position::kBeforeStart;
    return strata::Status::OK();
  });
}

void Iterator::SeekToStop() {
  Run([&](strata::Iterator*) {
    position_ = Position::kAfterStop;
    return strata::Status::OK();
  });
}

// ---------------------------------------------------------------------------
// RawIterator

RawIterator::RawIterator(std::shared_ptr<DbHandle> handle, Snapshot* snapshot, const ReadArgs& read,
                         const std::string& db_prefix)
    : IteratorBase(
          std::move(handle), snapshot, read,
          KeyRange{db_prefix.empty() ? std::nullopt : std::optional<std::string>(db_prefix),
                   PrefixSuccessor(db_prefix)},
          db_prefix) {}

bool RawIterator::Valid() {
  bool valid = false;
  Run([&](strata::Iterator* it) {
    valid = it->Valid();
    return strata::Status::OK();
  });
  return valid;
}

void RawIterator::SeekToFirst() {
  Run([&](strata::Iterator* it) {
    it->SeekToFirst();
    return it->status();
  });
}

void RawIterator::SeekToLast() {
  Run([&](strata::Iterator* it) {
    it->SeekToLast();
    return it->status();
  });
}

void RawIterator::Seek(py::handle target) {
  std::string key = db_prefix() + BytesArg(target, "target");
  Run([&](strata::Iterator* it) {
    it->Seek(key);
    return it->status();
  });
}

void RawIterator::Next() {
  bool invalid = false;
  Run([&](strata::Iterator* it) {
    if (!it->Valid()) {
      invalid = true;
      return strata::Status::OK();
    }
    it->Next();
    return it->status();
  });
  if (invalid) RaiseIteratorInvalid("next() on an iterator that is not valid()");
}

void RawIterator::Prev() {
  bool invalid = false;
  Run([&](strata::Iterator* it) {
    if (!it->Valid()) {
      invalid = true;
      return strata::Status::OK();
    }
    it->Prev();
    return it->status();
  });
  if (invalid) RaiseIteratorInvalid("prev() on an iterator that is not valid()");
}

void RawIterator::Current(std::string* key, std::string* value) {
  bool invalid = false;
  Run([&](strata::Iterator* it) {
    if (!it->Valid()) {
      invalid = true;
      return it->status();
    }
    if (key != nullptr) key->assign(UserKey(it));
    if (value != nullptr) value->assign(it->value());
    return strata::Status::OK();
  });
  if (invalid) RaiseIteratorInvalid("the iterator is not valid(): no current entry");
}

py::bytes RawIterator::Key() {
  std::string key;
  Current(&key, nullptr);
  return py::bytes(key);
}

py::bytes RawIterator::Value() {
  std::string value;
  Current(nullptr, &value);
  return py::bytes(value);
}

py::tuple RawIterator::Item() {
  std::string key;
  std::string value;
  Current(&key, &value);
  return py::make_tuple(py::bytes(key), py::bytes(value));
}

}  // namespace stratadb_py
