// The stratadb exception classes and key/value conversion (see errors.h).

#include "errors.h"

#include <Python.h>

namespace stratadb_py {

namespace {

// Owned references, created by RegisterErrors and kept for the life of the
// process.
PyObject* error_class = nullptr;
PyObject* io_error_class = nullptr;
PyObject* corruption_error_class = nullptr;
PyObject* locked_error_class = nullptr;
PyObject* invalid_argument_error_class = nullptr;
PyObject* not_supported_error_class = nullptr;
PyObject* iterator_invalid_error_class = nullptr;
PyObject* closed_error_class = nullptr;

PyObject* NewError(py::module_& m, const char* name, const char* doc, py::tuple bases) {
  std::string qualified = std::string("stratadb.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(cls));
  return cls;
}

[[noreturn]] void Raise(PyObject* cls, const std::string& message) {
  PyErr_SetString(cls, message.c_str());
  throw py::error_already_set();
}

}  // namespace

void RegisterErrors(py::module_& m) {
  py::handle exception(PyExc_Exception);
  error_class =
      NewError(m, "Error", "Base class of every error stratadb raises.", py::make_tuple(exception));
  py::handle error(error_class);
  io_error_class = NewError(
      m, "IOError", "An I/O error from the file system (a full disk included). Also an OSError.",
      py::make_tuple(error, py::handle(PyExc_OSError)));
  corruption_error_class =
      NewError(m, "CorruptionError",
               "Damaged data: a checksum mismatch, a bad file, a database that cannot be "
               "recovered.",
               py::make_tuple(error));
  locked_error_class = NewError(
      m, "LockedError",
      "The database is open in another DB (in this process or another). Opening never waits "
      "for the lock.",
      py::make_tuple(error));
  invalid_argument_error_class = NewError(
      m, "InvalidArgumentError",
      "A bad argument or option, or a database that does not exist (create_if_missing=False) "
      "or already exists (error_if_exists=True). Also a ValueError.",
      py::make_tuple(error, py::handle(PyExc_ValueError)));
  not_supported_error_class = NewError(
      m, "NotSupportedError",
      "The operation is not supported here: a write to a read-only DB, or an engine feature "
      "this build lacks.",
      py::make_tuple(error));
  iterator_invalid_error_class =
      NewError(m, "IteratorInvalidError",
               "A RawIterator's key(), value(), item(), next() or prev() was called while it is "
               "not valid().",
               py::make_tuple(error));
  closed_error_class = NewError(
      m, "ClosedError",
      "The DB, or the iterator or snapshot used, is closed. Also a RuntimeError (what plyvel "
      "raises).",
      py::make_tuple(error, py::handle(PyExc_RuntimeError)));
}

void RaiseStatus(const strata::Status& status) {
  using Code = strata::Status::Code;
  PyObject* cls = error_class;
  switch (status.code()) {
    case Code::kIOError:
    case Code::kNoSpace:
    case Code::kNotFound:  // a missing file or directory (a missing key is no error)
      cls = io_error_class;
      break;
    case Code::kCorruption:
      cls = corruption_error_class;
      break;
    case Code::kBusy:
      cls = locked_error_class;
      break;
    case Code::kInvalidArgument:
      cls = invalid_argument_error_class;
      break;
    case Code::kNotSupported:
      cls = not_supported_error_class;
      break;
    case Code::kOk:
      break;
  }
  Raise(cls, status.ToString());
}

void RaiseClosed(const char* what) { Raise(closed_error_class, std::string(what) + " is closed"); }

void RaiseIteratorInvalid(const char* message) { Raise(iterator_invalid_error_class, message); }

void RaiseInvalidArgument(const std::string& message) {
  Raise(invalid_argument_error_class, message);
}

std::string BytesArg(py::handle obj, const char* what) {
  PyObject* o = obj.ptr();
  if (PyBytes_Check(o)) return std::string(PyBytes_AS_STRING(o), PyBytes_GET_SIZE(o));
  Py_buffer view;
  if (PyUnicode_Check(o) || PyObject_GetBuffer(o, &view, PyBUF_SIMPLE) != 0) {
    PyErr_Clear();
    throw py::type_error(
        std::string(what) + " must be bytes-like (bytes, bytearray, memoryview), not " +
        Py_TYPE(o)->tp_name + (PyUnicode_Check(o) ? " (encode it first, e.g. s.encode())" : ""));
  }
  std::string out(static_cast<const char*>(view.buf), static_cast<size_t>(view.len));
  PyBuffer_Release(&view);
  return out;
}

std::optional<std::string> OptionalBytesArg(py::handle obj, const char* what) {
  if (obj.is_none()) return std::nullopt;
  return BytesArg(obj, what);
}

std::string PathArg(const py::object& path) {
  return py::module_::import("os").attr("fsencode")(path).cast<std::string>();
}

}  // namespace stratadb_py
