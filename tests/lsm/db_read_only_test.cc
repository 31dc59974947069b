// DB::OpenReadOnly (issue 16): reads the database as of its open, including
// what only the WALs hold; takes no lock and changes no file (names, sizes
// and modification times compared before and after, since root ignores
// permissions); works on a directory it cannot write; refuses every write
// with NotSupported; and two reader processes beside a writer process only
// ever see a consistent prefix of the writer's writes, which a record still
// being copied into the newest (mapped) WAL must not break.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

std::string Key(uint64_t i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%08llu", static_cast<unsigned long long>(i));
  return buf;
}
std::string Value(uint64_t i) { return "value-" + std::to_string(i) + std::string(40, 'x'); }

// Every file's name, size and modification time (nanoseconds).
using DirState = std::map<std::string, std::pair<uintmax_t, int64_t>>;
DirState StateOf(const std::string& dir) {
  DirState state;
  for (const auto& entry : fs::directory_iterator(dir)) {
    state[entry.path().filename().string()] = {
        entry.file_size(),
        static_cast<int64_t>(entry.last_write_time().time_since_epoch().count())};
  }
  return state;
}

Options SmallOptions() {
  Options options = test::SmallBufferOptions();
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  return options;
}

// Writes keys [from, to) in batches of 50, each batch also setting "last".
void WriteKeys(DB* db, uint64_t from, uint64_t to) {
  WriteBatch batch;
  for (uint64_t i = from; i < to; i++) {
    batch.Put(Key(i), Value(i));
    if ((i + 1) % 50 == 0 || i + 1 == to) {
      batch.Put("last", std::to_string(i));
      ASSERT_TRUE(db->Write(&batch).ok());
      batch.Clear();
    }
  }
}

// OK if db holds exactly keys 0..last (as "last" says) with their values;
// an IOError if a read failed (a writer deleted a table this reader still
// needed); Corruption describing the first wrong answer otherwise.
Status CheckPrefix(DB* db, uint64_t* count) {
  std::string last_text;
  Status s = db->Get("last", &last_text);
  if (!s.ok() && !s.IsNotFound()) return s;
  const uint64_t expected = s.IsNotFound() ? 0 : std::stoull(last_text) + 1;
  std::unique_ptr<Iterator> it = db->NewIterator();
  uint64_t i = 0;
  for (it->Seek("k"); it->Valid() && it->key().starts_with("k"); it->Next(), i++) {
    if (it->key() != Key(i) || it->value() != Value(i)) {
      return Status::Corruption("wrong entry " + std::string(it->key()) + " at position " +
                                std::to_string(i));
    }
  }
  if (!it->status().ok()) return it->status();
  if (i != expected) {
    return Status::Corruption("last says " + std::to_string(expected) + " keys, found " +
                              std::to_string(i));
  }
  *count = i;
  return Status::OK();
}

TEST(DBReadOnlyTest, SeesTheWalAndChangesNoFile) {
  test::TempDir dir;
  const std::string dbname = dir.Child("db");
  {
    std::unique_ptr<DB> db = test::OpenOrDie(SmallOptions(), dbname);
    ASSERT_NE(db, nullptr);
    WriteKeys(db.get(), 0, 3000);  // several tables
    ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
    WriteKeys(db.get(), 3000, 3100);  // only in the WAL
  }
  // A crash's leftover: the WAL still holds keys 3000..3099.
  ASSERT_FALSE(test::LogFiles(dbname).empty());
  const DirState before = StateOf(dbname);
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::OpenReadOnly(Options(), dbname, &db).ok());
    uint64_t count = 0;
    Status s = CheckPrefix(db.get(), &count);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(count, 3100u);
    // Every writing call is refused.
    WriteBatch batch;
    batch.Put("a", "b");
    EXPECT_TRUE(db->Put("a", "b").IsNotSupported());
    EXPECT_TRUE(db->Delete("a").IsNotSupported());
    EXPECT_TRUE(db->Write(&batch).IsNotSupported());
    EXPECT_TRUE(db->Flush().IsNotSupported());
    EXPECT_TRUE(db->CompactRange(nullptr, nullptr).IsNotSupported());
    EXPECT_TRUE(db->Resume().IsNotSupported());
    std::string value;
    EXPECT_TRUE(db->Get("a", &value).IsNotFound());
    EXPECT_EQ(test::IntProperty(db.get(), "strata.last-sequence") > 0, true);
    // Another read-only instance at once: no lock.
    std::unique_ptr<DB> second;
    ASSERT_TRUE(DB::OpenReadOnly(Options(), dbname, &second).ok());
  }
  EXPECT_EQ(StateOf(dbname), before);
}

TEST(DBReadOnlyTest, OpensBesideAWriterAndSeesTheStateAsOfItsOpen) {
  test::TempDir dir;
  const std::string dbname = dir.Child("db");
  std::unique_ptr<DB> writer = test::OpenOrDie(SmallOptions(), dbname);
  ASSERT_NE(writer, nullptr);
  WriteKeys(writer.get(), 0, 500);
  std::unique_ptr<DB> reader;
  Status s = DB::OpenReadOnly(Options(), dbname, &reader);
  ASSERT_TRUE(s.ok()) << s.ToString();
  WriteKeys(writer.get(), 500, 600);
  uint64_t count = 0;
  s = CheckPrefix(reader.get(), &count);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(count, 500u);
  s = CheckPrefix(writer.get(), &count);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(count, 600u);
}

TEST(DBReadOnlyTest, NoDatabaseIsAnErrorAndCreatesNothing) {
  test::TempDir dir;
  const std::string dbname = dir.Child("none");
  std::unique_ptr<DB> db;
  Status s = DB::OpenReadOnly(Options(), dbname, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(db, nullptr);
  EXPECT_FALSE(fs::exists(dbname));
}

TEST(DBReadOnlyTest, WorksOnADirectoryItCannotWrite) {
  test::TempDir dir;
  const std::string dbname = dir.Child("db");
  {
    std::unique_ptr<DB> db = test::OpenOrDie(SmallOptions(), dbname);
    ASSERT_NE(db, nullptr);
    WriteKeys(db.get(), 0, 1000);
  }
  const DirState before = StateOf(dbname);
  ASSERT_EQ(::chmod(dbname.c_str(), 0555), 0);
  {
    std::unique_ptr<DB> db;
    Status s = DB::OpenReadOnly(Options(), dbname, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    uint64_t count = 0;
    s = CheckPrefix(db.get(), &count);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(count, 1000u);
  }
  ASSERT_EQ(::chmod(dbname.c_str(), 0755), 0);
  EXPECT_EQ(StateOf(dbname), before);
}

// What a reader beside a writer can meet in the newest WAL: a record still
// being copied into the mapped log (damaged, as read) with the records after
// it already there. The read-only open stops at it, even with paranoid
// checks; the writer's own recovery reports it and skips just that record.
TEST(DBReadOnlyTest, NewestWalEndsAtItsFirstDamageForAReader) {
  test::TempDir dir;
  const std::string dbname = dir.Child("db");
  {
    std::unique_ptr<DB> db = test::OpenOrDie(Options(), dbname);  // 4 MiB: one WAL
    ASSERT_NE(db, nullptr);
    for (uint64_t i = 0; i < 10; i++) {
      WriteBatch batch;
      batch.Put(Key(i), Value(i));
      batch.Put("last", std::to_string(i));
      ASSERT_TRUE(db->Write(&batch).ok());
    }
  }
  ASSERT_EQ(test::LogFiles(dbname).size(), 1u);
  const std::string log = test::LogFiles(dbname)[0];
  std::string contents = test::ReadFileOrDie(log);
  const size_t at = contents.find(Value(5));
  ASSERT_NE(at, std::string::npos);
  contents[at + 3] ^= 0x20;  // record 5 fails its checksum
  test::WriteFileOrDie(log, contents);

  {
    Options options;
    options.paranoid_checks = true;
    std::unique_ptr<DB> db;
    Status s = DB::OpenReadOnly(options, dbname, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    uint64_t count = 0;
    s = CheckPrefix(db.get(), &count);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(count, 5u);
    std::string corrupted;
    ASSERT_TRUE(db->GetProperty("strata.wal-corrupted-records", &corrupted));
    EXPECT_EQ(corrupted, "0");
  }
  std::unique_ptr<DB> db = test::OpenOrDie(Options(), dbname);
  ASSERT_NE(db, nullptr);
  std::string value;
  EXPECT_TRUE(db->Get(Key(5), &value).IsNotFound());
  EXPECT_TRUE(db->Get(Key(9), &value).ok());
  std::string corrupted;
  ASSERT_TRUE(db->GetProperty("strata.wal-corrupted-records", &corrupted));
  EXPECT_EQ(corrupted, "1");
}

// Child process bodies: they never return into the test framework.
[[noreturn]] void WriterProcess(const std::string& dbname, std::chrono::milliseconds run_for) {
  std::unique_ptr<DB> db;
  if (!DB::Open(SmallOptions(), dbname, &db).ok()) _exit(3);
  auto deadline = std::chrono::steady_clock::now() + run_for;
  uint64_t next = 1000;
  while (std::chrono::steady_clock::now() < deadline) {
    WriteBatch batch;
    for (int j = 0; j < 50; j++, next++) batch.Put(Key(next), Value(next));
    batch.Put("last", std::to_string(next - 1));
    if (!db->Write(&batch).ok()) _exit(4);
  }
  db.reset();
  _exit(0);
}

// Opens read-only again and again while the writer runs; exits 0 if every
// open saw a consistent prefix (and at least two opens saw different ones),
// 1 on a wrong answer.
[[noreturn]] void ReaderProcess(const std::string& dbname, std::chrono::milliseconds run_for) {
  auto deadline = std::chrono::steady_clock::now() + run_for;
  uint64_t checked = 0, min_count = UINT64_MAX, max_count = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<DB> db;
    Status s = DB::OpenReadOnly(Options(), dbname, &db);
    if (s.IsBusy()) continue;  // the writer kept changing the file set
    if (!s.ok()) {
      std::fprintf(stderr, "reader: open: %s\n", s.ToString().c_str());
      _exit(1);
    }
    for (int again = 0; again < 2; again++) {
      uint64_t count = 0;
      s = CheckPrefix(db.get(), &count);
      if (s.IsIOError()) break;  // a table compacted away: reopen
      if (!s.ok()) {
        std::fprintf(stderr, "reader: %s\n", s.ToString().c_str());
        _exit(1);
      }
      checked++;
      min_count = std::min(min_count, count);
      max_count = std::max(max_count, count);
    }
  }
  std::fprintf(stderr, "reader: %llu checks, %llu to %llu keys\n",
               static_cast<unsigned long long>(checked), static_cast<unsigned long long>(min_count),
               static_cast<unsigned long long>(max_count));
  _exit(checked > 0 && max_count > min_count ? 0 : 2);
}

pid_t Spawn(void (*body)(const std::string&, std::chrono::milliseconds), const std::string& dbname,
            std::chrono::milliseconds run_for) {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) body(dbname, run_for);
  return pid;
}

int ExitCode(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(DBReadOnlyTest, TwoReaderProcessesBesideAWriterProcess) {
  test::TempDir dir;
  const std::string dbname = dir.Child("db");
  {
    // No DB is open in this process when it forks (no threads to lose).
    std::unique_ptr<DB> db = test::OpenOrDie(SmallOptions(), dbname);
    ASSERT_NE(db, nullptr);
    WriteKeys(db.get(), 0, 1000);
  }
  using std::chrono::milliseconds;
  pid_t writer = Spawn(WriterProcess, dbname, milliseconds(3000));
  ASSERT_GT(writer, 0);
  pid_t reader1 = Spawn(ReaderProcess, dbname, milliseconds(2500));
  pid_t reader2 = Spawn(ReaderProcess, dbname, milliseconds(2500));
  ASSERT_GT(reader1, 0);
  ASSERT_GT(reader2, 0);
  EXPECT_EQ(ExitCode(reader1), 0);
  EXPECT_EQ(ExitCode(reader2), 0);
  EXPECT_EQ(ExitCode(writer), 0);

  // Readers alone, in two processes: the file set stays exactly as it was.
  const DirState before = StateOf(dbname);
  pid_t quiet1 = Spawn(ReaderProcess, dbname, milliseconds(300));
  pid_t quiet2 = Spawn(ReaderProcess, dbname, milliseconds(300));
  // Nothing changes, so each sees one prefix: exit 2 (no progress) is right.
  EXPECT_EQ(ExitCode(quiet1), 2);
  EXPECT_EQ(ExitCode(quiet2), 2);
  EXPECT_EQ(StateOf(dbname), before);
}

}  // namespace
}  // namespace strata
