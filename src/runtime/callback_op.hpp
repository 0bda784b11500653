// The *_async(..., callback) methods pulsar-client 3.13's _pulsar classes have (e.g.
// Consumer.acknowledge_async(message, callback)): one asynchronous libpulsar operation whose
// completion calls a Python callback, callback(result) or callback(result, value), on the
// dispatcher thread. libpulsar's thread only queues the operation there (Dispatcher::
// push_task, never taking the GIL), as send_async's completions; the same `finish`
// functions as pulsar.asyncio's operations (runtime/loop_sink.hpp, AsyncOp) make the value.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>
#include <type_traits>
#include <utility>

#include "abi/client.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/in_flight.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {

namespace py = pybind11;

// Runs `callback(result)` (T is Nothing) or `callback(result, value)` once, on the dispatcher
// thread: `result` is the pulsar.Result libpulsar gave, `value` what finish(result, value)
// returns, or None when it raises (a failed result: finish raises for it). `finish` runs
// for its side effects too (e.g. marking a closed consumer). An exception of the callback
// goes to sys.unraisablehook. Only the first completion counts: libpulsar's callback or
// abandon() (see runtime/in_flight.hpp). `Finish` must hold Python objects only as PyRef.
template <typename T, typename Finish>
class CallbackOp final : public DispatchTask,
                         public Abandonable,
                         public std::enable_shared_from_this<CallbackOp<T, Finish>> {
   public:
    // GIL held; `callback` must be callable.
    CallbackOp(py::handle callback, Finish finish)
        : callback_(py::reinterpret_borrow<py::object>(callback)), finish_(std::move(finish)) {}

    // libpulsar's callback, any thread, no GIL; never throws (but std::bad_alloc).
    void complete(pulsar::Result result, T value) {
        if (completed_.exchange(true, std::memory_order_acq_rel)) {
            return;
        }
        result_ = result;
        value_ = std::move(value);
        Dispatcher::instance().push_task(this->shared_from_this());
    }

    void abandon(pulsar::Result result) override { complete(result, T{}); }

    // On the dispatcher thread (or a thread serving in its stead), GIL held; never throws.
    void run() override {
        py::object value = py::none();
        try {
            py::object made = finish_(result_, std::move(value_));
            if (made) {
                value = std::move(made);
            }
        } catch (py::error_already_set& e) {
            if (result_ == pulsar::ResultOk) {
                e.discard_as_unraisable("making the value of an asynchronous operation");
            }
        } catch (...) {
            // A failed result: finish raised for it; the callback gets the result.
        }
        PyObject* callback = callback_.get();
        PyObject* argv[2] = {result_object(result_), value.ptr()};
        std::size_t nargs = std::is_same_v<T, Nothing> ? 1 : 2;
        PyObject* returned = PyObject_Vectorcall(callback, argv, nargs, nullptr);
        if (returned == nullptr) {
            report_callback_error(callback);
        } else {
            Py_DECREF(returned);
        }
    }

   private:
    PyRef callback_;
    Finish finish_;
    std::atomic<bool> completed_{false};
    pulsar::Result result_ = pulsar::ResultOk;
    T value_{};
};

// Checks `callback` (InvalidArgumentType naming it when not callable). GIL held; throws
// error_already_set.
inline void check_callback(py::handle callback) {
    if (!PyCallable_Check(callback.ptr())) {
        raise_type_error("callback", "callable", callback.ptr());
    }
}

// Calls callback(AlreadyClosed) on the dispatcher thread, or on the calling thread when no
// dispatcher thread runs (the last client is closed): an operation (without a value) asked
// of a closed object. GIL held; `callback` must be callable; never throws (but
// std::bad_alloc).
inline void call_back_already_closed(py::handle callback) {
    using Finish = py::object (*)(pulsar::Result, Nothing);
    auto op = std::make_shared<CallbackOp<Nothing, Finish>>(
        callback, +[](pulsar::Result, Nothing) -> py::object { return py::none(); });
    op->complete(pulsar::ResultAlreadyClosed, Nothing{});
    // After the last client closed, no dispatcher thread serves: serve it here, now.
    Dispatcher::instance().serve_pending();
}

// Starts one operation whose completion calls `callback` (see CallbackOp): `start(done)`
// starts libpulsar's asynchronous call, without the GIL; `done` takes (Result, T) (just the
// Result when T is Nothing). With `closed` (the object or its client is closed), nothing
// starts: the callback gets AlreadyClosed, as pulsar-client's does from libpulsar (on the
// calling thread when no dispatcher thread runs). `in_flight`: as for run_op. GIL held;
// throws error_already_set (a callback that is not callable) before anything starts; the
// operation's own failure goes to the callback.
template <typename T, typename Start, typename Finish>
void run_callback_op(py::handle callback, bool closed, Start&& start, Finish finish,
                     InFlight* in_flight = nullptr) {
    check_callback(callback);
    auto op = std::make_shared<CallbackOp<T, Finish>>(callback, std::move(finish));
    if (closed) {
        op->complete(pulsar::ResultAlreadyClosed, T{});
        // After the last client closed, no dispatcher thread serves: serve it here, now.
        Dispatcher::instance().serve_pending();
        return;
    }
    if (in_flight != nullptr) {
        in_flight->add(op);
    }
    GilRelease nogil;
    if constexpr (std::is_same_v<T, Nothing>) {
        start([op](pulsar::Result r) { op->complete(r, Nothing{}); });
    } else {
        start([op](pulsar::Result r, const auto& v) { op->complete(r, T(v)); });
    }
}

}  // namespace fastpulsar
