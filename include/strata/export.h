// STRATA_EXPORT: marks what libstrata.so exports.
//
// The library's objects are built with -fvisibility=hidden and
// -fvisibility-inlines-hidden, so of its own declarations only those marked
// STRATA_EXPORT (the public API in include/strata/) are visible to programs
// that link the shared library; every internal class stays private to it, and
// an embedder cannot come to depend on one by accident. Classes a user
// subclasses, holds or calls virtually (DB, Iterator, FileSystem...) are
// marked as a whole, so their out-of-line members, vtables and type
// information are exported too (dynamic_cast across the library's boundary
// needs one type_info per class).
//
// -fvisibility=hidden does not hide the std:: template instances the library
// instantiates (libstdc++ gives namespace std default visibility); the
// linker's version script, cmake/libstrata.map, drops them.
// scripts/check-exports checks what the built library exports.
//
// The static library carries every symbol regardless: the tests and tools
// that link it may use internal headers.

#ifndef STRATA_EXPORT_H_
#define STRATA_EXPORT_H_

// The same attribute serves building the library and using it: on ELF,
// "default" visibility both exports a definition and binds a use to it.
// Spelled as a standard attribute so it combines with others, as in
// `class [[nodiscard]] STRATA_EXPORT Status` (clang rejects a GNU
// __attribute__ after a standard one there).
#define STRATA_EXPORT [[gnu::visibility("default")]]

#endif  // STRATA_EXPORT_H_
