// EscapeBytes and UnescapeBytes: byte strings (keys, values, file contents)
// shown to people on one line, and read back exactly.
//
// A bottom-level header: it depends on status.h only, so any layer (the
// engine's own error messages included) may use it, and <strata/inspect.h>
// includes it for the keys and values its structures hold.
//
// Thread-safety: pure functions.

#ifndef STRATA_ESCAPE_H_
#define STRATA_ESCAPE_H_

#include <string>
#include <string_view>

#include "strata/export.h"
#include "strata/status.h"

namespace strata {

// Printable ASCII bytes as they are, a backslash as "\\", other bytes as
// "\xNN" (two lowercase hex digits), so any byte string prints on one line
// and reads back with UnescapeBytes.
STRATA_EXPORT std::string EscapeBytes(std::string_view bytes);

// The inverse of EscapeBytes: "\xNN" (either case), "\\", and also "\0",
// "\t", "\n", "\r", "\"" and "\'" become the bytes they name; other bytes are
// taken as they are. InvalidArgument for any other sequence after a
// backslash, or a truncated one.
STRATA_EXPORT Status UnescapeBytes(std::string_view text, std::string* bytes);

}  // namespace strata

#endif  // STRATA_ESCAPE_H_
