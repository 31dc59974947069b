// The strata shell; see shell.h.

#include "shell.h"

#include <editline/readline.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cli.h"
#include "output.h"

namespace strata::cli {
namespace {

// The command names completion offers; set once when the shell starts.
std::vector<std::string>* completion_words = nullptr;

char* CompleteWord(const char* text, int state) {
  static size_t next = 0;
  if (state == 0) next = 0;
  const size_t length = std::strlen(text);
  while (completion_words != nullptr && next < completion_words->size()) {
    const std::string& word = (*completion_words)[next++];
    if (word.compare(0, length, text) == 0) return strdup(word.c_str());
  }
  return nullptr;
}

// Completes the first word of a line from the command names; nothing else.
char** Complete(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // no file-name completion as a fallback
  if (start != 0) return nullptr;
  return rl_completion_matches(text, CompleteWord);
}

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  return home != nullptr && *home != '\0' ? std::string(home) + "/.strata_history" : "";
}

// The next line, from the line editor on a terminal or plainly otherwise.
bool ReadLine(bool terminal, std::string* line) {
  if (!terminal) return static_cast<bool>(std::getline(std::cin, *line));
  char* raw = readline("strata> ");
  if (raw == nullptr) return false;
  *line = raw;
  if (line->find_first_not_of(" \t") != std::string::npos) add_history(raw);
  std::free(raw);
  return true;
}

void PrintShellHelp(Session* session, const std::string& db) {
  std::printf(
      "Type a command as you would after 'strata' on the command line, e.g.\n"
      "  put user:1 alice    get user:1    scan --prefix user:    stats\n"
      "'help COMMAND' (or 'COMMAND --help') shows a command's options; 'quit' or Ctrl-D leaves.\n"
      "Commands use --db %s unless given another.\n\n",
      db.c_str());
  std::string help = Cli(session, db).Help();
  std::fwrite(help.data(), 1, help.size(), stdout);
}

}  // namespace

bool SplitWords(const std::string& line, std::vector<std::string>* words, std::string* error) {
  words->clear();
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); i++) {
    char c = line[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word.push_back(c);
        // \" inside "...": the quote is part of the word, for the unescaper.
        if (c == '\\' && quote == '"' && i + 1 < line.size()) word.push_back(line[++i]);
      }
    } else if (c == ' ' || c == '\t') {
      if (in_word) words->push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      in_word = true;
      if (c == '\'' || c == '"') {
        quote = c;
      } else {
        word.push_back(c);
        if (c == '\\' && i + 1 < line.size()) word.push_back(line[++i]);
      }
    }
  }
  if (quote != 0) {
    *error = std::string("unclosed ") + quote;
    return false;
  }
  if (in_word) words->push_back(std::move(word));
  return true;
}

int RunShell(const std::string& db) {
  Session session(/*interactive=*/true);
  // Open at once, so that a locked or unreadable database is said up front.
  if (session.Db(db, /*create=*/true) == nullptr) return kExitFailure;

  const bool terminal = isatty(STDIN_FILENO) != 0;
  std::vector<std::string> words = Cli(&session, db).CommandNames();
  for (const char* extra : {"help", "quit", "exit"}) words.push_back(extra);
  completion_words = &words;
  const std::string history = HistoryPath();
  if (terminal) {
    rl_readline_name = "strata";
    rl_attempted_completion_function = Complete;
    stifle_history(1000);
    if (!history.empty()) (void)read_history(history.c_str());
    std::printf("%s on %s. Type 'help' for the commands, 'quit' or Ctrl-D to leave.\n",
                Paint("StrataDB shell", Color::kBold).c_str(), db.c_str());
  }

  int status = kExitOk;
  std::string line, error;
  std::vector<std::string> args;
  while (ReadLine(terminal, &line)) {
    if (!SplitWords(line, &args, &error)) {
      status = Fail(kExitUsage, error);
      continue;
    }
    if (args.empty() || args[0].starts_with("#")) continue;
    if (args[0] == "quit" || args[0] == "exit") break;
    if (args[0] == "help") {
      if (args.size() == 1) {
        PrintShellHelp(&session, db);
        continue;
      }
      args = {args[1], "--help"};
    }
    int rc = Cli(&session, db).Run(args);
    if (rc != kExitOk) status = rc;
    std::fflush(stdout);
  }
  if (terminal) {
    std::printf("\n");
    if (!history.empty()) (void)write_history(history.c_str());
  }
  completion_words = nullptr;
  return terminal ? kExitOk : status;
}

}  // namespace strata::cli
