// STRATA_EXPORT: marks what libstrata.so exports.
//
// The library is built with -fvisibility=hidden, so only declarations marked
// STRATA_EXPORT (the public API in include/strata/) are visible to programs
// that link the shared library; every internal class stays private to it, and
// an embedder cannot come to depend on one by accident. Classes a user
// subclasses or catches by type (DB, Iterator, FileSystem...) are marked as a
// whole, so their vtables and type information are exported too.
//
// The static library carries every symbol regardless: the tests and tools
// that link it may use internal headers.

#ifndef STRATA_EXPORT_H_
#define STRATA_EXPORT_H_

// The same attribute serves building the library and using it: on ELF,
// "default" visibility both exports a definition and binds a use to it.
#define STRATA_EXPORT __attribute__((visibility("default")))

#endif  // STRATA_EXPORT_H_
