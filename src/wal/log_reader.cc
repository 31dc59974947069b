// wal::Reader; see log_reader.h for the torn-tail versus corruption rules and
// log_format.h for the layout.

#include "wal/log_reader.h"

#include <cassert>

#include "util/checksum.h"
#include "util/coding.h"

namespace strata::wal {
namespace {

// True if a fragment with a good checksum and a known type, fitting in
// `rest` (the unread bytes of its block), starts at the front of rest.
bool ValidFragmentAt(std::string_view rest) {
  if (rest.size() < kHeaderSize) return false;
  const size_t length = DecodeFixed16(rest.data() + 4);
  const auto type = static_cast<uint8_t>(rest[6]);
  if (kHeaderSize + length > rest.size() || type == static_cast<uint8_t>(FragmentType::kZeroType) ||
      type > static_cast<uint8_t>(kMaxFragmentType)) {
    return false;
  }
  return Checksum32(rest.substr(6, 1), rest.substr(kHeaderSize, length)) ==
         DecodeFixed32(rest.data());
}

// True if a fragment may end where `rest` starts: at the end of its block,
// before the block's zero trailer, or before a valid fragment.
bool FragmentMayEndAt(std::string_view rest) {
  if (rest.size() < kHeaderSize) return rest.find_first_not_of('\0') == std::string_view::npos;
  return ValidFragmentAt(rest);
}

}  // namespace

Reader::Reader(SequentialFile* file, Reporter* reporter)
    : file_(file), reporter_(reporter), block_(std::make_unique<char[]>(kBlockSize)) {
  assert(file_ != nullptr);
}

bool Reader::ReadRecord(std::string_view* record, std::string* scratch) {
  scratch->clear();
  *record = {};
  bool in_record = false;     // *scratch holds a FIRST and maybe MIDDLEs
  uint64_t record_bytes = 0;  // file bytes of those fragments
  Fragment fragment;
  while (true) {
    switch (ReadFragment(&fragment)) {
      case Outcome::kEnd:
        if (pending_mid_log_) {
          // The dropped bytes had valid fragments after them: not a tail.
          ReportPending();
        } else {
          // Rule 4: nothing started a record after the damage: a torn tail.
          damaged_tail_ = pending_bytes_ > 0 && pending_damage_;
          torn_tail_ = torn_tail_ || in_record || (pending_bytes_ > 0 && pending_nonzero_);
        }
        pending_bytes_ = 0;
        pending_nonzero_ = false;
        pending_reason_.clear();
        scratch->clear();
        return false;
      case Outcome::kBad:
        // The record in progress lost a fragment, so it is dropped with it.
        Drop((in_record ? record_bytes : 0) + fragment.size, fragment.problem);
        if (in_record || !fragment.zero_fill) pending_nonzero_ = true;
        if (fragment.whole) pending_damage_ = true;
        if (fragment.log_goes_on) pending_mid_log_ = true;
        in_record = false;
        scratch->clear();
        continue;
      case Outcome::kGood:
        break;
    }

    switch (fragment.type) {
      case FragmentType::kFullType:
      case FragmentType::kFirstType:
        if (in_record) {
          Drop(record_bytes, "record missing its LAST fragment");
          pending_nonzero_ = true;
        }
        ReportPending();  // rule 3
        if (fragment.type == FragmentType::kFullType) {
          *record = fragment.payload;
          last_record_end_ = end_of_buffer_offset_ - buffer_.size();
          return true;
        }
        scratch->assign(fragment.payload);
        in_record = true;
        record_bytes = fragment.size;
        break;
      case FragmentType::kMiddleType:
      case FragmentType::kLastType:
        if (!in_record) {
          Drop(fragment.size, "fragment of a record missing its FIRST fragment");
          pending_nonzero_ = true;
          break;
        }
        scratch->append(fragment.payload);
        record_bytes += fragment.size;
        if (fragment.type == FragmentType::kLastType) {
          *record = *scratch;
          last_record_end_ = end_of_buffer_offset_ - buffer_.size();
          return true;
        }
        break;
      case FragmentType::kZeroType:
        assert(false && "ReadFragment returned a zero-type fragment");
        break;
    }
  }
}

Reader::Outcome Reader::ReadFragment(Fragment* fragment) {
  fragment->whole = false;
  fragment->log_goes_on = false;
  fragment->zero_fill = false;
  while (buffer_.size() < kHeaderSize) {
    // Not at the end of the file, these bytes are the writer's zero trailer.
    // At the end, they are a header cut short by a crash: a torn tail.
    if (eof_) {
      if (buffer_.find_first_not_of('\0') != std::string_view::npos) torn_tail_ = true;
      buffer_ = {};
      return Outcome::kEnd;
    }
    ReadNextBlock();
  }

  const char* header = buffer_.data();
  const uint32_t expected_checksum = DecodeFixed32(header);
  const size_t length = DecodeFixed16(header + 4);
  const auto type = static_cast<uint8_t>(header[6]);

  if (expected_checksum == 0 && length == 0 && type == 0) {
    // Zero fill (space preallocated or never written): no fragment follows it
    // in this block, so skip the block rather than seven bytes at a time.
    fragment->size = buffer_.size();
    fragment->problem = "zero-filled region";
    fragment->zero_fill = buffer_.find_first_not_of('\0') == std::string_view::npos;
    buffer_ = {};
    return Outcome::kBad;
  }
  if (kHeaderSize + length > buffer_.size()) {
    // The length is damaged, or cut by the end of the file. Only a fragment in
    // the file's last block can be cut, and then the bytes present fail the
    // checksum; if they pass, the fragment is whole and its length damaged.
    fragment->problem = "fragment length past the end of the block";
    fragment->whole = !eof_ || Checksum32(std::string_view(header + 6, 1),
                                          buffer_.substr(kHeaderSize)) == expected_checksum;
    DropRestOfBlock(fragment);
    return Outcome::kBad;
  }

  fragment->size = kHeaderSize + length;
  fragment->payload = buffer_.substr(kHeaderSize, length);
  // The checksum covers the type byte, so a flipped type is caught here too.
  if (Checksum32(std::string_view(header + 6, 1), fragment->payload) != expected_checksum) {
    fragment->problem = "checksum mismatch";
  } else if (type == static_cast<uint8_t>(FragmentType::kZeroType) ||
             type > static_cast<uint8_t>(kMaxFragmentType)) {
    fragment->problem = "unknown fragment type";
  } else {
    buffer_.remove_prefix(fragment->size);
    fragment->type = static_cast<FragmentType>(type);
    return Outcome::kGood;
  }
  // A whole fragment that fails its checks. If its length may be right (the
  // log goes on where it says the fragment ends), skip just the fragment;
  // otherwise the length is damaged too.
  fragment->whole = true;
  if (FragmentMayEndAt(buffer_.substr(fragment->size))) {
    buffer_.remove_prefix(fragment->size);
  } else {
    DropRestOfBlock(fragment);
  }
  return Outcome::kBad;
}

void Reader::DropRestOfBlock(Fragment* fragment) {
  // A damaged length says nothing about where the next fragment starts, and
  // reading one at a position the writer did not put a header could take
  // bytes of a value (a stored log file, say) for a record. So the rest of
  // the block is dropped; reading resumes at the next block, where the
  // writer always starts a fragment. But if a valid fragment does follow in
  // the block, the damage is in the middle of the log, to be reported
  // (rule 4), not a torn tail: in the last block, the records after the
  // damage would otherwise be lost without a word.
  for (size_t start = kHeaderSize; start + kHeaderSize <= buffer_.size(); start++) {
    if (ValidFragmentAt(buffer_.substr(start))) {
      fragment->log_goes_on = true;
      break;
    }
  }
  fragment->size = buffer_.size();
  buffer_ = {};
}

void Reader::ReadNextBlock() {
  std::string_view block;
  Status s = file_->Read(kBlockSize, &block, block_.get());
  if (!s.ok()) {
    status_ = std::move(s);
    buffer_ = {};
    eof_ = true;
    return;
  }
  buffer_ = block;
  end_of_buffer_offset_ += block.size();
  // SequentialFile promises that a short read means the end of the file.
  if (block.size() < kBlockSize) eof_ = true;
}

void Reader::Drop(uint64_t bytes, std::string_view reason) {
  if (pending_bytes_ == 0) pending_reason_.assign(reason);
  pending_bytes_ += bytes;
}

void Reader::ReportPending() {
  if (pending_bytes_ > 0 && reporter_ != nullptr) {
    reporter_->Corruption(static_cast<size_t>(pending_bytes_),
                          Status::Corruption("write-ahead log", pending_reason_));
  }
  pending_bytes_ = 0;
  pending_reason_.clear();
  pending_damage_ = false;
  pending_mid_log_ = false;
  pending_nonzero_ = false;
}

}  // namespace strata::wal
