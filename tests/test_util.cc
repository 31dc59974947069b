// Test helpers; see test_util.h.

#include "test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace strata::test {

namespace {

std::string MakeTempDir(const std::string& base) {
  std::string pattern = base + "/strata-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed in " << base;
  return pattern;
}

std::string ShellQuote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted.push_back(c);
    }
  }
  return quoted + "'";
}

std::string DefaultTempBase() {
  const char* base = getenv("TMPDIR");
  return base != nullptr ? base : "/tmp";
}

}  // namespace

ProgramResult RunProgram(const TempDir& dir, const std::string& program,
                         const std::vector<std::string>& args, const std::string& input) {
  const std::string in = dir.Child("stdin"), out = dir.Child("stdout"), err = dir.Child("stderr");
  WriteFileOrDie(in, input);
  std::string command = "cd " + ShellQuote(dir.path()) + " && NO_COLOR=1 " + ShellQuote(program);
  for (const auto& arg : args) command += " " + ShellQuote(arg);
  command += " <" + ShellQuote(in) + " >" + ShellQuote(out) + " 2>" + ShellQuote(err);
  int rc = std::system(command.c_str());
  ProgramResult result;
  result.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  result.out = ReadFileOrDie(out);
  result.err = ReadFileOrDie(err);
  return result;
}

std::string Describe(const ProgramResult& r) {
  return "exit " + std::to_string(r.status) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

TempDir::TempDir() : path_(MakeTempDir(DefaultTempBase())) {}

TempDir::TempDir(InMemory)
    : path_(MakeTempDir(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : DefaultTempBase())) {}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileOrDie(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  EXPECT_TRUE(out.good()) << path;
}

void XorByteOrDie(const std::string& path, uint64_t offset, unsigned char mask) {
  std::string contents = ReadFileOrDie(path);
  ASSERT_LT(offset, contents.size()) << path;
  contents[offset] = static_cast<char>(contents[offset] ^ mask);
  WriteFileOrDie(path, contents);
}

uint64_t ResidentFileKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("RssFile:", 0) == 0) return std::stoull(line.substr(8));
  }
  ADD_FAILURE() << "no RssFile in /proc/self/status";
  return 0;
}

}  // namespace strata::test
