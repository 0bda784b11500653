// How outcomes reach an asyncio event loop (pulsar.asyncio). libpulsar's threads, which
// never take the GIL, queue each operation's completion on the loop's LoopSink and write
// one byte to its wake-up pipe when the queue was empty; the loop watches the pipe and
// drains the queue on its own thread, turning the completions into outcomes and settling
// them with one call: one wake-up of the loop per batch, however many futures it settles,
// and no hand-over through the dispatcher thread.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "abi/client.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/in_flight.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {

namespace py = pybind11;

class LoopSink {
   public:
    // future_type(loop=loop) makes a future of the loop; resolve(items) settles a flat list
    // of outcomes (future, error, value, future, ...; error None or an exception) on the
    // loop's thread (drain() calls it). Opens the sink's wake-up pipe: throws
    // error_already_set (OSError) when it cannot.
    LoopSink(py::object future_type, py::object loop, py::object resolve);
    ~LoopSink();
    LoopSink(const LoopSink&) = delete;
    LoopSink& operator=(const LoopSink&) = delete;

    // How outcomes reach the loop: libpulsar's thread queues them here (push_send for a
    // send's completion, push_task for any other operation's: any thread, no GIL; never
    // throw but std::bad_alloc) and writes one byte to the wake-up pipe when the queue was
    // empty. The loop watches the pipe (loop.add_reader(fileno(), drain)) and drains the
    // queue on its own thread, in order: drain() turns each into its outcome (running the
    // operation's finishing code) and settles them all with one resolve(items). Nothing
    // goes through the dispatcher thread, so outcomes arrive even once it has stopped (the
    // last client closed). GIL held; never throws (errors are reported as unraisable).
    void push_send(SendCompletion&& completion);
    void push_task(std::shared_ptr<DispatchTask> task);
    void drain();
    int fileno() const { return pipe_[0]; }

    // Adds one outcome to those drain() settles; called by the tasks drain() runs. GIL
    // held; takes no reference; never throws (an allocation failure is reported as
    // unraisable).
    void add(PyObject* future, PyObject* error, PyObject* value);
    // A new future of the sink's loop: future_type(loop=loop), one vectorcall. GIL held;
    // throws error_already_set.
    py::object new_future() const;

   private:
    py::object future_type_;
    py::object loop_;
    py::object resolve_;
    py::list items_;  // the outcomes of the drain() in progress

    // One queued outcome: a send's completion, or (task set) another operation's.
    struct Queued {
        SendCompletion send;
        std::shared_ptr<DispatchTask> task;
    };
    void push(Queued&& item);

    int pipe_[2] = {-1, -1};
    std::mutex queue_mutex_;
    std::vector<Queued> queue_;  // guarded by queue_mutex_
};

// The LoopSink of a pulsar._core.LoopSink object (one type lookup); InvalidArgumentType
// naming `sink` when it is something else. GIL held.
LoopSink* loop_sink_of(py::handle sink);

// A LoopSink and one of its futures, owned by an operation in flight: made with the GIL,
// may be destroyed on any thread (PyRef).
class AsyncTarget {
   public:
    // `sink` must be a pulsar._core.LoopSink (else InvalidArgumentType). GIL held.
    AsyncTarget(py::handle sink, py::handle future);
    // GIL held; never throws. `error` None/Result/exception, `value` any (borrowed).
    void resolve(py::handle error, py::handle value) const;
    LoopSink* sink() const { return sink_; }
    // Resolves with the exception being handled (error_already_set or another C++
    // exception). GIL held; call in a catch block; never throws.
    void resolve_with_current_exception() const;

   private:
    PyRef sink_obj_;  // keeps sink_ alive
    LoopSink* sink_;
    PyRef future_;
};

// One asynchronous libpulsar operation for pulsar.asyncio: `complete` on libpulsar's
// thread (no GIL) queues it on its loop's sink, whose drain() runs it on the loop's thread:
// `run` calls finish(result, value) with the GIL and resolves the future with what it
// returns, or with what it raises. Only the first completion counts: libpulsar's callback
// or abandon() (see runtime/in_flight.hpp), whichever comes first.
// `Finish` must hold Python objects only as PyRef (it may be destroyed on any thread).
template <typename T, typename Finish>
class AsyncOp final : public DispatchTask,
                      public Abandonable,
                      public std::enable_shared_from_this<AsyncOp<T, Finish>> {
   public:
    AsyncOp(py::handle sink, py::handle future, Finish finish)
        : target_(sink, future), finish_(std::move(finish)) {}

    // libpulsar's callback, any thread, no GIL; never throws (but std::bad_alloc).
    void complete(pulsar::Result result, T value) {
        if (completed_.exchange(true, std::memory_order_acq_rel)) {
            return;
        }
        result_ = result;
        value_ = std::move(value);
        target_.sink()->push_task(this->shared_from_this());
    }

    void abandon(pulsar::Result result) override { complete(result, T{}); }

    void run() override {
        try {
            py::object value = finish_(result_, std::move(value_));
            target_.resolve(py::none(), value);
        } catch (...) {
            target_.resolve_with_current_exception();
        }
    }

   private:
    AsyncTarget target_;
    Finish finish_;
    std::atomic<bool> completed_{false};
    pulsar::Result result_ = pulsar::ResultOk;
    T value_{};
};

// An operation that blocks (sink is None: the result of finish, or what it raises) or
// resolves a future of an asyncio loop (returns None at once). `start(done)` starts
// libpulsar's asynchronous call and is called without the GIL; `done` takes (Result, T)
// (or just the Result when T is Nothing). `finish(Result, T&&)` runs with the GIL and
// returns the Python value (raising for a failed Result). `in_flight`: where an
// asynchronous operation that libpulsar may drop at the client's close is kept (see
// runtime/in_flight.hpp), or nullptr. Called with the GIL held; throws error_already_set
// (the blocking case's failure, KeyboardInterrupt).
template <typename T, typename Start, typename Finish>
py::object run_op(py::handle sink, py::handle future, Start&& start, Finish finish,
                  InFlight* in_flight = nullptr) {
    if (sink.is_none()) {
        auto [result, value] = call_blocking<T>([&](const std::shared_ptr<Pending<T>>& pending) {
            if constexpr (std::is_same_v<T, Nothing>) {
                start([pending](pulsar::Result r) { pending->complete(r); });
            } else {
                start([pending](pulsar::Result r, const auto& v) { pending->complete(r, T(v)); });
            }
        });
        return finish(result, std::move(value));
    }
    auto op = std::make_shared<AsyncOp<T, Finish>>(sink, future, std::move(finish));
    if (in_flight != nullptr) {
        in_flight->add(op);
    }
    GilRelease nogil;
    if constexpr (std::is_same_v<T, Nothing>) {
        start([op](pulsar::Result r) { op->complete(r, Nothing{}); });
    } else {
        start([op](pulsar::Result r, const auto& v) { op->complete(r, T(v)); });
    }
    return py::none();
}

// The Python type of pulsar.asyncio's send callbacks: a (sink, future) pair. libpulsar's
// callback (SendDone) recognizes it and queues the completion on the sink instead of the
// dispatcher. Any thread, GIL or not (reads the object's type only); never throws.
bool is_sink_slot(PyObject* callback);
// The sink of a slot. Any thread, GIL or not (the slot's fields never change); never throws.
LoopSink* sink_of_slot(PyObject* slot);

// Creates the slot type. Module init, GIL held; throws error_already_set.
void init_sink_slot_type();

// A new slot of `sink` (the Python object of `cpp_sink`) and `future`. GIL held; throws
// error_already_set.
py::object new_sink_slot(py::handle sink, LoopSink* cpp_sink, py::handle future);

}  // namespace fastpulsar
