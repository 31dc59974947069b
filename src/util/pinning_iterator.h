// PinningIterator: an iterator that keeps alive what the iterator it wraps
// reads from (a cache handle, an owned block, ...), for exactly as long as
// that iterator lives.
//
// Pin is any movable RAII type; it is destroyed after the wrapped iterator,
// never before, which is the whole point.
//
// Thread-safety: not thread-safe, like every iterator.

#ifndef STRATA_UTIL_PINNING_ITERATOR_H_
#define STRATA_UTIL_PINNING_ITERATOR_H_

#include <memory>
#include <utility>

#include "strata/iterator.h"

namespace strata {

template <typename Pin>
class PinningIterator final : public Iterator {
 public:
  PinningIterator(Pin pin, std::unique_ptr<Iterator> iter)
      : pin_(std::move(pin)), iter_(std::move(iter)) {}

  bool Valid() const override { return iter_->Valid(); }
  void SeekToFirst() override { iter_->SeekToFirst(); }
  void SeekToLast() override { iter_->SeekToLast(); }
  void Seek(std::string_view target) override { iter_->Seek(target); }
  void Next() override { iter_->Next(); }
  void Prev() override { iter_->Prev(); }
  std::string_view key() const override { return iter_->key(); }
  std::string_view value() const override { return iter_->value(); }
  Status status() const override { return iter_->status(); }

 private:
  Pin pin_;  // declared before iter_, so destroyed after it
  std::unique_ptr<Iterator> iter_;
};

// The same for a wrapped iterator of a known final type, built in place by
// make() (a callable returning it): its calls are direct and inlined, one
// virtual call per move fewer than wrapping a unique_ptr<Iterator>. For the
// iterators made per data block of a scan.
template <typename Pin, typename Inner>
class PinnedIterator final : public Iterator {
 public:
  template <typename Make>
  PinnedIterator(Pin pin, Make&& make) : pin_(std::move(pin)), iter_(make()) {}

  bool Valid() const override { return iter_.Valid(); }
  void SeekToFirst() override { iter_.SeekToFirst(); }
  void SeekToLast() override { iter_.SeekToLast(); }
  void Seek(std::string_view target) override { iter_.Seek(target); }
  void Next() override { iter_.Next(); }
  void Prev() override { iter_.Prev(); }
  std::string_view key() const override { return iter_.key(); }
  std::string_view value() const override { return iter_.value(); }
  Status status() const override { return iter_.status(); }

 private:
  Pin pin_;  // declared before iter_, so destroyed after it
  Inner iter_;
};

template <typename Pin>
std::unique_ptr<Iterator> NewPinningIterator(Pin pin, std::unique_ptr<Iterator> iter) {
  return std::make_unique<PinningIterator<Pin>>(std::move(pin), std::move(iter));
}

}  // namespace strata

#endif  // STRATA_UTIL_PINNING_ITERATOR_H_
