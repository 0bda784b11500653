// Operations in flight that libpulsar may drop at a client's close (see in_flight.hpp).
#include "runtime/in_flight.hpp"

#include <algorithm>
#include <utility>

namespace fastpulsar {

void InFlight::add(const std::shared_ptr<Abandonable>& op) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ops_.size() >= prune_at_) {
        ops_.erase(std::remove_if(ops_.begin(), ops_.end(),
                                  [](const std::weak_ptr<Abandonable>& w) { return w.expired(); }),
                   ops_.end());
        prune_at_ = std::max<std::size_t>(64, 2 * ops_.size());
    }
    ops_.push_back(op);
}

void InFlight::abandon_all(pulsar::Result result) {
    std::vector<std::weak_ptr<Abandonable>> ops;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ops.swap(ops_);
        prune_at_ = 64;
    }
    for (auto& weak : ops) {
        if (auto op = weak.lock()) {
            op->abandon(result);
        }
    }
}

}  // namespace fastpulsar
