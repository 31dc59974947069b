// version_edit_fuzzer: decodes the input as one VersionEdit, then reads it as
// a MANIFEST (a log of VersionEdit records, as VersionSet::Recover does) and
// decodes each record.
//
// Invariant: an edit that decodes re-encodes into bytes that decode into the
// same edit, and encoding that edit again gives the same bytes. A mismatch
// means EncodeTo and DecodeFrom disagree on the format, so a MANIFEST written
// after recovery would not say what the one read did.
//
// Corpus: fuzz/corpus/version_edit_fuzzer/ (MANIFEST files of small databases
// and single encoded edits, from make_corpus). Single-threaded, as libFuzzer
// runs it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_file.h"
#include "lsm/version_edit.h"
#include "wal/log_reader.h"

namespace strata {
namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "version_edit_fuzzer: invariant violated: %s\n", what);
    std::abort();
  }
}

bool SameFiles(const FileMetaData& a, const FileMetaData& b) {
  return a.number == b.number && a.file_size == b.file_size && a.smallest == b.smallest &&
         a.largest == b.largest;
}

bool SameEdit(const VersionEdit& a, const VersionEdit& b) {
  if (a.comparator() != b.comparator() || a.log_number() != b.log_number() ||
      a.next_file_number() != b.next_file_number() || a.last_sequence() != b.last_sequence() ||
      a.deleted_files() != b.deleted_files() || a.new_files().size() != b.new_files().size()) {
    return false;
  }
  for (size_t i = 0; i < a.new_files().size(); i++) {
    if (a.new_files()[i].first != b.new_files()[i].first ||
        !SameFiles(a.new_files()[i].second, b.new_files()[i].second)) {
      return false;
    }
  }
  return true;
}

void DecodeAndRoundTrip(std::string_view record) {
  VersionEdit edit;
  if (!edit.DecodeFrom(record).ok()) return;
  (void)edit.DebugString();
  std::string encoded;
  edit.EncodeTo(&encoded);
  VersionEdit again;
  Status s = again.DecodeFrom(encoded);
  Check(s.ok(), "a re-encoded edit does not decode");
  Check(SameEdit(edit, again), "a re-encoded edit decodes differently");
  std::string reencoded;
  again.EncodeTo(&reencoded);
  Check(encoded == reencoded, "encoding is not stable across a round trip");
}

}  // namespace
}  // namespace strata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  DecodeAndRoundTrip(input);

  fuzz::StringSequentialFile file(input);
  wal::Reader reader(&file, nullptr);
  std::string_view record;
  std::string scratch;
  while (reader.ReadRecord(&record, &scratch)) DecodeAndRoundTrip(record);
  return 0;
}
