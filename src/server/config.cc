// Config: see config.h.

#include "server/config.h"

#include <sched.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <thread>

#include "server/resp_parser.h"

namespace strata::server {

namespace {

enum class Kind { kInt, kBool, kMemory, kString, kWords, kAppendFsync };

struct Spec {
  const char* name;
  Kind kind;
  bool runtime;  // may change with CONFIG SET
  const char* default_value;
};

// The real settings (docs/SERVER.md, "Configuration", says what each does).
constexpr Spec kSpecs[] = {
    {"port", Kind::kInt, false, "6379"},
    {"bind", Kind::kWords, false, "127.0.0.1 -::1"},
    {"dir", Kind::kString, false, "./strata-server-data"},
    {"requirepass", Kind::kString, true, ""},
    {"maxclients", Kind::kInt, true, "10000"},
    {"threads", Kind::kInt, false, "0"},
    {"appendfsync", Kind::kAppendFsync, true, "everysec"},
    {"timeout", Kind::kInt, true, "0"},
    {"protected-mode", Kind::kBool, true, "yes"},
    {"proto-max-bulk-len", Kind::kMemory, true, "536870912"},
    {"client-query-buffer-limit", Kind::kMemory, true, "1073741824"},
    {"databases", Kind::kInt, false, "1"},
    {"daemonize", Kind::kBool, false, "no"},
    {"loglevel", Kind::kString, true, "notice"},
    {"logfile", Kind::kString, false, ""},
    {"pidfile", Kind::kString, false, ""},
    {"tcp-backlog", Kind::kInt, false, "511"},
    {"tcp-keepalive", Kind::kInt, true, "300"},
    // The engine's memory (strata::Options): read once, when the DB opens.
    {"write-buffer-size", Kind::kMemory, false, "67108864"},
    {"block-cache-size", Kind::kMemory, false, "33554432"},
};

// Redis settings clients and Redis's test harness set that mean nothing here
// (encodings, RDB/AOF persistence, memory policy): accepted and echoed.
constexpr const char* kAccepted[] = {
    "save",
    "io-threads",
    "io-threads-do-reads",
    "appendonly",
    "appendfilename",
    "dbfilename",
    "maxmemory",
    "maxmemory-policy",
    "hash-max-ziplist-entries",
    "hash-max-ziplist-value",
    "hash-max-listpack-entries",
    "hash-max-listpack-value",
    "list-max-ziplist-size",
    "list-max-listpack-size",
    "list-compress-depth",
    "set-max-intset-entries",
    "set-max-listpack-entries",
    "zset-max-ziplist-entries",
    "zset-max-ziplist-value",
    "zset-max-listpack-entries",
    "zset-max-listpack-value",
    "activerehashing",
    "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del",
    "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush",
    "active-expire-effort",
    "latency-tracking",
    "latency-monitor-threshold",
    "slowlog-log-slower-than",
    "slowlog-max-len",
    "hz",
    "dynamic-hz",
    "notify-keyspace-events",
    "always-show-logo",
    "enable-debug-command",
    "enable-protected-configs",
    "enable-module-command",
    "stop-writes-on-bgsave-error",
    "rdbcompression",
    "rdbchecksum",
    "repl-diskless-sync",
    "repl-diskless-sync-delay",
    "appendfsync-no-rewrite",
    "auto-aof-rewrite-percentage",
    "auto-aof-rewrite-min-size",
    "activedefrag",
    "lua-time-limit",
    "busy-reply-threshold",
    "crash-log-enabled",
    "crash-memcheck-enabled",
    "supervised",
    "set-proc-title",
    "client-output-buffer-limit",
    "min-replicas-to-write",
    "replica-read-only",
    "key-load-delay",
    "loading-process-events-interval-bytes",
};

const Spec* FindSpec(std::string_view name) {
  for (const Spec& spec : kSpecs) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

bool IsAccepted(std::string_view name) {
  return std::find(std::begin(kAccepted), std::end(kAccepted), name) != std::end(kAccepted);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); i++) {
    if (i > 0) out.push_back(' ');
    out.append(words[i]);
  }
  return out;
}

// A stored number (validated when set), or 0.
int64_t IntegerOf(const std::map<std::string, std::string, std::less<>>& values,
                  std::string_view name) {
  auto it = values.find(name);
  int64_t v = 0;
  if (it == values.end() || !ParseMemory(it->second, &v)) return 0;
  return v;
}

}  // namespace

bool ParseMemory(std::string_view text, int64_t* bytes) {
  std::string lower = Lower(text);
  int64_t multiplier = 1;
  struct Unit {
    const char* suffix;
    int64_t factor;
  } units[] = {{"gb", int64_t{1} << 30}, {"mb", 1 << 20}, {"kb", 1024}, {"g", 1000000000},
               {"m", 1000000},           {"k", 1000},     {"b", 1}};
  for (const Unit& unit : units) {
    size_t n = std::char_traits<char>::length(unit.suffix);
    if (lower.size() > n && lower.compare(lower.size() - n, n, unit.suffix) == 0) {
      multiplier = unit.factor;
      lower.resize(lower.size() - n);
      break;
    }
  }
  int64_t value;
  if (!ParseInt64(lower, &value) || value < 0) return false;
  if (value > INT64_MAX / multiplier) return false;
  *bytes = value * multiplier;
  return true;
}

namespace {

// The CPUs this process may run on (its affinity mask, as nproc(1) counts
// them): a server started under taskset or a cgroup's cpuset gets as many
// I/O threads as it has CPUs, not as the machine has. Falls back to the
// machine's cores.
int UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Matches text against pattern. *skip_longer is set when a '*' failed to
// match the rest at every position: an enclosing '*' then cannot succeed by
// consuming more, so it stops (without this, "a*a*a*...b" is exponential).
// Nesting deeper than 1000 '*'s fails the match, as in Redis, so a hostile
// pattern cannot exhaust an I/O thread's stack.
bool GlobMatchImpl(std::string_view pattern, std::string_view text, bool nocase, bool* skip_longer,
                   int nesting) {
  if (nesting > 1000) return false;
  auto fold = [nocase](char c) {
    return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
  };
  size_t p = 0, t = 0;
  while (p < pattern.size() && t < text.size()) {
    char pc = pattern[p];
    if (pc == '*') {
      while (p + 1 < pattern.size() && pattern[p + 1] == '*') p++;
      if (p + 1 == pattern.size()) return true;
      for (; t < text.size(); t++) {
        if (GlobMatchImpl(pattern.substr(p + 1), text.substr(t), nocase, skip_longer, nesting + 1))
          return true;
        if (*skip_longer) return false;
      }
      *skip_longer = true;
      return false;
    }
    if (pc == '?') {
      t++;
    } else if (pc == '[') {
      p++;
      bool negate = p < pattern.size() && pattern[p] == '^';
      if (negate) p++;
      bool match = false;
      while (p < pattern.size() && pattern[p] != ']') {
        if (pattern[p] == '\\' && p + 1 < pattern.size()) {
          p++;
          if (fold(pattern[p]) == fold(text[t])) match = true;
        } else if (p + 2 < pattern.size() && pattern[p + 1] == '-') {
          char lo = fold(pattern[p]), hi = fold(pattern[p + 2]), c = fold(text[t]);
          if (lo > hi) std::swap(lo, hi);
          if (c >= lo && c <= hi) match = true;
          p += 2;
        } else if (fold(pattern[p]) == fold(text[t])) {
          match = true;
        }
        p++;
      }
      if (p >= pattern.size()) p = pattern.size() - 1;  // unterminated: the ']' is implied
      if (negate) match = !match;
      if (!match) return false;
      t++;
    } else {
      if (pc == '\\' && p + 1 < pattern.size()) pc = pattern[++p];
      if (fold(pc) != fold(text[t])) return false;
      t++;
    }
    p++;
    if (t == text.size()) {
      // Only '*'s may remain to match the empty rest.
      while (p < pattern.size() && pattern[p] == '*') p++;
    }
  }
  if (text.empty()) {
    while (p < pattern.size() && pattern[p] == '*') p++;
  }
  return p == pattern.size() && t == text.size();
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  bool skip_longer = false;
  return GlobMatchImpl(pattern, text, nocase, &skip_longer, 0);
}

Config::Config() {
  MutexLock lock(&mu_);
  for (const Spec& spec : kSpecs) values_[spec.name] = spec.default_value;
  values_["save"] = "";
  values_["appendonly"] = "no";
  Refresh();
}

void Config::Refresh() {
  port_.store(static_cast<int>(IntegerOf(values_, "port")), std::memory_order_relaxed);
  int threads = static_cast<int>(IntegerOf(values_, "threads"));
  if (threads <= 0) threads = UsableCpus();
  threads_.store(threads, std::memory_order_relaxed);
  maxclients_.store(IntegerOf(values_, "maxclients"), std::memory_order_relaxed);
  timeout_.store(IntegerOf(values_, "timeout"), std::memory_order_relaxed);
  protected_mode_.store(values_["protected-mode"] == "yes", std::memory_order_relaxed);
  const std::string& fsync = values_["appendfsync"];
  appendfsync_.store(fsync == "always" ? AppendFsync::kAlways
                     : fsync == "no"   ? AppendFsync::kNo
                                       : AppendFsync::kEverySec,
                     std::memory_order_relaxed);
  proto_max_bulk_len_.store(IntegerOf(values_, "proto-max-bulk-len"), std::memory_order_relaxed);
  query_buffer_limit_.store(IntegerOf(values_, "client-query-buffer-limit"),
                            std::memory_order_relaxed);
  has_password_.store(!values_["requirepass"].empty(), std::memory_order_relaxed);
  write_buffer_size_.store(IntegerOf(values_, "write-buffer-size"), std::memory_order_relaxed);
  block_cache_size_.store(IntegerOf(values_, "block-cache-size"), std::memory_order_relaxed);
}

Status Config::Set(std::string_view raw_name, const std::vector<std::string>& words,
                   bool at_runtime) {
  std::string name = Lower(raw_name);
  const Spec* spec = FindSpec(name);
  if (spec == nullptr) {
    if (!IsAccepted(name)) return Status::InvalidArgument("unknown option", name);
    MutexLock lock(&mu_);
    values_[name] = Join(words);
    return Status::OK();
  }
  if (at_runtime && !spec->runtime) {
    return Status::InvalidArgument("can't set immutable config", name);
  }
  if (spec->kind != Kind::kWords && words.size() != 1) {
    return Status::InvalidArgument("wrong number of arguments", name);
  }
  std::string value = spec->kind == Kind::kWords ? Join(words) : words[0];
  if (name == "daemonize" && Lower(value) == "yes") {
    return Status::InvalidArgument(
        "daemonize yes is not supported: run strata-server under a "
        "supervisor (systemd, a container) instead");
  }
  int64_t number = 0;
  switch (spec->kind) {
    case Kind::kInt:
      if (!ParseInt64(value, &number) || number < 0) {
        return Status::InvalidArgument("argument couldn't be parsed into an integer", name);
      }
      if (name == "port" && number > 65535) {
        return Status::InvalidArgument("argument must be between 0 and 65535 inclusive", name);
      }
      break;
    case Kind::kMemory:
      if (!ParseMemory(value, &number)) {
        return Status::InvalidArgument("argument must be a memory value", name);
      }
      value = std::to_string(number);
      break;
    case Kind::kBool:
      value = Lower(value);
      if (value != "yes" && value != "no") {
        return Status::InvalidArgument("argument must be 'yes' or 'no'", name);
      }
      break;
    case Kind::kAppendFsync:
      value = Lower(value);
      if (value != "always" && value != "everysec" && value != "no") {
        return Status::InvalidArgument(
            "argument(s) must be one of the following: always, everysec, no", name);
      }
      break;
    case Kind::kString:
    case Kind::kWords:
      break;
  }
  MutexLock lock(&mu_);
  values_[name] = value;
  Refresh();
  return Status::OK();
}

Status Config::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot open config file", path);
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    line_number++;
    std::vector<std::string> words;
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    if (!SplitInlineArgs(line, &words)) {
      return Status::InvalidArgument(path + ":" + std::to_string(line_number), "unbalanced quotes");
    }
    if (words.empty()) continue;
    std::string name = words[0];
    words.erase(words.begin());
    Status s = Set(name, words, false);
    if (!s.ok()) {
      return Status::InvalidArgument(path + ":" + std::to_string(line_number), s.ToString());
    }
  }
  return Status::OK();
}

Status Config::ApplyArguments(const std::vector<std::string>& args) {
  size_t i = 0;
  while (i < args.size()) {
    if (args[i].rfind("--", 0) != 0) return Status::InvalidArgument("unexpected argument", args[i]);
    std::string name = args[i].substr(2);
    std::vector<std::string> words;
    i++;
    // A value may be several words (--bind a b, --save ""); it ends at the
    // next "--name".
    while (i < args.size() && args[i].rfind("--", 0) != 0) words.push_back(args[i++]);
    if (words.empty()) words.push_back("");
    if (Status s = Set(name, words, false); !s.ok()) return s;
  }
  return Status::OK();
}

std::vector<std::pair<std::string, std::string>> Config::Get(std::string_view pattern) const {
  std::vector<std::pair<std::string, std::string>> out;
  MutexLock lock(&mu_);
  for (const auto& [name, value] : values_) {
    if (GlobMatch(pattern, name, true)) out.emplace_back(name, value);
  }
  return out;
}

std::string Config::GetString(std::string_view name) const {
  MutexLock lock(&mu_);
  auto it = values_.find(name);
  return it == values_.end() ? std::string() : it->second;
}

std::vector<std::string> Config::binds() const {
  std::vector<std::string> out;
  SplitInlineArgs(GetString("bind"), &out);
  return out;
}

bool Config::CheckPassword(std::string_view candidate) const {
  std::string password = GetString("requirepass");
  if (password.empty()) return false;
  // Constant time in the contents: every byte of the longer string is
  // visited whatever matches, and the lengths are folded in at the end.
  size_t n = std::max(password.size(), candidate.size());
  unsigned char diff = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char a = i < password.size() ? static_cast<unsigned char>(password[i]) : 0;
    unsigned char b = i < candidate.size() ? static_cast<unsigned char>(candidate[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0 && password.size() == candidate.size();
}

}  // namespace strata::server
