// Output helpers for the strata tool: colours (only on a terminal), number
// and key formatting, error lines, and the JSON forms of the inspection
// structures of <strata/inspect.h>.
//
// Keys and values always go out escaped (EscapeBytes): plain ASCII, one
// line, readable back by UnescapeBytes, in text and in JSON alike.
//
// Thread-safety: single-threaded tool; the colour settings are set once at
// start-up.

#ifndef STRATA_TOOLS_STRATA_OUTPUT_H_
#define STRATA_TOOLS_STRATA_OUTPUT_H_

#include <strata/db.h>
#include <strata/inspect.h>

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace strata::cli {

// JSON objects keep their keys in the order written.
using Json = nlohmann::ordered_json;

// Exit statuses of the tool.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a database error, damage found, a key not found
inline constexpr int kExitUsage = 2;    // bad arguments

// ANSI colours, applied only when the stream is a terminal, NO_COLOR is unset
// and TERM is not "dumb".
enum class Color { kBold, kDim, kRed, kGreen, kYellow, kCyan };
// Decides, once, whether stdout and stderr get colours.
void InitColors();
std::string Paint(std::string_view text, Color color);     // for stdout
std::string PaintErr(std::string_view text, Color color);  // for stderr
bool StdoutIsTerminal();
bool StderrIsTerminal();

// Prints "strata: <message>" on stderr and returns status.
int Fail(int status, const std::string& message);
// Prints "strata: <what>: <why>" for a failed call and returns kExitFailure.
int Fail(const std::string& what, const Status& s);

std::string WithCommas(uint64_t n);      // 1234567 -> "1,234,567"
std::string HumanBytes(uint64_t bytes);  // "812 B", "4.0 KiB", "1.21 MiB", ...
std::string Escaped(std::string_view bytes);
// "key @12" or "key @12 (del)", the key escaped.
std::string KeyVersion(const InternalKeyInfo& key);

Json ToJson(const FileProblem& p);
Json ToJson(const InternalKeyInfo& key);
Json ToJson(const EntryInfo& entry);
Json ToJson(const CheckReport& report);
Json ToJson(const RepairReport& report);
Json ToJson(const TableDump& dump);
Json ToJson(const LogDump& dump);
Json ToJson(const ManifestDump& dump);

// Prints a JSON document on stdout (indented) followed by a newline.
void PrintJson(const Json& doc);

}  // namespace strata::cli

#endif  // STRATA_TOOLS_STRATA_OUTPUT_H_
