// Operations in flight whose completion libpulsar may never deliver. A consumer's close
// fails its pending receives by posting their callbacks to libpulsar's listener threads,
// and a client's close stops those threads, dropping what they had not run yet: those
// receives would never complete. The client keeps them here (weakly) and abandons those
// still pending once its close has returned, when libpulsar can no longer complete them.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "abi/results.hpp"

namespace fastpulsar {

class Abandonable {
   public:
    virtual ~Abandonable() = default;
    // Completes the operation with `result` unless it has completed already (the first
    // completion wins). Any thread, GIL or not; never throws (but std::bad_alloc).
    virtual void abandon(pulsar::Result result) = 0;
};

class InFlight {
   public:
    // Keeps a weak reference to `op` (pruned once it is gone). Any thread; never throws
    // (but std::bad_alloc).
    void add(const std::shared_ptr<Abandonable>& op);
    // Abandons every operation still alive with `result` and forgets them. Any thread,
    // GIL or not; never throws (but std::bad_alloc).
    void abandon_all(pulsar::Result result);

   private:
    std::mutex mutex_;
    std::vector<std::weak_ptr<Abandonable>> ops_;  // guarded by mutex_
    std::size_t prune_at_ = 64;                    // guarded by mutex_
};

}  // namespace fastpulsar
