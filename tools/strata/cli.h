// Cli: the strata command line. Declares every command with its options and
// help text (CLI11), parses one command line and runs the command chosen
// against a Session. The program builds one for its arguments; the shell
// builds one per line it reads, so both accept exactly the same commands.
//
// Thread-safety: single-threaded tool.

#ifndef STRATA_TOOLS_STRATA_CLI_H_
#define STRATA_TOOLS_STRATA_CLI_H_

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "session.h"

namespace strata::cli {

class Cli {
 public:
  // default_db: the --db a command gets when it names none.
  Cli(Session* session, const std::string& default_db);
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  // Parses args (the program name excluded) and runs the command. Returns
  // the exit status: kExitUsage, with one line on stderr, for bad arguments.
  int Run(const std::vector<std::string>& args);

  // The tool's help: every command with a line about it.
  std::string Help() { return app_.help(); }
  // The names of the commands, for the shell's completion.
  std::vector<std::string> CommandNames();

 private:
  CLI::App* AddCommand(const std::string& name, const std::string& description,
                       const std::string& group);
  void AddJson(CLI::App* command);
  void AddDataCommands();
  void AddInspectCommands();
  void AddCopyCommands();
  void AddOtherCommands();
  // One line on stderr for a parse error, naming the command; kExitUsage.
  int UsageError(const CLI::ParseError& e, const std::vector<std::string>& args);

  Session* const session_;
  CLI::App app_;
  int status_ = 0;  // the exit status of the command that ran

  Common common_;
  PutArgs put_;
  GetArgs get_;
  DelArgs del_;
  DelRangeArgs delrange_;
  ScanArgs scan_;
  LoadArgs load_;
  DumpArgs dump_;
  CompactArgs compact_;
  FileArgs file_;
  CheckpointArgs checkpoint_;
  BackupArgs backup_;
};

}  // namespace strata::cli

#endif  // STRATA_TOOLS_STRATA_CLI_H_
