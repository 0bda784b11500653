// The C++ object behind pulsar.Producer.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "abi/client.hpp"
#include "core/client.hpp"
#include "core/options.hpp"
#include "core/send_args.hpp"
#include "runtime/sync.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {

namespace py = pybind11;

// send_async hands its messages to libpulsar through a queue served by a thread of
// the producer's own (the submitter), started by the first send_async. The calling
// thread builds the message and queues it (a fraction of a microsecond, with the
// GIL); the submitter calls libpulsar's sendAsync (a couple of microseconds, no
// GIL), and meanwhile the GIL is free for the dispatcher to run callbacks. Messages
// reach libpulsar in the order they were queued; a send() queued behind them keeps
// its place too.
//
// Invariants (tests/integration/test_producer_races.py checks them under stress):
// - Every send_async that returns normally is accepted: its callback runs exactly once,
//   later, on the dispatcher thread (or on a thread waiting in flush()/close() when the
//   dispatcher has stopped at exit). accepted = callbacks run + callbacks owed.
// - A send_async or send that raises owes nothing: its message was not queued (a sender
//   waiting for room when close() begins raises AlreadyClosed).
// - When flush() or close() returns, the callbacks of every send_async accepted before
//   it was called have run (owed = 0 for them).
// - close() returns, or raises KeyboardInterrupt, within a bounded time whatever other
//   threads do: it waits only for what was accepted before it began, and checks for
//   signals while it waits. Interrupted, it leaves the producer closing (new sends raise
//   AlreadyClosed) and may be called again to finish.
// - No thread is inside libpulsar's sendAsync for this producer when closeAsync starts
//   (libpulsar can lose the callback of a send racing with close).
class ProducerCore {
   public:
    ProducerCore(pulsar::Producer producer, py::object schema, SchemaKind schema_kind,
                 const ProducerOptions& options, std::shared_ptr<ClientState> client);
    // Without the GIL for the parts that can block; may run on the dispatcher thread.
    ~ProducerCore();
    ProducerCore(const ProducerCore&) = delete;
    ProducerCore& operator=(const ProducerCore&) = delete;

    // Called with the GIL held by the pulsar.Producer methods; they throw
    // error_already_set (AlreadyClosed, the send's failure, KeyboardInterrupt, ...).
    void check_open() const;
    // Closed (or its client), or unusable because inherited through a fork.
    bool is_closed() const {
        return closed_.load() || client_->closed.load() || client_->inherited();
    }
    SchemaKind schema_kind() const { return schema_kind_; }
    py::handle schema() const { return schema_; }
    void send_async(PyObject* self, pulsar::Message&& message, PyObject* callback);
    py::object send(pulsar::Message&& message);
    void flush();
    void close();
    // pulsar.asyncio's flush and close: they return at once and resolve `future` through
    // the LoopSink `sink` (runtime/loop_sink.hpp). Both go through the submitter's queue,
    // behind the messages queued before them, so that nothing waits on the calling thread:
    // the flush once libpulsar has every earlier message, the close likewise (then flush,
    // closeAsync, and, on the dispatcher thread, the rest of close()). `self` is this
    // producer's Python object. GIL held; they throw error_already_set (AlreadyClosed).
    void flush_async(py::handle sink, py::handle future);
    void close_async(py::handle self, py::handle sink, py::handle future);
    // pulsar-client 3.13's _pulsar.Producer.flush_async(callback) and close_async(callback):
    // as the two above, completing with callback(result) once, on the dispatcher thread
    // (runtime/callback_op.hpp), after the callbacks of the sends queued before. A closed
    // producer's callback gets AlreadyClosed. GIL held; they throw error_already_set
    // (InvalidArgumentType for a callback that is not callable) before anything starts.
    void flush_with_callback(py::handle callback);
    void close_with_callback(py::handle self, py::handle callback);
    // The first half of an asynchronous close (this producer's or its client's): marks it
    // closing and queues, behind earlier messages, a flush of what libpulsar holds;
    // `prepared()` runs on libpulsar's thread once that flush has completed (finish_close()
    // is the second half, after libpulsar's close). GIL held; throws AlreadyClosed when the
    // submitter has stopped (the producer is closed).
    void prepare_close_async(std::function<void()> prepared);

    // The two halves of closing, for this producer's close() and for its client's
    // (which closes libpulsar's client in between). GIL held; they throw
    // error_already_set (KeyboardInterrupt) and may then be called again.
    // prepare_close: once the producer (or its client) is marked closing, wakes senders
    // waiting for room (they raise AlreadyClosed), waits until every queued message has
    // been handed to libpulsar and no thread is inside libpulsar's sendAsync for it, then
    // sends what libpulsar still holds (a batch), as closing would fail it.
    void prepare_close();
    // finish_close: after libpulsar's producer (or client) is closed, stops the submitter
    // and waits until every callback owed has run.
    void finish_close();

    const pulsar::Producer& producer() const { return producer_; }

    // On the dispatcher thread, with the GIL held; never throws.
    // Drops the reference the send took: may destroy this object.
    void on_callback_done();

    // Whether close() has begun (here or on the client), or the client is closed: a
    // callback gets AlreadyClosed. Any thread; throws AlreadyClosed when inherited through a
    // fork.
    bool closed_for_callback() const;

   private:
    struct Queued {
        pulsar::Message message;
        PyObject* callback;                                  // send_async's, owned, or nullptr
        std::shared_ptr<Pending<pulsar::MessageId>> waiter;  // a send() queued behind others
        std::function<void()> action;  // run by the submitter instead of sending (asyncio)
    };

    // Queues `action` for the submitter, behind what is queued (no room is waited for, and
    // it is queued while closing too). GIL held; throws AlreadyClosed once the submitter
    // has stopped.
    void queue_action(std::function<void()> action);
    // The flush of flush_async: queued behind the messages queued before; `done` runs on
    // libpulsar's thread. GIL held; throws AlreadyClosed when the submitter has stopped.
    void start_flush(std::function<void(pulsar::Result)> done);

    bool closing() const { return closing_.load() || client_->closing.load(); }
    // GIL held; waits for room without it. Throws AlreadyClosed when the producer starts
    // closing meanwhile (the item is then not queued), KeyboardInterrupt.
    void queue(Queued&& item);
    void wait_until_submitted(uint64_t target);  // GIL held; waits without it
    void wait_for_callbacks();                   // GIL held; waits without it
    void submit(Queued& item);                   // on the submitter thread
    void submitter_loop();
    void stop_submitter();  // without the GIL

    pulsar::Producer producer_;
    py::object schema_;
    SchemaKind schema_kind_;
    bool batching_;
    uint64_t queue_limit_;  // queued and not yet submitted, at most
    std::shared_ptr<ClientState> client_;
    std::atomic<bool> closing_{false};  // close() has begun
    std::atomic<bool> closed_{false};   // close() has completed
    // The pulsar.Producer (the same object at every send); a reference is held per send in
    // flight. Atomic: sending threads store it, the dispatcher reads it, and without the GIL
    // (free-threaded CPython) nothing else orders them.
    std::atomic<PyObject*> self_{nullptr};

    // Counters written under queue_mutex_ (so that a message's place in the queue and its
    // count agree) and read anywhere: atomic, as nothing else orders them without the GIL.
    std::atomic<uint64_t> sent_async_{0};      // send_async messages queued
    std::atomic<uint64_t> callbacks_done_{0};  // written on the dispatcher thread
    // Threads inside sendAsync without the GIL in send()'s direct path.
    SectionCount sends_without_gil_;

    // The submitter and its queue.
    std::atomic<uint64_t> queued_{0};     // messages ever queued (written under queue_mutex_)
    std::atomic<uint64_t> submitted_{0};  // of those, handed to libpulsar (submitter thread)
    std::mutex queue_mutex_;
    std::condition_variable queue_wake_;      // the submitter waits for work
    std::condition_variable queue_progress_;  // senders wait for room, flush for submission
    std::vector<Queued> queue_;
    bool submitter_idle_ = false;
    bool submitter_stop_ = false;  // for good: a stopped submitter is never restarted
    std::thread submitter_;
};

}  // namespace fastpulsar
