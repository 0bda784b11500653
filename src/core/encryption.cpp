// pulsar.Message.encryption_context() (see encryption.hpp).
#include "core/encryption.hpp"

#include <optional>

#include "abi/encryption.hpp"
#include "runtime/bridge.hpp"

namespace fastpulsar {

namespace {

PyObject* context_factory = nullptr;  // a strong reference, never released

py::bytes to_bytes(const std::string& s) { return py::bytes(s.data(), s.size()); }

}  // namespace

void install_encryption_context_factory(py::handle factory) {
    context_factory = factory.inc_ref().ptr();
}

py::object encryption_context(const pulsar::Message& message) {
    const std::optional<const pulsar::EncryptionContext*> found = message.getEncryptionContext();
    if (!found.has_value() || *found == nullptr) {
        return py::none();
    }
    const pulsar::EncryptionContext& context = **found;
    py::list keys;
    for (const pulsar::EncryptionKey& key : context.keys()) {
        py::dict metadata;
        for (const auto& [name, value] : key.metadata) {
            metadata[py::str(name)] = py::str(value);
        }
        keys.append(py::make_tuple(py::str(key.key), to_bytes(key.value), metadata));
    }
    py::handle factory = installed(context_factory, "the EncryptionContext factory");
    return factory(keys, to_bytes(context.param()), py::str(context.algorithm()),
                   static_cast<int>(context.compressionType()), context.uncompressedMessageSize(),
                   context.batchSize(), context.isDecryptionFailed());
}

}  // namespace fastpulsar
