// ProducerCore: sending, the submitter thread, flushing and closing (see producer.hpp).
//
// send_async keeps the GIL unless libpulsar may block on a full queue; its callbacks
// are queued by libpulsar's thread and run by the dispatcher thread
// (core/send_completion.hpp).
#include "core/producer.hpp"

#include <algorithm>
#include <utility>

#include "core/message_id.hpp"
#include "core/send_completion.hpp"
#include "runtime/callback_op.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/loop_sink.hpp"

namespace fastpulsar {
namespace {

void noop_result(pulsar::Result) {}

// How many times the idle submitter looks for more work before it sleeps.
constexpr int kSubmitterSpins = 50;

}  // namespace

ProducerCore::ProducerCore(pulsar::Producer producer, py::object schema, SchemaKind schema_kind,
                           const ProducerOptions& options, std::shared_ptr<ClientState> client)
    : producer_(std::move(producer)),
      schema_(std::move(schema)),
      schema_kind_(schema_kind),
      batching_(options.batching),
      // As much again as libpulsar itself holds: enough to keep the submitter busy.
      queue_limit_(static_cast<uint64_t>(std::max(1000, options.max_pending))),
      client_(std::move(client)) {}

ProducerCore::~ProducerCore() {
    // Nothing is queued: every queued message holds a reference to the pulsar.Producer.
    GilRelease nogil;
    if (client_->inherited()) {
        // Inherited through a fork: the submitter does not exist here; nothing is joined.
        if (submitter_.joinable()) {
            submitter_.detach();
        }
    } else {
        stop_submitter();
    }
    // Releasing the handle may release libpulsar's producer, which takes its locks.
    release_handle(producer_, *client_);
    client_.reset();  // may be the last owner of libpulsar's client: without the GIL
}

void ProducerCore::check_open() const {
    client_->check_open();
    if (closing_.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
}

// ---- the submitter ---------------------------------------------------------------------

void ProducerCore::queue(Queued&& item) {
    check_open();  // again: building the message may have run Python code (a schema)
    for (;;) {
        // Another sender may queue meanwhile (threads without the GIL): this is a bound on
        // the queue, not a reservation, so it may be passed by as many as send at once.
        uint64_t queued = queued_.load(std::memory_order_acquire);
        if (queued - submitted_.load(std::memory_order_acquire) < queue_limit_) {
            break;
        }
        // Full: wait (without the GIL) until the submitter has handed some on, or close()
        // begins. With block_if_queue_full, it waits for libpulsar's queue in turn.
        uint64_t target = queued - queue_limit_ + 1;
        wait_without_gil(queue_mutex_, queue_progress_, [this, target] {
            return submitted_.load(std::memory_order_acquire) >= target || closing();
        });
        check_open();  // closing began meanwhile: not queued, nothing owed
    }
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        // Checked under the queue's mutex: a close marks the producer closing, then takes
        // this mutex before it reads queued_ (prepare_close), so either it waits for this
        // message or this send sees it closing; with or without the GIL.
        if (submitter_stop_ || closing()) {
            raise_result(pulsar::ResultAlreadyClosed);
        }
        if (!submitter_.joinable()) {
            submitter_ = std::thread([this] { submitter_loop(); });
        }
        if (!item.waiter) {
            // A send_async's completion is owed from here, not before.
            sent_async_.fetch_add(1, std::memory_order_release);
        }
        queued_.fetch_add(1, std::memory_order_release);
        queue_.push_back(std::move(item));
        wake = submitter_idle_;
        submitter_idle_ = false;
    }
    if (wake) {
        queue_wake_.notify_one();
    }
}

void ProducerCore::submitter_loop() {
    // Never touches Python (but for libpulsar calling a message_router, which takes
    // the GIL itself).
    std::vector<Queued> batch;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(queue_mutex_);
            // Messages sent in a stream arrive a microsecond or two apart: look again a few
            // times before sleeping, rather than have every one of them wake this thread.
            for (int spin = 0; spin < kSubmitterSpins && queue_.empty() && !submitter_stop_;
                 ++spin) {
                lock.unlock();
                std::this_thread::yield();
                lock.lock();
            }
            if (queue_.empty() && !submitter_stop_) {
                submitter_idle_ = true;
                queue_wake_.wait(lock, [this] { return !queue_.empty() || submitter_stop_; });
                submitter_idle_ = false;
            }
            if (queue_.empty() && submitter_stop_) {
                return;
            }
            batch.swap(queue_);
        }
        for (Queued& item : batch) {
            submit(item);
        }
        batch.clear();
        notify_all_after_lock(queue_mutex_, queue_progress_);
    }
}

void ProducerCore::submit(Queued& item) {
    if (item.action) {
        item.action();
    } else if (item.waiter) {
        auto waiter = std::move(item.waiter);
        producer_.sendAsync(item.message, [waiter](pulsar::Result r, const pulsar::MessageId& id) {
            waiter->complete(r, id);
        });
        if (batching_) {
            producer_.flushAsync(&noop_result);
        }
    } else {
        producer_.sendAsync(item.message, pulsar::SendCallback(SendDone{this, item.callback}));
    }
    submitted_.fetch_add(1, std::memory_order_release);
}

void ProducerCore::stop_submitter() {
    std::thread submitter;
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        submitter_stop_ = true;
        // One thread joins it (a producer's close and its client's may run at once).
        submitter = std::move(submitter_);
    }
    if (submitter.joinable()) {
        queue_wake_.notify_one();
        submitter.join();  // it hands on what is queued first
    }
}

void ProducerCore::wait_until_submitted(uint64_t target) {
    if (submitted_.load(std::memory_order_acquire) >= target) {
        return;
    }
    wait_without_gil(queue_mutex_, queue_progress_, [this, target] {
        return submitted_.load(std::memory_order_acquire) >= target;
    });
}

// ---- sending ----------------------------------------------------------------------------

void ProducerCore::send_async(PyObject* self, pulsar::Message&& message, PyObject* callback) {
    // Each send holds a reference to the pulsar.Producer (so this object lives
    // until its callback has run) and one to the callback; the dispatcher drops
    // them after running it.
    Py_INCREF(self);
    Py_XINCREF(callback);
    self_.store(self, std::memory_order_relaxed);  // ordered by queue_mutex_ and libpulsar
    try {
        queue(Queued{std::move(message), callback, nullptr});
    } catch (...) {
        // Interrupted or closed while waiting for room: not queued, nothing owed.
        Py_XDECREF(callback);
        Py_DECREF(self);
        throw;
    }
}

py::object ProducerCore::send(pulsar::Message&& message) {
    if (submitted_.load(std::memory_order_acquire) < queued_.load(std::memory_order_acquire)) {
        // Behind queued send_async messages: take its place in the queue.
        auto waiter = std::make_shared<Pending<pulsar::MessageId>>();
        queue(Queued{std::move(message), nullptr, waiter});
        pulsar::Result result = waiter->wait();
        if (result != pulsar::ResultOk) {
            raise_result(result);
        }
        return wrap_message_id(waiter->value());
    }
    // Nothing queued: straight to libpulsar, without the GIL. Counted from here until
    // sendAsync has returned (see close()), and checked for closing once counted: close()
    // marks the producer closing, then waits until nobody is counted (both through the
    // count's mutex), so either it waits for this send or this send sees it closing, with
    // or without the GIL.
    auto counted = std::make_unique<InSection>(sends_without_gil_);
    check_open();  // again: building the message may have run Python code (a schema)
    auto [result, id] = call_blocking<pulsar::MessageId>(
        [&](const std::shared_ptr<Pending<pulsar::MessageId>>& pending) {
            producer_.sendAsync(message, [pending](pulsar::Result r, const pulsar::MessageId& id) {
                pending->complete(r, id);
            });
            if (batching_) {
                // As libpulsar's own send(): do not wait for the batch timer.
                producer_.flushAsync(&noop_result);
            }
            counted.reset();
        });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    return wrap_message_id(id);
}

void ProducerCore::flush() {
    check_open();
    wait_until_submitted(queued_.load(std::memory_order_acquire));
    pulsar::Result result =
        call_blocking_result([&](const pulsar::ResultCallback& cb) { producer_.flushAsync(cb); });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    wait_for_callbacks();
}

void ProducerCore::prepare_close() {
    // Senders waiting for room see closing() and raise AlreadyClosed.
    notify_all_after_lock(queue_mutex_, queue_progress_);
    wait_until_submitted(queued_.load(std::memory_order_acquire));
    if (!sends_without_gil_.empty()) {
        wait_without_gil(sends_without_gil_.mutex(), sends_without_gil_.emptied(),
                         [this] { return sends_without_gil_.empty_locked(); });
    }
    // libpulsar's closeAsync fails the messages still pending (a batch not yet sent)
    // with AlreadyClosed: send them first. A failure here is the messages' own,
    // reported to their callbacks; the close goes on.
    call_blocking_result([&](const pulsar::ResultCallback& cb) { producer_.flushAsync(cb); });
}

void ProducerCore::finish_close() {
    {
        GilRelease nogil;
        stop_submitter();  // idle: everything queued was handed on by prepare_close()
    }
    wait_for_callbacks();
    closed_.store(true, std::memory_order_release);
}

void ProducerCore::close() {
    client_->check_not_inherited();
    if (closed_.load(std::memory_order_acquire) ||
        client_->closed.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
    // New sends raise AlreadyClosed from here. Each step may be interrupted
    // (KeyboardInterrupt) and is safe to run again: a second close() finishes the job.
    closing_.store(true, std::memory_order_release);
    prepare_close();
    pulsar::Result result =
        call_blocking_result([&](const pulsar::ResultCallback& cb) { producer_.closeAsync(cb); });
    finish_close();
    if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
        raise_result(result);
    }
}

void ProducerCore::queue_action(std::function<void()> action) {
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        if (submitter_stop_) {
            raise_result(pulsar::ResultAlreadyClosed);
        }
        if (!submitter_.joinable()) {
            submitter_ = std::thread([this] { submitter_loop(); });
        }
        queued_.fetch_add(1, std::memory_order_release);
        queue_.push_back(Queued{pulsar::Message(), nullptr, nullptr, std::move(action)});
        wake = submitter_idle_;
        submitter_idle_ = false;
    }
    if (wake) {
        queue_wake_.notify_one();
    }
}

void ProducerCore::flush_async(py::handle sink, py::handle future) {
    check_open();
    auto finish = [](pulsar::Result result, Nothing) -> py::object {
        if (result != pulsar::ResultOk) {
            raise_result(result);
        }
        return py::none();
    };
    auto op = std::make_shared<AsyncOp<Nothing, decltype(finish)>>(sink, future, finish);
    start_flush([op](pulsar::Result r) { op->complete(r, Nothing{}); });
}

void ProducerCore::start_flush(std::function<void(pulsar::Result)> done) {
    // libpulsar completes a flush after the callbacks of the messages it flushes, so the
    // completions of earlier sends are queued (and served) first.
    queue_action(
        [producer = producer_, done = std::move(done)]() mutable { producer.flushAsync(done); });
}

bool ProducerCore::closed_for_callback() const {
    client_->check_not_inherited();
    return closed_.load(std::memory_order_acquire) || closing() ||
           client_->closed.load(std::memory_order_acquire);
}

namespace {

py::object finish_nothing(pulsar::Result, Nothing) { return py::none(); }

}  // namespace

void ProducerCore::flush_with_callback(py::handle callback) {
    check_callback(callback);
    auto op =
        std::make_shared<CallbackOp<Nothing, decltype(&finish_nothing)>>(callback, &finish_nothing);
    if (closed_for_callback()) {
        call_back_already_closed(callback);
        return;
    }
    try {
        start_flush([op](pulsar::Result r) { op->complete(r, Nothing{}); });
    } catch (py::error_already_set&) {
        call_back_already_closed(callback);  // closed meanwhile (free-threaded CPython)
    }
}

void ProducerCore::prepare_close_async(std::function<void()> prepared) {
    // New sends raise AlreadyClosed from here; senders waiting for room wake up and do.
    closing_.store(true, std::memory_order_release);
    notify_all_after_lock(queue_mutex_, queue_progress_);
    queue_action([this, producer = producer_, prepared = std::move(prepared)]() mutable {
        // On the submitter thread, once every earlier message is in libpulsar: wait for the
        // send()s inside sendAsync without the GIL, then send what libpulsar still holds
        // (closing would fail it).
        {
            std::unique_lock<std::mutex> lock(sends_without_gil_.mutex());
            sends_without_gil_.emptied().wait(lock,
                                              [this] { return sends_without_gil_.empty_locked(); });
        }
        producer.flushAsync([prepared = std::move(prepared)](pulsar::Result) { prepared(); });
    });
}

void ProducerCore::close_async(py::handle self, py::handle sink, py::handle future) {
    client_->check_not_inherited();
    if (closed_.load(std::memory_order_acquire) || closing_.load(std::memory_order_acquire) ||
        client_->closed.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
    auto finish = [self = PyRef(py::reinterpret_borrow<py::object>(self))](pulsar::Result result,
                                                                           Nothing) -> py::object {
        // On the dispatcher thread: the rest of close(). The submitter is idle (the close was
        // the last thing queued) and the sends' completions were served before this one.
        py::handle(self.get()).cast<ProducerCore&>().finish_close();
        if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
            raise_result(result);
        }
        return py::none();
    };
    auto op = std::make_shared<AsyncOp<Nothing, decltype(finish)>>(sink, future, std::move(finish));
    prepare_close_async([producer = producer_, op]() mutable {
        producer.closeAsync([op](pulsar::Result r) { op->complete(r, Nothing{}); });
    });
}

void ProducerCore::close_with_callback(py::handle self, py::handle callback) {
    check_callback(callback);
    auto finish = [self = PyRef(py::reinterpret_borrow<py::object>(self))](pulsar::Result,
                                                                           Nothing) -> py::object {
        // On the dispatcher thread: the rest of close(). The submitter is idle (the close was
        // the last thing queued) and the sends' completions were served before this one.
        py::handle(self.get()).cast<ProducerCore&>().finish_close();
        return py::none();
    };
    auto op = std::make_shared<CallbackOp<Nothing, decltype(finish)>>(callback, std::move(finish));
    if (closed_for_callback()) {
        call_back_already_closed(callback);
        return;
    }
    try {
        prepare_close_async([producer = producer_, op]() mutable {
            producer.closeAsync([op](pulsar::Result r) { op->complete(r, Nothing{}); });
        });
    } catch (py::error_already_set&) {
        call_back_already_closed(callback);  // closed meanwhile (free-threaded CPython)
    }
}

void ProducerCore::wait_for_callbacks() {
    uint64_t target = sent_async_.load(std::memory_order_acquire);
    Dispatcher::instance().wait_for(
        [this, target] { return callbacks_done_.load(std::memory_order_acquire) >= target; });
}

void ProducerCore::on_callback_done() {
    callbacks_done_.fetch_add(1, std::memory_order_release);
    Py_DECREF(
        self_.load(std::memory_order_relaxed));  // may destroy this object: nothing after this line
}

}  // namespace fastpulsar
