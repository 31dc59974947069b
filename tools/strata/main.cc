// strata: the first look at a StrataDB database. Opens --db (default
// ./strata-data), writes a few keys, reads them back, iterates, and prints the
// database's statistics, so a newcomer sees the engine work end to end.
// Uses only the public API.

#include <strata/db.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

int Fail(const char* what, const strata::Status& s) {
  std::fprintf(stderr, "strata: %s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = "./strata-data";
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
      path = argv[++i];
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::printf("usage: strata [--db PATH]   (default ./strata-data)\n");
      return 0;
    } else {
      std::fprintf(stderr, "strata: unknown argument '%s' (try --help)\n", argv[i]);
      return 2;
    }
  }

  std::unique_ptr<strata::DB> db;
  strata::Status s = strata::DB::Open(strata::Options(), path, &db);
  if (!s.ok()) return Fail("open", s);
  std::printf("opened %s\n", path.c_str());

  strata::WriteBatch batch;
  batch.Put("language", "C++20");
  batch.Put("engine", "log-structured merge-tree");
  batch.Put("greeting", "hello, strata");
  batch.Delete("scratch");
  s = db->Write(strata::WriteOptions(), &batch);
  if (!s.ok()) return Fail("write", s);

  std::string runs = "0";
  s = db->Get("runs", &runs);
  if (!s.ok() && !s.IsNotFound()) return Fail("get", s);
  runs = std::to_string(std::stoll(runs) + 1);
  strata::WriteOptions sync;
  sync.sync = true;
  s = db->Put(sync, "runs", runs);
  if (!s.ok()) return Fail("put", s);

  std::printf("\nevery key, in order:\n");
  auto it = db->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::printf("  %-10.*s = %.*s\n", static_cast<int>(it->key().size()), it->key().data(),
                static_cast<int>(it->value().size()), it->value().data());
  }
  if (!it->status().ok()) return Fail("scan", it->status());
  it.reset();

  std::string stats;
  db->GetProperty("strata.stats", &stats);
  std::printf("\n%s", stats.c_str());
  std::printf("\nrun it again: 'runs' counts the opens of %s\n", path.c_str());
  return 0;
}
