// make_corpus: writes the fuzzers' seed corpora, every file produced by the
// engine's own writers, so the fuzzers start from inputs that decode all the
// way and mutate from there.
//
//   make_corpus OUT_DIR
//
// writes OUT_DIR/<fuzzer>/<name> for each fuzzer (fuzz/corpus is the checked-in
// copy; rerun this after a format change):
//   wal_reader_fuzzer    WAL files (small, multi-block, torn tail) and the WAL
//                        and MANIFEST of a small database
//   block_fuzzer         data blocks (internal keys, restart intervals 1 and
//                        16), a bytewise metaindex-like block, an empty block
//   table_fuzzer         small tables in each compression type, with and
//                        without a bloom filter, an empty one, and a table a
//                        database flushed
//   version_edit_fuzzer  single encoded edits and a database's MANIFEST
//   write_batch_fuzzer   write batches of puts and deletes
// Output is deterministic except for the files copied from the database.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsm/filename.h"
#include "lsm/version_edit.h"
#include "lsm/write_batch_internal.h"
#include "sstable/block_builder.h"
#include "sstable/format.h"
#include "sstable/table_builder.h"
#include "strata/db.h"
#include "strata/file_system.h"
#include "strata/options.h"
#include "strata/write_batch.h"
#include "util/internal_key.h"
#include "wal/log_writer.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

void Die(const std::string& what) {
  std::fprintf(stderr, "make_corpus: %s\n", what.c_str());
  std::exit(1);
}

void CheckOk(const Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.ToString());
}

void WriteFile(const fs::path& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) Die("cannot write " + path.string());
}

// Collects what a writer appends.
class StringWritableFile final : public WritableFile {
 public:
  Status Append(std::string_view data) override {
    contents.append(data);
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  std::string contents;
};

std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// A MANIFEST's view of a table: what a version edit records of it.
FileMetaData TableMeta(uint64_t number, uint64_t file_size, std::string smallest,
                       std::string largest) {
  FileMetaData meta;
  meta.number = number;
  meta.file_size = file_size;
  meta.smallest = std::move(smallest);
  meta.largest = std::move(largest);
  return meta;
}

std::string Value(int i, size_t size) {
  std::string v;
  while (v.size() < size) v += "value" + std::to_string(i) + "-";
  v.resize(size);
  return v;
}

std::string Contents(const WriteBatch& batch) {
  return std::string(WriteBatchInternal::Contents(&batch));
}

std::vector<std::string> Batches() {
  std::vector<std::string> batches;
  WriteBatch batch;
  WriteBatchInternal::SetSequence(&batch, 1);
  batches.push_back(Contents(batch));  // empty

  batch.Put("apple", "red");
  batches.push_back(Contents(batch));

  batch.Clear();
  WriteBatchInternal::SetSequence(&batch, 100);
  for (int i = 0; i < 20; i++) {
    if (i % 3 == 2) {
      batch.Delete(Key(i - 1));
    } else {
      batch.Put(Key(i), Value(i, 10 + i));
    }
  }
  batches.push_back(Contents(batch));

  batch.Clear();
  WriteBatchInternal::SetSequence(&batch, (uint64_t{1} << 40) + 7);
  batch.Put(std::string("\0\xff\x80 binary", 10), std::string(300, '\x01'));
  batch.Put("", "empty key");
  batch.Delete("apple");
  batch.Put("apple", "");
  batches.push_back(Contents(batch));
  return batches;
}

std::string Log(const std::vector<std::string>& records) {
  StringWritableFile file;
  wal::Writer writer(&file);
  for (const std::string& r : records) CheckOk(writer.AddRecord(r), "wal append");
  return file.contents;
}

void WriteWalCorpus(const fs::path& dir) {
  const std::vector<std::string> batches = Batches();
  WriteFile(dir / "batches.log", Log(batches));
  WriteFile(dir / "empty_record.log", Log({"", "x", ""}));
  // A record longer than a block: FIRST, MIDDLE... LAST fragments.
  WriteBatch big;
  WriteBatchInternal::SetSequence(&big, 5);
  big.Put("big", Value(1, 40000));
  const std::string spanning = Log({batches[1], Contents(big), batches[2]});
  WriteFile(dir / "spanning.log", spanning);
  // A crash while appending the last record: a torn tail.
  const std::string small = Log(batches);
  WriteFile(dir / "torn_tail.log", small.substr(0, small.size() - 5));
}

std::string MakeBlock(int restart_interval, bool internal_keys, int n) {
  BlockBuilder builder(restart_interval);
  for (int i = 0; i < n; i++) {
    if (internal_keys) {
      builder.Add(MakeInternalKey(Key(i / 2), 1000 - i, i % 5 == 4 ? kTypeDeletion : kTypeValue),
                  Value(i, i % 7));
    } else {
      builder.Add(Key(i), Value(i, 3));
    }
  }
  return std::string(builder.Finish());
}

void WriteBlockCorpus(const fs::path& dir) {
  WriteFile(dir / "data_r16.block", MakeBlock(16, true, 100));
  WriteFile(dir / "data_r1.block", MakeBlock(1, true, 30));
  WriteFile(dir / "data_r4.block", MakeBlock(4, true, 9));
  WriteFile(dir / "bytewise_r2.block", MakeBlock(2, false, 12));
  WriteFile(dir / "empty.block", MakeBlock(16, true, 0));
  // An index block: separator keys -> encoded BlockHandles.
  BlockBuilder index(1);
  uint64_t offset = 0;
  for (int i = 0; i < 8; i++) {
    std::string handle;
    BlockHandle(offset, 200 + i).EncodeTo(&handle);
    offset += 200 + i + kBlockTrailerSize;
    index.Add(MakeInternalKey(Key(i * 10), kMaxSequenceNumber, kValueTypeForSeek), handle);
  }
  WriteFile(dir / "index.block", index.Finish());
}

std::string Table(CompressionType compression, int bloom_bits, int n, size_t block_size) {
  TableBuilderOptions options;
  options.compression = compression;
  options.bloom_bits_per_key = bloom_bits;
  options.block_size = block_size;
  options.block_restart_interval = 4;
  StringWritableFile file;
  TableBuilder builder(options, &file);
  for (int i = 0; i < n; i++) {
    // Two versions of some keys, newest first, and a few tombstones.
    const SequenceNumber seq = 10000 - static_cast<SequenceNumber>(i);
    builder.Add(MakeInternalKey(Key(i / 2), seq, i % 6 == 5 ? kTypeDeletion : kTypeValue),
                i % 6 == 5 ? "" : Value(i, 20 + i % 40));
  }
  CheckOk(builder.Finish(), "table finish");
  return file.contents;
}

void WriteTableCorpus(const fs::path& dir) {
  for (CompressionType c :
       {kNoCompression, kSnappyCompression, kLZ4Compression, kZstdCompression}) {
    const std::string name = "table_" + std::to_string(static_cast<int>(c));
    WriteFile(dir / (name + "_bloom.sst"), Table(c, 10, 120, 512));
    WriteFile(dir / (name + "_nobloom.sst"), Table(c, 0, 40, 256));
  }
  WriteFile(dir / "empty.sst", Table(kNoCompression, 10, 0, 4096));
  WriteFile(dir / "one_block.sst", Table(kNoCompression, 10, 10, 4096));
}

void WriteVersionEditCorpus(const fs::path& dir) {
  VersionEdit edit;
  edit.SetComparatorName(BytewiseComparator()->Name());
  edit.SetLogNumber(3);
  edit.SetNextFileNumber(12);
  edit.SetLastSequence(4567);
  std::string encoded;
  edit.EncodeTo(&encoded);
  WriteFile(dir / "first.edit", encoded);

  for (int level = 0; level < kNumLevels; level += 2) {
    edit.AddFile(level, TableMeta(static_cast<uint64_t>(20 + level), 4096u * (level + 1),
                                  MakeInternalKey(Key(level), 90, kTypeValue),
                                  MakeInternalKey(Key(level + 50), 3, kTypeDeletion)));
  }
  edit.RemoveFile(1, 7);
  edit.RemoveFile(0, 5);
  encoded.clear();
  edit.EncodeTo(&encoded);
  WriteFile(dir / "full.edit", encoded);

  VersionEdit compaction;
  compaction.SetLastSequence(9000);
  compaction.RemoveFile(1, 20);
  compaction.RemoveFile(2, 22);
  compaction.AddFile(2, TableMeta(30, 1234, MakeInternalKey("a", 1, kTypeValue),
                                  MakeInternalKey("zz", 2, kTypeValue)));
  std::string second;
  compaction.EncodeTo(&second);
  WriteFile(dir / "compaction.edit", second);
  WriteFile(dir / "two_edits.manifest", Log({encoded, second}));
}

// Runs a small database and copies its WAL, MANIFEST and first table.
void WriteDatabaseFiles(const fs::path& out) {
  const fs::path db_dir = fs::temp_directory_path() / "strata-make-corpus";
  fs::remove_all(db_dir);
  Options options;
  options.compression = kZstdCompression;
  options.block_size = 512;
  std::unique_ptr<DB> db;
  CheckOk(DB::Open(options, db_dir.string(), &db), "open");
  for (int i = 0; i < 150; i++) CheckOk(db->Put(WriteOptions(), Key(i), Value(i, 30)), "put");
  for (int i = 0; i < 150; i += 7) CheckOk(db->Delete(WriteOptions(), Key(i)), "delete");
  CheckOk(db->Flush(), "flush");
  for (int i = 100; i < 130; i++) CheckOk(db->Put(WriteOptions(), Key(i), Value(i, 12)), "put");
  CheckOk(db->Flush(), "flush");
  CheckOk(db->CompactRange(nullptr, nullptr), "compact");
  WriteBatch batch;
  for (int i = 0; i < 10; i++) batch.Put(Key(1000 + i), Value(i, 5));
  batch.Delete(Key(3));
  CheckOk(db->Write(WriteOptions(), &batch), "write");
  db.reset();

  bool have_table = false;
  for (const auto& entry : fs::directory_iterator(db_dir)) {
    uint64_t number;
    FileType type;
    const std::string name = entry.path().filename().string();
    if (!ParseFileName(name, &number, &type)) continue;
    if (type == FileType::kLog) {
      fs::copy_file(entry.path(), out / "wal_reader_fuzzer" / ("db_" + name),
                    fs::copy_options::overwrite_existing);
    } else if (type == FileType::kManifest) {
      for (const char* fuzzer : {"wal_reader_fuzzer", "version_edit_fuzzer"}) {
        fs::copy_file(entry.path(), out / fuzzer / ("db_" + name),
                      fs::copy_options::overwrite_existing);
      }
    } else if (type == FileType::kTable && !have_table) {
      fs::copy_file(entry.path(), out / "table_fuzzer" / "db_table.sst",
                    fs::copy_options::overwrite_existing);
      have_table = true;
    }
  }
  fs::remove_all(db_dir);
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) {
  using namespace strata;
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus OUT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  for (const char* fuzzer : {"wal_reader_fuzzer", "block_fuzzer", "table_fuzzer",
                             "version_edit_fuzzer", "write_batch_fuzzer"}) {
    fs::create_directories(out / fuzzer);
  }
  WriteWalCorpus(out / "wal_reader_fuzzer");
  WriteBlockCorpus(out / "block_fuzzer");
  WriteTableCorpus(out / "table_fuzzer");
  WriteVersionEditCorpus(out / "version_edit_fuzzer");
  const std::vector<std::string> batches = Batches();
  for (size_t i = 0; i < batches.size(); i++) {
    WriteFile(out / "write_batch_fuzzer" / ("batch_" + std::to_string(i)), batches[i]);
  }
  WriteDatabaseFiles(out);
  return 0;
}
