// The dispatcher (see dispatcher.hpp).
#include "runtime/dispatcher.hpp"

#include <chrono>
#include <limits>
#include <memory>
#include <utility>

#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/sync.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {
namespace {

// Log lines queued and not yet served beyond this are counted and dropped, so a
// stalled dispatcher cannot make libpulsar's logging grow memory without bound.
constexpr std::size_t kMaxQueuedLogs = 100000;

constexpr auto kLevelRefreshInterval = std::chrono::seconds(1);

// wait_for: how often it checks for signals, and, with no dispatcher thread, for
// completions to serve itself.
constexpr auto kSignalCheckInterval = std::chrono::milliseconds(100);
// Rounds served after stop() while libpulsar keeps queuing, before run() returns anyway.
constexpr int kMaxStoppingRounds = 4;
constexpr auto kServeHereInterval = std::chrono::milliseconds(5);

// Intentionally immortal (see the header): allocated at load time (and once per fork),
// never freed.
std::atomic<Dispatcher*> g_instance{std::make_unique<Dispatcher>().release()};

}  // namespace

Dispatcher& Dispatcher::instance() { return *g_instance.load(std::memory_order_acquire); }

void Dispatcher::reset_after_fork() {
    g_instance.store(std::make_unique<Dispatcher>().release(), std::memory_order_release);
}

template <typename Item>
void Dispatcher::push(std::vector<Item>& queue, Item&& item, std::size_t limit) {
    bool notify = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (queue.size() >= limit) {
            ++dropped_logs_;
            return;
        }
        queue.push_back(std::move(item));
        notify = idle_;  // wake the dispatcher once, not for every item
        idle_ = false;
    }
    if (notify) {
        wake_.notify_one();
    }
}

void Dispatcher::push_send(SendCompletion&& completion) {
    push(sends_, std::move(completion), std::numeric_limits<std::size_t>::max());
}

void Dispatcher::push_log(LogRecord&& record) { push(logs_, std::move(record), kMaxQueuedLogs); }

void Dispatcher::release_later(PyObject* owned) {
    if (owned != nullptr) {
        push(releases_, std::move(owned), std::numeric_limits<std::size_t>::max());
    }
}

void Dispatcher::push_task(std::shared_ptr<DispatchTask> task) {
    push(tasks_, std::move(task), std::numeric_limits<std::size_t>::max());
}

bool Dispatcher::is_dispatcher_thread() const {
    return is_running() && std::this_thread::get_id() == thread_id_.load(std::memory_order_acquire);
}

void Dispatcher::run() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (running_.load()) {
            raise_python(PyExc_RuntimeError, "the pulsar dispatcher is already running");
        }
        stop_ = false;
        thread_id_.store(std::this_thread::get_id(), std::memory_order_release);
        running_.store(true, std::memory_order_release);
    }
    std::vector<SendCompletion> sends;
    std::vector<LogRecord> logs;
    std::vector<PyObject*> releases;
    std::vector<std::shared_ptr<DispatchTask>> tasks;
    auto last_refresh = std::chrono::steady_clock::now();
    int stopping_rounds = 0;
    for (;;) {
        bool stopping = false;
        std::size_t dropped = 0;
        {
            GilRelease nogil;
            std::unique_lock<std::mutex> lock(mutex_);
            auto has_work = [this] {
                return stop_ || !sends_.empty() || !logs_.empty() || !releases_.empty() ||
                       !tasks_.empty();
            };
            if (!has_work()) {
                idle_ = true;
                wake_.wait_for(lock, kLevelRefreshInterval, has_work);
                idle_ = false;
            }
            sends.swap(sends_);
            logs.swap(logs_);
            releases.swap(releases_);
            tasks.swap(tasks_);
            stopping = stop_;
            dropped = dropped_logs_;
            dropped_logs_ = 0;
        }
        serve(sends, logs, releases, tasks);
        if (dropped > 0) {
            PyErr_WarnFormat(PyExc_RuntimeWarning, 1,
                             "pulsar: %zu libpulsar log lines were dropped", dropped);
            if (PyErr_Occurred()) {
                PyErr_WriteUnraisable(nullptr);
            }
        }
        auto now = std::chrono::steady_clock::now();
        if (now - last_refresh >= kLevelRefreshInterval) {
            last_refresh = now;
            refresh_log_levels();
        }
        if (stopping) {
            // Asked to stop when this round began: return once a round found nothing more
            // queued (a few rounds at most: libpulsar may keep queuing), unless a callback
            // took the stop back (cancel_stop). running_ drops under the queue's mutex.
            std::lock_guard<std::mutex> lock(mutex_);
            bool drained = sends_.empty() && logs_.empty() && releases_.empty() && tasks_.empty();
            if (stop_ && (drained || ++stopping_rounds >= kMaxStoppingRounds)) {
                running_.store(false, std::memory_order_release);
                break;
            }
        }
    }
    notify_all_after_lock(progress_mutex_, progress_);
}

void Dispatcher::serve(std::vector<SendCompletion>& sends, std::vector<LogRecord>& logs,
                       std::vector<PyObject*>& releases,
                       std::vector<std::shared_ptr<DispatchTask>>& tasks) {
    // GIL held.
    for (auto& completion : sends) {
        deliver_send(completion);
    }
    if (!sends.empty()) {
        report_unsent_without_callback();
    }
    for (auto& record : logs) {
        deliver_log(record);
    }
    for (auto& task : tasks) {
        task->run();
    }
    tasks.clear();  // may release Python references: before the releases are served
    for (PyObject* owned : releases) {
        Py_DECREF(owned);
    }
    sends.clear();
    logs.clear();
    releases.clear();
    if (waiters_.load(std::memory_order_acquire) > 0) {
        notify_all_after_lock(progress_mutex_, progress_);
    }
}

void Dispatcher::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
}

void Dispatcher::cancel_stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
}

void Dispatcher::wait_for(const std::function<bool()>& done) {
    if (is_dispatcher_thread()) {
        // Called from a callback: the callbacks waited for would run on this very
        // thread, after the current one returns.
        return;
    }
    waiters_.fetch_add(1, std::memory_order_acq_rel);
    ScopeExit leave([this] { waiters_.fetch_sub(1, std::memory_order_acq_rel); });
    for (;;) {
        if (!is_running()) {
            serve_here();
        }
        if (done()) {
            return;
        }
        bool finished = false;
        {
            GilRelease nogil;
            std::unique_lock<std::mutex> lock(progress_mutex_);
            if (is_running()) {
                finished = progress_.wait_for(lock, kSignalCheckInterval,
                                              [&] { return done() || !is_running(); });
            } else {
                // Nobody notifies: look again soon for completions to serve here.
                finished = progress_.wait_for(lock, kServeHereInterval, done);
            }
        }
        if (!finished) {
            check_signals();
        }
    }
}

void Dispatcher::serve_pending() {
    while (!is_running() && serve_here()) {
    }
}

bool Dispatcher::serve_here() {
    if (serving_here_.exchange(true, std::memory_order_acq_rel)) {
        return false;  // another waiting thread serves (its callbacks released the GIL)
    }
    ScopeExit release([this] { serving_here_.store(false, std::memory_order_release); });
    std::vector<SendCompletion> sends;
    std::vector<LogRecord> logs;
    std::vector<PyObject*> releases;
    std::vector<std::shared_ptr<DispatchTask>> tasks;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (running_.load(std::memory_order_acquire)) {
            return false;
        }
        sends.swap(sends_);
        logs.swap(logs_);
        releases.swap(releases_);
        tasks.swap(tasks_);
    }
    if (sends.empty() && logs.empty() && releases.empty() && tasks.empty()) {
        return false;
    }
    serve(sends, logs, releases, tasks);
    return true;
}

}  // namespace fastpulsar
