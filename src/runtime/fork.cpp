// Fork safety (see fork.hpp).
#include "runtime/fork.hpp"

#include <atomic>

#include "runtime/dispatcher.hpp"
#include "runtime/gil.hpp"

namespace fastpulsar {
namespace {

std::atomic<uint64_t> g_generation{0};

}  // namespace

const char* const kInheritedFromParent =
    "this object was created before os.fork(): libpulsar's threads do not exist in the "
    "child process, so it cannot be used there (create a new pulsar.Client in the child)";

uint64_t fork_generation() { return g_generation.load(std::memory_order_acquire); }

void after_fork_in_child() {
    g_generation.fetch_add(1, std::memory_order_acq_rel);
    Dispatcher::reset_after_fork();
    reset_gil_for_callbacks_after_fork();
}

}  // namespace fastpulsar
