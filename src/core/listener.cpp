// MessageListenerQueue (see listener.hpp).
#include "core/listener.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <utility>
#include <vector>

#include "core/consumer.hpp"
#include "core/message.hpp"
#include "runtime/errors.hpp"

namespace fastpulsar {
namespace {

// How long libpulsar's listener thread waits for room before queuing anyway: flow
// control must never turn into a deadlock (a listener closing its client, say).
constexpr auto kMaxWaitForRoom = std::chrono::seconds(1);
// The same once the dispatcher has stopped (interpreter exit): longer, so that libpulsar
// stops fetching messages for a listener nobody serves any more, as it does for a full
// receiver queue. A client still busy receiving while the process exits crashes in
// libpulsar's I/O thread.
constexpr auto kMaxWaitForRoomStopped = std::chrono::seconds(10);
constexpr auto kRoomCheckInterval = std::chrono::milliseconds(100);

// Messages served per turn before the queue goes back to the end of the dispatcher's
// line, so that one busy consumer does not starve the others (or the send callbacks).
constexpr std::size_t kMaxBatch = 1000;

}  // namespace

MessageListenerQueue::MessageListenerQueue(py::object listener, py::object schema,
                                           std::size_t capacity)
    : listener_(std::move(listener)),
      schema_(std::move(schema)),
      capacity_(std::max<std::size_t>(capacity, 1)) {}

void MessageListenerQueue::schedule_locked() {
    if (scheduled_ || !attached_ || paused_.load() || closed_.load()) {
        return;
    }
    scheduled_ = true;
    Dispatcher::instance().push_task(shared_from_this());
}

void MessageListenerQueue::push(const pulsar::Message& message) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto start = std::chrono::steady_clock::now();
    while (queue_.size() >= capacity_ && !closed_.load()) {
        auto limit = Dispatcher::instance().is_running() ? kMaxWaitForRoom : kMaxWaitForRoomStopped;
        if (std::chrono::steady_clock::now() - start >= limit) {
            break;
        }
        room_.wait_for(lock, kRoomCheckInterval);
    }
    if (closed_.load()) {
        return;
    }
    queue_.push_back(message);
    schedule_locked();
}

void MessageListenerQueue::attach(const std::shared_ptr<ConsumerCore>& consumer) {
    std::lock_guard<std::mutex> lock(mutex_);
    consumer_ = consumer;
    attached_ = true;
    if (!queue_.empty()) {
        schedule_locked();
    }
}

void MessageListenerQueue::pause() { paused_.store(true); }

void MessageListenerQueue::resume() {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_.store(false);
    if (!queue_.empty()) {
        schedule_locked();
    }
}

void MessageListenerQueue::close() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_.store(true);
        queue_.clear();
    }
    room_.notify_all();
}

void MessageListenerQueue::run() {
    std::shared_ptr<ConsumerCore> consumer = consumer_.lock();
    std::vector<pulsar::Message> batch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        scheduled_ = false;
        if (consumer == nullptr || consumer->is_closing()) {
            closed_.store(true);
            queue_.clear();
        } else if (!paused_.load()) {
            std::size_t n = std::min(queue_.size(), kMaxBatch);
            batch.reserve(n);
            std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n),
                      std::back_inserter(batch));
            queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
        }
    }
    room_.notify_all();
    if (batch.empty()) {
        return;
    }
    // The user's own pulsar.Consumer object when it is alive (pybind11 finds it).
    py::object py_consumer;
    try {
        py_consumer = py::cast(consumer);
    } catch (py::error_already_set& e) {
        e.restore();
        report_callback_error(listener_.get());
        return;
    }
    std::size_t served = 0;
    for (; served < batch.size(); ++served) {
        if (paused_.load() || closed_.load() || consumer->is_closing()) {
            break;
        }
        PyObject* message = nullptr;
        try {
            message = wrap_message(batch[served], schema_.get()).release().ptr();
        } catch (py::error_already_set& e) {
            e.restore();
        }
        if (message != nullptr) {
            PyObject* args[] = {py_consumer.ptr(), message};
            PyObject* result = PyObject_Vectorcall(listener_.get(), args, 2, nullptr);
            Py_DECREF(message);
            Py_XDECREF(result);
            if (result != nullptr) {
                continue;
            }
        }
        report_callback_error(listener_.get());
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_.load() || consumer->is_closing()) {
            closed_.store(true);
            queue_.clear();
        } else {
            // Paused mid-batch: what was not served goes back to the front, in order.
            queue_.insert(
                queue_.begin(),
                std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(served)),
                std::make_move_iterator(batch.end()));
            if (!queue_.empty()) {
                schedule_locked();
            }
        }
    }
    room_.notify_all();
}

}  // namespace fastpulsar
