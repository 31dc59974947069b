// The engine registry and the option names shared by every adapter. Which
// adapters exist is decided at build time: CMake defines
// STRATA_BENCH_HAVE_LEVELDB / STRATA_BENCH_HAVE_ROCKSDB when it finds their
// libraries.

#include "engine.h"

namespace strata::bench {

bool ParseCompression(std::string_view name, Compression* compression) {
  if (name == "none") {
    *compression = Compression::kNone;
  } else if (name == "snappy") {
    *compression = Compression::kSnappy;
  } else if (name == "lz4") {
    *compression = Compression::kLz4;
  } else if (name == "zstd") {
    *compression = Compression::kZstd;
  } else {
    return false;
  }
  return true;
}

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "none";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "?";
}

std::string SettingBytes(uint64_t bytes) {
  if (bytes != 0 && bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes != 0 && bytes % (1 << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " B";
}

std::vector<std::string> RequestedSettings(const EngineOptions& options) {
  std::vector<std::string> settings(std::size(kSettingNames));
  settings[0] = SettingBytes(options.write_buffer_size);
  settings[1] = SettingBytes(options.cache_size);
  settings[2] = std::to_string(options.bloom_bits);
  settings[3] = std::string(CompressionName(options.compression));
  return settings;
}

std::vector<std::string> AvailableEngines() {
  std::vector<std::string> names = {"strata"};
#ifdef STRATA_BENCH_HAVE_LEVELDB
  names.emplace_back("leveldb");
#endif
#ifdef STRATA_BENCH_HAVE_ROCKSDB
  names.emplace_back("rocksdb");
#endif
  return names;
}

std::unique_ptr<Engine> NewEngine(std::string_view name) {
  if (name == "strata") return NewStrataEngine();
#ifdef STRATA_BENCH_HAVE_LEVELDB
  if (name == "leveldb") return NewLevelDbEngine();
#endif
#ifdef STRATA_BENCH_HAVE_ROCKSDB
  if (name == "rocksdb") return NewRocksDbEngine();
#endif
  return nullptr;
}

}  // namespace strata::bench
