// ElementGcFilter: see element_gc.h.

#include "server/element_gc.h"

#include "server/metadata.h"
#include "server/server_state.h"
#include "util/coding.h"

namespace strata::server {

namespace {

std::atomic<uint64_t> next_filter_id{1};  // relaxed: uniqueness only

// The last (key, version) prefix this thread decided on, for which filter
// and job, and whether it was dropped.
struct LastDecision {
  uint64_t filter_id = 0;
  uint64_t job_id = 0;
  bool drop = false;
  std::string prefix;
};
thread_local LastDecision last_decision;

}  // namespace

ElementGcFilter::ElementGcFilter(uint64_t (*now_ms)())
    : now_ms_(now_ms != nullptr ? now_ms : &NowMs),
      id_(next_filter_id.fetch_add(1, std::memory_order_relaxed)) {}

bool ElementGcFilter::ParseElementKey(std::string_view key, std::string_view* user_key,
                                      uint64_t* version, size_t* prefix_len) {
  if (key.size() < 1 + 4 + 8 || key[0] != kSubkeyPrefix) return false;
  const uint64_t len = DecodeBigEndian32(key.data() + 1);
  if (key.size() - (1 + 4 + 8) < len) return false;
  *user_key = key.substr(1 + 4, len);
  *version = DecodeBigEndian64(key.data() + 1 + 4 + len);
  *prefix_len = 1 + 4 + len + 8;
  return true;
}

CompactionFilter::Decision ElementGcFilter::Filter(const Context& context, std::string_view key,
                                                   std::string_view /*value*/,
                                                   std::string* /*new_value*/) const {
  std::string_view user_key;
  uint64_t version;
  size_t prefix_len;
  if (!ParseElementKey(key, &user_key, &version, &prefix_len)) return Decision::kKeep;
  std::string_view prefix = key.substr(0, prefix_len);
  LastDecision& last = last_decision;
  if (last.filter_id == id_ && last.prefix == prefix) {
    // A drop holds for good; a keep only for the job that decided it.
    if (last.drop) return Decision::kRemove;
    if (context.job_id != 0 && last.job_id == context.job_id) return Decision::kKeep;
  }
  DB* db = db_.load(std::memory_order_acquire);
  if (db == nullptr) return Decision::kKeep;

  std::string record;
  Status s = db->Get(ReadOptions(), MetadataKey(user_key), &record);
  Metadata meta;
  bool garbage;
  if (s.IsNotFound()) {
    garbage = true;
  } else if (!s.ok() || !DecodeMetadata(record, &meta).ok()) {
    return Decision::kKeep;  // unsure: keep, a later compaction decides
  } else {
    garbage = meta.type == KeyType::kString || meta.version != version || meta.Expired(now_ms_());
  }
  last.filter_id = id_;
  last.job_id = context.job_id;
  last.drop = garbage;
  last.prefix.assign(prefix);
  return garbage ? Decision::kRemove : Decision::kKeep;
}

}  // namespace strata::server
