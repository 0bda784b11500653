// pulsar.Result, the exception classes of pulsar.exceptions, and raising them.
#include <array>
#include <climits>
#include <new>
#include <stdexcept>
#include <string>

#include "common.hpp"
#include "register.hpp"

namespace fastpulsar {
namespace {

constexpr int kFirstResult = 0;
constexpr int kLastResult = pulsar::ResultDisconnected;
constexpr std::size_t kResultCount = kLastResult + 1;

// The names pulsar-client uses for the Result members and exception classes.
constexpr std::array<const char*, kResultCount> kResultNames = {
    "Ok",
    "UnknownError",
    "InvalidConfiguration",
    "Timeout",
    "LookupError",
    "ConnectError",
    "ReadError",
    "AuthenticationError",
    "AuthorizationError",
    "ErrorGettingAuthenticationData",
    "BrokerMetadataError",
    "BrokerPersistenceError",
    "ChecksumError",
    "ConsumerBusy",
    "NotConnected",
    "AlreadyClosed",
    "InvalidMessage",
    "ConsumerNotInitialized",
    "ProducerNotInitialized",
    "ProducerBusy",
    "TooManyLookupRequestException",
    "InvalidTopicName",
    "InvalidUrl",
    "ServiceUnitNotReady",
    "OperationNotSupported",
    "ProducerBlockedQuotaExceededError",
    "ProducerBlockedQuotaExceededException",
    "ProducerQueueIsFull",
    "MessageTooBig",
    "TopicNotFound",
    "SubscriptionNotFound",
    "ConsumerNotFound",
    "UnsupportedVersionError",
    "TopicTerminated",
    "CryptoError",
    "IncompatibleSchema",
    "ConsumerAssignError",
    "CumulativeAcknowledgementNotAllowedError",
    "TransactionCoordinatorNotFoundError",
    "InvalidTxnStatusError",
    "NotAllowedError",
    "TransactionConflict",
    "TransactionNotFound",
    "ProducerFenced",
    "MemoryBufferIsFull",
    "Interrupted",
    "Disconnected",
};

// Module-lifetime references: the module owns them too, and they are never
// released (they must outlive every libpulsar callback).
std::array<PyObject*, kResultCount> g_result_objects{};
std::array<PyObject*, kResultCount> g_exception_classes{};
PyObject* g_unknown_result_object = nullptr;
PyObject* g_invalid_argument_type = nullptr;

std::size_t index_of(pulsar::Result result) {
    int value = static_cast<int>(result);
    if (value < kFirstResult || value > kLastResult) {
        return pulsar::ResultUnknownError;
    }
    return static_cast<std::size_t>(value);
}

}  // namespace

PyObject* result_object(pulsar::Result result) {
    int value = static_cast<int>(result);
    if (value < kFirstResult || value > kLastResult) {
        return g_unknown_result_object;
    }
    return g_result_objects[static_cast<std::size_t>(value)];
}

PyObject* exception_class(pulsar::Result result) { return g_exception_classes[index_of(result)]; }

void raise_result(pulsar::Result result) {
    // pulsar-client's form, with libpulsar's spelling (e.g. "Pulsar error: TimeOut").
    std::string message = std::string("Pulsar error: ") + pulsar::strResult(result);
    raise_result(result, message);
}

void raise_result(pulsar::Result result, const std::string& message) {
    PyErr_SetString(exception_class(result), message.c_str());
    throw py::error_already_set();
}

void raise_type_error(const char* name, const char* expected, PyObject* got) {
    std::string message = std::string("Argument ") + name + " is expected to be " + expected +
                          ", not '" + Py_TYPE(got)->tp_name + "'";
    PyErr_SetString(g_invalid_argument_type, message.c_str());
    throw py::error_already_set();
}

void raise_value_error(const std::string& message) { throw py::value_error(message); }

std::string as_string(PyObject* obj, const char* name) {
    if (!PyUnicode_Check(obj)) {
        raise_type_error(name, "a str", obj);
    }
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(obj, &size);
    if (data == nullptr) {
        throw py::error_already_set();  // e.g. lone surrogates: UnicodeEncodeError, a ValueError
    }
    return std::string(data, static_cast<std::size_t>(size));
}

int64_t as_int(PyObject* obj, const char* name, int64_t min, int64_t max) {
    if (!PyLong_Check(obj)) {
        raise_type_error(name, "an int", obj);
    }
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (value == -1 && PyErr_Occurred()) {
        throw py::error_already_set();
    }
    if (overflow != 0 || value < min || value > max) {
        std::string message = std::string("Argument ") + name + " is out of range: " +
                              py::str(obj).cast<std::string>() + " is not in [" +
                              std::to_string(min) + ", " + std::to_string(max) + "]";
        raise_value_error(message);
    }
    return static_cast<int64_t>(value);
}

bool as_bool(PyObject* obj, const char* name) {
    if (!PyBool_Check(obj)) {
        raise_type_error(name, "a bool", obj);
    }
    return obj == Py_True;
}

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

void register_results(py::module_& m) {
    // pulsar.Result is a Python enum (pulsar/_enums.py); keep its members at hand.
    py::object result = py::module_::import("pulsar._enums").attr("Result");
    for (std::size_t i = 0; i < kResultCount; ++i) {
        py::object member = result(i);
        if (member.attr("name").cast<std::string>() != kResultNames[i]) {
            throw std::logic_error("pulsar._enums.Result does not match libpulsar's results");
        }
        g_result_objects[i] = member.release().ptr();
    }
    g_unknown_result_object = g_result_objects[pulsar::ResultUnknownError];

    // Exception classes live in pulsar.exceptions (which re-exports them).
    PyObject* base = PyErr_NewExceptionWithDoc(
        "pulsar.exceptions.PulsarException",
        "Base class of the errors libpulsar reports; one subclass per pulsar.Result.", PyExc_Exception,
        nullptr);
    if (base == nullptr) {
        throw py::error_already_set();
    }
    m.attr("PulsarException") = py::reinterpret_borrow<py::object>(base);
    g_exception_classes[pulsar::ResultOk] = base;
    for (std::size_t i = 1; i < kResultCount; ++i) {
        std::string qualified = std::string("pulsar.exceptions.") + kResultNames[i];
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
        m.attr(kResultNames[i]) = py::reinterpret_borrow<py::object>(cls);
        g_exception_classes[i] = cls;
    }

    py::object type_value_bases =
        py::make_tuple(py::handle(PyExc_TypeError), py::handle(PyExc_ValueError));
    g_invalid_argument_type = PyErr_NewExceptionWithDoc(
        "pulsar.exceptions.InvalidArgumentType",
        "An argument of the wrong type: both a TypeError and a ValueError.", type_value_bases.ptr(),
        nullptr);
    if (g_invalid_argument_type == nullptr) {
        throw py::error_already_set();
    }
    m.attr("InvalidArgumentType") = py::reinterpret_borrow<py::object>(g_invalid_argument_type);

    m.def(
        "raise_for_result",
        [](int r) {
            if (r != pulsar::ResultOk) raise_result(static_cast<pulsar::Result>(r));
        },
        "Raise the exception of a non-Ok result (for tests and the Python layer).");
}

}  // namespace fastpulsar
