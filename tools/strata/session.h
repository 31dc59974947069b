// Session: the database the strata tool works on, opened on first use and
// kept open for the rest of the process, so the shell runs many commands
// against one open DB. Reading commands open it read-only (DB::OpenReadOnly:
// no lock, no file written, so they work beside a running writer and on a
// directory they cannot write); the first writing command reopens it for
// writing. Commands that need the directory to themselves (check, repair)
// close it first; the next command opens it again.
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
  // The database at path for reading: the one already open (read-only or
  // not), else opened read-only, as of now. A missing database is an error.
  DB* ReadDb(const std::string& path);
  // Closes the open database, if any.
  void Close();
  // True when commands come from the shell, not the command line.
  bool interactive() const { return interactive_; }

 private:
  const bool interactive_;
  // Checks that path holds a database; prints why not and returns false.
  bool Exists(const std::string& path) const;

  std::string path_;
  std::unique_ptr<DB> db_;
  bool read_only_ = false;  // db_ came from DB::OpenReadOnly
};

// One line on stderr saying why the database at path could not be opened,
// then kExitFailure.
int OpenFailure(const std::string& path, const Status& s);

}  // namespace strata::cli

#endif  // STRATA_TOOLS_STRATA_SESSION_H_
