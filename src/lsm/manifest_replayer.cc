// ReadCurrentFile and ManifestReplayer; see manifest_replayer.h.

#include "lsm/manifest_replayer.h"

#include "lsm/filename.h"
#include "strata/escape.h"

namespace strata {

Status ReadCurrentFile(FileSystem* fs, const std::string& dbname, std::string* manifest_name,
                       uint64_t* manifest_number) {
  std::string current;
  Status s = ReadFileToString(fs, CurrentFileName(dbname), &current);
  if (!s.ok()) return s;
  FileType type;
  if (current.empty() || current.back() != '\n' ||
      !ParseFileName(std::string_view(current).substr(0, current.size() - 1), manifest_number,
                     &type) ||
      type != FileType::kManifest) {
    return Status::Corruption("CURRENT does not name a MANIFEST", EscapeBytes(current));
  }
  current.pop_back();
  *manifest_name = std::move(current);
  return Status::OK();
}

Status ManifestReplayer::Replay(FileSystem* fs, const std::string& path, const EditHook& hook) {
  const size_t slash = path.find_last_of('/');
  name_ = slash == std::string::npos ? path : path.substr(slash + 1);
  std::unique_ptr<SequentialFile> file;
  Status s = fs->GetFileSize(path, &file_size_);
  if (s.ok()) s = fs->NewSequentialFile(path, &file);
  if (!s.ok()) return s;

  wal::LogScanner scanner(file.get(), file_size_);
  std::string_view record;
  std::string scratch;
  uint64_t offset;
  while (scanner.Next(&record, &scratch, &offset)) {
    records_++;
    VersionEdit edit;
    s = edit.DecodeFrom(record);
    if (!s.ok()) {
      if (first_bad_edit_.ok()) first_bad_edit_ = s;
      if (hook) hook(offset, VersionEdit(), s);
      continue;
    }
    if (edit.comparator()) {
      comparator_ = *edit.comparator();
      if (expected_comparator_ != nullptr && *comparator_ != expected_comparator_->Name() &&
          first_bad_edit_.ok()) {
        first_bad_edit_ =
            Status::InvalidArgument("database was made with comparator " + *comparator_ + ", not " +
                                    expected_comparator_->Name());
      }
    }
    if (edit.log_number()) log_number_ = *edit.log_number();
    if (edit.next_file_number()) next_file_number_ = *edit.next_file_number();
    if (edit.last_sequence()) last_sequence_ = *edit.last_sequence();
    builder_.Apply(edit);
    if (hook) hook(offset, edit, Status::OK());
  }
  read_status_ = scanner.status();
  damage_ = scanner.damage();
  tail_bytes_ = scanner.torn_tail_bytes();
  damaged_tail_ = scanner.damaged_tail();
  return Status::OK();
}

Status ManifestReplayer::RecoveryStatus() const {
  if (!first_bad_edit_.ok()) return first_bad_edit_;
  if (!read_status_.ok()) return read_status_;
  if (!damage_.empty()) {
    // The reader reports every drop as Corruption; the scanner keeps only the
    // message.
    return Status::Corruption("MANIFEST", Status::Corruption(damage_[0].message).ToString());
  }
  if (damaged_tail_) return Status::Corruption("MANIFEST", "its last record is damaged");
  if (!HasRequiredFields()) return Status::Corruption("MANIFEST lacks required fields", name_);
  return Status::OK();
}

}  // namespace strata
