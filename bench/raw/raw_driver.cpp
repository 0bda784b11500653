// The raw libpulsar driver: the same workloads as bench/driver.py, in plain C++
// over libpulsar, as the ceiling a binding can reach. Prints one JSON object.
//
//   raw_driver --url URL --topic T --mode async|sync|threads [--count N]
//              [--payload BYTES] [--batching 0|1] [--threads T]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "libpulsar.hpp"

namespace {

struct Options {
    std::string url;
    std::string topic;
    std::string mode = "async";
    long count = 200000;
    long payload = 100;
    bool batching = true;
    int threads = 1;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i];
        std::string value = argv[i + 1];
        if (key == "--url") o.url = value;
        else if (key == "--topic") o.topic = value;
        else if (key == "--mode") o.mode = value;
        else if (key == "--count") o.count = std::atol(value.c_str());
        else if (key == "--payload") o.payload = std::atol(value.c_str());
        else if (key == "--batching") o.batching = value == "1";
        else if (key == "--threads") o.threads = std::atoi(value.c_str());
        else {
            std::fprintf(stderr, "unknown option %s\n", key.c_str());
            std::exit(2);
        }
    }
    if (o.url.empty() || o.topic.empty()) {
        std::fprintf(stderr, "--url and --topic are required\n");
        std::exit(2);
    }
    return o;
}

class Latch {
   public:
    void done(pulsar::Result r) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            result_ = r;
            done_ = true;
        }
        cv_.notify_one();
    }
    pulsar::Result wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return done_; });
        return result_;
    }

   private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    pulsar::Result result_ = pulsar::ResultOk;
};

void check(pulsar::Result r, const char* what) {
    if (r != pulsar::ResultOk) {
        std::fprintf(stderr, "%s failed: %s\n", what, pulsar::strResult(r));
        std::exit(1);
    }
}

pulsar::Message make_message(const std::string& payload) {
    pulsar::MessageBuilder builder;
    builder.setContent(payload.data(), payload.size());
    return builder.build();
}

// One sync send as fastpulsar's send() does it: sendAsync, trigger the batch,
// wait for the receipt.
void send_sync(pulsar::Producer& producer, const std::string& payload, bool batching) {
    auto latch = std::make_shared<Latch>();
    producer.sendAsync(make_message(payload),
                       [latch](pulsar::Result r, const pulsar::MessageId&) { latch->done(r); });
    if (batching) {
        producer.flushAsync([](pulsar::Result) {});
    }
    check(latch->wait(), "send");
}

void flush(pulsar::Producer& producer) {
    auto latch = std::make_shared<Latch>();
    producer.flushAsync([latch](pulsar::Result r) { latch->done(r); });
    check(latch->wait(), "flush");
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parse(argc, argv);
    pulsar::Client client(o.url, pulsar::ClientConfiguration());  // as the extension does

    pulsar::ProducerConfiguration conf;
    conf.setBatchingEnabled(o.batching);
    conf.setBatchingMaxPublishDelayMs(10UL);
    conf.setBatchingMaxMessages(1000U);
    conf.setMaxPendingMessages(10000);
    conf.setBlockIfQueueFull(true);

    std::shared_ptr<Latch> created = std::make_shared<Latch>();
    pulsar::Producer producer;
    client.createProducerAsync(o.topic, conf, [&producer, created](pulsar::Result r, pulsar::Producer p) {
        producer = p;
        created->done(r);
    });
    check(created->wait(), "createProducer");

    std::string payload(static_cast<std::size_t>(o.payload), 'x');
    for (int i = 0; i < 100; ++i) {  // warm-up: connection, first batches
        send_sync(producer, payload, o.batching);
    }

    double elapsed = 0;
    std::vector<double> latencies_us;
    if (o.mode == "async") {
        std::atomic<long> completed{0};
        std::atomic<long> failed{0};
        auto start = std::chrono::steady_clock::now();
        for (long i = 0; i < o.count; ++i) {
            producer.sendAsync(make_message(payload),
                               [&completed, &failed](pulsar::Result r, const pulsar::MessageId&) {
                                   if (r != pulsar::ResultOk) failed.fetch_add(1);
                                   completed.fetch_add(1, std::memory_order_relaxed);
                               });
        }
        flush(producer);
        elapsed = seconds_since(start);
        if (completed.load() != o.count || failed.load() != 0) {
            std::fprintf(stderr, "completed %ld of %ld, %ld failed\n", completed.load(), o.count,
                         failed.load());
            return 1;
        }
    } else if (o.mode == "sync") {
        latencies_us.reserve(static_cast<std::size_t>(o.count));
        auto start = std::chrono::steady_clock::now();
        for (long i = 0; i < o.count; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            send_sync(producer, payload, o.batching);
            latencies_us.push_back(seconds_since(t0) * 1e6);
        }
        elapsed = seconds_since(start);
    } else if (o.mode == "threads") {
        long per_thread = o.count / o.threads;
        std::vector<std::thread> workers;
        auto start = std::chrono::steady_clock::now();
        for (int t = 0; t < o.threads; ++t) {
            workers.emplace_back([&] {
                for (long i = 0; i < per_thread; ++i) send_sync(producer, payload, o.batching);
            });
        }
        for (auto& w : workers) w.join();
        elapsed = seconds_since(start);
        o.count = per_thread * o.threads;
    } else {
        std::fprintf(stderr, "unknown mode %s\n", o.mode.c_str());
        return 2;
    }

    double p50 = 0, p99 = 0;
    if (!latencies_us.empty()) {
        std::sort(latencies_us.begin(), latencies_us.end());
        p50 = latencies_us[latencies_us.size() / 2];
        p99 = latencies_us[std::min(latencies_us.size() - 1, latencies_us.size() * 99 / 100)];
    }
    std::printf("{\"rate\": %.1f, \"seconds\": %.4f, \"count\": %ld, \"p50_us\": %.1f, \"p99_us\": %.1f}\n",
                static_cast<double>(o.count) / elapsed, elapsed, o.count, p50, p99);
    auto closed = std::make_shared<Latch>();
    producer.closeAsync([closed](pulsar::Result r) { closed->done(r); });
    closed->wait();
    auto client_closed = std::make_shared<Latch>();
    client.closeAsync([client_closed](pulsar::Result r) { client_closed->done(r); });
    client_closed->wait();
    return 0;
}
