// The stratadb exception classes and the mapping from strata::Status to
// them, plus the conversion of Python keys, values and paths to bytes.
//
//   Error(Exception)                       every error the engine reports
//     IOError(Error, OSError)              Status::IOError and NoSpace, and
//                                          NotFound where it means a missing
//                                          file or directory (a missing key
//                                          is no error: get() returns its
//                                          default)
//     CorruptionError(Error)               Status::Corruption
//     LockedError(Error)                   Status::Busy: the database is open
//                                          elsewhere (Open never waits)
//     InvalidArgumentError(Error, ValueError)  Status::InvalidArgument and
//                                          bad option values: also a
//                                          ValueError, as Python code expects
//                                          of a bad argument
//     NotSupportedError(Error)             Status::NotSupported (a write to a
//                                          read-only DB, DeleteRange before
//                                          the engine has it)
//     IteratorInvalidError(Error)          a raw iterator used while not valid
//     ClosedError(Error, RuntimeError)     the DB, iterator or snapshot is
//                                          closed (plyvel raises RuntimeError)
//
// Thread-safety: Raise* and BytesArg need the GIL; the classes are created
// once, at import, and never freed (the module is never unloaded).

#ifndef STRATA_PYTHON_ERRORS_H_
#define STRATA_PYTHON_ERRORS_H_

#include <pybind11/pybind11.h>

#include <optional>
#include <string>

#include "strata/status.h"

namespace stratadb_py {

namespace py = pybind11;

// Creates the exception classes as attributes of `m`.
void RegisterErrors(py::module_& m);

// Raises the exception for a non-OK status (throws py::error_already_set).
// Callers that read a key handle NotFound first. REQUIRES: the GIL is held.
[[noreturn]] void RaiseStatus(const strata::Status& status);
inline void ThrowIfError(const strata::Status& status) {
  if (!status.ok()) RaiseStatus(status);
}
// Raises ClosedError("<what> is closed").
[[noreturn]] void RaiseClosed(const char* what);
// Raises IteratorInvalidError(message).
[[noreturn]] void RaiseIteratorInvalid(const char* message);
// Raises InvalidArgumentError(message).
[[noreturn]] void RaiseInvalidArgument(const std::string& message);

// The bytes of a key or value: any object with the buffer protocol (bytes,
// bytearray, memoryview, array...), copied, because once the GIL is released
// another thread may resize a bytearray. A str raises TypeError: there is no
// implicit encoding. `what` names the argument in the message.
std::string BytesArg(py::handle obj, const char* what);
// As BytesArg, with None meaning "not given".
std::optional<std::string> OptionalBytesArg(py::handle obj, const char* what);
// The file system name of a path (str, bytes or os.PathLike), as os.fsencode
// makes it.
std::string PathArg(const py::object& path);

}  // namespace stratadb_py

#endif  // STRATA_PYTHON_ERRORS_H_
