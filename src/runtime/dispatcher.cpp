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

// wait_for: how often it checks for signals, and, with no lane thread, for
// completions to serve itself.
constexpr auto kSignalCheckInterval = std::chrono::milliseconds(100);
// Rounds served after a stop while libpulsar keeps queuing, before run() returns anyway.
constexpr int kMaxStoppingRounds = 4;
constexpr auto kServeHereInterval = std::chrono::milliseconds(5);

// Intentionally immortal (see the header): allocated at load time (and once per fork),
// never freed.
std::atomic<Dispatcher*> g_instance{std::make_unique<Dispatcher>().release()};

// The lane the calling thread serves (in run()), or null.
thread_local DispatchLane* t_lane = nullptr;

}  // namespace

// ---- DispatchLane -----------------------------------------------------------------------

template <typename Item>
void DispatchLane::push(std::vector<Item>& queue, Item&& item, std::size_t limit) {
    bool notify = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (queue.size() >= limit) {
            ++dropped_logs_;
            return;
        }
        queue.push_back(std::move(item));
        notify = idle_;  // wake the lane's thread once, not for every item
        idle_ = false;
    }
    if (notify) {
        wake_.notify_one();
    }
}

void DispatchLane::push_send(SendCompletion&& completion) {
    push(sends_, std::move(completion), std::numeric_limits<std::size_t>::max());
}

void DispatchLane::push_log(LogRecord&& record) { push(logs_, std::move(record), kMaxQueuedLogs); }

void DispatchLane::release_later(PyObject* owned) {
    if (owned != nullptr) {
        push(releases_, std::move(owned), std::numeric_limits<std::size_t>::max());
    }
}

void DispatchLane::push_task(std::shared_ptr<DispatchTask> task) {
    push(tasks_, std::move(task), std::numeric_limits<std::size_t>::max());
}

bool DispatchLane::is_own_thread() const { return t_lane == this; }

void DispatchLane::run() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (running_.load()) {
            raise_python(PyExc_RuntimeError, "this pulsar dispatcher thread is already running");
        }
        stop_ = Stop::kNone;
        running_.store(true, std::memory_order_release);
    }
    DispatchLane* outer = std::exchange(t_lane, this);
    ScopeExit restore([outer] { t_lane = outer; });
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
            auto has_work = [this] { return stop_ != Stop::kNone || !empty_locked(); };
            if (!has_work()) {
                idle_ = true;
                wake_.wait_for(lock, kLevelRefreshInterval, has_work);
                idle_ = false;
            }
            sends.swap(sends_);
            logs.swap(logs_);
            releases.swap(releases_);
            tasks.swap(tasks_);
            stopping = stop_ != Stop::kNone;
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
        if (main_ && now - last_refresh >= kLevelRefreshInterval) {
            last_refresh = now;
            refresh_log_levels();
        }
        if (stopping) {
            // Asked to stop when this round began: return once a round found nothing more
            // queued (a few rounds at most: libpulsar may keep queuing), unless the stop was
            // taken back (cancel_stop, a new client). running_ drops under the queue's mutex.
            std::lock_guard<std::mutex> lock(mutex_);
            if (stop_ != Stop::kNone &&
                (empty_locked() || ++stopping_rounds >= kMaxStoppingRounds)) {
                running_.store(false, std::memory_order_release);
                break;
            }
        }
    }
    owner_.notify_progress();
}

void DispatchLane::serve(std::vector<SendCompletion>& sends, std::vector<LogRecord>& logs,
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
    owner_.notify_progress();
}

void DispatchLane::stop(Stop kind) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (kind > stop_) {
            stop_ = kind;
        }
    }
    wake_.notify_one();
}

void DispatchLane::cancel_stop(Stop kind) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_ <= kind) {
        stop_ = Stop::kNone;
    }
}

bool DispatchLane::serve_here() {
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

// ---- Dispatcher -------------------------------------------------------------------------

Dispatcher& Dispatcher::instance() { return *g_instance.load(std::memory_order_acquire); }

void Dispatcher::reset_after_fork() {
    g_instance.store(std::make_unique<Dispatcher>().release(), std::memory_order_release);
}

DispatchLane& Dispatcher::listener_lane(std::size_t index) {
    std::lock_guard<std::mutex> lock(lanes_mutex_);
    while (listeners_.size() <= index) {
        listeners_.push_back(std::make_unique<DispatchLane>(*this, false));
    }
    return *listeners_[index];
}

DispatchLane& Dispatcher::lane_at(std::size_t index) {
    return index == 0 ? main_ : listener_lane(index - 1);
}

void Dispatcher::run(std::size_t lane) { lane_at(lane).run(); }

bool Dispatcher::is_running(std::size_t lane) const {
    if (lane == 0) {
        return main_.is_running();
    }
    std::lock_guard<std::mutex> lock(lanes_mutex_);
    return lane - 1 < listeners_.size() && listeners_[lane - 1]->is_running();
}

void Dispatcher::stop() {
    std::lock_guard<std::mutex> lock(lanes_mutex_);
    main_.stop(DispatchLane::Stop::kNow);
    for (auto& lane : listeners_) {
        lane->stop(DispatchLane::Stop::kNow);
    }
}

void Dispatcher::cancel_stop() {
    std::lock_guard<std::mutex> lock(lanes_mutex_);
    main_.cancel_stop(DispatchLane::Stop::kNow);
    for (auto& lane : listeners_) {
        lane->cancel_stop(DispatchLane::Stop::kNow);
    }
}

void Dispatcher::add_user() {
    // Under lanes_mutex_, as remove_user: a stop for want of users is asked for, or taken
    // back, in the order the count changed.
    std::lock_guard<std::mutex> lock(lanes_mutex_);
    users_.fetch_add(1, std::memory_order_acq_rel);
    main_.cancel_stop(DispatchLane::Stop::kWhenUnused);
    for (auto& lane : listeners_) {
        lane->cancel_stop(DispatchLane::Stop::kWhenUnused);
    }
}

void Dispatcher::remove_user() {
    std::lock_guard<std::mutex> lock(lanes_mutex_);
    if (users_.fetch_sub(1, std::memory_order_acq_rel) != 1) {
        return;
    }
    main_.stop(DispatchLane::Stop::kWhenUnused);
    for (auto& lane : listeners_) {
        lane->stop(DispatchLane::Stop::kWhenUnused);
    }
}

bool Dispatcher::is_dispatcher_thread() const {
    return t_lane != nullptr && &t_lane->owner_ == this;
}

void Dispatcher::notify_progress() {
    if (waiters_.load(std::memory_order_acquire) > 0) {
        notify_all_after_lock(progress_mutex_, progress_);
    }
}

void Dispatcher::wait_for(const std::function<bool()>& done) { wait_for(done, main_); }

void Dispatcher::wait_for(const std::function<bool()>& done, DispatchLane& lane) {
    if (lane.is_own_thread() || (!lane.is_main() && is_dispatcher_thread())) {
        // Called from a callback on that lane: what it waits for runs on this very thread,
        // after the current callback returns. (A lane never waits for a listener lane.)
        return;
    }
    waiters_.fetch_add(1, std::memory_order_acq_rel);
    ScopeExit leave([this] { waiters_.fetch_sub(1, std::memory_order_acq_rel); });
    for (;;) {
        if (!lane.is_running()) {
            lane.serve_here();
        }
        if (done()) {
            return;
        }
        bool finished = false;
        {
            GilRelease nogil;
            std::unique_lock<std::mutex> lock(progress_mutex_);
            if (lane.is_running()) {
                finished = progress_.wait_for(lock, kSignalCheckInterval,
                                              [&] { return done() || !lane.is_running(); });
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
    std::vector<DispatchLane*> lanes{&main_};
    {
        std::lock_guard<std::mutex> lock(lanes_mutex_);
        for (auto& lane : listeners_) {
            lanes.push_back(lane.get());
        }
    }
    bool served = true;
    while (served) {
        served = false;
        for (DispatchLane* lane : lanes) {
            while (!lane->is_running() && lane->serve_here()) {
                served = true;
            }
        }
    }
}

}  // namespace fastpulsar
