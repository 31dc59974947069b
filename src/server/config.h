// Config: strata-server's configuration, with redis.conf's names, syntax and
// CONFIG GET/SET semantics. Values come from the defaults, then the config
// file (one "name value..." per line, '#' comments, quoting as in inline
// commands), then the command line ("--name value...", as redis-server), then
// CONFIG SET at run time for the names marked mutable.
//
// A name is either real (it changes behaviour: port, bind, dir, requirepass,
// maxclients, threads, appendfsync, timeout, protected-mode,
// proto-max-bulk-len, client-query-buffer-limit, ...) or accepted (Redis's
// encoding and persistence knobs, which clients and Redis's test harness
// set; they have no meaning over an LSM and are stored and echoed only).
// docs/SERVER.md lists them.
//
// Thread-safety: every method is safe to call from any thread; the values
// the hot path reads are atomics, refreshed on every Set.

#ifndef STRATA_SERVER_CONFIG_H_
#define STRATA_SERVER_CONFIG_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/status.h"
#include "util/mutex.h"

namespace strata::server {

enum class AppendFsync : int { kAlways, kEverySec, kNo };

class Config {
 public:
  Config();

  // Reads a redis.conf-syntax file. InvalidArgument names the line.
  Status LoadFile(const std::string& path);
  // Applies "--name value..." arguments (argv without the program name and
  // the config file). InvalidArgument on an unknown name or a bad value.
  Status ApplyArguments(const std::vector<std::string>& args);
  // Sets one name (lower-cased) to its value words. `at_runtime`: refuses
  // the names that only take effect at start (InvalidArgument).
  Status Set(std::string_view name, const std::vector<std::string>& values, bool at_runtime);
  // Every (name, value) whose name matches the glob `pattern`, sorted.
  std::vector<std::pair<std::string, std::string>> Get(std::string_view pattern) const;
  std::string GetString(std::string_view name) const;

  // The values the server reads often.
  int port() const { return port_.load(std::memory_order_relaxed); }
  std::vector<std::string> binds() const;
  std::string dir() const { return GetString("dir"); }
  int threads() const { return threads_.load(std::memory_order_relaxed); }
  int64_t maxclients() const { return maxclients_.load(std::memory_order_relaxed); }
  int64_t timeout_seconds() const { return timeout_.load(std::memory_order_relaxed); }
  bool protected_mode() const { return protected_mode_.load(std::memory_order_relaxed); }
  AppendFsync appendfsync() const { return appendfsync_.load(std::memory_order_relaxed); }
  int64_t proto_max_bulk_len() const { return proto_max_bulk_len_.load(std::memory_order_relaxed); }
  int64_t client_query_buffer_limit() const {
    return query_buffer_limit_.load(std::memory_order_relaxed);
  }
  bool has_password() const { return has_password_.load(std::memory_order_relaxed); }
  // strata::Options::write_buffer_size and block_cache_size, in bytes.
  int64_t write_buffer_size() const { return write_buffer_size_.load(std::memory_order_relaxed); }
  int64_t block_cache_size() const { return block_cache_size_.load(std::memory_order_relaxed); }
  // Compares `candidate` with requirepass in time independent of where they
  // differ. False if no password is set.
  bool CheckPassword(std::string_view candidate) const;

 private:
  void Refresh() REQUIRES(mu_);

  mutable Mutex mu_;
  std::map<std::string, std::string, std::less<>> values_ GUARDED_BY(mu_);

  // Copies of values_ for lock-free reads (relaxed: each is a lone setting,
  // read without ordering against others).
  std::atomic<int> port_{6379};
  std::atomic<int> threads_{1};
  std::atomic<int64_t> maxclients_{10000};
  std::atomic<int64_t> timeout_{0};
  std::atomic<bool> protected_mode_{true};
  std::atomic<AppendFsync> appendfsync_{AppendFsync::kEverySec};
  std::atomic<int64_t> proto_max_bulk_len_{int64_t{512} << 20};
  std::atomic<int64_t> query_buffer_limit_{int64_t{1} << 30};
  std::atomic<bool> has_password_{false};
  std::atomic<int64_t> write_buffer_size_{int64_t{64} << 20};
  std::atomic<int64_t> block_cache_size_{int64_t{32} << 20};
};

// Redis's glob matching (stringmatchlen): * ? [abc] [^a-z] and \ escapes.
bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

// Parses "512mb", "1gb", "100k", "42" (Redis's memtoull). False if invalid.
bool ParseMemory(std::string_view text, int64_t* bytes);

}  // namespace strata::server

#endif  // STRATA_SERVER_CONFIG_H_
