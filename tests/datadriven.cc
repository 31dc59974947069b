// Data-driven test files; see datadriven.h.

#include "datadriven.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace strata::test {
namespace {

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void ParseCommand(const std::string& line, DataCase* c) {
  std::istringstream words(line);
  words >> c->command;
  for (std::string word; words >> word;) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      c->positional.push_back(word);
    } else {
      c->args[word.substr(0, eq)] = word.substr(eq + 1);
    }
  }
}

}  // namespace

void RunDataFile(const std::string& path, const std::function<std::string(const DataCase&)>& run) {
  const std::vector<std::string> lines = ReadLines(path);
  const bool rewrite = std::getenv("STRATA_REWRITE") != nullptr;
  std::string rewritten;
  size_t i = 0;
  while (i < lines.size()) {
    if (lines[i].empty() || lines[i][0] == '#') {
      rewritten += lines[i++] + "\n";
      continue;
    }
    DataCase c;
    c.file = path;
    c.line = static_cast<int>(i + 1);
    ParseCommand(lines[i], &c);
    rewritten += lines[i++] + "\n";
    while (i < lines.size() && lines[i] != "----") {
      c.input.push_back(lines[i]);
      rewritten += lines[i++] + "\n";
    }
    if (i == lines.size()) {
      ADD_FAILURE() << path << ":" << c.line << ": no \"----\" after the command";
      return;
    }
    rewritten += lines[i++] + "\n";
    while (i < lines.size() && !lines[i].empty()) c.expected += lines[i++] + "\n";

    const std::string actual = run(c);
    rewritten += actual;
    EXPECT_EQ(c.expected, actual) << path << ":" << c.line << ": " << c.command
                                  << "\nactual output:\n"
                                  << actual;
  }
  if (rewrite) {
    std::ofstream out(path, std::ios::trunc);
    out << rewritten;
  }
}

std::vector<std::string> DataFiles(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace strata::test
