// Python arguments to C++ values, raising (with the GIL held) an error that names the
// argument: InvalidArgumentType for a wrong type, ValueError for a value out of range.
#pragma once

#include <Python.h>

#include <cstdint>
#include <string>

namespace fastpulsar {

// A Python str as UTF-8. GIL held; throws error_already_set (InvalidArgumentType, also for
// a str that UTF-8 cannot encode: lone surrogates).
std::string as_string(PyObject* obj, const char* name);

// A Python int (bool included, as in Python) in [min, max]. GIL held; throws
// error_already_set (InvalidArgumentType, ValueError).
int64_t as_int(PyObject* obj, const char* name, int64_t min, int64_t max);

// An integer: a Python int, or an object with __index__ (as PyArg's "i" and "L" took),
// in [min, max]. GIL held; throws error_already_set (InvalidArgumentType, ValueError).
int64_t as_index(PyObject* obj, const char* name, int64_t min, int64_t max);

// A Python bool. GIL held; throws error_already_set (InvalidArgumentType).
bool as_bool(PyObject* obj, const char* name);

// The one argument of a METH_FASTCALL | METH_KEYWORDS method `function(name=...)`, given
// by position or keyword (a borrowed reference); `default_value` when absent, or a
// TypeError naming it when `default_value` is nullptr (required). Too many arguments and
// unknown keywords raise TypeError as Python functions do. GIL held; throws
// error_already_set.
PyObject* single_argument(const char* function, const char* name, PyObject* const* args,
                          Py_ssize_t nargs, PyObject* kwnames, PyObject* default_value);

}  // namespace fastpulsar
