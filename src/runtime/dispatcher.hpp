// The dispatcher: everything libpulsar hands back to Python (send completions, log
// lines, references to release) is queued here by libpulsar's threads, which never
// take the GIL, and served in batches under one GIL acquisition by a Python thread
// (pulsar._dispatch starts it). Each producer's completions keep their order.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <condition_variable>
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
// the dispatcher thread with the GIL held; run() must not throw.
class DispatchTask {
   public:
    virtual ~DispatchTask() = default;
    virtual void run() = 0;
};

class Dispatcher {
   public:
    // The one dispatcher. Never destroyed: what it holds refers to Python objects,
    // which must not be released after the interpreter has finalized. Any thread;
    // never throws.
    static Dispatcher& instance();
    Dispatcher() = default;  // use instance()
    // In a forked child (runtime/fork.hpp), GIL held: replaces the instance with a new,
    // idle one. The parent's is leaked with what it held: its mutex may be locked by a
    // thread the child does not have, and its completions belong to the parent.
    static void reset_after_fork();

    // Queue an item and wake the dispatcher if it sleeps. Any thread, GIL or not;
    // never throw (but std::bad_alloc).
    void push_send(SendCompletion&& completion);
    void push_log(LogRecord&& record);
    void release_later(PyObject* owned);
    void push_task(std::shared_ptr<DispatchTask> task);

    // The dispatcher thread's body: called with the GIL held, returns after stop().
    // Throws error_already_set (RuntimeError) when a dispatcher is running already.
    void run();
    // Asks run() to serve what is queued and return. Any thread; never throws.
    void stop();
    // Takes back a stop() that run() has not acted on yet: called on the dispatcher thread
    // (from a callback), where run() looks at it only after the callback returns. Never
    // throws.
    void cancel_stop();

    // Serves what is queued on the calling thread when no dispatcher thread runs (it was
    // stopped after the last client closed, and libpulsar queued more meanwhile); does
    // nothing while one runs. GIL held; never throws (callbacks' errors are reported).
    void serve_pending();

    // The clients that need the dispatcher: made in this process (fork generation) and not
    // closed yet. pulsar._dispatch stops the thread when the last one has closed. Any
    // thread; never throw.
    void add_user() { users_.fetch_add(1, std::memory_order_acq_rel); }
    void remove_user() { users_.fetch_sub(1, std::memory_order_acq_rel); }
    int users() const { return users_.load(std::memory_order_acquire); }

    // Any thread, GIL or not; never throw.
    bool is_dispatcher_thread() const;
    bool is_running() const { return running_.load(std::memory_order_acquire); }

    // Waits, with the GIL released and signals checked, until done() holds (checked
    // after each dispatch round). When no dispatcher thread is running (stopped at
    // interpreter exit), the waiting thread serves the queue itself, so what it waits
    // for does happen. Called with the GIL held; done() must not touch Python. Returns
    // at once on the dispatcher thread (from a callback: what it waits for runs after
    // the callback returns). Throws error_already_set when a signal handler raises
    // (e.g. KeyboardInterrupt).
    void wait_for(const std::function<bool()>& done);

   private:
    // Queues `item` (unless `queue` holds `limit` already: then it is counted as
    // a dropped log line) and wakes the dispatcher if it sleeps.
    template <typename Item>
    void push(std::vector<Item>& queue, Item&& item, std::size_t limit);
    void serve(std::vector<SendCompletion>& sends, std::vector<LogRecord>& logs,
               std::vector<PyObject*>& releases, std::vector<std::shared_ptr<DispatchTask>>& tasks);
    // With the GIL held and no dispatcher thread running: serves what is queued on the
    // calling thread. Returns whether it served anything.
    bool serve_here();

    std::mutex mutex_;
    std::condition_variable wake_;
    bool idle_ = false;  // the dispatcher sleeps on wake_
    bool stop_ = false;
    std::vector<SendCompletion> sends_;
    std::vector<LogRecord> logs_;
    std::vector<PyObject*> releases_;
    std::vector<std::shared_ptr<DispatchTask>> tasks_;
    std::size_t dropped_logs_ = 0;

    std::atomic<bool> running_{false};
    std::atomic<std::thread::id> thread_id_{};
    // A waiting thread serves (serve_here); claimed with exchange(), so that one thread at a
    // time does, with or without the GIL.
    std::atomic<bool> serving_here_{false};

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
