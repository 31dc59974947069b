// Data-driven tests, in the style of Pebble's datadriven package: a text file
// of cases, each a command with arguments, input lines, a "----" line and the
// output expected. A test runs each case's command and compares what it
// prints with the expected text.
//
//   # Comment lines and blank lines between cases are kept as they are.
//   pick trigger=4
//   compacting L5 -> L6 m3..m5
//   ----
//   L5 -> L6 (score 1.5)
//   inputs: L5 #5 | L6 #2
//
// The expected output ends at the first blank line (so it holds none). On a
// mismatch the failure shows the case's file and line and the actual output,
// ready to paste; run with STRATA_REWRITE=1 to write the actual outputs back
// into the file instead (then review the diff).
//
// Thread-safety: one thread at a time.

#ifndef STRATA_TESTS_DATADRIVEN_H_
#define STRATA_TESTS_DATADRIVEN_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace strata::test {

struct DataCase {
  std::string file;
  int line = 0;                             // of the command
  std::string command;                      // the first word
  std::vector<std::string> positional;      // words without '='
  std::map<std::string, std::string> args;  // key=value words
  std::vector<std::string> input;           // lines before "----"
  std::string expected;                     // with a final '\n' per line
};

// Reads the cases of `path`, runs each through `run`, and records a gtest
// failure for each whose output differs from the expected one.
void RunDataFile(const std::string& path, const std::function<std::string(const DataCase&)>& run);

// The files of `dir` whose names start with `prefix`, sorted.
std::vector<std::string> DataFiles(const std::string& dir, const std::string& prefix);

}  // namespace strata::test

#endif  // STRATA_TESTS_DATADRIVEN_H_
