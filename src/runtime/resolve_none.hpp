// Resolving a pulsar.asyncio future at once, for an operation with nothing left to do.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <utility>

#include "runtime/loop_sink.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {

namespace py = pybind11;

// Resolves `future` with None through the LoopSink `sink` (at its next drain), for an
// asynchronous operation that has nothing left to do (e.g. closing what the client's
// close closed). GIL held; throws error_already_set (InvalidArgumentType when `sink` is no
// LoopSink).
inline void resolve_none_soon(py::handle sink, py::handle future) {
    auto done = [](pulsar::Result, Nothing) -> py::object { return py::none(); };
    std::make_shared<AsyncOp<Nothing, decltype(done)>>(sink, future, std::move(done))
        ->complete(pulsar::ResultOk, Nothing{});
}

}  // namespace fastpulsar
