// Python arguments to C++ values (see convert.hpp).
#include "runtime/convert.hpp"

#include <pybind11/pybind11.h>

#include "runtime/errors.hpp"

namespace fastpulsar {

std::string as_string(PyObject* obj, const char* name) {
    if (!PyUnicode_Check(obj)) {
        raise_type_error(name, "of type 'str'", obj);
    }
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(obj, &size);
    if (data == nullptr) {
        if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            // Lone surrogates: the codec's error named no argument.
            PyErr_Clear();
            raise_type_error(name, "a str encodable as UTF-8 (without lone surrogates)", obj);
        }
        throw py::error_already_set();
    }
    return std::string(data, static_cast<std::size_t>(size));
}

int64_t as_index(PyObject* obj, const char* name, int64_t min, int64_t max) {
    if (PyLong_Check(obj)) {
        return as_int(obj, name, min, max);
    }
    if (!PyIndex_Check(obj)) {
        raise_type_error(name, "of type 'int'", obj);
    }
    py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(obj));
    if (!index) {
        throw py::error_already_set();
    }
    return as_int(index.ptr(), name, min, max);
}

int64_t as_int(PyObject* obj, const char* name, int64_t min, int64_t max) {
    if (!PyLong_Check(obj)) {
        raise_type_error(name, "of type 'int'", obj);
    }
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (value == -1 && PyErr_Occurred()) {
        throw py::error_already_set();
    }
    if (overflow != 0 || value < min || value > max) {
        raise_out_of_range(name, py::str(obj).cast<std::string>(), std::to_string(min),
                           std::to_string(max));
    }
    return static_cast<int64_t>(value);
}

bool as_bool(PyObject* obj, const char* name) {
    if (!PyBool_Check(obj)) {
        raise_type_error(name, "of type 'bool'", obj);
    }
    return obj == Py_True;
}

PyObject* single_argument(const char* function, const char* name, PyObject* const* args,
                          Py_ssize_t nargs, PyObject* kwnames, PyObject* default_value) {
    Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
    if (nargs + nkw > 1) {
        raise_python_format(PyExc_TypeError, "%s() takes at most 1 argument (%zd given)", function,
                            nargs + nkw);
    }
    if (nargs == 1) {
        return args[0];
    }
    if (nkw == 1) {
        PyObject* key = PyTuple_GET_ITEM(kwnames, 0);
        if (PyUnicode_CompareWithASCIIString(key, name) != 0) {
            raise_python_format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'",
                                function, key);
        }
        return args[0];
    }
    if (default_value == nullptr) {
        raise_python_format(PyExc_TypeError, "%s() missing 1 required argument: '%s'", function,
                            name);
    }
    return default_value;
}

}  // namespace fastpulsar
