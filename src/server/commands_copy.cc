// COPY source destination [DB destination-db] [REPLACE], Redis 7.0's replies
// and errors, with the one database strata-server has (DB 0 only).
//
// A string is one metadata record: the copy is that record under the new key,
// TTL included. A collection is its metadata plus the elements stored under
// (source, version) (metadata.h): the copy gets a fresh version and every
// element is rewritten under (destination, new version), all in the one
// WriteBatch that also writes the destination's metadata, so the copy
// appears whole or not at all (CopyCollection, collection.h, which RENAME
// uses too). A replaced destination's old elements keep their old version
// and become garbage, as after DEL.
//
// Thread-safety: as every handler (commands.h): both keys are locked until
// the batch is in the WAL.

#include <string>
#include <vector>

#include "server/blocking.h"
#include "server/collection.h"
#include "server/commands.h"
#include "server/resp_parser.h"

namespace strata::server {

namespace {

void CopyCommand(CommandContext& ctx) {
  const std::string& source = ctx.argv[1];
  const std::string& destination = ctx.argv[2];
  bool replace = false;
  for (size_t j = 3; j < ctx.argv.size(); j++) {
    const std::string& opt = ctx.argv[j];
    if (EqualsIgnoreCase(opt, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(opt, "db") && j + 1 < ctx.argv.size()) {
      int64_t db;
      if (!ParseInt64(ctx.argv[j + 1], &db) || db < INT32_MIN || db > INT32_MAX) {
        return ctx.reply->Error(kNotInteger);
      }
      if (db != 0) return ctx.reply->Error("ERR DB index is out of range");
      j++;
    } else {
      return ctx.reply->Error(kSyntaxError);
    }
  }
  if (source == destination) {
    return ctx.reply->Error("ERR source and destination objects are the same");
  }
  KeyLockGuard guard(ctx.state->locks(), std::vector<std::string_view>{source, destination});
  std::string record;
  Metadata meta;
  Status s = GetMeta(ctx, source, &record, &meta);
  if (s.IsNotFound()) return ctx.reply->Integer(0);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  std::string dest_record;
  Metadata dest_meta;
  s = GetMeta(ctx, destination, &dest_record, &dest_meta);
  if (s.ok() && !replace) return ctx.reply->Integer(0);
  if (!s.ok() && !s.IsNotFound()) return ReplyStatusError(ctx.reply, s);

  WriteBatch batch;
  if (meta.type == KeyType::kString) {
    batch.Put(MetadataKey(destination), record);
  } else if (!CopyCollection(ctx, source, destination, meta, &batch)) {
    return;
  }
  if (!CommitBatch(ctx, &batch)) return;
  if (meta.type == KeyType::kList || meta.type == KeyType::kZSet) {
    SignalKeyReady(ctx, destination);  // may serve clients blocked on it
  }
  ctx.reply->Integer(1);
}

}  // namespace

void AppendCopyCommands(std::vector<CommandSpec>* t) {
  t->push_back({"copy", -3, kWrite, 1, 2, 1, "generic", "Copy a key", "6.2.0", CopyCommand});
}

}  // namespace strata::server
