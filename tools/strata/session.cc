// Session; see session.h.

#include "session.h"

#include <filesystem>

#include "output.h"

namespace strata::cli {

int OpenFailure(const std::string& path, const Status& s) {
  if (s.IsBusy()) {
    return Fail(kExitFailure, "the database " + path +
                                  " is locked: another process has it open (close that first)");
  }
  std::string hint;
  if (s.IsCorruption()) hint = " ('strata check' says more; 'strata repair' rebuilds what it can)";
  return Fail(kExitFailure, "cannot open the database " + path + ": " + s.ToString() + hint);
}

bool Session::Exists(const std::string& path) const {
  std::error_code ec;
  if (std::filesystem::exists(path + "/CURRENT", ec)) return true;
  if (std::filesystem::is_directory(path, ec) && !std::filesystem::is_empty(path, ec)) {
    Fail(kExitFailure, path +
                           " has no CURRENT file: not a database, or a damaged one ('strata "
                           "repair' rebuilds it from its files)");
  } else {
    Fail(kExitFailure, "no database at " + path +
                           " (create one with 'strata put' or 'strata load', or pass --db PATH)");
  }
  return false;
}

DB* Session::Db(const std::string& path, bool create) {
  if (db_ != nullptr && path == path_ && !read_only_) return db_.get();
  Close();
  if (!create && !Exists(path)) return nullptr;
  Options options;
  options.create_if_missing = create;
  Status s = DB::Open(options, path, &db_);
  if (!s.ok()) {
    OpenFailure(path, s);
    return nullptr;
  }
  path_ = path;
  return db_.get();
}

DB* Session::ReadDb(const std::string& path) {
  if (db_ != nullptr && path == path_) return db_.get();
  Close();
  if (!Exists(path)) return nullptr;
  Status s = DB::OpenReadOnly(Options(), path, &db_);
  if (!s.ok()) {
    OpenFailure(path, s);
    return nullptr;
  }
  path_ = path;
  read_only_ = true;
  return db_.get();
}

void Session::Close() {
  db_.reset();
  path_.clear();
  read_only_ = false;
}

}  // namespace strata::cli
