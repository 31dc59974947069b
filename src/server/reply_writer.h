// ReplyWriter: appends RESP replies to a connection's output buffer, in the
// protocol version the client chose (RESP2 by default, RESP3 after HELLO 3),
// with the shapes Redis 7 sends: in RESP2 a null is "$-1" (or "*-1" for a
// null array), a double is a bulk string, a map an array of 2n elements, a
// set an array and verbatim text a bulk string; RESP3 has "_", ",", "%",
// "~" and "=" for them.
//
// Invariant: every call appends exactly one complete RESP element (an
// aggregate header announces how many elements the caller appends next).
//
// Thread-safety: none; one writer per connection's buffer.

#ifndef STRATA_SERVER_REPLY_WRITER_H_
#define STRATA_SERVER_REPLY_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::server {

class ReplyWriter {
 public:
  // `out` is not owned; replies are appended to it.
  explicit ReplyWriter(std::string* out) : out_(out) {}

  void set_protocol(int version) { resp3_ = version >= 3; }
  bool resp3() const { return resp3_; }
  std::string* buffer() { return out_; }

  // +message (must not contain \r or \n).
  void Simple(std::string_view message);
  void Ok() { out_->append("+OK\r\n"); }
  // -message: the message starts with its code, e.g. "ERR syntax error" or
  // "WRONGTYPE ...". \r and \n in it are replaced by blanks so one error
  // cannot break the stream.
  void Error(std::string_view message);
  void Integer(int64_t value);
  void Bulk(std::string_view value);
  // A missing value: "$-1" in RESP2, "_" in RESP3.
  void Null();
  // A missing aggregate: "*-1" in RESP2, "_" in RESP3.
  void NullArray();
  void Array(size_t n);
  // n key/value pairs follow (2n elements).
  void Map(size_t n);
  void Set(size_t n);
  // %.17g, inf and -inf, as Redis's addReplyDouble.
  void Double(double value);
  // RESP3 "=len\r\ntxt:..." (format is three letters); RESP2 a bulk.
  void Verbatim(std::string_view text, std::string_view format = "txt");
  void Boolean(bool value);

 private:
  void Header(char type, int64_t n);

  std::string* const out_;
  bool resp3_ = false;
};

// Formats a double as Redis's addReplyDouble does ("%.17g", "inf", "-inf").
std::string FormatDouble(double value);

}  // namespace strata::server

#endif  // STRATA_SERVER_REPLY_WRITER_H_
