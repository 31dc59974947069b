// Creates a real LevelDB database (with the system's libleveldb) in the
// directory argv[1]: a few keys, flushed to an .ldb table by a compaction,
// so leveldb_compat_test can check that StrataDB refuses it by name.
// A program of its own because libleveldb and libstrata-leveldb define the
// same leveldb_* names and cannot share a process.

#include <leveldb/db.h>

#include <cstdio>
#include <memory>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_leveldb_dir <dir>\n");
    return 2;
  }
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, argv[1], &raw);
  std::unique_ptr<leveldb::DB> db(raw);
  for (int i = 0; s.ok() && i < 100; i++) {
    s = db->Put(leveldb::WriteOptions(), "key" + std::to_string(i), "value");
  }
  if (s.ok()) db->CompactRange(nullptr, nullptr);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
