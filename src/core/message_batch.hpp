// The C++ object behind pulsar.MessageBatch: libpulsar's MessageBatch, which splits the
// payload of a batched entry into its messages, behind a check of that payload.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "abi/message.hpp"

namespace fastpulsar {

namespace py = pybind11;

// Why `payload` is not `batch_size` messages in libpulsar's batch format (each one a
// 4-byte big-endian size, a SingleMessageMetadata of that size whose payload_size field
// gives the size of the payload that follows), or "" when it is. libpulsar reads these
// sizes without checking them: a payload that fails here would make it read past the
// buffer. Any thread; never throws.
std::string batch_payload_error(const std::string& payload, uint32_t batch_size);

// Its methods are called with the GIL held.
class MessageBatchHandle {
   public:
    // Sets the id whose ledger, entry and partition the parsed messages take.
    void with_message_id(const pulsar::MessageId& id) { batch_.withMessageId(id); }
    // The messages of `payload` (pulsar.Message objects, value() is the payload), after
    // batch_payload_error() found nothing. Throws error_already_set (ValueError naming the
    // fault).
    py::list parse_from(const std::string& payload, uint32_t batch_size);
    // The messages of the last parse_from. Throws error_already_set (MemoryError).
    py::list messages();

   private:
    pulsar::MessageBatch batch_;
};

}  // namespace fastpulsar
