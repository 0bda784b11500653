// What the Python package hands the extension (see bridge.hpp).
#include "runtime/bridge.hpp"

#include <array>
#include <string>

#include "runtime/errors.hpp"

namespace fastpulsar {
namespace {

Bridge g_bridge;

// A new strong reference to `obj`, never released.
PyObject* keep(py::handle obj) { return py::reinterpret_borrow<py::object>(obj).release().ptr(); }

PyObject* exception_class(py::handle exceptions, const char* name) {
    py::object cls = exceptions[py::str(name)];
    if (!PyExceptionClass_Check(cls.ptr())) {
        raise_python(PyExc_RuntimeError, std::string("pulsar._core._install: exceptions['") + name +
                                             "'] is not an exception class");
    }
    return keep(cls);
}

}  // namespace

void install_bridge(py::handle result, py::handle exceptions, py::handle schema_type,
                    py::handle logger, py::handle emit_log) {
    std::array<PyObject*, kResultCount> members{};
    std::array<PyObject*, kResultCount> classes{};
    for (std::size_t i = 0; i < kResultCount; ++i) {
        const ResultName& entry = kResults[i];
        py::object member = result(static_cast<int>(entry.value));
        std::string name = py::str(member.attr("name")).cast<std::string>();
        if (name != entry.name) {
            raise_python(PyExc_RuntimeError,
                         "pulsar._core._install: pulsar.Result(" + std::to_string(i) + ") is " +
                             name + ", but libpulsar's result " + std::to_string(i) + " is " +
                             entry.name + " (run tools/update_results.py)");
        }
        members[i] = keep(member);
        classes[i] = exception_class(exceptions, i == 0 ? "PulsarException" : entry.name);
    }
    PyObject* invalid_argument_type = exception_class(exceptions, "InvalidArgumentType");
    if (!PyCallable_Check(emit_log.ptr())) {
        raise_python(PyExc_RuntimeError, "pulsar._core._install: emit_log is not callable");
    }
    install_result_objects(members, classes, invalid_argument_type);
    g_bridge.schema_type = keep(schema_type);
    g_bridge.logger = keep(logger);
    g_bridge.emit_log = keep(emit_log);
}

const Bridge& bridge() { return g_bridge; }

py::handle installed(PyObject* object, const char* what) {
    if (object == nullptr) {
        raise_python(PyExc_RuntimeError, std::string("pulsar._core: ") + what +
                                             " is not installed (import pulsar first)");
    }
    return object;
}

}  // namespace fastpulsar
