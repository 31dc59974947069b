// The strata shell: an interactive prompt that runs the tool's commands
// against one open database, with line editing, completion of command names
// and a history kept in ~/.strata_history (libedit).
//
// Lines are split into words at spaces; '...' and "..." group words and keep
// backslashes, so escapes reach the command as typed (put "a b" \x00).
// Without a terminal on stdin the shell reads commands line by line, with no
// prompt, banner or history, and stops at the end of input; its exit status
// is then 1 if any command failed.
//
// Thread-safety: single-threaded tool.

#ifndef STRATA_TOOLS_STRATA_SHELL_H_
#define STRATA_TOOLS_STRATA_SHELL_H_

#include <string>
#include <vector>

namespace strata::cli {

// Runs the shell on the database at db (created if missing) until "quit",
// Ctrl-D or the end of input.
int RunShell(const std::string& db);

// Splits a line into words as described above. False, with *error set, for
// an unclosed quote.
bool SplitWords(const std::string& line, std::vector<std::string>* words, std::string* error);

}  // namespace strata::cli

#endif  // STRATA_TOOLS_STRATA_SHELL_H_
