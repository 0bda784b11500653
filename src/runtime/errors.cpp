// Raising Python exceptions (see errors.hpp).
#include "runtime/errors.hpp"

#include <cstdarg>
#include <new>
#include <stdexcept>

namespace fastpulsar {
namespace {

// Module-lifetime references, never released (they must outlive every libpulsar
// callback).
std::array<PyObject*, kResultCount> g_result_objects{};
std::array<PyObject*, kResultCount> g_exception_classes{};
PyObject* g_invalid_argument_type = nullptr;

std::size_t index_of(pulsar::Result result) {
    int value = static_cast<int>(result);
    if (value < 0 || static_cast<std::size_t>(value) >= kResultCount) {
        return pulsar::ResultUnknownError;
    }
    return static_cast<std::size_t>(value);
}

}  // namespace

void install_result_objects(const std::array<PyObject*, kResultCount>& members,
                            const std::array<PyObject*, kResultCount>& classes,
                            PyObject* invalid_argument_type) {
    g_result_objects = members;
    g_exception_classes = classes;
    g_invalid_argument_type = invalid_argument_type;
}

PyObject* result_object(pulsar::Result result) {
    PyObject* member = g_result_objects[index_of(result)];
    return member != nullptr ? member : Py_None;
}

void raise_python(PyObject* type, const std::string& message) {
    PyErr_SetString(type, message.c_str());
    throw py::error_already_set();
}

void raise_python_format(PyObject* type, const char* format, ...) {
    va_list args;
    va_start(args, format);
    PyErr_FormatV(type, format, args);
    va_end(args);
    throw py::error_already_set();
}

void raise_result(pulsar::Result result) {
    raise_result(result, std::string("Pulsar error: ") + pulsar::strResult(result));
}

void raise_result(pulsar::Result result, const std::string& message) {
    PyObject* type = g_exception_classes[index_of(result)];
    raise_python(type != nullptr ? type : PyExc_RuntimeError, message);
}

void raise_type_error(const char* name, const char* expected, PyObject* got) {
    PyObject* type = g_invalid_argument_type != nullptr ? g_invalid_argument_type : PyExc_TypeError;
    raise_python(type, std::string("Argument ") + name + " is expected to be " + expected +
                           ", not '" + Py_TYPE(got)->tp_name + "'");
}

void raise_out_of_range(const char* name, const std::string& value, const std::string& min,
                        const std::string& max) {
    raise_value_error(std::string("Argument ") + name + " is out of range: " + value +
                      " is not in [" + min + ", " + max + "]");
}

void raise_value_error(const std::string& message) { raise_python(PyExc_ValueError, message); }

void check_signals() {
    if (PyErr_CheckSignals() == 0) {
        return;
    }
    PyObject* interrupted = g_exception_classes[index_of(pulsar::ResultInterrupted)];
    PyObject* type = PyErr_Occurred();
    if (interrupted != nullptr && type == PyExc_KeyboardInterrupt) {
        PyErr_Clear();
        raise_result(pulsar::ResultInterrupted);
    }
    throw py::error_already_set();
}

void report_callback_error(PyObject* callback) { PyErr_WriteUnraisable(callback); }

void set_python_error_from_current_exception() {
    try {
        throw;
    } catch (py::error_already_set& e) {
        e.restore();
    } catch (const py::builtin_exception& e) {
        e.set_error();
    } catch (const std::invalid_argument& e) {
        PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const std::bad_alloc&) {
        PyErr_NoMemory();
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (...) {
        PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception");
    }
}

}  // namespace fastpulsar
