// seek() for the objects libpulsar lets seek (Consumer, Reader): to a message id or to a
// publish time.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <limits>

#include "core/message_id.hpp"
#include "runtime/callback_op.hpp"
#include "runtime/convert.hpp"
#include "runtime/errors.hpp"
#include "runtime/loop_sink.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {

namespace py = pybind11;

// Seeks `handle` (a pulsar::Consumer or pulsar::Reader: anything with libpulsar's two
// seekAsync overloads) to `target`: a pulsar.MessageId, or an int timestamp in
// milliseconds since the epoch. Blocks (sink None) or resolves `future` through the LoopSink
// `sink` (see run_op). Called with the GIL held, which it releases while waiting; throws
// error_already_set (InvalidArgumentType for another type, the seek's failure,
// KeyboardInterrupt).
template <typename Handle>
void seek_op(Handle& handle, py::handle target, py::handle sink, py::handle future) {
    auto finish = [](pulsar::Result result, Nothing) -> py::object {
        if (result != pulsar::ResultOk) {
            raise_result(result);
        }
        return py::none();
    };
    if (const pulsar::MessageId* id = unwrap_message_id(target)) {
        pulsar::MessageId copy = *id;
        run_op<Nothing>(sink, future, [&](auto done) { handle.seekAsync(copy, done); }, finish);
    } else if (PyLong_Check(target.ptr())) {  // a bool too, as in pulsar-client 3.13 (True: 1)
        auto timestamp = static_cast<uint64_t>(
            as_int(target.ptr(), "messageid", 0, std::numeric_limits<int64_t>::max()));
        run_op<Nothing>(
            sink, future, [&](auto done) { handle.seekAsync(timestamp, done); }, finish);
    } else {
        raise_type_error("messageid", "a MessageId or a timestamp in milliseconds (int)",
                         target.ptr());
    }
}

// The same, completing with `callback(result)` on the dispatcher thread (see
// runtime/callback_op.hpp; `closed`: the callback gets AlreadyClosed and nothing starts).
// GIL held; throws error_already_set (InvalidArgumentType for a bad target or callback).
template <typename Handle>
void seek_with_callback(Handle& handle, py::handle target, py::handle callback, bool closed) {
    auto finish = [](pulsar::Result, Nothing) -> py::object { return py::none(); };
    if (const pulsar::MessageId* id = unwrap_message_id(target)) {
        pulsar::MessageId copy = *id;
        run_callback_op<Nothing>(
            callback, closed, [&](auto done) { handle.seekAsync(copy, done); }, finish);
    } else if (PyLong_Check(target.ptr()) && !PyBool_Check(target.ptr())) {
        auto timestamp = static_cast<uint64_t>(
            as_int(target.ptr(), "messageid", 0, std::numeric_limits<int64_t>::max()));
        run_callback_op<Nothing>(
            callback, closed, [&](auto done) { handle.seekAsync(timestamp, done); }, finish);
    } else {
        raise_type_error("messageid", "a MessageId or a timestamp in milliseconds (int)",
                         target.ptr());
    }
}

template <typename Handle>
void seek_to(Handle& handle, py::handle target) {
    seek_op(handle, target, py::none(), py::none());
}

}  // namespace fastpulsar
