// A program built the way an embedder builds one: against an installed
// StrataDB, through <strata/db.h> only. scripts/check-install compiles it with
// find_package (static and shared) and pkg-config (static and shared) and runs
// it, so a public symbol missing from libstrata.so (include/strata/export.h,
// cmake/libstrata.map) fails the link, or the run under LD_BIND_NOW.
//
// It touches everything the public headers offer: Open, Put, Get, Delete,
// WriteBatch and a WriteBatch::Handler, snapshots, iterators (the DB's, the
// empty one and one of its own), Flush, CompactRange, properties, Resume,
// Status, DestroyDB, and a FileSystem of its own that the DB must use.
//
// Usage: consumer DB_PATH   (prints "ok" and exits 0, or names what failed)

#include <strata/db.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

int failures = 0;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "consumer: FAILED: %s\n", what);
    failures++;
  }
}

void CheckOk(const strata::Status& s, const char* what) {
  if (!s.ok()) std::fprintf(stderr, "consumer: %s: %s\n", what, s.ToString().c_str());
  Check(s.ok(), what);
}

// A FileSystem of the program's own: forwards to the default one and counts
// the files the DB opens, so subclassing the library's interface across the
// shared library's boundary is exercised.
class CountingFileSystem : public strata::FileSystem {
 public:
  int files_opened = 0;

  strata::Status NewSequentialFile(const std::string& path,
                                   std::unique_ptr<strata::SequentialFile>* result) override {
    files_opened++;
    return base_->NewSequentialFile(path, result);
  }
  strata::Status NewRandomAccessFile(const std::string& path,
                                     std::unique_ptr<strata::RandomAccessFile>* result) override {
    files_opened++;
    return base_->NewRandomAccessFile(path, result);
  }
  strata::Status NewWritableFile(const std::string& path,
                                 std::unique_ptr<strata::WritableFile>* result) override {
    files_opened++;
    return base_->NewWritableFile(path, result);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  strata::Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    return base_->GetChildren(dir, names);
  }
  strata::Status GetFileSize(const std::string& path, uint64_t* size) override {
    return base_->GetFileSize(path, size);
  }
  strata::Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  strata::Status RenameFile(const std::string& src, const std::string& target) override {
    return base_->RenameFile(src, target);
  }
  strata::Status CreateDir(const std::string& dir) override { return base_->CreateDir(dir); }
  strata::Status RemoveDir(const std::string& dir) override { return base_->RemoveDir(dir); }
  strata::Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  strata::Status SyncFile(const std::string& path) override { return base_->SyncFile(path); }
  strata::Status LockFile(const std::string& path,
                          std::unique_ptr<strata::FileLock>* lock) override {
    return base_->LockFile(path, lock);
  }
  strata::Status UnlockFile(std::unique_ptr<strata::FileLock> lock) override {
    return base_->UnlockFile(std::move(lock));
  }

 private:
  strata::FileSystem* const base_ = strata::DefaultFileSystem();
};

// Counts a batch's updates.
class CountingHandler : public strata::WriteBatch::Handler {
 public:
  int puts = 0;
  int deletes = 0;
  void Put(std::string_view, std::string_view) override { puts++; }
  void Delete(std::string_view) override { deletes++; }
};

// An Iterator of the program's own, over a std::map.
class MapIterator : public strata::Iterator {
 public:
  explicit MapIterator(const std::map<std::string, std::string>* map)
      : map_(map), it_(map->end()) {}
  bool Valid() const override { return it_ != map_->end(); }
  void SeekToFirst() override { it_ = map_->begin(); }
  void SeekToLast() override { it_ = map_->empty() ? map_->end() : std::prev(map_->end()); }
  void Seek(std::string_view target) override { it_ = map_->lower_bound(std::string(target)); }
  void Next() override { ++it_; }
  void Prev() override { it_ = it_ == map_->begin() ? map_->end() : std::prev(it_); }
  std::string_view key() const override { return it_->first; }
  std::string_view value() const override { return it_->second; }
  strata::Status status() const override { return strata::Status::OK(); }

 private:
  const std::map<std::string, std::string>* const map_;
  std::map<std::string, std::string>::const_iterator it_;
};

// Every key and value of the DB, in order, through the DB's iterator.
std::map<std::string, std::string> Scan(strata::DB* db, const strata::ReadOptions& options) {
  std::map<std::string, std::string> contents;
  std::unique_ptr<strata::Iterator> it = db->NewIterator(options);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    contents.emplace(std::string(it->key()), std::string(it->value()));
  }
  CheckOk(it->status(), "iterator status");
  return contents;
}

void UseDB(strata::DB* db, const CountingFileSystem& fs) {
  CheckOk(db->Put("installed", "yes"), "Put");
  std::string value;
  CheckOk(db->Get("installed", &value), "Get");
  Check(value == "yes", "Get returns what Put stored");

  strata::WriteBatch batch;
  batch.Put("a", "1");
  batch.Put("b", "2");
  batch.Delete("installed");
  Check(batch.Count() == 3, "WriteBatch::Count");
  CountingHandler handler;
  CheckOk(batch.Iterate(&handler), "WriteBatch::Iterate");
  Check(handler.puts == 2 && handler.deletes == 1, "WriteBatch::Handler sees every update");
  strata::WriteOptions sync;
  sync.sync = true;
  CheckOk(db->Write(sync, &batch), "Write");
  Check(db->Get("installed", &value).IsNotFound(), "Get after Delete is NotFound");

  const strata::Snapshot* snapshot = db->GetSnapshot();
  CheckOk(db->Put("a", "changed"), "Put after snapshot");
  CheckOk(db->Delete("b"), "Delete");
  strata::ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot;
  CheckOk(db->Get(at_snapshot, "a", &value), "Get at snapshot");
  Check(value == "1", "a snapshot does not see later writes");
  const std::map<std::string, std::string> before{{"a", "1"}, {"b", "2"}};
  Check(Scan(db, at_snapshot) == before, "iterator at snapshot");
  db->ReleaseSnapshot(snapshot);

  CheckOk(db->Flush(), "Flush");
  const std::string_view begin = "a";
  CheckOk(db->CompactRange(&begin, nullptr), "CompactRange");
  const std::map<std::string, std::string> now{{"a", "changed"}};
  Check(Scan(db, strata::ReadOptions()) == now, "iterator after compaction");

  std::unique_ptr<strata::Iterator> it = db->NewIterator();
  it->Seek("0");
  Check(it->Valid() && it->key() == "a" && it->value() == "changed", "Seek");
  it->SeekToLast();
  Check(it->Valid() && it->key() == "a", "SeekToLast");
  it->Prev();
  Check(!it->Valid(), "Prev past the first key");
  it.reset();

  std::string stats;
  Check(db->GetProperty("strata.stats", &stats) && !stats.empty(), "property strata.stats");
  Check(db->GetProperty("strata.num-files-at-level0", &stats), "property num-files-at-level0");
  Check(!db->GetProperty("strata.no-such-property", &stats), "unknown property");
  CheckOk(db->Resume(), "Resume");
  Check(fs.files_opened > 0, "the DB uses the program's FileSystem");
}

void UseIterators() {
  std::unique_ptr<strata::Iterator> empty = strata::NewEmptyIterator();
  empty->SeekToFirst();
  Check(!empty->Valid() && empty->status().ok(), "NewEmptyIterator");
  std::unique_ptr<strata::Iterator> failed =
      strata::NewEmptyIterator(strata::Status::Corruption("bad", "block"));
  Check(failed->status().IsCorruption(), "NewEmptyIterator with a status");
  Check(failed->status().ToString() == "Corruption: bad: block", "Status::ToString");

  const std::map<std::string, std::string> map{{"x", "1"}, {"y", "2"}};
  std::unique_ptr<strata::Iterator> own = std::make_unique<MapIterator>(&map);
  Check(dynamic_cast<MapIterator*>(own.get()) != nullptr, "dynamic_cast of an Iterator");
  own->Seek("xx");
  Check(own->Valid() && own->key() == "y", "an Iterator of one's own");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer DB_PATH\n");
    return 2;
  }
  const std::string path = argv[1];
  CountingFileSystem fs;
  strata::Options options;
  options.file_system = &fs;
  options.error_if_exists = true;
  {
    std::unique_ptr<strata::DB> db;
    CheckOk(strata::DB::Open(options, path, &db), "DB::Open");
    if (db == nullptr) return 1;
    UseDB(db.get(), fs);
    std::unique_ptr<strata::DB> second;
    Check(strata::DB::Open(strata::Options(), path, &second).IsBusy(), "a second Open is Busy");
  }
  std::unique_ptr<strata::DB> reopened;
  Check(strata::DB::Open(options, path, &reopened).IsInvalidArgument(), "error_if_exists");
  UseIterators();
  CheckOk(strata::DestroyDB(path, options), "DestroyDB");
  Check(!strata::DefaultFileSystem()->FileExists(path), "DestroyDB removes the directory");
  if (failures > 0) return 1;
  std::puts("ok");
  return 0;
}
