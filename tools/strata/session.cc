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

DB* Session::Db(const std::string& path, bool create) {
  if (db_ != nullptr && path == path_) return db_.get();
  Close();
  std::error_code ec;
  if (!create && !std::filesystem::exists(path + "/CURRENT", ec)) {
    if (std::filesystem::is_directory(path, ec) && !std::filesystem::is_empty(path, ec)) {
      Fail(kExitFailure, path +
                             " has no CURRENT file: not a database, or a damaged one ('strata "
                             "repair' rebuilds it from its files)");
    } else {
      Fail(kExitFailure, "no database at " + path +
                             " (create one with 'strata put' or 'strata load', or pass --db PATH)");
    }
    return nullptr;
  }
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

void Session::Close() {
  db_.reset();
  path_.clear();
}

}  // namespace strata::cli
