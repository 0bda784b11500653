// seek() for the objects libpulsar lets seek (Consumer, Reader): to a message id or to a
// publish time.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <limits>

#include "core/message_id.hpp"
#include "runtime/convert.hpp"
#include "runtime/errors.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {

namespace py = pybind11;

// Seeks `handle` (a pulsar::Consumer or pulsar::Reader: anything with libpulsar's two
// seekAsync overloads) to `target`: a pulsar.MessageId, or an int timestamp in
// milliseconds since the epoch. Called with the GIL held, which it releases while waiting;
// throws error_already_set (InvalidArgumentType for another type, the seek's failure,
// KeyboardInterrupt).
template <typename Handle>
void seek_to(Handle& handle, py::handle target) {
    pulsar::Result result;
    if (const pulsar::MessageId* id = unwrap_message_id(target)) {
        pulsar::MessageId copy = *id;
        result = call_blocking_result(
            [&](const pulsar::ResultCallback& cb) { handle.seekAsync(copy, cb); });
    } else if (PyLong_Check(target.ptr()) && !PyBool_Check(target.ptr())) {
        auto timestamp = static_cast<uint64_t>(
            as_int(target.ptr(), "messageid", 0, std::numeric_limits<int64_t>::max()));
        result = call_blocking_result(
            [&](const pulsar::ResultCallback& cb) { handle.seekAsync(timestamp, cb); });
    } else {
        raise_type_error("messageid", "a MessageId or a timestamp in milliseconds (int)",
                         target.ptr());
    }
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
}

}  // namespace fastpulsar
