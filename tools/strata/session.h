// Session: the database the strata tool works on, opened on first use and
// kept open for the rest of the process, so the shell runs many commands
// against one open DB. Commands that need the directory to themselves
// (check, repair) close it first; the next command opens it again.
//
// Thread-safety: single-threaded tool.

#ifndef STRATA_TOOLS_STRATA_SESSION_H_
#define STRATA_TOOLS_STRATA_SESSION_H_

#include <strata/db.h>

#include <memory>
#include <string>

namespace strata::cli {

class Session {
 public:
  explicit Session(bool interactive) : interactive_(interactive) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The database at path, opening it unless it is the one already open
  // (another path closes that one). create: make the database if there is
  // none; otherwise a missing database is an error. On failure prints one
  // line on stderr and returns nullptr.
  DB* Db(const std::string& path, bool create);
  // Closes the open database, if any.
  void Close();
  // True when commands come from the shell, not the command line.
  bool interactive() const { return interactive_; }

 private:
  const bool interactive_;
  std::string path_;
  std::unique_ptr<DB> db_;
};

// One line on stderr saying why the database at path could not be opened,
// then kExitFailure.
int OpenFailure(const std::string& path, const Status& s);

}  // namespace strata::cli

#endif  // STRATA_TOOLS_STRATA_SESSION_H_
