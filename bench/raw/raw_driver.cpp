// The raw libpulsar driver: the same workloads as bench/driver.py, in plain C++
// over libpulsar, as the ceiling a binding can reach. Prints one JSON object.
//
//   raw_driver --url URL --topic T --mode MODE [--count N]
//              [--payload BYTES] [--batching 0|1] [--threads T]
//
// Producer modes: async, sync, threads. Consumer modes, on a topic that already holds
// count + 100 messages (the first 100 are the untimed warm-up): receive (receive +
// acknowledge), listener (a message listener that acknowledges), listener4 (four
// consumers, each of a subscription of its own reading the whole topic, with listeners on
// four listener threads), batch (batchReceive + acknowledge of each), reader (readNext). A
// consumer stops once it has seen count + 100 distinct message ids (a broker may deliver
// one twice).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/resource.h>

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
    long batch_max = 100;  // batch mode: the policy's maximum number of messages
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
        else if (key == "--batch-max") o.batch_max = std::atol(value.c_str());
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


constexpr long kWarmup = 100;  // consumer modes: messages received before the clock starts
constexpr int kReceiveTimeoutMs = 30000;  // a consumer that waits this long has failed

bool is_consumer_mode(const std::string& mode) {
    return mode == "receive" || mode == "listener" || mode == "listener4" || mode == "batch" ||
           mode == "reader";
}

// How many consumers a consumer mode runs (each reads the whole topic), and so how many
// timed messages it reads per message of --count.
long consumers_of(const std::string& mode) { return mode == "listener4" ? 4 : 1;
}

// How many of the ids are distinct. Called off the clock.
long distinct(const std::vector<pulsar::MessageId>& ids) {
    std::set<pulsar::MessageId> seen(ids.begin(), ids.end());
    return static_cast<long>(seen.size());
}

// CPU time of the whole process (every thread), user + system, in seconds.
double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct ConsumerRun {
    double elapsed = 0;
    double cpu = 0;
    long received = 0;  // deliveries, duplicates included
    long unique = 0;
};

// The pull modes (receive, batch, reader): `pull(ids)` appends what it received. The clock
// runs from the end of the warm-up until `total` distinct ids have been seen; the
// duplicate check stops it.
template <typename Pull>
ConsumerRun pull_loop(long total, Pull pull) {
    std::vector<pulsar::MessageId> ids;
    ids.reserve(static_cast<std::size_t>(total));
    while (static_cast<long>(ids.size()) < kWarmup) pull(ids);
    ConsumerRun run;
    long target = total;
    for (;;) {
        auto start = std::chrono::steady_clock::now();
        double cpu_start = cpu_seconds();
        while (static_cast<long>(ids.size()) < target) pull(ids);
        run.elapsed += seconds_since(start);
        run.cpu += cpu_seconds() - cpu_start;
        run.unique = distinct(ids);
        if (run.unique >= total) break;
        target = static_cast<long>(ids.size()) + (total - run.unique);
    }
    run.received = static_cast<long>(ids.size());
    return run;
}

// The listener modes: the listener threads append (the consumer's index and the id); the
// clock runs from the warm-up's last message to the message that completes `total`
// distinct (consumer, id) pairs.
class ListenerTally {
   public:
    ListenerTally(long total, long warmup) : total_(total), target_(total), warmup_(warmup) {
        ids_.reserve(static_cast<std::size_t>(total));
    }
    void add(const pulsar::MessageId& id, int consumer = 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        ids_.emplace_back(consumer, id);
        long n = static_cast<long>(ids_.size());
        if (n == warmup_) {
            start_ = std::chrono::steady_clock::now();
            cpu_start_ = cpu_seconds();
        }
        if (n == target_) {
            end_ = std::chrono::steady_clock::now();
            cpu_end_ = cpu_seconds();
            reached_ = true;
            cv_.notify_one();
        }
    }
    ConsumerRun wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            if (!cv_.wait_for(lock, std::chrono::milliseconds(kReceiveTimeoutMs),
                              [this] { return reached_; })) {
                std::fprintf(stderr, "listener: %zu of %ld messages\n", ids_.size(), target_);
                std::exit(1);
            }
            std::set<std::pair<int, pulsar::MessageId>> seen(ids_.begin(), ids_.end());
            long unique = static_cast<long>(seen.size());
            if (unique >= total_) {
                return {std::chrono::duration<double>(end_ - start_).count(),
                        cpu_end_ - cpu_start_, static_cast<long>(ids_.size()), unique};
            }
            reached_ = false;
            target_ = static_cast<long>(ids_.size()) + (total_ - unique);
        }
    }

   private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::pair<int, pulsar::MessageId>> ids_;
    const long total_;
    long target_;
    const long warmup_;
    bool reached_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point end_;
    double cpu_start_ = 0;
    double cpu_end_ = 0;
};

void ack(pulsar::Consumer& consumer, const pulsar::MessageId& id) {
    consumer.acknowledgeAsync(id, [](pulsar::Result r) { check(r, "acknowledge"); });
}

pulsar::Consumer subscribe(pulsar::Client& client, const std::string& topic,
                           pulsar::ConsumerConfiguration& conf,
                           const std::string& subscription = "bench") {
    conf.setSubscriptionInitialPosition(pulsar::InitialPositionEarliest);
    auto subscribed = std::make_shared<Latch>();
    pulsar::Consumer consumer;
    client.subscribeAsync(topic, subscription, conf,
                          [&consumer, subscribed](pulsar::Result r, pulsar::Consumer c) {
                              consumer = c;
                              subscribed->done(r);
                          });
    check(subscribed->wait(), "subscribe");
    return consumer;
}

ConsumerRun run_consumer(pulsar::Client& client, const Options& o) {
    long total = o.count + kWarmup;
    ConsumerRun run;
    if (o.mode == "reader") {
        auto created = std::make_shared<Latch>();
        pulsar::Reader reader;
        client.createReaderAsync(o.topic, pulsar::MessageId::earliest(),
                                 pulsar::ReaderConfiguration(),
                                 [&reader, created](pulsar::Result r, pulsar::Reader made) {
                                     reader = made;
                                     created->done(r);
                                 });
        check(created->wait(), "createReader");
        run = pull_loop(total, [&](std::vector<pulsar::MessageId>& ids) {
            pulsar::Message msg;
            check(reader.readNext(msg, kReceiveTimeoutMs), "readNext");
            ids.push_back(msg.getMessageId());
        });
        auto closed = std::make_shared<Latch>();
        reader.closeAsync([closed](pulsar::Result r) { closed->done(r); });
        closed->wait();
        return run;
    }
    if (o.mode == "listener4") {
        auto tally = std::make_shared<ListenerTally>(4 * total, 4 * kWarmup);
        std::vector<pulsar::Consumer> consumers;
        for (int index = 0; index < 4; ++index) {
            pulsar::ConsumerConfiguration conf;
            conf.setMessageListener(
                [tally, index](pulsar::Consumer& consumer, const pulsar::Message& msg) {
                    ack(consumer, msg.getMessageId());
                    tally->add(msg.getMessageId(), index);
                });
            consumers.push_back(
                subscribe(client, o.topic, conf, "bench-" + std::to_string(index)));
        }
        run = tally->wait();
        for (auto& consumer : consumers) {
            auto closed = std::make_shared<Latch>();
            consumer.closeAsync([closed](pulsar::Result r) { closed->done(r); });
            closed->wait();
        }
        return run;
    }
    pulsar::ConsumerConfiguration conf;
    auto tally = std::make_shared<ListenerTally>(total, kWarmup);
    if (o.mode == "listener") {
        conf.setMessageListener([tally](pulsar::Consumer& consumer, const pulsar::Message& msg) {
            ack(consumer, msg.getMessageId());
            tally->add(msg.getMessageId());
        });
    } else if (o.mode == "batch") {
        conf.setBatchReceivePolicy(
            pulsar::BatchReceivePolicy(static_cast<int>(o.batch_max), -1, 100));
    }
    pulsar::Consumer consumer = subscribe(client, o.topic, conf);
    if (o.mode == "listener") {
        run = tally->wait();
    } else if (o.mode == "receive") {
        run = pull_loop(total, [&](std::vector<pulsar::MessageId>& ids) {
            pulsar::Message msg;
            check(consumer.receive(msg, kReceiveTimeoutMs), "receive");
            ack(consumer, msg.getMessageId());
            ids.push_back(msg.getMessageId());
        });
    } else {  // batch
        run = pull_loop(total, [&](std::vector<pulsar::MessageId>& ids) {
            auto latch = std::make_shared<Latch>();
            std::vector<pulsar::Message> batch;
            consumer.batchReceiveAsync(
                [latch, &batch](pulsar::Result r, const std::vector<pulsar::Message>& msgs) {
                    batch = msgs;
                    latch->done(r);
                });
            check(latch->wait(), "batchReceive");
            for (const auto& msg : batch) {
                ack(consumer, msg.getMessageId());
                ids.push_back(msg.getMessageId());
            }
        });
    }
    auto closed = std::make_shared<Latch>();
    consumer.closeAsync([closed](pulsar::Result r) { closed->done(r); });
    closed->wait();
    return run;
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parse(argc, argv);
    pulsar::ClientConfiguration client_conf;  // as the extension does
    if (o.mode == "listener4") {
        client_conf.setMessageListenerThreads(4);
    }
    pulsar::Client client(o.url, client_conf);
    if (is_consumer_mode(o.mode)) {
        ConsumerRun run = run_consumer(client, o);
        long timed = o.count * consumers_of(o.mode);
        std::printf(
            "{\"rate\": %.1f, \"seconds\": %.4f, \"count\": %ld, \"cpu_us_per_msg\": %.3f, "
            "\"received\": %ld, \"duplicates\": %ld}\n",
            static_cast<double>(timed) / run.elapsed, run.elapsed, timed,
            run.cpu / static_cast<double>(timed) * 1e6, run.received, run.received - run.unique);
        std::fflush(stdout);
        auto client_closed = std::make_shared<Latch>();
        client.closeAsync([client_closed](pulsar::Result r) { client_closed->done(r); });
        client_closed->wait();
        return 0;
    }

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
        // libpulsar may complete the flush before the send callbacks of the last batch
        // have all run: wait for them (bounded), as fastpulsar's flush() does.
        for (int spins = 0; completed.load() != o.count && spins < 10000; ++spins) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
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
