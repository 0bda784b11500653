// pulsar.Message.encryption_context(): libpulsar's encryption context of a received
// message, copied into the Python EncryptionContext of pulsar._crypto (which installs
// its factory at import, as pulsar._bridge installs the Result enum).
#pragma once

#include <pybind11/pybind11.h>

#include "abi/message.hpp"

namespace fastpulsar {

namespace py = pybind11;

// Keeps `factory` for the process's life (a second call replaces it; the old one is kept
// alive). It is called as factory(keys, param, algorithm, compression_type,
// uncompressed_message_size, batch_size, is_decryption_failed), with keys a list of
// (key: str, value: bytes, metadata: dict[str, str]) tuples, param bytes, algorithm a
// str, compression_type libpulsar's int. GIL held; never throws.
void install_encryption_context_factory(py::handle factory);

// None for a message that was not encrypted; else the factory's object, built from copies
// (it does not refer to the message). GIL held; throws error_already_set (the factory's
// exception, UnicodeDecodeError for a key name that is not UTF-8, RuntimeError when no
// factory is installed).
py::object encryption_context(const pulsar::Message& message);

}  // namespace fastpulsar
