// pulsar.Result's members and the exception classes of pulsar.exceptions, handed to
// runtime/errors.cpp, which raises them.
#include <pybind11/pybind11.h>

#include <array>
#include <stdexcept>
#include <string>

#include "bind/register.hpp"
#include "runtime/errors.hpp"

namespace fastpulsar {

void register_results(py::module_& m) {
    std::array<PyObject*, kResultCount> members{};
    std::array<PyObject*, kResultCount> classes{};

    // pulsar.Result is a Python enum (pulsar/_enums.py); keep its members at hand.
    py::object result = py::module_::import("pulsar._enums").attr("Result");
    for (std::size_t i = 0; i < kResultCount; ++i) {
        py::object member = result(i);
        if (member.attr("name").cast<std::string>() != kResults[i].name) {
            throw std::logic_error("pulsar._enums.Result does not match libpulsar's results");
        }
        members[i] = member.release().ptr();
    }

    // Exception classes live in pulsar.exceptions (which re-exports them).
    PyObject* base = PyErr_NewExceptionWithDoc(
        "pulsar.exceptions.PulsarException",
        "Base class of the errors libpulsar reports; one subclass per pulsar.Result.", PyExc_Exception,
        nullptr);
    if (base == nullptr) {
        throw py::error_already_set();
    }
    m.attr("PulsarException") = py::reinterpret_borrow<py::object>(base);
    classes[pulsar::ResultOk] = base;
    for (std::size_t i = 1; i < kResultCount; ++i) {
        std::string qualified = std::string("pulsar.exceptions.") + kResults[i].name;
        py::object bases;
        if (i == pulsar::ResultInvalidUrl || i == pulsar::ResultInvalidConfiguration) {
            // A malformed URL or configuration is bad input: the official client
            // raises ValueError there, so these are ValueErrors as well.
            bases = py::make_tuple(py::handle(base), py::handle(PyExc_ValueError));
        } else {
            bases = py::reinterpret_borrow<py::object>(base);
        }
        PyObject* cls = PyErr_NewException(qualified.c_str(), bases.ptr(), nullptr);
        if (cls == nullptr) {
            throw py::error_already_set();
        }
        m.attr(kResults[i].name) = py::reinterpret_borrow<py::object>(cls);
        classes[i] = cls;
    }

    py::object type_value_bases =
        py::make_tuple(py::handle(PyExc_TypeError), py::handle(PyExc_ValueError));
    PyObject* invalid_argument_type = PyErr_NewExceptionWithDoc(
        "pulsar.exceptions.InvalidArgumentType",
        "An argument of the wrong type: both a TypeError and a ValueError.", type_value_bases.ptr(),
        nullptr);
    if (invalid_argument_type == nullptr) {
        throw py::error_already_set();
    }
    m.attr("InvalidArgumentType") = py::reinterpret_borrow<py::object>(invalid_argument_type);
    install_result_objects(members, classes, invalid_argument_type);

    m.def(
        "raise_for_result",
        [](int r) {
            if (r != pulsar::ResultOk) raise_result(static_cast<pulsar::Result>(r));
        },
        "Raise the exception of a non-Ok result (for tests and the Python layer).");
}

}  // namespace fastpulsar
