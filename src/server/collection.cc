// Collection building blocks; see collection.h.

#include "server/collection.h"

namespace strata::server {

bool ReadCollection(CommandContext& ctx, std::string_view key, KeyType type, Collection* c) {
  c->found = false;
  c->prefix.clear();
  Status s = GetMeta(ctx, key, &c->record, &c->meta);
  if (s.IsNotFound()) {
    ctx.state->stats()->keyspace_misses.fetch_add(1, std::memory_order_relaxed);
    c->record.clear();
    c->meta = Metadata();
    c->meta.type = type;
    return true;
  }
  if (!s.ok()) {
    ReplyStatusError(ctx.reply, s);
    return false;
  }
  if (c->meta.type != type) {
    ctx.reply->Error(kWrongType);
    return false;
  }
  ctx.state->stats()->keyspace_hits.fetch_add(1, std::memory_order_relaxed);
  c->found = true;
  c->prefix.Assign(key, c->meta.version);
  return true;
}

bool CreateCollection(CommandContext& ctx, std::string_view key, Collection* c) {
  uint64_t version;
  Status s = ctx.state->versions()->Next(&version);
  if (!s.ok()) {
    ReplyStatusError(ctx.reply, s);
    return false;
  }
  c->meta.version = version;
  c->meta.size = 0;
  c->meta.expire_ms = 0;
  c->meta.extra = std::string_view();
  c->prefix.Assign(key, version);
  return true;
}

void PutCollectionMetadata(std::string_view key, const Collection& c, WriteBatch* batch) {
  if (c.meta.size == 0) {
    batch->Delete(MetadataKey(key));
  } else {
    // EncodeCollectionMetadata's bytes, in place.
    char header[kCollectionHeaderSize];
    EncodeCollectionHeader(header, c.meta.type, c.meta.expire_ms, c.meta.version, c.meta.size);
    batch->Put(MetadataKey(key), KeyBuffer(std::string_view(header, sizeof(header)), c.meta.extra));
  }
}

bool CopyCollection(CommandContext& ctx, std::string_view from, std::string_view to,
                    const Metadata& meta, WriteBatch* batch) {
  Collection source;
  source.found = true;
  source.meta = meta;
  source.prefix.Assign(from, meta.version);
  Collection target;
  target.meta = meta;
  if (!CreateCollection(ctx, to, &target)) return false;
  ElementIterator it(ctx, source);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    batch->Put(target.ElementKey(it.subkey()), it.value());
  }
  if (!it.status().ok()) {
    ReplyStatusError(ctx.reply, it.status());
    return false;
  }
  target.meta.size = meta.size;
  target.meta.expire_ms = meta.expire_ms;
  target.meta.extra = meta.extra;
  PutCollectionMetadata(to, target, batch);
  return true;
}

Status GetElement(CommandContext& ctx, const Collection& c, std::string_view subkey,
                  std::string* value) {
  return DbGet(ctx, c.ElementKey(subkey), value);
}

ElementIterator::ElementIterator(CommandContext& ctx, const Collection& c,
                                 std::string_view upper_subkey, std::string_view lower_subkey) {
  // One buffer for both bounds (an iterator is made per pop or range read):
  // prefix + lower_subkey, then the upper bound.
  const std::string_view prefix = c.prefix;
  bounds_.reserve(2 * prefix.size() + lower_subkey.size() + upper_subkey.size());
  bounds_.append(prefix).append(lower_subkey);
  const size_t upper_begin = bounds_.size();
  bounds_.append(prefix);
  if (!upper_subkey.empty()) {
    bounds_.append(upper_subkey);
  } else {
    // The prefix ends with the big-endian version: the next version's
    // prefix is the first key after every element of this one.
    for (size_t i = bounds_.size(); i-- > upper_begin;) {
      if (static_cast<unsigned char>(bounds_[i]) != 0xff) {
        bounds_[i] = static_cast<char>(static_cast<unsigned char>(bounds_[i]) + 1);
        bounds_.resize(i + 1);
        break;
      }
    }
  }
  prefix_ = std::string_view(bounds_).substr(0, prefix.size());
  lower_view_ = std::string_view(bounds_).substr(0, upper_begin);
  upper_view_ = std::string_view(bounds_).substr(upper_begin);
  ReadOptions options;
  options.iterate_lower_bound = &lower_view_;
  options.iterate_upper_bound = &upper_view_;
  it_ = DbIterator(ctx, options);
}

void ElementIterator::SeekToFirst() { it_->Seek(lower_view_); }
void ElementIterator::SeekToLast() { it_->SeekToLast(); }

void ElementIterator::Seek(std::string_view subkey) { it_->Seek(KeyBuffer(prefix_, subkey)); }

void ElementIterator::Seek(std::string_view head, std::string_view rest) {
  it_->Seek(KeyBuffer(prefix_, head, rest));
}

void ElementIterator::SeekForPrev(std::string_view subkey) {
  Seek(subkey);
  if (!it_->Valid()) {
    if (it_->status().ok()) it_->SeekToLast();
    return;
  }
  if (this->subkey() != subkey) it_->Prev();
}

bool ElementIterator::Valid() const { return it_->Valid(); }
void ElementIterator::Next() { it_->Next(); }
void ElementIterator::Prev() { it_->Prev(); }
std::string_view ElementIterator::subkey() const { return it_->key().substr(prefix_.size()); }
std::string_view ElementIterator::value() const { return it_->value(); }
Status ElementIterator::status() const { return it_->status(); }

bool CommitBatch(CommandContext& ctx, WriteBatch* batch) {
  Status s = DbWrite(ctx, batch);
  if (s.ok()) return true;
  ReplyStatusError(ctx.reply, s);
  return false;
}

}  // namespace strata::server
