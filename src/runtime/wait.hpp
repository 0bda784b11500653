// Blocking calls over libpulsar's asynchronous API: start the operation with the
// GIL released, then wait for its callback with the GIL released, taking it back
// every 100 ms to run signal handlers so that Ctrl-C interrupts promptly.
#pragma once

#include <pybind11/pybind11.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <utility>

#include "abi/client.hpp"
#include "runtime/convert.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"

namespace fastpulsar {

namespace py = pybind11;

struct Nothing {};

// The outcome of one asynchronous libpulsar operation, and a way to wait for it.
template <typename T>
class Pending {
   public:
    // Called once, from any thread, without the GIL; never throws.
    void complete(pulsar::Result result, T value = T{}) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            result_ = result;
            value_ = std::move(value);
            done_ = true;
        }
        cv_.notify_all();
    }

    // Called with the GIL held; returns with it held. Throws error_already_set when a
    // signal handler raises, e.g. KeyboardInterrupt.
    pulsar::Result wait();

    // After wait() has returned.
    T& value() { return value_; }

   private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    pulsar::Result result_ = pulsar::ResultOk;
    T value_{};
};

// Waits on `cv` until `done()` holds, with the GIL released and signals checked
// every 100 ms. Called with the GIL held; done() must not touch Python. Throws
// error_already_set when a signal handler raises.
template <typename Done>
void wait_without_gil(std::mutex& mutex, std::condition_variable& cv, Done done) {
    for (;;) {
        bool finished = false;
        {
            GilRelease nogil;
            std::unique_lock<std::mutex> lock(mutex);
            finished = cv.wait_for(lock, std::chrono::milliseconds(100), done);
        }
        if (finished) {
            return;
        }
        check_signals();
    }
}

template <typename T>
pulsar::Result Pending<T>::wait() {
    wait_without_gil(mutex_, cv_, [this] { return done_; });
    return result_;
}

// Runs `start(pending)` with the GIL released, then waits for `pending` to complete.
// `start` hands `pending` (a shared_ptr, so it outlives an interrupted wait) to the
// libpulsar callback. Returns the result and the value. Called with the GIL held;
// throws error_already_set when interrupted.
template <typename T = Nothing, typename Start>
std::pair<pulsar::Result, T> call_blocking(Start&& start) {
    auto pending = std::make_shared<Pending<T>>();
    {
        GilRelease nogil;
        start(pending);
    }
    pulsar::Result result = pending->wait();
    return {result, std::move(pending->value())};
}

// The same for operations that complete with a Result only: `start(callback)`.
template <typename Start>
pulsar::Result call_blocking_result(Start&& start) {
    return call_blocking<Nothing>([&](const std::shared_ptr<Pending<Nothing>>& pending) {
               start(pulsar::ResultCallback([pending](pulsar::Result r) { pending->complete(r); }));
           })
        .first;
}

// A blocking call of libpulsar's that takes a timeout (Consumer::receive,
// Reader::readNext), made in slices of at most 100 ms so that Ctrl-C works. First,
// `attempt(0)` runs with the GIL kept: a zero timeout never waits (it takes libpulsar's
// queue mutex, and libpulsar's threads never take the GIL), so a message already queued
// costs no GIL hand-off. Then `attempt(slice_ms)` runs without the GIL and returns
// libpulsar's Result; between slices, with the GIL, `stop()` is asked (the caller's reason
// to give up, e.g. a closed consumer being iterated) and signals are checked. `timeout_millis` is
// None (no deadline) or an int in [0, INT32_MAX] (else raises). Returns the first result other than
// ResultTimeout, or ResultTimeout once the deadline has passed or stop() holds. Called with the GIL
// held; throws error_already_set (a bad timeout, KeyboardInterrupt).
template <typename Attempt, typename Stop>
pulsar::Result wait_in_slices(py::handle timeout_millis, Attempt attempt, Stop stop) {
    constexpr int64_t kSliceMs = 100;
    bool forever = timeout_millis.is_none();
    int64_t timeout = forever ? 0
                              : as_int(timeout_millis.ptr(), "timeout_millis", 0,
                                       std::numeric_limits<int32_t>::max());
    pulsar::Result first = attempt(0);
    if (first != pulsar::ResultTimeout || (!forever && timeout == 0)) {
        return first;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout);
    for (;;) {
        int64_t slice = kSliceMs;
        if (!forever) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
            slice = std::clamp<int64_t>(left, 0, kSliceMs);
        }
        pulsar::Result result;
        {
            GilRelease nogil;
            result = attempt(static_cast<int>(slice));
        }
        if (result != pulsar::ResultTimeout || stop()) {
            return result;
        }
        if (!forever && std::chrono::steady_clock::now() >= deadline) {
            return pulsar::ResultTimeout;
        }
        check_signals();
    }
}

}  // namespace fastpulsar
