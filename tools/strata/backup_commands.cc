// The commands that copy a database: checkpoint, and backup create, list,
// verify, restore and purge, over DB::CreateCheckpoint and
// <strata/backup.h>. See commands.h.

#include <strata/backup.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

#include "commands.h"
#include "output.h"

namespace strata::cli {
namespace {

// Opens the backup directory; on failure prints why and returns nullptr.
std::unique_ptr<BackupEngine> OpenBackups(const std::string& dir) {
  std::unique_ptr<BackupEngine> engine;
  Status s = BackupEngine::Open(dir, &engine);
  if (!s.ok()) {
    Fail("cannot open backup directory " + dir, s);
    return nullptr;
  }
  return engine;
}

std::string Timestamp(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

Json ToJson(const BackupInfo& info) {
  return {{"id", info.id},           {"timestamp", info.timestamp}, {"sequence", info.sequence},
          {"files", info.num_files}, {"bytes", info.size},          {"new_bytes", info.new_bytes}};
}

void PrintBackup(const BackupInfo& info) {
  std::printf("backup %" PRIu32 "  %s  seq %s  %" PRIu32 " files  %s (%s new)\n", info.id,
              Timestamp(info.timestamp).c_str(), WithCommas(info.sequence).c_str(), info.num_files,
              HumanBytes(info.size).c_str(), HumanBytes(info.new_bytes).c_str());
}

// The id args names, or the newest backup's; 0 (after printing why) if none.
uint32_t ChooseId(BackupEngine* engine, const BackupArgs& args) {
  if (args.id != 0) return args.id;
  std::vector<BackupInfo> backups;
  Status s = engine->GetBackupInfo(&backups);
  if (!s.ok()) {
    Fail("backup list", s);
    return 0;
  }
  if (backups.empty()) {
    Fail(kExitFailure, "no backups in " + args.dir);
    return 0;
  }
  return backups.back().id;
}

}  // namespace

int RunCheckpoint(Session& session, const Common& common, const CheckpointArgs& args) {
  DB* db = session.Db(common.db, /*create=*/false);
  if (db == nullptr) return kExitFailure;
  Status s = db->CreateCheckpoint(args.dir);
  if (!s.ok()) return Fail("checkpoint", s);
  if (common.json) {
    PrintJson({{"checkpoint", args.dir}});
  } else {
    std::printf("checkpoint of %s written to %s\n", common.db.c_str(), args.dir.c_str());
  }
  return kExitOk;
}

int RunBackupCreate(Session& session, const Common& common, const BackupArgs& args) {
  DB* db = session.Db(common.db, /*create=*/false);
  if (db == nullptr) return kExitFailure;
  std::unique_ptr<BackupEngine> engine = OpenBackups(args.dir);
  if (engine == nullptr) return kExitFailure;
  BackupInfo info;
  Status s = engine->CreateBackup(db, &info);
  if (!s.ok()) return Fail("backup create", s);
  if (common.json) {
    PrintJson(ToJson(info));
  } else {
    PrintBackup(info);
  }
  return kExitOk;
}

int RunBackupList(const Common& common, const BackupArgs& args) {
  std::unique_ptr<BackupEngine> engine = OpenBackups(args.dir);
  if (engine == nullptr) return kExitFailure;
  std::vector<BackupInfo> backups;
  Status s = engine->GetBackupInfo(&backups);
  if (!s.ok()) return Fail("backup list", s);
  if (common.json) {
    Json list = Json::array();
    for (const BackupInfo& info : backups) list.push_back(ToJson(info));
    PrintJson({{"backups", std::move(list)}});
    return kExitOk;
  }
  if (backups.empty()) std::printf("no backups in %s\n", args.dir.c_str());
  for (const BackupInfo& info : backups) PrintBackup(info);
  return kExitOk;
}

int RunBackupVerify(const Common& common, const BackupArgs& args) {
  std::unique_ptr<BackupEngine> engine = OpenBackups(args.dir);
  if (engine == nullptr) return kExitFailure;
  std::vector<uint32_t> ids;
  if (args.id != 0) {
    ids.push_back(args.id);
  } else {
    std::vector<BackupInfo> backups;
    Status s = engine->GetBackupInfo(&backups);
    if (!s.ok()) return Fail("backup verify", s);
    for (const BackupInfo& info : backups) ids.push_back(info.id);
  }
  Json results = Json::array();
  int status = kExitOk;
  for (uint32_t id : ids) {
    Status s = engine->VerifyBackup(id);
    if (!s.ok()) status = kExitFailure;
    if (common.json) {
      results.push_back({{"id", id}, {"ok", s.ok()}, {"error", s.ok() ? "" : s.ToString()}});
    } else if (s.ok()) {
      std::printf("backup %" PRIu32 ": %s\n", id, Paint("ok", Color::kGreen).c_str());
    } else {
      std::printf("backup %" PRIu32 ": %s: %s\n", id, Paint("DAMAGED", Color::kRed).c_str(),
                  s.ToString().c_str());
    }
  }
  if (common.json) PrintJson({{"backups", std::move(results)}});
  return status;
}

int RunBackupRestore(Session& session, const Common& common, const BackupArgs& args) {
  std::unique_ptr<BackupEngine> engine = OpenBackups(args.dir);
  if (engine == nullptr) return kExitFailure;
  const uint32_t id = ChooseId(engine.get(), args);
  if (id == 0) return kExitFailure;
  // The target may be the session's database path: never restore under an
  // open database.
  session.Close();
  Status s = engine->RestoreBackup(id, args.target);
  if (!s.ok()) return Fail("backup restore", s);
  if (common.json) {
    PrintJson({{"id", id}, {"restored_to", args.target}});
  } else {
    std::printf("backup %" PRIu32 " restored to %s\n", id, args.target.c_str());
  }
  return kExitOk;
}

int RunBackupPurge(const Common& common, const BackupArgs& args) {
  std::unique_ptr<BackupEngine> engine = OpenBackups(args.dir);
  if (engine == nullptr) return kExitFailure;
  std::vector<BackupInfo> before;
  Status s = engine->GetBackupInfo(&before);
  if (s.ok()) s = engine->PurgeOldBackups(args.keep);
  std::vector<BackupInfo> after;
  if (s.ok()) s = engine->GetBackupInfo(&after);
  if (!s.ok()) return Fail("backup purge", s);
  const size_t removed = before.size() - after.size();
  if (common.json) {
    PrintJson({{"removed", removed}, {"kept", after.size()}});
  } else {
    std::printf("removed %zu backup%s, kept %zu\n", removed, removed == 1 ? "" : "s", after.size());
  }
  return kExitOk;
}

}  // namespace strata::cli
