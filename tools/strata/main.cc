// strata: the command-line tool to look into and operate a StrataDB
// database: read and write keys, load and dump, check, repair and dump the
// files, and an interactive shell. 'strata --help' lists the commands.
//
// The tool is thin: commands call the public API (<strata/db.h>, with
// <strata/inspect.h> for checking, repairing and dumping files) and only
// parse arguments and print. Layout: cli.cc declares the commands and their
// help, commands.cc, load.cc, inspect_commands.cc and bench.cc run them,
// shell.cc is the prompt, output.cc formats, session.cc holds the open DB.

#include <fcntl.h>

#include <cerrno>
#include <string>
#include <vector>

#include "cli.h"
#include "output.h"

namespace {

// Points stdin, stdout and stderr at /dev/null if they are closed, so that
// no database file is opened as descriptor 0 and then read as commands by
// the shell (or written to by a printf).
void OpenStandardDescriptors() {
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      int null_fd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (null_fd >= 0 && null_fd != fd) close(null_fd);  // only the lowest free fd is useful
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  OpenStandardDescriptors();
  strata::cli::InitColors();
  strata::cli::Session session(/*interactive=*/false);
  strata::cli::Cli cli(&session, strata::cli::kDefaultDb);
  return cli.Run(std::vector<std::string>(argv + 1, argv + argc));
}
