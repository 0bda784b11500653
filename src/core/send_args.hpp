// send() and send_async(): their parameters, the METH_FASTCALL argument parser, and the
// message built from the arguments. One crossing into C++ per message: every keyword
// argument is parsed here, and the payload is taken through the buffer protocol
// (libpulsar copies it once into its own buffer).
#pragma once

#include <pybind11/pybind11.h>

#include <array>

#include "abi/message.hpp"

namespace fastpulsar {

namespace py = pybind11;

// How content becomes the payload: a bytes-like object as is (BytesSchema), a str as
// UTF-8 (StringSchema), anything else through the schema's encode().
enum class SchemaKind { Bytes, String, Other };

enum SendParam : int {
    kContent,
    kCallback,
    kProperties,
    kPartitionKey,
    kOrderingKey,
    kSequenceId,
    kReplicationClusters,
    kDisableReplication,
    kEventTimestamp,
    kDeliverAt,
    kDeliverAfter,
    kSendParamCount,
};

// The arguments of one call, by SendParam; nullptr where not given.
using SendArgs = std::array<PyObject*, kSendParamCount>;

// Builds the message of send()/send_async() from their arguments, checking each
// (InvalidArgumentType for a wrong type, ValueError for a value out of range). GIL held;
// throws error_already_set.
pulsar::Message build_message(const SendArgs& args, SchemaKind kind, py::handle schema);

// The METH_FASTCALL | METH_KEYWORDS functions behind pulsar.Producer.send and
// send_async. GIL held; they return nullptr with a Python error set on failure.
PyObject* producer_send(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames);
PyObject* producer_send_async(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                              PyObject* kwnames);

// Prepares the parser (interned parameter names, the datetime C API). Module
// initialization, GIL held; throws error_already_set.
void init_send_args();

}  // namespace fastpulsar
