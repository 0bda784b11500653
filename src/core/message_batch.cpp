// pulsar.MessageBatch (see message_batch.hpp).
#include "core/message_batch.hpp"

#include <cstddef>
#include <cstdint>

#include "core/message.hpp"
#include "runtime/errors.hpp"

namespace fastpulsar {

namespace {

// A reader of protobuf's wire format over [pos, end): just enough to find one field.
struct WireReader {
    const unsigned char* pos;
    const unsigned char* end;

    bool varint(uint64_t& out) {
        out = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos == end) {
                return false;
            }
            const unsigned char byte = *pos++;
            out |= static_cast<uint64_t>(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) {
                return true;
            }
        }
        return false;
    }

    bool skip(std::size_t n) {
        if (static_cast<std::size_t>(end - pos) < n) {
            return false;
        }
        pos += n;
        return true;
    }
};

// SingleMessageMetadata's `required int32 payload_size = 3;`
constexpr uint64_t kPayloadSizeField = 3;

// The last payload_size of the metadata in [data, data + size) (protobuf keeps the last
// occurrence), or -1 when it is missing or the bytes are not well-formed.
int64_t payload_size_of(const unsigned char* data, std::size_t size) {
    WireReader in{data, data + size};
    int64_t found = -1;
    while (in.pos != in.end) {
        uint64_t tag = 0;
        if (!in.varint(tag) || (tag >> 3) == 0) {
            return -1;
        }
        uint64_t value = 0;
        switch (tag & 7) {
            case 0:  // varint
                if (!in.varint(value)) {
                    return -1;
                }
                if ((tag >> 3) == kPayloadSizeField) {
                    // An int32 on the wire: negative values are sign-extended to 64 bits.
                    const auto as_int = static_cast<int64_t>(value);
                    found = as_int >= 0 && as_int <= INT32_MAX ? as_int : -1;
                }
                break;
            case 1:  // 64-bit
                if (!in.skip(8)) {
                    return -1;
                }
                break;
            case 2:  // length-delimited
                if (!in.varint(value) || !in.skip(value)) {
                    return -1;
                }
                break;
            case 5:  // 32-bit
                if (!in.skip(4)) {
                    return -1;
                }
                break;
            default:  // groups, or not a wire type
                return -1;
        }
    }
    return found;
}

}  // namespace

std::string batch_payload_error(const std::string& payload, uint32_t batch_size) {
    const auto* pos = reinterpret_cast<const unsigned char*>(payload.data());
    const unsigned char* const end = pos + payload.size();
    for (uint32_t i = 0; i < batch_size; ++i) {
        const std::string which =
            "message " + std::to_string(i) + " of " + std::to_string(batch_size) + ": ";
        if (end - pos < 4) {
            return which + "the payload ends before its metadata size";
        }
        const uint32_t metadata_size = (uint32_t{pos[0]} << 24) | (uint32_t{pos[1]} << 16) |
                                       (uint32_t{pos[2]} << 8) | uint32_t{pos[3]};
        pos += 4;
        if (static_cast<std::size_t>(end - pos) < metadata_size) {
            return which + "the payload ends within its metadata";
        }
        const int64_t payload_size = payload_size_of(pos, metadata_size);
        if (payload_size < 0) {
            return which + "its metadata is not a SingleMessageMetadata with a payload_size";
        }
        pos += metadata_size;
        if (end - pos < payload_size) {
            return which + "the payload ends within its content";
        }
        pos += payload_size;
    }
    return {};
}

py::list MessageBatchHandle::parse_from(const std::string& payload, uint32_t batch_size) {
    const std::string error = batch_payload_error(payload, batch_size);
    if (!error.empty()) {
        raise_python(PyExc_ValueError, "not a batch payload of " + std::to_string(batch_size) +
                                           " messages: " + error);
    }
    batch_.parseFrom(payload, batch_size);
    return messages();
}

py::list MessageBatchHandle::messages() {
    py::list out;
    for (const pulsar::Message& message : batch_.messages()) {
        out.append(wrap_message(message, py::none()));
    }
    return out;
}

}  // namespace fastpulsar
