// Helpers shared by the tests: a temporary directory removed at the end of
// the test, small file utilities, and running a built program.
//
// Thread-safety: a TempDir is owned by one test.

#ifndef STRATA_TESTS_TEST_UTIL_H_
#define STRATA_TESTS_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace strata::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on
// destruction.
class TempDir {
 public:
  TempDir();
  // In memory (/dev/shm) when that exists, for tests that fsync thousands of
  // times and track durability themselves (FaultInjectionFileSystem).
  struct InMemory {};
  explicit TempDir(InMemory);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Child(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// What a program run by RunProgram did.
struct ProgramResult {
  int status = -1;  // the exit code, or -1 if it did not exit normally
  std::string out;
  std::string err;
};

// Runs program with args (each quoted for the shell) in dir, with NO_COLOR=1,
// `input` on stdin, and stdout and stderr captured through files in dir.
ProgramResult RunProgram(const TempDir& dir, const std::string& program,
                         const std::vector<std::string>& args, const std::string& input = "");
// The exit code and both outputs, for a failure message.
std::string Describe(const ProgramResult& r);

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& contents);
// Damages the byte at offset of the file at path by XORing it with mask.
void XorByteOrDie(const std::string& path, uint64_t offset, unsigned char mask);
// This process's resident pages of mapped files, in KiB (RssFile in
// /proc/self/status).
uint64_t ResidentFileKiB();

}  // namespace strata::test

#endif  // STRATA_TESTS_TEST_UTIL_H_
