// What the Python package hands the extension once, at import: pulsar._bridge calls
// pulsar._core._install(...) with the classes the extension raises and returns and
// the sink of its log lines. No file of the extension imports a pulsar.* module.
//
// The references are kept for the process's life (libpulsar's callbacks may outlive
// the module); a second _install replaces them (the old ones are kept alive, as C++
// may still hold them borrowed).
#pragma once

#include <pybind11/pybind11.h>

namespace fastpulsar {

namespace py = pybind11;

struct Bridge {
    PyObject* schema_type = nullptr;  // pulsar.SchemaType
    PyObject* logger = nullptr;       // logging.getLogger("pulsar"): the default log sink
    PyObject* emit_log = nullptr;     // pulsar._logging.emit(logger, level, file, line, msg, t)
};

// Checks and stores what pulsar._core._install receives:
// - result: the pulsar.Result class; result(value).name must be the name of every entry
//   of FASTPULSAR_RESULTS (abi/results.hpp);
// - exceptions: a mapping from name to exception class, with "PulsarException",
//   "InvalidArgumentType" and one class per result but Ok, named as the result;
// - schema_type, logger, emit_log: see Bridge.
// The result members and exception classes go to runtime/errors.cpp. GIL held; throws
// error_already_set (RuntimeError on a mismatch, KeyError for a missing class).
void install_bridge(py::handle result, py::handle exceptions, py::handle schema_type,
                    py::handle logger, py::handle emit_log);

// What was installed (members null before). GIL held; never throws.
const Bridge& bridge();

// The installed object, or RuntimeError when pulsar._core._install has not been called
// (only possible when the extension is used without the pulsar package). GIL held.
py::handle installed(PyObject* object, const char* what);

}  // namespace fastpulsar
