// Named concurrency idioms, so that each reads the same wherever it is used.
#pragma once

#include <condition_variable>
#include <mutex>
#include <utility>

namespace fastpulsar {

// "Lock an empty scope, then notify": wakes every waiter on `cv` after taking and
// releasing `mutex` once. A waiter that has checked its condition under `mutex` but not
// yet started waiting then cannot miss the notification, while the state it waits on
// may be an atomic written outside the lock. Any thread, GIL or not; never throws.
inline void notify_all_after_lock(std::mutex& mutex, std::condition_variable& cv) {
    {
        std::lock_guard<std::mutex> lock(mutex);
    }
    cv.notify_all();
}

// Counts the threads inside a section and lets another thread wait until none is.
// Any thread, GIL or not; never throws.
class SectionCount {
   public:
    void enter() {
        std::lock_guard<std::mutex> lock(mutex_);
        ++inside_;
    }
    void leave() {
        bool last = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            last = --inside_ == 0;
        }
        if (last) {
            empty_.notify_all();
        }
    }
    bool empty() {
        std::lock_guard<std::mutex> lock(mutex_);
        return inside_ == 0;
    }
    // For a wait that checks for signals (wait_without_gil, runtime/wait.hpp): the mutex,
    // the condition notified when the last thread leaves, and the test to make under
    // the mutex.
    std::mutex& mutex() { return mutex_; }
    std::condition_variable& emptied() { return empty_; }
    bool empty_locked() const { return inside_ == 0; }

   private:
    std::mutex mutex_;
    std::condition_variable empty_;
    int inside_ = 0;
};

// Holds a thread inside a SectionCount for its scope.
class InSection {
   public:
    explicit InSection(SectionCount& section) : section_(section) { section_.enter(); }
    ~InSection() { section_.leave(); }
    InSection(const InSection&) = delete;
    InSection& operator=(const InSection&) = delete;

   private:
    SectionCount& section_;
};

// Runs `undo` when the scope ends, however it ends (return or exception): for state that a
// function sets on entry and must reset on every way out (a flag, a count of waiters).
// `undo` must not throw. Any thread, GIL or not, as `undo` allows.
template <typename Undo>
class ScopeExit {
   public:
    explicit ScopeExit(Undo undo) : undo_(std::move(undo)) {}
    ~ScopeExit() { undo_(); }
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;

   private:
    Undo undo_;
};

}  // namespace fastpulsar
