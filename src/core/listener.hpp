// subscribe(message_listener=fn): libpulsar's listener threads queue the messages here,
// without the GIL; the dispatcher thread runs fn(consumer, message) for them in batches
// under one GIL acquisition, in the order they arrived, with `consumer` the user's own
// pulsar.Consumer object. A raising listener goes to sys.unraisablehook and the next
// message is served. Messages that arrive before the consumer is attached wait here.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

#include "abi/message.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/gil.hpp"

namespace fastpulsar {

namespace py = pybind11;

class ConsumerCore;

class MessageListenerQueue : public DispatchTask,
                             public std::enable_shared_from_this<MessageListenerQueue> {
   public:
    // GIL held. `capacity`: how many messages may wait here before libpulsar's listener
    // thread is held back (flow control; 0 means 1).
    MessageListenerQueue(py::object listener, py::object schema, std::size_t capacity);
    // Any thread, GIL or not (the Python references are released on the dispatcher).
    ~MessageListenerQueue() override = default;

    // On libpulsar's listener thread, without the GIL: queues the message and schedules
    // the dispatcher. Waits (a second at most per message) while `capacity` messages are
    // queued, so that a slow listener slows libpulsar down. Never throws (but bad_alloc).
    void push(const pulsar::Message& message);

    // GIL held: the consumer the messages are for; serving starts. Never throws.
    void attach(const std::shared_ptr<ConsumerCore>& consumer);
    // Any thread; never throw. Paused, no listener call starts (the one running finishes);
    // closed, queued messages are dropped and none is served any more.
    void pause();
    void resume();
    void close();

    // DispatchTask: on the dispatcher thread, GIL held; never throws.
    void run() override;

   private:
    // Caller holds mutex_: hands this queue to the dispatcher unless it is there already.
    void schedule_locked();

    PyRef listener_;
    PyRef schema_;
    const std::size_t capacity_;

    std::mutex mutex_;
    std::condition_variable room_;
    std::deque<pulsar::Message> queue_;
    bool scheduled_ = false;
    bool attached_ = false;
    std::weak_ptr<ConsumerCore> consumer_;  // read on the dispatcher thread only
    std::atomic<bool> paused_{false};
    std::atomic<bool> closed_{false};
};

}  // namespace fastpulsar
