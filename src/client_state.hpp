// What a client shares with the producers and consumers it created.
#pragma once

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace fastpulsar {

class ProducerCore;

struct ClientState {
    std::atomic<bool> closed{false};

    void add_producer(const std::shared_ptr<ProducerCore>& producer) {
        std::lock_guard<std::mutex> lock(mutex);
        producers.erase(std::remove_if(producers.begin(), producers.end(),
                                       [](const std::weak_ptr<ProducerCore>& p) { return p.expired(); }),
                        producers.end());
        producers.push_back(producer);
    }

    std::vector<std::shared_ptr<ProducerCore>> live_producers() {
        std::lock_guard<std::mutex> lock(mutex);
        std::vector<std::shared_ptr<ProducerCore>> out;
        for (auto& weak : producers) {
            if (auto producer = weak.lock()) {
                out.push_back(std::move(producer));
            }
        }
        return out;
    }

   private:
    std::mutex mutex;
    std::vector<std::weak_ptr<ProducerCore>> producers;
};

}  // namespace fastpulsar
