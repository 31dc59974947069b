// The public Cache handle (include/strata/cache.h) over the engine's
// LRUCache.

#include "strata/cache.h"

#include "buffer/lru_cache.h"

namespace strata {

Cache::Cache(size_t capacity) : impl_(std::make_unique<LRUCache>(capacity)) {}

Cache::~Cache() = default;

size_t Cache::capacity() const { return impl_->Capacity(); }

size_t Cache::usage() const { return impl_->GetStats().usage; }

std::shared_ptr<Cache> NewLRUCache(size_t capacity) {
  return std::shared_ptr<Cache>(new Cache(capacity));
}

}  // namespace strata
