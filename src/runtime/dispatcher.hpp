// The dispatcher: everything libpulsar hands back to Python (send completions, log
// lines, references to release, listeners' messages) is queued here by libpulsar's
// threads, which never take the GIL, and served in batches under one GIL acquisition by
// Python threads (pulsar._dispatch starts them): send completions, log lines and
// releases on the main lane's thread, listeners on listener lanes' threads of their own,
// so that a slow listener holds up neither send callbacks nor other listeners' threads.
// Each producer's completions, and each listener queue's items, keep their order.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "abi/client.hpp"
#include "abi/interfaces.hpp"

namespace fastpulsar {

namespace py = pybind11;

class ProducerCore;
struct LogTarget;  // core/logger.hpp

struct SendCompletion {
    ProducerCore* producer;  // kept alive by the reference the send took on its Python object
    PyObject* callback;      // owned reference, or nullptr for send_async(callback=None)
    pulsar::Result result;
    pulsar::MessageId id;
};

struct LogRecord {
    LogTarget* target;  // never freed
    pulsar::Logger::Level level;
    int line;
    std::string file;
    std::string message;
    double created;  // seconds since the epoch, when libpulsar logged it
};

// Work queued by its owner (a message listener's queue, core/listener.hpp) and run on
// a dispatcher thread with the GIL held; run() must not throw.
class DispatchTask {
   public:
    virtual ~DispatchTask() = default;
    virtual void run() = 0;
};

class Dispatcher;

// One thread's share of the dispatcher: its queues, and the loop its Python thread runs
// (Dispatcher::run). The main lane takes send completions, log lines, releases and
// tasks; each listener lane takes the tasks of the listener queues assigned to it
// (ClientState::next_listener_lane). Every item is served in batches under one GIL
// acquisition, in the order it was queued. Made and owned by the Dispatcher; never
// destroyed before it.
class DispatchLane {
   public:
    // How a stop() was asked: when the last client went (a new client takes it back),
    // or for good (interpreter exit, or the last client closed by hand).
    enum class Stop { kNone, kWhenUnused, kNow };

    DispatchLane(Dispatcher& owner, bool main) : owner_(owner), main_(main) {}
    DispatchLane(const DispatchLane&) = delete;
    DispatchLane& operator=(const DispatchLane&) = delete;

    // Queue an item and wake the lane's thread if it sleeps. Any thread, GIL or not;
    // never throw (but std::bad_alloc).
    void push_send(SendCompletion&& completion);
    void push_log(LogRecord&& record);
    void release_later(PyObject* owned);
    void push_task(std::shared_ptr<DispatchTask> task);

    // The lane thread's body: called with the GIL held, returns after a stop. Throws
    // error_already_set (RuntimeError) when a thread serves the lane already.
    void run();
    // Asks run() to serve what is queued and return (kNow wins over kWhenUnused). Any
    // thread; never throws.
    void stop(Stop kind);
    // Takes back a stop of `kind` or milder that run() has not acted on yet. Any thread;
    // never throws.
    void cancel_stop(Stop kind);
    // With no thread serving the lane: serves what is queued on the calling thread.
    // Returns whether it served anything. GIL held; never throws.
    bool serve_here();

    // Any thread, GIL or not; never throw.
    bool is_running() const { return running_.load(std::memory_order_acquire); }
    bool is_own_thread() const;  // the calling thread serves this lane
    bool is_main() const { return main_; }

   private:
    friend class Dispatcher;
    // Queues `item` (unless `queue` holds `limit` already: then it is counted as
    // a dropped log line) and wakes the lane's thread if it sleeps.
    template <typename Item>
    void push(std::vector<Item>& queue, Item&& item, std::size_t limit);
    void serve(std::vector<SendCompletion>& sends, std::vector<LogRecord>& logs,
               std::vector<PyObject*>& releases, std::vector<std::shared_ptr<DispatchTask>>& tasks);
    // Caller holds mutex_.
    bool empty_locked() const {
        return sends_.empty() && logs_.empty() && releases_.empty() && tasks_.empty();
    }

    Dispatcher& owner_;
    const bool main_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool idle_ = false;  // the lane's thread sleeps on wake_
    Stop stop_ = Stop::kNone;
    std::vector<SendCompletion> sends_;
    std::vector<LogRecord> logs_;
    std::vector<PyObject*> releases_;
    std::vector<std::shared_ptr<DispatchTask>> tasks_;
    std::size_t dropped_logs_ = 0;

    std::atomic<bool> running_{false};
    // A waiting thread serves (serve_here); claimed with exchange(), so that one thread at a
    // time does, with or without the GIL.
    std::atomic<bool> serving_here_{false};
};

// The dispatcher: a main lane (the `pulsar-dispatcher` thread) and listener lanes (the
// `pulsar-listener-N` threads), each served by a Python thread that pulsar._dispatch
// starts with the first client and that stops when the last client is gone (closed, or
// collected with everything it made).
class Dispatcher {
   public:
    // The one dispatcher. Never destroyed: what it holds refers to Python objects,
    // which must not be released after the interpreter has finalized. Any thread;
    // never throws.
    static Dispatcher& instance();
    Dispatcher() : main_(*this, true) {}  // use instance()
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;
    // In a forked child (runtime/fork.hpp), GIL held: replaces the instance with a new,
    // idle one. The parent's is leaked with what it held: its mutex may be locked by a
    // thread the child does not have, and its completions belong to the parent.
    static void reset_after_fork();

    // Queue an item on the main lane and wake it if it sleeps. Any thread, GIL or not;
    // never throw (but std::bad_alloc).
    void push_send(SendCompletion&& completion) { main_.push_send(std::move(completion)); }
    void push_log(LogRecord&& record) { main_.push_log(std::move(record)); }
    void release_later(PyObject* owned) { main_.release_later(owned); }
    void push_task(std::shared_ptr<DispatchTask> task) { main_.push_task(std::move(task)); }

    // The lanes: 0 is the main one, 1 + i listener lane i (made when first asked for).
    // Any thread; never throw (but std::bad_alloc).
    DispatchLane& main_lane() { return main_; }
    DispatchLane& listener_lane(std::size_t index);

    // A lane thread's body (lane 0: the main one): called with the GIL held, returns after
    // stop(). Throws error_already_set (RuntimeError) when the lane is served already.
    void run(std::size_t lane = 0);
    // Asks every lane to serve what is queued and return. Any thread; never throws.
    void stop();
    // Takes back a stop() that the lanes have not acted on yet (a callback closed the last
    // client, then made a new one). Any thread; never throws.
    void cancel_stop();
    // Whether lane `lane`'s thread serves it. Any thread; never throws.
    bool is_running(std::size_t lane) const;

    // Serves what is queued on the calling thread, in each lane no thread serves (they were
    // stopped after the last client closed, and libpulsar queued more meanwhile). GIL
    // held; never throws (callbacks' errors are reported).
    void serve_pending();

    // The clients that need the dispatcher: made in this process (fork generation) and not
    // closed yet, and those pulsar._dispatch is making. When the count drops to 0, every
    // lane is asked to stop (as stop(), but a new user takes it back), so that the threads
    // go with the last client, even one collected without close(). Any thread, GIL or not;
    // never throw.
    void add_user();
    void remove_user();
    int users() const { return users_.load(std::memory_order_acquire); }

    // Whether the calling thread is one of the dispatcher's (main or listener lane). Any
    // thread, GIL or not; never throws.
    bool is_dispatcher_thread() const;
    // Whether the main lane's thread serves it. Any thread; never throws.
    bool is_running() const { return main_.is_running(); }

    // Waits, with the GIL released and signals checked, until done() holds (checked
    // after each dispatch round of any lane); done() depends on what `lane` (by default
    // the main lane) serves. When no thread serves that lane (stopped at interpreter
    // exit), the waiting thread serves it itself, so what it waits for does happen.
    // Called with the GIL held; done() must not touch Python. Returns at once on the
    // lane's own thread (from a callback: what it waits for runs after the callback
    // returns), and on any dispatcher thread when `lane` is a listener lane (a listener
    // lane waits for the main lane only, so that no two lanes wait for each other).
    // Throws error_already_set when a signal handler raises (e.g. KeyboardInterrupt).
    void wait_for(const std::function<bool()>& done);
    void wait_for(const std::function<bool()>& done, DispatchLane& lane);

   private:
    friend class DispatchLane;
    // After a lane served a round or stopped: wakes the threads in wait_for. Never throws.
    void notify_progress();
    DispatchLane& lane_at(std::size_t index);  // 0: the main lane; 1 + i: listener lane i

    DispatchLane main_;
    mutable std::mutex lanes_mutex_;  // guards listeners_ and the users' count's changes
    std::vector<std::unique_ptr<DispatchLane>> listeners_;

    std::mutex progress_mutex_;
    std::condition_variable progress_;
    std::atomic<int> waiters_{0};
    std::atomic<int> users_{0};
};

// What the dispatcher serves, defined by their owners in core/. Called on the dispatcher
// thread with the GIL held; they never throw (errors go to sys.unraisablehook).
void deliver_send(SendCompletion& completion);  // core/send_completion.cpp
void report_unsent_without_callback();          // core/send_completion.cpp
void deliver_log(LogRecord& record);            // core/logger.cpp
void refresh_log_levels();                      // core/logger.cpp

}  // namespace fastpulsar
