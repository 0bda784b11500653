// ListenerQueue (see listener.hpp).
#include "core/listener.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <utility>
#include <vector>

#include "runtime/errors.hpp"

namespace fastpulsar {
namespace {

// How long libpulsar's thread waits for room before queuing anyway: flow control must
// never turn into a deadlock (a listener closing its client, say).
constexpr auto kMaxWaitForRoom = std::chrono::seconds(1);
// The same once the dispatcher has stopped (interpreter exit): longer, so that libpulsar
// stops fetching messages for a listener nobody serves any more, as it does for a full
// receiver queue. A client still busy receiving while the process exits crashes in
// libpulsar's I/O thread.
constexpr auto kMaxWaitForRoomStopped = std::chrono::seconds(10);
constexpr auto kRoomCheckInterval = std::chrono::milliseconds(100);

// Items served per turn before the queue goes back to the end of its lane's line, so that
// one busy listener does not starve the others on the lane.
constexpr std::size_t kMaxBatch = 1000;

}  // namespace

template <typename Item>
ListenerQueue<Item>::ListenerQueue(py::object listener, std::size_t capacity)
    : listener_(std::move(listener)), capacity_(std::max<std::size_t>(capacity, 1)) {}

template <typename Item>
void ListenerQueue<Item>::schedule_locked() {
    if (scheduled_ || !attached_ || paused_.load() || closed_.load()) {
        return;
    }
    scheduled_ = true;
    lane_->push_task(this->shared_from_this());
}

template <typename Item>
void ListenerQueue<Item>::push(Item item, bool may_wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    // Only the lane's thread makes room: a dispatcher thread must not wait for one.
    if (may_wait && !Dispatcher::instance().is_dispatcher_thread()) {
        auto start = std::chrono::steady_clock::now();
        while (queue_.size() >= capacity_ && !closed_.load()) {
            bool served =
                lane_ != nullptr ? lane_->is_running() : Dispatcher::instance().is_running();
            auto limit = served ? kMaxWaitForRoom : kMaxWaitForRoomStopped;
            if (std::chrono::steady_clock::now() - start >= limit) {
                break;
            }
            room_.wait_for(lock, kRoomCheckInterval);
        }
    }
    if (closed_.load()) {
        return;
    }
    queue_.push_back(std::move(item));
    schedule_locked();
}

template <typename Item>
void ListenerQueue<Item>::attach(Closing closing, Begin begin, DispatchLane& lane) {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = std::move(closing);
    begin_ = std::move(begin);
    lane_ = &lane;
    attached_ = true;
    if (!queue_.empty()) {
        schedule_locked();
    }
}

template <typename Item>
void ListenerQueue<Item>::pause() {
    paused_.store(true);
}

template <typename Item>
void ListenerQueue<Item>::resume() {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_.store(false);
    if (!queue_.empty()) {
        schedule_locked();
    }
}

template <typename Item>
void ListenerQueue<Item>::close() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_.store(true);
        queue_.clear();
    }
    room_.notify_all();
}

template <typename Item>
void ListenerQueue<Item>::run() {
    Call call = begin_ ? begin_() : Call();
    std::vector<Item> batch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        scheduled_ = false;
        if (!call || owner_closing()) {
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
    std::size_t served = 0;
    for (; served < batch.size(); ++served) {
        if (paused_.load() || closed_.load() || owner_closing() || process_exiting()) {
            break;
        }
        bool ok = call(listener_.get(), batch[served]);
        calls_made_.fetch_add(1, std::memory_order_release);
        if (!ok) {
            report_callback_error(listener_.get());
        }
    }
    if (batch.empty()) {
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_.load() || owner_closing()) {
            closed_.store(true);
            queue_.clear();
        } else {
            // Paused mid-batch: what was not served goes back to the front, in order. At
            // exit too, but not scheduled again: the listener is not called any more, so
            // that the lane's thread stops within a few rounds whatever a slow listener
            // has queued, and the queue stays full, holding libpulsar's I/O thread back
            // (see kMaxWaitForRoomStopped).
            queue_.insert(
                queue_.begin(),
                std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(served)),
                std::make_move_iterator(batch.end()));
            if (!queue_.empty() && !process_exiting()) {
                schedule_locked();
            }
        }
    }
    room_.notify_all();
}

template class ListenerQueue<pulsar::Message>;
template class ListenerQueue<TableEntry>;

}  // namespace fastpulsar
