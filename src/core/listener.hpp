// Listener queues: what libpulsar hands to a Python listener (a consumer's or a reader's
// messages, a table view's updates) is queued here by libpulsar's threads, without the
// GIL; the thread of the dispatcher's listener lane the queue is assigned to when attached
// (runtime/dispatcher.hpp; round robin over its client's message_listener_threads lanes)
// serves it in batches under one GIL acquisition, in the order it arrived. A raising
// listener goes to sys.unraisablehook and the next item is served. Items that arrive
// before the queue is attached to its owner wait here.
//
// subscribe(message_listener=fn) and create_reader(reader_listener=fn) use a
// MessageListenerQueue: fn(owner, message) with `owner` the user's own pulsar.Consumer
// or pulsar.Reader. TableView.for_each_and_listen uses a TableListenerQueue
// (core/table_view.cpp).
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "abi/message.hpp"
#include "core/client.hpp"
#include "core/message.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/gil.hpp"

namespace fastpulsar {

namespace py = pybind11;

template <typename Item>
class ListenerQueue : public DispatchTask,
                      public std::enable_shared_from_this<ListenerQueue<Item>> {
   public:
    // The lane's thread, GIL held: makes the listener call for one item. Returns false,
    // with the Python error indicator set, when the call (or the item's conversion) raised.
    using Call = std::function<bool(PyObject* listener, Item& item)>;
    // The lane's thread, GIL held, once per batch; never throws: the Call for the batch,
    // or an empty Call when the owner is gone (the queue then closes).
    using Begin = std::function<Call()>;
    // Any thread, GIL or not; never throws: whether the owner is closed or closing (no
    // call starts any more; the queue closes).
    using Closing = std::function<bool()>;

    // GIL held. `capacity`: how many items may wait here before libpulsar's thread is
    // held back (flow control; 0 means 1).
    ListenerQueue(py::object listener, std::size_t capacity);
    // Any thread, GIL or not (the Python reference is released on the dispatcher).
    ~ListenerQueue() override = default;

    // On libpulsar's thread, without the GIL: queues the item and schedules the queue on
    // its lane. With `may_wait`, waits (a second at most per item; never on a dispatcher
    // thread) while `capacity` items are queued, so that a slow listener slows
    // libpulsar down. Never throws (but bad_alloc).
    void push(Item item, bool may_wait = true);

    // GIL held: the owner's side; serving starts, on `lane` (the dispatcher's listener
    // lane this queue is served on from now on). Never throws.
    void attach(Closing closing, Begin begin, DispatchLane& lane);
    // The lane attach() gave; null before. Any thread; never throws.
    DispatchLane* lane() {
        std::lock_guard<std::mutex> lock(mutex_);
        return lane_;
    }
    // Any thread; never throw. Paused, no listener call starts (the one running finishes);
    // closed, queued items are dropped and none is served any more.
    void pause();
    void resume();
    void close();

    // DispatchTask: on the lane's thread, GIL held; never throws.
    void run() override;

    // Any thread; never throw. How many listener calls have been made (returned or
    // raised), and whether the queue is closed (no call will be made any more).
    std::size_t calls_made() const { return calls_made_.load(std::memory_order_acquire); }
    bool is_closed() const { return closed_.load(); }

   private:
    // Caller holds mutex_: hands this queue to its lane unless it is there already.
    void schedule_locked();
    // Caller holds mutex_ (or nobody else can see the queue yet); never throws.
    bool owner_closing() const { return closing_ && closing_(); }

    PyRef listener_;
    const std::size_t capacity_;

    std::mutex mutex_;
    std::condition_variable room_;
    std::deque<Item> queue_;
    bool scheduled_ = false;
    bool attached_ = false;
    Closing closing_;               // set once by attach(), under mutex_, before serving starts
    Begin begin_;                   // read on the lane's thread only, after attach()
    DispatchLane* lane_ = nullptr;  // set once by attach(), under mutex_; never freed
    std::atomic<bool> paused_{false};
    std::atomic<bool> closed_{false};
    std::atomic<std::size_t> calls_made_{0};
};

// A table view's update: (key, value); an empty value is a deletion.
using TableEntry = std::pair<std::string, std::string>;
using TableListenerQueue = ListenerQueue<TableEntry>;

extern template class ListenerQueue<pulsar::Message>;
extern template class ListenerQueue<TableEntry>;

// The messages of a consumer (message_listener) or a reader (reader_listener), served as
// listener(owner, message): `owner` is the user's own pulsar.Consumer or pulsar.Reader
// and `message` is decoded by `schema`.
class MessageListenerQueue : public ListenerQueue<pulsar::Message> {
   public:
    // GIL held; never throws (but bad_alloc).
    MessageListenerQueue(py::object listener, py::object schema, std::size_t capacity)
        : ListenerQueue(std::move(listener), capacity),
          schema_(std::make_shared<PyRef>(std::move(schema))) {}

    // GIL held; never throws: the owner (a ConsumerCore or a ReaderCore, which has
    // `bool is_closing() const`, any thread, and `client_state()`), held weakly; serving
    // starts on the next listener lane of the owner's client.
    template <typename Owner>
    void attach(const std::shared_ptr<Owner>& core);

   private:
    std::shared_ptr<PyRef> schema_;  // shared with the calls the lane's thread makes
};

template <typename Owner>
void MessageListenerQueue::attach(const std::shared_ptr<Owner>& core) {
    std::weak_ptr<Owner> weak = core;
    ListenerQueue::attach(
        [weak] {
            std::shared_ptr<Owner> owner = weak.lock();
            return owner == nullptr || owner->is_closing();
        },
        [weak, schema = schema_]() -> Call {
            std::shared_ptr<Owner> owner = weak.lock();
            if (owner == nullptr) {
                return {};
            }
            py::object self;
            try {
                self = py::cast(owner);  // pybind11 finds the user's object when alive
            } catch (py::error_already_set& e) {
                e.discard_as_unraisable("pulsar listener: the owner's Python object");
                return {};
            }
            return [self = std::move(self), schema](PyObject* listener, pulsar::Message& item) {
                PyObject* message = nullptr;
                try {
                    message = wrap_message(item, schema->get()).release().ptr();
                } catch (py::error_already_set& e) {
                    e.restore();
                    return false;
                }
                PyObject* args[] = {self.ptr(), message};
                PyObject* result = PyObject_Vectorcall(listener, args, 2, nullptr);
                Py_DECREF(message);
                Py_XDECREF(result);
                return result != nullptr;
            };
        },
        core->client_state()->next_listener_lane());
}

}  // namespace fastpulsar
