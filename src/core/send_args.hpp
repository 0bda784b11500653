// send() and send_async(): their parameters, the METH_FASTCALL argument parser, and the
// message built from the arguments. One crossing into C++ per message: every keyword
// argument is parsed here, and the payload is taken through the buffer protocol
// (libpulsar copies it once into its own buffer).
#pragma once

#include <pybind11/pybind11.h>

#include <array>
#include <string>

#include "abi/message.hpp"

namespace fastpulsar {

namespace py = pybind11;

// How content becomes the payload: a bytes-like object as is (BytesSchema), a str as
// UTF-8 (StringSchema), a (key, value) pair through the schema's _encode_key_value() into
// libpulsar's KeyValue (KeyValueSchema: the producer's schema lays it out), anything else
// through the schema's encode().
enum class SchemaKind { Bytes, String, Other, KeyValue };

// The parameters of send() and send_async(), listed once: X(name, default), the default
// as the text signature shows it (nullptr: required), in send_async's positional order.
// send() takes the same but callback. The parser, the argument indices and the text
// signatures (send_text_signature) are derived from this list; tests/unit/
// test_stub_signatures.py compares the signatures with pulsar/_core.pyi.
#define FASTPULSAR_SEND_PARAMS(X)   \
    X(content, nullptr)             \
    X(callback, nullptr)            \
    X(properties, "None")           \
    X(partition_key, "None")        \
    X(ordering_key, "None")         \
    X(sequence_id, "None")          \
    X(replication_clusters, "None") \
    X(disable_replication, "False") \
    X(event_timestamp, "None")      \
    X(deliver_at, "None")           \
    X(deliver_after, "None")

// Indices of the parameters: send_param::content, ..., send_param::count.
namespace send_param {
enum : int {
#define FASTPULSAR_SEND_PARAM_INDEX(name, default_value) name,
    FASTPULSAR_SEND_PARAMS(FASTPULSAR_SEND_PARAM_INDEX)
#undef FASTPULSAR_SEND_PARAM_INDEX
        count
};
}  // namespace send_param

// The arguments of one call, by parameter index; nullptr where not given.
using SendArgs = std::array<PyObject*, send_param::count>;

// The text signature line of send() (with_callback false) or send_async():
// "<function>($self, /, content, ...)\n--\n\n", to begin its docstring. Never throws
// (but std::bad_alloc).
std::string send_text_signature(const char* function, bool with_callback);

// Builds the message of send()/send_async() from their arguments, checking each
// (InvalidArgumentType for a wrong type, ValueError for a value out of range). GIL held;
// throws error_already_set.
pulsar::Message build_message(const SendArgs& args, SchemaKind kind, py::handle schema);

// The METH_FASTCALL | METH_KEYWORDS functions behind pulsar.Producer.send and
// send_async. GIL held; they return nullptr with a Python error set on failure.
PyObject* producer_send(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames);
PyObject* producer_send_async(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                              PyObject* kwnames);

// Producer._send_future(sink, content, **send's keyword arguments): send_async whose
// completion resolves a new future of the LoopSink's event loop (pulsar.asyncio's send),
// which it returns. Same conventions.
PyObject* producer_send_future(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                               PyObject* kwnames);

// Prepares the parser (interned parameter names, the datetime C API). Module
// initialization, GIL held; throws error_already_set.
void init_send_args();

}  // namespace fastpulsar
